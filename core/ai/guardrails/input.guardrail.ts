import { normalizeText } from '../analysis/text-analysis';
import { PROFANITY } from '../lexicon/lexicons';

/** What the inbound guardrail found. Stored on the message: it holds kinds, never the text itself. */
export interface InputGuardrailResult {
  blocked: boolean;
  /** Why it was blocked, e.g. `prompt_injection:ignore_instructions`, `spam:link_flood`. */
  reasons: string[];
  injection: string[];
  spam: string[];
  profanity: boolean;
  /** Kinds of personal data seen (`card`, `ssn`, `email`, `phone`); they are redacted from model input. */
  pii: string[];
  /** The text with personal data replaced by placeholders: what models are allowed to see. */
  redacted: string;
}

const INJECTION_PATTERNS: Array<{ code: string; re: RegExp }> = [
  {
    code: 'ignore_instructions',
    re: /\b(ignore|disregard|forget|override|bypass|skip|drop)\b[^.!?\n]{0,40}\b(previous|prior|above|earlier|all|any|your|the|these|those|system|original|initial)\b[^.!?\n]{0,20}\b(instructions?|prompts?|rules|directions|guidelines|directives|programming|guardrails|policies|constraints|commands|context)\b/,
  },
  { code: 'ignore_instructions', re: /\b(ignore|disregard|forget) (the |everything |all (of )?the |all )?(above|preceding)\b|\bpwned\b/ },
  { code: 'ignore_instructions', re: /\b(ignora|olvida|omite|ignorez|oubliez|ignoriere|vergiss)\b.{0,40}\b(instrucciones|reglas|indicaciones|instructions|consignes|anweisungen|regeln)\b/ },
  {
    code: 'role_play',
    re: /\b(you are now|you're now|from now on,? (you|u)( are|'re| will| must)?|you are no longer|you're no longer)\b.{0,40}\b(ai|assistant|bot|model|gpt|chatgpt|character|persona|dan|unrestricted|jailbroken|free|evil|hacker|developer|mode|pirate|bound|restricted|limited|allowed)\b/,
  },
  { code: 'role_play', re: /\b(act|behave|respond|answer|reply) (as|like) (a|an|if you were|my|the)? ?(unfiltered|uncensored|unrestricted|evil|different|new|rogue|jailbroken)?\s?(ai|assistant|bot|chatbot|model|gpt|dan|character|persona|system|developer|hacker|grandma|grandmother)\b/ },
  { code: 'role_play', re: /\b(pretend (to be|you are|you're|that you are)|role[- ]?play|play the role of|simulate (being|a|an)|stay in character)\b/ },
  { code: 'role_play', re: /\b(jailbreak|jailbroken|do anything now|dan mode|developer mode|god ?mode|unfiltered mode|no restrictions|without (any )?(restrictions|filters|limits|rules))\b/ },
  { code: 'system_prompt', re: /\b(system|initial|hidden|original|secret|developer|internal|pre-?prompt)\s+(prompt|instructions|message|rules|guidelines)\b/ },
  {
    code: 'system_prompt',
    re: /\b(reveal|show|print|repeat|display|output|leak|dump|paste|copy|recite|spell out|translate)\b.{0,25}\b(your|the|all|those|these)\s+(prompt|instructions|guidelines|configuration|directives|context|rules you (follow|were given))\b/,
  },
  { code: 'system_prompt', re: /\b(what were you told|what are you instructed|who (programmed|created|built) you to|repeat (everything|the text|the words|all) (above|before))\b/ },
  { code: 'fake_role', re: /(^|\n)\s*(system|assistant|developer)\s*:|<\|?(im_start|im_end|system|endoftext|assistant)\|?>|\[\/?inst\]|<<\/?sys>>|#{2,}\s*(system|instruction|new instructions)/ },
  { code: 'fake_role', re: /\b(new|updated|real|actual|additional) (instructions|rules|system prompt|directive)s?\s*:/ },
  { code: 'fake_role', re: /\b(i am|i'm) (your|an openai|the openai|the system) (developer|creator|admin|administrator|programmer|operator|owner)\b/ },
  { code: 'tool_abuse', re: /\b(execute|run|eval) (this|the following) (code|command|script|sql|query)\b|\b(rm -rf|drop table|<script)\b/ },
];

const URL_RE = /\b(?:https?:\/\/|www\.)[^\s]+|\b[a-z0-9-]+\.(?:ly|gl|gd|co|com|net|org|io|xyz|top|click|link|info|biz|ru|cn)\/[^\s]*/gi;
const SHORTENER_RE = /\b(bit\.ly|tinyurl\.com|goo\.gl|t\.co|rb\.gy|is\.gd|cutt\.ly|ow\.ly|shorturl\.at|tiny\.cc)\b/i;
const SPAM_PHRASES =
  /\b(you('ve| have)? won|winner|congratulations,? you|claim (your|ur) (prize|reward|gift|money)|click (here|this link|the link|below)|free (money|gift ?card|iphone|crypto|bitcoin|cash)|bitcoin|btc|crypto(currency)? (investment|opportunity|giveaway|trading)|earn \$?\d+.{0,15}(a |per )?(day|week|hour)|work from home|make money (fast|online|from home)|limited time offer|act now|100% free|viagra|cialis|casino|sports ?betting|loan (is )?approved|pre-?approved (loan|credit)|cheap (meds|pills)|lose weight fast|seo services|buy (followers|likes)|backlinks|investment opportunity|double your money|wire transfer|gift card code|verify your account|account (is )?suspended)\b/g;

function base64Payloads(text: string): string[] {
  const withoutUrls = text.replace(URL_RE, ' ');
  const found: string[] = [];
  for (const match of withoutUrls.matchAll(/[A-Za-z0-9+/]{32,}={0,2}/g)) {
    const blob = match[0];
    // Real words and hashes are not mixed-case alphanumerics with digits; encoded text usually is.
    if (!/[A-Z]/.test(blob) || !/[a-z]/.test(blob)) continue;
    try {
      const decoded = Buffer.from(blob, 'base64').toString('utf8');
      const printable = decoded.replace(/[^\x20-\x7e\s]/g, '').length / Math.max(1, decoded.length);
      if (printable > 0.85 && /[a-z]{3,}/i.test(decoded)) found.push(decoded);
    } catch {
      // Not base64: nothing to decode.
    }
  }
  return found;
}

const CARD_RE = /\b(?:\d[ -]?){13,19}\b/g;
const SSN_RE = /\b\d{3}-\d{2}-\d{4}\b/g;
const EMAIL_RE = /[\w.+-]+@[\w-]+(?:\.[\w-]+)+/g;
const PHONE_RE = /(?:\+?\d{1,2}[\s.-]?)?(?:\(\d{3}\)|\b\d{3})[\s.-]?\d{3}[\s.-]?\d{4}\b/g;

/** Luhn check, so order numbers and long references are not taken for card numbers. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return digits.length >= 13 && sum % 10 === 0;
}

/** Replaces personal data with placeholders and reports the kinds found. */
export function redactPii(text: string): { redacted: string; kinds: string[] } {
  const kinds = new Set<string>();
  let redacted = text.replace(CARD_RE, (m) => {
    const digits = m.replace(/\D/g, '');
    if (!luhnValid(digits)) return m;
    kinds.add('card');
    return '[card]';
  });
  redacted = redacted.replace(SSN_RE, () => {
    kinds.add('ssn');
    return '[ssn]';
  });
  redacted = redacted.replace(EMAIL_RE, () => {
    kinds.add('email');
    return '[email]';
  });
  redacted = redacted.replace(PHONE_RE, () => {
    kinds.add('phone');
    return '[phone]';
  });
  return { redacted, kinds: [...kinds] };
}

/** Hidden characters (zero-width, bidi overrides, Unicode tags) smuggle instructions past a reader. */
const HIDDEN_CHARS = /[\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]|\udb40[\udc00-\udc7f]/;

/**
 * Inbound guardrail: blocks prompt injection (instruction overrides, role play, system prompt requests,
 * fake role markers, encoded payloads) and spam (link floods, scam phrases); flags profanity and redacts PII.
 */
export function checkInput(text: string): InputGuardrailResult {
  const normalized = normalizeText(text);
  const injection = new Set<string>();
  for (const { code, re } of INJECTION_PATTERNS) if (re.test(normalized)) injection.add(code);
  if (HIDDEN_CHARS.test(text)) injection.add('hidden_characters');
  for (const decoded of base64Payloads(text)) {
    injection.add('encoded_payload');
    // An encoded payload that decodes to an injection says so too.
    const inner = normalizeText(decoded);
    for (const { code, re } of INJECTION_PATTERNS) if (re.test(inner)) injection.add(code);
  }
  if (/\b(base64|rot13|hex)\b.{0,30}\b(decode|decoded|encoded|follow|execute|instructions)\b|\bdecode (this|the following)\b/.test(normalized)) {
    injection.add('encoded_payload');
  }

  const spam: string[] = [];
  let spamPoints = 0;
  const urls = text.match(URL_RE) ?? [];
  if (urls.length >= 3) {
    spam.push('link_flood');
    spamPoints += 2;
  }
  if (SHORTENER_RE.test(text)) {
    spam.push('link_shortener');
    spamPoints += 1;
  }
  const phrases = normalized.match(SPAM_PHRASES) ?? [];
  if (phrases.length > 0) {
    spam.push('spam_phrases');
    spamPoints += phrases.length;
    if (urls.length > 0) spamPoints += 1;
  }
  if (/(.)\1{15,}/.test(text) || /(\b\w+\b)(\s+\1\b){7,}/i.test(normalized)) {
    spam.push('repetition');
    spamPoints += 2;
  }
  if (text.length > 1600) {
    spam.push('too_long');
    spamPoints += 2;
  }

  const { redacted, kinds } = redactPii(text);
  const reasons = [...[...injection].map((c) => `prompt_injection:${c}`), ...(spamPoints >= 2 ? spam.map((c) => `spam:${c}`) : [])];
  return {
    blocked: reasons.length > 0,
    reasons,
    injection: [...injection],
    spam,
    profanity: PROFANITY.test(normalized),
    pii: kinds,
    redacted,
  };
}
