import type { EntityManager } from 'typeorm';
import { createTenant, openTestEngine } from '../conversations/test-support/engine-harness';
import type { Engine } from '../engine/create-engine';
import { isTandemError } from '../errors/tandem-error';
import { demoFormDefinition, type FormDefinition } from '../forms/form-definition';
import type { Store } from '../store/data-source';
import { one, rows } from '../store/sql';
import { CaptureService, type CaptureRequest } from './capture.service';
import { FormService } from './form.service';

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

  // Two connections are needed to see a wait: PostgreSQL only (PGlite has one).
  if (process.env.DATABASE_URL) {
    it('opening a new conversation excludes an ordinary inbound text’s lock on the lead, so the text lands in it', async () => {
      const phone = nextPhone();
      const first = await engine.capture(formId, req(body({ phone })));
      await engine.store.tenant(tenantId, (m) => m.query(`UPDATE conversations SET status = 'closed' WHERE id = $1`, [first.conversationId]));
      let capturing: ReturnType<typeof engine.capture> | null = null;
      await engine.store.tenant(tenantId, async (m) => {
        // What an inbound text holds between its lookup and the statement that stores it (core/messaging/inbound.service.ts).
        await m.query(`SELECT id FROM leads WHERE id = $1 FOR KEY SHARE`, [first.leadId]);
        capturing = engine.capture(formId, req(body({ phone })));
        capturing.catch(() => undefined); // reported below
        const until = Date.now() + 5000;
        for (;;) {
          const [r] = await engine.store.dataSource.query(`SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock') AS waiting`);
          if (r.waiting) break;
          if (Date.now() > until) throw new Error('capture did not wait for the text’s lock on the lead');
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      });
      const second = await capturing!;
      expect(second.leadId).toBe(first.leadId);
      expect(second.conversationId).not.toBe(first.conversationId);
    });
  }

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

  /**
   * Another API process on the same database: its own form caches (so an edit made through `engine.forms`
   * leaves its cached definition stale), and every transaction its capture opens recorded with the
   * statements run in it. On PostgreSQL a transaction costs its statements plus two round trips (opening
   * with BEGIN + set_config, COMMIT: see core/store/data-source.ts).
   */
  function anotherProcess() {
    const transactions: Array<{ scope: 'tenant' | 'system'; statements: string[] }> = [];
    const recorded = <T>(scope: 'tenant' | 'system', open: (work: (m: EntityManager) => Promise<T>) => Promise<T>, work: (m: EntityManager) => Promise<T>) =>
      open(async (m) => {
        const spy = jest.spyOn(m.queryRunner!, 'query');
        try {
          return await work(m);
        } finally {
          transactions.push({ scope, statements: spy.mock.calls.map((c) => String(c[0])) });
          spy.mockRestore();
        }
      });
    const store: Store = {
      ...engine.store,
      tenant: (id, work) => recorded('tenant', (w) => engine.store.tenant(id, w), work),
      system: (work) => recorded('system', (w) => engine.store.system(w), work),
    };
    const forms = new FormService(store);
    const capture = new CaptureService({ store, jobs: engine.jobs, forms, live: engine.live, clock: engine.clock, logger: engine.logger });
    return {
      capture: (id: string, r: CaptureRequest) => capture.capture(id, r),
      /** Runs `work` and returns what it answered with the transactions it opened. */
      async trace<T>(work: () => Promise<T>) {
        transactions.length = 0;
        const result = await work();
        const roundTrips = transactions.reduce((n, t) => n + t.statements.length + 2, 0);
        return { result, transactions: [...transactions], roundTrips };
      },
    };
  }

  describe('round trips and per-person locks', () => {
    it('a submission costs 5 round trips on PostgreSQL, for a new lead and for a known one; a repeated key 3', async () => {
      const api = anotherProcess();
      await api.capture(formId, req(body({ phone: nextPhone() }))); // fills this process's form caches

      const phone = nextPhone();
      const fresh = await api.trace(() => api.capture(formId, req(body({ phone }), { idempotencyKey: 'trips-1' })));
      expect(fresh.result).toMatchObject({ status: 201, isNewLead: true });
      // open, form + locks, lead lookup, every write with the outbox rows, COMMIT
      expect(fresh.transactions.map((t) => [t.scope, t.statements.length])).toEqual([['tenant', 3]]);
      expect(fresh.roundTrips).toBe(5);
      const outbox = await engine.store.system((m) => rows<{ payload: Record<string, unknown> }>(m, `SELECT payload FROM outbox WHERE payload->>'submissionId' = $1`, [fresh.result.submissionId]));
      expect(outbox.length).toBeGreaterThan(0);
      for (const o of outbox) expect(o.payload).toEqual({ leadId: fresh.result.leadId, conversationId: fresh.result.conversationId, submissionId: fresh.result.submissionId, isNewLead: true });

      const known = await api.trace(() => api.capture(formId, req(body({ phone }))));
      expect(known.result).toMatchObject({ status: 201, isNewLead: false, leadId: fresh.result.leadId, conversationId: fresh.result.conversationId });
      expect(known.roundTrips).toBe(5);

      const repeated = await api.trace(() => api.capture(formId, req(body({ phone }), { idempotencyKey: 'trips-1' })));
      expect(repeated.result).toMatchObject({ status: 200, duplicate: true, submissionId: fresh.result.submissionId });
      expect(repeated.roundTrips).toBe(3);
    });

    it('a process that has not read the form yet pays for it once: the form’s tenant, and the locks in a statement of their own', async () => {
      const api = anotherProcess();
      const first = await api.trace(() => api.capture(formId, req(body({ phone: nextPhone() }))));
      expect(first.result).toMatchObject({ status: 201, isNewLead: true });
      expect(first.transactions.map((t) => [t.scope, t.statements.length])).toEqual([['system', 1], ['tenant', 4]]);
      const next = await api.trace(() => api.capture(formId, req(body({ phone: nextPhone() }))));
      expect(next.roundTrips).toBe(5);
    });

    /** Two processes that have read the form, so each takes its locks with its first statement. */
    async function twoWarmProcesses() {
      const pair = [anotherProcess(), anotherProcess()] as const;
      for (const api of pair) await api.capture(formId, req(body({ phone: nextPhone() })));
      return pair;
    }

    it('two submissions at once with the same new phone make one lead', async () => {
      const [a, b] = await twoWarmProcesses();
      for (let round = 0; round < 3; round++) {
        const phone = nextPhone();
        const [x, y] = await Promise.all([a.capture(formId, req(body({ phone }))), b.capture(formId, req(body({ phone })))]);
        expect(x.leadId).toBe(y.leadId);
        expect([x.isNewLead, y.isNewLead].sort()).toEqual([false, true]);
        expect(await engine.store.tenant(tenantId, (m) => rows(m, `SELECT id FROM leads WHERE phone = $1`, [phone]))).toHaveLength(1);
        expect(await engine.store.tenant(tenantId, (m) => rows(m, `SELECT id FROM submissions WHERE lead_id = $1`, [x.leadId]))).toHaveLength(2);
      }
    });

    it('two submissions at once with the same email and different phones make one lead', async () => {
      const [a, b] = await twoWarmProcesses();
      for (let round = 0; round < 3; round++) {
        const email = `same-person-${round}@example.com`;
        const [x, y] = await Promise.all([a.capture(formId, req(body({ phone: nextPhone(), email }))), b.capture(formId, req(body({ phone: nextPhone(), email })))]);
        expect(x.leadId).toBe(y.leadId);
        expect(await engine.store.tenant(tenantId, (m) => rows(m, `SELECT id FROM leads WHERE email = $1`, [email]))).toHaveLength(1);
      }
    });

    /** A form of its own, read once by each of `apis` (so cached there), then edited through the engine's FormService. */
    async function formEditedElsewhere(apis: Array<ReturnType<typeof anotherProcess>>, initial: FormDefinition, patch: Record<string, unknown>) {
      const id = (await engine.forms.create(tenantId, initial, SYSTEM)).id;
      for (const api of apis) await api.capture(id, req(body({ phone: nextPhone() })));
      const edited = await engine.forms.update(tenantId, id, patch, SYSTEM);
      expect(edited.version).toBe(2);
      return edited;
    }

    it('a form edited by another process since it was cached: the submission is checked against the stored version', async () => {
      const [api, api2] = [anotherProcess(), anotherProcess()];
      const v1 = demoFormDefinition('Acme Homes', { allowedOrigins: [ORIGIN] });
      const newText = `${consentText} Reply HELP for help.`;
      const budget = { type: 'text', name: 'budget', label: 'Budget', required: true, requiredMessage: 'Tell us your budget.' };
      const edited = await formEditedElsewhere([api, api2], v1, { fields: [...v1.fields, budget], consent: { ...v1.consent, text: newText } });
      const before = await counts();

      // Valid for the cached version, not for the stored one: refused as the stored one says, nothing written.
      const stale = await api.capture(edited.id, req(body({ phone: nextPhone() }))).catch((e: unknown) => e);
      expect(stale).toMatchObject({ status: 422, code: 'submission.validation_failed' });
      expect((stale as { details: { fields: Record<string, string> } }).details.fields).toEqual({
        budget: 'Tell us your budget.',
        sms_consent: expect.stringContaining('consent wording has changed'),
      });
      expect(await counts()).toEqual(before);

      // Valid for the stored version only (the cached one knows no budget field): accepted, one statement more.
      const current = { ...body({ phone: nextPhone(), budget: '£300k' }), consent: { checked: true, text: newText } };
      const ok = await api2.trace(() => api2.capture(edited.id, req(current)));
      expect(ok.result).toMatchObject({ status: 201, isNewLead: true });
      expect(ok.transactions.map((t) => [t.scope, t.statements.length])).toEqual([['tenant', 4]]);
      const s = await engine.store.tenant(tenantId, (m) => one<{ form_version: number; values: Record<string, unknown> }>(m, `SELECT form_version, values FROM submissions WHERE id = $1`, [ok.result.submissionId]));
      expect(s).toMatchObject({ form_version: 2, values: { budget: '£300k' } });
      // The stored version is now this process's cache: back to 5 round trips.
      const again = await api2.trace(() => api2.capture(edited.id, req({ ...current, values: { ...current.values, phone: nextPhone() } })));
      expect(again.roundTrips).toBe(5);
    });

    it('an edit that makes the cached guess lock another person starts again under the right locks and finds the lead by email', async () => {
      const api = anotherProcess();
      // Version 1 asks for the email as plain text, so it is no email to dedupe on; version 2 makes it one.
      const emailAsText = { type: 'text' as const, name: 'email', label: 'Email', required: true };
      const v1 = demoFormDefinition('Acme Homes', { allowedOrigins: [ORIGIN] });
      const v1Fields = v1.fields.map((f) => (f.name === 'email' ? emailAsText : f));
      const edited = await formEditedElsewhere([api], demoFormDefinition('Acme Homes', { allowedOrigins: [ORIGIN], fields: v1Fields }), { fields: v1.fields });

      const existing = await engine.capture(formId, req(body({ phone: nextPhone(), email: 'moved-on@example.com' })));
      const newPhone = nextPhone();
      const r = await api.trace(() => api.capture(edited.id, req(body({ phone: newPhone, email: 'moved-on@example.com' }))));
      expect(r.result).toMatchObject({ status: 201, leadId: existing.leadId, isNewLead: false });
      // The first try held only the phone's lock and wrote nothing; the second takes both in one batch.
      expect(r.transactions.map((t) => [t.scope, t.statements.length])).toEqual([['tenant', 1], ['tenant', 4]]);
      expect(await lead(existing.leadId)).toMatchObject({ phone: newPhone, email: 'moved-on@example.com' });
    });
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
