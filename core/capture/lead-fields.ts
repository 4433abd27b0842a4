/**
 * What a form submission says about the person: which answers fill the lead's own columns, and which
 * words the first score reads. Pure functions over a parsed definition and the validator's output.
 */
import type { FormDefinition, FormField } from '../forms/form-definition';
import type { NormalisedValues } from '../forms/validate-submission';

export interface LeadFields {
  email: string | null;
  firstName: string | null;
  lastName: string | null;
  company: string | null;
  /** A `source` hidden field's value, else the form's name. */
  source: string;
}

// Tenants name fields freely; the HTML autocomplete token is the most reliable hint, then common names.
const FIRST = { tokens: ['given-name'], names: ['first_name', 'firstname', 'first', 'given_name', 'fname', 'forename'] };
const LAST = { tokens: ['family-name'], names: ['last_name', 'lastname', 'last', 'surname', 'family_name', 'lname'] };
const FULL = { tokens: ['name'], names: ['name', 'full_name', 'fullname', 'your_name', 'contact_name'] };
const COMPANY = { tokens: ['organization'], names: ['company', 'company_name', 'organisation', 'organization', 'business', 'business_name'] };
const SOURCE_NAMES = ['source', 'lead_source'];

const MAX = 200;

function tokenOf(field: FormField): string | null {
  if (field.type === 'hidden' || !field.autocomplete) return null;
  // "section-x shipping given-name" → the last token is the field's purpose.
  return field.autocomplete.trim().split(/\s+/).pop() ?? null;
}

function pick(def: FormDefinition, values: NormalisedValues, rule: { tokens: string[]; names: string[] }): string | null {
  const visible = def.fields.filter((f) => f.type === 'text' || f.type === 'textarea');
  const field = visible.find((f) => rule.tokens.includes(tokenOf(f) ?? '')) ?? visible.find((f) => rule.names.includes(f.name));
  const v = field ? values[field.name] : undefined;
  return typeof v === 'string' && v.trim() !== '' ? v.trim().slice(0, MAX) : null;
}

/** Maps a submission's normalised values onto lead columns (null when the form did not ask). */
export function leadFieldsFrom(def: FormDefinition, values: NormalisedValues): LeadFields {
  const emailField = def.fields.find((f) => f.type === 'email' && typeof values[f.name] === 'string');
  let firstName = pick(def, values, FIRST);
  let lastName = pick(def, values, LAST);
  if (!firstName && !lastName) {
    const full = pick(def, values, FULL);
    if (full) {
      const [head, ...rest] = full.split(/\s+/);
      firstName = head ?? null;
      lastName = rest.length ? rest.join(' ') : null;
    }
  }
  const sourceField = def.fields.find((f) => f.type === 'hidden' && SOURCE_NAMES.includes(f.name));
  const sourceValue = sourceField ? values[sourceField.name] : undefined;
  return {
    email: emailField ? (values[emailField.name] as string) : null,
    firstName,
    lastName,
    company: pick(def, values, COMPANY),
    source: typeof sourceValue === 'string' && sourceValue.trim() !== '' ? sourceValue.trim().slice(0, MAX) : def.name,
  };
}

/**
 * The answers the first score reads: free text as typed, and choices as their labels ("This month",
 * not "this_month"), since the scoring lexicons read words. Contact details, hidden fields and ticks
 * carry no buying signal and are left out.
 */
export function scoringAnswers(def: FormDefinition, values: NormalisedValues): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of def.fields) {
    const v = values[f.name];
    if (typeof v !== 'string' || v === '') continue;
    if (f.type === 'text' || f.type === 'textarea') out[f.name] = v;
    else if (f.type === 'select' || f.type === 'radio') out[f.name] = f.options.find((o) => o.value === v)?.label ?? v;
  }
  return out;
}
