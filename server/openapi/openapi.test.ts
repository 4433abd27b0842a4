import { openApiDocument } from './openapi';

/**
 * Structural checks of the OpenAPI document. No OpenAPI validator is a dependency, so these cover what a
 * validator would catch and a reader would trip on: dangling $refs, undeclared path parameters, unknown
 * security schemes, error answers without the shared error shape. Which routes are described at all is
 * checked against the mounted app in sms-flow.test.ts.
 */

interface Operation {
  summary?: string;
  security?: Array<Record<string, string[]>>;
  parameters?: Array<{ name: string; in: string; required?: boolean }>;
  requestBody?: { content: Record<string, { schema: unknown }> };
  responses: Record<string, { description?: string; content?: Record<string, { schema: unknown }> }>;
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch'];
const doc = openApiDocument('https://tandem.example.com') as {
  security: Array<Record<string, string[]>>;
  components: { securitySchemes: Record<string, unknown>; schemas: Record<string, unknown> };
  paths: Record<string, Record<string, Operation>>;
};
const operations = Object.entries(doc.paths).flatMap(([path, item]) =>
  Object.entries(item)
    .filter(([method]) => METHODS.includes(method))
    .map(([method, op]) => ({ route: `${method.toUpperCase()} ${path}`, path, op })),
);
/** The schemes an operation really needs: its own, else the document's. */
const schemesOf = (op: Operation) => (op.security ?? doc.security).flatMap((requirement) => Object.keys(requirement));

function refsIn(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v) => refsIn(v, out));
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === '$ref' && typeof v === 'string') out.push(v);
      else refsIn(v, out);
    }
  }
  return out;
}

describe('the OpenAPI document', () => {
  it('resolves every $ref to a schema it defines', () => {
    const refs = [...new Set(refsIn(doc))];
    expect(refs.length).toBeGreaterThan(20);
    expect(refs.filter((r) => !r.startsWith('#/components/schemas/') || !(r.slice('#/components/schemas/'.length) in doc.components.schemas))).toEqual([]);
  });

  it('gives every operation a summary and declares each path parameter, required', () => {
    for (const { route, path, op } of operations) {
      expect([route, typeof op.summary]).toEqual([route, 'string']);
      const inPath = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
      const declared = (op.parameters ?? []).filter((p) => p.in === 'path');
      expect([route, declared.map((p) => p.name).sort()]).toEqual([route, inPath]);
      expect([route, declared.every((p) => p.required === true)]).toEqual([route, true]);
    }
  });

  it('answers every error with the shared error shape', () => {
    const bad = operations.flatMap(({ route, op }) =>
      Object.entries(op.responses)
        .filter(([status]) => Number(status) >= 400)
        .filter(([, r]) => JSON.stringify(r.content?.['application/json']?.schema) !== JSON.stringify({ $ref: '#/components/schemas/Error' }))
        .map(([status]) => `${route} ${status}`),
    );
    expect(bad).toEqual([]);
  });

  it('gives every success answer the schema of its body', () => {
    const bare = operations.flatMap(({ route, op }) =>
      Object.entries(op.responses)
        .filter(([status, r]) => Number(status) < 300 && !r.content)
        .map(([status]) => `${route} ${status}`),
    );
    expect(bare).toEqual([]);
    expect(doc.paths['/leads']!.get!.responses['200']!.content!['application/json']!.schema).toMatchObject({
      properties: { items: { items: { $ref: '#/components/schemas/LeadListItem' } } },
    });
  });

  it('names only defined security schemes; the operator token guards tenant creation alone', () => {
    for (const { route, op } of operations) {
      expect([route, schemesOf(op).filter((s) => !(s in doc.components.securitySchemes))]).toEqual([route, []]);
    }
    expect(operations.filter(({ op }) => schemesOf(op).includes('adminToken')).map((o) => o.route)).toEqual(['POST /tenants']);
    expect(schemesOf(doc.paths['/tenants']!.post!)).toEqual(['adminToken']);
  });

  it('declares 401 on every operation that takes a key or token', () => {
    const secured = operations.filter(({ op }) => schemesOf(op).length > 0);
    expect(secured.length).toBeGreaterThan(20);
    expect(secured.filter(({ op }) => !op.responses['401']).map((o) => o.route)).toEqual([]);
  });

  it('describes the administration bodies from the zod schemas the routes validate with', () => {
    const s = doc.components.schemas as Record<string, { properties: Record<string, { enum?: string[]; pattern?: string }>; required?: string[]; additionalProperties?: boolean }>;
    expect(s.ApiKeyCreateRequest!.required).toEqual(['name', 'role']);
    expect(s.ApiKeyCreateRequest!.properties.role!.enum).toEqual(['admin', 'agent', 'viewer']);
    expect(s.TwilioConnectRequest!.additionalProperties).toBe(false);
    expect(s.TwilioConnectRequest!.properties.accountSid!.pattern).toBe('^AC[0-9a-f]{32}$');
    // Signing keys: optional, at most two, each an id and (optional: kept when left out) a secret; shown by id only.
    const keys = s.TwilioConnectRequest!.properties.webhookSigningKeys as unknown as { maxItems: number; items: { required: string[]; properties: Record<string, { pattern?: string }> } };
    expect(s.TwilioConnectRequest!.required).not.toContain('webhookSigningKeys');
    expect(keys.maxItems).toBe(2);
    expect(keys.items.required).toEqual(['id']);
    expect(Object.keys(keys.items.properties).sort()).toEqual(['id', 'secret']);
    expect(keys.items.properties.id!.pattern).toBe('^[A-Za-z0-9_-]{1,128}$');
    expect(s.TwilioConnected!.required).toContain('webhookSigningKeys');
    expect(JSON.stringify(s.TwilioConnected!.properties.webhookSigningKeys)).not.toContain('secret"');
    expect(s.SettingsPatch!.required ?? []).toEqual([]);
    expect(s.TenantSettings!.required).toEqual(expect.arrayContaining(['autonomy', 'quietHours', 'followUpCadenceDays']));
  });
});
