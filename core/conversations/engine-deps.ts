import type { EntityManager } from 'typeorm';
import type { IntegrationService } from '../integrations/integration.service';
import type { JobSystem } from '../jobs/job-system';
import type { OutboxEvent } from '../jobs/outbox';
import type { Logger } from '../logger';
import type { LiveEvent } from '../engine/engine.types';
import type { AgentNotifier } from '../ports/agent-notifier.port';
import type { CrmAdapter } from '../ports/crm-adapter.port';
import type { Store } from '../store/data-source';

/** What the conversation engine needs from the composition (create-engine.ts). */
export interface ConversationDeps {
  store: Store;
  jobs: JobSystem;
  live: { publish(event: Omit<LiveEvent, 'at'> & { at?: string }): void };
  integrations: IntegrationService;
  crmAdapters: readonly CrmAdapter[];
  notifiers: readonly AgentNotifier[];
  /** Injectable clock: quiet hours and follow-up decisions use it, never the database clock. */
  clock: () => Date;
  logger: Logger;
  publicUrl: string;
}

/** Live events collected inside a transaction and published once it committed. */
export type LiveNote = Omit<LiveEvent, 'at' | 'tenantId'>;

/** Turns a delay measured on the (possibly fake) engine clock into a real instant for the outbox. */
export function dueAt(deps: Pick<ConversationDeps, 'clock'>, until: Date): Date {
  return new Date(Date.now() + Math.max(0, until.getTime() - deps.clock().getTime()));
}

/** Publishes outbox events in the caller's transaction. */
export function publish(deps: Pick<ConversationDeps, 'jobs'>, m: EntityManager, events: OutboxEvent[]): Promise<number> {
  return deps.jobs.outbox.publish(m, events);
}
