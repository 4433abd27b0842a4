/**
 * Opt-out / opt-in / help keyword detection for inbound texts. Runs before any AI touches the message.
 *
 * Policy (why it is shaped like this):
 * - The FCC's 2024 revocation rule says consent can be revoked "by any reasonable means", and a missed
 *   opt-out is a legal risk while a false one only costs a lead. So opt-out matching is generous: the
 *   keyword may be followed by polite filler ("STOP please") or open the text as its own sentence
 *   ("Cancel. I found another agent."), and clear natural-language requests count too.
 * - A keyword used inside a sentence is not a keyword: "can you stop by at 5?", "the end of the month",
 *   "I quit my job". Those go to the conversation.
 * - "cancel my appointment?" is NOT an opt-out: it asks to cancel an appointment, not the texts. The AI or
 *   the agent answers it; if the lead then says "cancel" or "stop texting me" that is caught here.
 * - "wrong number" IS an opt-out (natural): the person who consented is not the person reading, so
 *   continuing would text someone without consent.
 * - "not interested" is NOT an opt-out: it is a sales answer, not a request to stop texting.
 * - Opt-in (START, YES, UNSTOP) and help (HELP, INFO) must be the whole message (plus filler): "yes,
 *   Tuesday works" is a reply, not a keyword. Callers act on `opt_in` only for a lead who is opted out;
 *   for anyone else "YES" is an ordinary answer and goes to the conversation.
 */

export type KeywordKind = 'opt_out' | 'opt_in' | 'help';

export interface KeywordMatch {
  kind: KeywordKind | null;
  /** The canonical keyword (e.g. `STOP`, `OPTOUT`) or, for natural language, the phrase that matched. */
  matched: string | null;
  /** true when the match came from a natural-language phrase rather than a keyword. */
  natural: boolean;
}

