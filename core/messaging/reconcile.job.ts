import type { ConversationDeps } from '../conversations/engine-deps';
import type { JobHandler } from '../jobs/job-registry';
import { SmsProviderError, type SentSms } from '../ports/sms-provider.port';
import { one, rows } from '../store/sql';
import { carrierOptOut, MAX_PROVIDER_ATTEMPTS, recordAnswer, type MessageRow, type SmsProviderResolver } from './send.job';

/**
 * Which try of a text to reconcile: `messages.meta.sendAttempt` when its outcome became unknown. A text
 * sent again since has a higher count, so a late or duplicate job for the old try does nothing.
 */
export interface ReconcilePayload {
  messageId: string;
  attempt: number;
}

/** A text still `sending` without the provider's answer this long after its try began is swept. */
export const STUCK_AFTER_MS = 5 * 60_000;
/** How often worker processes sweep. */
export const SWEEP_EVERY_MS = 60_000;
/** A text the provider still does not hold this long after the try began never reached it. */
export const ABSENT_AFTER_MS = 2 * 60_000;
/** Past this, a text that never went is not sent on its own: hours late it may no longer fit the conversation. */
export const RESEND_WITHIN_MS = 60 * 60_000;
/** The provider's clock and ours may disagree by this much. */
const CLOCK_SKEW_MS = 60_000;
/**
 * Tries at asking the provider before a person decides instead, `LOOKUP_BACKOFF_MS` × the try apart:
 * about four minutes in all, which rides out a short provider outage and ends before the sweep would
 * take the text up again.
 */
const LOOKUP_ATTEMPTS = 6;
const LOOKUP_BACKOFF_MS = 15_000;
const SWEEP_BATCH = 100;

interface Unanswered extends MessageRow {
  phone: string;
  provider_message_id: string | null;
  updated_at: Date;
}

const readUnanswered = (lock: boolean) =>
  `SELECT msg.id, msg.conversation_id, msg.lead_id, msg.body, msg.status, msg.meta, msg.provider_message_id, msg.updated_at, l.phone
     FROM messages msg JOIN leads l ON l.id = msg.lead_id
    WHERE msg.id = $1::uuid${lock ? ' FOR UPDATE OF msg' : ''}`;

const stillUnanswered = (row: Unanswered | null, attempt: number): row is Unanswered =>
  row !== null && row.status === 'sending' && row.provider_message_id === null && (row.meta.sendAttempt ?? 0) === attempt;

type Lookup = { kind: 'listed'; found: SentSms[]; provider: string } | { kind: 'undecided'; reason: string };

/**
 * `sms.reconcile`: settles a text whose send may or may not have reached the provider (a timeout, a
 * dropped connection, a 5xx, or a worker that died mid-send), without ever sending it twice:
 * - the provider holds it → its id and status are recorded as if the send had answered;
 * - it does not, shortly after the try → ask again once `ABSENT_AFTER_MS` have passed;
 * - it does not, after that → queued again; the send job re-runs the compliance gate, so a STOP still wins;
 * - the provider cannot be asked, or it is too late to send → failed with `outcome_unknown`, and the
 *   conversation needs a human, who is told why.
 */
