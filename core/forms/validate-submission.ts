/**
 * The one submission validator, shared by the server and the widget so both say the same thing about
 * the same input. Plain TypeScript with no runtime imports: it goes into the 15 KB widget bundle.
 *
 * Phones are checked by an injected PhoneParser. libphonenumber-js's parser alone is ~9.5 KB gzipped
 * (measured with esbuild), more than the widget's whole budget allows next to preact and the UI. So:
 * the server injects `serverPhoneParser()` (all countries, mobile metadata); the widget injects the
 * very same `createPhoneParser` over the form's calling-code slice, loaded as a separate script
 * (widget-phone.js) after the form shows. Until it arrives, or for a calling code outside the slice,
 * the parser answers `unknown`: the widget lets the value through and the server, which always knows,
 * answers with the same sentence this module writes.
 */
import type { FormField } from './form-definition';

/** What a phone parser says about one input. */
export type PhoneCheck =
  | { kind: 'valid'; e164: string }
  | { kind: 'invalid'; reason: 'too_short' | 'too_long' | 'invalid' | 'invalid_country'; example?: string }
  /** This parser cannot judge (widget without data for that country, or parser not loaded yet). */
  | { kind: 'unknown' };

export interface PhoneParser {
  check(input: string, defaultCountry: string): PhoneCheck;
}

/** A parser for when none is available yet: every phone is left to the server. */
export const deferPhoneParser: PhoneParser = { check: () => ({ kind: 'unknown' }) };

/** The parts of a form definition (full or public) that validation reads. */
export interface ValidatableForm {
  fields: readonly FormField[];
  consent: { name: string; required: boolean };
  defaultPhoneCountry: string;
}

export type NormalisedValues = Record<string, string | boolean>;

export type ValidationResult =
  | { ok: true; data: NormalisedValues; phoneE164: string | null }
  | { ok: false; errors: Record<string, string> };

export interface ValidateOptions {
  phone: PhoneParser;
}

/** Key for errors that belong to no field (e.g. values is not an object). */
export const FORM_ERROR_KEY = '_form';

/** Defaults so that free text cannot be unbounded even when the tenant sets no limit. */
const DEFAULT_MAX: Partial<Record<FormField['type'], number>> = { text: 200, textarea: 5000, email: 254, hidden: 500 };

// WHATWG's "valid e-mail address", with at least one dot in the domain: a lead's address has a TLD.
const EMAIL =
  /^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)+$/;

const quote = (label: string) => `“${label.trim().replace(/[\s?:.!]+$/, '')}”`;
/** Length in characters as people count them (code points, so an emoji is one). */
const charLength = (s: string) => Array.from(s).length;

function requiredMessage(field: FormField): string {
  if (field.type !== 'hidden' && field.requiredMessage) return field.requiredMessage;
  switch (field.type) {
    case 'email':
      return 'Enter your email address.';
    case 'phone':
      return 'Enter your mobile number.';
    case 'select':
    case 'radio':
      return `Choose an answer for ${quote(field.label)}.`;
    case 'checkbox':
      return `Tick ${quote(field.label)} to continue.`;
    default:
      return `Fill in ${quote(field.label)}.`;
  }
}

function phoneMessage(check: Extract<PhoneCheck, { kind: 'invalid' }>): string {
  const eg = check.example ? `, e.g. ${check.example}` : '';
  switch (check.reason) {
    case 'too_short':
      return `That mobile number is too short. Enter a valid mobile number${eg}.`;
    case 'too_long':
      return `That mobile number is too long. Enter a valid mobile number${eg}.`;
    case 'invalid_country':
      return `That country code is not recognised. Enter a valid mobile number${eg}, or start with + and the country code.`;
    default:
      return `Enter a valid mobile number${eg}.`;
  }
}

type FieldOutcome = { error: string } | { value: string | boolean | undefined; e164?: string };

