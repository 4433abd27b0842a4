import type { AgentIdentity, AgentRecord } from '../engine/engine.types';
import { recordAudit } from '../audit/record-audit';
import type { Actor } from '../domain/types';
import type { Role } from '../domain/types';
import { TandemError } from '../errors/tandem-error';
import { isUuid, type Store } from '../store/data-source';
import { one, rows } from '../store/sql';

interface RawAgent {
  id: string;
  tenant_id: string;
  name: string;
  email: string | null;
  role: Role;
  slack_user_id: string | null;
  hubspot_user_id: string | null;
  salesforce_user_id: string | null;
}

const toRecord = (a: RawAgent): AgentRecord => ({
  id: a.id,
  tenantId: a.tenant_id,
  name: a.name,
  email: a.email,
  role: a.role,
  slackUserId: a.slack_user_id,
  hubspotUserId: a.hubspot_user_id,
  salesforceUserId: a.salesforce_user_id,
});

export interface AgentInput {
  name: string;
  email?: string | null;
  role?: Role;
  slackUserId?: string | null;
  hubspotUserId?: string | null;
  salesforceUserId?: string | null;
}

/** The column behind each field a person's record may change. */
const COLUMNS: Record<keyof AgentInput, string> = {
  name: 'name',
  email: 'email',
  role: 'role',
  slackUserId: 'slack_user_id',
  hubspotUserId: 'hubspot_user_id',
  salesforceUserId: 'salesforce_user_id',
};

/** Which field a unique index guards, so a clash is reported at that field. */
const UNIQUE_FIELDS: Array<[index: string, field: keyof AgentInput, message: string]> = [
  ['agents_tenant_email', 'email', 'Another person on this team already has this email'],
  ['agents_tenant_slack', 'slackUserId', 'Another person on this team already has this Slack member id'],
  ['agents_tenant_hubspot', 'hubspotUserId', 'Another person on this team already has this HubSpot user id'],
  ['agents_tenant_salesforce', 'salesforceUserId', 'Another person on this team already has this Salesforce user id'],
];

/** A unique-index violation as a 409 naming the field; anything else is rethrown. */
function duplicateOrThrow(err: unknown): never {
  const message = String((err as Error).message);
  if (!/duplicate key|unique/i.test(message)) throw err;
  const clash = UNIQUE_FIELDS.find(([index]) => message.includes(index));
  throw new TandemError(
    'agent.duplicate',
    clash ? clash[2] : 'An agent with this email or platform identity already exists',
    409,
    clash ? { fields: { [clash[1]]: clash[2] } } : {},
  );
}

/** Agents and their platform identities. */
export class AgentService {
  constructor(private readonly store: Store) {}

  /**
   * Maps a platform identity to an agent: the platform's own user id first, then a verified email.
   * A match by email links the platform id to the agent, so the next lookup is direct.
   */
  async resolve(tenantId: string, identity: AgentIdentity): Promise<AgentRecord | null> {
    return this.store.tenant(tenantId, async (m) => {
      const byPlatform: Array<[keyof AgentIdentity, string]> = [
        ['slackUserId', 'slack_user_id'],
        ['hubspotUserId', 'hubspot_user_id'],
        ['salesforceUserId', 'salesforce_user_id'],
      ];
      for (const [key, column] of byPlatform) {
        const value = identity[key];
        if (!value) continue;
        const a = await one<RawAgent>(m, `SELECT * FROM agents WHERE ${column} = $1 AND removed_at IS NULL`, [value]);
        if (a) return toRecord(a);
      }
      if (!identity.email) return null;
      const a = await one<RawAgent>(m, `SELECT * FROM agents WHERE lower(email) = lower($1) AND removed_at IS NULL`, [identity.email]);
      if (!a) return null;
      for (const [key, column] of byPlatform) {
        const value = identity[key];
        if (value) await m.query(`UPDATE agents SET ${column} = $2 WHERE id = $1 AND ${column} IS NULL`, [a.id, value]);
      }
      return toRecord((await one<RawAgent>(m, `SELECT * FROM agents WHERE id = $1`, [a.id]))!);
    });
  }

  async list(tenantId: string): Promise<AgentRecord[]> {
    return (await this.store.tenant(tenantId, (m) => rows<RawAgent>(m, `SELECT * FROM agents WHERE removed_at IS NULL ORDER BY created_at`))).map(toRecord);
  }

  async get(tenantId: string, agentId: string): Promise<AgentRecord | null> {
    const a = await this.store.tenant(tenantId, (m) => one<RawAgent>(m, `SELECT * FROM agents WHERE id = $1`, [agentId]));
    return a ? toRecord(a) : null;
  }

