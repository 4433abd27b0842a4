import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import { actorOf, presentedApiKey, type Actor, type ApiPrincipal, type Engine, type Role } from '../../core/index';
import { sendError } from './errors';

declare module 'express-serve-static-core' {
  interface Request {
    principal?: ApiPrincipal;
  }
}

const RANK: Record<Role, number> = { viewer: 0, agent: 1, admin: 2 };

/** Who acts through a request `requireApiKey` let in, for the audit log (core's `actorOf`). */
export function requestActor(req: Request): Actor {
  return actorOf(req.principal!, req.header('x-tandem-surface'));
}

/**
 * Tenant API-key authentication with a minimum role. The handler carries that role (`minimumRole`), so
 * a test can check that every route needing more than a viewer documents its 403.
 */
export function requireApiKey(engine: Engine, minimum: Role = 'viewer'): RequestHandler & { minimumRole: Role } {
  const handler: RequestHandler = async (req, res, next) => {
    try {
      const key = presentedApiKey((name) => req.header(name));
      if (!key) return sendError(res, 401, 'auth.missing_api_key', 'Send your API key as "Authorization: Bearer tdm_..."');
      const principal = await engine.apiKeys.authenticate(key);
      if (!principal) return sendError(res, 401, 'auth.invalid_api_key', 'This API key is not valid or has been revoked');
      if (RANK[principal.role] < RANK[minimum]) {
        return sendError(res, 403, 'auth.forbidden', `This action needs the ${minimum} role; this key has ${principal.role}`);
      }
      req.principal = principal;
      next();
    } catch (err) {
      next(err);
    }
  };
  return Object.assign(handler, { minimumRole: minimum });
}

/** The operator's token (TANDEM_ADMIN_TOKEN) for creating tenants. Constant-time comparison. */
export function requireAdminToken(token: string | undefined): RequestHandler {
  const expected = token ? createHash('sha256').update(token).digest() : null;
  return (req, res, next) => {
    if (!expected) return sendError(res, 403, 'auth.admin_disabled', 'Tenant creation over HTTP is off: set TANDEM_ADMIN_TOKEN');
    const auth = req.header('authorization');
    const given = auth?.startsWith('Bearer ') ? auth.slice(7).trim() : '';
    const digest = createHash('sha256').update(given).digest();
    if (!given || !timingSafeEqual(digest, expected)) return sendError(res, 401, 'auth.invalid_admin_token', 'Admin token missing or wrong');
    next();
  };
}
