import { countSegments, fitToSegments, toGsmFriendly } from './sms-segments';

describe('SMS segments', () => {
  it.each([
    ['', 'GSM-7', 0],
    ['a'.repeat(160), 'GSM-7', 1],
    ['a'.repeat(161), 'GSM-7', 2],
    ['a'.repeat(306), 'GSM-7', 2],
    ['a'.repeat(307), 'GSM-7', 3],
    ['€'.repeat(80), 'GSM-7', 1],
    ['€'.repeat(81), 'GSM-7', 2],
    ['á'.repeat(70), 'UCS-2', 1],
    ['á'.repeat(71), 'UCS-2', 2],
    ['😀'.repeat(35), 'UCS-2', 1],
    ['😀'.repeat(36), 'UCS-2', 2],
  ])('%#: counts %s', (text, encoding, segments) => {
    expect(countSegments(text)).toMatchObject({ encoding, segments });
  });

  it('fits a long text at a sentence boundary', () => {
    const text = `${'One sentence here. '.repeat(12)}Last one.`;
    const fitted = fitToSegments(text, 1);
    expect(fitted.truncated).toBe(true);
    expect(countSegments(fitted.text).segments).toBe(1);
    expect(fitted.text.endsWith('.')).toBe(true);
  });

  it('leaves a fitting text alone and maps typographic characters to GSM-7', () => {
    expect(fitToSegments('Short.', 1)).toEqual({ text: 'Short.', truncated: false });
    expect(countSegments(toGsmFriendly('We\u2019re open \u2014 \u201cyes\u201d\u2026')).encoding).toBe('GSM-7');
  });
});
