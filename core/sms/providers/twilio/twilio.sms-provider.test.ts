import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import nock from 'nock';
import { SmsProviderError, type OutboundSms } from '../../../ports/sms-provider.port';
import { TwilioSmsProvider, toSmsProviderError } from './twilio.sms-provider';
import { maskPhonesIn } from './mask';
import { twilioDate, twilioMessagePage, twilioReply } from '../../../../test/helpers/twilio-fixtures';

const ACCOUNT_SID = 'AC' + 'a'.repeat(32);
const AUTH_TOKEN = 'test-auth-token';
const SERVICE_SID = 'MG' + 'b'.repeat(32);
const MESSAGES_PATH = `/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`;

const buildSms = (o: Partial<OutboundSms> = {}): OutboundSms => ({
  to: '+14155550100',
  from: null,
  body: 'Acme Realty: Hi Sam! Reply STOP to opt out.',
  messageId: 'msg_1',
  statusCallbackUrl: 'https://tandem.example.com/webhooks/twilio/status',
  ...o,
});

/** Shaped like the Messages API "create" response in Twilio's docs. */
const messageResource = (o: Record<string, unknown> = {}) => ({
  account_sid: ACCOUNT_SID,
  api_version: '2010-04-01',
  body: 'Acme Realty: Hi Sam! Reply STOP to opt out.',
  date_created: 'Tue, 10 Jun 2025 12:00:00 +0000',
  date_sent: null,
  date_updated: 'Tue, 10 Jun 2025 12:00:00 +0000',
  direction: 'outbound-api',
  error_code: null,
  error_message: null,
  from: '+14155550199',
  messaging_service_sid: null,
  num_media: '0',
  num_segments: '1',
  price: null,
  price_unit: 'USD',
  sid: 'SM' + 'c'.repeat(32),
  status: 'queued',
  subresource_uris: { media: `/2010-04-01/Accounts/${ACCOUNT_SID}/Messages/SM${'c'.repeat(32)}/Media.json` },
  to: '+14155550100',
  uri: `/2010-04-01/Accounts/${ACCOUNT_SID}/Messages/SM${'c'.repeat(32)}.json`,
  ...o,
});

/** Shaped like Twilio's documented REST error body. */
const twilioError = (code: number, message: string, status: number) => ({
  code,
  message,
  more_info: `https://www.twilio.com/docs/errors/${code}`,
  status,
});

const provider = (o: Partial<ConstructorParameters<typeof TwilioSmsProvider>[0]> = {}) =>
  new TwilioSmsProvider({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, fromNumber: '+14155550199', ...o });

function expectMessagesPost(capture: { body?: unknown }) {
  return nock('https://api.twilio.com')
    .matchHeader('connection', 'keep-alive')
    .matchHeader('content-type', 'application/x-www-form-urlencoded')
    .post(MESSAGES_PATH, (body) => {
      capture.body = body;
      return true;
    })
    .basicAuth({ user: ACCOUNT_SID, pass: AUTH_TOKEN });
}

