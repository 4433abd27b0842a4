/** What the Salesforce form holds, the `PUT /api/v1/integrations/salesforce` body it turns into, and how its answers read. */

export interface SalesforceFormValues {
  orgId: string;
  instanceUrl: string;
  clientId: string;
  clientSecret: string;
  smsOptOutField: string;
  enabled: boolean;
  /** Only offered once an org key was issued: keep it rather than issue a new one. */
  keepOrgKey: boolean;
}

export interface SalesforceConnectBody {
  orgId: string;
  instanceUrl: string;
  clientId: string;
  clientSecret: string;
  smsOptOutField: string | null;
  enabled: boolean;
  keepOrgKey?: true;
}

/** The form's fields, by the names the server gives its field errors. */
export const SALESFORCE_FIELDS = ['orgId', 'instanceUrl', 'clientId', 'clientSecret', 'smsOptOutField', 'enabled', 'keepOrgKey'] as const;

/**
 * The My Domain URL as typed, with `https://` added when no scheme was typed and trailing slashes dropped.
 * Anything else (http, a path) goes as typed, for the server to name.
 */
export function instanceUrlOf(text: string): string {
  const t = text.trim();
  if (!t) return '';
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(t) ? t : `https://${t}`;
  return withScheme.replace(/\/+$/, '');
}

/** The request body: trimmed, an empty opt-out field as null (the server's default), keepOrgKey only when kept. */
export function connectBody(v: SalesforceFormValues, canKeepOrgKey: boolean): SalesforceConnectBody {
  const body: SalesforceConnectBody = {
    orgId: v.orgId.trim(),
    instanceUrl: instanceUrlOf(v.instanceUrl),
    clientId: v.clientId.trim(),
    clientSecret: v.clientSecret.trim(),
    smsOptOutField: v.smsOptOutField.trim() || null,
    enabled: v.enabled,
  };
  if (canKeepOrgKey && v.keepOrgKey) body.keepOrgKey = true;
  return body;
}

/**
 * A server field message under its field's label: the connect route words most to follow the field's
 * name ("is required: …", "must be …"), so they get the label in front; others start with a capital.
 */
export function fieldMessage(label: string, message: string): string {
  return /^(is|must)\b/.test(message) ? `${label} ${message}` : message.charAt(0).toUpperCase() + message.slice(1);
}

/** Field errors the form has no field for (an unknown key, the body as a whole), as "name: message" lines. */
export function otherFieldErrors(fields: Record<string, string>): string[] {
  const known: readonly string[] = SALESFORCE_FIELDS;
  return Object.entries(fields)
    .filter(([k]) => !known.includes(k))
    .map(([k, m]) => (k === '_' ? m : `${k}: ${m}`));
}

/**
 * Where Salesforce reaches this Tandem: the URL `manifests/salesforce/render.ts` writes into the `Tandem`
 * Named Credential and the Remote Site Setting. Salesforce (and render.ts) takes https only.
 */
export function tandemUrlFor(origin: string): { url: string; https: boolean } {
  const url = origin.replace(/\/+$/, '');
  return { url, https: url.startsWith('https://') };
}
