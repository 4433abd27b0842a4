import pg from 'pg';

type Submittable = { text?: string; submit(connection: object): unknown; handleReadyForQuery(connection: object): void };

/**
 * Counts PostgreSQL round trips of tenant transactions while `work` runs, as written to the wire: a query the
 * client writes while an earlier one is still unanswered on that connection rides in the same trip (the
 * client pipelines); only one written to a connection with nothing outstanding starts a trip. Embedded
 * PGlite has no connection to count: there it stays 0. System transactions (the relay's, in the background)
 * are not counted.
 */
export async function roundTripsOf<T>(work: () => Promise<T>): Promise<{ result: T; roundTrips: number }> {
  const outstanding = new WeakMap<object, number>();
  const inTenantScope = new WeakMap<object, boolean>();
  let roundTrips = 0;
  const proto = (pg as unknown as { Query: { prototype: Submittable } }).Query.prototype;
  const submit = proto.submit;
  const ready = proto.handleReadyForQuery;
  const submitSpy = jest.spyOn(proto, 'submit').mockImplementation(function (this: Submittable, connection: object) {
    const sql = this.text ?? '';
    if (sql.startsWith('BEGIN')) inTenantScope.set(connection, sql.includes(`'tandem_app'`));
    const waiting = outstanding.get(connection) ?? 0;
    if (waiting === 0 && inTenantScope.get(connection)) roundTrips += 1;
    outstanding.set(connection, waiting + 1);
    return submit.call(this, connection);
  });
  const readySpy = jest.spyOn(proto, 'handleReadyForQuery').mockImplementation(function (this: Submittable, connection: object) {
    outstanding.set(connection, Math.max(0, (outstanding.get(connection) ?? 1) - 1));
    return ready.call(this, connection);
  });
  try {
    return { result: await work(), roundTrips };
  } finally {
    submitSpy.mockRestore();
    readySpy.mockRestore();
  }
}
