/**
 * The one phone parser, used by the server (all countries' metadata) and by the widget (the form's
 * calling-code slice, lazily loaded as widget-phone.js). Same library, same code, same data for the
 * numbers both know, so both give the same answer; for a calling code the widget has no data for it
 * answers `unknown` and the server, which has all of them, decides.
 */
import { getExampleNumber, parsePhoneNumberWithError, ParseError, validatePhoneNumberLength } from 'libphonenumber-js/core';
import type { CountryCode, Examples, MetadataJson } from 'libphonenumber-js/core';
import type { PhoneCheck, PhoneParser } from './validate-submission';

export interface PhoneParserOptions {
  /** True when `metadata` holds every calling code (server); false for a slice (widget). */
  complete: boolean;
}

/** Builds a PhoneParser over the given libphonenumber-js metadata and example numbers. */
export function createPhoneParser(
  metadata: MetadataJson,
  examples: Partial<Record<string, string>>,
  options: PhoneParserOptions,
): PhoneParser {
  const exampleFor = (country: string): string | undefined => {
    try {
      return getExampleNumber(country as CountryCode, examples as Examples, metadata)?.formatNational();
    } catch {
      return undefined;
    }
  };

  return {
    check(input: string, defaultCountry: string): PhoneCheck {
      const example = exampleFor(defaultCountry);
      const opts = { defaultCountry: defaultCountry as CountryCode };
      try {
        const parsed = parsePhoneNumberWithError(input, opts, metadata);
        if (parsed.isValid()) return { kind: 'valid', e164: parsed.number };
        const length = validatePhoneNumberLength(input, opts, metadata);
        if (length === 'TOO_SHORT' || length === 'NOT_A_NUMBER') return { kind: 'invalid', reason: 'too_short', example };
        if (length === 'TOO_LONG') return { kind: 'invalid', reason: 'too_long', example };
        return { kind: 'invalid', reason: 'invalid', example };
      } catch (e) {
        if (e instanceof ParseError && e.message === 'INVALID_COUNTRY') {
          // A calling code outside a slice is not wrong, just not ours to judge.
          return options.complete ? { kind: 'invalid', reason: 'invalid_country', example } : { kind: 'unknown' };
        }
        if (e instanceof ParseError && e.message === 'TOO_SHORT') return { kind: 'invalid', reason: 'too_short', example };
        if (e instanceof ParseError && e.message === 'TOO_LONG') return { kind: 'invalid', reason: 'too_long', example };
        return { kind: 'invalid', reason: 'invalid', example };
      }
    },
  };
}
