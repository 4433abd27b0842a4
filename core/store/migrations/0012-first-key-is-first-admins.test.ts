import { randomBytes } from 'node:crypto';
import { openTestStore } from '../../../test/helpers/test-store';
import type { Store } from '../data-source';
import { one } from '../sql';
import { FirstKeyIsFirstAdmins1765600000000 } from './0012-first-key-is-first-admins';

/** Tenants made before a first key was its first admin's: the migration links that key and no other. */
describe('migration 0012: a tenant made earlier gets its first key linked to its first admin', () => {
  let store: Store;

  beforeAll(async () => {
    store = await openTestStore();
  });
  afterAll(() => store.close());

  const at = (minutes: number) => new Date(Date.UTC(2026, 5, 1, 12, minutes)).toISOString();
  const tenant = async () => (await store.system((m) => one<{ id: string }>(m, `INSERT INTO tenants (name) VALUES ('Earlier') RETURNING id`)))!.id;
  const agent = (tenantId: string, name: string, role: string, minute: number, removed = false) =>
    store.system(async (m) =>
      (await one<{ id: string }>(m, `INSERT INTO agents (tenant_id, name, role, created_at, removed_at) VALUES ($1, $2, $3, $4, $5) RETURNING id`, [
        tenantId,
        name,
        role,
        at(minute),
        removed ? at(minute + 30) : null,
      ]))!.id,
    );
  const key = (tenantId: string, name: string, role: string, minute: number, agentId: string | null = null) =>
    store.system(async (m) =>
      (await one<{ id: string }>(m, `INSERT INTO api_keys (tenant_id, name, prefix, hash, role, agent_id, created_at) VALUES ($1, $2, $3, 'h', $4, $5, $6) RETURNING id`, [
        tenantId,
        name,
        `tdm_${randomBytes(5).toString('hex')}`,
        role,
        agentId,
        at(minute),
      ]))!.id,
    );
  const ownerOf = async (keyId: string) => (await store.system((m) => one<{ agent_id: string | null }>(m, `SELECT agent_id FROM api_keys WHERE id = $1`, [keyId])))!.agent_id;
  const migrate = async () => {
    const runner = store.dataSource.createQueryRunner();
    try {
      await new FirstKeyIsFirstAdmins1765600000000().up(runner);
    } finally {
      await runner.release();
    }
  };

  it('links the first key to the first admin still on the team, and leaves every other key as it was', async () => {
    // An ordinary earlier tenant: its first admin and first key, then a second admin and a key of their own.
    const plain = await tenant();
    const ada = await agent(plain, 'Ada', 'admin', 0);
    const bo = await agent(plain, 'Bo', 'admin', 5);
    const first = await key(plain, 'First admin key', 'admin', 0);
    const bos = await key(plain, 'Laptop', 'admin', 6, bo);
    // Its first admin has left: the next admin still on the team gets it.
    const left = await tenant();
    await agent(left, 'Cy', 'admin', 0, true);
    await agent(left, 'Sam', 'agent', 1);
    const dee = await agent(left, 'Dee', 'admin', 2);
    const leftFirst = await key(left, 'First admin key', 'admin', 0);
    // No admin at all: nothing to link to.
    const orphan = await tenant();
    const orphanFirst = await key(orphan, 'First admin key', 'admin', 0);
    // A key someone named like the first one later, and a first key already someone's: untouched.
    const named = await tenant();
    await agent(named, 'Eve', 'admin', 0);
    const realFirst = await key(named, 'Office', 'admin', 0);
    const lookalike = await key(named, 'First admin key', 'admin', 10);
    const linked = await tenant();
    await agent(linked, 'Fay', 'admin', 0);
    const gus = await agent(linked, 'Gus', 'admin', 1);
    const linkedFirst = await key(linked, 'First admin key', 'admin', 0, gus);

    await migrate();

    expect(await ownerOf(first)).toBe(ada);
    expect(await ownerOf(bos)).toBe(bo);
    expect(await ownerOf(leftFirst)).toBe(dee);
    expect(await ownerOf(orphanFirst)).toBeNull();
    expect(await ownerOf(realFirst)).toBeNull();
    expect(await ownerOf(lookalike)).toBeNull();
    expect(await ownerOf(linkedFirst)).toBe(gus);

    // Running it again changes nothing.
    await migrate();
    expect(await ownerOf(first)).toBe(ada);
    expect(await ownerOf(lookalike)).toBeNull();
  });
});
