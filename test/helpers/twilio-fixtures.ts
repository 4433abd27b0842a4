/**
 * A Message resource shaped like the Messages API "create" response in Twilio's docs, for nock
 * replies in tests that drive the real Twilio provider.
 */
export function twilioMessageResource(input: { accountSid: string; from: string; sid: string; to: string; body: string; dateCreated?: string }) {
  const { accountSid, from, sid, to, body } = input;
  const date = input.dateCreated ?? 'Tue, 02 Jun 2026 16:00:00 +0000';
  return {
    account_sid: accountSid,
    api_version: '2010-04-01',
    body,
    date_created: date,
    date_sent: null,
    date_updated: date,
    direction: 'outbound-api',
    error_code: null,
    error_message: null,
    from,
    messaging_service_sid: null,
    num_media: '0',
    num_segments: '1',
    price: null,
    price_unit: 'USD',
    sid,
    status: 'queued',
    subresource_uris: { media: `/2010-04-01/Accounts/${accountSid}/Messages/${sid}/Media.json` },
    to,
    uri: `/2010-04-01/Accounts/${accountSid}/Messages/${sid}.json`,
  };
}

/** A date as Twilio writes it in resources (RFC 2822, GMT): `Tue, 02 Jun 2026 16:00:00 +0000`. */
export function twilioDate(at: Date): string {
  return at.toUTCString().replace('GMT', '+0000');
}

/**
 * One page of the Messages list resource ("Read multiple Message resources" in Twilio's docs): the
 * messages, newest first, and the paging fields. `query` is the request's query string, echoed in the URIs.
 */
export function twilioMessagePage(input: { accountSid: string; query: string; messages: unknown[]; pageSize?: number }) {
  const path = `/2010-04-01/Accounts/${input.accountSid}/Messages.json`;
  const pageSize = input.pageSize ?? 50;
  return {
    end: Math.max(0, input.messages.length - 1),
    first_page_uri: `${path}?${input.query}&Page=0`,
    messages: input.messages,
    next_page_uri: null,
    page: 0,
    page_size: pageSize,
    previous_page_uri: null,
    start: 0,
    uri: `${path}?${input.query}&Page=0`,
  };
}

/**
 * A nock reply as Twilio sends it, for `.reply(() => twilioReply(201, resource))`: the body as JSON, with
 * Content-Type and Content-Length. The length matters: the provider keeps its connection alive, and nock 14
 * never ends a keep-alive reply that has no Content-Length (Twilio's own answers always carry one). A string
 * body is sent as it is, as HTML, the way a load balancer answers when Twilio itself cannot.
 */
export function twilioReply(status: number, body: unknown): [number, string, Record<string, string>] {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const contentType = typeof body === 'string' ? 'text/html; charset=utf-8' : 'application/json; charset=utf-8';
  return [status, text, { 'Content-Type': contentType, 'Content-Length': String(Buffer.byteLength(text)) }];
}
