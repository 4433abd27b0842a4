import { Router } from 'express';
import type { Engine, LiveEvent } from '../../core/index';
import type { RouteModule } from '../app';
import { requireApiKey } from '../http/auth';

const HEARTBEAT_MS = 15_000;

/**
 * Server-Sent Events: the tenant's live events (conversation and message changes) for the console and
 * pushing surfaces. A comment line every 15 s keeps proxies from closing an idle stream.
 */
export function eventRoutes(engine: Engine, heartbeatMs = HEARTBEAT_MS): Router {
  const r = Router();
  r.get('/events', requireApiKey(engine, 'viewer'), (req, res) => {
    const tenantId = req.principal!.tenantId;
    res.status(200);
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    res.setHeader('Cache-Control', 'no-cache, no-transform');
    res.setHeader('Connection', 'keep-alive');
    res.setHeader('X-Accel-Buffering', 'no');
    res.flushHeaders();
    res.write(`retry: 3000\n: connected\n\n`);
    let n = 0;
    const unsubscribe = engine.live.subscribe((event: LiveEvent) => {
      if (event.tenantId !== tenantId) return;
      n += 1;
      const { tenantId: _t, ...data } = event;
      res.write(`id: ${n}\nevent: ${event.type}\ndata: ${JSON.stringify(data)}\n\n`);
    });
    const beat = setInterval(() => res.write(`: heartbeat\n\n`), heartbeatMs);
    beat.unref();
    req.on('close', () => {
      clearInterval(beat);
      unsubscribe();
    });
  });
  return r;
}

export const eventsRouteModule: RouteModule = ({ api, engine }) => {
  api.use(eventRoutes(engine));
};
