import { parseFormDefinition, publicFormDefinition, demoFormDefinition, type FormDefinitionInput } from './form-definition';
import { createPhoneParser } from './phone-parser';
import { phoneDataFor, serverPhoneParser } from './phone-metadata';
import { deferPhoneParser, validateField, validateSubmission, type PhoneParser } from './validate-submission';

const server = { phone: serverPhoneParser() };

function buildForm(overrides: Partial<FormDefinitionInput> = {}) {
  return parseFormDefinition({
    id: 'f1',
    name: 'Test',
    version: 1,
    fields: [
      { type: 'text', name: 'first_name', label: 'First name', required: true, minLength: 2, maxLength: 10 },
      { type: 'text', name: 'code', label: 'Promo code', pattern: { regex: '[A-Z]{3}\\d{2}', message: 'Promo codes look like ABC12.' } },
      { type: 'email', name: 'email', label: 'Email' },
      { type: 'phone', name: 'phone', label: 'Mobile', required: true },
      { type: 'select', name: 'interest', label: 'What are you looking for?', required: true, options: [{ value: 'quote', label: 'A quote' }] },
      { type: 'radio', name: 'timeline', label: 'Timeline', options: [{ value: 'asap', label: 'ASAP' }] },
      { type: 'textarea', name: 'message', label: 'Message', maxLength: 5 },
      { type: 'checkbox', name: 'terms', label: 'I accept the terms', required: true },
      { type: 'hidden', name: 'source', label: 'Source', defaultValue: 'website' },
    ],
    consent: { text: 'I agree to receive text messages from Acme. Reply STOP to opt out.' },
    ...overrides,
  });
}

function buildValues(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { first_name: ' Ada ', phone: '(415) 555-0100', interest: 'quote', terms: true, sms_consent: true, ...overrides };
}

function errorsFor(values: unknown, form = buildForm(), opts = server): Record<string, string> {
  const r = validateSubmission(form, values, opts);
  if (r.ok) throw new Error(`expected errors, got ${JSON.stringify(r.data)}`);
  return r.errors;
}

