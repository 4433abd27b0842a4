/**
 * A capture form's definition: what the tenant configures, what the server validates against and what
 * the widget renders. The zod schema is server-side only (zod is too heavy for the widget); the widget
 * imports the inferred types with `import type`, which the bundler erases.
 */
import { z } from 'zod';
import { isSupportedCountry, type CountryCode } from 'libphonenumber-js/core';
import { phoneDataFor, PHONE_METADATA, type PhoneData } from './phone-metadata';

/** Field names travel as JSON keys and HTML names: short, lower snake case, no surprises. */
const fieldName = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,39}$/, 'Field names are 1–40 characters: lower-case letters, digits and _, starting with a letter.');

const label = z.string().trim().min(1, 'Every field needs a label.').max(200);
const optionalText = (max: number) => z.string().trim().min(1).max(max).optional();

/** An HTML-style pattern: matched against the whole value, with the tenant's own message on mismatch. */
const patternRule = z
  .strictObject({
    regex: z.string().min(1).max(200),
    flags: z.string().regex(/^[imsu]*$/, 'Pattern flags may only be i, m, s and u.').optional(),
    message: z.string().trim().min(1).max(300),
  })
  .refine(
    (p) => {
      try {
        new RegExp(`^(?:${p.regex})$`, p.flags);
        return true;
      } catch {
        return false;
      }
    },
    { message: 'The pattern is not a valid regular expression.' },
  );

const baseField = {
  name: fieldName,
  label,
  placeholder: optionalText(200),
  help: optionalText(500),
  required: z.boolean().default(false),
  /** Overrides the default "please fill in" sentence. */
  requiredMessage: optionalText(300),
  /** HTML autocomplete token (WCAG 1.3.5 identify input purpose), e.g. given-name. */
  autocomplete: z.string().regex(/^[a-z0-9 -]{1,60}$/).optional(),
};

const lengthRules = {
  minLength: z.number().int().min(0).max(5000).optional(),
  maxLength: z.number().int().min(1).max(5000).optional(),
  pattern: patternRule.optional(),
};

const option = z.strictObject({ value: z.string().trim().min(1).max(100), label: z.string().trim().min(1).max(200) });
const options = z
  .array(option)
  .min(1, 'A choice field needs at least one option.')
  .max(50)
  .refine((os) => new Set(os.map((o) => o.value)).size === os.length, { message: 'Option values must be unique.' });

const textField = z.strictObject({ type: z.literal('text'), ...baseField, ...lengthRules });
const textareaField = z.strictObject({ type: z.literal('textarea'), ...baseField, ...lengthRules });
const emailField = z.strictObject({ type: z.literal('email'), ...baseField, maxLength: z.number().int().min(6).max(254).optional() });
const phoneField = z.strictObject({ type: z.literal('phone'), ...baseField });
const selectField = z.strictObject({ type: z.literal('select'), ...baseField, options });
const radioField = z.strictObject({ type: z.literal('radio'), ...baseField, options });
/** A plain checkbox always starts unticked: there is deliberately no "defaultChecked". */
const checkboxField = z.strictObject({ type: z.literal('checkbox'), ...baseField });
/** A value the form carries without showing it (campaign, source). Never required: the widget fills it. */
const hiddenField = z.strictObject({
  type: z.literal('hidden'),
  name: fieldName,
  label,
  defaultValue: z.string().max(500).default(''),
});

export const formFieldSchema = z.discriminatedUnion('type', [
  textField,
  textareaField,
  emailField,
  phoneField,
  selectField,
  radioField,
  checkboxField,
  hiddenField,
]);

/**
 * The SMS consent block. The lead must tick it themselves: the object is strict and the only accepted
 * value for `defaultChecked` is `false`, so a pre-ticked consent cannot be expressed at all.
 */
