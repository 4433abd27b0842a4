import type { Engine } from '../engine/create-engine';
import { isTandemError } from '../errors/tandem-error';
import { createLead, createTenant, fakeClock, openTestEngine } from '../conversations/test-support/engine-harness';

const ADMIN = { agentId: null, name: 'Admin key', surface: 'console' as const };
const PG = Boolean(process.env.DATABASE_URL);

/**
 * Removing a person races with someone assigning a conversation to them (a takeover, a reply, a start). Either
 * order must leave no open conversation held by a removed person: the removal waits for an assignment in
 * flight and then refuses (409), or the assignment waits for a removal in flight and then leaves the assignee
 * as it was. Each test holds one side's transaction open at its lock and starts the other side, which must
 * wait (PostgreSQL; on PGlite, with one connection, it runs after the first commits and must still agree).
 */
describe(`removing a person while a conversation is being assigned to them (${PG ? 'PostgreSQL' : 'PGlite'})`, () => {
  let engine: Engine;
  let close: () => Promise<void>;
  let tenantId: string;
  let phone = 0;

  beforeAll(async () => {
    ({ engine, close } = await openTestEngine({ clock: fakeClock('2026-06-02T16:00:00Z') }));
    ({ tenantId } = await createTenant(engine, { name: 'Race Realty' }));
  });
  afterAll(() => close());

  const newLead = () => createLead(engine, tenantId, { phone: `+1212555${String(4000 + ++phone)}` });

  async function someoneWaitsForALock(): Promise<void> {
    if (!PG) return new Promise((resolve) => setTimeout(resolve, 20));
    const until = Date.now() + 5000;
    for (;;) {
      const [r] = await engine.store.dataSource.query(`SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock') AS waiting`);
      if (r.waiting) return;
      if (Date.now() > until) throw new Error('the other side never waited for a lock');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  it('a removal that starts while a takeover is assigning them waits for it, then refuses: they hold a conversation', async () => {
    const dana = await engine.agents.create(tenantId, { name: 'Dana', email: `dana${phone}@race.test` });
    const { conversationId } = await newLead();
    let removal: Promise<unknown> | null = null;
    // The takeover's own locks and write, held open: the person's row (key share), then the assignment.
    await engine.store.tenant(tenantId, async (m) => {
      await m.query(`SELECT id FROM agents WHERE id = $1 FOR KEY SHARE`, [dana.id]);
      await m.query(`UPDATE conversations SET mode = 'human', assignee_agent_id = $1 WHERE id = $2`, [dana.id, conversationId]);
      removal = engine.agents.remove(tenantId, dana.id, ADMIN);
      removal.catch(() => undefined); // asserted below, after this transaction
      await someoneWaitsForALock();
    });
    const refused = await removal!.then(
      () => null,
      (err: unknown) => err,
    );
    expect(isTandemError(refused) && { code: refused.code, status: refused.status }).toEqual({ code: 'agent.holds_conversations', status: 409 });
    expect((await engine.agents.list(tenantId)).map((a) => a.id)).toContain(dana.id);
  });

  it('a takeover that starts while they are being removed waits for it, then leaves the conversation unassigned', async () => {
    const eve = await engine.agents.create(tenantId, { name: 'Eve', email: `eve${phone}@race.test` });
    const { conversationId } = await newLead();
    const version = (await engine.conversations.view(tenantId, conversationId)).version;
    let takeover: Promise<Awaited<ReturnType<Engine['conversations']['act']>>> | null = null;
    // The removal's lock and write, held open.
    await engine.store.tenant(tenantId, async (m) => {
      await m.query(`SELECT id FROM agents WHERE id = $1 FOR UPDATE`, [eve.id]);
      takeover = engine.conversations.act(tenantId, conversationId, { type: 'takeover', version, actor: { agentId: eve.id, name: 'Eve', surface: 'api' } });
      takeover.catch(() => undefined);
      await someoneWaitsForALock();
      await m.query(`UPDATE agents SET removed_at = now() WHERE id = $1`, [eve.id]);
    });
    const view = await takeover!;
    expect(view.mode).toBe('human');
    expect(view.assignee).toBeNull();
    expect((await engine.agents.list(tenantId)).map((a) => a.id)).not.toContain(eve.id);
  });

  it('a conversation started by someone already removed is opened unassigned, not held by them', async () => {
    const finn = await engine.agents.create(tenantId, { name: 'Finn', email: `finn${phone}@race.test` });
    await engine.agents.remove(tenantId, finn.id, ADMIN);
    const { leadId, conversationId } = await newLead();
    await engine.store.tenant(tenantId, (m) => m.query(`UPDATE conversations SET status = 'closed' WHERE id = $1`, [conversationId]));
    const started = await engine.conversations.start(tenantId, { lead: { leadId }, text: 'Hi, Finn here.', actor: { agentId: finn.id, name: 'Finn', surface: 'api' } });
    expect(started.created).toBe(true);
    expect(started.conversation.assignee).toBeNull();
  });
});
