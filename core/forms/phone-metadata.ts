/**
 * Server-side phone data. libphonenumber-js's "mobile" metadata validates only numbers that can receive
 * a text (a UK landline is invalid, a US number is valid since the US plan does not tell them apart).
 * The server uses all of it; the widget gets, per form, the slice for the default country's calling code.
 */
import type { CountryCode, Examples, MetadataJson } from 'libphonenumber-js/core';
import { getCountryCallingCode } from 'libphonenumber-js/core';
import mobileMetadata from 'libphonenumber-js/metadata.mobile.json';
import mobileExamples from 'libphonenumber-js/examples.mobile.json';
import { createPhoneParser } from './phone-parser';
import type { PhoneParser } from './validate-submission';

export const PHONE_METADATA = mobileMetadata as unknown as MetadataJson;
export const PHONE_EXAMPLES = mobileExamples as unknown as Examples;

/** The phone data a public form carries: enough to validate numbers of its own calling code. */
export interface PhoneData {
  metadata: MetadataJson;
  examples: Partial<Record<string, string>>;
}

/**
 * Metadata and example numbers for every country sharing `country`'s calling code (all of NANP for US:
 * a Canadian number typed on a US form is valid). About 1.8 KB gzipped for +1, under 1.3 KB elsewhere.
 */
export function phoneDataFor(country: string): PhoneData {
  const callingCode = getCountryCallingCode(country as CountryCode, PHONE_METADATA);
  const raw = mobileMetadata as unknown as {
    version: number;
    country_calling_codes: Record<string, string[]>;
    countries: Record<string, unknown>;
  };
  const group = raw.country_calling_codes[callingCode] ?? [];
  const examples: Record<string, string> = {};
  for (const c of group) {
    const e = (mobileExamples as Record<string, string>)[c];
    if (e) examples[c] = e;
  }
  return {
    metadata: {
      version: raw.version,
      country_calling_codes: { [callingCode]: group },
      countries: Object.fromEntries(group.map((c) => [c, raw.countries[c]])),
    } as unknown as MetadataJson,
    examples,
  };
}

let serverParser: PhoneParser | undefined;

/** The server's phone parser: every country, mobile numbers only. */
export function serverPhoneParser(): PhoneParser {
  serverParser ??= createPhoneParser(PHONE_METADATA, PHONE_EXAMPLES, { complete: true });
  return serverParser;
}
