import express, { type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import { actorOf, CrmRetryableError, presentedApiKey, redactSecrets, TandemError, type ApiPrincipal, type EngineCommon, type Role } from '../../../core/index';
import { SalesforceApiError, SalesforceTokenError, type SalesforceCrmAdapter, type SalesforceTokenGrant } from './salesforce.crm-adapter';
import { createOrgKey, toSalesforceId18 } from './salesforce-org-auth';
import type { SalesforceLogger } from './salesforce.routes';

/** What the install routes need beyond the common engine surface: API-key authentication. */
export interface SalesforceInstallEngine extends EngineCommon {
  apiKeys: { authenticate(presented: string): Promise<ApiPrincipal | null> };
}

export interface SalesforceInstallRouterDeps {
  engine: SalesforceInstallEngine;
  logger: SalesforceLogger;
  /** The sync's adapter: the connect check asks for a token exactly as a sync would; a disconnect revokes the stored one. */
  adapter: Pick<SalesforceCrmAdapter, 'requestToken' | 'revokeToken'>;
}

export const SALESFORCE_INTEGRATION_PATH = '/api/v1/integrations/salesforce';

const API_NAME = /^[A-Za-z][A-Za-z0-9_]{0,79}$/;
const RANK: Record<Role, number> = { viewer: 0, agent: 1, admin: 2 };

const connectBody = z
  .object({
    orgId: z
      .string({ error: 'is required: your Salesforce organization id (00D..., 15 or 18 characters)' })
      .trim()
      .refine((v) => toSalesforceId18(v)?.startsWith('00D') ?? false, 'must be a Salesforce organization id (00D..., 15 or 18 characters)'),
    instanceUrl: z
      .string({ error: 'is required: your My Domain URL, like https://acme.my.salesforce.com' })
      .trim()
      .refine(isInstanceUrl, 'must be your https My Domain URL with no path, like https://acme.my.salesforce.com'),
    clientId: z.string({ error: "is required: the External Client App's consumer key" }).trim().min(1, "is required: the External Client App's consumer key").max(255),
    clientSecret: z.string({ error: "is required: the External Client App's consumer secret" }).trim().min(1, "is required: the External Client App's consumer secret").max(255),
    smsOptOutField: z.string().trim().regex(API_NAME, 'must be a Lead field API name like Tandem_SMS_Opt_Out__c').optional().nullable(),
    enabled: z.boolean().optional(),
    /** Keep the org key issued earlier (when only the sync credentials change). */
    keepOrgKey: z.boolean().optional(),
  })
  .strict();

function isInstanceUrl(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  return url.protocol === 'https:' && !url.username && !url.password && !url.search && !url.hash && (url.pathname === '/' || url.pathname === '');
}

/** Where the sync's client credentials flow is switched on, for the answers that need it. */
const CLIENT_CREDENTIALS_SETUP =
  'Setup → External Client App Manager → Tandem Sync → Policies → OAuth Policies: tick Enable Client Credentials Flow and set Run As to the integration user (API Only, permission set Tandem_Integration)';

/** What the admin still has to remove in Salesforce after a disconnect. */
const SALESFORCE_CLEANUP =
  'In Salesforce, delete the old key (Setup → Named Credentials → External Credentials → Tandem → Principals → TandemOrg → Authentication Parameters → OrgKey). If you are done with Tandem, also remove what connectors/salesforce/manifest/package.xml deployed: the External Client App Tandem Sync (its consumer secret stops working with it), the Tandem Named Credential and External Credential, the Tandem SMS card, tab and record page, and the Tandem_User and Tandem_Integration permission sets.';

/**
 * The disconnect's note: what became of Tandem's Salesforce session, then what to remove in Salesforce.
 * `revoked`: Salesforce answered the revoke with 2xx (it documents 200). `notRevoked`: there was no token to revoke, Salesforce
 * could not be reached, or it refused (a 400 `invalid_token` mostly means the session had already ended):
 * Tandem has deleted its copy either way, so the token only lives until the org's session timeout.
 */
export const SALESFORCE_DISCONNECT_NOTES = {
  revoked: `Disconnected: the org key no longer works, Tandem has stopped syncing and Salesforce has ended Tandem's session. ${SALESFORCE_CLEANUP}`,
  notRevoked: `Disconnected: the org key no longer works and Tandem has stopped syncing. Any Salesforce session Tandem had ends at your org's session timeout (Tandem no longer holds its token). ${SALESFORCE_CLEANUP}`,
} as const;

/**
 * Connecting a Salesforce org to a Tandem workspace (admin API key):
 * - `PUT /api/v1/integrations/salesforce` with `{ orgId, instanceUrl, clientId, clientSecret, smsOptOutField?,
 *   enabled?, keepOrgKey? }` first asks the org's My Domain for a token with these credentials (the client
 *   credentials flow, as the sync does), then stores them (sealed at rest) with that token, and issues the org
 *   key the admin pastes into the `Tandem` External Credential. Tandem keeps only the key's SHA-256, so the
 *   answer is the only time it is shown. Answers 201 on the first connect, 200 after. Salesforce refusing the
 *   consumer key or secret is a 422 on that field, an org that cannot be reached a 502, and nothing is stored
 *   on either; a flow not yet enabled (no run-as user) is stored, with a `warning`.
 * - `GET /api/v1/integrations/salesforce` shows the connection without any secret.
 * - `DELETE /api/v1/integrations/salesforce` disconnects: the org key stops working at once. Once that has
 *   committed, the access token the connection held is revoked with Salesforce, best effort (nothing
 *   Salesforce answers undoes the disconnect): `{ integration: null, revoked, note }`.
 * Connects and disconnects are audited. Errors take the server's shape (`TandemError` → `{ error: { code,
 * message, details } }`).
 */
export function createSalesforceInstallRouter(deps: SalesforceInstallRouterDeps): Router {
  const { engine, logger, adapter } = deps;
  const router = express.Router();

  router.get(SALESFORCE_INTEGRATION_PATH, async (req: Request, res: Response) => {
    const principal = await requireKey(engine, req, 'viewer');
    const integration = await engine.integrations.get(principal.tenantId, 'salesforce');
    res.set('Cache-Control', 'no-store').json({ integration: integration ? publicView(integration.externalId, integration.enabled, integration.config) : null });
  });

  router.put(SALESFORCE_INTEGRATION_PATH, express.json({ limit: '16kb' }), async (req: Request, res: Response) => {
    const principal = await requireKey(engine, req, 'admin');
    const body = parseConnectBody(req.body);
    const actor = actorOf(principal, req.header('x-tandem-surface'));
    const orgId = toSalesforceId18(body.orgId) as string;
    const { tenantId } = principal;

    // One org, one workspace, paused or not: the routes find the tenant by org id.
    const owner = (await engine.integrations.claimedBy('salesforce', orgId)) ?? (await engine.integrations.claimedBy('salesforce', orgId.slice(0, 15)));
    if (owner && owner !== tenantId) throw orgInUse(orgId);

    const previous = await engine.integrations.get(tenantId, 'salesforce');
    const sameOrg = previous ? toSalesforceId18(previous.externalId ?? '') === orgId : false;
    const previousHash = typeof previous?.config.orgKeySha256 === 'string' ? previous.config.orgKeySha256 : null;
    if (body.keepOrgKey && !(sameOrg && previousHash)) {
      throw new TandemError('request.invalid', 'Some fields are missing or not valid', 422, {
        fields: { keepOrgKey: 'there is no org key for this org to keep: leave keepOrgKey out to issue one' },
      });
    }
    const instanceUrl = new URL(body.instanceUrl).origin;
    const config: Record<string, unknown> = {
      instanceUrl,
      clientId: body.clientId,
      clientSecret: body.clientSecret,
    };
    if (body.smsOptOutField) config.smsOptOutField = body.smsOptOutField;

    // A token belongs to the credentials and the org it was issued for. New credentials are checked with
    // Salesforce before a byte is stored. The stored ones are not asked about again once they have earned a
    // token, nor when the connection is being paused (pausing must work while Salesforce is down); stored
    // ones without a token (the flow was off) are checked again, so saving once the flow is on confirms it.
    let warning: string | null = null;
    const enabled = body.enabled ?? true;
    const sameCredentials = sameOrg && previous?.config.clientId === body.clientId && previous?.config.clientSecret === body.clientSecret && previous?.config.instanceUrl === instanceUrl;
    const storedToken = sameCredentials && typeof previous?.config.accessToken === 'string' ? previous.config.accessToken : null;
    if (storedToken) {
      config.accessToken = storedToken;
      if (typeof previous?.config.tokenIssuedAt === 'string') config.tokenIssuedAt = previous.config.tokenIssuedAt;
    } else if (!(sameCredentials && !enabled)) {
      const checked = await checkWithSalesforce(adapter, { instanceUrl, clientId: body.clientId, clientSecret: body.clientSecret }, orgId);
      if ('grant' in checked) {
        // Kept as the sync stores it, so the first sync does not ask for another.
        config.accessToken = checked.grant.accessToken;
        config.tokenIssuedAt = checked.grant.tokenIssuedAt;
      } else {
        warning = checked.warning;
      }
      logger.info({ tenantId, orgId, tokenIssued: 'grant' in checked }, 'salesforce credentials checked');
    }

    const issued = body.keepOrgKey ? null : createOrgKey();
    config.orgKeySha256 = issued ? issued.sha256 : previousHash;
    try {
      await engine.integrations.put(tenantId, 'salesforce', { externalId: orgId, enabled, config }, actor);
    } catch (err) {
      // Another workspace connected the org between the check above and this write.
      if (isUniqueViolation(err)) throw orgInUse(orgId);
      throw err;
    }
    logger.info({ tenantId, orgId, enabled, orgKeyIssued: Boolean(issued), warning: warning !== null, by: principal.keyId }, 'salesforce org connected');

    res
      .status(previous ? 200 : 201)
      .set('Cache-Control', 'no-store')
      .json({
        integration: publicView(orgId, enabled, config),
        orgKey: issued
          ? {
              key: issued.key,
              note: 'Shown once. In Salesforce: Setup → Named Credentials → External Credentials → Tandem → Principals → TandemOrg → Authentication Parameters → OrgKey.',
            }
          : null,
        warning,
      });
  });

  router.delete(SALESFORCE_INTEGRATION_PATH, async (req: Request, res: Response) => {
    const principal = await requireKey(engine, req, 'admin');
    const actor = actorOf(principal, req.header('x-tandem-surface'));
    const removed = await engine.integrations.disconnect(principal.tenantId, 'salesforce', actor);
    if (!removed) throw new TandemError('integration.not_connected', 'No Salesforce org is connected to this workspace', 404);
    // Committed: from here on nothing undoes the disconnect, and Salesforce's answer only changes the note.
    const log = { tenantId: principal.tenantId, orgId: removed.externalId };
    const revoked = await revokeSession(adapter, logger, removed.config, log);
    logger.info({ ...log, revoked, by: principal.keyId }, 'salesforce org disconnected');
    res
      .set('Cache-Control', 'no-store')
      .json({ integration: null, revoked, note: revoked ? SALESFORCE_DISCONNECT_NOTES.revoked : SALESFORCE_DISCONNECT_NOTES.notRevoked });
  });

  return router;
}

/**
 * Revokes the token a disconnected connection held, so its session ends now rather than at the org's
 * session timeout: its refresh token when it has one (a user-authorised connection), else its access token
 * (the client credentials flow's: the connect check's or the sync's latest). Best effort, after the disconnect has
 * committed: true only when Salesforce answered 2xx. No token (or no My Domain to send it to) asks nothing.
 * A 400 is how Salesforce answers a token it no longer knows (`invalid_token`: the session had already
 * timed out), so it is logged as info, not a warning; the token never reaches a log line.
 */
async function revokeSession(
  adapter: SalesforceInstallRouterDeps['adapter'],
  logger: SalesforceLogger,
  config: Record<string, unknown>,
  log: { tenantId: string; orgId: string | null },
): Promise<boolean> {
  // A user-authorised connection's refresh token outlives any session: revoking it ends its access tokens too.
  const stored = (key: string) => (typeof config[key] === 'string' && (config[key] as string).length > 0 ? (config[key] as string) : null);
  const token = stored('refreshToken') ?? stored('accessToken');
  const instanceUrl = typeof config.instanceUrl === 'string' ? config.instanceUrl : null;
  if (!token || !instanceUrl) return false;
  try {
    await adapter.revokeToken({ instanceUrl }, token);
    return true;
  } catch (err) {
    const status = err instanceof SalesforceApiError ? err.status : null;
    const detail = {
      ...log,
      status,
      salesforceError: err instanceof SalesforceApiError && err.errorCode ? redactSecrets(err.errorCode, [token]) : null,
      err: redactSecrets(err instanceof Error ? err.message : String(err), [token]),
    };
    if (status === 400) logger.info(detail, 'salesforce disconnected; Salesforce no longer knew its access token (nothing left to revoke)');
    else logger.warn(detail, 'salesforce disconnected, but its access token could not be revoked with Salesforce; it lapses at the org session timeout');
    return false;
  }
}

/**
 * Asks the org's My Domain for a token with the admin's credentials. A consumer key or secret Salesforce
 * refuses is a 422 on that field; an org it cannot reach (or a 5xx) is a 502; a client credentials flow not
 * switched on yet (the install guide lets an admin connect before choosing its run-as user) is a warning.
 * Salesforce's error codes and descriptions never echo the secret, so they are safe to pass on.
 */
async function checkWithSalesforce(
  adapter: SalesforceInstallRouterDeps['adapter'],
  org: { instanceUrl: string; clientId: string; clientSecret: string },
  orgId: string,
): Promise<{ grant: SalesforceTokenGrant } | { warning: string }> {
  let grant: SalesforceTokenGrant;
  try {
    grant = await adapter.requestToken(org);
  } catch (err) {
    if (err instanceof CrmRetryableError) {
      throw new TandemError(
        'salesforce.unavailable',
        `Salesforce at ${org.instanceUrl} could not be reached, or answered with a server error, when Tandem checked these credentials. Nothing was stored: check the My Domain URL, or try again in a minute.`,
        502,
      );
    }
    if (err instanceof SalesforceTokenError) return refusal(err);
    throw err;
  }
  if (grant.orgId && grant.orgId !== orgId) {
    throw invalidCredentials(`These credentials belong to the Salesforce org ${grant.orgId}, not ${orgId}`, {
      orgId: `does not match the consumer key and secret: they belong to the org ${grant.orgId}`,
    });
  }
  return { grant };
}

function refusal(err: SalesforceTokenError): { warning: string } {
  // Capped: the URL is the admin's, and whatever answers there is echoed back.
  const said = `${err.error}${err.description ? `: ${err.description}` : ''}`.slice(0, 300);
  if (err.error === 'invalid_grant' && /no client credentials user enabled/i.test(err.description)) {
    return {
      warning: `Connected, but the client credentials flow is not enabled for this app or has no run-as user (Salesforce: ${said}), so syncing to Salesforce will fail until it is: ${CLIENT_CREDENTIALS_SETUP}. Then save this connection again (keepOrgKey: true keeps the org key) to check it.`,
    };
  }
  if (err.error === 'invalid_client_id') {
    throw invalidCredentials(`Salesforce does not know this consumer key (${said})`, {
      clientId: "is not a consumer key this org knows: copy it from Setup → External Client App Manager → Tandem Sync → Settings → OAuth Settings (new apps can take a few minutes to work)",
    });
  }
  if (err.error === 'invalid_client') {
    throw invalidCredentials(`Salesforce refused the consumer secret (${said})`, {
      clientSecret: "is not this app's consumer secret: copy it again from Setup → External Client App Manager → Tandem Sync → Settings → OAuth Settings",
    });
  }
  if (err.error === 'invalid_grant' && /not supported on this domain/i.test(err.description)) {
    throw invalidCredentials(`Salesforce does not accept the client credentials flow at this URL (${said})`, {
      instanceUrl: 'must be your My Domain URL (Setup → My Domain), like https://acme.my.salesforce.com: the client credentials flow only works there',
    });
  }
  if (err.error.startsWith('HTTP ')) {
    throw invalidCredentials(`This URL did not answer as a Salesforce org (${err.error})`, {
      instanceUrl: `did not answer as a Salesforce My Domain (${err.error}): use the URL from Setup → My Domain, like https://acme.my.salesforce.com`,
    });
  }
  throw new TandemError('salesforce.credentials_refused', `Salesforce refused a token for these credentials (${said}). Nothing was stored.`, 422, { salesforceError: err.error });
}

function invalidCredentials(message: string, fields: Record<string, string>): TandemError {
  return new TandemError('salesforce.credentials_invalid', `${message}. Nothing was stored.`, 422, { fields });
}

function orgInUse(orgId: string): TandemError {
  return new TandemError('salesforce.org_in_use', 'This Salesforce org is connected to another Tandem workspace. Disconnect it there first.', 409, { orgId });
}

/** A unique-index violation (PostgreSQL 23505), as the driver or TypeORM's wrapper carries it. */
function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: unknown; driverError?: { code?: unknown } } | null;
  return e?.code === '23505' || e?.driverError?.code === '23505';
}


