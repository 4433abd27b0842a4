/**
 * Collects calls made in the same tick and serves them with one batched call. Jobs run concurrently,
 * so per-job bookkeeping (load the outbox row, mark it done) becomes one query per batch, not per job.
 */
export class MicroBatcher<K, V> {
  private pending: Array<{ key: K; resolve: (v: V | undefined) => void; reject: (e: unknown) => void }> = [];
  private scheduled = false;

  constructor(
    private readonly run: (keys: K[]) => Promise<Map<K, V>>,
    private readonly maxBatch = 500,
  ) {}

  load(key: K): Promise<V | undefined> {
    return new Promise((resolve, reject) => {
      this.pending.push({ key, resolve, reject });
      if (this.pending.length >= this.maxBatch) this.flush();
      else if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const batch = this.pending.splice(0);
    if (batch.length === 0) return;
    this.run([...new Set(batch.map((b) => b.key))]).then(
      (result) => batch.forEach((b) => b.resolve(result.get(b.key))),
      (err) => batch.forEach((b) => b.reject(err)),
    );
  }
}
