import { createHash, randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { Actor } from '../domain/types';
import { TandemError } from '../errors/tandem-error';
import { formDefinitionSchema, publicFormDefinition, type FormDefinition, type PublicFormDefinition } from '../forms/form-definition';
import { isUuid, type Store } from '../store/data-source';
import { one, rows } from '../store/sql';
import { TtlCache } from './ttl-cache';
import { recordAudit } from '../audit/record-audit';

/** A form as its tenant's staff see it. `definition.id` is the form id, `definition.version` its version. */
export interface FormRecord {
  id: string;
  name: string;
  version: number;
  active: boolean;
  definition: FormDefinition;
  createdAt: string;
  updatedAt: string;
}

/** The public definition, serialised once, with its strong ETag. */
export interface PublicFormResponse {
  form: PublicFormDefinition;
  /** The exact JSON body `{ "form": ... }`. */
  json: string;
  /** Strong validator: a quoted hash of `json`. */
  etag: string;
}

/** What the CORS check needs to know about a form, cached briefly. */
export interface FormPolicy {
  tenantId: string;
  active: boolean;
  allowedOrigins: readonly string[];
}

export interface FormRow {
  id: string;
  tenant_id: string;
  name: string;
  definition: unknown;
  version: number;
  active: boolean;
  created_at: Date;
  updated_at: Date;
}

export interface FormServiceOptions {
  /** How long a process trusts its cached public definition and CORS policy (other processes' edits). */
  cacheTtlMs?: number;
}

export const formNotFound = () =>
  new TandemError('form.not_found', 'No form has this id. Check the data-tandem-form attribute (or the URL) against your form list.', 404);
export const formInactive = () =>
  new TandemError('form.inactive', 'This form has been deactivated and is not accepting submissions. An admin can reactivate it.', 404);

/** Server-assigned keys that a tenant's input may carry (e.g. a GET → edit → PATCH round trip) but never sets. */
const SERVER_KEYS = ['id', 'version'] as const;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * RFC 7396 JSON merge patch: objects merge key by key, `null` removes a key, anything else (arrays
 * included) replaces. So `{ "fields": [...] }` replaces the field list and `{ "styling": { "radiusPx": 0 } }`
 * changes one setting.
 */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return patch;
  const out: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/** Parses a whole definition; a failure is a 422 naming each bad path with the schema's sentence. */
export function parseDefinitionOr422(input: unknown): FormDefinition {
  const r = formDefinitionSchema.safeParse(input);
  if (r.success) return r.data;
  const fields: Record<string, string> = {};
  for (const issue of r.error.issues) {
    const key = issue.path.join('.') || '_';
    fields[key] = fields[key] ? `${fields[key]} ${issue.message}` : issue.message;
  }
  throw new TandemError('form.invalid_definition', 'The form definition has problems; see details.fields for each one.', 422, { fields });
}

function toRecord(row: FormRow, definition: FormDefinition): FormRecord {
  return {
    id: row.id,
    name: row.name,
    version: row.version,
    active: row.active,
    definition,
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
  };
}

const audit = (m: EntityManager, tenantId: string, actor: Actor, action: string, formId: string, data: Record<string, unknown>) =>
  recordAudit(m, tenantId, actor, { action, entity: 'form', entityId: formId, data });

/** Top-level keys whose value differs between two definitions (what an audit entry says changed). */
function changedKeys(before: Record<string, unknown>, after: Record<string, unknown>): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys].filter((k) => k !== 'version' && JSON.stringify(before[k]) !== JSON.stringify(after[k])).sort();
}

/**
 * Capture forms: CRUD for a tenant's staff (every change audited, every edit a new version), and the
 * public, cached reads the widget and the submission endpoint need. Public reads arrive with a form id
 * only: the owning tenant is found in system scope, the form itself is then read under that tenant's RLS.
 */
export class FormService {
  private readonly tenantOf = new TtlCache<string>(60 * 60_000, 20_000);
  private readonly parsed = new TtlCache<{ fingerprint: string; def: FormDefinition }>(60 * 60_000, 5_000);
  private readonly publicCache: TtlCache<PublicFormResponse | TandemError>;
  private readonly policyCache: TtlCache<FormPolicy | null>;