describe('validateSubmission', () => {
  it('accepts a good submission and normalises it', () => {
    const r = validateSubmission(buildForm(), buildValues({ email: '  Ada@Example.COM ', timeline: 'asap' }), server);
    expect(r).toEqual({
      ok: true,
      phoneE164: '+14155550100',
      data: {
        first_name: 'Ada',
        email: 'ada@example.com',
        phone: '+14155550100',
        interest: 'quote',
        timeline: 'asap',
        terms: true,
        source: 'website',
        sms_consent: true,
      },
    });
  });

  it('reports unknown fields and a values payload that is not an object', () => {
    expect(errorsFor(buildValues({ admin: 'yes' }))).toEqual({ admin: '“admin” is not a field on this form.' });
    expect(errorsFor(['a'])).toEqual({ _form: 'Send the form values as an object of field names to values.' });
    expect(errorsFor(null)).toHaveProperty('_form');
  });

  it('requires required fields, with a sentence per field type', () => {
    expect(errorsFor({})).toEqual({
      first_name: 'Fill in “First name”.',
      phone: 'Enter your mobile number.',
      interest: 'Choose an answer for “What are you looking for”.',
      terms: 'Tick “I accept the terms” to continue.',
      sms_consent: 'Tick the box to agree to receive text messages.',
    });
    // Whitespace is not an answer.
    expect(errorsFor(buildValues({ first_name: '   ' })).first_name).toBe('Fill in “First name”.');
    expect(errorsFor(buildValues({ first_name: '' }), demoFormDefinition('Acme')).first_name).toBe('Enter your first name.');
  });

  it('enforces min and max length in characters, counting an emoji as one', () => {
    expect(errorsFor(buildValues({ first_name: 'A' })).first_name).toBe('“First name” needs at least 2 characters.');
    expect(errorsFor(buildValues({ first_name: 'Abcdefghijk' })).first_name).toBe('“First name” can be at most 10 characters (now 11).');
    expect(errorsFor(buildValues({ message: '123456' })).message).toBe('“Message” can be at most 5 characters (now 6).');
    expect(validateSubmission(buildForm(), buildValues({ message: '👍👍👍👍👍' }), server).ok).toBe(true);
  });

  it('caps free text even when the tenant set no maximum', () => {
    const form = buildForm({ fields: [{ type: 'phone', name: 'phone', label: 'Mobile' }, { type: 'text', name: 'note', label: 'Note' }], consent: { text: 'I agree to receive text messages from Acme.', required: false } });
    expect(errorsFor({ note: 'x'.repeat(201) }, form).note).toBe('“Note” can be at most 200 characters (now 201).');
  });

  it('matches patterns against the whole value with the tenant message', () => {
    expect(errorsFor(buildValues({ code: 'abc12' })).code).toBe('Promo codes look like ABC12.');
    expect(errorsFor(buildValues({ code: 'XABC12' })).code).toBe('Promo codes look like ABC12.');
    expect(validateSubmission(buildForm(), buildValues({ code: 'ABC12' }), server).ok).toBe(true);
  });

  it('accepts only listed options for select and radio', () => {
    const errors = errorsFor(buildValues({ interest: 'free stuff', timeline: 'never' }));
    expect(errors.interest).toBe('Choose one of the listed answers for “What are you looking for”.');
    expect(errors.timeline).toBe('Choose one of the listed answers for “Timeline”.');
  });

  it('checks email addresses', () => {
    for (const bad of ['ada', 'ada@', 'ada@example', 'a da@example.com', '@example.com', 'ada@-example.com']) {
      expect(errorsFor(buildValues({ email: bad })).email).toBe('Enter a valid email address, e.g. name@example.com.');
    }
    expect(validateSubmission(buildForm(), buildValues({ email: "o'hara+leads@mail.example.co.uk" }), server).ok).toBe(true);
  });

  it('refuses values of the wrong JSON type', () => {
    const errors = errorsFor(buildValues({ first_name: 42, terms: 'yes', sms_consent: 'true' }));
    expect(errors.first_name).toBe('“First name” must be text.');
    expect(errors.terms).toBe('“I accept the terms” must be ticked or unticked.');
    expect(errors.sms_consent).toBe('The consent box must be ticked or unticked.');
  });

  it('requires consent only when the form says so', () => {
    expect(errorsFor(buildValues({ sms_consent: false })).sms_consent).toBe('Tick the box to agree to receive text messages.');
    const optional = buildForm({ consent: { text: 'I agree to receive text messages from Acme.', required: false } });
    const r = validateSubmission(optional, buildValues({ sms_consent: undefined }), server);
    expect(r.ok && r.data.sms_consent).toBe(false);
  });
});

describe('phone normalisation (server parser: every country, mobile numbers only)', () => {
  const cases: Array<[string, string, string]> = [
    ['US', '(415) 555-0100', '+14155550100'],
    ['US', '415.555.0100', '+14155550100'],
    ['US', '+1 604 555 0123', '+16045550123'], // Canada shares +1
    ['GB', '07911 123456', '+447911123456'],
    ['GB', '+44 (0)7911 123456', '+447911123456'],
    ['DE', '0151 12345678', '+4915112345678'],
    ['AU', '0412 345 678', '+61412345678'],
    ['FR', '06 12 34 56 78', '+33612345678'],
    ['US', '+44 7911 123456', '+447911123456'], // an international number on a US form
  ];
  it.each(cases)('%s form: %s → %s', (country, input, e164) => {
    const form = buildForm({ defaultPhoneCountry: country });
    const r = validateSubmission(form, buildValues({ phone: input }), server);
    expect(r.ok && r.phoneE164).toBe(e164);
    expect(r.ok && r.data.phone).toBe(e164);
  });

  it('refuses landlines where the numbering plan tells them apart, with a local example', () => {
    const gb = buildForm({ defaultPhoneCountry: 'GB' });
    expect(errorsFor(buildValues({ phone: '020 7946 0000' }), gb).phone).toBe('Enter a valid mobile number, e.g. 07400 123456.');
  });

  it('explains short, long, foreign-code and garbage numbers', () => {
    expect(errorsFor(buildValues({ phone: '555-0100' })).phone).toBe(
      'That mobile number is too short. Enter a valid mobile number, e.g. (201) 555-0123.',
    );
    expect(errorsFor(buildValues({ phone: '415 555 0100 9999' })).phone).toBe(
      'That mobile number is too long. Enter a valid mobile number, e.g. (201) 555-0123.',
    );
    expect(errorsFor(buildValues({ phone: '+999 1234 5678' })).phone).toMatch(/^That country code is not recognised\./);
    expect(errorsFor(buildValues({ phone: 'call me' })).phone).toMatch(/^Enter a valid mobile number|too short/);
  });
});

