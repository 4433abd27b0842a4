import { Latest } from './latest';

/** A request whose answer the test releases when it chooses, to play the network answering out of order. */
function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('Latest', () => {
  it('applies the newest request’s answer even when an older one arrives after it', async () => {
    const latest = new Latest();
    const shown: string[] = [];
    const older = deferred<string>();
    const newer = deferred<string>();
    const first = latest.run(() => older.promise, (v) => shown.push(v), () => shown.push('error'));
    const second = latest.run(() => newer.promise, (v) => shown.push(v), () => shown.push('error'));
    newer.resolve('filtered: none');
    await second;
    older.resolve('unfiltered: one');
    await first;
    expect(shown).toEqual(['filtered: none']);
  });

  it('applies each answer when requests do not overlap', async () => {
    const latest = new Latest();
    const shown: number[] = [];
    await latest.run(async () => 1, (v) => shown.push(v), () => undefined);
    await latest.run(async () => 2, (v) => shown.push(v), () => undefined);
    expect(shown).toEqual([1, 2]);
  });

  it('reports the newest request’s error and drops a stale one', async () => {
    const latest = new Latest();
    const errors: unknown[] = [];
    const older = deferred<number>();
    const first = latest.run(() => older.promise, () => undefined, (e) => errors.push(e));
    const second = latest.run(() => Promise.reject(new Error('newest failed')), () => undefined, (e) => errors.push(e));
    await second;
    older.reject(new Error('stale failed'));
    await first;
    expect(errors.map((e) => (e as Error).message)).toEqual(['newest failed']);
  });
});
