import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { scoreForm, scoreFromSignals } from '../ai/scoring/lead-scoring';
import { zoneForPhone } from '../compliance/quiet-hours';
import type { LiveEvent } from '../engine/engine.types';
import type { Score, Signal } from '../domain/types';
import { TandemError } from '../errors/tandem-error';
import type { FormDefinition } from '../forms/form-definition';
import { serverPhoneParser } from '../forms/phone-metadata';
import { parseSubmissionRequest, type SpamVerdict, type SubmissionRequest, type SubmissionRequestResult } from '../forms/submission-request';
import type { JobSystem } from '../jobs/job-system';
import type { Logger } from '../logger';
import { resolveSettings } from '../tenants/tenant-settings';
import { isUuid, type Store } from '../store/data-source';
import { one } from '../store/sql';
import { formInactive, formNotFound, originAllowed, type FormRow, type FormService } from './form.service';
import { leadFieldsFrom, scoringAnswers } from './lead-fields';

/** One submission as the HTTP layer hands it over. */
export interface CaptureRequest {
  /** The parsed JSON body (anything: it is validated here). */
  body: unknown;
  ip: string | null;
  userAgent: string | null;
  /** The browser's Origin header; must be one of the form's allowed origins. */
  origin: string | null;
  /** The Idempotency-Key header: a retry or double click with the same key makes one submission. */
  idempotencyKey: string | null;
}

export interface CaptureResult {
  /** 201 for a new submission; 200 when the idempotency key had already been used (the first result). */
  status: 200 | 201;
  submissionId: string;
  leadId: string;
  duplicate: boolean;
  /**
   * Set when the submission looked like a bot's (honeypot filled, filled in too fast): the caller answers
   * exactly as for a success, and nothing was stored. The ids are then random and point at nothing.
   */
  spam: SpamVerdict;
  conversationId: string | null;
  isNewLead: boolean;
}

/** The event the opener job and the CRM sync consume, written in the capture's own transaction. */
export const LEAD_CAPTURED = 'lead.captured';

export interface LeadCapturedPayload {
  leadId: string;
  conversationId: string;
  submissionId: string;
  isNewLead: boolean;
  [key: string]: unknown;
}

export interface CaptureDeps {
  store: Store;
  jobs: Pick<JobSystem, 'outbox'>;
  forms: FormService;
  live: { publish(event: Omit<LiveEvent, 'at'> & { at?: string }): void };
  clock: () => Date;
  logger: Logger;
}

interface LeadRow {
  id: string;
  phone: string;
  email: string | null;
  first_name: string | null;
  last_name: string | null;
  company: string | null;
  source: string | null;
  timezone: string | null;
  score: number;
  tag: Score['tag'];
  signals: Signal[];
  opted_out: boolean;
  consent_state: 'granted' | 'revoked' | 'none';
}

// Printable ASCII, no spaces: UUIDs, ULIDs and most clients' keys; long enough for any of them.
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;
const DEFAULT_TIMEZONE = resolveSettings({}).defaultTimezone;

export const originNotAllowed = (origin: string | null) =>
  new TandemError(
    'form.origin_not_allowed',
    origin
      ? `This form does not accept submissions from ${origin}. An admin can add that origin to the form's allowedOrigins.`
      : 'This form accepts submissions only from the pages it is embedded on (the request had no Origin header).',
    403,
    { origin },
  );

/**
 * The first score of a submission, merged with what the lead already showed. A score is the sum of the
 * distinct signals a lead has shown (scoring's own rule), so merging is a union of signals. A lead whose
 * score came without signals (set by hand or imported) keeps that score if it is higher.
 */
export function mergeScore(existing: { score: number; tag: Score['tag']; signals: readonly Signal[] } | null, fresh: Score): Score {
  if (!existing) return fresh;
  const merged = scoreFromSignals([...(existing.signals ?? []), ...fresh.signals]);
  if ((existing.signals ?? []).length === 0 && existing.score > merged.score) return { score: existing.score, tag: existing.tag, signals: merged.signals };
  return merged;
}

