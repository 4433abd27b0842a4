import type { EntityManager } from 'typeorm';
import type { ConsentSource } from '../domain/types';
import { one } from '../store/sql';

export type ConsentKind = 'opt_in' | 'opt_out';

/**
 * Appends to the consent ledger and applies it to the lead. Call with the lead row locked. Returns true
 * when the lead's state changed: a second STOP records the event but changes nothing (so the caller sends
 * no second confirmation), while a START from a lead with no consent on record grants it.
 */
export async function recordConsent(
  m: EntityManager,
  input: { tenantId: string; leadId: string; kind: ConsentKind; source: ConsentSource; proof: Record<string, unknown> },
): Promise<boolean> {
  await m.query(
    `INSERT INTO consent_events (tenant_id, lead_id, kind, source, proof, created_at) VALUES ($1, $2, $3, $4, $5::jsonb, clock_timestamp())`,
    [input.tenantId, input.leadId, input.kind, input.source, JSON.stringify(input.proof)],
  );
  const optOut = input.kind === 'opt_out';
  const changed = await one<{ id: string }>(
    m,
    `UPDATE leads SET opted_out = $2, consent_state = $3, updated_at = now() WHERE id = $1 AND (opted_out <> $2 OR consent_state <> $3) RETURNING id`,
    [input.leadId, optOut, optOut ? 'revoked' : 'granted'],
  );
  return Boolean(changed);
}
