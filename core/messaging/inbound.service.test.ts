import type { EntityManager } from 'typeorm';
import type { Engine } from '../engine/create-engine';
import type { LiveEvent } from '../engine/engine.types';
import type { AgentNotifier } from '../ports/agent-notifier.port';
import type { CrmAdapter } from '../ports/crm-adapter.port';
import { helpText, optInConfirmationText, optOutConfirmationText } from '../compliance/index';
import { one, rows } from '../store/sql';
import { createLead, createTenant, eventually, fakeClock, openTestEngine } from '../conversations/test-support/engine-harness';
import { roundTripsOf } from '../../test/helpers/round-trips';
import type { InboundResult } from './inbound.service';

/** Ports only: their jobs are never run here (the engine is not started), they make the events' rows exist. */
const crm: CrmAdapter = {
  provider: 'hubspot',
  upsertLead: async () => ({ externalId: 'hs-1' }),
  logMessage: async () => undefined,
};
const notifier: AgentNotifier = { name: 'recorder', notify: async () => undefined };

interface OutboxRow {
  topic: string;
  event_type: string;
  payload: Record<string, unknown>;
}

describe(`inbound SMS (${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'})`, () => {
  let engine: Engine;
  let close: () => Promise<void>;
  let tenantId: string;
  let sidSeq = 0;
  let phoneSeq = 0;
  const nextSid = () => `SM${(++sidSeq).toString(16).padStart(32, '0')}`;
  const nextPhone = () => `+1212555${(3000 + ++phoneSeq).toString()}`;
  const receive = (from: string, body: string, sid = nextSid()) =>
    engine.messaging.receive({ tenantId, from, to: '+12125550100', body, providerMessageId: sid, provider: 'twilio' });
  const tx = <T>(work: (m: EntityManager) => Promise<T>) => engine.store.tenant(tenantId, work);
  const lastOutboxId = async () => Number((await tx((m) => one<{ id: string | null }>(m, `SELECT max(id) AS id FROM outbox`)))!.id ?? 0);
  const outboxSince = (id: number) =>
    tx((m) => rows<OutboxRow>(m, `SELECT topic, event_type, payload FROM outbox WHERE id > $1 ORDER BY id`, [id]));
  const conversationRow = (id: string) =>
    tx((m) => one<{ status: string; version: number; followup_step: number; last_inbound_at: Date | null }>(
      m,
      `SELECT status, version, followup_step, last_inbound_at FROM conversations WHERE id = $1`,
      [id],
    ));
  const messagesWithSid = (sid: string) => tx((m) => rows<{ id: string }>(m, `SELECT id FROM messages WHERE provider_message_id = $1`, [sid]));
  const pendingDraft = (conversationId: string) =>
    tx((m) => m.query(`INSERT INTO drafts (tenant_id, conversation_id, body) VALUES ($1, $2, 'Our hours are 9 to 6.')`, [tenantId, conversationId]));
  const draftStatuses = (conversationId: string) =>
    tx(async (m) => (await rows<{ status: string }>(m, `SELECT status FROM drafts WHERE conversation_id = $1 ORDER BY created_at`, [conversationId])).map((d) => d.status));
  const queuedReplies = (conversationId: string) =>
    tx((m) => rows<{ body: string; author: string; status: string; meta: Record<string, unknown> }>(
      m,
      `SELECT body, author, status, meta FROM messages WHERE conversation_id = $1 AND direction = 'out' ORDER BY created_at`,
      [conversationId],
    ));
  const consentEvents = (leadId: string) =>
    tx((m) => rows<{ kind: string; source: string; proof: Record<string, unknown> }>(
      m,
      `SELECT kind, source, proof FROM consent_events WHERE lead_id = $1 ORDER BY created_at`,
      [leadId],
    ));
  const leadState = (leadId: string) => tx((m) => one<{ opted_out: boolean; consent_state: string }>(m, `SELECT opted_out, consent_state FROM leads WHERE id = $1`, [leadId]));

  /**
   * The SQL statements `work` sends inside tenant transactions, counted on the real store's EntityManager.
   * Opening the transaction and COMMIT are not included: each is one more round trip on PostgreSQL.
   */
  async function statementsOf<T>(work: () => Promise<T>): Promise<{ result: T; statements: string[] }> {
    const statements: string[] = [];
    const store = engine.store;
    const tenant = store.tenant.bind(store);
    const spy = jest.spyOn(store, 'tenant').mockImplementation(<R>(id: string, txWork: (m: EntityManager) => Promise<R>) =>
      tenant(id, async (m) => {
        const query = m.query.bind(m);
        const counting = jest.spyOn(m, 'query').mockImplementation((sql: string, params?: Parameters<EntityManager['query']>[1]) => {
          statements.push(sql);
          return query(sql, params);
        });
        try {
          return await txWork(m);
        } finally {
          counting.mockRestore();
        }
      }),
    );
    try {
      return { result: await work(), statements };
    } finally {
      spy.mockRestore();
    }
  }

  beforeAll(async () => {
    ({ engine, close } = await openTestEngine({ clock: fakeClock('2026-06-02T16:00:00Z') }));
    engine.registerCrmAdapter(crm);
    engine.registerNotifier(notifier);
    ({ tenantId } = await createTenant(engine, { name: 'Acme Homes' }));
    // Connected, so the texts' CRM rows are written (a tenant without HubSpot gets none: core/jobs/requires-integration.test.ts).
    await engine.integrations.put(tenantId, 'hubspot', { externalId: 'portal-1', enabled: true, config: { accessToken: 'x' } });
  });
  afterAll(async () => {
    await close();
  });

  it('stores an ordinary text from a known lead in two statements: share-lock the lead, then everything else', async () => {
    const phone = nextPhone();
    const { leadId, conversationId } = await createLead(engine, tenantId, { phone });
    await tx((m) => m.query(`UPDATE conversations SET status = 'closed', followup_step = 2 WHERE id = $1`, [conversationId]));
    await pendingDraft(conversationId);
    const before = (await conversationRow(conversationId))!;
    const since = await lastOutboxId();
    const live: LiveEvent[] = [];
    const unsubscribe = engine.live.subscribe((e) => live.push(e));
    const sid = nextSid();

    const {
      result: { result, statements },
      roundTrips,
    } = await roundTripsOf(() => statementsOf(() => receive(phone, 'Is the house on Elm St still available?', sid)));
    unsubscribe();

    // The lock rides with the opening, COMMIT with the store: 2 round trips on PostgreSQL (4 before).
    expect(statements).toHaveLength(2);
    expect(roundTrips).toBe(engine.store.kind === 'postgres' ? 2 : 0);
    expect(statements[0]).toMatch(/FOR KEY SHARE OF l/);
    const [stored] = await messagesWithSid(sid);
    expect(result).toEqual({ duplicate: false, messageId: stored!.id, conversationId, keyword: null });
    const message = await tx((m) => one(m, `SELECT conversation_id, lead_id, direction, author, body, status, provider FROM messages WHERE id = $1`, [stored!.id]));
    expect(message).toEqual({
      conversation_id: conversationId,
      lead_id: leadId,
      direction: 'in',
      author: 'lead',
      body: 'Is the house on Elm St still available?',
      status: 'received',
      provider: 'twilio',
    });
    expect(await draftStatuses(conversationId)).toEqual(['superseded']);
    const after = (await conversationRow(conversationId))!;
    expect(after).toMatchObject({ status: 'open', followup_step: 0, version: before.version + 1 });
    expect(after.last_inbound_at).not.toBeNull();
    const messageId = stored!.id;
    expect(await outboxSince(since)).toEqual([
      { topic: 'conversation.ai-turn', event_type: 'message.received', payload: { messageId, conversationId } },
      { topic: 'crm.sync.hubspot', event_type: 'message.created', payload: { leadId, messageId } },
      { topic: 'notify.recorder', event_type: 'conversation.notify', payload: { kind: 'message.inbound', conversationId, messageId } },
    ]);
    expect(live).toEqual([expect.objectContaining({ type: 'message.received', tenantId, conversationId, leadId })]);
  });

  it('changes nothing for a MessageSid delivered again, and answers with the stored message', async () => {
    const phone = nextPhone();
    const { conversationId } = await createLead(engine, tenantId, { phone });
    const sid = nextSid();
    const first = await receive(phone, 'Can I see the listing on Saturday?', sid);
    await pendingDraft(conversationId);
    const before = (await conversationRow(conversationId))!;
    const since = await lastOutboxId();

    const { result: again, statements } = await statementsOf(() => receive(phone, 'Can I see the listing on Saturday?', sid));

    expect(again).toEqual({ duplicate: true, messageId: first.messageId, conversationId: null, keyword: null });
    // The store statement itself finds the redelivery and the stored id: no lookup before it, none after.
    expect(statements).toHaveLength(2);
    expect(await messagesWithSid(sid)).toHaveLength(1);
    expect(await draftStatuses(conversationId)).toEqual(['pending']);
    expect(await conversationRow(conversationId)).toEqual(before);
    expect(await outboxSince(since)).toEqual([]);
  });

  it('stores one message and publishes one set of events when the same MessageSid arrives concurrently', async () => {
    const phone = nextPhone();
    const { conversationId } = await createLead(engine, tenantId, { phone });
    const before = (await conversationRow(conversationId))!;
    const since = await lastOutboxId();
    const sid = nextSid();

    const results = await Promise.all([1, 2, 3, 4].map(() => receive(phone, 'Do you take pets?', sid)));

    const stored = results.filter((r) => !r.duplicate);
    expect(stored).toHaveLength(1);
    const [message] = await messagesWithSid(sid);
    expect(await messagesWithSid(sid)).toHaveLength(1);
    expect(stored[0]!.messageId).toBe(message!.id);
    for (const r of results.filter((x) => x.duplicate)) expect(r).toEqual({ duplicate: true, messageId: message!.id, conversationId: null, keyword: null });
    expect((await conversationRow(conversationId))!.version).toBe(before.version + 1);
    expect((await outboxSince(since)).map((o) => o.event_type)).toEqual(['message.received', 'message.created', 'conversation.notify']);
  });

  it('makes a lead of a stranger, once, even when the first text arrives twice at the same time', async () => {
    const phone = nextPhone();
    const sid = nextSid();
    const since = await lastOutboxId();

    const results = await Promise.all([receive(phone, 'Hi, I saw your sign on Elm St', sid), receive(phone, 'Hi, I saw your sign on Elm St', sid)]);

    const stored = results.filter((r) => !r.duplicate);
    expect(stored).toHaveLength(1);
    const leads = await tx((m) => rows<{ id: string; source: string; consent_state: string; opted_out: boolean }>(
      m,
      `SELECT id, source, consent_state, opted_out FROM leads WHERE phone = $1`,
      [phone],
    ));
    expect(leads).toEqual([{ id: expect.any(String), source: 'inbound_sms', consent_state: 'granted', opted_out: false }]);
    const leadId = leads[0]!.id;
    expect(await consentEvents(leadId)).toEqual([{ kind: 'opt_in', source: 'natural_language', proof: { reason: 'lead_initiated', providerMessageId: sid } }]);
    const conversations = await tx((m) => rows<{ id: string }>(m, `SELECT id FROM conversations WHERE lead_id = $1`, [leadId]));
    expect(conversations).toEqual([{ id: stored[0]!.conversationId }]);
    const messageId = stored[0]!.messageId;
    expect(await messagesWithSid(sid)).toEqual([{ id: messageId }]);
    expect((await outboxSince(since)).map((o) => [o.event_type, o.payload])).toEqual([
      ['message.received', { messageId, conversationId: conversations[0]!.id }],
      ['message.created', { leadId, messageId }],
      ['conversation.notify', { kind: 'message.inbound', conversationId: conversations[0]!.id, messageId }],
    ]);
  });

  it("stores a stranger's first text in two statements: the lookup, then lead, consent, conversation, text and events at once", async () => {
    const phone = nextPhone();
    const sid = nextSid();
    const since = await lastOutboxId();

    const {
      result: { result, statements },
      roundTrips,
    } = await roundTripsOf(() => statementsOf(() => receive(phone, 'Is the Elm St house still for sale?', sid)));

    // The lookup rides with the opening, COMMIT with the one statement that stores it all: 2 round trips on
    // PostgreSQL (7 before the fold, 4 before pipelining).
    expect(statements).toHaveLength(2);
    expect(roundTrips).toBe(engine.store.kind === 'postgres' ? 2 : 0);
    const [lead] = await tx((m) => rows<{ id: string; source: string; consent_state: string }>(m, `SELECT id, source, consent_state FROM leads WHERE phone = $1`, [phone]));
    expect(lead).toMatchObject({ source: 'inbound_sms', consent_state: 'granted' });
    expect(await consentEvents(lead!.id)).toEqual([{ kind: 'opt_in', source: 'natural_language', proof: { reason: 'lead_initiated', providerMessageId: sid } }]);
    expect(result).toEqual({ duplicate: false, messageId: expect.any(String), conversationId: expect.any(String), keyword: null });
    // The conversation as storing a text leaves it: touched by the text, version moved once.
    expect(await conversationRow(result.conversationId!)).toMatchObject({ version: 2, status: 'open', followup_step: 0, last_inbound_at: expect.anything() });
    expect(await messagesWithSid(sid)).toEqual([{ id: result.messageId }]);
    expect((await outboxSince(since)).map((o) => [o.event_type, o.payload])).toEqual([
      ['message.received', { messageId: result.messageId, conversationId: result.conversationId }],
      ['message.created', { leadId: lead!.id, messageId: result.messageId }],
      ['conversation.notify', { kind: 'message.inbound', conversationId: result.conversationId, messageId: result.messageId }],
    ]);
  });

  it('opts out a stranger whose first text is STOP, with one confirmation and no AI turn', async () => {
    const phone = nextPhone();
    const since = await lastOutboxId();

    const result = await receive(phone, 'STOP', nextSid());

    expect(result.keyword).toBe('opt_out');
    const [lead] = await tx((m) => rows<{ id: string; opted_out: boolean }>(m, `SELECT id, opted_out FROM leads WHERE phone = $1`, [phone]));
    expect(lead!.opted_out).toBe(true);
    expect((await consentEvents(lead!.id)).map((e) => [e.kind, e.source])).toEqual([
      ['opt_in', 'natural_language'],
      ['opt_out', 'keyword'],
    ]);
    const events = (await outboxSince(since)).map((o) => o.event_type);
    expect(events).not.toContain('message.received');
    expect(events.filter((e) => e === 'message.queued')).toHaveLength(1);
  });

  it('creates no lead for a text delivered again after its lead changed number', async () => {
    const phone = nextPhone();
    const sid = nextSid();
    const first = await receive(phone, 'Hello there', sid);
    await tx((m) => m.query(`UPDATE leads SET phone = $2 WHERE phone = $1`, [phone, nextPhone()]));

    const again = await receive(phone, 'Hello there', sid);

    expect(again).toEqual({ duplicate: true, messageId: first.messageId, conversationId: null, keyword: null });
    expect(await tx((m) => rows(m, `SELECT id FROM leads WHERE phone = $1`, [phone]))).toEqual([]);
  });

  it('stores the text in the conversation a lock holder opened while this one waited for the lead', async () => {
    const phone = nextPhone();
    const { leadId } = await createLead(engine, tenantId, { phone });
    let locked!: () => void;
    let release!: () => void;
    const isLocked = new Promise<void>((r) => (locked = r));
    const released = new Promise<void>((r) => (release = r));
    // What capture does for a known lead whose conversation is closed: a new one, under the lead's lock.
    const opener = tx(async (m) => {
      await m.query(`SELECT id FROM leads WHERE id = $1 FOR UPDATE`, [leadId]);
      const c = await one<{ id: string }>(m, `INSERT INTO conversations (tenant_id, lead_id) VALUES ($1, $2) RETURNING id`, [tenantId, leadId]);
      locked();
      await released;
      return c!.id;
    });
    await isLocked;
    const inbound = receive(phone, 'Is it still available?');
    if (engine.store.kind === 'postgres') {
      // PGlite runs one transaction at a time, so only PostgreSQL can make the inbound text wait on the lock.
      await eventually(async () => {
        const waiting = await engine.store.dataSource.query(`SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`);
        return (waiting as unknown[]).length > 0;
      });
    }
    release();
    const newest = await opener;

    const result: InboundResult = await inbound;

    expect(result.conversationId).toBe(newest);
    const stored = await tx((m) => one<{ conversation_id: string }>(m, `SELECT conversation_id FROM messages WHERE id = $1`, [result.messageId]));
    expect(stored!.conversation_id).toBe(newest);
  });

  it('handles STOP, a second STOP, a text while opted out and START as before', async () => {
    const phone = nextPhone();
    const { leadId, conversationId } = await createLead(engine, tenantId, { phone });
    await pendingDraft(conversationId);

    let since = await lastOutboxId();
    const stopSid = nextSid();
    const stop = await receive(phone, 'STOP', stopSid);
    expect(stop).toMatchObject({ duplicate: false, conversationId, keyword: 'opt_out' });
    expect(await leadState(leadId)).toEqual({ opted_out: true, consent_state: 'revoked' });
    expect(await draftStatuses(conversationId)).toEqual(['superseded']);
    const confirmation = { body: optOutConfirmationText('Acme Homes'), author: 'system', status: 'queued', meta: { kind: 'opt_out_confirmation', replyTo: stop.messageId } };
    expect(await queuedReplies(conversationId)).toEqual([confirmation]);
    expect((await outboxSince(since)).map((o) => o.event_type)).toEqual(['message.queued', 'message.created', 'conversation.notify', 'lead.updated']);

    // A second STOP is recorded but changes nothing: no second confirmation.
    since = await lastOutboxId();
    const again = await receive(phone, 'stop');
    expect(again.keyword).toBe('opt_out');
    expect(await queuedReplies(conversationId)).toEqual([confirmation]);
    expect((await outboxSince(since)).map((o) => [o.event_type, o.payload])).toEqual([
      ['message.created', { leadId, messageId: again.messageId }],
      ['conversation.notify', { kind: 'message.inbound', conversationId, messageId: again.messageId }],
      ['lead.updated', { leadId }],
    ]);

    // An ordinary text from an opted-out lead reaches the CRM and the agents, never the AI.
    since = await lastOutboxId();
    const text = await receive(phone, 'why did you text me');
    expect(text).toMatchObject({ duplicate: false, keyword: null });
    expect((await outboxSince(since)).map((o) => o.event_type)).toEqual(['message.created', 'conversation.notify']);

    since = await lastOutboxId();
    const start = await receive(phone, 'START');
    expect(start.keyword).toBe('opt_in');
    expect(await leadState(leadId)).toEqual({ opted_out: false, consent_state: 'granted' });
    expect((await queuedReplies(conversationId)).map((r) => r.body)).toEqual([optOutConfirmationText('Acme Homes'), optInConfirmationText('Acme Homes')]);
    expect((await outboxSince(since)).map((o) => o.event_type)).toEqual(['message.queued', 'message.created', 'conversation.notify', 'lead.updated']);
    expect((await consentEvents(leadId)).map((e) => [e.kind, e.source, e.proof])).toEqual([
      ['opt_in', 'form', {}],
      ['opt_out', 'keyword', { messageId: stop.messageId, providerMessageId: stopSid, matched: 'STOP' }],
      ['opt_out', 'keyword', expect.objectContaining({ messageId: again.messageId, matched: 'STOP' })],
      ['opt_in', 'keyword', expect.objectContaining({ messageId: start.messageId, matched: 'START' })],
    ]);
  });

  it('treats START from a lead who never opted out as an ordinary text, and answers HELP', async () => {
    const phone = nextPhone();
    const { leadId, conversationId } = await createLead(engine, tenantId, { phone });

    let since = await lastOutboxId();
    const start = await receive(phone, 'START');
    expect(start.keyword).toBeNull();
    expect((await outboxSince(since)).map((o) => o.event_type)).toEqual(['message.received', 'message.created', 'conversation.notify']);

    since = await lastOutboxId();
    const help = await receive(phone, 'HELP');
    expect(help).toMatchObject({ duplicate: false, conversationId, keyword: 'help' });
    expect(await queuedReplies(conversationId)).toEqual([
      { body: helpText('Acme Homes'), author: 'system', status: 'queued', meta: { kind: 'help', replyTo: help.messageId } },
    ]);
    expect((await outboxSince(since)).map((o) => o.event_type)).toEqual(['message.queued', 'message.created', 'conversation.notify']);
    expect(await leadState(leadId)).toEqual({ opted_out: false, consent_state: 'granted' });
  });

  it('takes a text from a known lead without consent (a form sent unticked) as their consent to an answer, as a stranger\'s', async () => {
    const phone = nextPhone();
    const { leadId, conversationId } = await createLead(engine, tenantId, { phone, consent: 'none' });
    const since = await lastOutboxId();
    const { result, statements } = await statementsOf(() => receive(phone, 'Is the house on Elm Street still available?'));
    expect(result).toMatchObject({ duplicate: false, conversationId, keyword: null });
    expect(await leadState(leadId)).toEqual({ opted_out: false, consent_state: 'granted' });
    expect(await consentEvents(leadId)).toEqual([
      { kind: 'opt_in', source: 'natural_language', proof: { reason: 'lead_initiated', messageId: result.messageId, providerMessageId: expect.stringMatching(/^SM/) } },
    ]);
    // The AI turn, the CRM log and the agents' notice as for any text, and the CRM learns the consent.
    expect((await outboxSince(since)).map((o) => o.event_type)).toEqual(['message.received', 'message.created', 'conversation.notify', 'lead.updated']);
    // The fast path steps aside (its share lock may not change consent): the full path writes the consent.
    expect(statements.some((q) => /FOR KEY SHARE OF l/.test(q))).toBe(true);
    expect(statements.some((q) => /FOR NO KEY UPDATE OF l/.test(q))).toBe(true);

    // The next text takes the fast path again and adds nothing to the ledger.
    const next = await statementsOf(() => receive(phone, 'Can I see it Saturday?'));
    expect(next.statements.some((q) => /FOR NO KEY UPDATE OF l/.test(q))).toBe(false);
    expect(await consentEvents(leadId)).toHaveLength(1);
  });

  it('does not take a text from an opted-out lead as consent', async () => {
    const phone = nextPhone();
    const { leadId } = await createLead(engine, tenantId, { phone });
    await receive(phone, 'STOP');
    await receive(phone, 'Actually one more question');
    expect(await leadState(leadId)).toEqual({ opted_out: true, consent_state: 'revoked' });
    expect((await consentEvents(leadId)).map((e) => e.kind)).toEqual(['opt_in', 'opt_out']);
  });

  it('opts out on a natural-language request, recorded as such', async () => {
    const phone = nextPhone();
    const { leadId } = await createLead(engine, tenantId, { phone });

    const result = await receive(phone, 'Please stop texting me');

    expect(result.keyword).toBe('opt_out');
    expect(await leadState(leadId)).toEqual({ opted_out: true, consent_state: 'revoked' });
    expect((await consentEvents(leadId)).at(-1)).toMatchObject({ kind: 'opt_out', source: 'natural_language' });
  });
});
