import type { EntityManager } from 'typeorm';
import type { Tag } from '../domain/types';
import { invalid } from '../errors/tandem-error';
import type { Store } from '../store/data-source';
import { one, rows } from '../store/sql';

/** The longest range one overview may cover. */
export const MAX_RANGE_DAYS = 366;
/** Up to this many days the tag chart is daily; beyond, weekly (keeps the chart readable). */
const DAILY_BUCKETS_UP_TO_DAYS = 92;

/** Outbound texts that actually left Tandem (the provider accepted them). */
const LEFT = `('sent','delivered','undelivered')`;

export interface AnalyticsRange {
  from: Date;
  to: Date;
}

export interface AnalyticsOverview {
  range: { from: string; to: string; bucket: 'day' | 'week' };
  /**
   * Form submission → first outbound text to that lead which left Tandem (time it was queued), written by
   * the AI or a person: automatic confirmations (a STOP's) are not an answer. Submissions whose lead got no
   * text yet count in `submissions` but not in the percentiles.
   */
  speedToLead: { submissions: number; answered: number; medianSeconds: number | null; p90Seconds: number | null };
  /** Of the leads who got at least one AI or agent text in the range, how many wrote back after their first one. */
  responseRate: { texted: number; responded: number; rate: number | null };
  /** Outbound texts that left, by who wrote them. `system` = opt-out/help confirmations and notices. */
  sentBy: { ai: number; agent: number; system: number; aiShare: number | null; humanShare: number | null };
  /** Agent decisions on AI drafts (audit_log actions conversation.approve / edit / discard). */
  decisions: { approve: number; edit: number; discard: number };
  /** New leads per bucket by their current tag; every bucket of the range is present, zeros included. */
  leadsByTag: Array<{ bucket: string } & Record<Tag, number>>;
}

/**
 * Validates an analytics range: both ends real dates, `from` before `to`, at most 366 days.
 * Throws `request.invalid` (422) naming the bad parameter.
 */
export function parseAnalyticsRange(input: { from?: unknown; to?: unknown }): AnalyticsRange {
  const fields: Record<string, string> = {};
  const date = (name: 'from' | 'to'): Date | null => {
    const v = input[name];
    if (typeof v !== 'string' || v.trim() === '') {
      fields[name] = 'required (once): an ISO-8601 date or date-time, e.g. 2026-06-01T00:00:00Z';
      return null;
    }
    // Only ISO-8601 shapes: Date.parse alone accepts things like "June 1" or "1".
    const m = /^(\d{4})-(\d{2})-(\d{2})(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:\d{2})?)?$/.exec(v);
    const d = m ? new Date(v) : null;
    // JavaScript rolls 2026-02-30 over to March 2: refuse calendar dates that do not exist.
    const real = m && new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!)).toISOString().slice(0, 10) === `${m[1]}-${m[2]}-${m[3]}`;
    if (!d || !real || Number.isNaN(d.getTime())) {
      fields[name] = 'not a valid ISO-8601 date, e.g. 2026-06-01T00:00:00Z';
      return null;
    }
    return d;
  };
  const from = date('from');
  const to = date('to');
  if (from && to) Object.assign(fields, rangeProblems(from, to));
  if (Object.keys(fields).length > 0) throw invalid('The analytics range is not valid', { fields });
  return { from: from!, to: to! };
}

function rangeProblems(from: Date, to: Date): Record<string, string> {
  if (Number.isNaN(from.getTime())) return { from: 'not a valid date' };
  if (Number.isNaN(to.getTime())) return { to: 'not a valid date' };
  if (to.getTime() <= from.getTime()) return { to: 'must be after from' };
  if (to.getTime() - from.getTime() > MAX_RANGE_DAYS * 86_400_000) return { to: `the range may cover at most ${MAX_RANGE_DAYS} days` };
  return {};
}

const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Math.round(Number(v) * 10) / 10);
const share = (part: number, whole: number): number | null => (whole === 0 ? null : Math.round((part / whole) * 1000) / 1000);

/**
 * The figures the console's analytics page shows, computed in SQL under the tenant's row-level security.
 * Ranges are half-open: `from <= t < to`.
 */
export class AnalyticsService {
  constructor(private readonly store: Store) {}

  /** Everything for one range in one tenant transaction (a consistent snapshot). */
  overview(tenantId: string, range: AnalyticsRange): Promise<AnalyticsOverview> {
    const { from, to } = range;
    const fields = rangeProblems(from, to);
    if (Object.keys(fields).length > 0) return Promise.reject(invalid('The analytics range is not valid', { fields }));
    const days = (to.getTime() - from.getTime()) / 86_400_000;
    const bucket: 'day' | 'week' = days <= DAILY_BUCKETS_UP_TO_DAYS ? 'day' : 'week';
    return this.store.tenant(tenantId, async (m) => ({
      range: { from: from.toISOString(), to: to.toISOString(), bucket },
      speedToLead: await speedToLead(m, from, to),
      responseRate: await responseRate(m, from, to),
      sentBy: await sentBy(m, from, to),
      decisions: await decisions(m, from, to),
      leadsByTag: await leadsByTag(m, from, to, bucket),
    }));
  }
}

