/** What the HubSpot panel sends and how it words the server's answers (`/api/v1/integrations/hubspot`). */

/** How a connection authenticates, as `GET /api/v1/integrations/hubspot` names it. */
export type HubSpotMode = 'private_app' | 'oauth' | 'env';

/** `{ hubspot }` of the answers: never the token. */
export interface HubSpotConnection {
  connected: boolean;
  enabled: boolean;
  portalId: string | null;
  mode: HubSpotMode | null;
}

/** The answer of `PUT /api/v1/integrations/hubspot`: the connection and what happened to Tandem's contact properties. */
export interface HubSpotConnectAnswer {
  hubspot: HubSpotConnection;
  properties?: { created: string[]; unavailable?: string[] };
}

/**
 * The scopes a private app needs: `HUBSPOT_SCOPES` of connectors/hubspot/hubspot-oauth.ts without `oauth`
 * (kept here so the console bundle does not pull in the server's HubSpot client; a test keeps them equal).
 */
export const PRIVATE_APP_SCOPES = ['crm.objects.contacts.read', 'crm.objects.contacts.write', 'crm.schemas.contacts.read', 'crm.schemas.contacts.write'] as const;

/** The `PUT` body: the token as pasted, without the spaces or line breaks a copy may carry around it. */
export function connectBody(token: string): { privateAppToken: string } {
  return { privateAppToken: token.trim() };
}

export function modeLabel(mode: HubSpotMode | null): string {
  switch (mode) {
    case 'private_app':
      return 'Private app token';
    case 'oauth':
      return 'Public app, installed from HubSpot';
    case 'env':
      return 'Private app token in the server’s settings (HUBSPOT_PRIVATE_APP_TOKEN)';
    default:
      return '—';
  }
}

const list = (names: string[]) => names.join(', ');

/** The status line after a successful connect: which portal, and what became of Tandem's contact properties. */
export function connectedMessage(answer: HubSpotConnectAnswer): string {
  const portalId = answer.hubspot.connected ? answer.hubspot.portalId : null;
  const parts = [portalId ? `HubSpot account ${portalId} connected.` : 'HubSpot connected.'];
  const created = answer.properties?.created ?? null;
  const unavailable = answer.properties?.unavailable ?? [];
  if (created && created.length > 0) parts.push(`Created Tandem’s contact properties: ${list(created)}.`);
  else if (created) parts.push('Tandem’s contact properties were already there.');
  if (unavailable.length > 0) parts.push(`HubSpot would not take ${list(unavailable)}; contacts still sync, and Tandem asks again every hour.`);
  return parts.join(' ');
}

/**
 * The install link to go to, or null for anything but an http(s) URL: the page navigates to it, so a
 * `javascript:` or malformed answer must never get there.
 */
export function installTarget(answer: unknown): string | null {
  const url = answer && typeof answer === 'object' ? (answer as { url?: unknown }).url : undefined;
  if (typeof url !== 'string') return null;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.toString() : null;
  } catch {
    return null;
  }
}
