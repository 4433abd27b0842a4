/**
 * The compliance gate: one pure decision per outbound text, taken by the send job inside the transaction
 * that holds the lead's row lock (so a STOP that lands meanwhile is seen here, not after the send).
 *
 * Order matters and is the order of severity: opted out → no consent → missing notice → segment cap →
 * quiet hours / daily cap. Blocks are final for this text; a defer keeps it and names the instant.
 */
import type { ConsentState } from '../domain/types';
import {
  locatePhone,
  nextAllowedSendTime,
  resolveQuietHoursRules,
  type DeferReason,
  type QuietHoursOverrides,
} from './quiet-hours';
import { countSegments, type SegmentCount } from './segments';

export interface GateLead {
  optedOut: boolean;
  consent: ConsentState;
  /** E.164 */
  phone: string;
  /** Known zone (e.g. from the form's browser); null to derive it from the number. */
  timezone: string | null;
}

export interface GateMessage {
  body: string;
  /** The first text of the conversation: must name the business and say how to opt out. */
  isFirstMessage: boolean;
  /** The instant reply to a form submission. */
  isFormReply: boolean;
  /** The single confirmation after an opt-out: the one text allowed to an opted-out number. */
  isOptOutConfirmation: boolean;
  /** The answer to HELP/INFO. */
  isHelpReply: boolean;
  /**
   * An answer to a text the lead just sent. Not counted against state "3 per 24 h" caps, which limit
   * solicitations, not replies the lead asked for. Defaults to false (counted).
   */
  isReplyToLead?: boolean;
}

export interface GateTenant {
  businessName: string;
  quietHours?: QuietHoursOverrides | null;
  /** ISO dates in the lead's calendar. */
  holidays?: readonly string[];
  /** Max segments per text, or null for none. */
  segmentCap: number | null;
  firstReplyMaySkipQuietHours: boolean;
  /** IANA zone used when the lead's zone cannot be told from the number. */
  defaultTimezone: string;
}

export interface EvaluateSendInput {
  lead: GateLead;
  message: GateMessage;
  tenant: GateTenant;
  now: Date;
  /** Texts sent to this lead on the lead's current local day. */
  sentTodayCount: number;
  /** Optional: send instants of recent texts to the lead, for a rolling 24 h cap. */
  recentSendTimes?: readonly Date[];
}

export type BlockReason =
  | 'opted_out'
  | 'no_consent'
  | 'missing_opt_out_notice'
  | 'segment_cap'
  | 'empty_body';

export type SendDecision =
  | { decision: 'send'; timezone: string; segments: SegmentCount }
  | { decision: 'defer'; until: Date; reason: DeferReason; timezone: string }
  | { decision: 'block'; reason: BlockReason; detail: string };

/**
 * Decides whether a text may go out now, later, or never. Pure: same input, same answer.
 *
 * - Nothing goes to an opted-out number except the opt-out confirmation (the caller guarantees it is the
 *   single one: the FCC allows one, within 5 minutes).
 * - No text without consent, except answers the lead asked for: the HELP reply and the opt-out confirmation.
 * - The first text must name the business and carry "Reply STOP to opt out" (see `ensureFirstMessageNotice`).
 * - A text longer than the tenant's segment cap is blocked (the caller may shorten and retry).
 * - Quiet hours and the daily cap defer; HELP replies and the opt-out confirmation are exempt because the
 *   lead just asked for them.
 */
export function evaluateSend(input: EvaluateSendInput): SendDecision {
  const { lead, message, tenant } = input;
  if (!tenant.businessName?.trim()) throw new TypeError('evaluateSend: tenant.businessName is required');
  const body = typeof message.body === 'string' ? message.body : '';
  const location = locatePhone(lead.phone, tenant.defaultTimezone);
  const timezone = lead.timezone ?? location.timezone;
  const segments = countSegments(body);

  if (body.trim() === '') return block('empty_body', 'the text is empty');

  if (message.isOptOutConfirmation) return { decision: 'send', timezone, segments };

  if (lead.optedOut) return block('opted_out', 'the lead has opted out; only the opt-out confirmation may be sent');

  if (lead.consent !== 'granted' && !message.isHelpReply) {
    return block('no_consent', `no consent on record (consent: ${lead.consent})`);
  }

  if (message.isFirstMessage && !hasOptOutNotice(body, tenant.businessName)) {
    return block('missing_opt_out_notice', 'the first text must name the business and say "Reply STOP to opt out"');
  }

  if (message.isHelpReply) return { decision: 'send', timezone, segments };

  if (tenant.segmentCap !== null && segments.segments > tenant.segmentCap) {
    return block('segment_cap', `${segments.segments} ${segments.encoding} segments exceed the cap of ${tenant.segmentCap}`);
  }

  const rules = resolveQuietHoursRules({
    overrides: tenant.quietHours,
    state: location.state,
    firstReplyMaySkipQuietHours: tenant.firstReplyMaySkipQuietHours,
  });
  const countsAgainstCap = !message.isReplyToLead;
  const when = nextAllowedSendTime({
    now: input.now,
    timezone,
    rules: countsAgainstCap ? rules : { ...rules, dailyCap: null },
    holidays: tenant.holidays ?? [],
    sentTodayCount: input.sentTodayCount,
    recentSendTimes: input.recentSendTimes,
    isFormReply: message.isFormReply && message.isFirstMessage,
  });
  if (!when.allowed) return { decision: 'defer', until: when.at, reason: when.reason ?? 'quiet_hours', timezone };
  return { decision: 'send', timezone, segments };
}

const NOTICE = /\breply\s+["'“]?stop["'”]?\s+to\s+(?:opt[\s-]?out|unsubscribe)\b/i;

/** True when the body names the business and says how to opt out. */
export function hasOptOutNotice(body: string, businessName: string): boolean {
  return NOTICE.test(body) && body.toLowerCase().includes(businessName.trim().toLowerCase());
}

/**
 * Makes a first text compliant: prefixes "<Business>: " when the business is not named and appends
 * " Reply STOP to opt out." when the notice is missing. Idempotent.
 */
export function ensureFirstMessageNotice(body: string, businessName: string): string {
  const name = requireName(businessName);
  let text = body.trim();
  if (!text.toLowerCase().includes(name.toLowerCase())) text = `${name}: ${text}`;
  if (!NOTICE.test(text)) text = `${text}${/[.!?]$/.test(text) ? '' : '.'} Reply STOP to opt out.`;
  return text;
}

/** The HELP/INFO answer: who is texting, how to reach a person, how to stop (CTIA HELP requirements). */
export function helpText(businessName: string, contact?: string | null): string {
  const name = requireName(businessName);
  const reach = contact?.trim() ? ` Contact us at ${contact.trim()}.` : ' Reply here and a person will get back to you.';
  return `${name}: Msg & data rates may apply.${reach} Reply STOP to opt out.`;
}

/** The single confirmation after an opt-out: no marketing, says how to come back. */
export function optOutConfirmationText(businessName: string): string {
  return `${requireName(businessName)}: You're unsubscribed and will get no more texts from us. Reply START to resubscribe.`;
}

/** The answer to START/YES/UNSTOP from an opted-out lead. */
export function optInConfirmationText(businessName: string): string {
  return `${requireName(businessName)}: You're subscribed again. Msg & data rates may apply. Reply HELP for help, STOP to opt out.`;
}

function block(reason: BlockReason, detail: string): SendDecision {
  return { decision: 'block', reason, detail };
}

function requireName(businessName: string): string {
  const name = typeof businessName === 'string' ? businessName.trim() : '';
  if (!name) throw new TypeError('a business name is required for compliance texts');
  return name;
}
