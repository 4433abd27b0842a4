import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { CrmRetryableError, type CrmContext } from '../../core/index';
import { createHubSpotClient, HUBSPOT_API_BASE, HUBSPOT_REQUEST_TIMEOUT_MS, HubSpotHttpError, HubSpotRequestError, toCrmError } from './hubspot-client';

/**
 * Scopes Tandem asks for. Contacts read/write: upsert contacts and log SMS communications on them;
 * contacts schema read/write: create Tandem's property group and properties on install.
 */
export const HUBSPOT_SCOPES = ['oauth', 'crm.objects.contacts.read', 'crm.objects.contacts.write', 'crm.schemas.contacts.read', 'crm.schemas.contacts.write'] as const;

/** Refresh an access token when it expires within this window. */
export const REFRESH_MARGIN_MS = 5 * 60 * 1000;

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
   * Exchanges the `code` HubSpot redirected back with for tokens, and learns which portal installed and
   * which HubSpot user granted access (for the audit log; HubSpot names them by user id and email).
   */
  async exchangeCode(code: string): Promise<HubSpotTokenSet & { portalId: string; installer: HubSpotInstaller }> {
    if (!code) throw new HubSpotRequestError('The OAuth callback has no code.', 400);
    const { clientId, clientSecret, redirectUri } = this.requireApp();
    const { client, call, timed } = createHubSpotClient({ basePath: this.opts.basePath, timeoutMs: this.opts.requestTimeoutMs });
    const issuedAt = this.now();
    let tokens;
    try {
      tokens = await timed(client.oauth.tokensApi.create('authorization_code', code, redirectUri, clientId, clientSecret, undefined, call));
    } catch (err) {
      throw toCrmError(err, 'exchanging the OAuth code');
    }
    let info;
    try {
      info = await timed(client.oauth.accessTokensApi.get(tokens.accessToken, call));
    } catch (err) {
      throw toCrmError(err, 'reading the installing portal');
    }
    return {
      accessToken: tokens.accessToken,
      refreshToken: tokens.refreshToken,
      expiresAt: issuedAt + tokens.expiresIn * 1000,
      portalId: String(info.hubId),
      installer: { hubspotUserId: info.userId ? String(info.userId) : null, email: info.user || null },
    };
  }

  /**
   * Deletes a refresh token with HubSpot (`DELETE /oauth/v1/refresh-tokens/{token}`, answered 204 with no
   * body), so the grant a disconnected workspace held can mint no more access tokens. HubSpot's endpoint
   * needs no app credentials; it leaves an access token already issued working until it expires (30 minutes
   * at most) and the app installed in the portal until one of its admins uninstalls it. Throws as the other
   * calls do (CrmRetryableError: outage, rate limit, timeout; HubSpotRequestError: refused); the messages
   * may hold the request URL, and so the token: never log them as they are.
   */
  async revokeRefreshToken(refreshToken: string): Promise<void> {
    const { client, call, timed } = createHubSpotClient({ basePath: this.opts.basePath, timeoutMs: this.opts.requestTimeoutMs });
    try {
      await timed(client.oauth.refreshTokensApi.archive(refreshToken, call));
    } catch (err) {
      throw toCrmError(err, 'revoking the refresh token');
    }
  }

  /**
   * Which portal a private-app (or any access) token belongs to: `GET /account-info/v3/details`. Also the
   * check that HubSpot accepts the token at all: 401 → `HubSpotRequestError` (status 401).
   */
  async portalForToken(accessToken: string): Promise<{ portalId: string }> {
    const base = (this.opts.basePath ?? HUBSPOT_API_BASE).replace(/\/+$/, '');
    const timeoutMs = this.opts.requestTimeoutMs ?? HUBSPOT_REQUEST_TIMEOUT_MS;
    let res: Response;
    let text: string;
    try {
      // Plain fetch: the generated client has no account-info API, and its `apiRequest` keeps sockets alive.
      // The signal also bounds reading the body.
      res = await fetch(`${base}/account-info/v3/details`, { headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' }, signal: AbortSignal.timeout(timeoutMs) });
      text = await res.text();
    } catch (err) {
      if ((err as { name?: unknown }).name === 'TimeoutError') {
        throw new CrmRetryableError(`HubSpot gave no answer within ${timeoutMs} ms while reading the account details`);
      }
      // undici's "fetch failed" (refused, reset, DNS): worth trying again later.
      const cause = (err as { cause?: { code?: unknown } }).cause?.code;
      throw new CrmRetryableError(`HubSpot unreachable while reading the account details${typeof cause === 'string' ? ` (${cause})` : ''}`);
    }
    let body: { portalId?: unknown; message?: unknown } = {};
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      // a proxy's HTML error page: the status still says what happened
    }
    if (!res.ok) {
      const headers = Object.fromEntries(res.headers.entries());
      throw toCrmError(new HubSpotHttpError(res.status, headers, { message: typeof body.message === 'string' ? body.message : text.slice(0, 200) || 'no body' }), 'reading the account details');
    }
    if (typeof body.portalId !== 'number' && typeof body.portalId !== 'string') {
      throw new HubSpotRequestError('HubSpot answered the account details without a portalId.', res.status);
    }
    return { portalId: String(body.portalId) };
  }

  /** Trades a refresh token for a fresh access token. */
  async refresh(refreshToken: string): Promise<HubSpotTokenSet> {
    const { clientId, clientSecret } = this.requireApp();
    const { client, call, timed } = createHubSpotClient({ basePath: this.opts.basePath, timeoutMs: this.opts.requestTimeoutMs });
    const issuedAt = this.now();
    try {
      const tokens = await timed(client.oauth.tokensApi.create('refresh_token', undefined, undefined, clientId, clientSecret, refreshToken, call));
      return { accessToken: tokens.accessToken, refreshToken: tokens.refreshToken || refreshToken, expiresAt: issuedAt + tokens.expiresIn * 1000 };
    } catch (err) {
      const mapped = toCrmError(err, 'refreshing the access token');
      if (mapped instanceof HubSpotRequestError) {
        // 400 invalid_grant: the app was uninstalled or the token revoked. Retrying will not help.
        throw new HubSpotRequestError('HubSpot refused the refresh token: reconnect HubSpot in Tandem settings.', mapped.status);
      }
      throw mapped;
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
