import { createLead, createTenant, eventually, openTestEngine } from '../conversations/test-support/engine-harness';
import type { Engine } from '../engine/create-engine';
import type { AgentNotifier, NotifierEvent } from '../ports/agent-notifier.port';
import { rows } from '../store/sql';
import type { NotifyPayload } from './notify.job';

/** Records what it is asked to post; `requiresIntegration` as a connector would declare it. */
class RecordingNotifier implements AgentNotifier {
  readonly events: NotifierEvent[] = [];
  constructor(
    readonly name: string,
    readonly requiresIntegration?: 'slack',
  ) {}
  async notify(event: NotifierEvent) {
    this.events.push(event);
  }
}

describe(`notify jobs (${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'}, ${process.env.REDIS_URL ? 'BullMQ' : 'in-process'})`, () => {
  let engine: Engine;
  let close: () => Promise<void>;
  let enqueue: jest.SpyInstance;
  const slack = new RecordingNotifier('slack', 'slack');
  const everyone = new RecordingNotifier('everyone');

  beforeAll(async () => {
    ({ engine, close } = await openTestEngine());
    engine.registerNotifier(slack);
    engine.registerNotifier(everyone);
    enqueue = jest.spyOn(engine.jobs.queue, 'enqueue');
    await engine.start('all');
  });
  afterAll(() => close());

  const notify = (tenantId: string, conversationId: string) => {
    const payload: NotifyPayload = { kind: 'conversation.changed', conversationId };
    return engine.tenantTx(tenantId, (m) => engine.jobs.outbox.publish(m, [{ type: 'conversation.notify', tenantId, payload: { ...payload } }]));
  };

  /** The notify rows of one conversation, once the relay and workers are through with them. */
  const finished = (tenantId: string, conversationId: string, count: number) =>
    eventually(async () => {
      const r = await engine.store.tenant(tenantId, (m) =>
        rows<{ id: string; topic: string; status: string; attempts: number; last_error: string | null }>(
          m,
          `SELECT id::text AS id, topic, status, attempts, last_error FROM outbox WHERE event_type = 'conversation.notify' AND payload->>'conversationId' = $1 ORDER BY id`,
          [conversationId],
        ),
      );
      return r.length === count && r.every((x) => x.status === 'done') ? r : null;
    });

  const queuedIds = () => enqueue.mock.calls.flatMap(([jobs]) => (jobs as Array<{ id: string }>).map((j) => j.id));
  const sentTo = (n: RecordingNotifier, conversationId: string) => n.events.filter((e) => e.view.id === conversationId);

  it('writes no notifier job for a tenant without its integration: no queue job, no call', async () => {
    const { tenantId } = await createTenant(engine);
    const { conversationId } = await createLead(engine, tenantId, { phone: '+14155550130' });
    await notify(tenantId, conversationId);
    const done = await finished(tenantId, conversationId, 1);
    expect(done.map((r) => r.topic)).toEqual(['notify.everyone']);
    expect(sentTo(slack, conversationId)).toEqual([]);
    // A notifier that declares nothing runs for every tenant, as before.
    expect(done[0]).toMatchObject({ attempts: 1 });
    expect(sentTo(everyone, conversationId)).toHaveLength(1);
  });

  it('runs it for a tenant with the integration, including one connected just before', async () => {
    const { tenantId } = await createTenant(engine);
    const { conversationId } = await createLead(engine, tenantId, { phone: '+14155550131' });
    await notify(tenantId, conversationId);
    await finished(tenantId, conversationId, 1);
    expect(sentTo(slack, conversationId)).toEqual([]);

    await engine.integrations.put(tenantId, 'slack', { externalId: 'T0ACME', enabled: true, config: {} });
    await notify(tenantId, conversationId);
    const done = await finished(tenantId, conversationId, 3);
    const slackRow = done.slice(1).find((r) => r.topic === 'notify.slack')!;
    expect(slackRow).toMatchObject({ attempts: 1, last_error: null });
    expect(queuedIds()).toContain(slackRow.id);
    expect(sentTo(slack, conversationId).map((e) => e.type)).toEqual(['conversation.changed']);
  });
});
