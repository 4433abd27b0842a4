import type { MessageView } from '../../core/domain/conversation-view';

/** Tandem's own codes on a text, in words an agent can act on. Anything else is the provider's error code. */
const OWN_CODES: Record<string, string> = {
  outcome_unknown: 'the provider did not answer; checking whether it took the text before any resend',
  provider_message_not_found: 'the provider no longer knows this text; its delivery cannot be confirmed',
  status_unknown: 'the provider has reported no delivery after 12 hours of asking',
  opted_out: 'the lead opted out',
  no_consent: 'no consent on record',
  missing_opt_out_notice: 'a first text needs the opt-out notice',
  segment_cap: 'longer than the segment limit',
  empty_body: 'empty text',
  provider_error: 'the provider refused it',
};

/**
 * What the console shows after an outbound text's time: its delivery status and, when something is wrong or
 * uncertain, why (a text left `sending` with a code is waiting on the provider, not on Tandem).
 */
export function deliveryOf(m: Pick<MessageView, 'status' | 'errorCode'>): string {
  if (!m.errorCode) return m.status;
  const why = OWN_CODES[m.errorCode] ?? (/^\d+$/.test(m.errorCode) ? `provider error ${m.errorCode}` : m.errorCode.replace(/_/g, ' '));
  return `${m.status}: ${why}`;
}
