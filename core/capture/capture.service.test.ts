import { createTenant, openTestEngine } from '../conversations/test-support/engine-harness';
import type { Engine } from '../engine/create-engine';
import { isTandemError } from '../errors/tandem-error';
import { demoFormDefinition } from '../forms/form-definition';
import { one, rows } from '../store/sql';
import type { CaptureRequest } from './capture.service';

const ORIGIN = 'https://www.acme-homes.example';
const SYSTEM = { agentId: null, name: 'test', surface: 'system' as const };

describe(`capture (${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'})`, () => {
  let engine: Engine;
  let close: () => Promise<void>;
  let tenantId: string;
  let formId: string;
  let consentText: string;

  beforeAll(async () => {
    ({ engine, close } = await openTestEngine());
    ({ tenantId } = await createTenant(engine, { name: 'Acme Homes', settings: { defaultTimezone: 'Europe/London' } }));
    const def = demoFormDefinition('Acme Homes', { allowedOrigins: [ORIGIN] });
    consentText = def.consent.text;
    formId = (await engine.forms.create(tenantId, def, SYSTEM)).id;
  });
  afterAll(async () => {
    await close();
  });

  let phoneSeq = 100;
  /** A fresh valid US mobile per call, so tests do not share leads unless they mean to. */
  const nextPhone = () => `+1415555${String(phoneSeq++).padStart(4, '0')}`;

  let emailSeq = 0;
  /** A widget-shaped body. Each gets its own email unless given one, so email dedupe joins only on purpose. */
  function body(values: Record<string, unknown> = {}, meta: Record<string, unknown> = {}) {
    const now = Date.now();
    emailSeq += 1;
    return {
      values: {
        first_name: 'Ada',
        last_name: 'Lovelace',
        email: `ada${emailSeq}@example.com`,
        phone: '(415) 555-0100',
        interest: 'pricing',
        timeline: 'asap',
        message: 'We want to buy a house this month, what are the prices?',
        sms_consent: true,
        ...values,
      },
      consent: { checked: values.sms_consent === false ? false : true, text: consentText },
      meta: {
        pageUrl: `${ORIGIN}/contact?utm_source=google`,
        referrer: 'https://www.google.com/',
        utm: { source: 'google', medium: 'cpc', campaign: 'spring' },
        startedAt: now - 12_000,
        submittedAt: now,
        honeypot: '',
        formVersion: 1,
        ...meta,
      },
    };
  }

  const req = (b: unknown, extra: Partial<CaptureRequest> = {}): CaptureRequest => ({
    body: b,
    ip: '203.0.113.9',
    userAgent: 'Mozilla/5.0 (test)',
    origin: ORIGIN,
    idempotencyKey: null,
    ...extra,
  });

  const counts = () =>
    engine.store.system(async (m) => {
      const r = await one<Record<string, string>>(
        m,
        `SELECT (SELECT count(*) FROM leads)::text AS leads, (SELECT count(*) FROM submissions)::text AS submissions,
                (SELECT count(*) FROM consent_events)::text AS consent_events, (SELECT count(*) FROM conversations)::text AS conversations,
                (SELECT count(*) FROM outbox)::text AS outbox`,
      );
      return Object.fromEntries(Object.entries(r!).map(([k, v]) => [k, Number(v)]));
    });
  const lead = (id: string) => engine.store.tenant(tenantId, (m) => one<Record<string, any>>(m, `SELECT * FROM leads WHERE id = $1`, [id]));

  it('creates the lead with its fields, consent proof, first score, a conversation and lead.captured', async () => {
    const phone = nextPhone();
    const r = await engine.capture(formId, req(body({ phone, email: 'new1@example.com' }), { idempotencyKey: 'k-create-1' }));
    expect(r).toMatchObject({ status: 201, duplicate: false, spam: null, isNewLead: true });

    const l = await lead(r.leadId);
    expect(l).toMatchObject({
      phone,
      email: 'new1@example.com',
      first_name: 'Ada',
      last_name: 'Lovelace',
      source: 'Demo form',
      timezone: 'America/Los_Angeles', // from the 415 area code, not the tenant's London default
      consent_state: 'granted',
      opted_out: false,
    });
    // pricing (select label + message) and urgency (ASAP): both count once.
    expect(l!.signals.map((s: { code: string }) => s.code).sort()).toEqual(['pricing', 'urgency']);
    expect(l!.score).toBe(45);
    expect(l!.tag).toBe('WARM');

    const s = await engine.store.tenant(tenantId, (m) => one<Record<string, any>>(m, `SELECT * FROM submissions WHERE id = $1`, [r.submissionId]));
    expect(s).toMatchObject({
      form_id: formId,
      form_version: 1,
      lead_id: r.leadId,
      idempotency_key: 'k-create-1',
      referrer: 'https://www.google.com/',
      utm: { source: 'google', medium: 'cpc', campaign: 'spring' },
    });
    expect(s!.values).toMatchObject({ phone, email: 'new1@example.com', interest: 'pricing', sms_consent: true });
    expect(s!.consent).toEqual({
      text: consentText,
      checked: true,
      at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
      ip: '203.0.113.9',
      userAgent: 'Mozilla/5.0 (test)',
      pageUrl: `${ORIGIN}/contact?utm_source=google`,
      formId,
      formVersion: 1,
      formVersionSeen: 1,
    });

    const events = await engine.store.tenant(tenantId, (m) => rows<Record<string, any>>(m, `SELECT * FROM consent_events WHERE lead_id = $1`, [r.leadId]));
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ kind: 'opt_in', source: 'form', proof: { ...s!.consent, submissionId: r.submissionId, reOptIn: false } });

    const conv = await engine.store.tenant(tenantId, (m) => rows<{ id: string; status: string }>(m, `SELECT id, status FROM conversations WHERE lead_id = $1`, [r.leadId]));
    expect(conv).toEqual([{ id: r.conversationId, status: 'open' }]);

    const outbox = await engine.store.system((m) => rows<{ event_type: string; topic: string; payload: unknown; tenant_id: string }>(m, `SELECT event_type, topic, payload, tenant_id FROM outbox WHERE payload->>'submissionId' = $1`, [r.submissionId]));
    expect(outbox.map((o) => o.topic)).toContain('conversation.opener');
    for (const o of outbox) {
      expect(o).toMatchObject({ event_type: 'lead.captured', tenant_id: tenantId, payload: { leadId: r.leadId, conversationId: r.conversationId, submissionId: r.submissionId, isNewLead: true } });
    }
  });

  it('same phone → same lead: fills only empty fields, merges the score, reuses the open conversation', async () => {
    const phone = nextPhone();
    const first = await engine.capture(formId, req(body({ phone, email: 'p1@example.com', message: 'What are your prices for a 3 bed house?', timeline: 'just_browsing' })));
    const codes = async () => (await lead(first.leadId))!.signals.map((s: { code: string }) => s.code).sort();
    expect(await codes()).toEqual(['pricing']);
    const second = await engine.capture(
      formId,
      req(body({ phone: phone.replace('+1', ''), first_name: 'Augusta', email: 'other@example.com', interest: 'pricing', timeline: 'asap', message: '' })),
    );
    expect(second).toMatchObject({ status: 201, leadId: first.leadId, isNewLead: false, conversationId: first.conversationId });
    const l = await lead(first.leadId);
    expect(l).toMatchObject({ first_name: 'Ada', email: 'p1@example.com' });
    // The first form's pricing signal stays; the second adds urgency (ASAP).
    expect(await codes()).toEqual(['pricing', 'urgency']);
    expect(l!.score).toBe(45);
    const subs = await engine.store.tenant(tenantId, (m) => rows(m, `SELECT id FROM submissions WHERE lead_id = $1`, [first.leadId]));
    expect(subs).toHaveLength(2);
  });

  it('same email, new phone → same lead, moved to the new number', async () => {
    const [p1, p2] = [nextPhone(), nextPhone()];
    const first = await engine.capture(formId, req(body({ phone: p1, email: 'Mover@Example.com' })));
    const second = await engine.capture(formId, req(body({ phone: p2, email: 'mover@example.com' })));
    expect(second.leadId).toBe(first.leadId);
    expect((await lead(first.leadId))!.phone).toBe(p2);
  });

  it('phone wins over email: the phone’s lead is used and the email’s lead is left alone', async () => {
    const [pa, pb] = [nextPhone(), nextPhone()];
    const a = await engine.capture(formId, req(body({ phone: pa, email: 'a-owner@example.com' })));
    const b = await engine.capture(formId, req(body({ phone: pb, email: 'b-owner@example.com' })));
    const again = await engine.capture(formId, req(body({ phone: pb, email: 'a-owner@example.com' })));
    expect(again.leadId).toBe(b.leadId);
    expect((await lead(a.leadId))!.phone).toBe(pa);
    expect((await lead(b.leadId))!.email).toBe('b-owner@example.com');
  });

  it('a closed conversation is not reopened: a new one starts', async () => {
    const phone = nextPhone();
    const first = await engine.capture(formId, req(body({ phone })));
    await engine.store.tenant(tenantId, (m) => m.query(`UPDATE conversations SET status = 'closed' WHERE id = $1`, [first.conversationId]));
    const second = await engine.capture(formId, req(body({ phone })));
    expect(second.leadId).toBe(first.leadId);
    expect(second.conversationId).not.toBe(first.conversationId);
  });

  it('idempotency: the same key returns the first result with 200 and stores one submission, also when sent at once', async () => {
    const phone = nextPhone();
    const b = body({ phone });
    const first = await engine.capture(formId, req(b, { idempotencyKey: 'dbl-1' }));
    const before = await counts();
    const again = await engine.capture(formId, req(b, { idempotencyKey: 'dbl-1' }));
    expect(again).toMatchObject({ status: 200, duplicate: true, submissionId: first.submissionId, leadId: first.leadId });
    expect(await counts()).toEqual(before);

    // A double click: both requests in flight together.
    const phone2 = nextPhone();
    const b2 = body({ phone: phone2 });
    const [x, y] = await Promise.all([engine.capture(formId, req(b2, { idempotencyKey: 'dbl-2' })), engine.capture(formId, req(b2, { idempotencyKey: 'dbl-2' }))]);
    expect([x.status, y.status].sort()).toEqual([200, 201]);
    expect(x.submissionId).toBe(y.submissionId);
    const n = await engine.store.tenant(tenantId, (m) => rows(m, `SELECT id FROM submissions WHERE idempotency_key = 'dbl-2'`));
    expect(n).toHaveLength(1);
  });

  /**
   * Runs `work` in a tenant transaction held open until the returned `commit()`: on PostgreSQL a capture
   * started meanwhile runs beside it and meets its rows only at the unique index (the race under test).
   */
  async function heldTransaction<T>(work: (m: import('typeorm').EntityManager) => Promise<T>) {
    let release!: () => void;
    let ready!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const started = new Promise<void>((r) => (ready = r));
    const done = engine.store.tenant(tenantId, async (m) => {
      const out = await work(m);
      ready();
      await gate;
      return out;
    });
    await started;
    return {
      async commit() {
        release();
        return done;
      },
    };
  }

  it('a race on one idempotency key: the loser hits the unique index, runs again and answers 200 with the winner’s ids', async () => {
    const held = await heldTransaction(async (m) => {
      const l = await one<{ id: string }>(m, `INSERT INTO leads (tenant_id, phone) VALUES ($1, $2) RETURNING id`, [tenantId, nextPhone()]);
      const s = await one<{ id: string }>(
        m,
        `INSERT INTO submissions (tenant_id, form_id, form_version, lead_id, values, consent, idempotency_key) VALUES ($1, $2, 1, $3, '{}', '{}', 'race-key') RETURNING id`,
        [tenantId, formId, l!.id],
      );
      return { leadId: l!.id, submissionId: s!.id };
    });
    const phone = nextPhone();
    const racing = engine.capture(formId, req(body({ phone }), { idempotencyKey: 'race-key' }));
    await new Promise((r) => setTimeout(r, 300));
    const winner = await held.commit();
    await expect(racing).resolves.toMatchObject({ status: 200, duplicate: true, ...winner });
    expect(await engine.store.tenant(tenantId, (m) => rows(m, `SELECT id FROM leads WHERE phone = $1`, [phone]))).toHaveLength(0);
  });

  it('a race with another path creating the same phone’s lead (an inbound text): the capture runs again and updates that lead', async () => {
    const phone = nextPhone();
    const held = await heldTransaction((m) => one<{ id: string }>(m, `INSERT INTO leads (tenant_id, phone) VALUES ($1, $2) RETURNING id`, [tenantId, phone]));
    const racing = engine.capture(formId, req(body({ phone })));
    await new Promise((r) => setTimeout(r, 300));
    const inbound = await held.commit();
    const r = await racing;
    expect(r).toMatchObject({ status: 201, leadId: inbound!.id, isNewLead: false });
    expect(await lead(inbound!.id)).toMatchObject({ first_name: 'Ada', consent_state: 'granted' });
  });

  it('a ticked form consent re-opts-in a lead who had texted STOP; an unticked optional one does not', async () => {
    const optional = demoFormDefinition('Acme Homes', { allowedOrigins: [ORIGIN], consent: { text: consentText, required: false } });
    const optionalId = (await engine.forms.create(tenantId, optional, SYSTEM)).id;
    const phone = nextPhone();
    const first = await engine.capture(formId, req(body({ phone })));
    await engine.store.tenant(tenantId, async (m) => {
      await m.query(`UPDATE leads SET opted_out = true, consent_state = 'revoked' WHERE id = $1`, [first.leadId]);
      await m.query(`INSERT INTO consent_events (tenant_id, lead_id, kind, source) VALUES ($1, $2, 'opt_out', 'keyword')`, [tenantId, first.leadId]);
    });

    const unticked = await engine.capture(optionalId, req(body({ phone, sms_consent: false })));
    expect(unticked.leadId).toBe(first.leadId);
    expect(await lead(first.leadId)).toMatchObject({ opted_out: true, consent_state: 'revoked' });
    const s = await engine.store.tenant(tenantId, (m) => one<{ consent: Record<string, unknown> }>(m, `SELECT consent FROM submissions WHERE id = $1`, [unticked.submissionId]));
    expect(s!.consent).toMatchObject({ checked: false, text: consentText });

    const ticked = await engine.capture(formId, req(body({ phone })));
    expect(await lead(first.leadId)).toMatchObject({ opted_out: false, consent_state: 'granted' });
    const ledger = await engine.store.tenant(tenantId, (m) => rows<{ kind: string; source: string; proof: Record<string, unknown> }>(m, `SELECT kind, source, proof FROM consent_events WHERE lead_id = $1 ORDER BY created_at`, [first.leadId]));
    expect(ledger.map((e) => `${e.kind}/${e.source}`)).toEqual(['opt_in/form', 'opt_out/keyword', 'opt_in/form']);
    expect(ledger[2]!.proof).toMatchObject({ reOptIn: true, submissionId: ticked.submissionId });
  });

  it('spam (honeypot, too fast) answers like a success and stores nothing', async () => {
    const before = await counts();
    const honey = await engine.capture(formId, req(body({ phone: nextPhone() }, { honeypot: 'http://spam.example' }), { idempotencyKey: 'spam-1' }));
    expect(honey).toMatchObject({ status: 201, spam: 'honeypot' });
    const fast = await engine.capture(formId, req(body({ phone: nextPhone() }, { startedAt: Date.now() - 200, submittedAt: Date.now() })));
    expect(fast).toMatchObject({ status: 201, spam: 'too_fast' });
    expect(await counts()).toEqual(before);
    expect(await lead(honey.leadId)).toBeNull();
  });

  describe('bad input: a clear 4xx and nothing changes', () => {
    const cases: Array<{ name: string; run: () => Promise<unknown>; status: number; code: string; fields?: Record<string, unknown> }> = [
      { name: 'unknown form', run: () => engine.capture('00000000-0000-4000-8000-000000000000', req(body())), status: 404, code: 'form.not_found' },
      { name: 'a form id that is not a uuid', run: () => engine.capture('demo', req(body())), status: 404, code: 'form.not_found' },
      { name: 'origin not allowed', run: () => engine.capture(formId, req(body({ phone: nextPhone() }), { origin: 'https://evil.example' })), status: 403, code: 'form.origin_not_allowed' },
      { name: 'no Origin header', run: () => engine.capture(formId, req(body({ phone: nextPhone() }), { origin: null })), status: 403, code: 'form.origin_not_allowed' },
      { name: 'consent missing', run: () => engine.capture(formId, req(body({ phone: nextPhone(), sms_consent: false }))), status: 422, code: 'submission.validation_failed', fields: { sms_consent: 'Tick the box to agree to receive text messages.' } },
      { name: 'invalid phone', run: () => engine.capture(formId, req(body({ phone: '555' }))), status: 422, code: 'submission.validation_failed', fields: { phone: expect.stringContaining('too short') } },
      { name: 'invalid email', run: () => engine.capture(formId, req(body({ phone: nextPhone(), email: 'not-an-email' }))), status: 422, code: 'submission.validation_failed', fields: { email: 'Enter a valid email address, e.g. name@example.com.' } },
      { name: 'unknown field', run: () => engine.capture(formId, req(body({ phone: nextPhone(), shoe_size: '9' }))), status: 422, code: 'submission.validation_failed', fields: { shoe_size: '“shoe_size” is not a field on this form.' } },
      { name: 'consent text not the form’s', run: () => engine.capture(formId, req({ ...body({ phone: nextPhone() }), consent: { checked: true, text: 'I agree to anything at all, really.' } })), status: 422, code: 'submission.validation_failed', fields: { sms_consent: expect.stringContaining('consent wording has changed') } },
      { name: 'body not the widget’s shape', run: () => engine.capture(formId, req(['values'])), status: 400, code: 'submission.invalid_body' },
      { name: 'bad idempotency key', run: () => engine.capture(formId, req(body({ phone: nextPhone() }), { idempotencyKey: 'has spaces in it' })), status: 400, code: 'submission.invalid_idempotency_key' },
    ];

    it.each(cases)('$name', async ({ run, status, code, fields }) => {
      const before = await counts();
      const err = await run().then(
        () => null,
        (e: unknown) => e,
      );
      expect(isTandemError(err)).toBe(true);
      expect(err).toMatchObject({ status, code });
      if (fields) expect((err as { details: { fields: unknown } }).details.fields).toEqual(fields);
      expect(await counts()).toEqual(before);
    });

    it('inactive form', async () => {
      const id = (await engine.forms.create(tenantId, demoFormDefinition('Acme Homes', { allowedOrigins: [ORIGIN] }), SYSTEM)).id;
      await engine.forms.deactivate(tenantId, id, SYSTEM);
      const before = await counts();
      await expect(engine.capture(id, req(body({ phone: nextPhone() })))).rejects.toMatchObject({ status: 404, code: 'form.inactive' });
      expect(await counts()).toEqual(before);
    });
  });
});