  constructor(
    private readonly store: Store,
    options: FormServiceOptions = {},
  ) {
    const ttl = options.cacheTtlMs ?? 5_000;
    this.publicCache = new TtlCache(ttl, 5_000);
    this.policyCache = new TtlCache(ttl, 20_000);
  }

  /** The parsed definition of a row; parsing is cached per version so hot paths skip zod. */
  definitionOf(row: Pick<FormRow, 'id' | 'definition' | 'version' | 'active' | 'updated_at'>): FormDefinition {
    const fingerprint = `${row.version}:${new Date(row.updated_at).getTime()}:${row.active}`;
    const hit = this.parsed.get(row.id);
    if (hit?.fingerprint === fingerprint) return hit.def;
    // Stored definitions were parsed on write; a parse failure here means a hand-edited row.
    const def = formDefinitionSchema.parse({ ...(row.definition as object), id: row.id, version: row.version, active: row.active });
    this.parsed.set(row.id, { fingerprint, def });
    return def;
  }

  /**
   * The definition this process last parsed for a form, without the database: a guess that may be stale
   * (another process's edit), for work that is checked against the stored row afterwards.
   */
  cachedDefinition(formId: string): FormDefinition | undefined {
    return this.parsed.get(formId)?.def;
  }

  async list(tenantId: string): Promise<FormRecord[]> {
    const r = await this.store.tenant(tenantId, (m) => rows<FormRow>(m, `SELECT * FROM forms ORDER BY created_at, id`));
    return r.map((row) => toRecord(row, this.definitionOf(row)));
  }

  async get(tenantId: string, formId: string): Promise<FormRecord> {
    if (!isUuid(formId)) throw formNotFound();
    const row = await this.store.tenant(tenantId, (m) => one<FormRow>(m, `SELECT * FROM forms WHERE id = $1`, [formId]));
    if (!row) throw formNotFound();
    return toRecord(row, this.definitionOf(row));
  }

  /** Creates a form from a definition without `id`/`version` (both assigned here). 422 names every problem. */
  async create(tenantId: string, input: unknown, actor: Actor): Promise<FormRecord> {
    if (!isObject(input)) throw new TandemError('form.invalid_definition', 'Send the form definition as a JSON object.', 422, { fields: { _: 'Expected an object.' } });
    const id = randomUUID();
    const rest = Object.fromEntries(Object.entries(input).filter(([k]) => !(SERVER_KEYS as readonly string[]).includes(k)));
    const def = parseDefinitionOr422({ ...rest, id, version: 1 });
    const row = await this.store.tenant(tenantId, async (m) => {
      const created = await one<FormRow>(
        m,
        `INSERT INTO forms (id, tenant_id, name, definition, version, active) VALUES ($1, $2, $3, $4::jsonb, 1, $5) RETURNING *`,
        [id, tenantId, def.name, JSON.stringify(def), def.active],
      );
      await audit(m, tenantId, actor, 'form.created', id, { name: def.name, version: 1, active: def.active });
      return created!;
    });
    this.forget(id);
    return toRecord(row, this.definitionOf(row));
  }

  /**
   * Applies a JSON merge patch to the definition and bumps the version (a new version is what consent
   * proofs point at). `id`/`version` in the patch are ignored. A patch that changes nothing changes nothing.
   */
  async update(tenantId: string, formId: string, patch: unknown, actor: Actor): Promise<FormRecord> {
    if (!isUuid(formId)) throw formNotFound();
    if (!isObject(patch)) throw new TandemError('form.invalid_definition', 'Send the changes as a JSON object (a JSON merge patch).', 422, { fields: { _: 'Expected an object.' } });
    const cleanPatch = Object.fromEntries(Object.entries(patch).filter(([k]) => !(SERVER_KEYS as readonly string[]).includes(k)));
    const row = await this.store.tenant(tenantId, async (m) => {
      const current = await one<FormRow>(m, `SELECT * FROM forms WHERE id = $1 FOR UPDATE`, [formId]);
      if (!current) throw formNotFound();
      const before = this.definitionOf(current) as unknown as Record<string, unknown>;
      const merged = mergePatch({ ...before, active: current.active }, cleanPatch) as Record<string, unknown>;
      const changed = changedKeys(before, merged);
      if (changed.length === 0) return current;
      const version = current.version + 1;
      const def = parseDefinitionOr422({ ...merged, id: formId, version });
      const updated = await one<FormRow>(
        m,
        `UPDATE forms SET name = $2, definition = $3::jsonb, version = $4, active = $5, updated_at = clock_timestamp() WHERE id = $1 RETURNING *`,
        [formId, def.name, JSON.stringify(def), version, def.active],
      );
      await audit(m, tenantId, actor, 'form.updated', formId, { from: current.version, to: version, changed });
      return updated!;
    });
    this.forget(formId);
    return toRecord(row, this.definitionOf(row));
  }