  /** Adds a person; with an actor (an admin through the API or console), the addition is audited. */
  async create(tenantId: string, input: AgentInput, actor?: Actor): Promise<AgentRecord> {
    try {
      const a = await this.store.tenant(tenantId, async (m) => {
        const row = (await one<RawAgent>(
          m,
          `INSERT INTO agents (tenant_id, name, email, role, slack_user_id, hubspot_user_id, salesforce_user_id)
           VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *`,
          [tenantId, input.name, input.email ?? null, input.role ?? 'agent', input.slackUserId ?? null, input.hubspotUserId ?? null, input.salesforceUserId ?? null],
        ))!;
        if (actor) await recordAudit(m, tenantId, actor, { action: 'agent.create', entity: 'agent', entityId: row.id, data: { name: row.name, role: row.role } });
        return row;
      });
      return toRecord(a);
    } catch (err) {
      duplicateOrThrow(err);
    }
  }

  /**
   * Takes a person off the team: their API keys are revoked and Slack or a CRM no longer maps to them, in
   * one transaction. The row stays for history. Refused (409) while they hold open conversations (a reply
   * from someone else, a handback or a close frees each), and for the person removing (no one locks
   * themselves out).
   */
  async remove(tenantId: string, agentId: string, actor: Actor): Promise<{ agent: AgentRecord; revokedKeys: number }> {
    const notFound = () => new TandemError('agent.not_found', 'No person on this team has this id', 404);
    if (!isUuid(agentId)) throw notFound();
    if (actor.agentId === agentId) throw new TandemError('agent.self', 'You cannot remove yourself; another admin can', 409);
    return this.store.tenant(tenantId, async (m) => {
      // Lock the person first, then count in a statement of its own: its fresh snapshot sees an assignment
      // that committed while this waited for the lock (an assignment takes a key-share lock on this row).
      const a = await one<RawAgent>(m, `SELECT * FROM agents WHERE id = $1 AND removed_at IS NULL FOR UPDATE`, [agentId]);
      if (!a) throw notFound();
      const held = await one<{ n: string }>(m, `SELECT count(*) AS n FROM conversations WHERE assignee_agent_id = $1 AND status <> 'closed'`, [agentId]);
      const open = Number(held?.n ?? 0);
      if (open > 0) {
        throw new TandemError('agent.holds_conversations', `${a.name} holds ${open} open conversation${open === 1 ? '' : 's'}: hand ${open === 1 ? 'it' : 'them'} back to the AI, close ${open === 1 ? 'it' : 'them'}, or reply in ${open === 1 ? 'it' : 'them'} yourself first`, 409, { openConversations: open });
      }
      await m.query(`UPDATE agents SET removed_at = now() WHERE id = $1`, [agentId]);
      const revoked = await rows<{ id: string }>(m, `UPDATE api_keys SET revoked_at = now() WHERE agent_id = $1 AND revoked_at IS NULL RETURNING id`, [agentId]);
      await recordAudit(m, tenantId, actor, { action: 'agent.remove', entity: 'agent', entityId: agentId, data: { name: a.name, revokedKeys: revoked.length } });
      return { agent: toRecord(a), revokedKeys: revoked.length };
    });
  }

  /**
   * Changes the fields given (null clears an optional one), e.g. a Slack member id added after the person
   * joined the channel. A clash with another person's email or platform id is 409 naming the field.
   */
  async update(tenantId: string, agentId: string, patch: Partial<AgentInput>, actor?: Actor): Promise<AgentRecord> {
    if (!isUuid(agentId)) throw new TandemError('agent.not_found', 'No person on this team has this id', 404);
    const fields = (Object.keys(COLUMNS) as Array<keyof AgentInput>).filter((k) => patch[k] !== undefined);
    // Column names come from COLUMNS, never from the request; values are parameters.
    const sets = fields.map((k, i) => `${COLUMNS[k]} = $${i + 2}`);
    try {
      const a = await this.store.tenant(tenantId, async (m) => {
        if (fields.length === 0) return one<RawAgent>(m, `SELECT * FROM agents WHERE id = $1 AND removed_at IS NULL`, [agentId]);
        const row = await one<RawAgent>(m, `UPDATE agents SET ${sets.join(', ')} WHERE id = $1 AND removed_at IS NULL RETURNING *`, [agentId, ...fields.map((k) => patch[k])]);
        if (row && actor) {
          await recordAudit(m, tenantId, actor, { action: 'agent.update', entity: 'agent', entityId: agentId, data: { changed: Object.fromEntries(fields.map((k) => [k, patch[k]])) } });
        }
        return row;
      });
      if (!a) throw new TandemError('agent.not_found', 'No person on this team has this id', 404);
      return toRecord(a);
    } catch (err) {
      if (err instanceof TandemError) throw err;
      duplicateOrThrow(err);
    }
  }
}
