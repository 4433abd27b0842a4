import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { recordAudit } from '../audit/record-audit';
import type { Actor, Role } from '../domain/types';
import { TandemError, invalid } from '../errors/tandem-error';
import { isUuid, type Store } from '../store/data-source';
import { one, rows } from '../store/sql';

/** Keys look like `tdm_<prefix>_<secret>`: the prefix finds the row, only the secret's SHA-256 is kept. */
const KEY_RE = /^tdm_([a-z0-9]{10})_([A-Za-z0-9_-]{32,64})$/;

export interface ApiPrincipal {
  tenantId: string;
  keyId: string;
  role: Role;
  agentId: string | null;
  name: string;
}

export interface ApiKeyInfo {
  id: string;
  name: string;
  prefix: string;
  role: Role;
  agentId: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
  createdAt: string;
}

const digest = (secret: string) => createHash('sha256').update(secret).digest('hex');

/** Makes a new random key. The full key is returned once and never stored. */
export function generateApiKey(): { key: string; prefix: string; hash: string } {
  const prefix = randomBytes(8).toString('hex').slice(0, 10);
  const secret = randomBytes(32).toString('base64url');
  return { key: `tdm_${prefix}_${secret}`, prefix, hash: digest(secret) };
}

export class ApiKeyService {
  constructor(private readonly store: Store) {}

  /**
   * The agent a key acts as must be one of the tenant's own: the foreign key alone would accept another
   * tenant's agent (the database checks references without row-level security). The insert reads the
   * agent under the tenant's RLS in the same statement, so a foreign or unknown id stores nothing, and
   * both get the same answer: an admin learns nothing about other tenants' ids.
   */
  async create(tenantId: string, input: { name: string; role: Role; agentId?: string | null }, actor?: Actor): Promise<{ key: string; info: ApiKeyInfo }> {
    const agentId = input.agentId ?? null;
    const unknownAgent = () => invalid('agentId is not an agent of this tenant', { fields: { agentId: 'no agent of this tenant has this id (see GET /agents)' } });
    if (agentId !== null && !isUuid(agentId)) throw unknownAgent();
    const { key, prefix, hash } = generateApiKey();
    const row = await this.store.tenant(tenantId, async (m) => {
      const created = await one<RawKey>(
        m,
        `INSERT INTO api_keys (tenant_id, name, prefix, hash, role, agent_id)
         SELECT $1::uuid, $2::text, $3::text, $4::text, $5::text, $6::uuid WHERE $6::uuid IS NULL OR EXISTS (SELECT 1 FROM agents WHERE id = $6::uuid AND removed_at IS NULL)
         RETURNING *`,
        [tenantId, input.name, prefix, hash, input.role, agentId],
      );
      if (created && actor) {
        await recordAudit(m, tenantId, actor, { action: 'api_key.create', entity: 'api_key', entityId: created.id, data: { name: created.name, prefix: toInfo(created).prefix, role: created.role, agentId } });
      }
      return created;
    });
    if (!row) throw unknownAgent();
    return { key, info: toInfo(row) };
  }

  async list(tenantId: string): Promise<ApiKeyInfo[]> {
    const r = await this.store.tenant(tenantId, (m) => rows<RawKey>(m, `SELECT * FROM api_keys ORDER BY created_at`));
    return r.map(toInfo);
  }

  async revoke(tenantId: string, keyId: string, actor?: Actor): Promise<ApiKeyInfo> {
    // A malformed id names no key: 404 like any unknown id (as conversations, leads and forms answer).
    if (!isUuid(keyId)) throw new TandemError('api_key.not_found', 'API key not found', 404);
    const row = await this.store.tenant(tenantId, async (m) => {
      // now() is this transaction's start: equal only when this call did the revoking (audited once).
      const r = await one<RawKey & { just_revoked: boolean }>(
        m,
        `UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 RETURNING *, revoked_at = now() AS just_revoked`,
        [keyId],
      );
      if (r?.just_revoked && actor) await recordAudit(m, tenantId, actor, { action: 'api_key.revoke', entity: 'api_key', entityId: r.id, data: { name: r.name, prefix: toInfo(r).prefix } });
      return r;
    });
    if (!row) throw new TandemError('api_key.not_found', 'API key not found', 404);
    return toInfo(row);
  }

  /** Resolves a presented key to its tenant and role, or null. Constant-time on the secret. */
  async authenticate(presented: string): Promise<ApiPrincipal | null> {
    const match = KEY_RE.exec(presented.trim());
    if (!match) return null;
    const [, prefix, secret] = match;
    const row = await this.store.system((m) =>
      one<RawKey>(m, `SELECT * FROM api_keys WHERE prefix = $1 AND revoked_at IS NULL`, [prefix]),
    );
    if (!row) return null;
    const a = Buffer.from(digest(secret!), 'hex');
    const b = Buffer.from(row.hash, 'hex');
    if (a.length !== b.length || !timingSafeEqual(a, b)) return null;
    // Last-used is a hint for admins; never block a request on it.
    void this.store
      .system((m) => m.query(`UPDATE api_keys SET last_used_at = now() WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`, [row.id]))
      .catch(() => undefined);
    return { tenantId: row.tenant_id, keyId: row.id, role: row.role, agentId: row.agent_id, name: row.name };
  }
}

interface RawKey {
  id: string;
  tenant_id: string;
  name: string;
  prefix: string;
  hash: string;
  role: Role;
  agent_id: string | null;
  last_used_at: Date | null;
  revoked_at: Date | null;
  created_at: Date;
}

function toInfo(r: RawKey): ApiKeyInfo {
  return {
    id: r.id,
    name: r.name,
    prefix: `tdm_${r.prefix}`,
    role: r.role,
    agentId: r.agent_id,
    lastUsedAt: r.last_used_at ? new Date(r.last_used_at).toISOString() : null,
    revokedAt: r.revoked_at ? new Date(r.revoked_at).toISOString() : null,
    createdAt: new Date(r.created_at).toISOString(),
  };
}
