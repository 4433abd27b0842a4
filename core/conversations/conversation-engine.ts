import type { EntityManager } from 'typeorm';
import { createAiPipeline } from '../ai/ai.pipeline';
import { createOfflineLanguageModel } from '../ai/models/offline.language-model';
import type { ConversationView, LeadSummary } from '../domain/conversation-view';
import type { Tag } from '../domain/types';
import type { ActionCommand, ConversationFilter, ConversationListItem, LeadRef, Page, StartConversationInput, StartConversationResult } from '../engine/engine.types';
import { TandemError } from '../errors/tandem-error';
import { crmSyncJob } from '../crm/crm-sync.job';
import { followUpJob } from '../followups/followup.job';
import { receiveInbound, type InboundResult, type InboundSms } from '../messaging/inbound.service';
import { reconcileJob, sweepStuckSends, SWEEP_EVERY_MS } from '../messaging/reconcile.job';
import { sendJob, type SmsProviderResolver } from '../messaging/send.job';
import { statusLookupJob, sweepLostStatuses } from '../messaging/status-lookup.job';
import { statusJob, type StatusPayload } from '../messaging/status.job';
import { notifyJob } from '../notify/notify.job';
import type { AgentNotifier } from '../ports/agent-notifier.port';
import type { AiPipeline } from '../ports/ai-pipeline.port';
import type { CrmAdapter } from '../ports/crm-adapter.port';
import { SmsProviderError } from '../ports/sms-provider.port';
import { twilioSigningKeysOf, type TwilioSigningKey } from '../sms/providers/twilio/twilio-signature';
import { serverPhoneParser } from '../forms/phone-metadata';
import { isUuid } from '../store/data-source';
import { one, rows } from '../store/sql';
import { aiTurnJob, openerJob } from './ai-turn.job';
import { runCommand } from './conversation-commands';
import { startConversation } from './start-conversation';
import { getLeadRow, listConversations, loadLeadSummary, loadView, notFoundConversation, tenantSettings, type LeadRow } from './conversation-view.query';
import type { ConversationDeps } from './engine-deps';
import { maskPhone } from './phone-mask';

