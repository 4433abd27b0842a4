/**
 * Twilio adapter for the SmsProvider port, on the official `twilio` library (v6). Only this folder imports
 * `twilio`.
 */
import twilio from 'twilio';
import { SmsProviderError, type OutboundSms, type SentLookup, type SentSms, type SmsProvider, type SmsSendResult } from '../../../ports/sms-provider.port';
import { mapTwilioStatus } from '../../message-status';
import { maskPhonesIn } from './mask';

export interface TwilioSmsProviderConfig {
  accountSid: string;
  authToken: string;
  /** Preferred sender: a Messaging Service picks the number (A2P 10DLC campaigns live there). */
  messagingServiceSid?: string | null;
  /** Sender number when there is no Messaging Service (E.164). */
  fromNumber?: string | null;
  /**
   * Where the Twilio REST API lives, default https://api.twilio.com. Set it to a local fake for tests and
   * demos: every request's origin is rewritten to it, path and query kept.
   */
  baseUrl?: string | null;
  /** Default status callback when a text does not carry its own. */
  statusCallbackUrl?: string | null;
  /** Request timeout, default 15 s. */
  timeoutMs?: number;
  /**
   * Keep-alive sockets, on by default (as in the `twilio` library): with it off, every send opens a new TCP
   * connection and TLS session to api.twilio.com, a few round trips and a handshake's CPU per text.
   */
  keepAlive?: boolean;
}

type TwilioRequestOptions = Parameters<InstanceType<typeof twilio.RequestClient>['request']>[0];

/**
 * twilio 6 has no base-URL option: `edge`/`region` only rewrite *.twilio.com host names. A RequestClient
 * that swaps the origin is the supported seam (the client takes `httpClient`), and it covers every
 * Twilio domain the library may call.
 */
class RebasedRequestClient extends twilio.RequestClient {
  constructor(
    private readonly base: URL,
    opts: ConstructorParameters<typeof twilio.RequestClient>[0],
  ) {
    super(opts);
  }

  override request<TData>(opts: TwilioRequestOptions & { data?: TData }) {
    const original = new URL(opts.uri);
    const rebased = new URL(this.base.href.replace(/\/+$/, '') + original.pathname + original.search);
    return super.request({ ...opts, uri: rebased.href });
  }
}

const SEND_STATUS: Record<string, SmsSendResult['status']> = {
  accepted: 'queued',
  scheduled: 'queued',
  queued: 'queued',
  sending: 'sending',
  sent: 'sent',
  delivered: 'delivered',
};

/** Twilio error codes that mean "try again later". Everything else 4xx is final. */
const RETRYABLE_CODES = new Set(['20429', '20500', '20503']);

/**
 * Network failures that happen before a request can reach Twilio (no connection, no address, no TLS
 * session), so the text certainly did not go. Any other failure without an HTTP answer (a timeout, a reset
 * or hang-up, perhaps after Twilio read the request) leaves the outcome unknown.
 */
const NOT_SENT_NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ENETDOWN',
  'EHOSTDOWN',
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** Newest texts to one recipient read by `findSent`: far more than a lead gets in the minutes it covers. */
const LOOKUP_PAGE = 50;

/** Sends texts through Twilio's Messages API. */
export class TwilioSmsProvider implements SmsProvider {
  readonly name = 'twilio';
  private readonly client: twilio.Twilio;

  constructor(private readonly config: TwilioSmsProviderConfig) {
    if (!/^AC[0-9a-fA-F]{32}$/.test(config.accountSid ?? '')) {
      throw new TypeError('TwilioSmsProvider: accountSid must look like AC followed by 32 hex characters');
    }
    if (!config.authToken) throw new TypeError('TwilioSmsProvider: authToken is required');
    if (config.messagingServiceSid && !/^MG[0-9a-fA-F]{32}$/.test(config.messagingServiceSid)) {
      throw new TypeError('TwilioSmsProvider: messagingServiceSid must look like MG followed by 32 hex characters');
    }
    const clientOpts = { timeout: config.timeoutMs ?? 15_000, keepAlive: config.keepAlive ?? true, autoRetry: false };
    const httpClient = config.baseUrl
      ? new RebasedRequestClient(parseBaseUrl(config.baseUrl), clientOpts)
      : new twilio.RequestClient(clientOpts);
    this.client = twilio(config.accountSid, config.authToken, { httpClient, ...clientOpts });
  }

  /**
   * Sends one text. Sender: the text's own `from`, else the Messaging Service, else `fromNumber`.
   * Throws SmsProviderError with Twilio's code: 21610 (recipient replied STOP to this sender: mark the lead
   * opted out) and 21211 (invalid number) are final; 429, 5xx and network failures are retryable. A 5xx,
   * a timeout or a dropped connection may come after Twilio accepted the text: those carry `maybeSent`.
   */
  async send(sms: OutboundSms): Promise<SmsSendResult> {
    const from = sms.from ?? (this.config.messagingServiceSid ? null : (this.config.fromNumber ?? null));
    if (!from && !this.config.messagingServiceSid) {
      throw new SmsProviderError('Twilio: no sender: set messagingServiceSid or fromNumber', null, false);
    }
    const statusCallback = sms.statusCallbackUrl ?? this.config.statusCallbackUrl ?? undefined;
    try {
      const message = await this.client.messages.create({
        to: sms.to,
        body: sms.body,
        ...(from ? { from } : { messagingServiceSid: this.config.messagingServiceSid! }),
        ...(statusCallback ? { statusCallback } : {}),
      });
      return { providerMessageId: message.sid, status: SEND_STATUS[message.status] ?? 'queued' };
    } catch (error) {
      throw toSmsProviderError(error);
    }
  }