function checkField(form: ValidatableForm, field: FormField, raw: unknown, opts: ValidateOptions): FieldOutcome {
  if (field.type === 'checkbox') {
    if (raw !== undefined && raw !== null && typeof raw !== 'boolean') return { error: `${quote(field.label)} must be ticked or unticked.` };
    const checked = raw === true;
    if (field.required && !checked) return { error: requiredMessage(field) };
    return { value: checked };
  }
  if (raw !== undefined && raw !== null && typeof raw !== 'string') return { error: `${quote(field.label)} must be text.` };
  const value = (raw ?? (field.type === 'hidden' ? field.defaultValue : '')).trim();
  if (value === '') {
    if (field.type !== 'hidden' && field.required) return { error: requiredMessage(field) };
    return { value: undefined };
  }
  switch (field.type) {
    case 'select':
    case 'radio':
      return field.options.some((o) => o.value === value)
        ? { value }
        : { error: `Choose one of the listed answers for ${quote(field.label)}.` };
    case 'phone': {
      const check = opts.phone.check(value, form.defaultPhoneCountry);
      if (check.kind === 'invalid') return { error: phoneMessage(check) };
      return check.kind === 'valid' ? { value: check.e164, e164: check.e164 } : { value };
    }
    case 'email': {
      const max = field.maxLength ?? DEFAULT_MAX.email!;
      if (charLength(value) > max || !EMAIL.test(value)) return { error: 'Enter a valid email address, e.g. name@example.com.' };
      // Addresses are compared case-insensitively everywhere that matters (dedupe, CRM match).
      return { value: value.toLowerCase() };
    }
    case 'hidden': {
      const max = DEFAULT_MAX.hidden!;
      return charLength(value) > max ? { error: `${quote(field.label)} can be at most ${max} characters.` } : { value };
    }
    case 'text':
    case 'textarea': {
      const len = charLength(value);
      const max = field.maxLength ?? DEFAULT_MAX[field.type]!;
      if (field.minLength !== undefined && len < field.minLength) {
        return { error: `${quote(field.label)} needs at least ${field.minLength} characters.` };
      }
      if (len > max) return { error: `${quote(field.label)} can be at most ${max} characters (now ${len}).` };
      // HTML pattern semantics: the whole value must match.
      if (field.pattern && !new RegExp(`^(?:${field.pattern.regex})$`, field.pattern.flags).test(value)) {
        return { error: field.pattern.message };
      }
      return { value };
    }
  }
}

function checkConsent(form: ValidatableForm, raw: unknown): FieldOutcome {
  if (raw !== undefined && raw !== null && typeof raw !== 'boolean') return { error: 'The consent box must be ticked or unticked.' };
  const checked = raw === true;
  if (form.consent.required && !checked) return { error: 'Tick the box to agree to receive text messages.' };
  return { value: checked };
}

/**
 * Validates one field's value the way validateSubmission would (for inline checks on blur).
 * Returns the error sentence, or null when the value is acceptable.
 */
export function validateField(form: ValidatableForm, name: string, value: unknown, opts: ValidateOptions): string | null {
  if (name === form.consent.name) {
    const r = checkConsent(form, value);
    return 'error' in r ? r.error : null;
  }
  const field = form.fields.find((f) => f.name === name);
  if (!field) return `${quote(name)} is not a field on this form.`;
  const r = checkField(form, field, value, opts);
  return 'error' in r ? r.error : null;
}

/**
 * Validates a submission's values against a form: unknown fields, required, lengths, patterns, options,
 * email, phone (normalised to E.164 with the form's default country) and consent. Returns normalised
 * values (trimmed, email lower-cased, phone in E.164, empty optional values left out) or one human
 * sentence per failing field.
 */
export function validateSubmission(form: ValidatableForm, values: unknown, opts: ValidateOptions): ValidationResult {
  if (typeof values !== 'object' || values === null || Array.isArray(values)) {
    return { ok: false, errors: { [FORM_ERROR_KEY]: 'Send the form values as an object of field names to values.' } };
  }
  const input = values as Record<string, unknown>;
  const errors: Record<string, string> = {};
  const data: NormalisedValues = {};
  let phoneE164: string | null = null;

  const known = new Set([...form.fields.map((f) => f.name), form.consent.name]);
  for (const key of Object.keys(input)) {
    if (!known.has(key)) errors[key] = `${quote(key)} is not a field on this form.`;
  }
  for (const field of form.fields) {
    const r = checkField(form, field, input[field.name], opts);
    if ('error' in r) errors[field.name] = r.error;
    else {
      if (r.value !== undefined) data[field.name] = r.value;
      if (r.e164) phoneE164 = r.e164;
    }
  }
  const consent = checkConsent(form, input[form.consent.name]);
  if ('error' in consent) errors[form.consent.name] = consent.error;
  else data[form.consent.name] = consent.value as boolean;

  return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, data, phoneE164 };
}