export function reconcileJob(deps: ConversationDeps, resolveProvider: () => SmsProviderResolver): JobHandler<ReconcilePayload> {
  return {
    name: 'sms.reconcile',
    queue: 'sms',
    events: ['sms.reconcile'],
    maxAttempts: LOOKUP_ATTEMPTS,
    async handle(event, ctx) {
      const tenantId = event.tenantId!;
      const { messageId, attempt } = event.payload;
      const before = await deps.store.tenant(tenantId, (m) => one<Unanswered>(m, readUnanswered(false), [messageId]));
      if (!stillUnanswered(before, attempt)) return;
      const startedAt = new Date(before.meta.sendStartedAt ?? before.updated_at);

      let lookup: Lookup;
      try {
        const { provider, from } = await resolveProvider()(tenantId);
        const sentThrough = before.meta.sendProvider;
        lookup =
          sentThrough && sentThrough !== provider.name
            ? { kind: 'undecided', reason: `it went to ${sentThrough}, and this tenant now sends through ${provider.name}` }
            : {
                kind: 'listed',
                provider: provider.name,
                found: await provider.findSent({ to: before.phone, from, body: before.body, since: new Date(startedAt.getTime() - CLOCK_SKEW_MS) }),
              };
      } catch (error) {
        const final = event.attempt >= LOOKUP_ATTEMPTS || (error instanceof SmsProviderError && !error.retryable);
        if (!final) throw Object.assign(error instanceof Error ? error : new Error(String(error)), { retryAfterMs: LOOKUP_BACKOFF_MS * event.attempt });
        lookup = { kind: 'undecided', reason: `the SMS provider could not be asked (${error instanceof Error ? error.message : String(error)})` };
      }

      const publish = deps.jobs.outbox.publish.bind(deps.jobs.outbox);
      const settled = await deps.store.tenant(tenantId, async (m) => {
        // A carrier opt-out below locks the lead: take it before the message (docs/ARCHITECTURE.md, "Lock
        // order"), as the send job does, or the two could deadlock. Only when the provider reported one.
        if (lookup.kind === 'listed' && lookup.found.some((f) => f.errorCode === '21610')) {
          await m.query(`SELECT id FROM leads WHERE id = $1 FOR NO KEY UPDATE`, [before.lead_id]);
        }
        const msg = await one<Unanswered>(m, readUnanswered(true), [messageId]);
        if (!stillUnanswered(msg, attempt)) {
          await ctx.complete(m);
          return null;
        }
        let undecided = lookup.kind === 'undecided' ? lookup.reason : null;
        if (lookup.kind === 'listed' && lookup.found.length > 0) {
          // Another text of ours with the same body may be among them: never claim its id.
          const ids = lookup.found.map((f) => f.providerMessageId);
          const taken = new Set(
            (await rows<{ id: string }>(m, `SELECT provider_message_id AS id FROM messages WHERE provider_message_id = ANY($1::text[])`, [ids])).map((r) => r.id),
          );
          const mine = lookup.found.find((f) => !taken.has(f.providerMessageId));
          if (mine) {
            await recordAnswer(deps, m, tenantId, msg, msg.lead_id, msg.meta.kind ?? 'reply', { id: mine.providerMessageId, status: mine.status, provider: lookup.provider });
            await m.query(`UPDATE messages SET error_code = $2 WHERE id = $1`, [msg.id, mine.errorCode]);
            if (mine.errorCode === '21610') await carrierOptOut(deps, m, tenantId, msg.lead_id, msg.id);
            await ctx.complete(m);
            return { msg, outcome: 'found' as const };
          }
        }
        const age = Date.now() - startedAt.getTime();
        if (!undecided && age < ABSENT_AFTER_MS) {
          // Not there yet, but a slow request may still land: look again when it certainly would have.
          await publish(m, [{ type: 'sms.reconcile', tenantId, payload: { messageId, attempt }, availableAt: new Date(startedAt.getTime() + ABSENT_AFTER_MS) }]);
          await ctx.complete(m);
          return null;
        }
        if (!undecided && age > RESEND_WITHIN_MS) undecided = 'it never reached the SMS provider, and it is too late to send it on its own';
        if (!undecided && attempt + 1 >= MAX_PROVIDER_ATTEMPTS) undecided = `it never reached the SMS provider in ${attempt + 1} tries`;
        if (!undecided) {
          await m.query(
            `UPDATE messages SET status = 'queued', error_code = NULL, updated_at = clock_timestamp(),
                    meta = (meta - 'sendStartedAt' - 'sendProvider') || jsonb_build_object('sendAttempt', $2::int)
              WHERE id = $1`,
            [msg.id, attempt + 1],
          );
          await publish(m, [{ type: 'message.queued', tenantId, payload: { messageId } }]);
          await ctx.complete(m);
          return { msg, outcome: 'requeued' as const };
        }
        await m.query(`UPDATE messages SET status = 'failed', error_code = 'outcome_unknown', updated_at = clock_timestamp() WHERE id = $1`, [msg.id]);
        await m.query(
          `UPDATE conversations SET status = CASE WHEN status = 'closed' THEN status ELSE 'needs_human' END, version = version + 1, updated_at = clock_timestamp()
            WHERE id = $1`,
          [msg.conversation_id],
        );
        const reason = `Tandem could not tell whether a text reached the lead: ${undecided}. It is marked failed; check with the lead before sending it again.`;
        await publish(m, [{ type: 'conversation.notify', tenantId, payload: { kind: 'conversation.needs_decision', conversationId: msg.conversation_id, reason, messageId } }]);
        await ctx.complete(m);
        deps.logger.warn({ tenantId, messageId, reason: undecided }, 'sms outcome unknown; marked failed for a human to decide');
        return { msg, outcome: 'undecided' as const };
      });
      deps.jobs.outbox.notifyCommitted();
      if (!settled) return;
      const { msg } = settled;
      deps.live.publish({ tenantId, type: 'message.updated', conversationId: msg.conversation_id, leadId: msg.lead_id });
      if (settled.outcome === 'undecided') deps.live.publish({ tenantId, type: 'conversation.updated', conversationId: msg.conversation_id, leadId: msg.lead_id });
    },
  };
}

/**
 * Hands texts left `sending` without the provider's answer for `olderThanMs` (a worker died during the
 * send, or its answer was lost) to `sms.reconcile`, across tenants. Safe in several processes at once:
 * rows another sweep holds are skipped, and a swept row looks fresh for another `olderThanMs`. Returns
 * how many it handed over.
 */
export async function sweepStuckSends(deps: Pick<ConversationDeps, 'store' | 'jobs'>, olderThanMs = STUCK_AFTER_MS): Promise<number> {
  const swept = await deps.store.system(async (m) => {
    const stuck = await rows<{ id: string; tenant_id: string; attempt: number }>(
      m,
      `WITH stuck AS (
         SELECT id FROM messages
          WHERE status = 'sending' AND provider_message_id IS NULL AND direction = 'out'
            AND updated_at < clock_timestamp() - ($1::int * interval '1 millisecond')
          ORDER BY updated_at LIMIT $2
            FOR UPDATE SKIP LOCKED)
       UPDATE messages msg
          SET meta = msg.meta || jsonb_build_object('sendStartedAt', coalesce(msg.meta->'sendStartedAt', to_jsonb(msg.updated_at))),
              updated_at = clock_timestamp()
         FROM stuck
        WHERE msg.id = stuck.id
       RETURNING msg.id, msg.tenant_id, coalesce((msg.meta->>'sendAttempt')::int, 0) AS attempt`,
      [olderThanMs, SWEEP_BATCH],
    );
    if (stuck.length > 0) {
      await deps.jobs.outbox.publish(
        m,
        stuck.map((s) => ({ type: 'sms.reconcile', tenantId: s.tenant_id, payload: { messageId: s.id, attempt: s.attempt } })),
      );
    }
    return stuck.length;
  });
  if (swept > 0) deps.jobs.outbox.notifyCommitted();
  return swept;
}
