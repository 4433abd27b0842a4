import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Install links carry the tenant, signed: `/slack/install?tenant=<token>`. Only someone Tandem gave the
 * link to (an admin in Tandem's settings) can bind a workspace to that tenant. The tenant then rides
 * through Slack in the signed OAuth state and comes back on the redirect.
 */
function sign(payload: string, secret: string): string {
  return createHmac('sha256', secret).update(`tandem-slack-install:${payload}`).digest('base64url');
}

/** Creates a signed install token for a tenant, valid for `ttlSeconds` (default one hour). */
export function createInstallToken(tenantId: string, secret: string, nowMs = Date.now(), ttlSeconds = 3600): string {
  if (!tenantId) throw new Error('slack.install_token: tenant id is required');
  const payload = `${Buffer.from(tenantId, 'utf8').toString('base64url')}.${Math.floor(nowMs / 1000) + ttlSeconds}`;
  return `${payload}.${sign(payload, secret)}`;
}

/** The tenant id in a valid, unexpired token; null for anything else. */
export function verifyInstallToken(token: string | undefined, secret: string, nowMs = Date.now()): string | null {
  if (!token) return null;
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  const [tenantB64, expires, signature] = parts;
  const expected = Buffer.from(sign(`${tenantB64}.${expires}`, secret));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  if (!/^\d+$/.test(expires) || Number(expires) * 1000 < nowMs) return null;
  const tenantId = Buffer.from(tenantB64, 'base64url').toString('utf8');
  return tenantId || null;
}

/** The full install link an admin opens. */
export function installLink(publicUrl: string, tenantId: string, secret: string, nowMs = Date.now()): string {
  return `${publicUrl.replace(/\/+$/, '')}/slack/install?tenant=${encodeURIComponent(createInstallToken(tenantId, secret, nowMs))}`;
}