  /** Deactivates (never deletes: submissions and consent proofs point at the form). Idempotent. */
  async deactivate(tenantId: string, formId: string, actor: Actor): Promise<FormRecord> {
    if (!isUuid(formId)) throw formNotFound();
    const row = await this.store.tenant(tenantId, async (m) => {
      const current = await one<FormRow>(m, `SELECT * FROM forms WHERE id = $1 FOR UPDATE`, [formId]);
      if (!current) throw formNotFound();
      if (!current.active) return current;
      const def = { ...(current.definition as object), active: false };
      const updated = await one<FormRow>(
        m,
        `UPDATE forms SET active = false, definition = $2::jsonb, updated_at = clock_timestamp() WHERE id = $1 RETURNING *`,
        [formId, JSON.stringify(def)],
      );
      await audit(m, tenantId, actor, 'form.deactivated', formId, { version: current.version });
      return updated!;
    });
    this.forget(formId);
    return toRecord(row, this.definitionOf(row));
  }

  /** Which tenant owns a form (system scope: public requests carry only the form id). Never changes, so cached. */
  async tenantFor(formId: string): Promise<string | null> {
    if (!isUuid(formId)) return null;
    const hit = this.tenantOf.get(formId);
    if (hit) return hit;
    const r = await this.store.system((m) => one<{ tenant_id: string }>(m, `SELECT tenant_id FROM forms WHERE id = $1`, [formId]));
    if (r) this.tenantOf.set(formId, r.tenant_id);
    return r?.tenant_id ?? null;
  }

  /** The public definition for the widget: 404 `form.not_found` / `form.inactive`. Cached for a few seconds. */
  async publicForm(formId: string): Promise<PublicFormResponse> {
    const hit = this.publicCache.get(formId);
    if (hit instanceof TandemError) throw hit;
    if (hit) return hit;
    const tenantId = await this.tenantFor(formId);
    const row = tenantId ? await this.store.tenant(tenantId, (m) => one<FormRow>(m, `SELECT * FROM forms WHERE id = $1`, [formId])) : null;
    let result: PublicFormResponse | TandemError;
    if (!row) result = formNotFound();
    else if (!row.active) result = formInactive();
    else {
      const form = publicFormDefinition(this.definitionOf(row));
      const json = JSON.stringify({ form });
      result = { form, json, etag: `"${createHash('sha256').update(json).digest('base64url').slice(0, 32)}"` };
    }
    // Misses are cached only for known ids: made-up ids must not crowd real forms out.
    if (row) this.publicCache.set(formId, result);
    if (result instanceof TandemError) throw result;
    return result;
  }

  /** Tenant, active flag and allowed origins, for the CORS preflight and headers. Null for unknown forms. */
  async policy(formId: string): Promise<FormPolicy | null> {
    const hit = this.policyCache.get(formId);
    if (hit !== undefined) return hit;
    const tenantId = await this.tenantFor(formId);
    if (!tenantId) return null;
    const row = await this.store.tenant(tenantId, (m) => one<FormRow>(m, `SELECT * FROM forms WHERE id = $1`, [formId]));
    const policy = row ? { tenantId, active: row.active, allowedOrigins: this.definitionOf(row).allowedOrigins } : null;
    this.policyCache.set(formId, policy);
    return policy;
  }

  /** Cached policy only (no database): for answers that must stay cheap, such as a rate-limit refusal. */
  cachedPolicy(formId: string): FormPolicy | null {
    return this.policyCache.get(formId) ?? null;
  }

  /** Drops this process's cached views of a form after a write. */
  forget(formId: string): void {
    this.publicCache.delete(formId);
    this.policyCache.delete(formId);
  }
}

/** Is `origin` (the browser's Origin header) one of the form's allowed origins? Exact match, as CORS compares. */
export function originAllowed(allowed: readonly string[], origin: string | null | undefined): boolean {
  return typeof origin === 'string' && origin !== 'null' && allowed.includes(origin);
}