function compactUtm(utm: SubmissionRequest['meta']['utm']): Record<string, string> {
  return Object.fromEntries(Object.entries(utm).filter((e): e is [string, string] => typeof e[1] === 'string'));
}

/**
 * Per-person advisory locks, the keys an array parameter. One batch per transaction, taken in hash order:
 * transactions that each lock in one ordered batch cannot deadlock on these locks.
 */
const lockSql = (keysParam: string) =>
  `SELECT pg_advisory_xact_lock(h) FROM (SELECT DISTINCT hashtextextended(k, 0) AS h FROM unnest(${keysParam}::text[]) AS k) s ORDER BY h`;

/** A body parsed against one definition, with the locks its person needs (none when it will not be stored). */
interface Parsed {
  def: FormDefinition;
  parsed: SubmissionRequestResult;
  lockKeys: string[];
}

function parsedAgainst(def: FormDefinition, tenantId: string, body: unknown): Parsed {
  // The spam check compares the client's own timestamps, so it uses the real clock, not the engine's.
  const parsed = parseSubmissionRequest(def, body, { phone: serverPhoneParser(), now: Date.now() });
  const phone = parsed.ok && !parsed.request.spam ? parsed.request.phoneE164 : null;
  if (!parsed.ok || !phone) return { def, parsed, lockKeys: [] };
  // One person at a time: two submissions with the same email (different phones) must not make two leads.
  const email = leadFieldsFrom(def, parsed.request.values).email;
  return { def, parsed, lockKeys: [`lead-phone:${tenantId}:${phone}`, ...(email ? [`lead-email:${tenantId}:${email}`] : [])] };
}

/** The stored form names another person than the cached one did, while the guessed locks are held. */
class LockKeysChanged extends Error {}

type Outcome =
  | { kind: 'duplicate'; submissionId: string; leadId: string }
  | { kind: 'spam'; verdict: Exclude<SpamVerdict, null> }
  | { kind: 'created'; submissionId: string; leadId: string; conversationId: string; isNewLead: boolean; reOptIn: boolean };

/**
 * Captures one form submission. In one tenant transaction: checks form, origin and body (any failure: a
 * 4xx and nothing written), upserts the lead (same phone → same lead, else same email → same lead), keeps
 * the consent proof on the submission and in the consent ledger, merges the first score, opens a
 * conversation if none is open, and writes `lead.captured` to the outbox.
 *
 * Consent decision: a ticked consent box on a form is a new, express, written consent. It re-opts-in a
 * lead who had opted out earlier (by keyword or otherwise), which the rules allow for a fresh consent
 * given by the person; the ledger keeps both events and marks this one `reOptIn`. An unticked optional
 * consent changes nothing about the lead's consent.
 */
export class CaptureService {
  constructor(private readonly deps: CaptureDeps) {}

