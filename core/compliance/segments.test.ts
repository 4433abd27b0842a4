import { countSegments, exceedsSegmentCap, isGsm7 } from './segments';

const a = (n: number) => 'a'.repeat(n);

describe('countSegments', () => {
  it.each([
    ['empty', '', 'GSM-7', 0, 0],
    ['1 char', 'a', 'GSM-7', 1, 1],
    ['160 GSM chars fit one segment', a(160), 'GSM-7', 160, 1],
    ['161 GSM chars need two', a(161), 'GSM-7', 161, 2],
    ['306 GSM chars fill two multipart segments', a(306), 'GSM-7', 306, 2],
    ['307 GSM chars need three', a(307), 'GSM-7', 307, 3],
    ['80 euro signs are 160 septets: one segment', '€'.repeat(80), 'GSM-7', 160, 1],
    ['81 euro signs are 162 septets: two segments', '€'.repeat(81), 'GSM-7', 162, 2],
    ['159 chars + one extension char = 161 septets', a(159) + '[', 'GSM-7', 161, 2],
    ['an extension char is not split across segments', a(152) + '€' + a(152), 'GSM-7', 306, 3],
    ['GSM accents stay GSM-7', 'Café à Zürich? ¿Qué tal? Ñoño', 'GSM-7', 29, 1],
    ['ú is not in GSM 03.38 (ù is): UCS-2', 'Ñandú', 'UCS-2', 5, 1],
    ['newlines and @ are basic GSM', 'Hi @ home\nBye\r', 'GSM-7', 14, 1],
    ['70 UCS-2 chars fit one segment', 'ą'.repeat(70), 'UCS-2', 70, 1],
    ['71 UCS-2 chars need two', 'ą'.repeat(71), 'UCS-2', 71, 2],
    ['134 UCS-2 units fill two segments', 'ą'.repeat(134), 'UCS-2', 134, 2],
    ['135 UCS-2 units need three', 'ą'.repeat(135), 'UCS-2', 135, 3],
    ['one emoji switches a GSM text to UCS-2', a(69) + '😀', 'UCS-2', 71, 2],
    ['35 emoji are 70 code units: one segment', '😀'.repeat(35), 'UCS-2', 70, 1],
    ['a surrogate pair is not split across segments', a(66) + '😀' + a(66), 'UCS-2', 134, 3],
    ['curly quotes are not GSM', 'It’s here', 'UCS-2', 9, 1],
  ])('%s', (_name, body, encoding, units, segments) => {
    expect(countSegments(body)).toEqual({ encoding, units, segments });
  });

  it('rejects a non-string body with a clear error', () => {
    expect(() => countSegments(undefined as unknown as string)).toThrow(/body must be a string/);
  });
});

describe('isGsm7', () => {
  it('accepts the extension table and rejects characters outside GSM 03.38', () => {
    expect(isGsm7('{}[]~^|\\€')).toBe(true);
    expect(isGsm7('ç')).toBe(false);
    expect(isGsm7('`')).toBe(false);
  });
});

describe('exceedsSegmentCap', () => {
  it('compares the segment count with the cap', () => {
    expect(exceedsSegmentCap(a(306), 2)).toBe(false);
    expect(exceedsSegmentCap(a(307), 2)).toBe(true);
    expect(exceedsSegmentCap('ą'.repeat(71), 1)).toBe(true);
  });

  it('treats a null cap as no cap and refuses a nonsense cap', () => {
    expect(exceedsSegmentCap(a(5000), null)).toBe(false);
    expect(() => exceedsSegmentCap('hi', 0)).toThrow(/positive integer/);
  });
});
