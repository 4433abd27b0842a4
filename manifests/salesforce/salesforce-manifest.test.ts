import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { buildConversationView } from '../../connectors/salesforce/backend/conversation-view.fixture';
import { SALESFORCE_HEADERS } from '../../connectors/salesforce/backend/salesforce.routes';
import {
  EXTERNAL_CLIENT_APP,
  EXTERNAL_CREDENTIAL,
  NAMED_CREDENTIAL,
  normalisePublicUrl,
  PRINCIPAL,
  renderSalesforceManifests,
  writeSalesforceManifests,
} from './salesforce-manifest';

const SF_PROJECT = path.resolve(__dirname, '../../connectors/salesforce');
const FORCE_APP = path.join(SF_PROJECT, 'force-app/main/default');

const parser = new XMLParser({ ignoreAttributes: false, ignoreDeclaration: true, isArray: () => false });

function parse(xml: string): { root: string; body: Record<string, unknown> } {
  const tree = parser.parse(xml);
  const roots = Object.keys(tree).filter((k) => !k.startsWith('#'));
  expect(roots).toHaveLength(1);
  return { root: roots[0], body: tree[roots[0]] as Record<string, unknown> };
}

function expectWellFormed(name: string, xml: string): void {
  const result = XMLValidator.validate(xml);
  if (result !== true) throw new Error(`${name} is not well-formed XML: ${result.err.msg} (line ${result.err.line})`);
  expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>')).toBe(true);
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? walk(full) : [full];
  });
}

