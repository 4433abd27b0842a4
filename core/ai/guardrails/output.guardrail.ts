import { normalizeText } from '../analysis/text-analysis';
import { countSegments } from '../text/sms-segments';
import { luhnValid } from './input.guardrail';

export interface OutputGuardrailContext {
  /** All the tenant's knowledge text: the only source of prices, policies and contact details. */
  knowledgeText: string;
  /** Hostnames links may point to (subdomains included). */
  linkAllowList: readonly string[];
  segmentCap: number;
  /** Text the business itself supplied (business name, brand voice): also allowed to appear. */
  extraAllowedText?: string;
}

const MONEY_RE =
  /(?:[$€£]\s?\d+(?:,\d{3})*(?:\.\d+)?(?:\s?[km]\b)?|\b\d+(?:,\d{3})*(?:\.\d+)?\s?(?:usd|dollars?|bucks|eur|euros?|gbp|pounds|pesos|cents)\b|\b\d+(?:\.\d+)?\s?%\s?(?:off|discount|descuento))/gi;

const POLICY_RE =
  /\b(money[- ]back|guarantee[ds]?|guaranty|warrant(y|ies)|full refund|refundable|refunds?|free (trial|shipping|delivery|installation|estimates?|consultations?|cancellation|quotes?)|no (contract|commitment|obligation|hidden fees|setup fees?)|cancel (at )?any ?time|price match(ing)?|lifetime|same[- ]day|24\/7|garantia|reembolso|envio gratis)\b/g;

const AI_BOILERPLATE =
  /\b(as an ai|as a language model|as an? (artificial intelligence|ai assistant|large language model)|i('m| am) (just |only )?an? (ai|language model|virtual assistant|chatbot|bot)\b|i (cannot|can't|do not|don't) have (access to )?(real-time|personal) (information|data|opinions)|my (training data|knowledge cutoff)|i (cannot|can't) browse)/;

const URL_RE = /\b(?:https?:\/\/)?((?:[a-z0-9-]+\.)+(?:com|net|org|io|co|us|biz|info|app|dev|ly|me|gl|gd|ai|es|mx|uk|ca|xyz|site|online|shop|store|link|click)\b)(?:\/[^\s]*)?/gi;
const EMAIL_RE = /[\w.+-]+@[\w-]+(?:\.[\w-]+)+/g;
const PHONE_RE = /(?:\+?\d{1,2}[\s.-]?)?(?:\(\d{3}\)|\b\d{3})[\s.-]?\d{3}[\s.-]?\d{4}\b/g;
const SSN_RE = /\b\d{3}-\d{2}-\d{4}\b/;
const CARD_RE = /\b(?:\d[ -]?){13,19}\b/g;

/** Numbers in a text as canonical strings ("1,200.00" → "1200"). */
function numbersIn(text: string): Set<string> {
  const out = new Set<string>();
  for (const m of text.matchAll(/\d+(?:,\d{3})*(?:\.\d+)?/g)) out.add(canonicalNumber(m[0]));
  return out;
}

function canonicalNumber(raw: string): string {
  const n = Number(raw.replace(/,/g, ''));
  return Number.isFinite(n) ? String(n) : raw;
}

/** Money amounts in a reply that the knowledge does not contain: invented prices. */
export function unsupportedPrices(reply: string, knowledgeText: string): string[] {
  const known = numbersIn(knowledgeText);
  const out: string[] = [];
  for (const m of reply.matchAll(MONEY_RE)) {
    const number = m[0].match(/\d+(?:,\d{3})*(?:\.\d+)?/);
    if (number && !known.has(canonicalNumber(number[0]))) out.push(m[0].trim());
  }
  return out;
}

function hostAllowed(host: string, allowList: readonly string[]): boolean {
  const h = host.toLowerCase().replace(/^www\./, '');
  return allowList.some((entry) => {
    const a = entry.toLowerCase().replace(/^https?:\/\//, '').replace(/\/.*$/, '').replace(/^www\./, '');
    return a.length > 0 && (h === a || h.endsWith(`.${a}`));
  });
}

/**
 * Output guardrail: returns violations (empty when the draft may go out). Checks personal data, links
 * outside the allow-list, prices and policy claims the knowledge does not hold, AI boilerplate and length.
 */
export function checkOutput(reply: string, ctx: OutputGuardrailContext): string[] {
  const violations: string[] = [];
  const allowedText = `${ctx.knowledgeText}\n${ctx.extraAllowedText ?? ''}`;
  const allowedNormalized = normalizeText(allowedText);
  const allowedDigits = allowedText.replace(/\D/g, ' ');

  if (reply.trim().length === 0) violations.push('empty_reply');

  for (const price of unsupportedPrices(reply, ctx.knowledgeText)) violations.push(`unsupported_price:${price}`);

  const normalized = normalizeText(reply);
  for (const m of normalized.matchAll(POLICY_RE)) {
    if (!allowedNormalized.includes(m[0])) violations.push(`unsupported_claim:${m[0]}`);
  }

  if (AI_BOILERPLATE.test(normalized)) violations.push('ai_boilerplate');

  const withoutEmails = reply.replace(EMAIL_RE, (email) => {
    if (!allowedNormalized.includes(email.toLowerCase())) violations.push('pii:email');
    return ' ';
  });
  for (const m of withoutEmails.matchAll(URL_RE)) {
    if (!hostAllowed(m[1], ctx.linkAllowList)) violations.push(`link_not_allowed:${m[1].toLowerCase()}`);
  }
  for (const m of reply.matchAll(PHONE_RE)) {
    const digits = m[0].replace(/\D/g, '');
    if (!allowedDigits.replace(/ /g, '').includes(digits.slice(-10))) violations.push('pii:phone');
  }
  if (SSN_RE.test(reply)) violations.push('pii:ssn');
  for (const m of reply.matchAll(CARD_RE)) if (luhnValid(m[0].replace(/\D/g, ''))) violations.push('pii:card');

  const { segments } = countSegments(reply);
  if (segments > ctx.segmentCap) violations.push(`too_long:${segments}_segments`);
  return [...new Set(violations)];
}
