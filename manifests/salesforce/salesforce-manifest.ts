import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Salesforce metadata that depends on where Tandem runs: the Named Credential + External Credential the
 * Apex controller calls out through, the trusted-site entries for PUBLIC_URL, and the External Client App
 * that lets the Tandem server sync Leads (OAuth 2.0 client credentials; new Connected Apps are no longer
 * allowed since Spring '26). Rendered into the SFDX project's `tandem-config` package directory.
 */

export const SALESFORCE_METADATA_API_VERSION = '62.0';
export const NAMED_CREDENTIAL = 'Tandem';
export const EXTERNAL_CREDENTIAL = 'Tandem';
/** The org-wide principal; permission set Tandem_User grants `Tandem-TandemOrg`. */
export const PRINCIPAL = 'TandemOrg';
/** The principal's secret parameter the admin fills in Setup with the org key Tandem issued. */
export const ORG_KEY_PARAMETER = 'OrgKey';
export const EXTERNAL_CLIENT_APP = 'Tandem_Sync';
export const ORG_KEY_HEADER = 'X-Tandem-Org-Key';

export interface SalesforceManifestOptions {
  /** The deployment's public HTTPS URL (PUBLIC_URL). */
  publicUrl: string;
  /** Username of the API-only user the client credentials flow runs as (optional: can be set in Setup). */
  runAsUsername?: string;
  /** Shown on the External Client App. */
  contactEmail?: string;
}

export interface RenderedFile {
  /** Relative to the package directory, e.g. `main/default/namedCredentials/Tandem.namedCredential-meta.xml`. */
  path: string;
  content: string;
}

const NS = 'http://soap.sforce.com/2006/04/metadata';

/** Escapes text for XML element content and attribute values. */
export function xmlEscape(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

/**
 * Checks and normalises PUBLIC_URL: HTTPS only (Salesforce callouts carry the org key), no query or
 * fragment, no trailing slash.
 */
export function normalisePublicUrl(input: string): string {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw new Error(`PUBLIC_URL is not a URL: ${JSON.stringify(input)} (expected e.g. https://tandem.example.com)`);
  }
  if (url.protocol !== 'https:') {
    throw new Error(`PUBLIC_URL must use https (the org key travels in a header): got ${url.protocol}//${url.host}`);
  }
  if (url.search || url.hash || url.username || url.password) {
    throw new Error('PUBLIC_URL must not carry credentials, a query or a fragment');
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

type XmlValue = string | number | boolean | XmlNode[] | undefined;
type XmlNode = [tag: string, value: XmlValue];

function element([tag, value]: XmlNode, indent: string): string {
  if (value === undefined) return '';
  if (Array.isArray(value)) {
    const inner = value.map((child) => element(child, indent + '    ')).join('');
    return `${indent}<${tag}>\n${inner}${indent}</${tag}>\n`;
  }
  return `${indent}<${tag}>${xmlEscape(String(value))}</${tag}>\n`;
}

function document(root: string, children: XmlNode[], comment?: string): string {
  const note = comment ? `<!-- ${comment.replace(/--/g, '—')} -->\n` : '';
  return `<?xml version="1.0" encoding="UTF-8"?>\n${note}<${root} xmlns="${NS}">\n${children.map((c) => element(c, '    ')).join('')}</${root}>\n`;
}

/** Renders every deployment-specific metadata file for PUBLIC_URL. Pure: no I/O. */
export function renderSalesforceManifests(options: SalesforceManifestOptions): RenderedFile[] {
  const publicUrl = normalisePublicUrl(options.publicUrl);
  const origin = new URL(publicUrl).origin;
  const contactEmail = options.contactEmail ?? 'admin@example.com';
  const runAs = options.runAsUsername?.trim() || undefined;
  const base = 'main/default';

  const files: RenderedFile[] = [
    {
      path: `${base}/externalCredentials/${EXTERNAL_CREDENTIAL}.externalCredential-meta.xml`,
      content: document(
        'ExternalCredential',
        [
          ['authenticationProtocol', 'Custom'],
          ['description', `Adds ${ORG_KEY_HEADER} to every callout to Tandem. Enter the org key Tandem gave you in the ${PRINCIPAL} principal's ${ORG_KEY_PARAMETER} parameter (Setup > Named Credentials > External Credentials).`],
          [
            'externalCredentialParameters',
            [
              ['parameterName', PRINCIPAL],
              ['parameterType', 'NamedPrincipal'],
              ['sequenceNumber', 1],
            ],
          ],
          [
            'externalCredentialParameters',
            [
              ['parameterName', ORG_KEY_HEADER],
              ['parameterType', 'AuthHeader'],
              ['parameterValue', `{!$Credential.${EXTERNAL_CREDENTIAL}.${ORG_KEY_PARAMETER}}`],
              ['sequenceNumber', 1],
            ],
          ],
          ['label', 'Tandem'],
        ],
        'The org key itself is a secret: it is entered in Setup, never stored in source control.',
      ),
    },
    {
      path: `${base}/namedCredentials/${NAMED_CREDENTIAL}.namedCredential-meta.xml`,
      content: document('NamedCredential', [
        ['allowMergeFieldsInBody', false],
        ['allowMergeFieldsInHeader', false],
        ['calloutStatus', 'Enabled'],
        ['description', 'The Tandem server. TandemConversationController calls callout:Tandem/salesforce/v1/...'],
        ['generateAuthorizationHeader', false],
        ['label', 'Tandem'],
        [
          'namedCredentialParameters',
          [
            ['parameterName', 'Url'],
            ['parameterType', 'Url'],
            ['parameterValue', publicUrl],
          ],
        ],
        [
          'namedCredentialParameters',
          [
            ['externalCredential', EXTERNAL_CREDENTIAL],
            ['parameterName', 'ExternalCredential'],
            ['parameterType', 'Authentication'],
          ],
        ],
        ['namedCredentialType', 'SecuredEndpoint'],
      ]),
    },
    {
      path: `${base}/remoteSiteSettings/Tandem.remoteSite-meta.xml`,
      content: document(
        'RemoteSiteSetting',
        [
          ['description', 'Tandem server. Callouts go through the Tandem Named Credential; this entry names the endpoint for admins and tools that check remote sites.'],
          ['disableProtocolSecurity', false],
          ['isActive', true],
          ['url', origin],
        ],
      ),
    },
    {
      path: `${base}/cspTrustedSites/Tandem.cspTrustedSite-meta.xml`,
      content: document('CspTrustedSite', [
        ['context', 'LEX'],
        ['description', 'Tandem server (connect-src only): lets Lightning pages reach Tandem directly if a future component needs it.'],
        ['endpointUrl', origin],
        ['isActive', true],
        ['isApplicableToConnectSrc', true],
        ['isApplicableToFontSrc', false],
        ['isApplicableToFrameSrc', false],
        ['isApplicableToImgSrc', false],
        ['isApplicableToMediaSrc', false],
        ['isApplicableToStyleSrc', false],
      ]),
    },
    {
      path: `${base}/externalClientApps/${EXTERNAL_CLIENT_APP}.eca-meta.xml`,
      content: document('ExternalClientApplication', [
        ['contactEmail', contactEmail],
        ['description', `Tandem (${origin}) keeps Leads current: upsert by Tandem_Lead_Id__c, score/tag/opt-out, one Task per text.`],
        ['distributionState', 'Local'],
        ['isProtected', false],
        ['label', 'Tandem Sync'],
      ]),
    },
    {
      path: `${base}/extlClntAppOauthSettings/${EXTERNAL_CLIENT_APP}_oauth.ecaOauth-meta.xml`,
      content: document('ExtlClntAppOauthSettings', [
        ['commaSeparatedOauthScopes', 'Api'],
        ['externalClientApplication', EXTERNAL_CLIENT_APP],
        ['label', 'Tandem Sync OAuth'],
      ]),
    },
    {
      path: `${base}/extlClntAppGlobalOauthSets/${EXTERNAL_CLIENT_APP}_glbloauth.ecaGlblOauth-meta.xml`,
      content: document(
        'ExtlClntAppGlobalOauthSettings',
        [
          // Required by the type; the client credentials flow never redirects.
          ['callbackUrl', `${publicUrl}/salesforce/oauth/callback`],
          ['externalClientApplication', EXTERNAL_CLIENT_APP],
          ['isClientCredentialsFlowEnabled', true],
          ['isConsumerSecretOptional', false],
          ['isIntrospectAllTokens', false],
          ['isPkceRequired', true],
          ['isSecretRequiredForRefreshToken', true],
          ['label', 'Tandem Sync Global OAuth'],
          ['shouldRotateConsumerKey', false],
          ['shouldRotateConsumerSecret', false],
        ],
        'Salesforce generates the consumer key and secret on deploy: copy them into Tandem, never into source control.',
      ),
    },
    {
      path: `${base}/extlClntAppOauthPolicies/${EXTERNAL_CLIENT_APP}_oauthPlcy.ecaOauthPlcy-meta.xml`,
      content: document(
        'ExtlClntAppOauthConfigurablePolicies',
        [
          ['clientCredentialsFlowUser', runAs],
          ['commaSeparatedPermissionSet', 'Tandem_Integration'],
          ['externalClientApplication', EXTERNAL_CLIENT_APP],
          ['ipRelaxationPolicyType', 'Enforce'],
          ['isClientCredentialsFlowEnabled', runAs !== undefined],
          ['label', 'Tandem Sync OAuth Policies'],
          ['permittedUsersPolicyType', 'AdminApprovedPreAuthorized'],
          ['refreshTokenPolicyType', 'Zero'],
        ],
        runAs ? undefined : 'No run-as user given: enable the client credentials flow and pick its run-as user in Setup > External Client App Manager > Tandem Sync > Policies.',
      ),
    },
    {
      path: `${base}/extlClntAppPolicies/${EXTERNAL_CLIENT_APP}_plcy.ecaPlcy-meta.xml`,
      content: document('ExtlClntAppConfigurablePolicies', [
        ['externalClientApplication', EXTERNAL_CLIENT_APP],
        ['isEnabled', true],
        ['isOauthPluginEnabled', true],
        ['label', 'Tandem Sync Policies'],
      ]),
    },
  ];
  return files;
}

/** Writes the rendered files under `outDir` (the SFDX project's `tandem-config` package directory). */
export function writeSalesforceManifests(options: SalesforceManifestOptions, outDir: string): RenderedFile[] {
  const files = renderSalesforceManifests(options);
  for (const file of files) {
    const target = path.join(outDir, file.path);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, file.content);
  }
  return files;
}
