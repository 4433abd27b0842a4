import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { CrmRetryableError, type CrmContext } from '../../core/index';
import { HUBSPOT_API_BASE, HUBSPOT_REQUEST_TIMEOUT_MS, HubSpotHttpError, HubSpotRequestError, toCrmError } from './hubspot-client';

/**
 * Scopes Tandem asks for. Contacts read/write: upsert contacts and log SMS communications on them;
 * contacts schema read/write: create Tandem's property group and properties on install.
 */
export const HUBSPOT_SCOPES = ['oauth', 'crm.objects.contacts.read', 'crm.objects.contacts.write', 'crm.schemas.contacts.read', 'crm.schemas.contacts.write'] as const;

/** Refresh an access token when it expires within this window. */
export const REFRESH_MARGIN_MS = 5 * 60 * 1000;

/** A stored access token is used for one last call (the disconnect's uninstall) only if it works this much longer. */
export const LAST_CALL_MARGIN_MS = 60 * 1000;

/** Install state is accepted for this long after the admin clicked "Connect HubSpot". */
const STATE_MAX_AGE_MS = 15 * 60 * 1000;

/** What a tenant's HubSpot integration config holds (encrypted at rest by the store). */
export interface HubSpotIntegrationConfig {
  /** Private-app token for a single portal: never expires, never refreshed. */
  privateAppToken?: string;
  accessToken?: string;
  refreshToken?: string;
  /** Epoch milliseconds when `accessToken` stops working. */
  expiresAt?: number;
  [key: string]: unknown;
}

/** The HubSpot user who granted Tandem access to a portal, as HubSpot's token info names them. */
export interface HubSpotInstaller {
  hubspotUserId: string | null;
  email: string | null;
}

export interface HubSpotTokenSet {
  accessToken: string;
  refreshToken: string;
  expiresAt: number;
}

export interface HubSpotOAuthOptions {
  clientId?: string;
  clientSecret?: string;
  /** `${PUBLIC_URL}/hubspot/oauth/callback`; must equal a redirect URL in app-hsmeta.json. */
  redirectUri?: string;
  /** Single-portal fallback when a tenant's config has no tokens of its own. */
  privateAppToken?: string;
  /** API base URL (tests, demos against a local fake). */
  basePath?: string;
  /** Where the browser goes to grant access. */
  authorizeBaseUrl?: string;
  now?: () => number;
  /** Per-request timeout; defaults to `HUBSPOT_REQUEST_TIMEOUT_MS` (tests shorten it). */
  requestTimeoutMs?: number;
}

/**
 * OAuth for the public (multi-portal) app and the private-app token for a single portal.
 * `getAccessToken(ctx)` is what the CRM adapter calls before every call chain.
 */
export class HubSpotOAuth {
  private readonly now: () => number;
  /** One refresh at a time per tenant: concurrent syncs share it. */
  private readonly inflight = new Map<string, Promise<string>>();

