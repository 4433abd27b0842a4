import type { EntityManager } from 'typeorm';
import type { ConversationDeps } from '../conversations/engine-deps';
import type { JobHandler } from '../jobs/job-registry';
import { SmsProviderError, type SentSms } from '../ports/sms-provider.port';
import { one, rows } from '../store/sql';
import type { SmsProviderResolver } from './send.job';
import { applyStatus } from './status.job';

/** Which text to look up, by the provider id the sweep saw, and which lookup of that text this is (from 1). */
export interface StatusLookupPayload {
  messageId: string;
  providerMessageId: string;
  lookup: number;
}

/**
 * A text the provider took that is still `sending` this long after its answer (and this long after the last
 * lookup) is looked up. Status callbacks come within seconds when they come at all; a text may also wait in
 * Twilio's queue, but never past its validity period (36,000 s, ten hours, by default and at most), after
 * which Twilio fails it (30036). Half an hour apart, the lookups stay cheap for a text that really waits.
 */
export const STATUS_LOOKUP_AFTER_MS = 30 * 60_000;
/**
 * Lookups of one text before it is marked `status_unknown` instead: 24 half hours outlast the ten hours a
 * provider may keep it queued, so only a provider that cannot be asked gets this far.
 */
export const MAX_STATUS_LOOKUPS = 24;
/** The provider no longer holds the text (Twilio answers 404 for a deleted message): nothing to ask again. */
export const NOT_FOUND_AT_PROVIDER = 'provider_message_not_found';
export const STATUS_UNKNOWN = 'status_unknown';
const LOOKUP_ATTEMPTS = 3;
const LOOKUP_BACKOFF_MS = 15_000;
const SWEEP_BATCH = 100;

type Found = SentSms | null | { unknown: string };

/**
 * `sms.status-lookup`: asks the provider for a text whose status callback never came (callbacks are best
 * effort) and records the answer through the same path as a callback (`applyStatus`: only forward). A text
 * the provider no longer holds is marked `provider_message_not_found`, and the sweep asks no more. The
 * provider is called with no transaction open; a callback that lands meanwhile wins.
 */
export function statusLookupJob(deps: ConversationDeps, resolveProvider: () => SmsProviderResolver): JobHandler<StatusLookupPayload> {
  return {
    name: 'sms.status-lookup',
    queue: 'sms',
    events: ['sms.status-lookup'],
    maxAttempts: LOOKUP_ATTEMPTS,
    async handle(event, ctx) {
      const tenantId = event.tenantId!;
      const { messageId, providerMessageId, lookup } = event.payload;
      const msg = await deps.store.tenant(tenantId, (m) =>
        one<{ status: string; provider: string | null; provider_message_id: string | null }>(
          m,
          `SELECT status, provider, provider_message_id FROM messages WHERE id = $1::uuid`,
          [messageId],
        ),
      );
      if (!msg || msg.status !== 'sending' || msg.provider_message_id !== providerMessageId) return;

      let found: Found;
      try {
        const { provider } = await resolveProvider()(tenantId);
        found =
          msg.provider && msg.provider !== provider.name
            ? { unknown: `it went through ${msg.provider}, and this tenant now sends through ${provider.name}` }
            : await provider.fetchStatus(providerMessageId);
      } catch (error) {
        const final = event.attempt >= LOOKUP_ATTEMPTS || (error instanceof SmsProviderError && !error.retryable);
        if (!final) throw Object.assign(error instanceof Error ? error : new Error(String(error)), { retryAfterMs: LOOKUP_BACKOFF_MS * event.attempt });
        // The next sweep asks again; no dead letter for a provider that was down for a while.
        found = { unknown: `the SMS provider could not be asked (${error instanceof Error ? error.message : String(error)})` };
      }

      const changed = await deps.store.tenant(tenantId, async (m) => {
        let moved: { lead_id: string; conversation_id: string } | null = null;
        if (found === null) {
          moved = await markIfStillSending(m, messageId, providerMessageId, NOT_FOUND_AT_PROVIDER);
        } else if (!('unknown' in found)) {
          moved = (await applyStatus(deps, m, tenantId, { providerMessageId, status: found.status, errorCode: found.errorCode })) ?? null;
        }
        if (!moved && found !== null && lookup >= MAX_STATUS_LOOKUPS) moved = await markIfStillSending(m, messageId, providerMessageId, STATUS_UNKNOWN);
        await ctx.complete(m);
        return moved;
      });
      deps.jobs.outbox.notifyCommitted();
      if (found === null || (found && 'unknown' in found && lookup >= MAX_STATUS_LOOKUPS)) {
        const reason = found === null ? 'the provider no longer holds it' : found.unknown;
        deps.logger.warn({ tenantId, messageId, reason }, 'sms delivery status unknown; no more lookups');
      }
      if (changed) deps.live.publish({ tenantId, type: 'message.updated', conversationId: changed.conversation_id, leadId: changed.lead_id });
    },
  };
}

