/**
 * A small SMS segment counter private to the AI pipeline (the compliance gate has its own): the drafting
 * stage needs it to keep replies inside the tenant's segment cap.
 * GSM-7: 160 septets in one segment, 153 per part when concatenated; extension characters take two.
 * UCS-2: 70 UTF-16 code units in one segment, 67 per part.
 */

const GSM_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const GSM_EXTENSION = '^{}\\[~]|€\f';
const BASIC = new Set(GSM_BASIC);
const EXTENSION = new Set(GSM_EXTENSION);

export type SmsEncoding = 'GSM-7' | 'UCS-2';

export interface SegmentCount {
  encoding: SmsEncoding;
  /** Septets (GSM-7) or UTF-16 code units (UCS-2). */
  units: number;
  segments: number;
}

/** Counts the segments a text takes. */
export function countSegments(text: string): SegmentCount {
  let septets = 0;
  for (const ch of text) {
    if (BASIC.has(ch)) septets += 1;
    else if (EXTENSION.has(ch)) septets += 2;
    else {
      const units = text.length;
      return { encoding: 'UCS-2', units, segments: units === 0 ? 0 : units <= 70 ? 1 : Math.ceil(units / 67) };
    }
  }
  return { encoding: 'GSM-7', units: septets, segments: septets === 0 ? 0 : septets <= 160 ? 1 : Math.ceil(septets / 153) };
}

/** Swaps typographic characters that force UCS-2 for their GSM-7 look-alikes. */
export function toGsmFriendly(text: string): string {
  return text
    .replace(/[\u2018\u2019\u02bc]/g, "'")
    .replace(/[\u201c\u201d]/g, '"')
    .replace(/[\u2013\u2014]/g, '-')
    .replace(/\u2026/g, '...')
    .replace(/\u00a0/g, ' ');
}

/**
 * Shortens a text to fit `maxSegments`, cutting at the last sentence (or word) boundary that fits.
 * Returns the text unchanged when it already fits.
 */
export function fitToSegments(text: string, maxSegments: number): { text: string; truncated: boolean } {
  if (countSegments(text).segments <= maxSegments) return { text, truncated: false };
  // Binary search the longest prefix that fits, then back off to a boundary.
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (countSegments(text.slice(0, mid)).segments <= maxSegments) lo = mid;
    else hi = mid - 1;
  }
  const prefix = text.slice(0, lo);
  const sentenceEnd = Math.max(prefix.lastIndexOf('. '), prefix.lastIndexOf('! '), prefix.lastIndexOf('? '));
  if (sentenceEnd > lo * 0.5) return { text: prefix.slice(0, sentenceEnd + 1).trim(), truncated: true };
  const space = prefix.lastIndexOf(' ', lo - 3);
  const cut = space > 0 ? prefix.slice(0, space) : prefix.slice(0, Math.max(0, lo - 3));
  return { text: `${cut.trimEnd()}...`, truncated: true };
}
