import { mkdtempSync, rmSync, writeFileSync, utimesSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import request from 'supertest';
import { widgetAssetsRoutes } from './widget-assets.routes';

describe('widget assets', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'tandem-assets-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const fakeBuild = (calls: string[]) => async (out: string) => {
    calls.push(out);
    await new Promise((r) => setTimeout(r, 50));
    writeFileSync(path.join(out, 'widget.js'), 'console.log("form")');
    writeFileSync(path.join(out, 'widget-phone.js'), 'console.log("phone")');
  };

  it('serves both scripts as cacheable JavaScript that any origin may load, with 304 on a matching ETag', async () => {
    const app = express().use(widgetAssetsRoutes({ distDir: dir, build: fakeBuild([]) }));
    const res = await request(app).get('/widget.js').set('Origin', 'https://customer.example');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(res.headers['cache-control']).toBe('public, max-age=300');
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(res.headers['cross-origin-resource-policy']).toBe('cross-origin');
    expect(res.text).toBe('console.log("form")');
    const phone = await request(app).get('/widget-phone.js');
    expect(phone.text).toBe('console.log("phone")');
    expect(phone.headers.etag).not.toBe(res.headers.etag);

    const again = await request(app).get('/widget.js').set('If-None-Match', res.headers.etag!);
    expect(again.status).toBe(304);
    expect(again.text).toBe('');
    expect((await request(app).head('/widget.js')).status).toBe(200);
  });

  it('builds once when the scripts are missing, even for concurrent first requests', async () => {
    const calls: string[] = [];
    const app = express().use(widgetAssetsRoutes({ distDir: dir, build: fakeBuild(calls) }));
    const [a, b] = await Promise.all([request(app).get('/widget.js'), request(app).get('/widget-phone.js')]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(calls).toEqual([dir]);
    await request(app).get('/widget.js');
    expect(calls).toHaveLength(1);
  });

  it('picks up a rebuilt file (new ETag) without a restart', async () => {
    const app = express().use(widgetAssetsRoutes({ distDir: dir, build: fakeBuild([]) }));
    const first = await request(app).get('/widget.js');
    writeFileSync(path.join(dir, 'widget.js'), 'console.log("form v2")');
    const later = new Date(Date.now() + 5000);
    utimesSync(path.join(dir, 'widget.js'), later, later);
    const second = await request(app).get('/widget.js').set('If-None-Match', first.headers.etag!);
    expect(second.status).toBe(200);
    expect(second.text).toBe('console.log("form v2")');
  });

  it('a failed build is a 500 (logged by the error handler) and is retried on the next request', async () => {
    let attempts = 0;
    const build = async (out: string) => {
      attempts += 1;
      if (attempts === 1) throw new Error('esbuild failed');
      await fakeBuild([])(out);
    };
    const app = express()
      .use(widgetAssetsRoutes({ distDir: dir, build }))
      .use((_err: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => void res.status(500).json({ error: { code: 'internal' } }));
    expect((await request(app).get('/widget.js')).status).toBe(500);
    expect((await request(app).get('/widget.js')).status).toBe(200);
    expect(attempts).toBe(2);
  });
});
