import { Queue, Worker } from 'bullmq';
import IORedis from 'ioredis';
import type { JobDispatcher, JobQueue, QueuedJob } from '../ports/job-queue.port';

export interface BullMqOptions {
  redisUrl: string;
  /** Key prefix, so several deployments (or test runs) can share one Redis. */
  prefix?: string;
  logger?: { warn(obj: object, msg: string): void };
}

/**
 * BullMQ on Redis as the transport between the outbox relay and workers. Job ids derive from outbox ids
 * (`ob-<id>`: BullMQ refuses integer-like custom ids), so a
 * re-dispatch of a row still in Redis collapses onto the existing job. Redis here keeps nothing on
 * disk; the outbox lease re-dispatches whatever a Redis restart loses.
 */
export class BullMqJobQueue implements JobQueue {
  readonly kind = 'bullmq' as const;
  private readonly producer: IORedis;
  private readonly queues = new Map<string, Queue>();
  private readonly workers: Worker[] = [];
  private readonly workerConnections: IORedis[] = [];
  private readonly prefix: string;

  constructor(private readonly options: BullMqOptions) {
    this.prefix = options.prefix ?? 'tandem';
    // Fail fast while Redis is down: the relay then leaves rows pending instead of hanging.
    this.producer = new IORedis(options.redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: false });
    this.producer.on('error', () => undefined);
  }

  private queue(name: string): Queue {
    let q = this.queues.get(name);
    if (!q) {
      q = new Queue(name, { connection: this.producer, prefix: this.prefix });
      q.on('error', () => undefined);
      this.queues.set(name, q);
    }
    return q;
  }

  async enqueue(jobs: QueuedJob[]): Promise<void> {
    if (this.producer.status !== 'ready') throw new Error(`redis not ready (${this.producer.status})`);
    const byQueue = new Map<string, QueuedJob[]>();
    for (const job of jobs) byQueue.set(job.queue, [...(byQueue.get(job.queue) ?? []), job]);
    await Promise.all(
      [...byQueue].map(([name, list]) =>
        this.queue(name).addBulk(
          list.map((job) => ({
            name: job.name,
            data: {},
            opts: { jobId: `ob-${job.id}`, removeOnComplete: true, removeOnFail: true, attempts: 1 },
          })),
        ),
      ),
    );
  }

  async consume(queue: string, dispatch: JobDispatcher, concurrency: number): Promise<void> {
    const connection = new IORedis(this.options.redisUrl, { maxRetriesPerRequest: null });
    connection.on('error', () => undefined);
    this.workerConnections.push(connection);
    const worker = new Worker(
      queue,
      async (job) => {
        await dispatch({ id: job.id!.replace(/^ob-/, ''), name: job.name, queue });
      },
      { connection, concurrency, prefix: this.prefix, stalledInterval: 5000, maxStalledCount: 5 },
    );
    worker.on('error', (err) => this.options.logger?.warn({ err: err.message, queue }, 'bullmq worker error'));
    this.workers.push(worker);
    await worker.waitUntilReady();
  }

  async depth(): Promise<number> {
    if (this.producer.status !== 'ready') return 0;
    const counts = await Promise.all(
      [...this.queues.values()].map((q) => q.getJobCounts('waiting', 'active', 'delayed', 'prioritized')),
    );
    return counts.reduce((sum, c) => sum + Object.values(c).reduce((a, b) => a + b, 0), 0);
  }

  async ping(): Promise<boolean> {
    try {
      return (await this.producer.ping()) === 'PONG';
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    // Worker.close() waits for the jobs in flight: this is the graceful drain.
    await Promise.all(this.workers.map((w) => w.close()));
    await Promise.all([...this.queues.values()].map((q) => q.close()));
    await Promise.all(this.workerConnections.map((c) => c.quit().catch(() => c.disconnect())));
    await this.producer.quit().catch(() => this.producer.disconnect());
  }
}
