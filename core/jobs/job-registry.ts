import type { EntityManager } from 'typeorm';
import type { IntegrationKind } from '../domain/types';

/** An event as it travels through the outbox to a handler. */
export interface DomainEvent<P = Record<string, unknown>> {
  /** Outbox row id. Stable across redeliveries: use it for idempotency keys. */
  id: string;
  type: string;
  tenantId: string | null;
  payload: P;
  attempt: number;
}

export interface JobContext {
  /**
   * Mark this job done inside the caller's transaction, so the handler's writes and the completion
   * commit together (exactly-once effects for database work). Throws `job.already_done` when another
   * run already completed it; the transaction then rolls back.
   */
  complete(m: EntityManager): Promise<void>;
}

export interface JobHandler<P = Record<string, unknown>> {
  /** Unique name; also the job name on the queue. */
  name: string;
  /** Named queue it runs on. */
  queue: string;
  /** Event types that create a job for this handler. */
  events: string[];
  maxAttempts?: number;
  /**
   * The integration this handler works through. When the event's tenant has no enabled `integrations`
   * row of this kind, publishing writes no row for this handler (read in the publishing statement), so a
   * tenant without HubSpot pays nothing for HubSpot's job. If the integration goes away after that, the
   * relay marks the row done without queueing it (`last_error` says why); and the handler must still
   * check for itself, as it can be disabled between dispatch and run. Leave it unset when the handler may
   * run without such a row.
   */
  requiresIntegration?: IntegrationKind;
  handle(event: DomainEvent<P>, ctx: JobContext): Promise<void>;
}

/** All handlers by name, and which handlers an event fans out to. */
export class JobRegistry {
  private readonly handlers = new Map<string, JobHandler<any>>();

  register(handler: JobHandler<any>): void {
    if (this.handlers.has(handler.name)) throw new Error(`job handler "${handler.name}" registered twice`);
    this.handlers.set(handler.name, handler);
  }

  get(name: string): JobHandler | undefined {
    return this.handlers.get(name);
  }

  subscribers(eventType: string): JobHandler[] {
    return [...this.handlers.values()].filter((h) => h.events.includes(eventType));
  }

  /** Handler name → the integration it requires, for handlers that declare one. */
  integrationRequirements(): Array<{ topic: string; kind: IntegrationKind }> {
    const out: Array<{ topic: string; kind: IntegrationKind }> = [];
    for (const h of this.handlers.values()) if (h.requiresIntegration) out.push({ topic: h.name, kind: h.requiresIntegration });
    return out;
  }

  queues(): string[] {
    return [...new Set([...this.handlers.values()].map((h) => h.queue))];
  }
}
