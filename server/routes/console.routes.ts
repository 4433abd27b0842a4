import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import express, { Router, type Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import { z } from 'zod';
import { SESSION_COOKIE, sessionCookieKey, type ApiPrincipal, type Engine } from '../../core/index';
import type { RouteModule } from '../app';
import type { TandemConfig } from '../config';
import { sendError } from '../http/errors';
import type { RateLimitStores } from '../http/rate-limit-stores';
import { parseBody } from '../http/validate';

/** Where `npm run build:console` writes the console. */
export const CONSOLE_DIST = path.join(__dirname, '../../console/dist');

/** A console session lasts a working day; the key itself stays valid until revoked. */
const SESSION_MAX_AGE_MS = 12 * 60 * 60 * 1000;

const signInBody = z.object({ apiKey: z.string().trim().min(1, 'required').max(200) }).strict();

export interface ConsoleRouteOptions {
  /** The built console (default console/dist). */
  distDir?: string;
  /** Sign-in attempts per IP per 15 minutes (default 20): API keys must not be guessable by brute force. */
  signInLimit?: number;
  /** Where sign-in attempts count: through Redis, API processes share them. Default: this process's memory. */
  rateLimits?: RateLimitStores;
}

/** The cookie that carries the API key for the console: httpOnly, SameSite=Strict, Secure on https. */
function setSessionCookie(res: Response, config: TandemConfig, apiKey: string): void {
  res.cookie(SESSION_COOKIE, apiKey, {
    httpOnly: true,
    sameSite: 'strict',
    secure: config.publicUrl.startsWith('https://'),
    path: '/',
    maxAge: SESSION_MAX_AGE_MS,
  });
}

function clearSessionCookie(res: Response, config: TandemConfig): void {
  res.clearCookie(SESSION_COOKIE, { httpOnly: true, sameSite: 'strict', secure: config.publicUrl.startsWith('https://'), path: '/' });
}


async function describe(engine: Engine, p: ApiPrincipal) {
  const tenant = await engine.tenants.get(p.tenantId);
  return { tenantId: p.tenantId, tenantName: tenant.name, name: p.name, role: p.role, agentId: p.agentId, keyId: p.keyId };
}

/** The demo tenant's key, as startServer saved it in the data directory (embedded default only). */
function demoKey(config: TandemConfig): string | null {
  const file = path.join(config.dataDir, 'demo-tenant.json');
  if (!existsSync(file)) return null;
  try {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { apiKey?: unknown };
    return typeof saved.apiKey === 'string' ? saved.apiKey : null;
  } catch {
    return null;
  }
}

/**
 * Console sign-in. The console never holds the key in script: it posts it once, and the server keeps it in
 * an httpOnly cookie that server/http/auth.ts already accepts.
 * - `POST /session { apiKey }` validates the key and sets the cookie (401 for a bad key; rate limited).
 * - `GET /session` → `{ session | null, demoAvailable }`: who am I, and whether the demo key is on offer.
 * - `DELETE /session` signs out.
 * - `POST /demo/session` (demo mode only) signs in with the demo tenant's key. POST, not GET, so a link or
 *   an image on another site cannot sign a visitor in.
 */
export function sessionRoutes(engine: Engine, config: TandemConfig, options: ConsoleRouteOptions = {}): Router {
  const r = Router();
  const limiter = rateLimit({
    windowMs: 15 * 60 * 1000,
    limit: options.signInLimit ?? 20,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    store: options.rateLimits?.store('console:sign-in'),
    handler: (_req, res) => sendError(res, 429, 'auth.too_many_attempts', 'Too many sign-in attempts. Wait a few minutes and try again.'),
  });

  r.post('/session', limiter, express.json({ limit: '4kb' }), async (req, res) => {
    const { apiKey } = parseBody(signInBody, req.body);
    const principal = await engine.apiKeys.authenticate(apiKey);
    if (!principal) return sendError(res, 401, 'auth.invalid_api_key', 'This API key is not valid or has been revoked');
    setSessionCookie(res, config, apiKey);
    res.setHeader('Cache-Control', 'no-store');
    res.json({ session: await describe(engine, principal) });
  });

  r.get('/session', async (req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    const key = sessionCookieKey(req.header('cookie'));
    const principal = key ? await engine.apiKeys.authenticate(key) : null;
    // A revoked or stale cookie is dropped so the browser stops sending it.
    if (key && !principal) clearSessionCookie(res, config);
    res.json({ session: principal ? await describe(engine, principal) : null, demoAvailable: config.demo });
  });

  r.delete('/session', (_req, res) => {
    clearSessionCookie(res, config);
    res.status(204).end();
  });

  if (config.demo) {
    r.post('/demo/session', limiter, async (_req, res) => {
      const key = demoKey(config);
      const principal = key ? await engine.apiKeys.authenticate(key) : null;
      if (!key || !principal) return sendError(res, 404, 'demo.unavailable', 'There is no demo tenant on this server');
      setSessionCookie(res, config, key);
      res.setHeader('Cache-Control', 'no-store');
      res.json({ session: await describe(engine, principal) });
    });
  }
  return r;
}

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Tandem</title></head>
<body><main><h1>The console is not built</h1><p>Run <code>npm run build:console</code> (or <code>npm start</code>, which builds it first), then reload.</p>
<p>The API is up: <a href="/api/v1/openapi.json">/api/v1/openapi.json</a>.</p></main></body></html>`;

/** Serves the built console: `/` (index.html), `/console.js`, `/console.css` and its lazily loaded chunks. */
export function consoleStatic(distDir = CONSOLE_DIST): Router {
  const r = Router();
  const send = (file: string, type: string, cache: string) => (_req: express.Request, res: Response) => {
    const full = path.join(distDir, file);
    if (!existsSync(full)) {
      if (file === 'index.html') return res.status(503).type('html').send(NOT_BUILT);
      return sendError(res, 404, 'route.not_found', `No ${file}: build the console`);
    }
    res.setHeader('Cache-Control', cache);
    res.type(type).sendFile(full);
  };
  // Entry files keep their names across builds, so they are revalidated; chunks carry a content hash.
  r.get(['/', '/index.html'], send('index.html', 'html', 'no-cache'));
  r.get('/console.js', send('console.js', 'text/javascript', 'no-cache'));
  r.get('/console.css', send('console.css', 'text/css', 'no-cache'));
  r.use('/chunks', express.static(path.join(distDir, 'chunks'), { immutable: true, maxAge: '365d', index: false, fallthrough: true }));
  return r;
}

/** The console route module with options (tests point it at a fresh build). */
export function consoleRouteModuleWith(options: ConsoleRouteOptions = {}): RouteModule {
  return ({ app, api, engine, config, rateLimits }) => {
    api.use(sessionRoutes(engine, config, { ...options, rateLimits: options.rateLimits ?? rateLimits }));
    app.use(consoleStatic(options.distDir));
  };
}

export const consoleRouteModule: RouteModule = consoleRouteModuleWith();
