/**
 * Keeps a CRM current. Core owns retries, back-off, dead letters and the per-lead sync status;
 * an adapter only talks to its CRM. Connectors register adapters with `engine.registerCrmAdapter`.
 */
export interface CrmLeadSnapshot {
  id: string;
  tenantId: string;
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  phone: string;
  tag: 'HOT' | 'WARM' | 'COLD';
  score: number;
  mode: 'ai' | 'human';
  optedOut: boolean;
  source: string | null;
  company: string | null;
  /** The link stored by an earlier sync, if any. */
  externalId: string | null;
}

export interface CrmMessageSnapshot {
  id: string;
  direction: 'in' | 'out';
  author: string;
  body: string;
  status: string;
  createdAt: string;
}

export interface CrmContext {
  tenantId: string;
  /** Decrypted integration config for this tenant (tokens, instance URL ...). */
  config: Record<string, unknown>;
  /** Persist a changed config (e.g. refreshed OAuth tokens); it is encrypted at rest. */
  saveConfig(config: Record<string, unknown>): Promise<void>;
}

/** Throw this for failures worth retrying later (429, 5xx, network); anything else dead-letters faster. */
export class CrmRetryableError extends Error {
  constructor(message: string, readonly retryAfterMs: number | null = null) {
    super(message);
    this.name = 'CrmRetryableError';
  }
}

export interface CrmAdapter {
  readonly provider: 'hubspot' | 'salesforce';
  /** Create or update the CRM record; returns its id to store as the link. */
  upsertLead(ctx: CrmContext, lead: CrmLeadSnapshot): Promise<{ externalId: string }>;
  /** Log one text on the record's timeline / activity history. */
  logMessage(ctx: CrmContext, lead: CrmLeadSnapshot & { externalId: string }, message: CrmMessageSnapshot): Promise<void>;
}
