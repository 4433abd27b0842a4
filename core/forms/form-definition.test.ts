import {
  contrastRatio,
  demoFormDefinition,
  FormDefinitionError,
  parseFormDefinition,
  publicFormDefinition,
  type FormDefinitionInput,
} from './form-definition';

function buildInput(overrides: Partial<FormDefinitionInput> = {}): FormDefinitionInput {
  return {
    id: 'f1',
    name: 'Homepage',
    version: 3,
    fields: [
      { type: 'text', name: 'first_name', label: 'First name', required: true },
      { type: 'phone', name: 'phone', label: 'Mobile', required: true },
    ],
    consent: { text: 'I agree to receive text messages from Acme. Reply STOP to opt out.' },
    allowedOrigins: ['https://www.acme.test'],
    ...overrides,
  };
}

function issuesOf(input: unknown): string[] {
  try {
    parseFormDefinition(input);
  } catch (e) {
    expect(e).toBeInstanceOf(FormDefinitionError);
    return (e as FormDefinitionError).issues;
  }
  throw new Error('expected the definition to be refused');
}

describe('form definition schema', () => {
  it('fills defaults: active, unticked required consent, styling tokens, success message, US phones, spam guard', () => {
    const def = parseFormDefinition(buildInput());
    expect(def.active).toBe(true);
    expect(def.consent).toEqual({
      name: 'sms_consent',
      text: 'I agree to receive text messages from Acme. Reply STOP to opt out.',
      required: true,
      defaultChecked: false,
    });
    expect(def.styling.colors.primary).toBe('#1d4ed8');
    expect(def.styling.radiusPx).toBe(6);
    expect(def.success).toEqual({ kind: 'message', message: 'Thanks! We will text you shortly.' });
    expect(def.defaultPhoneCountry).toBe('US');
    expect(def.spam).toEqual({ honeypotField: 'website_url', minFillTimeMs: 2500 });
    expect(def.submitLabel).toBe('Send');
  });

  it('makes a pre-ticked SMS consent impossible to express', () => {
    expect(issuesOf(buildInput({ consent: { text: 'I agree to receive text messages from Acme.', defaultChecked: true as false } })).join(' ')).toMatch(
      /consent must start unticked/,
    );
    // An unknown key such as "checked" is refused rather than ignored.
    expect(issuesOf(buildInput({ consent: { text: 'I agree to receive text messages from Acme.', checked: true } as never })).join(' ')).toMatch(
      /checked/,
    );
    // Plain checkboxes have no way to start ticked either.
    expect(
      issuesOf(buildInput({ fields: [{ type: 'phone', name: 'phone', label: 'Mobile' }, { type: 'checkbox', name: 'news', label: 'News', defaultChecked: true } as never] })).join(' '),
    ).toMatch(/defaultChecked/);
  });

  it('requires exactly one phone field and distinct names across fields, consent and honeypot', () => {
    expect(issuesOf(buildInput({ fields: [{ type: 'text', name: 'a', label: 'A' }] })).join(' ')).toMatch(/exactly one phone field/);
    expect(
      issuesOf(buildInput({ fields: [{ type: 'phone', name: 'website_url', label: 'Mobile' }] })).join(' '),
    ).toMatch(/"website_url" is used twice/);
    expect(
      issuesOf(buildInput({ fields: [{ type: 'phone', name: 'phone', label: 'Mobile' }, { type: 'text', name: 'phone', label: 'Again' }] })).join(' '),
    ).toMatch(/"phone" is used twice/);
  });

  it('refuses bad field rules with readable messages', () => {
    const issues = issuesOf(
      buildInput({
        fields: [
          { type: 'phone', name: 'phone', label: 'Mobile' },
          { type: 'text', name: 'Bad Name', label: 'x' },
          { type: 'text', name: 'code', label: 'Code', pattern: { regex: '([a-z', message: 'Letters only.' } },
          { type: 'select', name: 'pick', label: 'Pick', options: [] },
          { type: 'radio', name: 'dup', label: 'Dup', options: [{ value: 'a', label: 'A' }, { value: 'a', label: 'B' }] },
          { type: 'text', name: 'len', label: 'Len', minLength: 10, maxLength: 5 },
        ],
      }),
    ).join('\n');
    expect(issues).toMatch(/fields\.1\.name: Field names are/);
    expect(issues).toMatch(/not a valid regular expression/);
    expect(issues).toMatch(/at least one option/);
    expect(issues).toMatch(/Option values must be unique/);
    expect(issues).toMatch(/minLength is larger than maxLength/);
  });

  it('refuses colours below WCAG AA contrast and CSS smuggled into tokens', () => {
    const issues = issuesOf(
      buildInput({ styling: { colors: { primary: '#9ca3af', primaryText: '#ffffff' }, fontFamily: 'x; } body { display:none' } }),
    ).join('\n');
    expect(issues).toMatch(/primaryText on primary has contrast 2\.\d\d:1; WCAG AA needs at least 4\.5:1/);
    expect(issues).toMatch(/font family/);
    expect(issuesOf(buildInput({ styling: { colors: { text: 'red' } } })).join(' ')).toMatch(/Colours are hex/);
  });

  it('accepts only bare origins, http(s) redirects and known countries', () => {
    expect(issuesOf(buildInput({ allowedOrigins: ['https://acme.test/'] })).join(' ')).toMatch(/no path, no trailing slash/);
    expect(issuesOf(buildInput({ success: { kind: 'redirect', url: 'javascript:alert(1)' } })).join(' ')).toMatch(/http\(s\) URL/);
    expect(issuesOf(buildInput({ defaultPhoneCountry: 'XX' })).join(' ')).toMatch(/two-letter country code/);
    expect(parseFormDefinition(buildInput({ success: { kind: 'redirect', url: 'https://acme.test/thanks' } })).success).toEqual({
      kind: 'redirect',
      url: 'https://acme.test/thanks',
    });
  });
});

