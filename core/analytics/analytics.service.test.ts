import type { EntityManager } from 'typeorm';
import { openTestStore } from '../../test/helpers/test-store';
import { isTandemError } from '../errors/tandem-error';
import type { Store } from '../store/data-source';
import { one } from '../store/sql';
import { AnalyticsService, parseAnalyticsRange } from './analytics.service';

/**
 * Seeds a small, hand-countable history (and a second tenant whose rows must never count), then checks
 * every figure of the overview against numbers worked out by hand.
 */
describe(`analytics overview (${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'})`, () => {
  let store: Store & { close(): Promise<void> };
  let service: AnalyticsService;
  let tenantA: string;
  let tenantB: string;

  const t = (iso: string) => new Date(iso);

  interface Seeder {
    lead(tag: 'HOT' | 'WARM' | 'COLD', createdAt: string, phone: string): Promise<{ leadId: string; conversationId: string }>;
    submission(leadId: string, at: string): Promise<void>;
    message(lead: { leadId: string; conversationId: string }, dir: 'in' | 'out', author: 'lead' | 'ai' | 'agent' | 'system', status: string, at: string): Promise<void>;
    audit(action: string, at: string): Promise<void>;
  }

  const seeder = (m: EntityManager, tenantId: string, formId: string): Seeder => ({
    async lead(tag, createdAt, phone) {
      const lead = await one<{ id: string }>(
        m,
        `INSERT INTO leads (tenant_id, phone, tag, created_at, updated_at) VALUES ($1, $2, $3, $4, $4) RETURNING id`,
        [tenantId, phone, tag, t(createdAt)],
      );
      const conv = await one<{ id: string }>(m, `INSERT INTO conversations (tenant_id, lead_id, created_at) VALUES ($1, $2, $3) RETURNING id`, [
        tenantId,
        lead!.id,
        t(createdAt),
      ]);
      return { leadId: lead!.id, conversationId: conv!.id };
    },
    async submission(leadId, at) {
      await m.query(
        `INSERT INTO submissions (tenant_id, form_id, form_version, lead_id, values, consent, created_at) VALUES ($1, $2, 1, $3, '{}', '{}', $4)`,
        [tenantId, formId, leadId, t(at)],
      );
    },
    async message(lead, dir, author, status, at) {
      await m.query(
        `INSERT INTO messages (tenant_id, conversation_id, lead_id, direction, author, body, status, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, 'text', $6, $7, $7)`,
        [tenantId, lead.conversationId, lead.leadId, dir, author, status, t(at)],
      );
    },
    async audit(action, at) {
      await m.query(`INSERT INTO audit_log (tenant_id, actor_name, surface, action, entity, created_at) VALUES ($1, 'Sam', 'console', $2, 'conversation', $3)`, [
        tenantId,
        action,
        t(at),
      ]);
    },
  });

  beforeAll(async () => {
    store = await openTestStore();
    service = new AnalyticsService(store);
    await store.system(async (m) => {
      const mk = async (name: string) => {
        const tenant = await one<{ id: string }>(m, `INSERT INTO tenants (name) VALUES ($1) RETURNING id`, [name]);
        const form = await one<{ id: string }>(m, `INSERT INTO forms (tenant_id, name, definition) VALUES ($1, 'Demo', '{}') RETURNING id`, [tenant!.id]);
        return { id: tenant!.id, form: form!.id };
      };
      const a = await mk('Acme Homes');
      const b = await mk('Other Co');
      tenantA = a.id;
      tenantB = b.id;
      const s = seeder(m, a.id, a.form);

      // L1: answered in 30 s by the AI, replied, then an agent wrote.
      const l1 = await s.lead('HOT', '2026-03-02T10:00:00Z', '+12125550101');
      await s.submission(l1.leadId, '2026-03-02T10:00:00Z');
      await s.message(l1, 'out', 'ai', 'delivered', '2026-03-02T10:00:30Z');
      await s.message(l1, 'in', 'lead', 'received', '2026-03-02T10:05:00Z');
      await s.message(l1, 'out', 'agent', 'sent', '2026-03-02T10:10:00Z');
      // L2: answered in 120 s, never replied.
      const l2 = await s.lead('WARM', '2026-03-02T12:00:00Z', '+12125550102');
      await s.submission(l2.leadId, '2026-03-02T12:00:00Z');
      await s.message(l2, 'out', 'ai', 'sent', '2026-03-02T12:02:00Z');
      // L3: the first text was blocked (does not count); the next left after 600 s; replied.
      const l3 = await s.lead('COLD', '2026-03-04T09:00:00Z', '+12125550103');
      await s.submission(l3.leadId, '2026-03-04T09:00:00Z');
      await s.message(l3, 'out', 'ai', 'blocked', '2026-03-04T09:00:05Z');
      await s.message(l3, 'out', 'ai', 'delivered', '2026-03-04T09:10:00Z');
      await s.message(l3, 'in', 'lead', 'received', '2026-03-04T09:20:00Z');
      // L4: captured, never texted (a queued text has not left).
      const l4 = await s.lead('COLD', '2026-03-05T08:00:00Z', '+12125550104');
      await s.submission(l4.leadId, '2026-03-05T08:00:00Z');
      await s.message(l4, 'out', 'ai', 'queued', '2026-03-05T08:00:01Z');
      // L5: answered in 100 s, replied STOP, got the system confirmation.
      const l5 = await s.lead('HOT', '2026-03-06T11:00:00Z', '+12125550105');
      await s.submission(l5.leadId, '2026-03-06T11:00:00Z');
      await s.message(l5, 'out', 'ai', 'delivered', '2026-03-06T11:01:40Z');
      await s.message(l5, 'in', 'lead', 'received', '2026-03-06T11:04:00Z');
      await s.message(l5, 'out', 'system', 'sent', '2026-03-06T11:05:00Z');
      // L7: texted STOP before anyone answered; its only text is the automatic confirmation (no answer).
      const l7 = await s.lead('COLD', '2026-03-07T09:00:00Z', '+12125550107');
      await s.submission(l7.leadId, '2026-03-07T09:00:00Z');
      await s.message(l7, 'in', 'lead', 'received', '2026-03-07T09:00:10Z');
      await s.message(l7, 'out', 'system', 'delivered', '2026-03-07T09:00:11Z');
      // L6: before the range; its late reply inside the range must not make it a "texted" lead.
      const l6 = await s.lead('WARM', '2026-02-27T09:00:00Z', '+12125550106');
      await s.submission(l6.leadId, '2026-02-27T09:00:00Z');
      await s.message(l6, 'out', 'ai', 'delivered', '2026-02-27T09:01:00Z');
      await s.message(l6, 'in', 'lead', 'received', '2026-03-02T09:00:00Z');

      for (const [action, at] of [
        ['conversation.approve', '2026-03-02T10:00:20Z'],
        ['conversation.approve', '2026-03-03T10:00:00Z'],
        ['conversation.approve', '2026-03-06T11:01:30Z'],
        ['conversation.edit', '2026-03-04T09:09:00Z'],
        ['conversation.discard', '2026-03-04T09:00:00Z'],
        ['conversation.discard', '2026-03-05T09:00:00Z'],
        ['conversation.takeover', '2026-03-05T09:00:00Z'],
        ['conversation.approve', '2026-02-20T09:00:00Z'],
      ] as const) {
        await s.audit(action, at);
      }

      // Tenant B: busy in the same week; none of it may appear in A's figures.
      const sb = seeder(m, b.id, b.form);
      const x = await sb.lead('HOT', '2026-03-03T10:00:00Z', '+12125550201');
      await sb.submission(x.leadId, '2026-03-03T10:00:00Z');
      await sb.message(x, 'out', 'agent', 'delivered', '2026-03-03T10:00:01Z');
      await sb.message(x, 'in', 'lead', 'received', '2026-03-03T10:01:00Z');
      await sb.audit('conversation.approve', '2026-03-03T10:00:00Z');
      await sb.audit('conversation.discard', '2026-03-03T10:00:00Z');
    });
  });
  afterAll(async () => {
    await store.close();
  });

  const week = { from: t('2026-03-01T00:00:00Z'), to: t('2026-03-08T00:00:00Z') };

  it('speed to lead: median and p90 from submission to the first text that left', async () => {
    const o = await service.overview(tenantA, week);
    // Deltas 30, 100, 120, 600 s; L4 and L7 have none. Median (100+120)/2; p90 = 120 + 0.7 × 480.
    expect(o.speedToLead).toEqual({ submissions: 6, answered: 4, medianSeconds: 110, p90Seconds: 456 });
  });

  it('response rate: leads texted in the range who wrote back after their first text', async () => {
    const o = await service.overview(tenantA, week);
    expect(o.responseRate).toEqual({ texted: 4, responded: 3, rate: 0.75 });
  });

  it('AI-sent vs human-sent among texts that left (blocked and queued ones do not count)', async () => {
    const o = await service.overview(tenantA, week);
    expect(o.sentBy).toEqual({ ai: 4, agent: 1, system: 2, aiShare: 0.8, humanShare: 0.2 });
  });

  it('approvals, edits and discards from the audit log, range-bound', async () => {
    const o = await service.overview(tenantA, week);
    expect(o.decisions).toEqual({ approve: 3, edit: 1, discard: 2 });
  });

  it('leads by tag per day, every day present', async () => {
    const o = await service.overview(tenantA, week);
    expect(o.range).toEqual({ from: '2026-03-01T00:00:00.000Z', to: '2026-03-08T00:00:00.000Z', bucket: 'day' });
    expect(o.leadsByTag).toEqual([
      { bucket: '2026-03-01', HOT: 0, WARM: 0, COLD: 0 },
      { bucket: '2026-03-02', HOT: 1, WARM: 1, COLD: 0 },
      { bucket: '2026-03-03', HOT: 0, WARM: 0, COLD: 0 },
      { bucket: '2026-03-04', HOT: 0, WARM: 0, COLD: 1 },
      { bucket: '2026-03-05', HOT: 0, WARM: 0, COLD: 1 },
      { bucket: '2026-03-06', HOT: 1, WARM: 0, COLD: 0 },
      { bucket: '2026-03-07', HOT: 0, WARM: 0, COLD: 1 },
    ]);
  });

  it('long ranges group by ISO week (Monday), and still count every lead once', async () => {
    const o = await service.overview(tenantA, { from: t('2026-01-01T00:00:00Z'), to: t('2026-05-01T00:00:00Z') });
    expect(o.range.bucket).toBe('week');
    expect(o.leadsByTag[0]!.bucket).toBe('2025-12-29');
    expect(o.leadsByTag.at(-1)!.bucket).toBe('2026-04-27');
    expect(o.leadsByTag).toHaveLength(18);
    const total = o.leadsByTag.reduce((n, b) => n + b.HOT + b.WARM + b.COLD, 0);
    expect(total).toBe(7);
    expect(o.leadsByTag.find((b) => b.bucket === '2026-02-23')).toEqual({ bucket: '2026-02-23', HOT: 0, WARM: 1, COLD: 0 });
    expect(o.leadsByTag.find((b) => b.bucket === '2026-03-02')).toEqual({ bucket: '2026-03-02', HOT: 2, WARM: 1, COLD: 3 });
  });

  it('another tenant sees only its own rows', async () => {
    const o = await service.overview(tenantB, week);
    expect(o.speedToLead).toEqual({ submissions: 1, answered: 1, medianSeconds: 1, p90Seconds: 1 });
    expect(o.responseRate).toEqual({ texted: 1, responded: 1, rate: 1 });
    expect(o.sentBy).toEqual({ ai: 0, agent: 1, system: 0, aiShare: 0, humanShare: 1 });
    expect(o.decisions).toEqual({ approve: 1, edit: 0, discard: 1 });
  });

  it('an empty range says "no data" rather than zero percent', async () => {
    const o = await service.overview(tenantA, { from: t('2025-01-01T00:00:00Z'), to: t('2025-01-02T00:00:00Z') });
    expect(o.speedToLead).toEqual({ submissions: 0, answered: 0, medianSeconds: null, p90Seconds: null });
    expect(o.responseRate.rate).toBeNull();
    expect(o.sentBy.aiShare).toBeNull();
    expect(o.leadsByTag).toEqual([{ bucket: '2025-01-01', HOT: 0, WARM: 0, COLD: 0 }]);
  });

  it('refuses an inverted or over-long range before touching the database', async () => {
    await expect(service.overview(tenantA, { from: week.to, to: week.from })).rejects.toMatchObject({ status: 422, details: { fields: { to: 'must be after from' } } });
    await expect(service.overview(tenantA, { from: t('2025-01-01T00:00:00Z'), to: t('2026-01-03T00:00:00Z') })).rejects.toMatchObject({ status: 422 });
  });
});

