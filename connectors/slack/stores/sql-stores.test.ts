import { openTestStore } from '../../../test/helpers/test-store';
import { SqlSeenStore } from './sql-seen.store';
import { SqlSlackMessageStore } from './sql-message.store';
import type { SqlManager } from './sql-runner';

type TestStore = Awaited<ReturnType<typeof openTestStore>>;

/** A tenant with one lead and `n` conversations, as raw rows (the stores only need the ids). */
async function seedTenant(store: TestStore, name: string, n: number): Promise<{ tenantId: string; conversations: string[] }> {
  const [tenant] = (await store.system((m) => m.query(`INSERT INTO tenants (name) VALUES ($1) RETURNING id`, [name]))) as Array<{ id: string }>;
  const conversations = await store.tenant(tenant!.id, async (m) => {
    const [lead] = (await m.query(`INSERT INTO leads (tenant_id, phone) VALUES ($1, $2) RETURNING id`, [tenant!.id, `+1212555${Math.floor(1000 + Math.random() * 8999)}`])) as Array<{ id: string }>;
    const ids: string[] = [];
    for (let i = 0; i < n; i += 1) {
      const [c] = (await m.query(`INSERT INTO conversations (tenant_id, lead_id) VALUES ($1, $2) RETURNING id`, [tenant!.id, lead!.id])) as Array<{ id: string }>;
      ids.push(c!.id);
    }
    return ids;
  });
  return { tenantId: tenant!.id, conversations };
}

