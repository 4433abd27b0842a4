/**
 * The widget's side of the public form API: load the public definition, post a submission, and the
 * small browser facts a submission carries (UTM tags, an idempotency key).
 */
import type { PublicFormDefinition } from '../../core/forms/form-definition';

export interface SubmissionPayload {
  values: Record<string, string | boolean>;
  consent: { checked: boolean; text: string };
  meta: {
    pageUrl: string;
    referrer: string;
    utm: { source: string | null; medium: string | null; campaign: string | null; term: string | null; content: string | null };
    startedAt: number;
    submittedAt: number;
    honeypot: string;
    formVersion: number;
  };
}

export type SubmitOutcome =
  | { kind: 'created'; submissionId: string | null; leadId: string | null }
  | { kind: 'invalid'; fields: Record<string, string>; message: string }
  /** The server refused this request for good (4xx): send the next try under a new key. */
  | { kind: 'refused'; message: string }
  /** Network failure or 5xx: the same request may be retried under the same key. */
  | { kind: 'failed'; message: string };

const trimSlash = (url: string) => url.replace(/\/+$/, '');

/** Loads `GET {base}/api/v1/forms/{formId}/public`. Throws on anything but a form. */
export async function fetchPublicForm(baseUrl: string, formId: string, fetchImpl: typeof fetch = fetch): Promise<PublicFormDefinition> {
  const res = await fetchImpl(`${trimSlash(baseUrl)}/api/v1/forms/${encodeURIComponent(formId)}/public`, {
    credentials: 'omit',
    headers: { Accept: 'application/json' },
  });
  if (!res.ok) throw new Error(`form ${formId}: HTTP ${res.status}`);
  const body = (await res.json()) as { form?: PublicFormDefinition };
  if (!body.form || !Array.isArray(body.form.fields)) throw new Error(`form ${formId}: no form in the response`);
  return body.form;
}

const RETRY_LATER = 'We could not send your details just now. Please try again in a moment.';

/** Posts a submission with its idempotency key and sorts the answer into what the form should do. */
export async function postSubmission(
  baseUrl: string,
  formId: string,
  payload: SubmissionPayload,
  idempotencyKey: string,
  fetchImpl: typeof fetch = fetch,
): Promise<SubmitOutcome> {
  let res: Response;
  try {
    res = await fetchImpl(`${trimSlash(baseUrl)}/api/v1/forms/${encodeURIComponent(formId)}/submissions`, {
      method: 'POST',
      credentials: 'omit',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'Idempotency-Key': idempotencyKey },
      body: JSON.stringify(payload),
    });
  } catch {
    return { kind: 'failed', message: RETRY_LATER };
  }
  const body = (await res.json().catch(() => null)) as
    | { submission?: { id?: string }; lead?: { id?: string }; error?: { code?: string; message?: string; details?: { fields?: Record<string, string> } } }
    | null;
  if (res.ok) return { kind: 'created', submissionId: body?.submission?.id ?? null, leadId: body?.lead?.id ?? null };
  const message = body?.error?.message || RETRY_LATER;
  if (res.status === 422) return { kind: 'invalid', fields: body?.error?.details?.fields ?? {}, message };
  if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429) return { kind: 'refused', message };
  return { kind: 'failed', message: res.status === 429 ? message : RETRY_LATER };
}

/** UTM tags of the page the form sits on. */
export function readUtm(search: string): SubmissionPayload['meta']['utm'] {
  const q = new URLSearchParams(search);
  const get = (k: string) => q.get(`utm_${k}`) || null;
  return { source: get('source'), medium: get('medium'), campaign: get('campaign'), term: get('term'), content: get('content') };
}

/** A v4 UUID; crypto.randomUUID exists only on https pages, getRandomValues everywhere. */
export function newIdempotencyKey(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
