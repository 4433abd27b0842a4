import type { Engine } from '../engine/create-engine';
import type { AgentNotifier, NotifierEvent } from '../ports/agent-notifier.port';
import type { AiPipeline, TurnInput } from '../ports/ai-pipeline.port';
import { CrmRetryableError, type CrmAdapter, type CrmLeadSnapshot, type CrmMessageSnapshot } from '../ports/crm-adapter.port';
import { one, rows } from '../store/sql';
import { createAiPipeline, createOfflineLanguageModel } from '../ai/index';
import {
  RecordingSmsProvider,
  createLead,
  createTenant,
  eventually,
  fakeClock,
  messagesOf,
  openTestEngine,
} from './test-support/engine-harness';

const AGENT = { agentId: null, name: 'Sam', surface: 'api' as const };
const KNOWLEDGE = [
  { id: 'hours', title: 'Office hours', body: 'Our office hours are 9am to 6pm, Monday to Saturday.' },
  { id: 'viewings', title: 'Listing viewings', body: 'You can see any listing on a viewing: book one for any weekday and we confirm the time by text.' },
];

/** Records notifier events; can be told to fail a number of times first. */
class RecordingNotifier implements AgentNotifier {
  readonly name = 'recorder';
  readonly events: NotifierEvent[] = [];
  failuresLeft = 0;
  async notify(event: NotifierEvent) {
    if (this.failuresLeft > 0) {
      this.failuresLeft -= 1;
      throw new Error('slack is down');
    }
    this.events.push(event);
  }
}

/** A CRM adapter that keeps records in memory and can be scripted to fail. */
class FakeCrm implements CrmAdapter {
  readonly provider = 'hubspot' as const;
  readonly upserts: CrmLeadSnapshot[] = [];
  readonly logged: CrmMessageSnapshot[] = [];
  script: Array<Error> = [];
  alwaysFail: Error | null = null;
  async upsertLead(_ctx: unknown, lead: CrmLeadSnapshot) {
    if (this.alwaysFail) throw this.alwaysFail;
    const next = this.script.shift();
    if (next) throw next;
    this.upserts.push(lead);
    return { externalId: lead.externalId ?? `hs-${lead.id.slice(0, 8)}` };
  }
  async logMessage(_ctx: unknown, _lead: unknown, message: CrmMessageSnapshot) {
    this.logged.push(message);
  }
}