  constructor(private readonly opts: HubSpotOAuthOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** The URL to send an installing admin to. `state` should come from {@link createInstallState}. */
  authorizeUrl(state: string): string {
    const { clientId, redirectUri } = this.requireApp();
    const url = new URL(this.opts.authorizeBaseUrl ?? 'https://app.hubspot.com/oauth/authorize');
    url.searchParams.set('client_id', clientId);
    url.searchParams.set('redirect_uri', redirectUri);
    url.searchParams.set('scope', HUBSPOT_SCOPES.join(' '));
    url.searchParams.set('state', state);
    return url.toString();
  }

  /**
   * Exchanges the `code` HubSpot redirected back with for tokens (`POST /oauth/2026-03/token`, grant
   * `authorization_code`), then learns which portal installed and which HubSpot user granted access (for the
   * audit log; HubSpot names them by user id and email) from `POST /oauth/2026-03/token/introspect`.
   */
  async exchangeCode(code: string): Promise<HubSpotTokenSet & { portalId: string; installer: HubSpotInstaller }> {
    if (!code) throw new HubSpotRequestError('The OAuth callback has no code.', 400);
    const { clientId, clientSecret, redirectUri } = this.requireApp();
    const issuedAt = this.now();
    const what = 'exchanging the OAuth code';
    const tokens = tokenSetOf(
      await this.postForm(HUBSPOT_OAUTH_PATHS.token, { grant_type: 'authorization_code', client_id: clientId, client_secret: clientSecret, redirect_uri: redirectUri, code }, what),
      issuedAt,
      what,
    );
    if (!tokens.refreshToken) throw new HubSpotRequestError(`HubSpot answered without a refresh token while ${what}.`, 200);
    const reading = 'reading the installing portal';
    const info = await this.postForm(HUBSPOT_OAUTH_PATHS.introspect, { client_id: clientId, client_secret: clientSecret, token: tokens.accessToken, token_type_hint: 'access_token' }, reading);
    if (info.active !== true) throw new HubSpotRequestError(`HubSpot said the new access token is not active while ${reading}.`, 200);
    // The token answer carries hub_id too (since 2025-08); the introspection is the documented source.
    const hubId = idOf(info.hub_id) ?? tokens.hubId;
    if (!hubId) throw new HubSpotRequestError(`HubSpot answered without a hub_id while ${reading}.`, 200);
    const userId = idOf(info.user_id) ?? tokens.userId;
    return {
      accessToken: tokens.accessToken,
      refreshToken: tokens.refreshToken,
      expiresAt: tokens.expiresAt,
      portalId: hubId,
      installer: { hubspotUserId: userId, email: typeof info.user === 'string' && info.user ? info.user : null },
    };
  }

  /**
   * Revokes a refresh token with HubSpot (`POST /oauth/2026-03/token/revoke`, the token and the app's
   * credentials in the form body), so the grant a disconnected workspace held can mint no more access tokens.
   * It leaves an access token already issued working until it expires (30 minutes at most) and the app
   * installed in the portal until one of its admins uninstalls it. Any 2xx answer is success. Throws as the
   * other calls do (CrmRetryableError: outage, rate limit, timeout; HubSpotRequestError: refused, or no app
   * credentials on this server). The token never goes into a URL or an error message, but callers still
   * treat the messages as untrusted for logs.
   */
  async revokeRefreshToken(refreshToken: string): Promise<void> {
    const { clientId, clientSecret } = this.requireApp();
    await this.postForm(HUBSPOT_OAUTH_PATHS.revoke, { client_id: clientId, client_secret: clientSecret, token: refreshToken, token_type_hint: 'refresh_token' }, 'revoking the refresh token');
  }

  /**
   * Uninstalls the public app from the account an OAuth access token belongs to (HubSpot's App uninstalls API,
   * `DELETE /appinstalls/2026-03/external-install`, the token needs the `oauth` scope): HubSpot removes the app
   * from that account (its cards, its webhook subscriptions) and emails the account's super admins. HubSpot
   * documents 204 with no body and no error answers; any 2xx counts as uninstalled. Throws as the other calls do
   * (CrmRetryableError: outage, rate limit, timeout, unreachable; HubSpotRequestError: refused). The token goes
   * only into the Authorization header, never a URL or an error message.
   */
  async uninstallApp(accessToken: string): Promise<void> {
    await this.send(HUBSPOT_APP_UNINSTALL_PATH, { method: 'DELETE', headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' } }, 'uninstalling the app');
  }

  /**
   * Tokens for one last call on behalf of an install that is no longer stored (the disconnect's uninstall): the
   * stored access token while it works for more than {@link LAST_CALL_MARGIN_MS}, else a fresh one from
   * {@link refresh}. Saves nothing (unlike {@link getAccessToken}): the integration is already deleted.
   * `refreshToken` is the one to revoke afterwards (HubSpot may hand out a new one with a refresh).
   */
  async tokensWithoutSaving(config: HubSpotIntegrationConfig): Promise<{ accessToken: string; refreshToken: string; refreshed: boolean }> {
    const stored = typeof config.refreshToken === 'string' ? config.refreshToken : '';
    if (typeof config.accessToken === 'string' && config.accessToken && typeof config.expiresAt === 'number' && config.expiresAt - this.now() > LAST_CALL_MARGIN_MS) {
      return { accessToken: config.accessToken, refreshToken: stored, refreshed: false };
    }
    if (!stored) throw new HubSpotRequestError('This HubSpot connection has no refresh token to get an access token with.', null);
    const tokens = await this.refresh(stored);
    return { accessToken: tokens.accessToken, refreshToken: tokens.refreshToken, refreshed: true };
  }

  /**
   * Which portal a private-app (or any access) token belongs to: `GET /account-info/v3/details`. Also the
   * check that HubSpot accepts the token at all: 401 → `HubSpotRequestError` (status 401).
   */
  async portalForToken(accessToken: string): Promise<{ portalId: string }> {
    const what = 'reading the account details';
    const { status, body } = await this.send('/account-info/v3/details', { headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' } }, what);
    if (typeof body.portalId !== 'number' && typeof body.portalId !== 'string') {
      throw new HubSpotRequestError('HubSpot answered the account details without a portalId.', status);
    }
    return { portalId: String(body.portalId) };
  }

  /** Trades a refresh token for a fresh access token (`POST /oauth/2026-03/token`, grant `refresh_token`). */
  async refresh(refreshToken: string): Promise<HubSpotTokenSet> {
    const { clientId, clientSecret } = this.requireApp();
    const issuedAt = this.now();
    const what = 'refreshing the access token';
    try {
      const tokens = tokenSetOf(
        await this.postForm(HUBSPOT_OAUTH_PATHS.token, { grant_type: 'refresh_token', client_id: clientId, client_secret: clientSecret, refresh_token: refreshToken }, what),
        issuedAt,
        what,
      );
      return { accessToken: tokens.accessToken, refreshToken: tokens.refreshToken || refreshToken, expiresAt: tokens.expiresAt };
    } catch (err) {
      if (err instanceof HubSpotRequestError && err.status !== null && err.status >= 400) {
        // 400 invalid_grant (or 401 invalid_client): the app was uninstalled, the token revoked or the app's
        // credentials changed. Retrying will not help.
        throw new HubSpotRequestError("HubSpot refused the refresh token: reconnect HubSpot on Tandem's Integrations page.", err.status);
      }
      throw err;
    }
  }

  /**
   * A working access token for this tenant: the private-app token, or the OAuth access token, refreshed
   * (and persisted through `ctx.saveConfig`) when it expires within five minutes.
   */
  async getAccessToken(ctx: CrmContext): Promise<string> {
    const config = ctx.config as HubSpotIntegrationConfig;
    if (typeof config.privateAppToken === 'string' && config.privateAppToken) return config.privateAppToken;
    if (typeof config.accessToken === 'string' && config.accessToken && typeof config.expiresAt === 'number' && config.expiresAt - this.now() > REFRESH_MARGIN_MS) {
      return config.accessToken;
    }
    if (typeof config.refreshToken === 'string' && config.refreshToken) {
      const running = this.inflight.get(ctx.tenantId);
      if (running) return running;
      const refreshToken = config.refreshToken;
      const job = (async () => {
        const tokens = await this.refresh(refreshToken);
        await ctx.saveConfig({ ...ctx.config, accessToken: tokens.accessToken, refreshToken: tokens.refreshToken, expiresAt: tokens.expiresAt });
        return tokens.accessToken;
      })().finally(() => this.inflight.delete(ctx.tenantId));
      this.inflight.set(ctx.tenantId, job);
      return job;
    }
    if (this.opts.privateAppToken) return this.opts.privateAppToken;
    throw new HubSpotRequestError('HubSpot is not connected for this workspace: install the app or set a private app token.', null);
  }

  private requireApp(): { clientId: string; clientSecret: string; redirectUri: string } {
    const { clientId, clientSecret, redirectUri } = this.opts;
    if (!clientId || !clientSecret || !redirectUri) {
      throw new HubSpotRequestError('HubSpot OAuth needs hubspot.clientId, hubspot.clientSecret and a public URL.', null);
    }
    return { clientId, clientSecret, redirectUri };
  }

  /**
   * A form-encoded POST to one of HubSpot's OAuth endpoints: every parameter in the body (never the URL),
   * no Authorization header (the app authenticates with client_id and client_secret in the form).
   */
  private postForm(path: string, form: Record<string, string>, what: string): Promise<Record<string, unknown>> {
    const init: RequestInit = {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams(form).toString(),
    };
    return this.send(path, init, what).then((r) => r.body);
  }

  /**
   * One request to HubSpot with plain fetch, bounded by the request timeout (the signal also bounds reading
   * the body). Why not the SDK: @hubspot/api-client 13.5 (and 14.0.1) only has the v1 OAuth endpoints, its
   * generic `apiRequest` passes no signal or agent (no timeout, keep-alive sockets), and it has no
   * account-info API. Non-2xx → the port's errors through {@link toCrmError} with HubSpot's own message
   * (RFC 6749 `error`/`error_description`, or the older `message`); messages never hold the request body.
   */
  private async send(path: string, init: RequestInit, what: string): Promise<{ status: number; body: Record<string, unknown> }> {
    const base = (this.opts.basePath ?? HUBSPOT_API_BASE).replace(/\/+$/, '');
    const timeoutMs = this.opts.requestTimeoutMs ?? HUBSPOT_REQUEST_TIMEOUT_MS;
    let res: Response;
    let text: string;
    try {
      res = await fetch(`${base}${path}`, { ...init, signal: AbortSignal.timeout(timeoutMs) });
      text = await res.text();
    } catch (err) {
      if ((err as { name?: unknown }).name === 'TimeoutError') {
        throw new CrmRetryableError(`HubSpot gave no answer within ${timeoutMs} ms while ${what}`);
      }
      // undici's "fetch failed" (refused, reset, DNS): worth trying again later. The cause names the socket
      // error (never the request's body, where the secrets are).
      const cause = (err as { cause?: { code?: unknown; message?: unknown } }).cause;
      const why = typeof cause?.code === 'string' ? cause.code : typeof cause?.message === 'string' ? cause.message.slice(0, 100) : '';
      throw new CrmRetryableError(`HubSpot unreachable while ${what}${why ? ` (${why})` : ''}`);
    }
    let body: Record<string, unknown> = {};
    try {
      const parsed: unknown = text ? JSON.parse(text) : {};
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) body = parsed as Record<string, unknown>;
    } catch {
      // a proxy's HTML error page: the status still says what happened
    }
    if (!res.ok) {
      const headers = Object.fromEntries(res.headers.entries());
      throw toCrmError(new HubSpotHttpError(res.status, headers, { message: errorMessageOf(body, text) }), what);
    }
    return { status: res.status, body };
  }
}

/** HubSpot's OAuth API version in use: the date-versioned API that replaces v1 (retired 2027-02-16). */
export const HUBSPOT_OAUTH_VERSION = '2026-03';

/** The OAuth endpoints Tandem calls (all `POST`, form-encoded). */
export const HUBSPOT_OAUTH_PATHS = {
  token: `/oauth/${HUBSPOT_OAUTH_VERSION}/token`,
  introspect: `/oauth/${HUBSPOT_OAUTH_VERSION}/token/introspect`,
  revoke: `/oauth/${HUBSPOT_OAUTH_VERSION}/token/revoke`,
} as const;

/** HubSpot's App uninstalls API, 2026-03 (`DELETE`, the account's OAuth access token as a Bearer token). */
export const HUBSPOT_APP_UNINSTALL_PATH = '/appinstalls/2026-03/external-install';

/** What the token endpoint answers, as Tandem uses it. */
function tokenSetOf(body: Record<string, unknown>, issuedAt: number, what: string): HubSpotTokenSet & { hubId: string | null; userId: string | null } {
  const { access_token: accessToken, refresh_token: refreshToken, expires_in: expiresIn } = body;
  if (typeof accessToken !== 'string' || !accessToken || typeof expiresIn !== 'number' || !Number.isFinite(expiresIn)) {
    throw new HubSpotRequestError(`HubSpot answered without an access_token and expires_in while ${what}.`, 200);
  }
  return {
    accessToken,
    refreshToken: typeof refreshToken === 'string' ? refreshToken : '',
    expiresAt: issuedAt + expiresIn * 1000,
    hubId: idOf(body.hub_id),
    userId: idOf(body.user_id),
  };
}

/** A HubSpot numeric id (hub, user) as a string, or null. */
function idOf(value: unknown): string | null {
  return (typeof value === 'number' && Number.isFinite(value)) || (typeof value === 'string' && value) ? String(value) : null;
}

/** HubSpot's error text: RFC 6749 `error: error_description`, else its older `message`, else the raw body. */
function errorMessageOf(body: Record<string, unknown>, text: string): string {
  const str = (v: unknown) => (typeof v === 'string' && v ? v : null);
  const code = str(body.error);
  const description = str(body.error_description) ?? str(body.message);
  if (code && description) return `${code}: ${description}`;
  return (description ?? code ?? text.slice(0, 200)) || 'no body';
}

/**
 * Signs the tenant into the OAuth `state` so the callback knows who installed, and a forged or old state
 * is refused. Format: `<tenantId>.<issuedAtMs>.<nonce>.<hmac>` (base64url).
 */
export function createInstallState(secret: string, tenantId: string, nowMs = Date.now()): string {
  const payload = `${Buffer.from(tenantId).toString('base64url')}.${nowMs}.${randomBytes(9).toString('base64url')}`;
  return `${payload}.${createHmac('sha256', secret).update(payload).digest('base64url')}`;
}

/** Returns the tenant id from a state made by {@link createInstallState}, or null when forged or expired. */
export function verifyInstallState(secret: string, state: string, nowMs = Date.now()): string | null {
  const parts = state.split('.');
  if (parts.length !== 4) return null;
  const payload = parts.slice(0, 3).join('.');
  const expected = Buffer.from(createHmac('sha256', secret).update(payload).digest('base64url'));
  const given = Buffer.from(parts[3]);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
  const issuedAt = Number(parts[1]);
  if (!Number.isSafeInteger(issuedAt) || nowMs - issuedAt > STATE_MAX_AGE_MS || issuedAt - nowMs > 60_000) return null;
  return Buffer.from(parts[0], 'base64url').toString('utf8') || null;
}
