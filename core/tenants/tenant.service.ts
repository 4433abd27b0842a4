import { recordAudit } from '../audit/record-audit';
import type { Actor, Role } from '../domain/types';
import { TandemError } from '../errors/tandem-error';
import type { Store } from '../store/data-source';
import { one, rows } from '../store/sql';
import { ApiKeyService, type ApiKeyInfo } from './api-key.service';
import { resolveSettings, tenantSettingsSchema, type TenantSettings } from './tenant-settings';

export interface TenantRecord {
  id: string;
  name: string;
  settings: TenantSettings;
  createdAt: string;
}

export class TenantService {
  constructor(
    private readonly store: Store,
    private readonly apiKeys: ApiKeyService,
  ) {}

  /** Creates a tenant, its first admin agent, and an admin API key (returned once). */
  async create(input: { name: string; settings?: Partial<TenantSettings>; adminName?: string; adminEmail?: string | null }): Promise<{
    tenant: TenantRecord;
    apiKey: string;
    apiKeyInfo: ApiKeyInfo;
  }> {
    const settings = tenantSettingsSchema.parse({ businessName: input.name, ...(input.settings ?? {}) });
    const tenant = await this.store.system(async (m) => {
      const t = await one<RawTenant>(m, `INSERT INTO tenants (name, settings) VALUES ($1, $2::jsonb) RETURNING *`, [
        input.name,
        JSON.stringify(settings),
      ]);
      const admin = await one<{ id: string }>(m, `INSERT INTO agents (tenant_id, name, email, role) VALUES ($1, $2, $3, 'admin') RETURNING id`, [
        t!.id,
        input.adminName ?? 'Admin',
        input.adminEmail ?? null,
      ]);
      return { ...t!, adminId: admin!.id };
    });
    // The first key is the first admin's: what they do with it is theirs (assignments, audit, "you").
    const { key, info } = await this.apiKeys.create(tenant.id, { name: 'First admin key', role: 'admin' as Role, agentId: tenant.adminId });
    return { tenant: toRecord(tenant), apiKey: key, apiKeyInfo: info };
  }

  async get(tenantId: string): Promise<TenantRecord> {
    const t = await this.store.tenant(tenantId, (m) => one<RawTenant>(m, `SELECT * FROM tenants WHERE id = $1`, [tenantId]));
    if (!t) throw new TandemError('tenant.not_found', 'Tenant not found', 404);
    return toRecord(t);
  }

  /** Merges `patch` into the settings; with an actor, what changed is audited (from and to). */
  async updateSettings(tenantId: string, patch: Partial<TenantSettings>, actor?: Actor): Promise<TenantRecord> {
    return this.store.tenant(tenantId, async (m) => {
      const t = await one<RawTenant>(m, `SELECT * FROM tenants WHERE id = $1 FOR UPDATE`, [tenantId]);
      if (!t) throw new TandemError('tenant.not_found', 'Tenant not found', 404);
      const merged = tenantSettingsSchema.safeParse(mergeSettings(resolveSettings(t.settings), patch));
      if (!merged.success) {
        throw new TandemError('settings.invalid', 'Some settings are not valid', 422, {
          fields: Object.fromEntries(merged.error.issues.map((i) => [i.path.join('.'), i.message])),
        });
      }
      const updated = await one<RawTenant>(m, `UPDATE tenants SET settings = $2::jsonb, updated_at = now() WHERE id = $1 RETURNING *`, [
        tenantId,
        JSON.stringify(merged.data),
      ]);
      const changed = settingsChanges(resolveSettings(t.settings), merged.data);
      if (actor && Object.keys(changed).length > 0) {
        await recordAudit(m, tenantId, actor, { action: 'settings.update', entity: 'tenant', entityId: tenantId, data: { changed } });
      }
      return toRecord(updated!);
    });
  }

  async list(): Promise<TenantRecord[]> {
    const r = await this.store.system((m) => rows<RawTenant>(m, `SELECT * FROM tenants ORDER BY created_at`));
    return r.map(toRecord);
  }
}

/**
 * Each setting whose value changed, from and to. Knowledge is long free text: its entry titles stand in.
 */
function settingsChanges(before: TenantSettings, after: TenantSettings): Record<string, { from: unknown; to: unknown }> {
  const shown = (key: string, v: unknown) => (key === 'knowledge' ? (v as TenantSettings['knowledge']).map((k) => k.title) : v);
  const changed: Record<string, { from: unknown; to: unknown }> = {};
  for (const key of Object.keys(after) as Array<keyof TenantSettings>) {
    if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) changed[key] = { from: shown(key, before[key]), to: shown(key, after[key]) };
  }
  return changed;
}

/**
 * A PATCH replaces top-level values, except that a nested object (quietHours) is merged one level down:
 * changing the window's start must not reset its days or cap.
 */
function mergeSettings(current: TenantSettings, patch: Partial<TenantSettings>): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...current };
  for (const [key, value] of Object.entries(patch)) {
    const was = merged[key];
    const isPlain = (v: unknown) => v !== null && typeof v === 'object' && !Array.isArray(v);
    merged[key] = isPlain(value) && isPlain(was) ? { ...(was as object), ...(value as object) } : value;
  }
  return merged;
}

interface RawTenant {
  id: string;
  name: string;
  settings: unknown;
  created_at: Date;
}

function toRecord(t: RawTenant): TenantRecord {
  return { id: t.id, name: t.name, settings: resolveSettings(t.settings), createdAt: new Date(t.created_at).toISOString() };
}
