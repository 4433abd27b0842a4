import pino from 'pino';
import request from 'supertest';
import type { Express } from 'express';
import type { Engine } from '../../core/index';
import { createTenant, openTestEngine } from '../../core/conversations/test-support/engine-harness';
import { createApp } from '../app';
import { loadConfig } from '../config';
import { Metrics } from '../http/metrics';
import { analyticsRouteModule } from './analytics.routes';

describe(`GET /api/v1/analytics/overview (${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'})`, () => {
  let engine: Engine;
  let close: () => Promise<void>;
  let app: Express;
  let key: string;

  beforeAll(async () => {
    ({ engine, close } = await openTestEngine());
    const config = loadConfig({ TANDEM_SECRET_KEY: 'a'.repeat(64), LOG_LEVEL: 'silent', DATABASE_URL: 'postgres://unused/x' } as NodeJS.ProcessEnv);
    app = await createApp({ engine, config, logger: pino({ level: 'silent' }), metrics: new Metrics({ queue: async () => 0, outbox: async () => 0 }), routes: [analyticsRouteModule] });
    ({ agentKey: key } = await createTenant(engine));
  });
  afterAll(async () => {
    await close();
  });

  const get = (qs: string, k: string | null = key) => {
    const r = request(app).get(`/api/v1/analytics/overview${qs}`);
    return k ? r.set('Authorization', `Bearer ${k}`) : r;
  };

  it('answers the overview for the key’s tenant', async () => {
    const res = await get('?from=2026-03-01T00:00:00Z&to=2026-03-03T00:00:00Z');
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body.overview).toEqual({
      range: { from: '2026-03-01T00:00:00.000Z', to: '2026-03-03T00:00:00.000Z', bucket: 'day' },
      speedToLead: { submissions: 0, answered: 0, medianSeconds: null, p90Seconds: null },
      responseRate: { texted: 0, responded: 0, rate: null },
      sentBy: { ai: 0, agent: 0, system: 0, aiShare: null, humanShare: null },
      decisions: { approve: 0, edit: 0, discard: 0 },
      leadsByTag: [
        { bucket: '2026-03-01', HOT: 0, WARM: 0, COLD: 0 },
        { bucket: '2026-03-02', HOT: 0, WARM: 0, COLD: 0 },
      ],
    });
  });

  it.each([
    ['', { from: expect.stringContaining('required'), to: expect.stringContaining('required') }],
    ['?from=nope&to=2026-03-01', { from: expect.stringContaining('not a valid') }],
    ['?from=2026-03-01&to=2026-02-01', { to: 'must be after from' }],
    ['?from=2025-01-01&to=2026-01-03', { to: 'the range may cover at most 366 days' }],
    ['?from=2026-01-01&from=2026-01-02&to=2026-02-01', { from: expect.stringContaining('required') }],
  ])('422 for %s', async (qs, fields) => {
    const res = await get(qs);
    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({ code: 'request.invalid', details: { fields } });
  });

  it('401 without a key', async () => {
    const res = await get('?from=2026-03-01&to=2026-03-02', null);
    expect(res.status).toBe(401);
  });
});
