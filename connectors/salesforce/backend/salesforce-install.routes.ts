import express, { type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import { presentedApiKey, TandemError, type ApiPrincipal, type EngineCommon, type Role } from '../../../core/index';
import { createOrgKey, toSalesforceId18 } from './salesforce-org-auth';
import type { SalesforceLogger } from './salesforce.routes';

/** What the install routes need beyond the common engine surface: API-key authentication. */
export interface SalesforceInstallEngine extends EngineCommon {
  apiKeys: { authenticate(presented: string): Promise<ApiPrincipal | null> };
}

export interface SalesforceInstallRouterDeps {
  engine: SalesforceInstallEngine;
  logger: SalesforceLogger;
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

/**
 * Connecting a Salesforce org to a Tandem workspace (admin API key):
 * - `PUT /api/v1/integrations/salesforce` with `{ orgId, instanceUrl, clientId, clientSecret, smsOptOutField?,
 *   enabled?, keepOrgKey? }` stores the sync credentials (sealed at rest) and issues the org key the admin
 *   pastes into the `Tandem` External Credential. Tandem keeps only the key's SHA-256, so the answer is the
 *   only time it is shown. Answers 201 on the first connect, 200 after.
 * - `GET /api/v1/integrations/salesforce` shows the connection without any secret.
 * Errors take the server's shape (`TandemError` → `{ error: { code, message, details } }`).
 */
export function createSalesforceInstallRouter(deps: SalesforceInstallRouterDeps): Router {
  const { engine, logger } = deps;
  const router = express.Router();

  router.get(SALESFORCE_INTEGRATION_PATH, async (req: Request, res: Response) => {
    const principal = await requireKey(engine, req, 'viewer');
    const integration = await engine.integrations.get(principal.tenantId, 'salesforce');
    res.set('Cache-Control', 'no-store').json({ integration: integration ? publicView(integration.externalId, integration.enabled, integration.config) : null });
  });

  router.put(SALESFORCE_INTEGRATION_PATH, express.json({ limit: '16kb' }), async (req: Request, res: Response) => {
    const principal = await requireKey(engine, req, 'admin');
    const body = parseConnectBody(req.body);
    const orgId = toSalesforceId18(body.orgId) as string;
    const { tenantId } = principal;

    // One org, one workspace: the routes find the tenant by org id.
    const owner = (await engine.integrations.findTenant('salesforce', orgId)) ?? (await engine.integrations.findTenant('salesforce', orgId.slice(0, 15)));
    if (owner && owner !== tenantId) {
      throw new TandemError('salesforce.org_in_use', 'This Salesforce org is connected to another Tandem workspace. Disconnect it there first.', 409, { orgId });
    }

    const previous = await engine.integrations.get(tenantId, 'salesforce');
    const sameOrg = previous ? toSalesforceId18(previous.externalId ?? '') === orgId : false;
    const previousHash = typeof previous?.config.orgKeySha256 === 'string' ? previous.config.orgKeySha256 : null;
    if (body.keepOrgKey && !(sameOrg && previousHash)) {
      throw new TandemError('request.invalid', 'Some fields are missing or not valid', 422, {
        fields: { keepOrgKey: 'there is no org key for this org to keep: leave keepOrgKey out to issue one' },
      });
    }
    const issued = body.keepOrgKey ? null : createOrgKey();
    const instanceUrl = new URL(body.instanceUrl).origin;
    const config: Record<string, unknown> = {
      instanceUrl,
      clientId: body.clientId,
      clientSecret: body.clientSecret,
      orgKeySha256: issued ? issued.sha256 : previousHash,
    };
    if (body.smsOptOutField) config.smsOptOutField = body.smsOptOutField;
    // A token belongs to the credentials and the org it was issued for.
    const sameCredentials = sameOrg && previous?.config.clientId === body.clientId && previous?.config.clientSecret === body.clientSecret && previous?.config.instanceUrl === instanceUrl;
    if (sameCredentials && typeof previous?.config.accessToken === 'string') {
      config.accessToken = previous.config.accessToken;
      if (typeof previous.config.tokenIssuedAt === 'string') config.tokenIssuedAt = previous.config.tokenIssuedAt;
    }
    const enabled = body.enabled ?? true;
    await engine.integrations.put(tenantId, 'salesforce', { externalId: orgId, enabled, config });
    logger.info({ tenantId, orgId, enabled, orgKeyIssued: Boolean(issued), by: principal.keyId }, 'salesforce org connected');

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
      });
  });

  return router;
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
