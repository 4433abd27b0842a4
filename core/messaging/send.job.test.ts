import { createAiPipeline, createOfflineLanguageModel } from '../ai/index';
import {
  RecordingSmsProvider,
  createLead,
  createTenant,
  fakeClock,
  messagesOf,
  openTestEngine,
  statementsPerTransaction,
} from '../conversations/test-support/engine-harness';
import type { Engine } from '../engine/create-engine';
import type { JobOutcome } from '../jobs/job-runner';
import { SmsProviderError } from '../ports/sms-provider.port';
import { roundTripsOf } from '../../test/helpers/round-trips';
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
  const run = (name: string, id: string) => engine.jobs.runner.run({ id, name, queue: name.startsWith('sms.') ? 'sms' : 'ai' });

  /** A lead's question answered by the AI on autopilot: returns the queued reply and its pending send job. */
  async function queuedReply(phone: string) {
    const { conversationId } = await createLead(engine, tenantId, { phone });
    const r = await engine.messaging.receive({ tenantId, from: phone, to: null, body: 'What are your office hours?', providerMessageId: `SMsend${++sid}`, provider: 'console' });
    expect(await run('conversation.ai-turn', await pendingJob('conversation.ai-turn', r.messageId!))).toBe('completed');
    const reply = (await messagesOf(engine, tenantId, conversationId)).find((x) => x.direction === 'out' && x.status === 'queued')!;
    return { conversationId, reply, jobId: await pendingJob('sms.send', reply.id) };
  }

  it('sends in 5 round trips: lock the lead (with the opening), read the message and complete, claim (with COMMIT); then the outcome (with the opening) and the follow-up (with COMMIT)', async () => {
    const phone = '+12125550401';
    const { conversationId, reply, jobId } = await queuedReply(phone);
    let outcome: JobOutcome | null = null;
    const { result: transactions, roundTrips } = await roundTripsOf(() =>
      statementsPerTransaction(engine.store, async () => {
        outcome = await run('sms.send', jobId);
      }),
    );
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

    // Pipelined: the opening rides with the first statement, COMMIT with the last one (PGlite: no trips).
    expect(transactions.map((statements) => statements.length)).toEqual([3, 2]);
    expect(roundTrips).toBe(engine.store.kind === 'postgres' ? 5 : 0);
  });

  describe('the provider resolver', () => {
    const usual = async () => ({ provider: sms, from: '+12125550100' });
    afterEach(() => engine.messaging.useProviders(usual));

    it('runs inside the claim transaction: what it reads costs a statement there, not a transaction of its own', async () => {
      let given = false;
      engine.messaging.useProviders(async (_tenant, m) => {
        given = m !== undefined;
        await m!.query(`SELECT 1`);
        return usual();
      });
      const { jobId } = await queuedReply('+12125550431');
      const transactions = await statementsPerTransaction(engine.store, async () => {
        expect(await run('sms.send', jobId)).toBe('completed');
      });
      expect(given).toBe(true);
      expect(transactions.map((statements) => statements.length)).toEqual([4, 2]);
    });

    it("is handed the tenant's Twilio integration as the lead's lock read it, current on every send", async () => {
      const seen: unknown[] = [];
      engine.messaging.useProviders(async (_tenant, _m, preloaded) => {
        seen.push(preloaded);
        return usual();
      });
      const sendOne = async (phone: string) => {
        const { jobId } = await queuedReply(phone);
        const transactions = await statementsPerTransaction(engine.store, async () => {
          expect(await run('sms.send', jobId)).toBe('completed');
        });
        return transactions.map((statements) => statements.length);
      };
      expect(await sendOne('+12125550433')).toEqual([3, 2]);
      const config = { accountSid: 'AC' + '7'.repeat(32), authToken: 'first-token', fromNumber: '+12125550100' };
      await engine.integrations.put(tenantId, 'twilio', { externalId: config.accountSid, enabled: true, config });
      expect(await sendOne('+12125550434')).toEqual([3, 2]);
      // A token rotated between two sends: the next one gets the new token.
      await engine.integrations.put(tenantId, 'twilio', { externalId: config.accountSid, enabled: false, config: { ...config, authToken: 'second-token' } });
      expect(await sendOne('+12125550435')).toEqual([3, 2]);
      expect(seen).toEqual([
        { twilio: null },
        { twilio: { kind: 'twilio', externalId: config.accountSid, enabled: true, config } },
        { twilio: { kind: 'twilio', externalId: config.accountSid, enabled: false, config: { ...config, authToken: 'second-token' } } },
      ]);
      await engine.integrations.remove(tenantId, 'twilio');
    });

    it('a refusal (no provider connected) fails the text and keeps the claim, like a refusal from the provider', async () => {
      engine.messaging.useProviders(async () => {
        throw new SmsProviderError('No SMS provider: connect Twilio for this tenant', 'no_provider', false);
      });
      const sentBefore = sms.sent.length;
      const { conversationId, reply, jobId } = await queuedReply('+12125550432');
      expect(await run('sms.send', jobId)).toBe('completed');
      const stored = (await messagesOf(engine, tenantId, conversationId)).find((x) => x.id === reply.id)!;
      expect(stored.status).toBe('failed');
      expect(sms.sent.length).toBe(sentBefore);
    });
  });

  it('calls the provider once when two runs of the same send job race', async () => {
    const phone = '+12125550402';
    const { jobId } = await queuedReply(phone);
    const outcomes = await Promise.all([run('sms.send', jobId), run('sms.send', jobId)]);
    expect(outcomes.sort()).toEqual(['completed', 'skipped']);
    expect(sms.sent.filter((s) => s.to === phone)).toHaveLength(1);
  });

  /** Earlier texts to the lead, sent `hoursAgo` before the clock; their rows last changed `touchedHoursAgo` before it. */
  const earlierSends = (phone: string, conversationId: string, count: number, hoursAgo: number, touchedHoursAgo = hoursAgo) =>
    engine.store.tenant(tenantId, (m) =>
      m.query(
        `INSERT INTO messages (tenant_id, conversation_id, lead_id, direction, author, body, status, created_at, sent_at, updated_at)
         SELECT $1, $2, l.id, 'out', 'ai', 'Earlier text', 'delivered', $4::timestamptz, $4::timestamptz, $6::timestamptz
           FROM leads l, generate_series(1, $5::int) WHERE l.phone = $3`,
        [tenantId, conversationId, phone, hoursBefore(hoursAgo), count, hoursBefore(touchedHoursAgo)],
      ),
    );
  const hoursBefore = (hours: number) => new Date(clock().getTime() - hours * 3600_000).toISOString();

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

  it("holds texts by the tenant's own days and cap as saved in its settings", async () => {
    const held = (id: string, conversationId: string) => messagesOf(engine, tenantId, conversationId).then((ms) => ms.find((x) => x.id === id)!);
    try {
      // Tuesday noon in New York, but the tenant texts on weekdays except Tuesday: held to Wednesday 08:00.
      await engine.tenants.updateSettings(tenantId, { quietHours: { days: [1, 3, 4, 5] } } as never);
      const closed = await queuedReply('+12125550461');
      expect(await run('sms.send', closed.jobId)).toBe('completed');
      const closedRow = await held(closed.reply.id, closed.conversationId);
      expect(closedRow.status).toBe('deferred');
      expect(new Date(String(closedRow.scheduled_for)).toISOString()).toBe('2026-06-03T12:00:00.000Z');

      // Every day again (the PATCH merges the window: start, end and cap stay), with a cap of one text a day.
      await engine.tenants.updateSettings(tenantId, { quietHours: { days: [1, 2, 3, 4, 5, 6, 7], dailyCap: 1 } } as never);
      const capped = await queuedReply('+12125550462');
      await unprompted(capped.reply.id);
      await earlierSends('+12125550462', capped.conversationId, 1, 2);
      expect(await run('sms.send', capped.jobId)).toBe('completed');
      expect((await held(capped.reply.id, capped.conversationId)).status).toBe('deferred');
      expect(sms.sent.filter((s) => s.to === '+12125550461' || s.to === '+12125550462')).toHaveLength(0);
    } finally {
      await engine.tenants.updateSettings(tenantId, { quietHours: { days: [1, 2, 3, 4, 5, 6, 7], dailyCap: null } } as never);
    }
  });

  it('counts an earlier text from when it went to the provider, not from a later change to its row', async () => {
    // Sent 30 hours ago; a late delivery callback (or the stuck-send sweep) changed the rows an hour ago.
    const late = await queuedReply('+13055550503');
    await unprompted(late.reply.id);
    await earlierSends('+13055550503', late.conversationId, 3, 30, 1);
    expect(await run('sms.send', late.jobId)).toBe('completed');
    expect(sms.sent.filter((s) => s.to === '+13055550503')).toHaveLength(1);
    const claimed = await engine.store.tenant(tenantId, (m) => one<{ sent_at: Date | null }>(m, `SELECT sent_at FROM messages WHERE id = $1`, [late.reply.id]));
    expect(claimed!.sent_at).toBeInstanceOf(Date);
  });

  describe('when the provider may or may not have the text', () => {
    /** Twilio's answer lost after it read the request (a reset, a timeout). */
    const lost = () => new SmsProviderError('Twilio unreachable (ECONNRESET): socket hang up', null, true, true);
    const message = async (id: string) =>
      (await engine.store.tenant(tenantId, (m) =>
        one<{ status: string; error_code: string | null; provider_message_id: string | null; meta: Record<string, unknown> }>(
          m,
          `SELECT status, error_code, provider_message_id, meta FROM messages WHERE id = $1`,
          [id],
        ),
      ))!;
    const pending = async (topic: string, messageId: string) =>
      Number(
        (await engine.store.system((m) =>
          one<{ n: string }>(m, `SELECT count(*)::text AS n FROM outbox WHERE topic = $1 AND status = 'pending' AND payload->>'messageId' = $2`, [topic, messageId]),
        ))!.n,
      );
    const sentTo = (phone: string) => sms.sent.filter((s) => s.to === phone);
    /** The text claimed for sending `minutesAgo`, and nothing after: the worker died during the provider call. */
    const leftSending = (messageId: string, minutesAgo: number) =>
      engine.store.tenant(tenantId, (m) =>
        m.query(`UPDATE messages SET status = 'sending', updated_at = now() - ($2::int * interval '1 minute') WHERE id = $1`, [messageId, minutesAgo]),
      );
    /** Runs the sweep and then the reconcile job it queued for this text. */
    const sweepAndReconcile = async (messageId: string) => {
      expect(await engine.messaging.sweepStuckSends()).toBeGreaterThanOrEqual(1);
      return run('sms.reconcile', await pendingJob('sms.reconcile', messageId));
    };

    it('does not send again when the answer was lost after the provider took the text: it finds the text and records its id', async () => {
      const phone = '+12125550411';
      const { conversationId, reply, jobId } = await queuedReply(phone);
      sms.loseNextAnswer = lost();
      expect(await run('sms.send', jobId)).toBe('completed');
      expect(await message(reply.id)).toMatchObject({ status: 'sending', error_code: 'outcome_unknown', provider_message_id: null });
      expect(await pending('sms.send', reply.id)).toBe(0);

      expect(await run('sms.reconcile', await pendingJob('sms.reconcile', reply.id))).toBe('completed');
      expect(sentTo(phone)).toHaveLength(1);
      const accepted = sms.accepted.find((a) => a.sms.to === phone)!;
      expect(await message(reply.id)).toMatchObject({ status: 'sending', error_code: null, provider_message_id: accepted.id });
      // Recorded like any answer: the nurture clock started.
      const followups = await engine.store.system((m) =>
        rows(m, `SELECT id FROM outbox WHERE topic = 'conversation.followup' AND status = 'pending' AND payload->>'conversationId' = $1`, [conversationId]),
      );
      expect(followups).toHaveLength(1);
    });

    it('retries a refused connection as before, and the text goes once', async () => {
      const phone = '+12125550412';
      const { reply, jobId } = await queuedReply(phone);
      const lookups = sms.lookups;
      sms.failNext = new SmsProviderError('Twilio unreachable (ECONNREFUSED): connect ECONNREFUSED', null, true, false);
      expect(await run('sms.send', jobId)).toBe('completed');
      expect(await message(reply.id)).toMatchObject({ status: 'queued', meta: expect.objectContaining({ sendAttempt: 1 }) });
      expect(await pending('sms.reconcile', reply.id)).toBe(0);
      expect(await run('sms.send', await pendingJob('sms.send', reply.id))).toBe('completed');
      expect(sentTo(phone)).toHaveLength(1);
      expect((await message(reply.id)).provider_message_id).toMatch(/^SMrec/);
      expect(sms.lookups).toBe(lookups);
    });

    it('looks again later when the text is not there at first, and sends it once when it still is not', async () => {
      const phone = '+12125550413';
      const { reply, jobId } = await queuedReply(phone);
      sms.failNext = lost(); // this time the provider never got it
      expect(await run('sms.send', jobId)).toBe('completed');
      expect(await run('sms.reconcile', await pendingJob('sms.reconcile', reply.id))).toBe('completed');
      // Too soon to tell: a slow request may still land. Nothing sent, another look queued for later.
      expect(await message(reply.id)).toMatchObject({ status: 'sending', provider_message_id: null });
      const later = await engine.store.system((m) =>
        one<{ id: string; later: boolean }>(
          m,
          `SELECT id::text AS id, available_at > now() + interval '60 seconds' AS later FROM outbox WHERE topic = 'sms.reconcile' AND status = 'pending' AND payload->>'messageId' = $1`,
          [reply.id],
        ),
      );
      expect(later!.later).toBe(true);
      expect(sentTo(phone)).toHaveLength(0);

      await engine.store.tenant(tenantId, (m) =>
        m.query(`UPDATE messages SET meta = meta || jsonb_build_object('sendStartedAt', (now() - interval '3 minutes')::text) WHERE id = $1`, [reply.id]),
      );
      expect(await run('sms.reconcile', later!.id)).toBe('completed');
      expect(await message(reply.id)).toMatchObject({ status: 'queued', error_code: null, meta: expect.objectContaining({ sendAttempt: 1 }) });
      expect(await run('sms.send', await pendingJob('sms.send', reply.id))).toBe('completed');
      expect(sentTo(phone)).toHaveLength(1);
      expect(await pending('sms.reconcile', reply.id)).toBe(0);
    });

    it('sweeps a text a dead worker left sending and records the id the provider holds', async () => {
      const phone = '+12125550414';
      const { reply } = await queuedReply(phone);
      // The provider took it 10 minutes ago; the worker died before recording the answer.
      sms.accepted.push({
        sms: { to: phone, from: null, body: reply.body, messageId: reply.id, statusCallbackUrl: null },
        id: 'SMdeadworker0000000000000000000001',
        at: new Date(Date.now() - 10 * 60_000),
      });
      await leftSending(reply.id, 10);
      // A text claimed a moment ago is not stuck.
      const fresh = await queuedReply('+12125550415');
      await leftSending(fresh.reply.id, 0);

      expect(await sweepAndReconcile(reply.id)).toBe('completed');
      expect(await message(reply.id)).toMatchObject({ status: 'sending', provider_message_id: 'SMdeadworker0000000000000000000001' });
      expect(await pending('sms.reconcile', fresh.reply.id)).toBe(0);
      expect(sentTo(phone)).toHaveLength(0);
    });

    it('sends a swept text the provider never got, once', async () => {
      const phone = '+12125550416';
      const { reply } = await queuedReply(phone);
      await leftSending(reply.id, 10);
      expect(await sweepAndReconcile(reply.id)).toBe('completed');
      expect(await message(reply.id)).toMatchObject({ status: 'queued' });
      expect(await run('sms.send', await pendingJob('sms.send', reply.id))).toBe('completed');
      expect(sentTo(phone)).toHaveLength(1);
      expect(await engine.messaging.sweepStuckSends()).toBe(0);
    });

    it('lets a STOP that came meanwhile win over sending a swept text again', async () => {
      const phone = '+12125550417';
      const { reply } = await queuedReply(phone);
      await leftSending(reply.id, 10);
      await engine.messaging.receive({ tenantId, from: phone, to: null, body: 'STOP', providerMessageId: `SMsend${++sid}`, provider: 'console' });
      expect(await sweepAndReconcile(reply.id)).toBe('completed');
      expect(await run('sms.send', await pendingJob('sms.send', reply.id))).toBe('completed');
      expect(await message(reply.id)).toMatchObject({ status: 'blocked' });
      expect(sentTo(phone)).toHaveLength(0);
    });

    it('marks the text failed and asks a human when the provider cannot be asked', async () => {
      const phone = '+12125550418';
      const { conversationId, reply } = await queuedReply(phone);
      await leftSending(reply.id, 10);
      expect(await engine.messaging.sweepStuckSends()).toBeGreaterThanOrEqual(1);
      const job = await pendingJob('sms.reconcile', reply.id);
      sms.failLookups = lost();
      try {
        const outcomes: JobOutcome[] = [await run('sms.reconcile', job)];
        // Backing off for long enough to ride out a short provider outage.
        const next = await engine.store.system((m) => one<{ later: boolean }>(m, `SELECT available_at > now() + interval '10 seconds' AS later FROM outbox WHERE id = $1`, [job]));
        expect(next!.later).toBe(true);
        for (let i = 1; i < 6; i++) outcomes.push(await run('sms.reconcile', job));
        expect(outcomes).toEqual(['retry', 'retry', 'retry', 'retry', 'retry', 'completed']);
      } finally {
        sms.failLookups = null;
      }
      expect(await message(reply.id)).toMatchObject({ status: 'failed', error_code: 'outcome_unknown', provider_message_id: null });
      const conversation = await engine.store.tenant(tenantId, (m) => one<{ status: string }>(m, `SELECT status FROM conversations WHERE id = $1`, [conversationId]));
      expect(conversation!.status).toBe('needs_human');
      expect(await pending('sms.send', reply.id)).toBe(1); // the original job, which now finds nothing to send
      expect(await run('sms.send', await pendingJob('sms.send', reply.id))).toBe('completed');
      expect(sentTo(phone)).toHaveLength(0);
    });
  });
});
