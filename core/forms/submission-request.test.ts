import { demoFormDefinition } from './form-definition';
import { serverPhoneParser } from './phone-metadata';
import { parseSubmissionRequest } from './submission-request';

const def = demoFormDefinition('Acme');
const NOW = 1_760_000_000_000;
const opts = { phone: serverPhoneParser(), now: NOW };

function buildBody(overrides: Record<string, unknown> = {}) {
  return {
    values: {
      first_name: 'Ada',
      last_name: 'Lovelace',
      email: 'ada@example.com',
      phone: '415-555-0100',
      interest: 'quote',
      timeline: 'asap',
      sms_consent: true,
    },
    consent: { checked: true, text: def.consent.text },
    meta: {
      pageUrl: 'https://acme.test/contact?utm_source=google',
      referrer: 'https://www.google.com/',
      utm: { source: 'google', medium: 'cpc', campaign: 'spring', term: null, content: '' },
      startedAt: NOW - 20_000,
      submittedAt: NOW - 1_000,
      honeypot: '',
      formVersion: 1,
    },
    ...overrides,
  };
}

describe('parseSubmissionRequest', () => {
  it('returns normalised values, the consent proof and cleaned meta', () => {
    const r = parseSubmissionRequest(def, buildBody(), opts);
    expect(r).toEqual({
      ok: true,
      request: {
        values: expect.objectContaining({ phone: '+14155550100', sms_consent: true }),
        phoneE164: '+14155550100',
        consent: { granted: true, text: def.consent.text },
        meta: {
          pageUrl: 'https://acme.test/contact?utm_source=google',
          referrer: 'https://www.google.com/',
          utm: { source: 'google', medium: 'cpc', campaign: 'spring', term: null, content: null },
          startedAt: NOW - 20_000,
          submittedAt: NOW - 1_000,
          formVersion: 1,
        },
        spam: null,
      },
    });
  });

  it('answers 400 for a body that is not the widget shape', () => {
    expect(parseSubmissionRequest(def, 'hello', opts)).toMatchObject({ ok: false, status: 400, error: { code: 'invalid_body' } });
    expect(parseSubmissionRequest(def, { values: [] }, opts)).toMatchObject({ ok: false, status: 400 });
    expect(parseSubmissionRequest(def, buildBody({ meta: 'x' }), opts)).toMatchObject({ ok: false, status: 400 });
  });

  it('answers 422 with the shared field sentences', () => {
    const body = buildBody();
    const r = parseSubmissionRequest(def, { ...body, values: { ...body.values, email: 'nope', phone: '123' } }, opts);
    expect(r).toEqual({
      ok: false,
      status: 422,
      error: {
        code: 'validation_failed',
        message: 'Some answers need another look.',
        details: {
          fields: {
            email: 'Enter a valid email address, e.g. name@example.com.',
            phone: 'That mobile number is too short. Enter a valid mobile number, e.g. (201) 555-0123.',
          },
        },
      },
    });
  });

  it('refuses a consent proof whose wording differs from the form, or that disagrees with the box', () => {
    const stale = parseSubmissionRequest(def, buildBody({ consent: { checked: true, text: 'Old wording that said less.' } }), opts);
    expect(stale).toMatchObject({ ok: false, status: 422, error: { details: { fields: { sms_consent: expect.stringMatching(/wording has changed/) } } } });
    const unticked = parseSubmissionRequest(def, buildBody({ consent: { checked: false, text: def.consent.text } }), opts);
    expect(unticked.ok).toBe(false);
  });

  it('records no consent when an optional consent box is left unticked', () => {
    const optional = demoFormDefinition('Acme', { consent: { text: def.consent.text, required: false } });
    const body = buildBody({ consent: { checked: false, text: def.consent.text } });
    const r = parseSubmissionRequest(optional, { ...body, values: { ...body.values, sms_consent: false } }, opts);
    expect(r.ok && r.request.consent).toEqual({ granted: false, text: null });
  });

  it('flags bots: a filled honeypot, a fill faster than the form allows, or no timing at all', () => {
    const meta = buildBody().meta;
    expect(parseSubmissionRequest(def, buildBody({ meta: { ...meta, honeypot: 'http://spam' } }), opts)).toMatchObject({ ok: true, request: { spam: 'honeypot' } });
    expect(parseSubmissionRequest(def, buildBody({ meta: { ...meta, startedAt: NOW - 1000, submittedAt: NOW - 500 } }), opts)).toMatchObject({ request: { spam: 'too_fast' } });
    expect(parseSubmissionRequest(def, buildBody({ meta: { ...meta, startedAt: undefined } }), opts)).toMatchObject({ request: { spam: 'too_fast' } });
    // Without submittedAt the server clock measures the fill.
    expect(parseSubmissionRequest(def, buildBody({ meta: { ...meta, submittedAt: undefined, startedAt: NOW - 3000 } }), opts)).toMatchObject({ request: { spam: null } });
  });

  it('drops meta that is not what it claims to be', () => {
    const meta = buildBody().meta;
    const r = parseSubmissionRequest(def, buildBody({ meta: { ...meta, pageUrl: 'javascript:alert(1)', referrer: 42, formVersion: '1' } }), opts);
    expect(r.ok && r.request.meta).toMatchObject({ pageUrl: null, referrer: null, formVersion: null });
  });
});
