/**
 * HubSpot's OAuth 2026-03 answers, shaped as its API reference documents them (sources at the top of
 * hubspot-oauth.test.ts), for the nocks of every HubSpot test file.
 */

/** `POST /oauth/2026-03/token` (either grant): 200. */
export function tokenAnswer(overrides: { access_token: string; refresh_token: string } & Record<string, unknown>): Record<string, unknown> {
  return {
    token_use: 'access_token',
    token_type: 'bearer',
    expires_in: 1800,
    hub_id: 62515,
    user_id: 7,
    scopes: ['oauth', 'crm.objects.contacts.read', 'crm.objects.contacts.write', 'crm.schemas.contacts.read', 'crm.schemas.contacts.write'],
    ...overrides,
  };
}

/** `POST /oauth/2026-03/token/introspect` for an active access token: 200. */
export function introspectAnswer(overrides: { token: string } & Record<string, unknown>): Record<string, unknown> {
  const hubId = (overrides.hub_id as number | undefined) ?? 62515;
  const userId = (overrides.user_id as number | undefined) ?? 7;
  return {
    token_use: 'access_token',
    active: true,
    hub_id: hubId,
    user_id: userId,
    client_id: 'cid-123',
    app_id: 42,
    scopes: ['oauth', 'crm.objects.contacts.read', 'crm.objects.contacts.write', 'crm.schemas.contacts.read', 'crm.schemas.contacts.write'],
    signed_access_token: {
      appId: 42,
      expiresAt: 1_764_001_800_000,
      hubId,
      hublet: 'na1',
      installingUserId: userId,
      isPrivateDistribution: false,
      isServiceAccount: false,
      isUserLevel: false,
      newSignature: 'sig-new',
      scopeToScopeGroupPks: '[]',
      scopes: 'oauth',
      signature: 'sig',
      trialScopeToScopeGroupPks: '[]',
      trialScopes: '',
      userId,
    },
    expires_in: 1799,
    is_private_distribution: false,
    token_type: 'bearer',
    user: 'ada@acme.test',
    hub_domain: 'acme.hubspot.com',
    ...overrides,
  };
}

/** HubSpot's RFC 6749 error for a refresh token it no longer knows (the older status/message come along). */
export const BAD_REFRESH_TOKEN = {
  error: 'invalid_grant',
  error_description: 'refresh token is invalid, expired or revoked',
  status: 'BAD_REFRESH_TOKEN',
  message: 'refresh token is invalid, expired or revoked',
} as const;
