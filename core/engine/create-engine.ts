import type { EntityManager } from 'typeorm';
import { AgentService } from '../agents/agent.service';
import { CaptureService } from '../capture/capture.service';
import { FormService } from '../capture/form.service';
import { AnalyticsService } from '../analytics/analytics.service';
import { createConversationEngine } from '../conversations/conversation-engine';
import { BullMqJobQueue } from '../jobs/bullmq.job-queue';
import { InProcessJobQueue } from '../jobs/in-process.job-queue';
import { JobSystem } from '../jobs/job-system';
import type { JobOutcome } from '../jobs/job-runner';
import { IntegrationService } from '../integrations/integration.service';
import { LiveBus } from '../live/live-bus';
import { silentLogger, type Logger } from '../logger';
import type { AgentNotifier } from '../ports/agent-notifier.port';
import type { CrmAdapter } from '../ports/crm-adapter.port';
import type { JobQueue } from '../ports/job-queue.port';
import { openStore, type Store, type StoreOptions } from '../store/data-source';
import { SecretBox } from '../store/secret-box';
import { ApiKeyService } from '../tenants/api-key.service';
import { TenantService } from '../tenants/tenant.service';

export type ProcessRole = 'all' | 'api' | 'worker';

export interface EngineConfig {
  store: StoreOptions;
  /** BullMQ + Redis pub/sub when set; in-process queue otherwise. */
  redisUrl?: string;
  /** 32-byte key sealing integration secrets. */
  secretKey: Buffer;
  /** Public base URL of this deployment (webhook URLs, signatures, manifests). */
  publicUrl: string;
  logger?: Logger;
  /** Injectable clock for quiet hours and follow-ups in tests. */
  clock?: () => Date;
  jobs?: {
    concurrency?: number;
    pollMs?: number;
    leaseMs?: number;
    queuePrefix?: string;
    /** Override the queue transport (tests). */
    queue?: JobQueue;
    backoffMs?: (attempt: number) => number;
    /** Finished outbox rows older than this are deleted by worker processes (default 7 days). */
    outboxRetentionMs?: number;
  };
  /** Observers for metrics. */
  onJobOutcome?: (topic: string, outcome: JobOutcome, durationMs: number) => void;
}

/**
 * The composition root of core: opens the store, builds the job system and the services, and exposes
 * the engine's commands and queries. Adapters (SMS, AI, CRM, notifiers) plug in through ports.
 */
export async function createEngine(config: EngineConfig) {
  const logger = config.logger ?? silentLogger;
  const clock = config.clock ?? (() => new Date());
  const store: Store = await openStore(config.store);
  const box = new SecretBox(config.secretKey);
  const queue =
    config.jobs?.queue ??
    (config.redisUrl
      ? new BullMqJobQueue({ redisUrl: config.redisUrl, prefix: config.jobs?.queuePrefix, logger })
      : new InProcessJobQueue());
  const jobs = new JobSystem({
    store,
    queue,
    concurrency: config.jobs?.concurrency,
    relay: { pollMs: config.jobs?.pollMs, leaseMs: config.jobs?.leaseMs, logger },
    runner: { logger, onOutcome: config.onJobOutcome, backoffMs: config.jobs?.backoffMs },
    retention: { doneAfterMs: config.jobs?.outboxRetentionMs },
  });
  const live = new LiveBus(config.redisUrl);
  const apiKeys = new ApiKeyService(store);
  const tenants = new TenantService(store, apiKeys);
  const agents = new AgentService(store);
  const integrations = new IntegrationService(store, box);
  const crmAdapters: CrmAdapter[] = [];
  const notifiers: AgentNotifier[] = [];
  const conversationEngine = createConversationEngine({
    store,
    jobs,
    live: { publish: live.publish.bind(live) },
    integrations,
    crmAdapters,
    notifiers,
    clock,
    logger,
    publicUrl: config.publicUrl,
  });

  const forms = new FormService(store);
  const capture = new CaptureService({ store, jobs, forms, live: { publish: live.publish.bind(live) }, clock, logger });

  /** Runs tenant work whose outbox events should be dispatched right after commit. */
  async function tenantTx<T>(tenantId: string, work: (m: EntityManager) => Promise<T>): Promise<T> {
    const result = await store.tenant(tenantId, work);
    jobs.outbox.notifyCommitted();
    return result;
  }

  let started = false;
  const engine = {
    config,
    logger,
    clock,
    store,
    box,
    jobs,
    live: { subscribe: live.subscribe.bind(live), publish: live.publish.bind(live) },
    tenants,
    apiKeys,
    agents,
    integrations,
    crmAdapters,
    notifiers,
    tenantTx,
    /** Views, agent commands and lists (EngineCommon['conversations']). */
    conversations: conversationEngine.conversations,
    leads: conversationEngine.leads,
    /** SMS in (webhooks, simulated phone), delivery updates, provider wiring. */
    messaging: conversationEngine.messaging,
    useAiPipeline: conversationEngine.useAiPipeline,
    /** Capture forms: CRUD for staff (audited, versioned) and the public reads the widget needs. */
    forms,
    /** One form submission → lead, consent proof, first score, conversation and `lead.captured` (see CaptureService). */
    capture: capture.capture.bind(capture),
    /** Console analytics: speed to lead, response rate, who sent, decisions, leads by tag. */
    analytics: new AnalyticsService(store),
    registerCrmAdapter(adapter: CrmAdapter) {
      if (crmAdapters.some((a) => a.provider === adapter.provider)) throw new Error(`CRM adapter ${adapter.provider} registered twice`);
      crmAdapters.push(adapter);
      conversationEngine.addCrmAdapter(adapter);
    },
    registerNotifier(notifier: AgentNotifier) {
      if (notifiers.some((n) => n.name === notifier.name)) throw new Error(`notifier ${notifier.name} registered twice`);
      notifiers.push(notifier);
      conversationEngine.addNotifier(notifier);
    },
    /** Apply migrations (idempotent). */
    migrate: () => store.migrate(),
    /** Start background work for this process's role. */
    async start(role: ProcessRole = 'all') {
      if (started) return;
      started = true;
      await jobs.start({ relay: true, worker: role !== 'api' });
    },
    /** Graceful stop: no new jobs, in-flight jobs finish, connections close. */
    async stop() {
      await jobs.stop();
      await live.close();
      await store.close();
    },
    async ready(): Promise<{ database: boolean; queue: boolean }> {
      const [database, q] = await Promise.all([store.ping(), queue.ping()]);
      return { database, queue: q };
    },
  };
  return engine;
}

export type Engine = Awaited<ReturnType<typeof createEngine>>;
