import { ChannelPacer } from './channel-pacer';

function clock() {
  let now = 0;
  const sleeps: number[] = [];
  return {
    now: () => now,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      now += ms;
    },
    sleeps,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

describe('ChannelPacer', () => {
  it('spaces calls to one channel at least the interval apart, in order', async () => {
    const c = clock();
    const pacer = new ChannelPacer({ intervalMs: 1000, now: c.now, sleep: c.sleep });
    const at: Array<[string, number]> = [];
    await Promise.all([1, 2, 3].map((i) => pacer.run('C1', async () => at.push([`m${i}`, c.now()]))));
    expect(at).toEqual([
      ['m1', 0],
      ['m2', 1000],
      ['m3', 2000],
    ]);
  });

  it('does not hold one channel back for another', async () => {
    const c = clock();
    const pacer = new ChannelPacer({ intervalMs: 1000, now: c.now, sleep: c.sleep });
    await Promise.all([pacer.run('C1', async () => 1), pacer.run('C2', async () => 2)]);
    expect(c.sleeps).toEqual([]);
  });

  it("sits out a 429 for its Retry-After, then retries; the channel's next call waits behind it", async () => {
    const c = clock();
    const pacer = new ChannelPacer({ intervalMs: 1000, now: c.now, sleep: c.sleep });
    let calls = 0;
    const first = pacer.run('C1', async () => {
      calls += 1;
      if (calls === 1) throw Object.assign(new Error('rate limited'), { code: 'slack_webapi_rate_limited_error', retryAfter: 7 });
      return 'ok';
    });
    const second = pacer.run('C1', async () => c.now());
    expect(await first).toBe('ok');
    expect(calls).toBe(2);
    expect(c.sleeps[0]).toBe(7000);
    expect(await second).toBeGreaterThanOrEqual(8000);
  });

  it('gives up after the configured 429 retries and passes other errors straight through', async () => {
    const c = clock();
    const pacer = new ChannelPacer({ intervalMs: 0, now: c.now, sleep: c.sleep, maxRateLimitRetries: 1 });
    const limited = () => Promise.reject(Object.assign(new Error('rl'), { code: 'slack_webapi_rate_limited_error', retryAfter: 1 }));
    await expect(pacer.run('C1', limited)).rejects.toThrow('rl');
    await expect(pacer.run('C1', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    // A failure does not block later calls.
    expect(await pacer.run('C1', async () => 'after')).toBe('after');
  });
});