describe('the widget parser (calling-code slice) agrees with the server', () => {
  const usData = phoneDataFor('US');
  const widget = { phone: createPhoneParser(usData.metadata, usData.examples, { complete: false }) };
  const form = buildForm();

  it.each(['(415) 555-0100', '604-555-0123', '555-0100', '415 555 0100 9999', '1 (415) 555-0100', 'abc'])(
    'same answer for %s',
    (phone) => {
      expect(validateSubmission(form, buildValues({ phone }), widget)).toEqual(validateSubmission(form, buildValues({ phone }), server));
    },
  );

  it('leaves numbers of other calling codes to the server instead of refusing them', () => {
    const r = validateSubmission(form, buildValues({ phone: '+44 7911 123456' }), widget);
    expect(r).toMatchObject({ ok: true, phoneE164: null, data: { phone: '+44 7911 123456' } });
  });

  it('the public form carries exactly the data the widget parser needs', () => {
    const pub = publicFormDefinition(buildForm({ defaultPhoneCountry: 'AU' }));
    const parser = createPhoneParser(pub.phone.metadata, pub.phone.examples, { complete: false });
    expect(parser.check('0412 345 678', 'AU')).toEqual({ kind: 'valid', e164: '+61412345678' });
    expect(parser.check('0412', 'AU')).toEqual({ kind: 'invalid', reason: 'too_short', example: '0412 345 678' });
    // The public definition is a valid ValidatableForm too.
    expect(validateSubmission(pub, buildValues({ phone: '0412 345 678' }), { phone: parser }).ok).toBe(true);
  });

  it('with no parser loaded yet, phone checks are deferred but required still applies', () => {
    expect(validateSubmission(form, buildValues({ phone: 'anything' }), { phone: deferPhoneParser })).toMatchObject({ ok: true, phoneE164: null });
    expect(errorsFor(buildValues({ phone: ' ' }), form, { phone: deferPhoneParser }).phone).toBe('Enter your mobile number.');
  });
});

describe('validateField', () => {
  it('gives the same sentence for one field as the whole-form check', () => {
    const form = buildForm();
    expect(validateField(form, 'first_name', 'A', server)).toBe('“First name” needs at least 2 characters.');
    expect(validateField(form, 'first_name', 'Ada', server)).toBeNull();
    expect(validateField(form, 'sms_consent', false, server)).toBe('Tick the box to agree to receive text messages.');
    expect(validateField(form, 'phone', '555-0100', server)).toBe(errorsFor(buildValues({ phone: '555-0100' })).phone);
    expect(validateField(form, 'nope', 'x', server)).toBe('“nope” is not a field on this form.');
  });

  it('uses whatever parser it is given', () => {
    const seen: string[] = [];
    const spy: PhoneParser = { check: (input, country) => (seen.push(`${country}:${input}`), { kind: 'valid', e164: '+15550000000' }) };
    expect(validateField(buildForm({ defaultPhoneCountry: 'CA' }), 'phone', ' 123 ', { phone: spy })).toBeNull();
    expect(seen).toEqual(['CA:123']);
  });
});