export interface LeadListItem {
  id: string;
  name: string;
  phoneMasked: string;
  email: string | null;
  tag: Tag;
  score: number;
  optedOut: boolean;
  conversationId: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface LeadDetail extends LeadSummary {
  conversationIds: string[];
  createdAt: string;
}

/**
 * Where the server sends a Twilio webhook for verification: the tenant, its auth token and the SharedKeys its
 * connection holds (for webhooks Twilio signs with a key: see twilio-signature.ts).
 */
export interface TwilioRoute {
  tenantId: string;
  authToken: string;
  signingKeys: TwilioSigningKey[];
}

const noProvider: SmsProviderResolver = async () => {
  throw new SmsProviderError('No SMS provider is configured for this tenant', 'no_provider', false);
};

/**
 * The conversation engine: the view, agent commands, SMS in and out, the AI turn and opener, follow-ups,
 * and the fan-out jobs (CRM sync, notifiers). Registers its job handlers on the engine's job system.
 */
export function createConversationEngine(deps: ConversationDeps) {
  let pipeline: AiPipeline = createAiPipeline({ model: createOfflineLanguageModel(), clock: deps.clock });
  let resolver: SmsProviderResolver = noProvider;
  const registry = deps.jobs.registry;
  registry.register(sendJob(deps, () => resolver));
  registry.register(statusJob(deps));
  registry.register(reconcileJob(deps, () => resolver));
  registry.register(statusLookupJob(deps, () => resolver));
  // Both sweeps every minute; one failing does not keep the other from running.
  deps.jobs.every('sms.sweep', SWEEP_EVERY_MS, async () => {
    const failed = (await Promise.allSettled([sweepStuckSends(deps), sweepLostStatuses(deps)])).find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
  });
  registry.register(aiTurnJob(deps, () => pipeline));
  registry.register(openerJob(deps, () => pipeline));
  registry.register(followUpJob(deps));

  // Short cache: Twilio webhooks arrive in bursts for the same number; a changed token is seen within seconds,
  // and at once in the process that made the change (connect, pause, disconnect).
  const routeCache = new Map<string, { route: TwilioRoute | null; at: number }>();
  const ROUTE_TTL_MS = 10_000;
  deps.integrations.onChange((kind) => {
    if (kind === 'twilio') routeCache.clear();
  });

  const conversations = {
    list(tenantId: string, filter: ConversationFilter): Promise<Page<ConversationListItem>> {
      return deps.store.tenant(tenantId, (m) => listConversations(m, filter));
    },
    view(tenantId: string, conversationId: string): Promise<ConversationView> {
      if (!isUuid(conversationId)) return Promise.reject(notFoundConversation());
      return deps.store.tenant(tenantId, (m) => loadView(m, conversationId, deps.clock()));
    },
    async viewForLead(tenantId: string, ref: LeadRef): Promise<ConversationView | null> {
      return deps.store.tenant(tenantId, async (m) => {
        const leadId = await findLeadId(m, ref);
        if (!leadId) return null;
        const c = await one<{ id: string }>(m, `SELECT id FROM conversations WHERE lead_id = $1 ORDER BY created_at DESC, id DESC LIMIT 1`, [leadId]);
        return c ? loadView(m, c.id, deps.clock()) : null;
      });
    },
    act(tenantId: string, conversationId: string, command: ActionCommand): Promise<ConversationView> {
      return runCommand(deps, tenantId, conversationId, command);
    },
    start(tenantId: string, input: StartConversationInput): Promise<StartConversationResult> {
      return startConversation(deps, tenantId, input);
    },
  };

  const leads = {
    async find(tenantId: string, ref: LeadRef): Promise<LeadSummary | null> {
      return deps.store.tenant(tenantId, async (m) => {
        const leadId = await findLeadId(m, ref);
        const lead = leadId ? await getLeadRow(m, leadId) : null;
        return lead ? loadLeadSummary(m, lead, await tenantSettings(m)) : null;
      });
    },
    async list(tenantId: string, filter: { tag?: Tag; optedOut?: boolean; limit?: number; cursor?: string } = {}): Promise<Page<LeadListItem>> {
      const limit = Math.min(Math.max(filter.limit ?? 25, 1), 100);
      return deps.store.tenant(tenantId, async (m) => {
        const where: string[] = [];
        const params: unknown[] = [];
        if (filter.tag) {
          params.push(filter.tag);
          where.push(`l.tag = $${params.length}`);
        }
        if (filter.optedOut !== undefined) {
          params.push(filter.optedOut);
          where.push(`l.opted_out = $${params.length}`);
        }
        if (filter.cursor) {
          const [at, id] = Buffer.from(filter.cursor, 'base64url').toString('utf8').split('|');
          if (!at || !isUuid(id) || !/^\d{4}-\d{2}-\d{2} [\d:.]+[+-][\d:]+$/.test(at)) {
            throw new TandemError('request.invalid', 'The cursor is not valid; start again without it', 422, { fields: { cursor: 'not a cursor from this API' } });
          }
          params.push(at, id);
          where.push(`(l.created_at, l.id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
        }
        params.push(limit + 1);
        const r = await rows<LeadRow & { created_key: string; conversation_id: string | null }>(
          m,
          `SELECT l.*, l.created_at::text AS created_key,
                  (SELECT id FROM conversations c WHERE c.lead_id = l.id ORDER BY c.created_at DESC LIMIT 1) AS conversation_id
             FROM leads l ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
            ORDER BY l.created_at DESC, l.id DESC LIMIT $${params.length}`,
          params,
        );
        const page = r.slice(0, limit);
        const last = page[page.length - 1];
        return {
          items: page.map((l) => ({
            id: l.id,
            name: [l.first_name, l.last_name].filter(Boolean).join(' ') || maskPhone(l.phone),
            phoneMasked: maskPhone(l.phone),
            email: l.email,
            tag: l.tag,
            score: l.score,
            optedOut: l.opted_out,
            conversationId: l.conversation_id,
            createdAt: new Date(l.created_at).toISOString(),
            updatedAt: new Date(l.updated_at).toISOString(),
          })),
          nextCursor: r.length > limit && last ? Buffer.from(`${last.created_key}|${last.id}`).toString('base64url') : null,
        };
      });
    },
    async get(tenantId: string, leadId: string): Promise<LeadDetail> {
      const notFound = new TandemError('lead.not_found', 'Lead not found', 404);
      if (!isUuid(leadId)) throw notFound;
      return deps.store.tenant(tenantId, async (m) => {
        const lead = await getLeadRow(m, leadId);
        if (!lead) throw notFound;
        const summary = await loadLeadSummary(m, lead, await tenantSettings(m));
        const convs = await rows<{ id: string }>(m, `SELECT id FROM conversations WHERE lead_id = $1 ORDER BY created_at DESC`, [leadId]);
        return { ...summary, conversationIds: convs.map((c) => c.id), createdAt: new Date(lead.created_at).toISOString() };
      });
    },
  };

  const messaging = {
    /** Stores one inbound text (idempotent on its provider id) and handles keywords; see `receiveInbound`. */
    receive(input: InboundSms): Promise<InboundResult> {
      return receiveInbound(deps, input);
    },
    /** Queues a delivery update for the status job. */
    async recordStatus(tenantId: string, update: StatusPayload): Promise<void> {
      await deps.store.tenant(tenantId, (m) => deps.jobs.outbox.publish(m, [{ type: 'sms.status', tenantId, payload: { ...update } }]));
      deps.jobs.outbox.notifyCommitted();
    },
    /** The tenant that owns one of our numbers (system scope: the number arrives before any tenant is known). */
    async tenantForNumber(e164: string): Promise<string | null> {
      const r = await deps.store.system((m) => one<{ tenant_id: string }>(m, `SELECT tenant_id FROM phone_numbers WHERE e164 = $1`, [e164]));
      return r?.tenant_id ?? null;
    },
    /**
     * Which tenant a Twilio webhook is for and the auth token to verify it with: by our number, else by the
     * account SID. Null when no tenant has a Twilio integration for it. Answers are remembered for 10 s (changes
     * made in this process clear them at once); `fresh` reads the database instead, for an answer that failed.
     */
    async twilioRoute(numbers: Array<string | undefined>, accountSid?: string, options: { fresh?: boolean } = {}): Promise<TwilioRoute | null> {
      const key = `${numbers.join(',')}|${accountSid ?? ''}`;
      const hit = options.fresh ? undefined : routeCache.get(key);
      if (hit && Date.now() - hit.at < ROUTE_TTL_MS) return hit.route;
      let tenantId: string | null = null;
      for (const n of numbers) if (!tenantId && n) tenantId = await messaging.tenantForNumber(n);
      if (!tenantId && accountSid) tenantId = await deps.integrations.findTenant('twilio', accountSid);
      let route: TwilioRoute | null = null;
      if (tenantId) {
        const integration = await deps.integrations.get(tenantId, 'twilio');
        const token = integration?.enabled ? integration.config.authToken : null;
        if (typeof token === 'string' && token) route = { tenantId, authToken: token, signingKeys: twilioSigningKeysOf(integration?.config) };
      }
      if (routeCache.size > 10_000) routeCache.clear();
      routeCache.set(key, { route, at: Date.now() });
      return route;
    },
    /** The tenant that owns a Tandem message id (console delivery updates carry only that). */
    async tenantForMessage(messageId: string): Promise<string | null> {
      if (!isUuid(messageId)) return null;
      const r = await deps.store.system((m) => one<{ tenant_id: string }>(m, `SELECT tenant_id FROM messages WHERE id = $1`, [messageId]));
      return r?.tenant_id ?? null;
    },
    /** The tenant's first number (the simulated phone texts it), or null; inside `m` when given. */
    async numberFor(tenantId: string, m?: EntityManager): Promise<string | null> {
      const read = (tx: EntityManager) => one<{ e164: string }>(tx, `SELECT e164 FROM phone_numbers ORDER BY created_at LIMIT 1`);
      const r = m ? await read(m) : await deps.store.tenant(tenantId, read);
      return r?.e164 ?? null;
    },
    /**
     * Hands texts stuck in `sending` without the provider's answer to `sms.reconcile` (workers also do this
     * every minute). Returns how many.
     */
    sweepStuckSends(olderThanMs?: number): Promise<number> {
      return sweepStuckSends(deps, olderThanMs);
    },
    /**
     * Hands texts the provider took whose status callback never came to `sms.status-lookup`, which asks the
     * provider (workers also do this every minute). Returns how many.
     */
    sweepLostStatuses(olderThanMs?: number): Promise<number> {
      return sweepLostStatuses(deps, olderThanMs);
    },
    /** Sets how texts leave (the server wires console / Twilio per tenant). */
    useProviders(next: SmsProviderResolver): void {
      resolver = next;
    },
  };

  return {
    conversations,
    leads,
    messaging,
    /** Swaps the AI pipeline (the server passes the OpenAI-backed one when OPENAI_API_KEY is set). */
    useAiPipeline(next: AiPipeline): void {
      pipeline = next;
    },
    get aiPipeline(): AiPipeline {
      return pipeline;
    },
    /** Called when a connector registers a CRM adapter: one sync job per CRM. */
    addCrmAdapter(adapter: CrmAdapter): void {
      registry.register(crmSyncJob(deps, adapter));
    },
    /** Called when a connector registers a notifier: one notify job per notifier. */
    addNotifier(notifier: AgentNotifier): void {
      registry.register(notifyJob(deps, notifier));
    },
  };
}

export type ConversationEngine = ReturnType<typeof createConversationEngine>;

/** The lead a surface points at: by Tandem id, CRM record, email, then phone (normalised to E.164, a national number in the tenant's default country). */
async function findLeadId(m: EntityManager, ref: LeadRef): Promise<string | null> {
  let lead: { id: string } | null = null;
  if (ref.leadId && isUuid(ref.leadId)) lead = await one(m, `SELECT id FROM leads WHERE id = $1`, [ref.leadId]);
  if (!lead && ref.crm) {
    lead = await one(m, `SELECT lead_id AS id FROM crm_links WHERE provider = $1 AND external_id = $2 LIMIT 1`, [ref.crm.provider, ref.crm.externalId]);
  }
  if (!lead && ref.email) lead = await one(m, `SELECT id FROM leads WHERE email_lower = lower($1) ORDER BY created_at DESC LIMIT 1`, [ref.email]);
  if (!lead && ref.phone) {
    const country = ref.phone.trim().startsWith('+') ? 'US' : (await tenantSettings(m)).defaultPhoneCountry;
    lead = await one(m, `SELECT id FROM leads WHERE phone = $1`, [asE164(ref.phone, country)]);
  }
  return lead?.id ?? null;
}

/** A CRM's phone as people type it ("(212) 555-0142"), as Tandem stores it; a national number in `country`. */
function asE164(phone: string, country: string): string {
  const checked = serverPhoneParser().check(phone, country);
  return checked.kind === 'valid' ? checked.e164 : phone;
}