async function speedToLead(m: EntityManager, from: Date, to: Date): Promise<AnalyticsOverview['speedToLead']> {
  const r = await one<{ submissions: number; answered: number; median: number | null; p90: number | null }>(
    m,
    `WITH subs AS (
       SELECT s.lead_id, s.created_at,
              (SELECT min(o.created_at) FROM messages o
                WHERE o.lead_id = s.lead_id AND o.direction = 'out' AND o.author <> 'system' AND o.status IN ${LEFT} AND o.created_at >= s.created_at) AS first_out
         FROM submissions s
        WHERE s.created_at >= $1 AND s.created_at < $2
     )
     SELECT count(*)::int AS submissions,
            count(first_out)::int AS answered,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM first_out - created_at)) AS median,
            percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM first_out - created_at)) AS p90
       FROM subs`,
    [from, to],
  );
  return { submissions: num(r?.submissions), answered: num(r?.answered), medianSeconds: numOrNull(r?.median), p90Seconds: numOrNull(r?.p90) };
}

async function responseRate(m: EntityManager, from: Date, to: Date): Promise<AnalyticsOverview['responseRate']> {
  const r = await one<{ texted: number; responded: number }>(
    m,
    `WITH firsts AS (
       SELECT lead_id, min(created_at) AS first_out
         FROM messages
        WHERE direction = 'out' AND author <> 'system' AND status IN ${LEFT} AND created_at >= $1 AND created_at < $2
        GROUP BY lead_id
     )
     SELECT count(*)::int AS texted,
            count(*) FILTER (WHERE EXISTS (
              SELECT 1 FROM messages i WHERE i.lead_id = f.lead_id AND i.direction = 'in' AND i.created_at > f.first_out AND i.created_at < $2
            ))::int AS responded
       FROM firsts f`,
    [from, to],
  );
  const texted = num(r?.texted);
  const responded = num(r?.responded);
  return { texted, responded, rate: share(responded, texted) };
}

async function sentBy(m: EntityManager, from: Date, to: Date): Promise<AnalyticsOverview['sentBy']> {
  const r = await one<{ ai: number; agent: number; system: number }>(
    m,
    `SELECT count(*) FILTER (WHERE author = 'ai')::int AS ai,
            count(*) FILTER (WHERE author = 'agent')::int AS agent,
            count(*) FILTER (WHERE author = 'system')::int AS system
       FROM messages
      WHERE direction = 'out' AND status IN ${LEFT} AND created_at >= $1 AND created_at < $2`,
    [from, to],
  );
  const ai = num(r?.ai);
  const agent = num(r?.agent);
  return { ai, agent, system: num(r?.system), aiShare: share(ai, ai + agent), humanShare: share(agent, ai + agent) };
}

async function decisions(m: EntityManager, from: Date, to: Date): Promise<AnalyticsOverview['decisions']> {
  const r = await one<{ approve: number; edit: number; discard: number }>(
    m,
    `SELECT count(*) FILTER (WHERE action = 'conversation.approve')::int AS approve,
            count(*) FILTER (WHERE action = 'conversation.edit')::int AS edit,
            count(*) FILTER (WHERE action = 'conversation.discard')::int AS discard
       FROM audit_log
      WHERE action IN ('conversation.approve', 'conversation.edit', 'conversation.discard')
        AND created_at >= $1 AND created_at < $2`,
    [from, to],
  );
  return { approve: num(r?.approve), edit: num(r?.edit), discard: num(r?.discard) };
}

async function leadsByTag(m: EntityManager, from: Date, to: Date, bucket: 'day' | 'week'): Promise<AnalyticsOverview['leadsByTag']> {
  // Buckets in UTC; the series makes empty days show as zeros rather than gaps.
  const r = await rows<{ bucket: Date | string; hot: number; warm: number; cold: number }>(
    m,
    `WITH series AS (
       SELECT generate_series(date_trunc($3, $1::timestamptz AT TIME ZONE 'UTC'),
                              date_trunc($3, ($2::timestamptz - interval '1 microsecond') AT TIME ZONE 'UTC'),
                              ('1 ' || $3)::interval) AS bucket
     ),
     counted AS (
       SELECT date_trunc($3, created_at AT TIME ZONE 'UTC') AS bucket,
              count(*) FILTER (WHERE tag = 'HOT')::int AS hot,
              count(*) FILTER (WHERE tag = 'WARM')::int AS warm,
              count(*) FILTER (WHERE tag = 'COLD')::int AS cold
         FROM leads
        WHERE created_at >= $1 AND created_at < $2
        GROUP BY 1
     )
     SELECT to_char(s.bucket, 'YYYY-MM-DD') AS bucket, coalesce(c.hot, 0) AS hot, coalesce(c.warm, 0) AS warm, coalesce(c.cold, 0) AS cold
       FROM series s LEFT JOIN counted c ON c.bucket = s.bucket
      ORDER BY s.bucket`,
    [from, to, bucket],
  );
  return r.map((x) => ({ bucket: String(x.bucket), HOT: num(x.hot), WARM: num(x.warm), COLD: num(x.cold) }));
}