describe(`conversation engine (${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'}, ${process.env.REDIS_URL ? 'BullMQ' : 'in-process'})`, () => {
  let engine: Engine;
  let close: () => Promise<void>;
  const clock = fakeClock('2026-06-02T16:00:00Z');
  const sms = new RecordingSmsProvider();
  const notifier = new RecordingNotifier();
  const crm = new FakeCrm();
  const turns: TurnInput[] = [];
  let copilot: Awaited<ReturnType<typeof createTenant>>;
  let autopilot: Awaited<ReturnType<typeof createTenant>>;
  let sid = 0;
  const receive = (tenantId: string, from: string, body: string) =>
    engine.messaging.receive({ tenantId, from, to: null, body, providerMessageId: `SMtest${++sid}`, provider: 'console' });
  const viewOf = (tenantId: string, id: string) => engine.conversations.view(tenantId, id);
  const sentTo = (phone: string) => sms.sent.filter((s) => s.to === phone);

  beforeAll(async () => {
    ({ engine, close } = await openTestEngine({ clock }));
    const real = createAiPipeline({ model: createOfflineLanguageModel(), clock });
    const spy: AiPipeline = {
      runTurn: async (input) => {
        turns.push(input);
        return real.runTurn(input);
      },
      draftOpener: (input) => real.draftOpener(input),
      scoreForm: (answers) => real.scoreForm(answers),
    };
    engine.useAiPipeline(spy);
    engine.messaging.useProviders(async () => ({ provider: sms, from: '+12125550100' }));
    engine.registerNotifier(notifier);
    engine.registerCrmAdapter(crm);
    copilot = await createTenant(engine, { name: 'Acme Homes', settings: { autonomy: 'copilot', knowledge: KNOWLEDGE } });
    autopilot = await createTenant(engine, { name: 'Zip Realty', settings: { autonomy: 'autopilot', knowledge: KNOWLEDGE, followUpCadenceDays: [1, 3] } });
    await engine.integrations.put(copilot.tenantId, 'hubspot', { externalId: 'portal-1', enabled: true, config: { accessToken: 'x' } });
    await engine.start('all');
  });
  afterAll(async () => {
    await close();
  });

  it('lets a STOP that lands while a reply is queued win: the reply is blocked, only the confirmation goes out', async () => {
    const phone = '+12125550201';
    const { conversationId } = await createLead(engine, copilot.tenantId, { phone });
    await engine.jobs.relay.stop();
    try {
      const v = await viewOf(copilot.tenantId, conversationId);
      await engine.conversations.act(copilot.tenantId, conversationId, { type: 'send', version: v.version, text: 'Hi Jamie, Sam from Acme Homes here!', actor: AGENT });
      await receive(copilot.tenantId, phone, 'STOP');
    } finally {
      engine.jobs.relay.start();
    }
    const msgs = await eventually(async () => {
      const all = await messagesOf(engine, copilot.tenantId, conversationId);
      return all.filter((m) => m.direction === 'out').every((m) => ['blocked', 'sending', 'sent'].includes(m.status)) ? all : null;
    });
    expect(msgs.find((m) => m.author === 'agent')).toMatchObject({ status: 'blocked', error_code: 'opted_out' });
    expect(sentTo(phone)).toHaveLength(1);
    expect(sentTo(phone)[0]!.body).toMatch(/unsubscribed/i);
    const blocked = await eventually(() => notifier.events.find((e) => e.type === 'send.blocked' && e.view.id === conversationId));
    expect(blocked.view.flags.optedOut).toBe(true);
  });

  it('never calls the provider twice for one message, even when its send job is delivered again', async () => {
    const phone = '+12125550202';
    const { conversationId } = await createLead(engine, copilot.tenantId, { phone });
    const v = await viewOf(copilot.tenantId, conversationId);
    await engine.conversations.act(copilot.tenantId, conversationId, { type: 'send', version: v.version, text: 'Hello from Acme Homes', actor: AGENT });
    await eventually(() => sentTo(phone).length === 1);
    const [msg] = (await messagesOf(engine, copilot.tenantId, conversationId)).filter((m) => m.direction === 'out');
    // A duplicate event for the same message (a redelivery, a replayed outbox row) must not send again.
    await engine.tenantTx(copilot.tenantId, (m) => engine.jobs.outbox.publish(m, [{ type: 'message.queued', tenantId: copilot.tenantId, payload: { messageId: msg!.id } }]));
    await eventually(async () => (await engine.jobs.backlog()) === 0 || (await pendingFor(msg!.id)) === 0);
    await new Promise((r) => setTimeout(r, 200));
    expect(sentTo(phone)).toHaveLength(1);
    // A human send moved the conversation to human mode atomically.
    expect((await viewOf(copilot.tenantId, conversationId)).mode).toBe('human');
  });

  const pendingFor = async (messageId: string) =>
    Number(
      (await engine.store.system((m) => one<{ n: string }>(m, `SELECT count(*)::text AS n FROM outbox WHERE status = 'pending' AND payload->>'messageId' = $1`, [messageId])))!.n,
    );

  it('autopilot answers an inbound text by itself, storing the AI stages and the score', async () => {
    const phone = '+12125550203';
    await createLead(engine, autopilot.tenantId, { phone });
    const r = await receive(autopilot.tenantId, phone, 'What are your office hours? We want to move this week');
    await eventually(() => sentTo(phone).length === 1);
    const msgs = await messagesOf(engine, autopilot.tenantId, r.conversationId!);
    expect(msgs[0]!.meta).toHaveProperty('ai.stages');
    expect(msgs[1]).toMatchObject({ direction: 'out', author: 'ai' });
    expect(sentTo(phone)[0]!.body).toMatch(/9am to 6pm/);
    const lead = await engine.store.tenant(autopilot.tenantId, (m) => one<{ score: number; signals: unknown[] }>(m, `SELECT score, signals FROM leads WHERE phone = $1`, [phone]));
    expect(lead!.score).toBeGreaterThan(0);
    expect(lead!.signals.length).toBeGreaterThan(0);
  });

  it('escalates to a person: needs_human, a holding text, and a needs_decision notification', async () => {
    const phone = '+12125550204';
    await createLead(engine, autopilot.tenantId, { phone });
    const r = await receive(autopilot.tenantId, phone, 'I want to speak to a manager right now, this is unacceptable');
    const v = await eventually(async () => {
      const x = await viewOf(autopilot.tenantId, r.conversationId!);
      return x.status === 'needs_human' ? x : null;
    });
    expect(v.flags.needsHuman).toBe(true);
    await eventually(() => sentTo(phone).length === 1);
    await eventually(() => notifier.events.find((e) => e.type === 'conversation.needs_decision' && e.view.id === r.conversationId));
  });

  it('drafts the opener on lead.captured: copilot asks an agent, autopilot sends it with the business name and STOP notice', async () => {
    const a = await createLead(engine, copilot.tenantId, { phone: '+12125550205', firstName: 'Kim' });
    const b = await createLead(engine, autopilot.tenantId, { phone: '+12125550206', firstName: 'Lee' });
    for (const [tenantId, x] of [[copilot.tenantId, a], [autopilot.tenantId, b]] as const) {
      await engine.tenantTx(tenantId, (m) => engine.jobs.outbox.publish(m, [{ type: 'lead.captured', tenantId, payload: { leadId: x.leadId, conversationId: x.conversationId } }]));
    }
    const draft = await eventually(async () => (await viewOf(copilot.tenantId, a.conversationId)).draft);
    expect(draft.body).toMatch(/Acme Homes/);
    expect(sentTo('+12125550205')).toHaveLength(0);
    await eventually(() => notifier.events.find((e) => e.type === 'conversation.needs_decision' && e.view.id === a.conversationId));
    await eventually(() => sentTo('+12125550206').length === 1);
    expect(sentTo('+12125550206')[0]!.body).toMatch(/Zip Realty/);
    expect(sentTo('+12125550206')[0]!.body).toMatch(/Reply STOP to opt out/);
  });

  it('supersedes a pending draft on a new inbound text', async () => {
    const phone = '+12125550207';
    const r = await receive(copilot.tenantId, phone, 'What are your office hours?');
    const first = await eventually(async () => (await viewOf(copilot.tenantId, r.conversationId!)).draft);
    await receive(copilot.tenantId, phone, 'Also, can I see the listing?');
    const second = await eventually(async () => {
      const d = (await viewOf(copilot.tenantId, r.conversationId!)).draft;
      return d && d.id !== first.id ? d : null;
    });
    const old = await engine.store.tenant(copilot.tenantId, (m) => one<{ status: string }>(m, `SELECT status FROM drafts WHERE id = $1`, [first.id]));
    expect(old!.status).toBe('superseded');
    expect(second.status).toBe('pending');
  });

  it('keeps the AI quiet in human mode and tells it about a hand-back', async () => {
    const phone = '+12125550208';
    const { conversationId } = await createLead(engine, autopilot.tenantId, { phone });
    let v = await viewOf(autopilot.tenantId, conversationId);
    v = await engine.conversations.act(autopilot.tenantId, conversationId, { type: 'takeover', version: v.version, actor: AGENT });
    expect(v.mode).toBe('human');
    expect(v.allowedActions).toContain('handback');
    expect(v.allowedActions).not.toContain('takeover');
    const before = turns.length;
    await receive(autopilot.tenantId, phone, 'What are your office hours?');
    await new Promise((r) => setTimeout(r, 400));
    expect(turns.length).toBe(before);
    v = await viewOf(autopilot.tenantId, conversationId);
    v = await engine.conversations.act(autopilot.tenantId, conversationId, { type: 'handback', version: v.version, actor: AGENT });
    expect(v.mode).toBe('ai');
    await receive(autopilot.tenantId, phone, 'Can I see the listing?');
    const turn = await eventually(() => turns.slice(before).find((x) => x.inbound === 'Can I see the listing?'));
    expect(turn.handedBack).toBe(true);
    const audit = await engine.store.tenant(autopilot.tenantId, (m) => rows<{ action: string }>(m, `SELECT action FROM audit_log WHERE entity_id = $1 ORDER BY created_at`, [conversationId]));
    expect(audit.map((x) => x.action)).toEqual(['conversation.takeover', 'conversation.handback']);
  });

  it('set_autonomy overrides the tenant for one conversation: the next AI turn drafts or sends by it; null follows the tenant again', async () => {
    // Autopilot tenant, copilot conversation: the reply waits for a person.
    const phone = '+12125550212';
    const { conversationId } = await createLead(engine, autopilot.tenantId, { phone });
    let v = await viewOf(autopilot.tenantId, conversationId);
    expect(v).toMatchObject({ autonomy: 'autopilot', autonomyOverride: null });
    expect(v.allowedActions).toContain('set_autonomy');
    v = await engine.conversations.act(autopilot.tenantId, conversationId, { type: 'set_autonomy', version: v.version, autonomy: 'copilot', actor: AGENT });
    expect(v).toMatchObject({ autonomy: 'copilot', autonomyOverride: 'copilot', lastDecision: { action: 'set_autonomy', actorName: 'Sam', surface: 'api' } });
    await receive(autopilot.tenantId, phone, 'What are your office hours?');
    const draft = await eventually(async () => (await viewOf(autopilot.tenantId, conversationId)).draft);
    expect(draft.body).toMatch(/9am to 6pm/);
    expect(sentTo(phone)).toHaveLength(0);

    // Cleared: the conversation follows the tenant's autopilot again and the next reply is sent.
    v = await viewOf(autopilot.tenantId, conversationId);
    v = await engine.conversations.act(autopilot.tenantId, conversationId, { type: 'set_autonomy', version: v.version, autonomy: null, actor: AGENT });
    expect(v).toMatchObject({ autonomy: 'autopilot', autonomyOverride: null });
    await receive(autopilot.tenantId, phone, 'Can I see the listing?');
    await eventually(() => sentTo(phone).length === 1);

    // Copilot tenant, autopilot conversation: the AI answers by itself.
    const other = '+12125550213';
    const c = await createLead(engine, copilot.tenantId, { phone: other });
    v = await viewOf(copilot.tenantId, c.conversationId);
    v = await engine.conversations.act(copilot.tenantId, c.conversationId, { type: 'set_autonomy', version: v.version, autonomy: 'autopilot', actor: AGENT });
    expect(v).toMatchObject({ autonomy: 'autopilot', autonomyOverride: 'autopilot' });
    await receive(copilot.tenantId, other, 'What are your office hours?');
    await eventually(() => sentTo(other).length === 1);
    expect(sentTo(other)[0]!.body).toMatch(/9am to 6pm/);
    expect((await viewOf(copilot.tenantId, c.conversationId)).draft).toBeNull();

    const audit = await engine.store.tenant(autopilot.tenantId, (m) =>
      rows<{ action: string; actor_name: string; surface: string; data: { autonomy: unknown } }>(
        m,
        `SELECT action, actor_name, surface, data FROM audit_log WHERE entity_id = $1 ORDER BY created_at`,
        [conversationId],
      ),
    );
    expect(audit).toEqual([
      { action: 'conversation.set_autonomy', actor_name: 'Sam', surface: 'api', data: expect.objectContaining({ autonomy: { from: null, to: 'copilot' } }) },
      { action: 'conversation.set_autonomy', actor_name: 'Sam', surface: 'api', data: expect.objectContaining({ autonomy: { from: 'copilot', to: null } }) },
    ]);
  });

  it('refuses set_autonomy without a known autonomy, on a stale version, and on a closed conversation, changing nothing', async () => {
    const { conversationId } = await createLead(engine, copilot.tenantId, { phone: '+12125550214' });
    const v = await viewOf(copilot.tenantId, conversationId);
    for (const autonomy of [undefined, 'turbo']) {
      await expect(
        engine.conversations.act(copilot.tenantId, conversationId, { type: 'set_autonomy', version: v.version, autonomy: autonomy as never, actor: AGENT }),
      ).rejects.toMatchObject({ code: 'request.invalid', status: 422, details: { fields: { autonomy: expect.any(String) } } });
    }
    const moved = await engine.conversations.act(copilot.tenantId, conversationId, { type: 'note', version: v.version, text: 'seen', actor: AGENT });
    await expect(
      engine.conversations.act(copilot.tenantId, conversationId, { type: 'set_autonomy', version: v.version, autonomy: 'off', actor: AGENT }),
    ).rejects.toMatchObject({ code: 'conversation.version_conflict', status: 409, details: { conversation: { version: moved.version, autonomyOverride: null } } });
    const closed = await engine.conversations.act(copilot.tenantId, conversationId, { type: 'close', version: moved.version, actor: AGENT });
    expect(closed.allowedActions).not.toContain('set_autonomy');
    await expect(
      engine.conversations.act(copilot.tenantId, conversationId, { type: 'set_autonomy', version: closed.version, autonomy: 'off', actor: AGENT }),
    ).rejects.toMatchObject({ code: 'conversation.action_not_allowed', status: 409 });
    await expect(
      engine.conversations.act(autopilot.tenantId, conversationId, { type: 'set_autonomy', version: closed.version, autonomy: 'off', actor: AGENT }),
    ).rejects.toMatchObject({ status: 404 });
    const after = await viewOf(copilot.tenantId, conversationId);
    expect(after).toMatchObject({ version: closed.version, autonomy: 'copilot', autonomyOverride: null });
    const audit = await engine.store.tenant(copilot.tenantId, (m) => rows<{ action: string }>(m, `SELECT action FROM audit_log WHERE entity_id = $1 ORDER BY created_at`, [conversationId]));
    expect(audit.map((x) => x.action)).toEqual(['conversation.note', 'conversation.close']);
  });

  it('nurtures a quiet lead on the cadence and stops when the lead replies', async () => {
    const phone = '+12125550209';
    await createLead(engine, autopilot.tenantId, { phone });
    const r = await receive(autopilot.tenantId, phone, 'What are your office hours?');
    await eventually(() => sentTo(phone).length === 1);
    const due = async () =>
      engine.store.system((m) =>
        rows<{ id: string; payload: { step: number } }>(m, `SELECT id, payload FROM outbox WHERE topic = 'conversation.followup' AND status = 'pending' AND payload->>'conversationId' = $1`, [r.conversationId]),
      );
    const scheduled = await eventually(async () => ((await due()).length === 1 ? due() : null));
    expect(scheduled[0]!.payload.step).toBe(0);
    // A day passes with no reply.
    clock.set('2026-06-03T16:05:00Z');
    try {
      await engine.store.system((m) => m.query(`UPDATE outbox SET available_at = now() WHERE id = $1`, [scheduled[0]!.id]));
      engine.jobs.relay.kick();
      await eventually(() => sentTo(phone).length === 2);
      expect(sentTo(phone)[1]!.body).toMatch(/checking in/);
      const next = await eventually(async () => {
        const d = await due();
        return d.length === 1 && d[0]!.payload.step === 1 ? d : null;
      });
      // The lead replies: the scheduled step is now stale and does nothing when it runs.
      await receive(autopilot.tenantId, phone, 'Thanks');
      await eventually(async () => (await messagesOf(engine, autopilot.tenantId, r.conversationId!)).some((x) => x.body === 'Thanks'));
      await new Promise((res) => setTimeout(res, 300));
      const sentBefore = sentTo(phone).length;
      await engine.store.system((m) => m.query(`UPDATE outbox SET available_at = now() WHERE id = $1`, [next[0]!.id]));
      engine.jobs.relay.kick();
      await eventually(async () => (await engine.store.system((m) => one<{ status: string }>(m, `SELECT status FROM outbox WHERE id = $1`, [next[0]!.id])))!.status === 'done');
      await new Promise((res) => setTimeout(res, 300));
      expect(sentTo(phone).filter((s) => /checking in|thinking it over/.test(s.body))).toHaveLength(1);
      expect(sentTo(phone).length).toBeGreaterThanOrEqual(sentBefore);
    } finally {
      clock.set('2026-06-02T16:00:00Z');
    }
  });

  it('syncs leads and texts to an enabled CRM, honours Retry-After, and shows a persistent failure in the view', async () => {
    const phone = '+12125550210';
    crm.script = [new CrmRetryableError('429 from HubSpot', 80)];
    const r = await receive(copilot.tenantId, phone, 'What are your office hours?');
    const link = await eventually(async () =>
      engine.store.tenant(copilot.tenantId, (m) => one<{ status: string; external_id: string }>(m, `SELECT status, external_id FROM crm_links WHERE lead_id = (SELECT id FROM leads WHERE phone = $1) AND status = 'ok'`, [phone])),
    );
    expect(link.external_id).toMatch(/^hs-/);
    expect(crm.logged.some((x) => x.body === 'What are your office hours?')).toBe(true);
    const retried = await engine.store.system((m) =>
      rows<{ attempts: number }>(m, `SELECT attempts FROM outbox WHERE topic = 'crm.sync.hubspot' AND last_error LIKE '%429%'`),
    );
    expect(retried.length).toBeGreaterThanOrEqual(1);
    // The autopilot tenant has no HubSpot integration: nothing is synced for it.
    expect(crm.upserts.every((u) => u.tenantId === copilot.tenantId)).toBe(true);

    crm.alwaysFail = new Error('400 property "tandem_score" does not exist');
    try {
      await receive(copilot.tenantId, phone, 'Can I see the listing?');
      const v = await eventually(async () => {
        const x = await viewOf(copilot.tenantId, r.conversationId!);
        return x.flags.crmSyncFailed ? x : null;
      }, 20_000);
      expect(v.lead.crm[0]).toMatchObject({ provider: 'hubspot', status: 'failed' });
      expect(v.lead.crm[0]!.error).toMatch(/tandem_score/);
    } finally {
      crm.alwaysFail = null;
    }
  });

  it('retries a failing notifier without holding up the conversation', async () => {
    const phone = '+12125550211';
    notifier.failuresLeft = 2;
    const r = await receive(copilot.tenantId, phone, 'Can I see the listing?');
    // The draft appears while the notifier is still failing.
    await eventually(async () => (await viewOf(copilot.tenantId, r.conversationId!)).draft);
    await eventually(() => notifier.events.find((e) => e.type === 'message.inbound' && e.view.id === r.conversationId));
    expect(notifier.failuresLeft).toBe(0);
  });
});