export const consentBlockSchema = z.strictObject({
  name: fieldName.default('sms_consent'),
  /** The tenant's exact consent wording; stored verbatim with every submission as proof. */
  text: z.string().trim().min(20, 'The consent text must say what the lead agrees to (at least 20 characters).').max(2000),
  required: z.boolean().default(true),
  defaultChecked: z.literal(false, { error: 'SMS consent must start unticked: the lead ticks it.' }).default(false),
});

const hexColour = z.string().regex(/^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/, 'Colours are hex, e.g. #1d4ed8.');

/** Hex colour → WCAG relative luminance. */
function luminance(hex: string): number {
  const h = hex.length === 4 ? hex.replace(/^#(.)(.)(.)$/, '#$1$1$2$2$3$3') : hex;
  const [r, g, b] = [1, 3, 5].map((i) => {
    const c = parseInt(h.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** WCAG 2 contrast ratio between two hex colours (1 to 21). */
export function contrastRatio(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

export const DEFAULT_STYLING = {
  colors: {
    background: '#ffffff',
    text: '#1f2933',
    muted: '#4b5563',
    primary: '#1d4ed8',
    primaryText: '#ffffff',
    border: '#6b7280',
    error: '#b91c1c',
    focus: '#1d4ed8',
  },
  fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif',
  fontSizePx: 16,
  radiusPx: 6,
  spacingPx: 12,
} as const;

/** Pairs that must stay readable (WCAG AA: 4.5 for text, 3 for borders and focus rings). */
const CONTRAST_RULES: Array<[keyof typeof DEFAULT_STYLING.colors, keyof typeof DEFAULT_STYLING.colors, number]> = [
  ['text', 'background', 4.5],
  ['muted', 'background', 4.5],
  ['error', 'background', 4.5],
  ['primaryText', 'primary', 4.5],
  ['border', 'background', 3],
  ['focus', 'background', 3],
];

export const stylingSchema = z
  .strictObject({
    colors: z
      .strictObject({
        background: hexColour.default(DEFAULT_STYLING.colors.background),
        text: hexColour.default(DEFAULT_STYLING.colors.text),
        muted: hexColour.default(DEFAULT_STYLING.colors.muted),
        primary: hexColour.default(DEFAULT_STYLING.colors.primary),
        primaryText: hexColour.default(DEFAULT_STYLING.colors.primaryText),
        border: hexColour.default(DEFAULT_STYLING.colors.border),
        error: hexColour.default(DEFAULT_STYLING.colors.error),
        focus: hexColour.default(DEFAULT_STYLING.colors.focus),
      })
      .prefault({}),
    // Goes into a stylesheet: only characters a font list needs, so no CSS can be smuggled in.
    fontFamily: z
      .string()
      .regex(/^[\w\s,"'-]{1,200}$/, 'A font family is a comma-separated list of names.')
      .default(DEFAULT_STYLING.fontFamily),
    fontSizePx: z.number().int().min(14).max(22).default(DEFAULT_STYLING.fontSizePx),
    radiusPx: z.number().int().min(0).max(24).default(DEFAULT_STYLING.radiusPx),
    spacingPx: z.number().int().min(4).max(32).default(DEFAULT_STYLING.spacingPx),
  })
  .superRefine((s, ctx) => {
    for (const [fg, bg, min] of CONTRAST_RULES) {
      const ratio = contrastRatio(s.colors[fg], s.colors[bg]);
      if (ratio < min) {
        ctx.addIssue({
          code: 'custom',
          path: ['colors', fg],
          message: `${fg} on ${bg} has contrast ${ratio.toFixed(2)}:1; WCAG AA needs at least ${min}:1.`,
        });
      }
    }
  });

const httpUrl = z.url({ protocol: /^https?$/, error: 'Use an http(s) URL.' });

export const successSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('message'), message: z.string().trim().min(1).max(1000) }),
  z.strictObject({ kind: z.literal('redirect'), url: httpUrl }),
]);

/** An origin is scheme + host + port, nothing more: it is compared with the browser's Origin header. */
const origin = z.string().refine(
  (s) => {
    try {
      const u = new URL(s);
      return (u.protocol === 'https:' || u.protocol === 'http:') && u.origin === s;
    } catch {
      return false;
    }
  },
  { message: 'An allowed origin looks like https://www.example.com (no path, no trailing slash).' },
);

export const formDefinitionSchema = z
  .strictObject({
    id: z.string().regex(/^[A-Za-z0-9_-]{1,100}$/, 'Form ids are URL-safe: letters, digits, _ and -.'),
    /** Internal name shown to the tenant's staff, not to leads. */
    name: z.string().trim().min(1).max(200),
    version: z.number().int().min(1),
    active: z.boolean().default(true),
    title: optionalText(200),
    description: optionalText(1000),
    submitLabel: z.string().trim().min(1).max(60).default('Send'),
    fields: z.array(formFieldSchema).min(1).max(40),
    consent: consentBlockSchema,
    styling: stylingSchema.prefault({}),
    success: successSchema.default({ kind: 'message', message: 'Thanks! We will text you shortly.' }),
    defaultPhoneCountry: z
      .string()
      .refine((c) => isSupportedCountry(c as CountryCode, PHONE_METADATA), { message: 'Use a two-letter country code, e.g. US.' })
      .default('US'),
    allowedOrigins: z.array(origin).max(50).default([]),
    spam: z
      .strictObject({
        /** A field no person sees or fills; a value in it marks the submission as a bot's. */
        honeypotField: fieldName.default('website_url'),
        /** Faster than this from first sight to submit is a bot. */
        minFillTimeMs: z.number().int().min(0).max(60_000).default(2500),
      })
      .prefault({}),
  })
  .superRefine((def, ctx) => {
    const names = [...def.fields.map((f) => f.name), def.consent.name, def.spam.honeypotField];
    const seen = new Set<string>();
    for (const n of names) {
      if (seen.has(n)) ctx.addIssue({ code: 'custom', path: ['fields'], message: `The name "${n}" is used twice (fields, consent and honeypot need distinct names).` });
      seen.add(n);
    }
    if (def.fields.filter((f) => f.type === 'phone').length !== 1) {
      ctx.addIssue({ code: 'custom', path: ['fields'], message: 'A capture form has exactly one phone field: it is how Tandem texts the lead.' });
    }
    def.fields.forEach((f, i) => {
      if ((f.type === 'text' || f.type === 'textarea') && f.minLength !== undefined && f.maxLength !== undefined && f.minLength > f.maxLength) {
        ctx.addIssue({ code: 'custom', path: ['fields', i, 'minLength'], message: 'minLength is larger than maxLength.' });
      }
    });
  });

export type FormDefinition = z.output<typeof formDefinitionSchema>;
/** What a tenant writes: everything with a default may be left out. */
export type FormDefinitionInput = z.input<typeof formDefinitionSchema>;
export type FormField = z.output<typeof formFieldSchema>;
export type FormFieldType = FormField['type'];
export type ConsentBlock = z.output<typeof consentBlockSchema>;
export type FormStyling = z.output<typeof stylingSchema>;
export type FormSuccess = z.output<typeof successSchema>;

/** A definition that failed the schema, with one readable line per problem. */
export class FormDefinitionError extends Error {
  readonly code = 'forms.invalid_definition';
  constructor(readonly issues: string[]) {
    super(`Invalid form definition: ${issues.join(' ')}`);
    this.name = 'FormDefinitionError';
  }
}

/** Parses and defaults a tenant's form definition; throws FormDefinitionError listing every problem. */
export function parseFormDefinition(input: unknown): FormDefinition {
  const r = formDefinitionSchema.safeParse(input);
  if (r.success) return r.data;
  throw new FormDefinitionError(r.error.issues.map((i) => `${i.path.join('.') || '(form)'}: ${i.message}`));
}

/**
 * What `GET /api/v1/forms/:formId/public` may show any visitor. Decisions:
 * - allowedOrigins is left out: CORS is the server's job and the list maps a tenant's sites for nobody's benefit;
 * - active is left out: the route answers 404 for an inactive form instead;
 * - minFillTimeMs is left out: a bot need not learn how long to wait. The honeypot name must be shown
 *   (the widget renders the trap), and the version is shown so the submission can say which one the lead saw;
 * - phone carries the libphonenumber metadata for the default country's calling code, so the widget
 *   validates phones with the same library and data as the server without shipping all countries.
 */
export interface PublicFormDefinition {
  id: string;
  version: number;
  title?: string;
  description?: string;
  submitLabel: string;
  fields: FormField[];
  consent: { name: string; text: string; required: boolean };
  styling: FormStyling;
  success: FormSuccess;
  defaultPhoneCountry: string;
  honeypotField: string;
  phone: PhoneData;
}

/** Projects a parsed definition onto what the public widget may see. */
export function publicFormDefinition(def: FormDefinition): PublicFormDefinition {
  return {
    id: def.id,
    version: def.version,
    ...(def.title ? { title: def.title } : {}),
    ...(def.description ? { description: def.description } : {}),
    submitLabel: def.submitLabel,
    fields: def.fields,
    consent: { name: def.consent.name, text: def.consent.text, required: def.consent.required },
    styling: def.styling,
    success: def.success,
    defaultPhoneCountry: def.defaultPhoneCountry,
    honeypotField: def.spam.honeypotField,
    phone: phoneDataFor(def.defaultPhoneCountry),
  };
}

/** The SMS consent wording of the demo form, in the shape US carriers (10DLC) expect. */
export function demoConsentText(businessName: string): string {
  return (
    `By ticking this box, I agree to receive recurring automated text messages from ${businessName} ` +
    'at the phone number provided about my enquiry. Consent is not a condition of purchase. ' +
    'Message frequency varies. Msg & data rates may apply. Reply STOP to opt out, HELP for help.'
  );
}

/** The default demo form a new tenant starts with. */
export function demoFormDefinition(businessName: string, overrides: Partial<FormDefinitionInput> = {}): FormDefinition {
  const name = businessName.trim() || 'our team';
  return parseFormDefinition({
    id: 'demo',
    name: 'Demo form',
    version: 1,
    title: `Talk to ${name}`,
    description: 'Leave your details and we will text you back within minutes.',
    submitLabel: 'Send',
    fields: [
      { type: 'text', name: 'first_name', label: 'First name', required: true, requiredMessage: 'Enter your first name.', autocomplete: 'given-name', maxLength: 80 },
      { type: 'text', name: 'last_name', label: 'Last name', required: true, requiredMessage: 'Enter your last name.', autocomplete: 'family-name', maxLength: 80 },
      { type: 'email', name: 'email', label: 'Email', required: true, autocomplete: 'email', placeholder: 'name@example.com' },
      { type: 'phone', name: 'phone', label: 'Mobile phone', required: true, autocomplete: 'tel', help: 'We will text you at this number.' },
      {
        type: 'select',
        name: 'interest',
        label: 'What are you looking for?',
        required: true,
        requiredMessage: 'Tell us what you are looking for.',
        options: [
          { value: 'quote', label: 'A quote' },
          { value: 'consultation', label: 'A consultation' },
          { value: 'pricing', label: 'Pricing information' },
          { value: 'other', label: 'Something else' },
        ],
      },
      {
        type: 'radio',
        name: 'timeline',
        label: 'When would you like to start?',
        required: true,
        requiredMessage: 'Choose when you would like to start.',
        options: [
          { value: 'asap', label: 'ASAP' },
          { value: 'this_month', label: 'This month' },
          { value: 'just_browsing', label: 'Just browsing' },
        ],
      },
      { type: 'textarea', name: 'message', label: 'Message', maxLength: 2000, placeholder: 'Anything we should know?' },
    ],
    consent: { name: 'sms_consent', text: demoConsentText(name), required: true },
    success: { kind: 'message', message: `Thanks! ${name} will text you shortly.` },
    defaultPhoneCountry: 'US',
    ...overrides,
  });
}
