import type { JobDispatcher, JobQueue, QueuedJob } from '../ports/job-queue.port';

/**
 * The embedded default's queue: jobs run in this process. The outbox stays the record, so a crash
 * loses nothing: on restart the relay hands the still-pending rows out again.
 */
export class InProcessJobQueue implements JobQueue {
  readonly kind = 'in-process' as const;
  private readonly waiting = new Map<string, QueuedJob[]>();
  private readonly known = new Set<string>();
  private readonly consumers = new Map<string, { dispatch: JobDispatcher; concurrency: number; active: number }>();
  private closed = false;
  private idleWaiters: Array<() => void> = [];

  async enqueue(jobs: QueuedJob[]): Promise<void> {
    if (this.closed) throw new Error('queue is closed');
    for (const job of jobs) {
      if (this.known.has(job.id)) continue;
      this.known.add(job.id);
      const list = this.waiting.get(job.queue) ?? [];
      list.push(job);
      this.waiting.set(job.queue, list);
      this.pump(job.queue);
    }
  }

  async consume(queue: string, dispatch: JobDispatcher, concurrency: number): Promise<void> {
    this.consumers.set(queue, { dispatch, concurrency, active: 0 });
    this.pump(queue);
  }

  async depth(): Promise<number> {
    let n = 0;
    for (const list of this.waiting.values()) n += list.length;
    for (const c of this.consumers.values()) n += c.active;
    return n;
  }

  async ping(): Promise<boolean> {
    return !this.closed;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.waiting.clear();
    if ([...this.consumers.values()].every((c) => c.active === 0)) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  private pump(queue: string): void {
    const consumer = this.consumers.get(queue);
    const list = this.waiting.get(queue);
    if (!consumer || !list) return;
    while (consumer.active < consumer.concurrency && list.length > 0 && !this.closed) {
      const job = list.shift()!;
      consumer.active++;
      // Run on a later tick so enqueue() returns before work starts, as with a real queue.
      setImmediate(() => {
        consumer
          .dispatch(job)
          .catch(() => undefined)
          .finally(() => {
            consumer.active--;
            this.known.delete(job.id);
            if (this.closed && [...this.consumers.values()].every((c) => c.active === 0)) {
              for (const w of this.idleWaiters.splice(0)) w();
            }
            this.pump(queue);
          });
      });
    }
  }
}
