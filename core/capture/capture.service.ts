import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { scoreForm, scoreFromSignals } from '../ai/scoring/lead-scoring';
import { timezoneForPhone } from '../compliance/quiet-hours';
import type { LiveEvent } from '../engine/engine.types';
import type { Score, Signal } from '../domain/types';
import { TandemError } from '../errors/tandem-error';
import type { FormDefinition } from '../forms/form-definition';
import { serverPhoneParser } from '../forms/phone-metadata';
import { parseSubmissionRequest, type SpamVerdict, type SubmissionRequest } from '../forms/submission-request';
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

    const outcome = await store.tenant(tenantId, (m) => this.captureIn(m, tenantId, formId, key, request));

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

  private async captureIn(m: EntityManager, tenantId: string, formId: string, key: string | null, request: CaptureRequest): Promise<Outcome> {
    const { forms, clock } = this.deps;
    const form = await one<FormRow & { default_tz: string | null }>(
      m,
      `SELECT f.*, t.settings->>'defaultTimezone' AS default_tz FROM forms f JOIN tenants t ON t.id = f.tenant_id WHERE f.id = $1`,
      [formId],
    );
    if (!form) throw formNotFound();
    if (!form.active) throw formInactive();
    const def = forms.definitionOf(form);
    if (!originAllowed(def.allowedOrigins, request.origin)) throw originNotAllowed(request.origin);

    if (key) {
      // Same key at the same time (a double click): the second waits here, then finds the first's row.
      await m.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`submission:${formId}:${key}`]);
      const prior = await one<{ id: string; lead_id: string }>(m, `SELECT id, lead_id FROM submissions WHERE form_id = $1 AND idempotency_key = $2`, [formId, key]);
      if (prior) return { kind: 'duplicate', submissionId: prior.id, leadId: prior.lead_id };
    }

    // The spam check compares the client's own timestamps, so it uses the real clock, not the engine's.
    const parsed = parseSubmissionRequest(def, request.body, { phone: serverPhoneParser(), now: Date.now() });
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
    return this.persist(m, { tenantId, form, def, sub, phone, key, request, now: clock() });
  }

  private async persist(
    m: EntityManager,
    x: { tenantId: string; form: FormRow & { default_tz: string | null }; def: FormDefinition; sub: SubmissionRequest; phone: string; key: string | null; request: CaptureRequest; now: Date },
  ): Promise<Outcome> {
    const { tenantId, form, def, sub, phone, request, now } = x;
    const fields = leadFieldsFrom(def, sub.values);

    // One person at a time: submissions for the same phone or email queue up instead of racing to two leads.
    const lockKeys = [`lead-phone:${tenantId}:${phone}`, ...(fields.email ? [`lead-email:${tenantId}:${fields.email}`] : [])];
    await m.query(
      `SELECT pg_advisory_xact_lock(h) FROM (SELECT DISTINCT hashtextextended(k, 0) AS h FROM unnest($1::text[]) AS k) s ORDER BY h`,
      [lockKeys],
    );
    let lead = await one<LeadRow>(m, `SELECT * FROM leads WHERE phone = $1 FOR UPDATE`, [phone]);
    if (!lead && fields.email) {
      lead = await one<LeadRow>(m, `SELECT * FROM leads WHERE lower(email) = $1 ORDER BY created_at DESC, id DESC LIMIT 1 FOR UPDATE`, [fields.email]);
    }

    const score = mergeScore(lead, scoreForm(scoringAnswers(def, sub.values)));
    const granted = sub.consent.granted;
    const reOptIn = granted && lead !== null && (lead.opted_out || lead.consent_state === 'revoked');
    const timezone = timezoneForPhone(phone, form.default_tz || DEFAULT_TIMEZONE);
    const submissionId = randomUUID();
    const at = now.toISOString();
    const proof = {
      text: def.consent.text,
      checked: granted,
      at,
      ip: request.ip,
      userAgent: request.userAgent?.slice(0, 500) ?? null,
      pageUrl: sub.meta.pageUrl,
      formId: form.id,
      formVersion: form.version,
      formVersionSeen: sub.meta.formVersion,
    };

    let leadId: string;
    let isNewLead = false;
    if (!lead) {
      const created = await one<{ id: string }>(
        m,
        `INSERT INTO leads (tenant_id, phone, email, first_name, last_name, company, source, timezone, score, tag, signals, consent_state, opted_out)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb, $12, false)
         ON CONFLICT (tenant_id, phone) DO NOTHING RETURNING id`,
        [tenantId, phone, fields.email, fields.firstName, fields.lastName, fields.company, fields.source, timezone, score.score, score.tag, JSON.stringify(score.signals), granted ? 'granted' : 'none'],
      );
      if (!created) {
        // Another path (an inbound text) created this phone's lead a moment ago: retry so it is updated instead.
        throw new TandemError('submission.conflict', 'This lead was being created at the same moment. Please send the form again.', 409);
      }
      leadId = created.id;
      isNewLead = true;
    } else {
      leadId = lead.id;
      // Matched by email with another phone: move the lead to the number just given, unless that number
      // already belongs to someone else (then the lead keeps its number; uniqueness wins).
      await m.query(
        `UPDATE leads SET
            phone = CASE WHEN phone <> $2 AND NOT EXISTS (SELECT 1 FROM leads o WHERE o.phone = $2 AND o.id <> $1) THEN $2 ELSE phone END,
            email = coalesce(email, $3), first_name = coalesce(first_name, $4), last_name = coalesce(last_name, $5),
            company = coalesce(company, $6), source = coalesce(source, $7), timezone = coalesce(timezone, $8),
            score = $9, tag = $10, signals = $11::jsonb,
            consent_state = CASE WHEN $12 THEN 'granted' ELSE consent_state END,
            opted_out = CASE WHEN $12 THEN false ELSE opted_out END,
            updated_at = now()
          WHERE id = $1`,
        [leadId, phone, fields.email, fields.firstName, fields.lastName, fields.company, fields.source, timezone, score.score, score.tag, JSON.stringify(score.signals), granted],
      );
    }

    await m.query(
      `INSERT INTO submissions (id, tenant_id, form_id, form_version, lead_id, values, consent, utm, referrer, idempotency_key)
       VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7::jsonb, $8::jsonb, $9, $10)`,
      [submissionId, tenantId, form.id, form.version, leadId, JSON.stringify(sub.values), JSON.stringify(proof), JSON.stringify(compactUtm(sub.meta.utm)), sub.meta.referrer, x.key],
    );
    if (granted) {
      await m.query(
        `INSERT INTO consent_events (tenant_id, lead_id, kind, source, proof, created_at) VALUES ($1, $2, 'opt_in', 'form', $3::jsonb, clock_timestamp())`,
        [tenantId, leadId, JSON.stringify({ ...proof, submissionId, reOptIn })],
      );
    }

    let conversationId = isNewLead
      ? null
      : ((await one<{ id: string }>(m, `SELECT id FROM conversations WHERE lead_id = $1 AND status <> 'closed' ORDER BY created_at DESC, id DESC LIMIT 1`, [leadId]))?.id ?? null);
    if (!conversationId) {
      conversationId = (await one<{ id: string }>(m, `INSERT INTO conversations (tenant_id, lead_id) VALUES ($1, $2) RETURNING id`, [tenantId, leadId]))!.id;
    }

    const payload: LeadCapturedPayload = { leadId, conversationId, submissionId, isNewLead };
    await this.deps.jobs.outbox.publish(m, [{ type: LEAD_CAPTURED, tenantId, payload }]);
    return { kind: 'created', submissionId, leadId, conversationId, isNewLead, reOptIn };
  }
}