  async capture(formId: string, request: CaptureRequest): Promise<CaptureResult> {
    const { store, forms, clock, logger } = this.deps;
    const key = request.idempotencyKey?.trim() || null;
    if (key !== null && !IDEMPOTENCY_KEY.test(key)) {
      throw new TandemError('submission.invalid_idempotency_key', 'Idempotency-Key must be 1–255 visible ASCII characters (a UUID is ideal).', 400);
    }
    if (!isUuid(formId)) throw formNotFound();
    const tenantId = await forms.tenantFor(formId);
    if (!tenantId) throw formNotFound();

    // Parsed against the definition this process already holds, the submission names its person before the
    // transaction opens, so the per-person locks ride on its first statement. Checked against the form as
    // stored once it is read; a stale guess costs a statement, never a different answer.
    const cached = forms.cachedDefinition(formId);
    const guess = cached ? parsedAgainst(cached, tenantId, request.body) : null;
    const attempt = (g: Parsed | null) => this.withRetry(() => store.tenant(tenantId, (m) => this.captureIn(m, tenantId, formId, key, request, g)));
    let outcome: Outcome;
    try {
      outcome = await attempt(guess);
    } catch (err) {
      if (!(err instanceof LockKeysChanged)) throw err;
      outcome = await attempt(null);
    }

    if (outcome.kind === 'spam') {
      // Answer like a success so a bot learns nothing; log without any of the submitted values.
      logger.info({ formId, spam: outcome.verdict }, 'form submission dropped as spam');
      return { status: 201, submissionId: randomUUID(), leadId: randomUUID(), duplicate: false, spam: outcome.verdict, conversationId: null, isNewLead: false };
    }
    if (outcome.kind === 'duplicate') {
      return { status: 200, submissionId: outcome.submissionId, leadId: outcome.leadId, duplicate: true, spam: null, conversationId: null, isNewLead: false };
    }
    this.deps.jobs.outbox.notifyCommitted();
    this.deps.live.publish({ tenantId, type: LEAD_CAPTURED, leadId: outcome.leadId, conversationId: outcome.conversationId, at: clock().toISOString() });
    logger.info(
      { formId, submissionId: outcome.submissionId, leadId: outcome.leadId, isNewLead: outcome.isNewLead, reOptIn: outcome.reOptIn },
      'lead captured',
    );
    return {
      status: 201,
      submissionId: outcome.submissionId,
      leadId: outcome.leadId,
      duplicate: false,
      spam: null,
      conversationId: outcome.conversationId,
      isNewLead: outcome.isNewLead,
    };
  }

