/**
 * Full phone numbers never reach logs: Twilio echoes the number in some error messages ("The 'To' number
 * +15005550001 is not a valid phone number."), so errors built from them are masked first.
 */
const PHONE_LIKE = /\+?\d[\d\s().-]{5,}\d/g;

/** Replaces every phone-like run of 7+ digits with `***` and its last 2 digits. */
export function maskPhonesIn(text: string): string {
  return text.replace(PHONE_LIKE, (match) => {
    const digits = match.replace(/\D/g, '');
    return digits.length < 7 ? match : `***${digits.slice(-2)}`;
  });
}
