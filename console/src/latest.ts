/**
 * Keeps a view on its newest request. The console refetches on every live event and on every filter change, so
 * two requests for the same view are often in flight; the network may answer them in either order. Without
 * this, an older answer arriving last (the list before a filter changed, the conversation before an action's
 * result, the previous conversation after the agent picked another) overwrites the newer one on screen.
 */
export class Latest {
  private issued = 0;

  /** Runs `fetch`; hands its value to `apply` (or its error to `fail`) only if no later run began meanwhile. */
  async run<T>(fetch: () => Promise<T>, apply: (value: T) => void, fail: (err: unknown) => void): Promise<void> {
    const mine = ++this.issued;
    try {
      const value = await fetch();
      if (mine === this.issued) apply(value);
    } catch (err) {
      if (mine === this.issued) fail(err);
    }
  }
}