describe('TwilioSmsProvider.send', () => {
  it('posts To, From, Body and StatusCallback with basic auth and returns the sid', async () => {
    const seen: { body?: unknown } = {};
    const scope = expectMessagesPost(seen).reply(() => twilioReply(201, messageResource()));
    const result = await provider().send(buildSms());
    expect(seen.body).toEqual({
      To: '+14155550100',
      From: '+14155550199',
      Body: 'Acme Realty: Hi Sam! Reply STOP to opt out.',
      StatusCallback: 'https://tandem.example.com/webhooks/twilio/status',
    });
    expect(result).toEqual({ providerMessageId: 'SM' + 'c'.repeat(32), status: 'queued' });
    expect(scope.isDone()).toBe(true);
  });

  it('sends through the Messaging Service when configured, with the default status callback', async () => {
    const seen: { body?: unknown } = {};
    const scope = expectMessagesPost(seen).reply(() => twilioReply(201, messageResource({ status: 'accepted', from: null, messaging_service_sid: SERVICE_SID })));
    const result = await provider({ messagingServiceSid: SERVICE_SID, statusCallbackUrl: 'https://t.example.com/status' }).send(
      buildSms({ statusCallbackUrl: null }),
    );
    expect(seen.body).toEqual({
      To: '+14155550100',
      MessagingServiceSid: SERVICE_SID,
      Body: 'Acme Realty: Hi Sam! Reply STOP to opt out.',
      StatusCallback: 'https://t.example.com/status',
    });
    expect(result.status).toBe('queued');
    expect(scope.isDone()).toBe(true);
  });

  it('uses the text’s own sender over the Messaging Service and omits an absent callback', async () => {
    const seen: { body?: unknown } = {};
    expectMessagesPost(seen).reply(() => twilioReply(201, messageResource({ status: 'sent' })));
    const result = await provider({ messagingServiceSid: SERVICE_SID }).send(buildSms({ from: '+14155550111', statusCallbackUrl: null }));
    expect(seen.body).toEqual({ To: '+14155550100', From: '+14155550111', Body: 'Acme Realty: Hi Sam! Reply STOP to opt out.' });
    expect(result.status).toBe('sent');
  });

  // A 4xx is Twilio refusing the text; a 5xx may come after it stored the message (maybeSent).
  it.each([
    ['21610 unsubscribed recipient', 400, twilioError(21610, 'Attempt to send to unsubscribed recipient', 400), '21610', false, false],
    ['21211 invalid number', 400, twilioError(21211, "The 'To' number +14155550100 is not a valid phone number.", 400), '21211', false, false],
    ['20003 bad credentials', 401, twilioError(20003, 'Authenticate', 401), '20003', false, false],
    ['429 too many requests', 429, twilioError(20429, 'Too Many Requests', 429), '20429', true, false],
    ['500 internal error', 500, twilioError(20500, 'Internal Server Error', 500), '20500', true, true],
    ['503 without a JSON body', 503, '<html>Service Unavailable</html>', '503', true, true],
  ])('maps %s', async (_name, status, body, code, retryable, maybeSent) => {
    expectMessagesPost({}).reply(() => twilioReply(status, body));
    const error = await provider().send(buildSms()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SmsProviderError);
    expect(error).toMatchObject({ providerCode: code, retryable, maybeSent });
    expect((error as Error).message).not.toContain('+14155550100');
  });

  it('treats a connection dropped after the request was written as retryable but maybe sent', async () => {
    nock('https://api.twilio.com').post(MESSAGES_PATH).replyWithError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
    const error = await provider().send(buildSms()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SmsProviderError);
    expect(error).toMatchObject({ providerCode: null, retryable: true, maybeSent: true });
    expect((error as Error).message).toMatch(/unreachable \(ECONNRESET\): socket hang up/);
  });

  it('treats a failure it cannot classify as maybe sent', async () => {
    nock('https://api.twilio.com').post(MESSAGES_PATH).replyWithError('socket hang up');
    await expect(provider().send(buildSms())).rejects.toMatchObject({ retryable: true, maybeSent: true });
  });

  it('treats a refused connection as retryable and certainly not sent', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const error = await provider({ baseUrl: `http://127.0.0.1:${port}` }).send(buildSms()).catch((e: unknown) => e);
    expect(error).toMatchObject({ providerCode: null, retryable: true, maybeSent: false, message: expect.stringMatching(/ECONNREFUSED/) });
  });

  it('treats a timeout as retryable but maybe sent', async () => {
    const silent = http.createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    const error = await provider({ baseUrl: `http://127.0.0.1:${port}`, timeoutMs: 200 }).send(buildSms()).catch((e: unknown) => e);
    silent.closeAllConnections();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
    expect(error).toMatchObject({ providerCode: null, retryable: true, maybeSent: true, message: expect.stringMatching(/ECONNABORTED|timeout/) });
  });

  it('refuses to send without any sender', async () => {
    const p = new TwilioSmsProvider({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN });
    await expect(p.send(buildSms())).rejects.toMatchObject({ retryable: false, message: expect.stringMatching(/no sender/) });
  });
});

