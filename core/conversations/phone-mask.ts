import { parsePhoneNumberFromString } from 'libphonenumber-js';

/**
 * A phone number agents can recognise without it being copyable from screenshots or logs:
 * `+1 •••• ••• 0142`. Only the country code and the last four digits survive.
 */
export function maskPhone(e164: string): string {
  const digits = e164.replace(/\D/g, '');
  const last4 = digits.slice(-4).padStart(4, '•');
  const parsed = parsePhoneNumberFromString(e164);
  const cc = parsed?.countryCallingCode ?? (digits.length > 10 ? digits.slice(0, digits.length - 10) : '');
  return `${cc ? `+${cc} ` : ''}•••• ••• ${last4}`;
}