/** Carrier/CTIA and FCC opt-out keywords, in canonical form. Multi-word forms normalise to these. */
export const OPT_OUT_KEYWORDS = ['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'REVOKE', 'OPTOUT'] as const;
export const OPT_IN_KEYWORDS = ['START', 'YES', 'UNSTOP'] as const;
export const HELP_KEYWORDS = ['HELP', 'INFO'] as const;

const KEYWORD_KIND = new Map<string, KeywordKind>([
  ...OPT_OUT_KEYWORDS.map((k) => [k, 'opt_out'] as const),
  ...OPT_IN_KEYWORDS.map((k) => [k, 'opt_in'] as const),
  ...HELP_KEYWORDS.map((k) => [k, 'help'] as const),
]);

// Spelled-apart forms that mean the same keyword once spaces are removed.
const JOINED: Record<string, string> = { 'stop all': 'stopall', 'opt out': 'optout', 'un subscribe': 'unsubscribe' };

// Words that may surround a keyword without changing its meaning.
const FILLER = new Set([
  'please', 'pls', 'plz', 'plse', 'now', 'thanks', 'thank', 'you', 'thx', 'ty', 'asap', 'immediately', 'ok',
  'okay', 'just', 'me', 'already', 'again', 'por', 'favor', 'gracias',
]);

// Natural-language opt-outs. Matched on normalised text (lower case, no accents, punctuation removed).
const NATURAL_OPT_OUT: RegExp[] = [
  /\bstop (?:texting|txting|messaging|msging|contacting|calling|spamming|bothering|harassing)(?: me| us| this number| my number)?\b(?! (?:you|him|her|them)\b)/,
  /\bstop (?:the|these|your|all|all the|all these|all your|with the) (?:texts?|messages?|msgs?|sms|spam)\b/,
  // "stop sending" only with an object that is the texts themselves: not "stop sending the brochures".
  /\bstop sending (?:me )?(?:texts?|messages?|msgs?|sms|these|this|them|anything)\b/,
  // "don't text me before noon" is a scheduling wish, not a revocation.
  /\b(?:do not|dont|don't|never) (?:text|txt|message|msg|contact|sms|call|send) (?:me|us|this number|my number|messages|texts)\b(?! (?:before|after|until|till|til|on|at|during|while|between|in|tomorrow|today|tonight|this|yet)\b)/,
  /\bremove (?:me|my number|my phone(?: number)?|my cell(?: number)?|this number|my info)\b/,
  /\btake (?:me|my number|this number) off\b/,
  /\bunsubscribe (?:me|my number|this number)\b/,
  /\bopt me out\b/,
  /\bno more (?:texts?|txts?|messages?|msgs?|texting|sms)\b/,
  /\bleave me alone\b/,
  /\b(?:i )?(?:do not|dont|don't) want (?:any more|anymore|any|these|your|the|more) (?:texts?|messages?|msgs?)\b/,
  /\bwrong (?:number|person|num)\b/,
  /\blose (?:my|this) number\b/,
  // Spanish
  /\bno me (?:escribas|escriban|escriba|envies|envien|envie|mandes|manden|mande|contactes|contacten|contacte)\b/,
  // Not a bare "no mas" or "baja" inside a sentence: "no mas de 300 mil", "planta baja" are about houses.
  /\bno (?:mas|quiero (?:mas )?) ?(?:mensajes|textos|sms)\b/,
  /\b(?:dar(?:me)?|darse|denme|deme) de baja\b/,
  /\b(?:eliminen|elimina|borren|borra|quiten|quita|saquen|saca) (?:mi numero|mi telefono|me de la lista)\b/,
];

// A phrase preceded by one of these means the opposite ("don't stop texting me").
const NEGATED = /\b(?:do not|dont|don't|never|not)\s*$/;

/**
 * Classifies an inbound text as an opt-out, opt-in or help request, or none of them.
 *
 * Keyword matching is case-insensitive and ignores punctuation, emoji and polite filler ("Stop.",
 * "STOP please", "stop!!", "opt-out"). Opt-out also accepts a keyword as the first sentence of a longer text
 * and clear natural-language requests (`natural: true`), including common Spanish forms.
 */
export function classifyKeyword(body: string): KeywordMatch {
  if (typeof body !== 'string') throw new TypeError('classifyKeyword: body must be a string');
  // A lone stop sign is as clear as the word; normalising would erase it.
  if (/^\s*(?:🛑|⛔)+\s*$/u.test(body)) return { kind: 'opt_out', matched: 'STOP', natural: false };
  const whole = normalise(body);
  if (whole === '') return none();

  const exact = keywordOf(whole);
  if (exact) return { kind: KEYWORD_KIND.get(exact) ?? null, matched: exact, natural: false };

  // A keyword standing as the first sentence: "Stop. I already bought a house." Opt-out only.
  const firstSentence = normalise(body.split(/[.!?\n;]/).find((s) => normalise(s) !== '') ?? '');
  const first = keywordOf(firstSentence);
  if (first && KEYWORD_KIND.get(first) === 'opt_out') return { kind: 'opt_out', matched: first, natural: false };

  for (const pattern of NATURAL_OPT_OUT) {
    const m = pattern.exec(whole);
    if (m && !NEGATED.test(whole.slice(0, m.index))) return { kind: 'opt_out', matched: m[0], natural: true };
  }
  // Spanish "ALTO"/"PARAR" are not in the carrier list, but as a whole message they are unambiguous.
  if (['alto', 'parar', 'para', 'cancelar', 'baja', 'no mas'].includes(whole)) {
    return { kind: 'opt_out', matched: whole, natural: true };
  }
  return none();
}

function none(): KeywordMatch {
  return { kind: null, matched: null, natural: false };
}

/** Lower case, accents and punctuation stripped, whitespace collapsed. */
function normalise(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '') // combining accents: "más" → "mas"
    .toLowerCase()
    .replace(/[’‘`´]/g, "'")
    .replace(/[-_]/g, ' ') // "opt-out", "opt_out"
    .replace(/[^\p{L}\p{N}\s']/gu, ' ')
    .replace(/(^|\s)'+|'+(?=\s|$)/g, '$1') // stray quotes, keep "don't"
    .replace(/\s+/g, ' ')
    .trim();
}

/** The canonical keyword when the text is a keyword, possibly repeated, plus filler words; else null. */
function keywordOf(text: string): string | null {
  let joined = ` ${text} `;
  for (const [spaced, single] of Object.entries(JOINED)) joined = joined.split(` ${spaced} `).join(` ${single} `);
  const words = joined.trim().split(' ').filter((w) => w !== '');
  let keyword: string | null = null;
  for (const word of words) {
    const upper = word.toUpperCase();
    if (KEYWORD_KIND.has(upper)) {
      if (keyword !== null && keyword !== upper) return null; // "stop start" is not a keyword
      keyword = upper;
    } else if (!FILLER.has(word)) {
      return null;
    }
  }
  return keyword;
}
