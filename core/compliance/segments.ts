/**
 * SMS segment counting, GSM-7 / UCS-2 aware (3GPP TS 23.038).
 *
 * Carriers bill and deliver per segment, and a long UCS-2 text (one emoji is enough to switch the whole
 * message to UCS-2) can cost 3-4x what its author expects. The compliance gate uses this to enforce a
 * tenant's segment cap before anything reaches the provider.
 */

export type SmsEncoding = 'GSM-7' | 'UCS-2';

export interface SegmentCount {
  encoding: SmsEncoding;
  /** Number of SMS segments the body is split into (0 for an empty body). */
  segments: number;
  /** Septets for GSM-7 (extension characters count 2), UTF-16 code units for UCS-2. */
  units: number;
}

// The GSM 03.38 default alphabet (basic character set). ESC (0x1B) is left out: it only prefixes the
// extension table and is never a character of its own in a text we send.
const GSM7_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
// The extension table: each is sent as ESC + char, i.e. 2 septets.
const GSM7_EXTENSION = '\f^{}\\[~]|€';

const BASIC = new Set(Array.from(GSM7_BASIC));
const EXTENSION = new Set(Array.from(GSM7_EXTENSION));

const GSM7_SINGLE = 160;
const GSM7_MULTI = 153; // 7 septets go to the concatenation header (UDH)
const UCS2_SINGLE = 70;
const UCS2_MULTI = 67;

/** True when every character of `body` is in the GSM-7 basic set or its extension table. */
export function isGsm7(body: string): boolean {
  for (const ch of body) {
    if (!BASIC.has(ch) && !EXTENSION.has(ch)) return false;
  }
  return true;
}

/**
 * Counts the segments a text needs.
 *
 * GSM-7: 160 septets in one segment, else 153 per segment; an extension character (€, [, ], {, }, ~, ^, |,
 * \\, form feed) is 2 septets and is never split across two segments. UCS-2: 70 code units in one segment,
 * else 67 per segment; a surrogate pair (emoji and other astral characters) is never split.
 */
export function countSegments(body: string): SegmentCount {
  if (typeof body !== 'string') throw new TypeError('countSegments: body must be a string');
  if (body.length === 0) return { encoding: 'GSM-7', segments: 0, units: 0 };

  if (isGsm7(body)) {
    const sizes = Array.from(body, (ch) => (EXTENSION.has(ch) ? 2 : 1));
    const units = sizes.reduce((a, b) => a + b, 0);
    return { encoding: 'GSM-7', units, segments: units <= GSM7_SINGLE ? 1 : pack(sizes, GSM7_MULTI) };
  }

  // for..of iterates code points, so an astral character arrives whole with length 2.
  const sizes = Array.from(body, (ch) => ch.length);
  const units = body.length;
  return { encoding: 'UCS-2', units, segments: units <= UCS2_SINGLE ? 1 : pack(sizes, UCS2_MULTI) };
}

/** True when the body needs more than `cap` segments. A cap of null or undefined means no cap. */
export function exceedsSegmentCap(body: string, cap: number | null | undefined): boolean {
  if (cap === null || cap === undefined) return false;
  if (!Number.isInteger(cap) || cap < 1) throw new RangeError(`segment cap must be a positive integer, got ${cap}`);
  return countSegments(body).segments > cap;
}

/** Greedy packing of indivisible units into segments of `capacity`. */
function pack(sizes: number[], capacity: number): number {
  let segments = 1;
  let used = 0;
  for (const size of sizes) {
    if (used + size > capacity) {
      segments += 1;
      used = 0;
    }
    used += size;
  }
  return segments;
}
