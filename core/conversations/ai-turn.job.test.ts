import { createAiPipeline, createOfflineLanguageModel } from '../ai/index';
import type { Engine } from '../engine/create-engine';
import type { JobOutcome } from '../jobs/job-runner';
import { roundTripsOf } from '../../test/helpers/round-trips';
import { one, rows } from '../store/sql';
import {
  RecordingSmsProvider,
  createLead,
  createTenant,
  fakeClock,
  messagesOf,
  openTestEngine,
  statementsPerTransaction,
} from './test-support/engine-harness';

/**
 * `conversation.ai-turn` on its common path: autopilot, an ordinary question, a reply queued. Each round
 * trip is a measurable cost on the worker, so the count is pinned: a change that adds one fails here. The
 * engine is not started: each test runs the job itself, with nothing else in flight.
 */
describe(`conversation.ai-turn (${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'})`, () => {
  let engine: Engine;
  let close: () => Promise<void>;
  let tenantId: string;
  const clock = fakeClock('2026-06-02T16:00:00Z'); // noon in New York
  let sid = 0;

  beforeAll(async () => {
    ({ engine, close } = await openTestEngine({ clock }));
    engine.useAiPipeline(createAiPipeline({ model: createOfflineLanguageModel(), clock }));
    engine.messaging.useProviders(async () => ({ provider: new RecordingSmsProvider(), from: '+12125550100' }));
    ({ tenantId } = await createTenant(engine, {
      name: 'Zip Realty',
      settings: { autonomy: 'autopilot', knowledge: [{ id: 'hours', title: 'Office hours', body: 'Our office hours are 9am to 6pm, Monday to Saturday.' }] },
    }));
  });
  afterAll(async () => {
    await close();
  });

  /** A lead's question stored as the webhook stores it; returns the ids and its pending ai-turn job. */
  async function question(phone: string) {
    const { conversationId } = await createLead(engine, tenantId, { phone });
    const r = await engine.messaging.receive({ tenantId, from: phone, to: null, body: 'What are your office hours? We want to move this week', providerMessageId: `SMturn${++sid}`, provider: 'console' });
    const job = await engine.store.system((m) =>
      one<{ id: string }>(m, `SELECT id::text AS id FROM outbox WHERE topic = 'conversation.ai-turn' AND status = 'pending' AND payload->>'messageId' = $1`, [r.messageId]),
    );
    return { conversationId, inboundId: r.messageId!, jobId: job!.id };
  }
  const runTurn = (jobId: string) => engine.jobs.runner.run({ id: jobId, name: 'conversation.ai-turn', queue: 'ai' });

  it('answers in 2 round trips: one statement to read, one to lock, re-check, record and queue the reply (each with its opening and COMMIT)', async () => {
    const { conversationId, inboundId, jobId } = await question('+12125550301');
    let outcome: JobOutcome | null = null;
    const { result: transactions, roundTrips } = await roundTripsOf(() =>
      statementsPerTransaction(engine.store, async () => {
        outcome = await runTurn(jobId);
      }),
    );
    expect(outcome).toBe('completed');

    // The common path really ran: stages stored, score moved, the reply queued with its send job, the job done.
    const [inbound, reply, ...more] = await messagesOf(engine, tenantId, conversationId);
    expect(more).toEqual([]);
    expect(inbound).toMatchObject({ id: inboundId, meta: { ai: { stages: expect.anything() } } });
    expect(reply).toMatchObject({ direction: 'out', author: 'ai', status: 'queued', meta: { kind: 'reply', replyTo: inboundId } });
    const lead = await engine.store.tenant(tenantId, (m) => one<{ score: number }>(m, `SELECT score FROM leads WHERE phone = '+12125550301'`));
    expect(lead!.score).toBeGreaterThan(0);
    const outbox = await engine.store.system((m) =>
      rows<{ topic: string; status: string }>(m, `SELECT topic, status FROM outbox WHERE id = $1 OR (topic = 'sms.send' AND payload->>'messageId' = $2) ORDER BY id`, [jobId, reply!.id]),
    );
    expect(outbox).toEqual([
      { topic: 'conversation.ai-turn', status: 'done' },
      { topic: 'sms.send', status: 'pending' },
    ]);

    // Pipelined: the opening rides with the first statement, COMMIT with the last one (PGlite: no trips).
    expect(transactions.map((statements) => statements.length)).toEqual([1, 1]);
    expect(roundTrips).toBe(engine.store.kind === 'postgres' ? 2 : 0);
  });

  it('drafts for copilot in 2 round trips too: the pending draft it replaces is superseded, the agents asked, the version moved', async () => {
    const { conversationId, inboundId, jobId } = await question('+12125550304');
    const before = await engine.conversations.view(tenantId, conversationId);
    await engine.conversations.act(tenantId, conversationId, { type: 'set_autonomy', version: before.version, autonomy: 'copilot', actor: { agentId: null, name: 'Sam', surface: 'api' } });
    // A draft still pending (an opener an agent has not decided on): the new one must replace it, not clash
    // with the one-pending-draft index.
    const old = await engine.store.tenant(tenantId, (m) =>
      one<{ id: string }>(m, `INSERT INTO drafts (tenant_id, conversation_id, body) VALUES ($1, $2, 'Hi from Zip Realty') RETURNING id`, [tenantId, conversationId]),
    );
    // A notifier, so the turn's notification has a handler to be queued for (the engine is not started).
    engine.registerNotifier({ name: 'turn-test', notify: async () => {} });
    const atStart = await engine.conversations.view(tenantId, conversationId);

    let outcome: JobOutcome | null = null;
    const { result: transactions, roundTrips } = await roundTripsOf(() =>
      statementsPerTransaction(engine.store, async () => {
        outcome = await runTurn(jobId);
      }),
    );
    expect(outcome).toBe('completed');
    expect(transactions.map((statements) => statements.length)).toEqual([1, 1]);
    expect(roundTrips).toBe(engine.store.kind === 'postgres' ? 2 : 0);

    const view = await engine.conversations.view(tenantId, conversationId);
    expect(view.draft).toMatchObject({ status: 'pending', body: expect.stringMatching(/9am to 6pm/) });
    expect(view.draft!.id).not.toBe(old!.id);
    expect(view.version).toBe(atStart.version + 1);
    const drafts = await engine.store.tenant(tenantId, (m) =>
      rows<{ id: string; status: string; inbound_message_id: string | null }>(m, `SELECT id, status, inbound_message_id FROM drafts WHERE conversation_id = $1 ORDER BY created_at`, [conversationId]),
    );
    expect(drafts).toEqual([
      { id: old!.id, status: 'superseded', inbound_message_id: null },
      { id: view.draft!.id, status: 'pending', inbound_message_id: inboundId },
    ]);
    expect((await messagesOf(engine, tenantId, conversationId)).filter((x) => x.direction === 'out')).toEqual([]);
    const notify = await engine.store.system((m) =>
      rows<{ payload: { kind: string; conversationId: string } }>(m, `SELECT payload FROM outbox WHERE topic = 'notify.turn-test' AND payload->>'conversationId' = $1`, [conversationId]),
    );
    expect(notify.map((r) => r.payload.kind)).toEqual(['conversation.needs_decision']);
  });

  it('answers once when two runs of the same job race: the one that completes second rolls back', async () => {
    const { conversationId, jobId } = await question('+12125550302');
    const outcomes = await Promise.all([runTurn(jobId), runTurn(jobId)]);
    expect(outcomes.sort()).toEqual(['completed', 'skipped']);
    const replies = (await messagesOf(engine, tenantId, conversationId)).filter((x) => x.direction === 'out');
    expect(replies).toHaveLength(1);
  });

  it('obeys an autonomy override set while the model was thinking: the reply becomes a draft', async () => {
    const { conversationId, jobId } = await question('+12125550303');
    const real = createAiPipeline({ model: createOfflineLanguageModel(), clock });
    engine.useAiPipeline({
      ...real,
      runTurn: async (input) => {
        // The agent acts between the turn's read and its write.
        const v = await engine.conversations.view(tenantId, conversationId);
        await engine.conversations.act(tenantId, conversationId, { type: 'set_autonomy', version: v.version, autonomy: 'copilot', actor: { agentId: null, name: 'Sam', surface: 'api' } });
        return real.runTurn(input);
      },
    });
    try {
      expect(await runTurn(jobId)).toBe('completed');
    } finally {
      engine.useAiPipeline(real);
    }
    const view = await engine.conversations.view(tenantId, conversationId);
    expect(view.autonomyOverride).toBe('copilot');
    expect(view.draft?.body).toMatch(/9am to 6pm/);
    expect((await messagesOf(engine, tenantId, conversationId)).filter((x) => x.direction === 'out')).toEqual([]);
  });
});