describe(`Slack stores on ${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'}`, () => {
  let store: TestStore;
  let a: { tenantId: string; conversations: string[] };
  let b: { tenantId: string; conversations: string[] };

  beforeAll(async () => {
    store = await openTestStore();
    a = await seedTenant(store, 'Acme', 3);
    b = await seedTenant(store, 'Other', 1);
  });
  afterAll(async () => {
    await store.close();
  });

  describe('SqlSlackMessageStore (surface_refs)', () => {
    it('saves, finds by conversation and by channel + ts, replaces and forgets', async () => {
      const messages = new SqlSlackMessageStore(store);
      const [c1] = a.conversations;
      const ref = { tenantId: a.tenantId, conversationId: c1!, channel: 'C1', ts: '1700000000.000100' };
      expect(await messages.get(a.tenantId, c1!)).toBeNull();
      await messages.save(ref);
      expect(await messages.get(a.tenantId, c1!)).toEqual(ref);
      expect(await messages.findByTs(a.tenantId, 'C1', '1700000000.000100')).toEqual(ref);
      expect(await messages.findByTs(a.tenantId, 'C2', '1700000000.000100')).toBeNull();

      // A fresh post (the old message was deleted in Slack) replaces the ref: one row per conversation.
      await messages.save({ ...ref, ts: '1700000000.000200' });
      expect(await messages.findByTs(a.tenantId, 'C1', '1700000000.000100')).toBeNull();
      expect((await messages.get(a.tenantId, c1!))?.ts).toBe('1700000000.000200');
      const count = await store.system((m) => m.query(`SELECT count(*)::int AS n FROM surface_refs WHERE conversation_id = $1`, [c1]));
      expect(count).toEqual([{ n: 1 }]);

      await messages.delete(a.tenantId, c1!);
      expect(await messages.get(a.tenantId, c1!)).toBeNull();
    });

    it("never resolves another tenant's message, even with the right channel and ts", async () => {
      const messages = new SqlSlackMessageStore(store);
      const ref = { tenantId: b.tenantId, conversationId: b.conversations[0]!, channel: 'CB', ts: '1700000001.000100' };
      await messages.save(ref);
      expect(await messages.findByTs(a.tenantId, 'CB', '1700000001.000100')).toBeNull();
      expect(await messages.get(a.tenantId, b.conversations[0]!)).toBeNull();
      expect(await messages.findByTs(b.tenantId, 'CB', '1700000001.000100')).toEqual(ref);
      // Writing a ref for a conversation of another tenant is refused by row-level security.
      await expect(messages.save({ ...ref, tenantId: a.tenantId })).rejects.toThrow();
    });

    it('saveIfAbsent keeps the first of two concurrent posts', async () => {
      const messages = new SqlSlackMessageStore(store);
      const other = new SqlSlackMessageStore(store); // a second process
      const c2 = a.conversations[1]!;
      const first = { tenantId: a.tenantId, conversationId: c2, channel: 'C1', ts: '1700000002.000100' };
      const second = { ...first, ts: '1700000002.000200' };
      const [x, y] = await Promise.all([messages.saveIfAbsent(first), other.saveIfAbsent(second)]);
      expect(x).toEqual(y);
      expect([first.ts, second.ts]).toContain(x.ts);
      expect(await messages.get(a.tenantId, c2)).toEqual(x);
      expect(await messages.saveIfAbsent({ ...first, ts: '9.9' })).toEqual(x);
    });
  });

  describe('SqlSlackMessageStore render claims', () => {
    it('lets a version be shown once a newer one was not, and across processes', async () => {
      const one = new SqlSlackMessageStore(store);
      const two = new SqlSlackMessageStore(store);
      const c3 = a.conversations[2]!;
      expect(await one.claimRender(a.tenantId, c3, 1)).toBe(true); // no message yet: nothing to protect
      await one.save({ tenantId: a.tenantId, conversationId: c3, channel: 'C1', ts: '1700000003.000100' });
      expect(await one.claimRender(a.tenantId, c3, 5)).toBe(true);
      expect(await two.claimRender(a.tenantId, c3, 4)).toBe(false);
      expect(await two.claimRender(a.tenantId, c3, 5)).toBe(true);
      expect(await one.claimRender(a.tenantId, c3, 6)).toBe(true);
      // The claim lives beside the ref and does not change where the message is.
      expect(await one.get(a.tenantId, c3)).toEqual({ tenantId: a.tenantId, conversationId: c3, channel: 'C1', ts: '1700000003.000100' });
      // A fresh message (the old one was deleted in Slack) starts over.
      await one.save({ tenantId: a.tenantId, conversationId: c3, channel: 'C1', ts: '1700000003.000200' });
      expect(await two.claimRender(a.tenantId, c3, 2)).toBe(true);
    });
  });

  describe('SqlSlackMessageStore post attempts', () => {
    it('returns the attempt made before, keeps its first and latest time per channel, and concludes it on save', async () => {
      const one = new SqlSlackMessageStore(store);
      const two = new SqlSlackMessageStore(store); // the process that retries the job
      const c = await seedTenant(store, 'Attempts', 2);
      const [c1, c2] = c.conversations as [string, string];
      const t0 = new Date('2026-06-02T16:00:00.000Z');
      const at = (ms: number) => new Date(t0.getTime() + ms);
      expect(await one.beginPost(c.tenantId, c1, 'C1', t0)).toBeNull();
      expect(await two.beginPost(c.tenantId, c1, 'C1', at(30_000))).toEqual({ channel: 'C1', at: t0, lastAt: t0 });
      // Still the first attempt's time, so a search reaches back to it; and the latest, so it ends after that.
      expect(await two.beginPost(c.tenantId, c1, 'C1', at(90_000))).toEqual({ channel: 'C1', at: t0, lastAt: at(30_000) });
      // A process whose clock is behind does not move the latest time back.
      expect(await one.beginPost(c.tenantId, c1, 'C1', at(60_000))).toEqual({ channel: 'C1', at: t0, lastAt: at(90_000) });
      // Another channel (the tenant changed it) replaces the attempt.
      const t1 = at(120_000);
      expect(await two.beginPost(c.tenantId, c1, 'C2', t1)).toEqual({ channel: 'C1', at: t0, lastAt: at(90_000) });
      expect(await two.beginPost(c.tenantId, c1, 'C2', new Date(t1.getTime() + 1))).toEqual({ channel: 'C2', at: t1, lastAt: t1 });
      // Invisible to the message lookups, and gone once the message is saved.
      expect(await one.get(c.tenantId, c1)).toBeNull();
      expect(await one.claimRender(c.tenantId, c1, 1)).toBe(true);
      const surfaces = async () =>
        ((await store.system((m) => m.query(`SELECT surface FROM surface_refs WHERE conversation_id = $1 ORDER BY surface`, [c1]))) as Array<{ surface: string }>).map((r) => r.surface);
      expect(await surfaces()).toEqual(['slack:post-attempt']);
      await one.saveIfAbsent({ tenantId: c.tenantId, conversationId: c1, channel: 'C2', ts: '1700000004.000100' });
      expect(await surfaces()).toEqual(['slack']);
      expect(await one.beginPost(c.tenantId, c1, 'C2', t1)).toBeNull();
      await one.save({ tenantId: c.tenantId, conversationId: c1, channel: 'C2', ts: '1700000004.000100' });
      expect(await surfaces()).toEqual(['slack']);

      // endPost concludes an attempt Slack refused; other tenants never see it.
      await one.beginPost(c.tenantId, c2, 'C1', t0);
      expect(await one.beginPost(a.tenantId, c2, 'C1', t0).catch(() => 'refused')).toBe('refused');
      await one.endPost(c.tenantId, c2);
      expect(await one.beginPost(c.tenantId, c2, 'C1', t1)).toBeNull();
    });

    it('reads an attempt recorded before the latest time was kept (`{ channel, at }`) as first and latest', async () => {
      const messages = new SqlSlackMessageStore(store);
      const c = await seedTenant(store, 'Old attempts', 1);
      const [c1] = c.conversations as [string];
      const t0 = new Date('2026-06-02T16:00:00.000Z');
      await store.tenant(c.tenantId, (m) =>
        m.query(`INSERT INTO surface_refs (tenant_id, conversation_id, surface, ref) VALUES ($1, $2, 'slack:post-attempt', $3::jsonb)`, [
          c.tenantId,
          c1,
          JSON.stringify({ channel: 'C1', at: t0.toISOString() }),
        ]),
      );
      const t1 = new Date(t0.getTime() + 60_000);
      expect(await messages.beginPost(c.tenantId, c1, 'C1', t1)).toEqual({ channel: 'C1', at: t0, lastAt: t0 });
      expect(await messages.beginPost(c.tenantId, c1, 'C1', new Date(t1.getTime() + 60_000))).toEqual({ channel: 'C1', at: t0, lastAt: t1 });
    });
  });

  describe('SqlSeenStore (seen_requests)', () => {
    it('says first time once per key, across processes', async () => {
      const one = new SqlSeenStore(store);
      const two = new SqlSeenStore(store); // another API process
      const results = await Promise.all([one.firstSeen('event:Ev1'), two.firstSeen('event:Ev1'), one.firstSeen('event:Ev1'), two.firstSeen('event:Ev1')]);
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await one.firstSeen('event:Ev2')).toBe(true);
      expect(await two.firstSeen('event:Ev2')).toBe(false);
    });

    it('counts a key as new again after the TTL, and prunes expired keys of its own only', async () => {
      let now = Date.parse('2026-06-02T16:00:00Z');
      const seen = new SqlSeenStore(store, { ttlMs: 60_000, pruneEveryMs: 0, now: () => now });
      await store.system((m: SqlManager) => m.query(`INSERT INTO seen_requests (key, created_at) VALUES ('twilio:other', '2000-01-01T00:00:00Z')`));
      expect(await seen.firstSeen('trigger:T1')).toBe(true);
      expect(await seen.firstSeen('trigger:T2')).toBe(true);
      now += 30_000;
      expect(await seen.firstSeen('trigger:T1')).toBe(false);
      now += 61_000;
      // T1 expired: taken over atomically; T2 expired and is pruned by this call.
      expect(await seen.firstSeen('trigger:T1')).toBe(true);
      const keys = (await store.system((m) => m.query(`SELECT key FROM seen_requests WHERE key LIKE 'slack:trigger:%' OR key = 'twilio:other' ORDER BY key`))) as Array<{ key: string }>;
      expect(keys.map((k) => k.key)).toEqual(['slack:trigger:T1', 'twilio:other']);
      expect(await seen.firstSeen('trigger:T1')).toBe(false);
    });
  });
});