  /**
   * Texts like `lookup` that Twilio holds, through the Messages list (newest first) filtered by To and by
   * From when the sender is a number (with a Messaging Service the sender is picked later, so it is matched
   * on the service instead). Not filtered by DateSent: `date_sent` stays null while a text waits in Twilio's
   * queue, so that filter would miss exactly the texts accepted a moment ago; `date_created` is compared here.
   */
  async findSent(lookup: SentLookup): Promise<SentSms[]> {
    const from = lookup.from ?? (this.config.messagingServiceSid ? null : (this.config.fromNumber ?? null));
    const service = from ? null : (this.config.messagingServiceSid ?? null);
    let listed: Awaited<ReturnType<twilio.Twilio['messages']['list']>>;
    try {
      listed = await this.client.messages.list({ to: lookup.to, ...(from ? { from } : {}), limit: LOOKUP_PAGE });
    } catch (error) {
      throw toSmsProviderError(error);
    }
    const body = comparableBody(lookup.body);
    return listed
      .filter(
        (m) =>
          String(m.direction).startsWith('outbound') &&
          (service ? m.messagingServiceSid === service : m.from === from) &&
          m.dateCreated instanceof Date &&
          m.dateCreated.getTime() >= lookup.since.getTime() &&
          comparableBody(m.body ?? '') === body,
      )
      .reverse()
      .map(toSentSms);
  }

  /**
   * One text by its SID ("Fetch a Message resource"): its status and error code now. A 404 means Twilio no
   * longer holds it (deleted, or another account's SID): null, so the caller stops asking.
   */
  async fetchStatus(providerMessageId: string): Promise<SentSms | null> {
    try {
      return toSentSms(await this.client.messages(providerMessageId).fetch());
    } catch (error) {
      if ((error as { status?: unknown })?.status === 404) return null;
      throw toSmsProviderError(error);
    }
  }
}

function toSentSms(m: { sid: string; status: string; errorCode: number | null }): SentSms {
  return {
    providerMessageId: m.sid,
    status: mapTwilioStatus(m.status) ?? 'queued',
    errorCode: m.errorCode !== null && m.errorCode !== undefined ? String(m.errorCode) : null,
  };
}

/**
 * A body as Twilio may echo it back: a Messaging Service with Smart Encoding swaps curly quotes, long
 * dashes and odd spaces for plain ones, so those are compared as their plain forms.
 */
function comparableBody(body: string): string {
  return body
    .normalize('NFC')
    .replace(/[\u2018\u2019\u201A\u2032]/g, "'")
    .replace(/[\u201C\u201D\u201E\u2033]/g, '"')
    .replace(/[\u2013\u2014\u2212]/g, '-')
    .replace(/\u2026/g, '...')
    .replace(/[\u00A0\u2000-\u200B\u202F]/g, ' ')
    .trim();
}

/** Maps a twilio-node failure to the port's error; phone numbers in Twilio's messages are masked. */
export function toSmsProviderError(error: unknown): SmsProviderError {
  if (error instanceof SmsProviderError) return error;
  const e = error as { status?: unknown; code?: unknown; message?: unknown; moreInfo?: unknown };
  const message = maskPhonesIn(typeof e?.message === 'string' ? e.message : String(error));
  if (typeof e?.status === 'number') {
    // A RestException: HTTP status plus Twilio's own numeric code.
    const code = e.code !== undefined && e.code !== null ? String(e.code) : null;
    const retryable = e.status === 429 || e.status >= 500 || (code !== null && RETRYABLE_CODES.has(code));
    // A 4xx (429 included) is Twilio refusing the text. A 5xx may come after it stored the message.
    return new SmsProviderError(`Twilio ${e.status}${code ? ` (${code})` : ''}: ${message}`, code ?? String(e.status), retryable, e.status >= 500);
  }
  // No HTTP answer at all (refused, reset, timeout, DNS): the request may or may not have reached Twilio.
  const networkCode = typeof e?.code === 'string' ? e.code : null;
  const maybeSent = networkCode === null || !NOT_SENT_NETWORK_CODES.has(networkCode);
  return new SmsProviderError(`Twilio unreachable${networkCode ? ` (${networkCode})` : ''}: ${message}`, null, true, maybeSent);
}

function parseBaseUrl(value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TypeError(`TwilioSmsProvider: baseUrl "${value}" is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TypeError(`TwilioSmsProvider: baseUrl must be http(s), got ${url.protocol}`);
  }
  return url;
}