function parseConnectBody(raw: unknown): z.infer<typeof connectBody> {
  const parsed = connectBody.safeParse(raw ?? {});
  if (parsed.success) return parsed.data;
  const fields: Record<string, string> = {};
  for (const issue of parsed.error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) fields[key] = 'is not a Salesforce integration setting';
      continue;
    }
    fields[issue.path.join('.') || '_'] ??= issue.message;
  }
  throw new TandemError('request.invalid', 'Some fields are missing or not valid', 422, { fields });
}

/** The connection as the console shows it: never the secret, the token or the org key. */
function publicView(orgId: string | null, enabled: boolean, config: Record<string, unknown>) {
  return {
    kind: 'salesforce' as const,
    orgId,
    enabled,
    instanceUrl: typeof config.instanceUrl === 'string' ? config.instanceUrl : null,
    clientId: typeof config.clientId === 'string' ? config.clientId : null,
    smsOptOutField: typeof config.smsOptOutField === 'string' ? config.smsOptOutField : null,
    hasOrgKey: typeof config.orgKeySha256 === 'string' || typeof config.orgKey === 'string',
    tokenIssuedAt: typeof config.tokenIssuedAt === 'string' ? config.tokenIssuedAt : null,
  };
}

/** The tenant API key (`Authorization: Bearer`, `X-Api-Key` or the console's session cookie) with a minimum role. */
async function requireKey(engine: SalesforceInstallEngine, req: Request, minimum: Role): Promise<ApiPrincipal> {
  const key = presentedKey(req);
  if (!key) throw new TandemError('auth.missing_api_key', 'Send your API key as "Authorization: Bearer tdm_..."', 401);
  const principal = await engine.apiKeys.authenticate(key);
  if (!principal) throw new TandemError('auth.invalid_api_key', 'This API key is not valid or has been revoked', 401);
  if (RANK[principal.role] < RANK[minimum]) {
    throw new TandemError('auth.forbidden', `This action needs the ${minimum} role; this key has ${principal.role}`, 403);
  }
  return principal;
}

function presentedKey(req: Request): string | null {
  return presentedApiKey((name) => req.get(name));
}
