/**
 * A small bounded map with per-entry expiry, for the hot public form paths (CORS checks, the public
 * definition, form → tenant). Bounded so a flood of made-up form ids cannot grow memory.
 */
export class TtlCache<V> {
  private readonly map = new Map<string, { value: V; expires: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 5_000,
    private readonly now: () => number = Date.now,
  ) {}

  get(key: string): V | undefined {
    const hit = this.map.get(key);
    if (!hit) return undefined;
    if (hit.expires <= this.now()) {
      this.map.delete(key);
      return undefined;
    }
    return hit.value;
  }

  set(key: string, value: V): void {
    this.map.delete(key);
    // Map keeps insertion order: the first key is the oldest.
    if (this.map.size >= this.maxEntries) this.map.delete(this.map.keys().next().value as string);
    this.map.set(key, { value, expires: this.now() + this.ttlMs });
  }

  delete(key: string): void {
    this.map.delete(key);
  }
}