describe('TwilioSmsProvider.findSent', () => {
  const since = new Date('2025-06-10T12:00:00Z');
  const sid = (c: string) => 'SM' + c.repeat(32);
  const listed = (o: Record<string, unknown>) =>
    messageResource({ date_created: twilioDate(new Date('2025-06-10T12:00:05Z')), status: 'sent', date_sent: twilioDate(new Date('2025-06-10T12:00:06Z')), ...o });
  const page = (query: string, messages: unknown[]) => twilioMessagePage({ accountSid: ACCOUNT_SID, query, messages });
  const lookup = { to: '+14155550100', from: null, body: 'Acme Realty: Hi Sam! Reply STOP to opt out.', since };

  it('lists by To and From and returns only our outbound text with that body, created since the try', async () => {
    const query = 'To=%2B14155550100&From=%2B14155550199&PageSize=50';
    const scope = nock('https://api.twilio.com')
      .matchHeader('connection', 'keep-alive')
      .get(MESSAGES_PATH)
      .query({ To: '+14155550100', From: '+14155550199', PageSize: '50' })
      .basicAuth({ user: ACCOUNT_SID, pass: AUTH_TOKEN })
      .reply(() =>
        twilioReply(
          200,
          page(query, [
            listed({ sid: sid('1'), body: 'Another text of ours' }),
            // Still in Twilio's queue: no date_sent yet, which is why the list is not filtered by DateSent.
            listed({ sid: sid('2'), status: 'queued', date_sent: null }),
            listed({ sid: sid('3'), direction: 'inbound', from: '+14155550100', to: '+14155550199' }),
            listed({ sid: sid('4'), date_created: twilioDate(new Date('2025-06-10T11:59:00Z')) }),
          ]),
        ),
      );
    expect(await provider().findSent(lookup)).toEqual([{ providerMessageId: sid('2'), status: 'queued', errorCode: null }]);
    expect(scope.isDone()).toBe(true);
  });

  it('matches on the Messaging Service when it picks the sender, and reads a failed text with its error', async () => {
    const scope = nock('https://api.twilio.com')
      .get(MESSAGES_PATH)
      .query({ To: '+14155550100', PageSize: '50' })
      .reply(() =>
        twilioReply(
          200,
          page('To=%2B14155550100&PageSize=50', [
            listed({ sid: sid('5'), messaging_service_sid: 'MG' + 'd'.repeat(32) }),
            // Smart Encoding may echo the curly apostrophe as a plain one.
            listed({ sid: sid('6'), messaging_service_sid: SERVICE_SID, body: "We're here", status: 'failed', error_code: 30007 }),
          ]),
        ),
      );
    const found = await provider({ messagingServiceSid: SERVICE_SID }).findSent({ ...lookup, body: 'We\u2019re here' });
    expect(found).toEqual([{ providerMessageId: sid('6'), status: 'failed', errorCode: '30007' }]);
    expect(scope.isDone()).toBe(true);
  });

  it('answers an empty list with no texts, and a failed lookup with a retryable error', async () => {
    nock('https://api.twilio.com').get(MESSAGES_PATH).query(true).reply(() => twilioReply(200, page('To=%2B14155550100&From=%2B14155550199&PageSize=50', [])));
    expect(await provider().findSent(lookup)).toEqual([]);
    nock('https://api.twilio.com').get(MESSAGES_PATH).query(true).reply(() => twilioReply(500, twilioError(20500, 'Internal Server Error', 500)));
    await expect(provider().findSent(lookup)).rejects.toMatchObject({ retryable: true, providerCode: '20500' });
  });
});

describe('TwilioSmsProvider.fetchStatus', () => {
  const sid = 'SM' + 'e'.repeat(32);
  const messagePath = `/2010-04-01/Accounts/${ACCOUNT_SID}/Messages/${sid}.json`;

  it('fetches the Message resource by SID and reads its status and error', async () => {
    const scope = nock('https://api.twilio.com')
      .matchHeader('connection', 'keep-alive')
      .get(messagePath)
      .basicAuth({ user: ACCOUNT_SID, pass: AUTH_TOKEN })
      .reply(() =>
        twilioReply(
          200,
          messageResource({ sid, status: 'undelivered', error_code: 30003, error_message: 'Unreachable destination handset', date_sent: 'Tue, 10 Jun 2025 12:00:02 +0000', price: '-0.00790' }),
        ),
      );
    expect(await provider().fetchStatus(sid)).toEqual({ providerMessageId: sid, status: 'undelivered', errorCode: '30003' });
    expect(scope.isDone()).toBe(true);
  });

  it("maps a text still in Twilio's queue to queued with no error", async () => {
    nock('https://api.twilio.com').get(messagePath).reply(() => twilioReply(200, messageResource({ sid, status: 'accepted' })));
    expect(await provider().fetchStatus(sid)).toEqual({ providerMessageId: sid, status: 'queued', errorCode: null });
  });

  it('answers null for a message Twilio no longer holds (404), and a retryable error for a 5xx', async () => {
    nock('https://api.twilio.com')
      .get(messagePath)
      .reply(() => twilioReply(404, twilioError(20404, `The requested resource ${messagePath} was not found`, 404)));
    expect(await provider().fetchStatus(sid)).toBeNull();
    nock('https://api.twilio.com').get(messagePath).reply(() => twilioReply(503, twilioError(20503, 'Service Unavailable', 503)));
    await expect(provider().fetchStatus(sid)).rejects.toMatchObject({ retryable: true, providerCode: '20503' });
    nock('https://api.twilio.com').get(messagePath).reply(() => twilioReply(401, twilioError(20003, 'Authenticate', 401)));
    await expect(provider().fetchStatus(sid)).rejects.toMatchObject({ retryable: false, providerCode: '20003' });
  });
});

