import type { EntityManager } from 'typeorm';
import type { Actor } from '../domain/types';

/**
 * Appends one entry to the tenant's audit log, inside the caller's transaction, so the entry and the
 * change it describes commit or roll back together. `data` says what changed, never a secret.
 */
export async function recordAudit(
  m: EntityManager,
  tenantId: string,
  actor: Actor,
  entry: { action: string; entity: string; entityId: string; data: Record<string, unknown> },
): Promise<void> {
  await m.query(
    `INSERT INTO audit_log (tenant_id, actor_agent_id, actor_name, surface, action, entity, entity_id, data)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb)`,
    [tenantId, actor.agentId, actor.name, actor.surface, entry.action, entry.entity, entry.entityId, JSON.stringify(entry.data)],
  );
}
