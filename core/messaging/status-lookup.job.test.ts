import { RecordingSmsProvider, createLead, createTenant, openTestEngine } from '../conversations/test-support/engine-harness';
import type { Engine } from '../engine/create-engine';
import { SmsProviderError } from '../ports/sms-provider.port';
import { one, rows } from '../store/sql';
import { MAX_STATUS_LOOKUPS } from './status-lookup.job';

/**
 * Texts the provider took whose status callback never came: the sweep hands them to `sms.status-lookup`,
 * which asks the provider by id and records the answer as a callback would. The engine is not started: each
 * test runs the sweep and the jobs itself.
 */
describe(`sms.status-lookup (${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'})`, () => {
  let engine: Engine;
  let close: () => Promise<void>;
  let tenantId: string;
  let leadId: string;
  let conversationId: string;
  const sms = new RecordingSmsProvider();
  let seq = 0;

  beforeAll(async () => {
    ({ engine, close } = await openTestEngine());
    engine.messaging.useProviders(async () => ({ provider: sms, from: '+12125550100' }));
    ({ tenantId } = await createTenant(engine, { name: 'Zip Realty' }));
    ({ leadId, conversationId } = await createLead(engine, tenantId, { phone: '+12125550601' }));
  });
  afterAll(async () => {
    await close();
  });
  beforeEach(async () => {
    // Each test sees only its own texts in flight.
    await engine.store.system((m) => m.query(`UPDATE messages SET status = 'delivered' WHERE status = 'sending'`));
    await engine.store.system((m) => m.query(`UPDATE outbox SET status = 'done' WHERE status = 'pending'`));
  });

  /** A text the provider took `minutesAgo` with `status`, its callbacks lost. Returns its id and provider id. */
  async function answered(minutesAgo: number, status = 'sending', provider = sms.name) {
    const sid = `SMlost${(++seq).toString().padStart(28, '0')}`;
    const row = await engine.store.tenant(tenantId, (m) =>
      one<{ id: string }>(
        m,
        `INSERT INTO messages (tenant_id, conversation_id, lead_id, direction, author, body, status, provider, provider_message_id, created_at, updated_at)
         VALUES ($1, $2, $3, 'out', 'agent', 'See you Tuesday at 10.', $4, $5, $6, now() - ($7::int * interval '1 minute'), now() - ($7::int * interval '1 minute'))
         RETURNING id`,
        [tenantId, conversationId, leadId, status, provider, sid, minutesAgo],
      ),
    );
    return { id: row!.id, sid };
  }
  const message = async (id: string) =>
    (await engine.store.tenant(tenantId, (m) =>
      one<{ status: string; error_code: string | null; updated_at: Date; meta: Record<string, unknown> }>(m, `SELECT status, error_code, updated_at, meta FROM messages WHERE id = $1`, [id]),
    ))!;
  const lookupJobs = (messageId: string) =>
    engine.store.system((m) =>
      rows<{ id: string; payload: Record<string, unknown> }>(m, `SELECT id::text AS id, payload FROM outbox WHERE topic = 'sms.status-lookup' AND status = 'pending' AND payload->>'messageId' = $1`, [
        messageId,
      ]),
    );
  const runLookup = async (messageId: string) => {
    const [job] = await lookupJobs(messageId);
    return engine.jobs.runner.run({ id: job!.id, name: 'sms.status-lookup', queue: 'sms' });
  };

  it('recovers a lost callback: the provider says delivered, and the text is delivered', async () => {
    const lost = await answered(40);
    const recent = await answered(5); // its callback may still come
    sms.statuses.set(lost.sid, { providerMessageId: lost.sid, status: 'delivered', errorCode: null });
    sms.statuses.set(recent.sid, { providerMessageId: recent.sid, status: 'delivered', errorCode: null });

    expect(await engine.messaging.sweepLostStatuses()).toBe(1);
    expect((await lookupJobs(lost.id))[0]!.payload).toEqual({ messageId: lost.id, providerMessageId: lost.sid, lookup: 1 });
    // Swept once: another process's sweep right after finds nothing due.
    expect(await engine.messaging.sweepLostStatuses()).toBe(0);
    expect(await runLookup(lost.id)).toBe('completed');

    expect(await message(lost.id)).toMatchObject({ status: 'delivered', error_code: null });
    expect(await message(recent.id)).toMatchObject({ status: 'sending' });
    expect(sms.fetches).toEqual([lost.sid]);
  });

  it('records a failure the provider reports, with its error code', async () => {
    const lost = await answered(40);
    sms.statuses.set(lost.sid, { providerMessageId: lost.sid, status: 'failed', errorCode: '30036' });
    await engine.messaging.sweepLostStatuses();
    expect(await runLookup(lost.id)).toBe('completed');
    expect(await message(lost.id)).toMatchObject({ status: 'failed', error_code: '30036' });
  });

  it('never moves a status back: a provider still queueing the text leaves it sending, and a callback that lands during the lookup wins', async () => {
    const queued = await answered(40);
    sms.statuses.set(queued.sid, { providerMessageId: queued.sid, status: 'queued', errorCode: null });
    await engine.messaging.sweepLostStatuses();
    expect(await runLookup(queued.id)).toBe('completed');
    const after = await message(queued.id);
    expect(after).toMatchObject({ status: 'sending', error_code: null, meta: expect.objectContaining({ statusLookups: 1 }) });
    // Looked up again only after another half hour.
    expect(await engine.messaging.sweepLostStatuses()).toBe(0);

    const raced = await answered(40);
    await engine.messaging.sweepLostStatuses();
    const fetchStatus = sms.fetchStatus.bind(sms);
    sms.fetchStatus = async (sid) => {
      // The "delivered" callback lands while the provider is asked, which still answers "sent".
      await engine.store.tenant(tenantId, (m) => m.query(`UPDATE messages SET status = 'delivered' WHERE provider_message_id = $1`, [sid]));
      return { ...(await fetchStatus(sid))!, status: 'sent' };
    };
    try {
      expect(await runLookup(raced.id)).toBe('completed');
    } finally {
      sms.fetchStatus = fetchStatus;
    }
    expect(await message(raced.id)).toMatchObject({ status: 'delivered' });
  });

  it('marks a text the provider no longer holds with a clear code, and asks about it no more', async () => {
    const gone = await answered(40);
    sms.statuses.set(gone.sid, null);
    await engine.messaging.sweepLostStatuses();
    expect(await runLookup(gone.id)).toBe('completed');
    const after = await message(gone.id);
    expect(after).toMatchObject({ status: 'sending', error_code: 'provider_message_not_found' });

    // Even once due again, it is not swept.
    await engine.store.tenant(tenantId, (m) =>
      m.query(`UPDATE messages SET meta = meta || jsonb_build_object('statusLookupAt', now() - interval '2 hours') WHERE id = $1`, [gone.id]),
    );
    expect(await engine.messaging.sweepLostStatuses()).toBe(0);
  });

  it('retries a provider that cannot be asked, then leaves the text to the next sweep; after the last lookup it is status_unknown', async () => {
    const lost = await answered(40);
    await engine.messaging.sweepLostStatuses();
    sms.failLookups = new SmsProviderError('Twilio 503 (20503): Service unavailable', '20503', true, true);
    try {
      const [job] = await lookupJobs(lost.id);
      const outcomes = [];
      for (let i = 0; i < 3; i++) outcomes.push(await engine.jobs.runner.run({ id: job!.id, name: 'sms.status-lookup', queue: 'sms' }));
      expect(outcomes).toEqual(['retry', 'retry', 'completed']);
      expect(await message(lost.id)).toMatchObject({ status: 'sending', error_code: null });

      // The last lookup the sweep allows: still no answer, so it says so rather than looking forever.
      await engine.store.tenant(tenantId, (m) =>
        m.query(
          `UPDATE messages SET meta = meta || jsonb_build_object('statusLookupAt', now() - interval '2 hours', 'statusLookups', $2::int) WHERE id = $1`,
          [lost.id, MAX_STATUS_LOOKUPS - 1],
        ),
      );
      expect(await engine.messaging.sweepLostStatuses()).toBe(1);
      const [last] = await lookupJobs(lost.id);
      expect(last!.payload.lookup).toBe(MAX_STATUS_LOOKUPS);
      for (let i = 0; i < 3; i++) await engine.jobs.runner.run({ id: last!.id, name: 'sms.status-lookup', queue: 'sms' });
    } finally {
      sms.failLookups = null;
    }
    expect(await message(lost.id)).toMatchObject({ status: 'sending', error_code: 'status_unknown' });
    await engine.store.tenant(tenantId, (m) => m.query(`UPDATE messages SET meta = meta || jsonb_build_object('statusLookupAt', now() - interval '2 hours') WHERE id = $1`, [lost.id]));
    expect(await engine.messaging.sweepLostStatuses()).toBe(0);
  });

  it('does not ask a provider the text did not go through', async () => {
    const other = await answered(40, 'sending', 'twilio');
    await engine.messaging.sweepLostStatuses();
    const fetches = sms.fetches.length;
    expect(await runLookup(other.id)).toBe('completed');
    expect(sms.fetches.length).toBe(fetches);
    expect(await message(other.id)).toMatchObject({ status: 'sending', error_code: null });
  });

  it('hands over at most 100 texts a sweep, and leaves the send time alone', async () => {
    await engine.store.tenant(tenantId, (m) =>
      m.query(
        `INSERT INTO messages (tenant_id, conversation_id, lead_id, direction, author, body, status, provider, provider_message_id, updated_at)
         SELECT $1, $2, $3, 'out', 'ai', 'Bulk', 'sending', 'recording', 'SMbulk' || g, now() - interval '1 hour' FROM generate_series(1, 101) g`,
        [tenantId, conversationId, leadId],
      ),
    );
    const before = await engine.store.tenant(tenantId, (m) => one<{ at: string }>(m, `SELECT max(updated_at)::text AS at FROM messages WHERE body = 'Bulk'`));
    expect(await engine.messaging.sweepLostStatuses()).toBe(100);
    expect(await engine.messaging.sweepLostStatuses()).toBe(1);
    expect(await engine.messaging.sweepLostStatuses()).toBe(0);
    const after = await engine.store.tenant(tenantId, (m) => one<{ at: string }>(m, `SELECT max(updated_at)::text AS at FROM messages WHERE body = 'Bulk'`));
    expect(after!.at).toBe(before!.at);
  });
});