  /**
   * Two requests racing on one idempotency key or one new phone: the loser's insert hits a unique index and
   * its whole transaction rolls back; run it once more and it finds the winner's rows (a duplicate, or the
   * lead to update). Cheaper than locking on every request for a race that rarely happens.
   */
  private async withRetry<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      if (!isUniqueViolation(err, ['submissions_idempotency', 'leads_tenant_id_phone_key'])) throw err;
      return run();
    }
  }

  private async captureIn(m: EntityManager, tenantId: string, formId: string, key: string | null, request: CaptureRequest, guess: Parsed | null): Promise<Outcome> {
    const { forms, clock } = this.deps;
    const held = guess?.lockKeys ?? [];
    // One trip: the form as stored now, the tenant's default zone, any earlier submission under this key,
    // and the guessed person's locks. The locks guard the lead lookup, which is a later statement (under
    // READ COMMITTED a statement's snapshot predates the locks it takes).
    const form = await one<FormRow & { default_tz: string | null; prior_id: string | null; prior_lead_id: string | null }>(
      m,
      `WITH locked AS (${lockSql('$3')})
       SELECT f.*, t.settings->>'defaultTimezone' AS default_tz, p.id AS prior_id, p.lead_id AS prior_lead_id, (SELECT count(*) FROM locked) AS locks
         FROM forms f JOIN tenants t ON t.id = f.tenant_id
         LEFT JOIN submissions p ON $2::text IS NOT NULL AND p.form_id = f.id AND p.idempotency_key = $2
        WHERE f.id = $1`,
      [formId, key, held],
    );
    if (!form) throw formNotFound();
    if (!form.active) throw formInactive();
    const def = forms.definitionOf(form);
    if (!originAllowed(def.allowedOrigins, request.origin)) throw originNotAllowed(request.origin);
    if (form.prior_id && form.prior_lead_id) return { kind: 'duplicate', submissionId: form.prior_id, leadId: form.prior_lead_id };

    // `definitionOf` returns the very object it cached while the stored row is unchanged.
    const { parsed, lockKeys } = guess && guess.def === def ? guess : parsedAgainst(def, tenantId, request.body);
    if (!parsed.ok) {
      if (parsed.status === 400) throw new TandemError('submission.invalid_body', parsed.error.message, 400);
      throw new TandemError('submission.validation_failed', parsed.error.message, 422, { fields: parsed.error.details?.fields ?? {} });
    }
    const sub = parsed.request;
    if (sub.spam) return { kind: 'spam', verdict: sub.spam };
    const phone = sub.phoneE164;
    if (!phone) {
      const phoneField = def.fields.find((f) => f.type === 'phone')!;
      throw new TandemError('submission.validation_failed', 'Some answers need another look.', 422, {
        fields: { [phoneField.name]: 'Enter your mobile number: it is how we will reply.' },
      });
    }
    if (!lockKeys.every((k) => held.includes(k))) {
      // A second batch could deadlock. Holding none yet (nothing was cached), take them now; holding the
      // guessed person's, start again with nothing held.
      if (held.length > 0) throw new LockKeysChanged();
      await m.query(lockSql('$1'), [lockKeys]);
    }
    return this.persist(m, { tenantId, form, def, sub, phone, key, request, now: clock() });
  }

  private async persist(
    m: EntityManager,
    x: { tenantId: string; form: FormRow & { default_tz: string | null }; def: FormDefinition; sub: SubmissionRequest; phone: string; key: string | null; request: CaptureRequest; now: Date },
  ): Promise<Outcome> {
    const { tenantId, form, def, sub, phone, request, now } = x;
    const fields = leadFieldsFrom(def, sub.values);

    // Same phone first, else the newest lead with this email; with its open conversation, if any. Two
    // branches so each uses its own index (an OR would make the planner read all of the tenant's leads).
    // FOR UPDATE, the one lock an ordinary inbound text's FOR KEY SHARE waits for: this may open a new
    // conversation, and a text arriving meanwhile must land in it, not reopen the closed one.
    const lead = await one<LeadRow & { open_conversation_id: string | null }>(
      m,
      `SELECT l.*, (SELECT c.id FROM conversations c WHERE c.lead_id = l.id AND c.status <> 'closed' ORDER BY c.created_at DESC, c.id DESC LIMIT 1) AS open_conversation_id
         FROM ((SELECT id, 0 AS rank FROM leads WHERE phone = $1)
               UNION ALL
               (SELECT id, 1 AS rank FROM leads WHERE $2::text IS NOT NULL AND email_lower = lower($2)
                 ORDER BY created_at DESC, id DESC LIMIT 1)) hit
         JOIN leads l ON l.id = hit.id
        ORDER BY hit.rank LIMIT 1 FOR UPDATE OF l`,
      [phone, fields.email],
    );

    const score = mergeScore(lead, scoreForm(scoringAnswers(def, sub.values)));
    const granted = sub.consent.granted;
    const reOptIn = granted && lead !== null && (lead.opted_out || lead.consent_state === 'revoked');
    const timezone = zoneForPhone(phone, form.default_tz || DEFAULT_TIMEZONE);
    const submissionId = randomUUID();
    const proof = {
      text: def.consent.text,
      checked: granted,
      at: now.toISOString(),
      ip: request.ip,
      userAgent: request.userAgent?.slice(0, 500) ?? null,
      pageUrl: sub.meta.pageUrl,
      formId: form.id,
      formVersion: form.version,
      formVersionSeen: sub.meta.formVersion,
    };

    // Ids chosen here, so `lead.captured` is known before the write and rides in the same statement.
    const isNewLead = !lead;
    const leadId = lead?.id ?? randomUUID();
    const conversationId = lead?.open_conversation_id ?? randomUUID();
    const payload: LeadCapturedPayload = { leadId, conversationId, submissionId, isNewLead };
    const params: unknown[] = [
      tenantId, phone, fields.email, fields.firstName, fields.lastName, fields.company, fields.source, timezone, score.score, score.tag, JSON.stringify(score.signals), granted,
      leadId,
      submissionId,
      form.id,
      form.version,
      JSON.stringify(sub.values),
      JSON.stringify(proof),
      JSON.stringify(compactUtm(sub.meta.utm)),
      sub.meta.referrer,
      x.key,
      JSON.stringify({ ...proof, submissionId, reOptIn }),
      conversationId,
    ];
    const outbox = this.deps.jobs.outbox.insertStatement([{ type: LEAD_CAPTURED, tenantId, payload }], params.length + 1);
    if (outbox) params.push(...outbox.params);

    // The lead (inserted, or updated in place), the submission, the consent ledger entry, a conversation
    // when none is open, and the outbox rows: one statement, so one round trip whatever the case.
    const upsert = lead
      ? // Matched by email with another phone: the lead moves to the number just given, unless that number
        // belongs to someone else (then it keeps its own: phone uniqueness wins).
        `UPDATE leads SET
            phone = CASE WHEN phone <> $2::text AND NOT EXISTS (SELECT 1 FROM leads o WHERE o.phone = $2::text AND o.id <> $13::uuid) THEN $2::text ELSE phone END,
            email = coalesce(email, $3::text), first_name = coalesce(first_name, $4::text), last_name = coalesce(last_name, $5::text),
            company = coalesce(company, $6::text), source = coalesce(source, $7::text), timezone = coalesce(timezone, $8::text),
            score = $9::int, tag = $10::text, signals = $11::jsonb,
            consent_state = CASE WHEN $12::boolean THEN 'granted' ELSE consent_state END,
            opted_out = CASE WHEN $12::boolean THEN false ELSE opted_out END,
            updated_at = now()
          WHERE id = $13::uuid AND tenant_id = $1::uuid RETURNING id`
      : `INSERT INTO leads (id, tenant_id, phone, email, first_name, last_name, company, source, timezone, score, tag, signals, consent_state, opted_out)
         VALUES ($13::uuid, $1::uuid, $2::text, $3::text, $4::text, $5::text, $6::text, $7::text, $8::text, $9::int, $10::text, $11::jsonb,
                 CASE WHEN $12::boolean THEN 'granted' ELSE 'none' END, false)
         RETURNING id`;
    const writes = [
      `l AS (${upsert})`,
      `s AS (INSERT INTO submissions (id, tenant_id, form_id, form_version, lead_id, values, consent, utm, referrer, idempotency_key)
             SELECT $14::uuid, $1::uuid, $15::uuid, $16::int, l.id, $17::jsonb, $18::jsonb, $19::jsonb, $20::text, $21::text FROM l RETURNING id)`,
      `e AS (INSERT INTO consent_events (tenant_id, lead_id, kind, source, proof, created_at)
             SELECT $1::uuid, l.id, 'opt_in', 'form', $22::jsonb, clock_timestamp() FROM l WHERE $12::boolean)`,
      ...(lead?.open_conversation_id ? [] : [`c AS (INSERT INTO conversations (id, tenant_id, lead_id) SELECT $23::uuid, $1::uuid, l.id FROM l)`]),
      ...(outbox ? [`queued AS (${outbox.sql})`] : []),
    ];
    // $23 is in the result too, so its type is known when no conversation is inserted.
    const written = await one<{ lead_id: string }>(m, `WITH ${writes.join(',\n')}\nSELECT l.id AS lead_id, $23::uuid AS conversation_id FROM l, s`, params);
    // The lead row is locked (or just inserted), so this cannot happen; if it did, nothing may commit.
    if (!written) throw new Error('capture: the lead write matched no row');
    return { kind: 'created', submissionId, leadId, conversationId, isNewLead, reOptIn };
  }
}

/** A unique-index violation (SQLSTATE 23505) on one of `constraints`. */
function isUniqueViolation(err: unknown, constraints: string[]): boolean {
  const e = err as { code?: string; constraint?: string; driverError?: { code?: string; constraint?: string } };
  const code = e.driverError?.code ?? e.code;
  const constraint = e.driverError?.constraint ?? e.constraint;
  return code === '23505' && constraint !== undefined && constraints.includes(constraint);
}
