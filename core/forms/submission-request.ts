/**
 * Server side of `POST /api/v1/forms/:formId/submissions`: checks the whole JSON body the widget sends
 * (values, consent proof, meta), using the shared validateSubmission for the values. Plain TS, no I/O.
 */
import type { FormDefinition } from './form-definition';
import { validateSubmission, type NormalisedValues, type PhoneParser } from './validate-submission';

export interface Utm {
  source: string | null;
  medium: string | null;
  campaign: string | null;
  term: string | null;
  content: string | null;
}

export interface SubmissionMeta {
  pageUrl: string | null;
  referrer: string | null;
  utm: Utm;
  /** Client clock, ms epoch, when the form was first shown or focused. */
  startedAt: number | null;
  /** Client clock, ms epoch, when the lead pressed submit. */
  submittedAt: number | null;
  /** The form version the lead saw. */
  formVersion: number | null;
}

/** Why a submission looks like a bot's. The route should answer as for a success and store nothing. */
export type SpamVerdict = 'honeypot' | 'too_fast' | null;

export interface SubmissionRequest {
  values: NormalisedValues;
  phoneE164: string | null;
  /** The proof to store: the exact text the lead ticked, or not granted. */
  consent: { granted: boolean; text: string | null };
  meta: SubmissionMeta;
  spam: SpamVerdict;
}

export interface SubmissionError {
  code: 'invalid_body' | 'validation_failed';
  message: string;
  details?: { fields: Record<string, string> };
}

export type SubmissionRequestResult =
  | { ok: true; request: SubmissionRequest }
  | { ok: false; status: 400 | 422; error: SubmissionError };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function str(v: unknown, max: number): string | null {
  if (typeof v !== 'string') return null;
  const s = v.trim();
  return s === '' ? null : s.slice(0, max);
}

function httpUrl(v: unknown): string | null {
  const s = str(v, 2000);
  if (!s) return null;
  try {
    const u = new URL(s);
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.href : null;
  } catch {
    return null;
  }
}

const epochMs = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? Math.floor(v) : null);

/**
 * Checks a submission body against a form. 400 for a body that is not the widget's shape; 422
 * `validation_failed` with one sentence per field for values a person can fix (same sentences the widget
 * shows); otherwise the normalised values, E.164 phone, consent proof, meta and a spam verdict.
 * `now` is the server clock, used only when the client sent no submittedAt.
 */
export function parseSubmissionRequest(
  def: FormDefinition,
  body: unknown,
  opts: { phone: PhoneParser; now: number },
): SubmissionRequestResult {
  if (!isObject(body) || !isObject(body.values)) {
    return { ok: false, status: 400, error: { code: 'invalid_body', message: 'Send JSON like { "values": { ... }, "consent": { ... }, "meta": { ... } }.' } };
  }
  const consentIn = body.consent === undefined ? {} : body.consent;
  const metaIn = body.meta === undefined ? {} : body.meta;
  if (!isObject(consentIn) || !isObject(metaIn)) {
    return { ok: false, status: 400, error: { code: 'invalid_body', message: '"consent" and "meta" must be objects when present.' } };
  }

  const result = validateSubmission(def, body.values, { phone: opts.phone });
  const fieldErrors: Record<string, string> = result.ok ? {} : { ...result.errors };

  // The proof must be the wording this version of the form shows, ticked in the values too.
  const ticked = body.values[def.consent.name] === true;
  const proofTicked = consentIn.checked === true;
  if ((ticked || proofTicked) && !fieldErrors[def.consent.name]) {
    if (ticked !== proofTicked || consentIn.text !== def.consent.text) {
      fieldErrors[def.consent.name] = 'The consent wording has changed since this page loaded. Reload the page and try again.';
    }
  }

  if (Object.keys(fieldErrors).length > 0 || !result.ok) {
    return {
      ok: false,
      status: 422,
      error: { code: 'validation_failed', message: 'Some answers need another look.', details: { fields: fieldErrors } },
    };
  }

  const utmIn = isObject(metaIn.utm) ? metaIn.utm : {};
  const meta: SubmissionMeta = {
    pageUrl: httpUrl(metaIn.pageUrl),
    referrer: httpUrl(metaIn.referrer),
    utm: {
      source: str(utmIn.source, 200),
      medium: str(utmIn.medium, 200),
      campaign: str(utmIn.campaign, 200),
      term: str(utmIn.term, 200),
      content: str(utmIn.content, 200),
    },
    startedAt: epochMs(metaIn.startedAt),
    submittedAt: epochMs(metaIn.submittedAt),
    formVersion: typeof metaIn.formVersion === 'number' && Number.isInteger(metaIn.formVersion) ? metaIn.formVersion : null,
  };

  let spam: SpamVerdict = null;
  if (typeof metaIn.honeypot === 'string' && metaIn.honeypot.trim() !== '') spam = 'honeypot';
  else if (def.spam.minFillTimeMs > 0) {
    // Elapsed time on the client's own clock when it sent both ends, so clock skew does not matter.
    const elapsed = meta.startedAt === null ? null : (meta.submittedAt ?? opts.now) - meta.startedAt;
    if (elapsed === null || elapsed < def.spam.minFillTimeMs) spam = 'too_fast';
  }

  return {
    ok: true,
    request: {
      values: result.data,
      phoneE164: result.phoneE164,
      consent: result.data[def.consent.name] === true ? { granted: true, text: def.consent.text } : { granted: false, text: null },
      meta,
      spam,
    },
  };
}
