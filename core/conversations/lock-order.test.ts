import type { Engine } from '../engine/create-engine';
import type { ActionCommand } from '../engine/engine.types';
import type { JobOutcome } from '../jobs/job-runner';
import { createAiPipeline, createOfflineLanguageModel } from '../ai/index';
import { one } from '../store/sql';
import { lockLeadOfConversation } from './conversation-view.query';
import { RecordingSmsProvider, createLead, createTenant, fakeClock, openTestEngine } from './test-support/engine-harness';

const AGENT = { agentId: null, name: 'Sam', surface: 'api' as const };
const PG = Boolean(process.env.DATABASE_URL);

/**
 * The lock order (docs/ARCHITECTURE.md, "Lock order"): a lead's row before its conversation's. Each test
 * holds a transaction that takes the locks as an inbound text or the AI turn does (the lead, then the
 * conversation) and, between the two, waits until the path under test is itself waiting for a lock. A path
 * that took the conversation first would then hold it while waiting for the lead: a deadlock, which
 * PostgreSQL breaks by failing one of the two with 40P01. Taking the lead first, it simply waits its turn.
 * On PGlite (one connection) the other transaction waits for the whole of the first; both must still succeed.
 */
describe(`lock order: the lead first (${PG ? 'PostgreSQL' : 'PGlite'})`, () => {
  let engine: Engine;
  let close: () => Promise<void>;
  let tenantId: string;
  let phone = 0;
  const clock = fakeClock('2026-06-02T16:00:00Z'); // noon in New York: no quiet hours

  beforeAll(async () => {
    ({ engine, close } = await openTestEngine({ clock }));
    engine.useAiPipeline(createAiPipeline({ model: createOfflineLanguageModel(), clock }));
    engine.messaging.useProviders(async () => ({ provider: new RecordingSmsProvider(), from: '+12125550100' }));
    // Autopilot: the follow-up and the opener then write a text.
    ({ tenantId } = await createTenant(engine, {
      name: 'Zip Realty',
      settings: { autonomy: 'autopilot', knowledge: [{ id: 'hours', title: 'Office hours', body: 'Our office hours are 9am to 6pm, Monday to Saturday.' }] },
    }));
  });
  afterAll(async () => {
    await close();
  });

  const newLead = () => createLead(engine, tenantId, { phone: `+1212555${String(3000 + ++phone)}` });

  /** Resolves once some session of this database waits for a lock (PostgreSQL); PGlite: once `other` was issued. */
  async function someoneWaitsForALock(): Promise<void> {
    if (!PG) return new Promise((resolve) => setTimeout(resolve, 20));
    const until = Date.now() + 5000;
    for (;;) {
      const [r] = await engine.store.dataSource.query(
        `SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock') AS waiting`,
      );
      if (r.waiting) return;
      if (Date.now() > until) throw new Error('the transaction under test never waited for a lock');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /**
   * Locks the lead, starts `other`, waits until it is blocked, then locks `then` (the conversation, as an
   * inbound text or the AI turn does, or a message, as the send job does) and commits. Returns what `other`
   * gave (it fails if `other` failed).
   */
  async function againstLeadFirst<T>(leadId: string, then: { table: 'conversations' | 'messages'; id: string }, other: () => Promise<T>): Promise<T> {
    let running: Promise<T> | null = null;
    await engine.store.tenant(tenantId, async (m) => {
      await m.query(`SELECT id FROM leads WHERE id = $1 FOR NO KEY UPDATE`, [leadId]);
      running = other();
      running.catch(() => undefined); // reported below, after this transaction
      await someoneWaitsForALock();
      await m.query(`SELECT id FROM ${then.table} WHERE id = $1 FOR NO KEY UPDATE`, [then.id]);
    });
    return running!;
  }

  const versionOf = async (conversationId: string) => (await engine.conversations.view(tenantId, conversationId)).version;

  it.each<[ActionCommand['type'], Partial<ActionCommand>]>([
    ['send', { text: 'Hi, Sam here from Zip Realty.' }],
    ['takeover', {}],
    ['note', { text: 'Prefers texts after 5pm' }],
    ['set_autonomy', { autonomy: 'copilot' }],
    ['close', {}],
    ['approve', {}],
  ])('an agent\'s "%s" takes the lead before the conversation, so it waits for a lead holder instead of deadlocking', async (type, extra) => {
    const { leadId, conversationId } = await newLead();
    if (type === 'approve') {
      await engine.store.tenant(tenantId, (m) =>
        m.query(`INSERT INTO drafts (tenant_id, conversation_id, body, reason, confidence) VALUES ($1, $2, 'We are open 9 to 6.', 'test', 0.9)`, [
          tenantId,
          conversationId,
        ]),
      );
    }
    const version = await versionOf(conversationId);
    const view = await againstLeadFirst(leadId, { table: 'conversations', id: conversationId }, () =>
      engine.conversations.act(tenantId, conversationId, { type, version, actor: AGENT, ...extra }),
    );
    expect(view.version).toBe(version + 1);
    expect(view.lastDecision?.action ?? 'note').toBe(type === 'note' ? 'note' : type);
  });

  it("an agent's start takes the lead first too, so it waits for a lead holder and then opens the new conversation", async () => {
    const { leadId, conversationId } = await newLead();
    await engine.store.tenant(tenantId, (m) => m.query(`UPDATE conversations SET status = 'closed' WHERE id = $1`, [conversationId]));
    const started = await againstLeadFirst(leadId, { table: 'conversations', id: conversationId }, () =>
      engine.conversations.start(tenantId, { lead: { leadId }, text: 'Hi again, Sam from Zip Realty.', actor: AGENT }),
    );
    expect(started).toMatchObject({ created: true, leadCreated: false });
    expect(started.conversation.id).not.toBe(conversationId);
  });

  /**
   * Publishes one event for a job and runs that job once, as a worker would. Returns the outcome and the
   * error of a failed attempt (a deadlock shows here).
   */
  async function runJobOnce(type: string, topic: string, payload: Record<string, unknown>): Promise<{ outcome: JobOutcome; error: string | null }> {
    await engine.store.tenant(tenantId, (m) => engine.jobs.outbox.publish(m, [{ type, tenantId, payload }]));
    const job = await engine.store.system((m) =>
      one<{ id: string; queue: string }>(m, `SELECT id::text AS id, queue FROM outbox WHERE topic = $1 AND status = 'pending' AND payload @> $2::jsonb`, [
        topic,
        JSON.stringify(payload),
      ]),
    );
    const outcome = await engine.jobs.runner.run({ id: job!.id, name: topic, queue: job!.queue });
    const row = await engine.store.system((m) => one<{ last_error: string | null }>(m, `SELECT last_error FROM outbox WHERE id = $1`, [job!.id]));
    return { outcome, error: row!.last_error };
  }

  it('a due follow-up takes the lead first, so an inbound text holding it does not fail the job', async () => {
    const { leadId, conversationId } = await newLead();
    const anchor = await engine.store.tenant(tenantId, async (m) =>
      (await one<{ at: string }>(m, `UPDATE conversations SET last_outbound_at = now() - interval '3 days' WHERE id = $1 RETURNING last_outbound_at::text AS at`, [conversationId]))!.at,
    );
    const run = await againstLeadFirst(leadId, { table: 'conversations', id: conversationId }, () =>
      runJobOnce('followup.due', 'conversation.followup', { conversationId, anchor, step: 0 }),
    );
    expect(run).toEqual({ outcome: 'completed', error: null });
    const followups = await engine.store.tenant(tenantId, (m) =>
      one<{ n: number }>(m, `SELECT count(*)::int AS n FROM messages WHERE conversation_id = $1 AND meta->>'kind' = 'followup'`, [conversationId]),
    );
    expect(followups!.n).toBe(1);
  });

  it('the opener takes the lead first, so a transaction holding it does not fail the job', async () => {
    const { leadId, conversationId } = await newLead();
    const run = await againstLeadFirst(leadId, { table: 'conversations', id: conversationId }, () =>
      runJobOnce('lead.captured', 'conversation.opener', { leadId, conversationId }),
    );
    expect(run).toEqual({ outcome: 'completed', error: null });
    const openers = await engine.store.tenant(tenantId, (m) =>
      one<{ n: number }>(m, `SELECT count(*)::int AS n FROM messages WHERE conversation_id = $1 AND meta->>'kind' = 'opener'`, [conversationId]),
    );
    expect(openers!.n).toBe(1);
  });

  it('a carrier STOP (21610) in a status callback locks the lead before the message, as the send job does', async () => {
    const { leadId, conversationId } = await newLead();
    const providerMessageId = `SMlock${phone}`;
    const messageId = await engine.store.tenant(tenantId, async (m) =>
      (await one<{ id: string }>(
        m,
        `INSERT INTO messages (tenant_id, conversation_id, lead_id, direction, author, body, status, provider, provider_message_id)
         VALUES ($1, $2, $3, 'out', 'ai', 'Still looking?', 'sent', 'recording', $4) RETURNING id`,
        [tenantId, conversationId, leadId, providerMessageId],
      ))!.id,
    );
    const run = await againstLeadFirst(leadId, { table: 'messages', id: messageId }, () =>
      runJobOnce('sms.status', 'sms.status', { providerMessageId, status: 'undelivered', errorCode: '21610' }),
    );
    expect(run).toEqual({ outcome: 'completed', error: null });
    const lead = await engine.store.tenant(tenantId, (m) => one<{ opted_out: boolean }>(m, `SELECT opted_out FROM leads WHERE id = $1`, [leadId]));
    expect(lead!.opted_out).toBe(true);
  });

  // Two connections are needed to see one wait or not: PostgreSQL only (PGlite has one).
  if (PG) {
    const text = (from: string, body: string) =>
      engine.messaging.receive({ tenantId, from, to: '+12125550100', body, providerMessageId: `SMlockin${++phone}`, provider: 'twilio' });
    const phoneOf = async (leadId: string) => (await engine.store.tenant(tenantId, (m) => one<{ phone: string }>(m, `SELECT phone FROM leads WHERE id = $1`, [leadId])))!.phone;

    it('an ordinary text from a known lead does not wait for a lead holder (the send job at its gate)', async () => {
      const { leadId, conversationId } = await newLead();
      const from = await phoneOf(leadId);
      const stored = await engine.store.tenant(tenantId, async (m) => {
        await m.query(`SELECT id FROM leads WHERE id = $1 FOR NO KEY UPDATE`, [leadId]);
        let timer: ReturnType<typeof setTimeout> | undefined;
        const waited = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error('the text waited for the lead’s lock')), 3000);
        });
        try {
          return await Promise.race([text(from, 'Is it still available?'), waited]);
        } finally {
          clearTimeout(timer);
        }
      });
      expect(stored).toMatchObject({ duplicate: false, conversationId, keyword: null });
    });

    it.each([
      ['autopilot, whose common answer is one statement', null],
      ['copilot, whose answer takes the full path', 'copilot'],
    ])('an AI turn (%s) sees a newer text that commits while it waits for the conversation, and leaves the older text unanswered', async (_, override) => {
      const { leadId, conversationId } = await newLead();
      const first = await text(await phoneOf(leadId), 'What are your office hours? We want to move this week');
      await engine.store.tenant(tenantId, (m) => m.query(`UPDATE conversations SET autonomy_override = $2 WHERE id = $1`, [conversationId, override]));
      let turn: ReturnType<typeof runJobOnce> | null = null;
      await engine.store.tenant(tenantId, async (m) => {
        // A newer text, as its storing statement does it: the conversation locked first, the text, the version moved.
        await m.query(`SELECT id FROM conversations WHERE id = $1 FOR NO KEY UPDATE`, [conversationId]);
        await m.query(`INSERT INTO messages (tenant_id, conversation_id, lead_id, direction, author, body, status) VALUES ($1, $2, $3, 'in', 'lead', 'Actually, are you open on Sunday?', 'received')`, [
          tenantId,
          conversationId,
          leadId,
        ]);
        await m.query(`UPDATE conversations SET version = version + 1, last_inbound_at = clock_timestamp() WHERE id = $1`, [conversationId]);
        turn = runJobOnce('message.received', 'conversation.ai-turn', { messageId: first.messageId, conversationId });
        turn.catch(() => undefined); // reported below, after this transaction
        await someoneWaitsForALock();
      });
      expect(await turn!).toEqual({ outcome: 'completed', error: null });
      // Without seeing the newer text the turn would have answered the first question (a text or a draft); the newer text has its own turn.
      const answered = await engine.store.tenant(tenantId, (m) =>
        one<{ n: number }>(m, `SELECT (SELECT count(*) FROM messages WHERE conversation_id = $1 AND direction = 'out') + (SELECT count(*) FROM drafts WHERE conversation_id = $1) AS n`, [conversationId]),
      );
      expect(Number(answered!.n)).toBe(0);
    });

    it('an ordinary text takes its conversation before the drafts, as agent commands do, so it waits instead of deadlocking', async () => {
      const { leadId, conversationId } = await newLead();
      const from = await phoneOf(leadId);
      await engine.store.tenant(tenantId, (m) =>
        m.query(`INSERT INTO drafts (tenant_id, conversation_id, body, reason, confidence) VALUES ($1, $2, 'We are open 9 to 6.', 'test', 0.9)`, [tenantId, conversationId]),
      );
      let running: ReturnType<typeof text> | null = null;
      await engine.store.tenant(tenantId, async (m) => {
        await m.query(`SELECT id FROM conversations WHERE id = $1 FOR NO KEY UPDATE`, [conversationId]);
        running = text(from, 'Actually, make it Saturday');
        running.catch(() => undefined); // reported below, after this transaction
        await someoneWaitsForALock();
        // An approve holding the conversation now locks the pending draft: had the text locked it first, each would wait for the other.
        await m.query(`SELECT id FROM drafts WHERE conversation_id = $1 AND status = 'pending' FOR UPDATE`, [conversationId]);
      });
      await expect(running!).resolves.toMatchObject({ duplicate: false, conversationId });
      const draft = await engine.store.tenant(tenantId, (m) => one<{ status: string }>(m, `SELECT status FROM drafts WHERE conversation_id = $1`, [conversationId]));
      expect(draft!.status).toBe('superseded');
    });

    it('a lead holder keeps other lead holders out, but not a row that merely references the lead', async () => {
      const { leadId, conversationId } = await newLead();
      const inOtherTransaction = (sql: string, params: unknown[]) =>
        engine.store.tenant(tenantId, async (m) => {
          await m.query(`SET LOCAL lock_timeout = '300ms'`);
          return m.query(sql, params);
        });
      await engine.store.tenant(tenantId, async (m) => {
        await lockLeadOfConversation(m, conversationId);
        // A row written elsewhere that references both (its foreign-key checks take FOR KEY SHARE) goes straight in.
        await expect(
          inOtherTransaction(
            `INSERT INTO messages (tenant_id, conversation_id, lead_id, direction, author, body, status) VALUES ($1, $2, $3, 'in', 'lead', 'Call after 5', 'received')`,
            [tenantId, conversationId, leadId],
          ),
        ).resolves.toBeDefined();
        // Another path that locks the lead waits for this one (here until its lock_timeout).
        await expect(inOtherTransaction(`SELECT id FROM leads WHERE id = $1 FOR NO KEY UPDATE`, [leadId])).rejects.toThrow(/lock timeout/);
      });
    });
  }
});
