import { createAiPipeline, createOfflineLanguageModel } from '../ai/index';
import {
  RecordingSmsProvider,
  createLead,
  createTenant,
  fakeClock,
  messagesOf,
  openTestEngine,
  roundTrips,
  statementsPerTransaction,
} from '../conversations/test-support/engine-harness';
import type { Engine } from '../engine/create-engine';
import type { JobOutcome } from '../jobs/job-runner';
import { one, rows } from '../store/sql';

/**
 * `sms.send` on its common path: an AI reply the gate lets through, sent, its follow-up scheduled. Each
 * round trip is a measurable cost on the worker, so the count is pinned: a change that adds one fails here.
 * The engine is not started: each test runs the jobs itself, with nothing else in flight.
 */
describe(`sms.send (${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'})`, () => {
  let engine: Engine;
  let close: () => Promise<void>;
  let tenantId: string;
  const clock = fakeClock('2026-06-02T16:00:00Z'); // noon in New York: no quiet hours
  const sms = new RecordingSmsProvider();
  let sid = 0;

  beforeAll(async () => {
    ({ engine, close } = await openTestEngine({ clock }));
    engine.useAiPipeline(createAiPipeline({ model: createOfflineLanguageModel(), clock }));
    engine.messaging.useProviders(async () => ({ provider: sms, from: '+12125550100' }));
    ({ tenantId } = await createTenant(engine, {
      name: 'Zip Realty',
      settings: {
        autonomy: 'autopilot',
        followUpCadenceDays: [1, 3],
        knowledge: [{ id: 'hours', title: 'Office hours', body: 'Our office hours are 9am to 6pm, Monday to Saturday.' }],
      },
    }));
  });
  afterAll(async () => {
    await close();
  });

  const pendingJob = async (topic: string, messageId: string) =>
    (await engine.store.system((m) =>
      one<{ id: string }>(m, `SELECT id::text AS id FROM outbox WHERE topic = $1 AND status = 'pending' AND payload->>'messageId' = $2`, [topic, messageId]),
    ))!.id;
  const run = (name: string, id: string) => engine.jobs.runner.run({ id, name, queue: name === 'sms.send' ? 'sms' : 'ai' });

  /** A lead's question answered by the AI on autopilot: returns the queued reply and its pending send job. */
  async function queuedReply(phone: string) {
    const { conversationId } = await createLead(engine, tenantId, { phone });
    const r = await engine.messaging.receive({ tenantId, from: phone, to: null, body: 'What are your office hours?', providerMessageId: `SMsend${++sid}`, provider: 'console' });
    expect(await run('conversation.ai-turn', await pendingJob('conversation.ai-turn', r.messageId!))).toBe('completed');
    const reply = (await messagesOf(engine, tenantId, conversationId)).find((x) => x.direction === 'out' && x.status === 'queued')!;
    return { conversationId, reply, jobId: await pendingJob('sms.send', reply.id) };
  }

  it('sends in 9 round trips: lock the lead, read the message and complete, claim; then one statement for the outcome and one for the follow-up', async () => {
    const phone = '+12125550401';
    const { conversationId, reply, jobId } = await queuedReply(phone);
    let outcome: JobOutcome | null = null;
    const transactions = await statementsPerTransaction(engine.store, async () => {
      outcome = await run('sms.send', jobId);
    });
    expect(outcome).toBe('completed');

    // The common path really ran: one text to the provider, its id stored, the nurture clock started.
    const sent = sms.sent.filter((s) => s.to === phone);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.body).toMatch(/9am to 6pm/);
    const stored = (await messagesOf(engine, tenantId, conversationId)).find((x) => x.id === reply.id)!;
    expect(stored.provider_message_id).toMatch(/^SMrec/);
    expect(stored.status).toBe('sending');
    const conversation = await engine.store.tenant(tenantId, (m) =>
      one<{ anchor: string | null }>(m, `SELECT last_outbound_at::text AS anchor FROM conversations WHERE id = $1`, [conversationId]),
    );
    const events = await engine.store.system((m) =>
      rows<{ topic: string; status: string; payload: Record<string, unknown> }>(
        m,
        `SELECT topic, status, payload FROM outbox WHERE id = $1 OR payload->>'messageId' = $2 OR (topic = 'conversation.followup' AND payload->>'conversationId' = $3) ORDER BY id`,
        [jobId, reply.id, conversationId],
      ),
    );
    expect(events).toEqual(
      expect.arrayContaining([
        { topic: 'sms.send', status: 'done', payload: { messageId: reply.id } },
        { topic: 'conversation.followup', status: 'pending', payload: { conversationId, anchor: conversation!.anchor, step: 0 } },
      ]),
    );

    // Each transaction costs its statements plus its open and COMMIT.
    expect(transactions.map((statements) => statements.length)).toEqual([3, 2]);
    expect(roundTrips(transactions)).toBe(9);
  });

  it('calls the provider once when two runs of the same send job race', async () => {
    const phone = '+12125550402';
    const { jobId } = await queuedReply(phone);
    const outcomes = await Promise.all([run('sms.send', jobId), run('sms.send', jobId)]);
    expect(outcomes.sort()).toEqual(['completed', 'skipped']);
    expect(sms.sent.filter((s) => s.to === phone)).toHaveLength(1);
  });

  /** Earlier texts to the lead, sent `hoursAgo` before the clock. */
  const earlierSends = (phone: string, conversationId: string, count: number, hoursAgo: number) =>
    engine.store.tenant(tenantId, (m) =>
      m.query(
        `INSERT INTO messages (tenant_id, conversation_id, lead_id, direction, author, body, status, created_at, updated_at)
         SELECT $1, $2, l.id, 'out', 'ai', 'Earlier text', 'delivered', $4::timestamptz, $4::timestamptz
           FROM leads l, generate_series(1, $5::int) WHERE l.phone = $3`,
        [tenantId, conversationId, phone, new Date(clock().getTime() - hoursAgo * 3600_000).toISOString(), count],
      ),
    );

  /** The queued text as one the lead did not ask for (a nurture or agent text): those count against caps. */
  const unprompted = (messageId: string) =>
    engine.store.tenant(tenantId, (m) => m.query(`UPDATE messages SET meta = meta - 'replyTo' WHERE id = $1`, [messageId]));

  it("holds a fourth unprompted text within 24 hours to a Florida lead (state cap), but not when the earlier three are older", async () => {
    const capped = await queuedReply('+13055550501');
    await unprompted(capped.reply.id);
    await earlierSends('+13055550501', capped.conversationId, 3, 2);
    expect(await run('sms.send', capped.jobId)).toBe('completed');
    expect(sms.sent.filter((s) => s.to === '+13055550501')).toHaveLength(0);

    const free = await queuedReply('+13055550502');
    await unprompted(free.reply.id);
    await earlierSends('+13055550502', free.conversationId, 3, 30);
    expect(await run('sms.send', free.jobId)).toBe('completed');
    const sent = sms.sent.filter((s) => s.to === '+13055550502');
    expect(sent).toHaveLength(1);
    // Not the lead's first text, so no first-text notice is added.
    expect(sent[0]!.body).not.toMatch(/Reply STOP to opt out/);
  });
});
