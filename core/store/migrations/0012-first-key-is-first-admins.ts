import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A tenant's first API key is its first admin's (tenants made from now on link them when they are created).
 * Tenants made before keep a first key that belongs to no one, so an admin working with it leaves the
 * conversations they take over unassigned and the audit log without a person. Link it to the tenant's first
 * admin still on the team: only the key `tenants.create` made (its name, the admin role, the tenant's oldest
 * key, no person yet), never a key someone made since.
 */
export class FirstKeyIsFirstAdmins1765600000000 implements MigrationInterface {
  name = 'FirstKeyIsFirstAdmins1765600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `UPDATE api_keys k
          SET agent_id = (SELECT a.id FROM agents a WHERE a.tenant_id = k.tenant_id AND a.role = 'admin' AND a.removed_at IS NULL ORDER BY a.created_at, a.id LIMIT 1)
        WHERE k.name = 'First admin key' AND k.role = 'admin' AND k.agent_id IS NULL
          AND k.id = (SELECT f.id FROM api_keys f WHERE f.tenant_id = k.tenant_id ORDER BY f.created_at, f.id LIMIT 1)`,
    );
  }

  async down(): Promise<void> {
    // Which keys this linked is not recorded, and unlinking a person's key would be the worse mistake.
  }
}
