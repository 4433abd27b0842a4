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
