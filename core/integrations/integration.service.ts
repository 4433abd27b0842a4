import type { EntityManager } from 'typeorm';
import type { IntegrationRecord } from '../engine/engine.types';
import { recordAudit } from '../audit/record-audit';
import type { Actor, IntegrationKind } from '../domain/types';
import type { Store } from '../store/data-source';
import type { SecretBox } from '../store/secret-box';
import { one, rows } from '../store/sql';

interface RawIntegration {
  kind: IntegrationKind;
  external_id: string | null;
  config_ciphertext: string;
  enabled: boolean;
  updated_at: Date;
}

export interface IntegrationStatus {
  kind: IntegrationKind;
  connected: boolean;
  enabled: boolean;
  externalId: string | null;
  updatedAt: string | null;
}

export const INTEGRATION_KINDS: IntegrationKind[] = ['twilio', 'slack', 'hubspot', 'salesforce', 'openai'];

/** Per-tenant platform connections. Secrets are sealed with AES-256-GCM before they touch the database. */
export class IntegrationService {
  private readonly listeners: Array<(kind: IntegrationKind) => void> = [];

  constructor(
    private readonly store: Store,
    private readonly box: SecretBox,
  ) {}

  /** Called after a connection of this kind is stored or deleted in this process (for caches of it). */
  onChange(listener: (kind: IntegrationKind) => void): void {
    this.listeners.push(listener);
  }

  private changed(kind: IntegrationKind): void {
    for (const listener of this.listeners) listener(kind);
  }

  async get(tenantId: string, kind: IntegrationKind): Promise<IntegrationRecord | null> {
    return this.store.tenant(tenantId, (m) => this.getWith(m, kind));
  }

  /** `get` inside the caller's tenant transaction. */
  async getWith(m: EntityManager, kind: IntegrationKind): Promise<IntegrationRecord | null> {
    return this.open(await one<RawIntegration>(m, `SELECT * FROM integrations WHERE kind = $1`, [kind]));
  }

  /**
   * A row a caller read itself (joined into a statement it runs anyway), opened: the columns `kind`,
   * `external_id`, `enabled` and `config_ciphertext`, or null for no row.
   */
  open(r: Pick<RawIntegration, 'kind' | 'external_id' | 'enabled' | 'config_ciphertext'> | null): IntegrationRecord | null {
    return r ? { kind: r.kind, externalId: r.external_id, enabled: r.enabled, config: this.box.openJson(r.config_ciphertext) } : null;
  }

  /**
   * Stores a connection. With `actor` (an admin connecting or changing it, not a token refresh), the change is
   * audited in the same transaction: by default `integration.connect` with the account id and whether it sends,
   * or the `entry` the caller names (e.g. settings it changed). Never the config: it holds secrets.
   */
  async put(
    tenantId: string,
    kind: IntegrationKind,
    record: Omit<IntegrationRecord, 'kind'>,
    actor?: Actor,
    entry: { action: string; data: Record<string, unknown> } = { action: 'integration.connect', data: { externalId: record.externalId, enabled: record.enabled } },
  ): Promise<void> {
    await this.store.tenant(tenantId, async (m) => {
      await m.query(
        `INSERT INTO integrations (tenant_id, kind, external_id, config_ciphertext, enabled) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (tenant_id, kind) DO UPDATE SET external_id = excluded.external_id, config_ciphertext = excluded.config_ciphertext,
           enabled = excluded.enabled, updated_at = now()`,
        [tenantId, kind, record.externalId, this.box.sealJson(record.config), record.enabled],
      );
      if (actor) await recordAudit(m, tenantId, actor, { action: entry.action, entity: 'integration', entityId: kind, data: entry.data });
    });
    this.changed(kind);
  }

  /**
   * Merges changed settings (e.g. refreshed OAuth tokens) into the stored config inside the caller's
   * transaction: no second transaction (PGlite has one connection), and keys the caller did not send —
   * an org key written by a concurrent connect — are kept.
   */
  async mergeConfig(m: EntityManager, kind: IntegrationKind, patch: Record<string, unknown>): Promise<void> {
    const r = await one<RawIntegration>(m, `SELECT * FROM integrations WHERE kind = $1 FOR UPDATE`, [kind]);
    if (!r) return;
    const merged = { ...this.box.openJson(r.config_ciphertext), ...patch };
    await m.query(`UPDATE integrations SET config_ciphertext = $2, updated_at = now() WHERE kind = $1`, [kind, this.box.sealJson(merged)]);
  }

  async remove(tenantId: string, kind: IntegrationKind): Promise<void> {
    await this.store.tenant(tenantId, (m) => m.query(`DELETE FROM integrations WHERE kind = $1`, [kind]));
    this.changed(kind);
  }

  /**
   * An admin disconnects a platform: the connection and its sealed secrets are deleted, and a Twilio
   * connection's numbers stop routing texts here (another workspace may then claim them), in one audited
   * transaction. Returns the connection as it was (so the caller can revoke tokens with the platform), or
   * null when there was none, in which case nothing is written.
   */
  async disconnect(tenantId: string, kind: IntegrationKind, actor: Actor): Promise<IntegrationRecord | null> {
    const was = await this.store.tenant(tenantId, async (m) => {
      const r = await one<RawIntegration>(m, `DELETE FROM integrations WHERE kind = $1 RETURNING *`, [kind]);
      if (!r) return null;
      if (kind === 'twilio') await m.query(`DELETE FROM phone_numbers WHERE provider = 'twilio'`);
      await recordAudit(m, tenantId, actor, { action: 'integration.disconnect', entity: 'integration', entityId: kind, data: { externalId: r.external_id } });
      return this.open(r);
    });
    if (was) this.changed(kind);
    return was;
  }

  /**
   * Which tenant holds this platform account, sending or paused? The check before connecting it: one
   * account, one workspace, so a paused connection is not up for another workspace to take.
   */
  async claimedBy(kind: IntegrationKind, externalId: string): Promise<string | null> {
    const r = await this.store.system((m) => one<{ tenant_id: string }>(m, `SELECT tenant_id FROM integrations WHERE kind = $1 AND external_id = $2`, [kind, externalId]));
    return r?.tenant_id ?? null;
  }

  /** Which tenant installed this platform account? Cross-tenant by nature, so it runs as the system. */
  async findTenant(kind: IntegrationKind, externalId: string): Promise<string | null> {
    const r = await this.store.system((m) =>
      one<{ tenant_id: string }>(m, `SELECT tenant_id FROM integrations WHERE kind = $1 AND external_id = $2 AND enabled`, [kind, externalId]),
    );
    return r?.tenant_id ?? null;
  }

  /** Connection state per kind, without secrets (for the console and /readyz-style pages). */
  async status(tenantId: string): Promise<IntegrationStatus[]> {
    const r = await this.store.tenant(tenantId, (m) => rows<RawIntegration>(m, `SELECT kind, external_id, enabled, updated_at, '' AS config_ciphertext FROM integrations`));
    return INTEGRATION_KINDS.map((kind) => {
      const x = r.find((i) => i.kind === kind);
      return {
        kind,
        connected: Boolean(x),
        enabled: x?.enabled ?? false,
        externalId: x?.external_id ?? null,
        updatedAt: x ? new Date(x.updated_at).toISOString() : null,
      };
    });
  }
}