describe('TwilioSmsProvider with baseUrl', () => {
  let server: http.Server;
  let seen: { method?: string; url?: string; auth?: string; body?: string };

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        seen = { method: req.method, url: req.url, auth: req.headers.authorization, body };
        res.writeHead(201, { 'content-type': 'application/json' });
        res.end(JSON.stringify(messageResource({ sid: 'SMlocalfake' })));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('sends the same request to a local fake', async () => {
    const { port } = server.address() as AddressInfo;
    const result = await provider({ baseUrl: `http://127.0.0.1:${port}/twilio` }).send(buildSms({ statusCallbackUrl: null }));
    expect(result.providerMessageId).toBe('SMlocalfake');
    expect(seen.method).toBe('POST');
    expect(seen.url).toBe(`/twilio${MESSAGES_PATH}`);
    expect(seen.auth).toBe('Basic ' + Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64'));
    expect(Object.fromEntries(new URLSearchParams(seen.body))).toEqual({
      To: '+14155550100',
      From: '+14155550199',
      Body: 'Acme Realty: Hi Sam! Reply STOP to opt out.',
    });
  });
});

describe('TwilioSmsProvider connection reuse', () => {
  const tls = join(__dirname, '../../../../test/fixtures/tls');
  const tlsCert = join(tls, '127.0.0.1.cert.pem');
  const servers: Array<http.Server | https.Server> = [];

  /** A local Messages API that answers like Twilio's (201, JSON with Content-Length) and counts TCP connections. */
  async function localMessagesApi(scheme: 'http' | 'https') {
    const seen = { connections: 0, requests: 0 };
    const server =
      scheme === 'https' ? https.createServer({ key: readFileSync(join(tls, '127.0.0.1.key.pem')), cert: readFileSync(tlsCert) }) : http.createServer();
    server.on('connection', () => seen.connections++);
    server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
      req.resume();
      req.on('end', () => {
        seen.requests++;
        const json = JSON.stringify(messageResource({ sid: `SM${String(seen.requests).padStart(32, '0')}` }));
        res.writeHead(201, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(json) });
        res.end(json);
      });
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { baseUrl: `${scheme}://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
  }

  async function sendThree(p: TwilioSmsProvider): Promise<string[]> {
    const sids: string[] = [];
    for (let i = 0; i < 3; i++) sids.push((await p.send(buildSms())).providerMessageId);
    return sids;
  }

  // nock lets requests to 127.0.0.1 through, but on a new connection each time: it is off here so the
  // sockets counted are the provider's own.
  beforeAll(() => nock.restore());
  afterAll(() => nock.activate());
  // The library reads its CA bundle from TWILIO_CA_BUNDLE when the client is built: that trusts the local certificate.
  beforeEach(() => {
    process.env.TWILIO_CA_BUNDLE = tlsCert;
  });
  afterEach(async () => {
    delete process.env.TWILIO_CA_BUNDLE;
    for (const server of servers.splice(0)) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  // https is the way to api.twilio.com (the library's own agent); http is a local fake's (Node's global agent).
  it.each(['https', 'http'] as const)('sends three texts over one %s connection by default', async (scheme) => {
    const api = await localMessagesApi(scheme);
    expect(await sendThree(provider({ baseUrl: api.baseUrl }))).toEqual(['1', '2', '3'].map((n) => `SM${n.padStart(32, '0')}`));
    expect(api.seen).toEqual({ connections: 1, requests: 3 });
  });

  it.each(['https', 'http'] as const)('opens a %s connection per text when keepAlive is off', async (scheme) => {
    const api = await localMessagesApi(scheme);
    await sendThree(provider({ baseUrl: api.baseUrl, keepAlive: false }));
    expect(api.seen).toEqual({ connections: 3, requests: 3 });
  });
});

describe('configuration and helpers', () => {
  it('refuses malformed configuration with clear errors', () => {
    expect(() => provider({ accountSid: 'nope' })).toThrow(/accountSid/);
    expect(() => provider({ authToken: '' })).toThrow(/authToken/);
    expect(() => provider({ messagingServiceSid: 'MG1' })).toThrow(/messagingServiceSid/);
    expect(() => provider({ baseUrl: 'not a url' })).toThrow(/baseUrl/);
    expect(() => provider({ baseUrl: 'ftp://x' })).toThrow(/http/);
  });

  it('masks phone numbers in error text', () => {
    expect(maskPhonesIn("The 'To' number +1 (415) 555-0100 is not valid; code 21211")).toBe("The 'To' number ***00 is not valid; code 21211");
    expect(toSmsProviderError(new Error('boom'))).toMatchObject({ retryable: true, providerCode: null });
  });
});