/**
 * Marks a text whose status cannot be learned, leaving its status as last known (the lead may well have it).
 * Only while no callback moved it meanwhile. `updated_at` is kept: the lookups' own schedule reads it.
 */
function markIfStillSending(m: EntityManager, messageId: string, providerMessageId: string, code: string) {
  return one<{ lead_id: string; conversation_id: string }>(
    m,
    `UPDATE messages SET error_code = $3
      WHERE id = $1::uuid AND provider_message_id = $2 AND status = 'sending'
      RETURNING lead_id, conversation_id`,
    [messageId, providerMessageId, code],
  );
}

/**
 * Hands texts the provider took but whose status callback never came (still `sending` `olderThanMs` after
 * the provider's answer and after their last lookup) to `sms.status-lookup`, at most `SWEEP_BATCH` a run,
 * across tenants. Safe in several processes at once: rows another sweep holds are skipped, and a swept row
 * is stamped (`meta.statusLookupAt`) so it is not due again for `olderThanMs`. Returns how many it handed over.
 */
export async function sweepLostStatuses(deps: Pick<ConversationDeps, 'store' | 'jobs'>, olderThanMs = STATUS_LOOKUP_AFTER_MS): Promise<number> {
  const swept = await deps.store.system(async (m) => {
    const due = await rows<{ id: string; tenant_id: string; provider_message_id: string; lookup: number }>(
      m,
      `WITH due AS (
         SELECT id FROM messages
          WHERE status = 'sending' AND provider_message_id IS NOT NULL AND direction = 'out'
            AND updated_at < clock_timestamp() - ($1::int * interval '1 millisecond')
            AND coalesce((meta->>'statusLookupAt')::timestamptz, updated_at) < clock_timestamp() - ($1::int * interval '1 millisecond')
            AND coalesce((meta->>'statusLookups')::int, 0) < $3
            AND error_code IS DISTINCT FROM '${NOT_FOUND_AT_PROVIDER}'
          ORDER BY updated_at LIMIT $2
            FOR UPDATE SKIP LOCKED)
       UPDATE messages msg
          SET meta = msg.meta || jsonb_build_object('statusLookupAt', clock_timestamp(), 'statusLookups', coalesce((msg.meta->>'statusLookups')::int, 0) + 1)
         FROM due
        WHERE msg.id = due.id
       RETURNING msg.id, msg.tenant_id, msg.provider_message_id, (msg.meta->>'statusLookups')::int AS lookup`,
      [olderThanMs, SWEEP_BATCH, MAX_STATUS_LOOKUPS],
    );
    if (due.length > 0) {
      await deps.jobs.outbox.publish(
        m,
        due.map((d) => ({ type: 'sms.status-lookup', tenantId: d.tenant_id, payload: { messageId: d.id, providerMessageId: d.provider_message_id, lookup: d.lookup } })),
      );
    }
    return due.length;
  });
  if (swept > 0) deps.jobs.outbox.notifyCommitted();
  return swept;
}