describe('contrastRatio', () => {
  it('matches the WCAG reference values', () => {
    expect(contrastRatio('#000000', '#ffffff')).toBeCloseTo(21, 5);
    expect(contrastRatio('#fff', '#fff')).toBeCloseTo(1, 5);
    expect(contrastRatio('#767676', '#ffffff')).toBeCloseTo(4.54, 2);
  });
});

describe('publicFormDefinition', () => {
  it('shows what the widget needs and hides origins, active flag and fill-time threshold', () => {
    const def = parseFormDefinition(buildInput({ defaultPhoneCountry: 'GB', title: 'Hi' }));
    const pub = publicFormDefinition(def);
    expect(pub).not.toHaveProperty('allowedOrigins');
    expect(pub).not.toHaveProperty('active');
    expect(pub).not.toHaveProperty('spam');
    expect(JSON.stringify(pub)).not.toContain('minFillTimeMs');
    expect(JSON.stringify(pub)).not.toContain('acme.test');
    expect(pub).toMatchObject({ id: 'f1', version: 3, title: 'Hi', honeypotField: 'website_url', defaultPhoneCountry: 'GB' });
    expect(pub.consent).toEqual({ name: 'sms_consent', text: def.consent.text, required: true });
    // Phone data for +44 only (GB and the Crown dependencies), not the whole world.
    expect(Object.keys((pub.phone.metadata as unknown as { countries: object }).countries).sort()).toEqual(['GB', 'GG', 'IM', 'JE']);
    expect(pub.phone.examples.GB).toMatch(/^7\d+$/);
  });
});

describe('demoFormDefinition', () => {
  it('builds the demo form with the business name in the consent text', () => {
    const def = demoFormDefinition('Sunny Homes');
    expect(def.fields.map((f) => `${f.type}:${f.name}`)).toEqual([
      'text:first_name',
      'text:last_name',
      'email:email',
      'phone:phone',
      'select:interest',
      'radio:timeline',
      'textarea:message',
    ]);
    const interest = def.fields.find((f) => f.name === 'interest');
    expect(interest?.label).toBe('What are you looking for?');
    const timeline = def.fields.find((f) => f.name === 'timeline');
    expect(timeline?.type === 'radio' && timeline.options.map((o) => o.label)).toEqual(['ASAP', 'This month', 'Just browsing']);
    expect(def.consent.text).toContain('text messages from Sunny Homes');
    expect(def.consent.text).toContain('Reply STOP to opt out');
    expect(def.consent.defaultChecked).toBe(false);
    expect(demoFormDefinition('Sunny Homes', { allowedOrigins: ['https://sunny.test'] }).allowedOrigins).toEqual(['https://sunny.test']);
  });
});
