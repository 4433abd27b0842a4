/**
 * Transport for jobs. PostgreSQL's outbox is the record; a queue only carries work to a worker, so a
 * lost queue (Redis restart) delays work and never drops it.
 */
export interface QueuedJob {
  /** Outbox event id: a deterministic job id, so a re-dispatch collapses onto the same job. */
  id: string;
  /** The handler this job is for. */
  name: string;
  /** Named queue (e.g. `sms`, `ai`, `crm`): each has its own workers and concurrency. */
  queue: string;
}

export type JobDispatcher = (job: QueuedJob) => Promise<void>;

export interface JobQueue {
  readonly kind: 'bullmq' | 'in-process';
  /** Hand jobs to workers. Must not throw for duplicates. */
  enqueue(jobs: QueuedJob[]): Promise<void>;
  /** Start consuming a named queue: `dispatch` is called for each job, at most `concurrency` at once. */
  consume(queue: string, dispatch: JobDispatcher, concurrency: number): Promise<void>;
  /** Jobs waiting or running (for /metrics). */
  depth(): Promise<number>;
  /** Stop taking jobs and wait for the ones in flight. */
  close(): Promise<void>;
  /** Is the transport reachable? (/readyz) */
  ping(): Promise<boolean>;
}