describe('renderSalesforceManifests', () => {
  const files = renderSalesforceManifests({ publicUrl: 'https://example.com/', runAsUsername: 'tandem.integration@acme.example' });
  const byName = (suffix: string) => {
    const file = files.find((f) => f.path.endsWith(suffix));
    if (!file) throw new Error(`no rendered ${suffix}`);
    return parse(file.content).body;
  };

  it('renders only well-formed metadata XML in the Metadata API namespace', () => {
    expect(files.length).toBe(9);
    for (const file of files) {
      expectWellFormed(file.path, file.content);
      expect(parse(file.content).body['@_xmlns']).toBe('http://soap.sforce.com/2006/04/metadata');
    }
  });

  it('points the Named Credential at the HTTPS public URL through the External Credential', () => {
    const nc = byName(`namedCredentials/${NAMED_CREDENTIAL}.namedCredential-meta.xml`);
    const params = nc.namedCredentialParameters as unknown as Array<Record<string, string>>;
    expect(params).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ parameterType: 'Url', parameterValue: 'https://example.com' }),
        expect.objectContaining({ parameterType: 'Authentication', externalCredential: EXTERNAL_CREDENTIAL }),
      ]),
    );
    expect(nc.allowMergeFieldsInHeader).toBe(false);
    expect(nc.namedCredentialType).toBe('SecuredEndpoint');
  });

  it('adds the org key header the server reads, from a secret principal parameter', () => {
    const ec = byName(`externalCredentials/${EXTERNAL_CREDENTIAL}.externalCredential-meta.xml`);
    const params = ec.externalCredentialParameters as unknown as Array<Record<string, string>>;
    const header = params.find((p) => p.parameterType === 'AuthHeader');
    expect(header?.parameterName.toLowerCase()).toBe(SALESFORCE_HEADERS.orgKey);
    expect(header?.parameterValue).toBe('{!$Credential.Tandem.OrgKey}');
    expect(params.find((p) => p.parameterType === 'NamedPrincipal')?.parameterName).toBe(PRINCIPAL);
    expect(ec.authenticationProtocol).toBe('Custom');
  });

  it('trusts only the public origin, for connect-src', () => {
    expect(byName('remoteSiteSettings/Tandem.remoteSite-meta.xml').url).toBe('https://example.com');
    const csp = byName('cspTrustedSites/Tandem.cspTrustedSite-meta.xml');
    expect(csp.endpointUrl).toBe('https://example.com');
    expect(csp.isApplicableToConnectSrc).toBe(true);
    expect(csp.isApplicableToFrameSrc).toBe(false);
    expect(csp.isApplicableToImgSrc).toBe(false);
  });

  it('declares the External Client App with the client credentials flow and its run-as user', () => {
    expect(byName(`externalClientApps/${EXTERNAL_CLIENT_APP}.eca-meta.xml`).distributionState).toBe('Local');
    expect(byName('.ecaOauth-meta.xml').commaSeparatedOauthScopes).toBe('Api');
    const global = byName('.ecaGlblOauth-meta.xml');
    expect(global.callbackUrl).toBe('https://example.com/salesforce/oauth/callback');
    expect(global.isClientCredentialsFlowEnabled).toBe(true);
    expect(global).not.toHaveProperty('consumerSecret');
    const policy = byName('.ecaOauthPlcy-meta.xml');
    expect(policy.clientCredentialsFlowUser).toBe('tandem.integration@acme.example');
    expect(policy.isClientCredentialsFlowEnabled).toBe(true);
    expect(policy.commaSeparatedPermissionSet).toBe('Tandem_Integration');
    for (const suffix of ['.ecaOauth-meta.xml', '.ecaGlblOauth-meta.xml', '.ecaOauthPlcy-meta.xml', '.ecaPlcy-meta.xml']) {
      expect(byName(suffix).externalClientApplication).toBe(EXTERNAL_CLIENT_APP);
    }
  });

  it('leaves the client credentials flow off until a run-as user is known', () => {
    const [policy] = renderSalesforceManifests({ publicUrl: 'https://example.com' }).filter((f) => f.path.endsWith('.ecaOauthPlcy-meta.xml'));
    const body = parse(policy.content).body;
    expect(body.isClientCredentialsFlowEnabled).toBe(false);
    expect(body).not.toHaveProperty('clientCredentialsFlowUser');
    expect(policy.content).toContain('run-as user in Setup');
  });

  it('keeps a base path and escapes XML-special characters', () => {
    const rendered = renderSalesforceManifests({ publicUrl: 'https://tandem.example.com/t&x/', contactEmail: 'ops+sf@example.com' });
    for (const file of rendered) expectWellFormed(file.path, file.content);
    const nc = rendered.find((f) => f.path.includes('namedCredentials'));
    expect(nc?.content).toContain('<parameterValue>https://tandem.example.com/t&amp;x</parameterValue>');
  });

  it.each([
    ['http://example.com', /must use https/],
    ['example.com', /not a URL/],
    ['https://example.com/?a=1', /query or a fragment/],
    ['https://user:pw@example.com', /credentials/],
  ])('refuses %s', (url, message) => {
    expect(() => renderSalesforceManifests({ publicUrl: url })).toThrow(message);
  });

  it('normalises the public URL', () => {
    expect(normalisePublicUrl('https://Example.COM:443/tandem//')).toBe('https://example.com/tandem');
  });

  it('writes the files under the output directory', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tandem-sf-'));
    try {
      const written = writeSalesforceManifests({ publicUrl: 'https://example.com' }, dir);
      for (const file of written) {
        expect(readFileSync(path.join(dir, file.path), 'utf8')).toBe(file.content);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the SFDX project agrees with the code', () => {
  const DIR_TO_TYPE: Record<string, string> = {
    classes: 'ApexClass',
    lwc: 'LightningComponentBundle',
    permissionsets: 'PermissionSet',
    tabs: 'CustomTab',
    flexipages: 'FlexiPage',
    fields: 'CustomField',
    externalCredentials: 'ExternalCredential',
    namedCredentials: 'NamedCredential',
    remoteSiteSettings: 'RemoteSiteSetting',
    cspTrustedSites: 'CspTrustedSite',
    externalClientApps: 'ExternalClientApplication',
    extlClntAppOauthSettings: 'ExtlClntAppOauthSettings',
    extlClntAppGlobalOauthSets: 'ExtlClntAppGlobalOauthSettings',
    extlClntAppOauthPolicies: 'ExtlClntAppOauthConfigurablePolicies',
    extlClntAppPolicies: 'ExtlClntAppConfigurablePolicies',
  };

  function componentOf(relative: string): [string, string] | null {
    const parts = relative.split('/');
    if (parts[0] === 'lwc') return parts.length === 3 && parts[2].endsWith('.js-meta.xml') ? ['LightningComponentBundle', parts[1]] : null;
    if (!relative.endsWith('-meta.xml')) return null;
    const name = parts[parts.length - 1].replace(/\.[^.]+-meta\.xml$/, '');
    if (parts[0] === 'objects') return ['CustomField', `${parts[1]}.${name}`];
    const type = DIR_TO_TYPE[parts[0]];
    if (!type) throw new Error(`no metadata type known for ${relative}`);
    return [type, name];
  }

  it('every force-app metadata file is well-formed XML', () => {
    const xmlFiles = walk(FORCE_APP).filter((f) => f.endsWith('.xml'));
    expect(xmlFiles.length).toBeGreaterThanOrEqual(11);
    for (const file of xmlFiles) expectWellFormed(path.relative(SF_PROJECT, file), readFileSync(file, 'utf8'));
  });

  it('manifest/package.xml deploys exactly the project and the rendered config', () => {
    const packageXml = readFileSync(path.join(SF_PROJECT, 'manifest/package.xml'), 'utf8');
    expectWellFormed('package.xml', packageXml);
    const listed = new Set<string>();
    for (const block of packageXml.match(/<types>[\s\S]*?<\/types>/g) ?? []) {
      const type = /<name>([^<]+)<\/name>/.exec(block)?.[1];
      for (const m of block.matchAll(/<members>([^<]+)<\/members>/g)) listed.add(`${type}:${m[1]}`);
    }
    const onDisk = new Set<string>();
    const sources = [
      ...walk(FORCE_APP).map((f) => path.relative(FORCE_APP, f).split(path.sep).join('/')),
      ...renderSalesforceManifests({ publicUrl: 'https://example.com' }).map((f) => f.path.replace(/^main\/default\//, '')),
    ];
    for (const relative of sources) {
      const component = componentOf(relative);
      if (component) onDisk.add(`${component[0]}:${component[1]}`);
    }
    expect([...listed].sort()).toEqual([...onDisk].sort());
  });

  it('the Apex controller calls the Named Credential with the headers the routes read', () => {
    const apex = readFileSync(path.join(FORCE_APP, 'classes/TandemConversationController.cls'), 'utf8');
    expect(apex).toContain(`'callout:${NAMED_CREDENTIAL}/salesforce/v1'`);
    expect(apex).toMatch(/public with sharing class TandemConversationController/);
    const setHeaders = [...apex.matchAll(/setHeader\('(X-Tandem-[A-Za-z-]+)'/g)].map((m) => m[1].toLowerCase()).sort();
    expect(setHeaders).toEqual([SALESFORCE_HEADERS.orgId, SALESFORCE_HEADERS.userEmail, SALESFORCE_HEADERS.userId].sort());
    // The key comes only from the External Credential.
    expect(apex).not.toMatch(/setHeader\('X-Tandem-Org-Key'/i);
  });

  it('the permission set grants the External Credential principal the renderer declares', () => {
    const permset = parse(readFileSync(path.join(FORCE_APP, 'permissionsets/Tandem_User.permissionset-meta.xml'), 'utf8')).body;
    const access = permset.externalCredentialPrincipalAccesses as Record<string, unknown>;
    expect(access.externalCredentialPrincipal).toBe(`${EXTERNAL_CREDENTIAL}-${PRINCIPAL}`);
    expect((permset.classAccesses as Record<string, unknown>).apexClass).toBe('TandemConversationController');
  });

  it('the LWC JSON fixtures have the ConversationView shape', () => {
    const shape = (value: unknown): unknown => {
      if (Array.isArray(value)) return value.length ? [shape(value[0])] : [];
      if (value && typeof value === 'object') {
        return Object.fromEntries(Object.keys(value).sort().map((k) => [k, shape((value as Record<string, unknown>)[k])]));
      }
      return value === null ? 'null' : typeof value;
    };
    const expected = shape(buildConversationView()) as Record<string, unknown>;
    const dataDir = path.join(FORCE_APP, 'lwc/tandemConversation/__tests__/data');
    const fixtures = readdirSync(dataDir).filter((f) => f.endsWith('.json'));
    expect(fixtures.length).toBeGreaterThanOrEqual(3);
    for (const name of fixtures) {
      const fixture = JSON.parse(readFileSync(path.join(dataDir, name), 'utf8')) as Record<string, unknown>;
      expect(Object.keys(fixture).sort()).toEqual(Object.keys(expected).sort());
      expect(shape(fixture.lead)).toMatchObject({ ...(expected.lead as object), signals: expect.any(Array) });
      expect(typeof fixture.version).toBe('number');
      expect(Array.isArray(fixture.allowedActions)).toBe(true);
    }
  });
});
