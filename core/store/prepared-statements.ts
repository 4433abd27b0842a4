import pg from 'pg';

/** How many distinct statements one connection keeps prepared; past that, statements run unnamed as before. */
export const PREPARED_PER_CONNECTION = 250;

/**
 * A pg client that prepares every parameterised statement once per connection and reuses it: PostgreSQL
 * then parses, analyses and applies row-level security rewriting once, not on every execution, and the
 * client sends Bind/Execute only. Names are per connection, so a statement text maps to one name there.
 * Statements without parameters (BEGIN, COMMIT, DDL) and texts past the cap stay unnamed.
 *
 * The gain is mostly planning: after five executions PostgreSQL may keep one generic plan, and our RLS-heavy
 * statements cost about a millisecond to plan (forcing custom plans halved capture throughput in bench:capture).
 * The price: a generic plan made before a table was ever analysed assumes the table is tiny, and stays until
 * the next ANALYZE invalidates it. Autovacuum analyses after 50 changed rows but visits a database at most
 * once a minute, so a brand-new database filling very fast (a bulk import in its first minute) can run poor
 * plans for that minute. A database in service has statistics; the benches ANALYZE after their warm-up.
 */
export class PreparingClient extends pg.Client {
  private readonly names = new Map<string, string>();

  override query(config: unknown, values?: unknown, callback?: unknown): any {
    if (typeof config === 'string' && Array.isArray(values) && values.length > 0) {
      let name = this.names.get(config);
      if (name === undefined && this.names.size < PREPARED_PER_CONNECTION) {
        name = `tandem_${this.names.size + 1}`;
        this.names.set(config, name);
      }
      if (name !== undefined) return (super.query as (...args: unknown[]) => unknown)({ name, text: config, values }, callback);
    }
    return (super.query as (...args: unknown[]) => unknown)(config, values, callback);
  }
}