describe('parseAnalyticsRange', () => {
  const fieldsOf = (input: { from?: unknown; to?: unknown }) => {
    try {
      parseAnalyticsRange(input);
      return null;
    } catch (err) {
      if (!isTandemError(err, 'request.invalid')) throw err;
      expect(err.status).toBe(422);
      return err.details.fields;
    }
  };

  it('accepts ISO dates and date-times, up to 366 days', () => {
    expect(parseAnalyticsRange({ from: '2026-01-01', to: '2026-02-01' })).toEqual({ from: new Date('2026-01-01T00:00:00Z'), to: new Date('2026-02-01T00:00:00Z') });
    expect(parseAnalyticsRange({ from: '2025-01-01T00:00:00Z', to: '2026-01-02T00:00:00Z' }).to.toISOString()).toBe('2026-01-02T00:00:00.000Z');
    expect(parseAnalyticsRange({ from: '2026-03-01T00:00:00+02:00', to: '2026-03-02T00:00:00.5Z' }).from.toISOString()).toBe('2026-02-28T22:00:00.000Z');
  });

  it('names each bad parameter', () => {
    expect(fieldsOf({})).toEqual({ from: expect.stringContaining('required'), to: expect.stringContaining('required') });
    expect(fieldsOf({ from: 'yesterday', to: '2026-01-01' })).toEqual({ from: expect.stringContaining('not a valid') });
    expect(fieldsOf({ from: '2026-02-30', to: '2026-03-05' })).toEqual({ from: expect.stringContaining('not a valid') });
    expect(fieldsOf({ from: '2026-01-01', to: '1' })).toEqual({ to: expect.stringContaining('not a valid') });
    expect(fieldsOf({ from: ['2026-01-01'], to: '2026-01-02' })).toEqual({ from: expect.stringContaining('required') });
    expect(fieldsOf({ from: '2026-01-02', to: '2026-01-01' })).toEqual({ to: 'must be after from' });
    expect(fieldsOf({ from: '2026-01-01', to: '2026-01-01' })).toEqual({ to: 'must be after from' });
    expect(fieldsOf({ from: '2025-01-01T00:00:00Z', to: '2026-01-02T00:00:01Z' })).toEqual({ to: 'the range may cover at most 366 days' });
  });
});
