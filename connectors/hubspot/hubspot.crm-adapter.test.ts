import nock from 'nock';
import { CrmRetryableError, type CrmContext, type CrmLeadSnapshot, type CrmMessageSnapshot } from '../../core/index';
import { HubSpotRequestError } from './hubspot-client';
import { HubSpotOAuth } from './hubspot-oauth';
import { tokenAnswer } from './hubspot-oauth.fixture';
import { HubSpotCrmAdapter, TANDEM_CONTACT_PROPERTIES } from './hubspot.crm-adapter';

// nock patches Node's shared http module and jest reuses a worker for several files: an instance left
// active breaks the next file's nock ("Disallowed net connect"). Let go at the end. (Every file needs
// this: test/setup-after-env.ts should do it for all.)
afterAll(() => nock.restore());

const API = 'https://api.hubapi.com';
const NOW = 1_764_000_000_000;
const LEAD_ID = '5f0c2a9e-3b7d-4e61-9a2f-8c1d0e4b7a53';

function buildLead(overrides: Partial<CrmLeadSnapshot> = {}): CrmLeadSnapshot {
  return {
    id: LEAD_ID,
    tenantId: 't1',
    firstName: 'Ana',
    lastName: 'Lima',
    email: 'ana@example.com',
    phone: '+14155550142',
    tag: 'HOT',
    score: 82,
    mode: 'ai',
    optedOut: false,
    source: 'website',
    company: null,
    externalId: null,
    ...overrides,
  };
}

function ctx(config: Record<string, unknown> = { privateAppToken: 'pat-1' }): CrmContext & { saved: Record<string, unknown>[] } {
  const saved: Record<string, unknown>[] = [];
  return { tenantId: 't1', config, saved, saveConfig: async (c) => void saved.push(c) };
}

const adapter = (opts: Partial<ConstructorParameters<typeof HubSpotCrmAdapter>[0]> = {}) =>
  new HubSpotCrmAdapter({ tokens: new HubSpotOAuth({ clientId: 'cid', clientSecret: 'cs', redirectUri: 'https://t.example.com/cb', now: () => NOW }), ...opts });

const expectedProps = {
  phone: '+14155550142',
  email: 'ana@example.com',
  firstname: 'Ana',
  lastname: 'Lima',
  hs_lead_status: 'IN_PROGRESS',
  tandem_score: '82',
  tandem_tag: 'HOT',
  tandem_mode: 'ai',
  tandem_opted_out: 'false',
  tandem_lead_id: LEAD_ID,
};

const searchBody = {
  filterGroups: [
    { filters: [{ propertyName: 'email', operator: 'EQ', value: 'ana@example.com' }] },
    { filters: [{ propertyName: 'phone', operator: 'EQ', value: '+14155550142' }] },
  ],
  properties: ['email', 'phone'],
  limit: 10,
};

const contact = (id: string, email: string | null, phone: string | null) => ({
  id,
  properties: { email, phone, hs_object_id: id },
  createdAt: '2025-01-01T00:00:00.000Z',
  updatedAt: '2025-01-01T00:00:00.000Z',
  archived: false,
});

/** `POST /crm/v3/objects/contacts/batch/upsert` as Tandem sends it: one input keyed on tandem_lead_id. */
const upsertBody = (properties: Record<string, string> = expectedProps) => ({ inputs: [{ idProperty: 'tandem_lead_id', id: LEAD_ID, properties }] });

/** HubSpot's batch upsert answer (200, status COMPLETE); `isNew` is false when the unique value already existed. */
const upserted = (id: string, isNew: boolean, properties: Record<string, string | null> = {}) => ({
  status: 'COMPLETE',
  results: [{ id, properties: { ...properties, hs_object_id: id }, createdAt: '2025-01-01T00:00:00.000Z', updatedAt: '2025-01-01T00:00:01.000Z', archived: false, new: isNew }],
  startedAt: '2025-01-01T00:00:01.000Z',
  completedAt: '2025-01-01T00:00:01.100Z',
});

/** The names of Tandem's contact properties, but `except`. */
const allBut = (except?: string) => TANDEM_CONTACT_PROPERTIES.map((p) => p.name).filter((name) => name !== except);

/**
 * ensureProperties' two reads as HubSpot answers them: the Tandem group exists, and the batch read finds
 * the `present` properties (200 when all are there, 207 with an error for the missing ones).
 */
function findsProperties(scope: nock.Scope, present: string[]): nock.Scope {
  const someMissing = present.length < TANDEM_CONTACT_PROPERTIES.length;
  return scope
    .get('/crm/v3/properties/contacts/groups/tandem')
    .reply(200, { name: 'tandem', label: 'Tandem', displayOrder: -1, archived: false })
    .post('/crm/v3/properties/contacts/batch/read')
    .reply(someMissing ? 207 : 200, {
      status: 'COMPLETE',
      results: TANDEM_CONTACT_PROPERTIES.filter((p) => present.includes(p.name)).map((p) => ({ name: p.name, label: p.label, type: p.type, fieldType: p.fieldType, groupName: 'tandem', description: '', options: [] })),
      ...(someMissing ? { errors: [{ status: 'error', category: 'OBJECT_NOT_FOUND', message: 'Unable to find property' }] } : {}),
      startedAt: '2025-11-20T10:00:00.000Z',
      completedAt: '2025-11-20T10:00:00.100Z',
    });
}

describe('HubSpotCrmAdapter.upsertLead', () => {
  it('creates a contact when neither email nor phone matches, by upserting on tandem_lead_id', async () => {
    // `connection: close` proves our non-keep-alive agent reached the request (13.5 drops configured agents).
    const scope = nock(API, { reqheaders: { authorization: 'Bearer pat-1', connection: 'close' } })
      .post('/crm/v3/objects/contacts/search', searchBody)
      .reply(200, { total: 0, results: [] })
      .post('/crm/v3/objects/contacts/batch/upsert', upsertBody())
      .reply(200, upserted('901', true, expectedProps));

    await expect(adapter().upsertLead(ctx(), buildLead())).resolves.toEqual({ externalId: '901' });
    expect(scope.isDone()).toBe(true);
  });

  it('updates the email match in preference to a phone match', async () => {
    const scope = nock(API)
      .post('/crm/v3/objects/contacts/search', searchBody)
      .reply(200, { total: 2, results: [contact('555', null, '+14155550142'), contact('777', 'ANA@example.com', null)] })
      .patch('/crm/v3/objects/contacts/777', { properties: expectedProps })
      .reply(200, contact('777', 'ana@example.com', '+14155550142'));

    await expect(adapter().upsertLead(ctx(), buildLead())).resolves.toEqual({ externalId: '777' });
    expect(scope.isDone()).toBe(true);
  });

  it('falls back to phone when the lead has no email, and never blanks fields it does not know', async () => {
    const { email: _e, firstname: _f, lastname: _l, ...withoutUnknowns } = expectedProps;
    const scope = nock(API)
      .post('/crm/v3/objects/contacts/search', { ...searchBody, filterGroups: [searchBody.filterGroups[1]] })
      .reply(200, { total: 1, results: [contact('555', null, '+14155550142')] })
      .patch('/crm/v3/objects/contacts/555', { properties: { ...withoutUnknowns, hs_lead_status: 'ATTEMPTED_TO_CONTACT', tandem_tag: 'COLD', tandem_score: '12' } })
      .reply(200, contact('555', null, '+14155550142'));

    await adapter().upsertLead(ctx(), buildLead({ email: null, firstName: null, lastName: null, tag: 'COLD', score: 12 }));
    expect(scope.isDone()).toBe(true);
  });

  it('updates the linked contact directly, and searches again when it was deleted or merged', async () => {
    const direct = nock(API).patch('/crm/v3/objects/contacts/901', { properties: { ...expectedProps, tandem_mode: 'human', tandem_opted_out: 'true' } }).reply(200, contact('901', 'ana@example.com', null));
    await expect(adapter().upsertLead(ctx(), buildLead({ externalId: '901', mode: 'human', optedOut: true }))).resolves.toEqual({ externalId: '901' });
    expect(direct.isDone()).toBe(true);

    const relinked = nock(API)
      .patch('/crm/v3/objects/contacts/901')
      .reply(404, { status: 'error', message: 'resource not found', category: 'OBJECT_NOT_FOUND' })
      .post('/crm/v3/objects/contacts/search', searchBody)
      .reply(200, { total: 1, results: [contact('950', 'ana@example.com', null)] })
      .patch('/crm/v3/objects/contacts/950')
      .reply(200, contact('950', 'ana@example.com', null));
    await expect(adapter().upsertLead(ctx(), buildLead({ externalId: '901' }))).resolves.toEqual({ externalId: '950' });
    expect(relinked.isDone()).toBe(true);
  });

  it('adopts the contact that has the email already (409 names it) and gives it the tandem_lead_id', async () => {
    const scope = nock(API)
      .post('/crm/v3/objects/contacts/search')
      .reply(200, { total: 0, results: [] })
      .post('/crm/v3/objects/contacts/batch/upsert', upsertBody())
      .reply(409, { status: 'error', message: 'Contact already exists. Existing ID: 4242', correlationId: 'aeb5f871-7f07-4993-9211-075dc63e7cbf', category: 'CONFLICT' })
      .patch('/crm/v3/objects/contacts/4242', { properties: expectedProps })
      .reply(200, contact('4242', 'ana@example.com', null));
    await expect(adapter().upsertLead(ctx(), buildLead())).resolves.toEqual({ externalId: '4242' });
    expect(scope.isDone()).toBe(true);
  });

  it('a create that timed out after HubSpot made the contact: the retry finds nothing by search, and the upsert adopts it', async () => {
    // HubSpot with a little memory: contacts by id, unique tandem_lead_id, and a search index that lags.
    const contacts = new Map<string, Record<string, string>>();
    const upserts: Array<{ isNew: boolean }> = [];
    const upsert = (_uri: string, body: nock.Body): [number, unknown] => {
      const [input] = (body as { inputs: Array<{ idProperty: string; id: string; properties: Record<string, string> }> }).inputs;
      const found = [...contacts].find(([, p]) => p[input!.idProperty] === input!.id)?.[0];
      const id = found ?? String(901 + contacts.size);
      contacts.set(id, { ...contacts.get(id), ...input!.properties, [input!.idProperty]: input!.id });
      upserts.push({ isNew: !found });
      return [200, upserted(id, !found, contacts.get(id))];
    };
    const phoneOnly = buildLead({ email: null, firstName: null, lastName: null });
    const phoneSearch = { ...searchBody, filterGroups: [searchBody.filterGroups[1]] };
    const scope = nock(API)
      .post('/crm/v3/objects/contacts/search', phoneSearch)
      .reply(200, { total: 0, results: [] })
      .post('/crm/v3/objects/contacts/batch/upsert')
      .delay(1_000)
      .reply(upsert)
      // The retry, moments later: the new contact is not in the search index yet.
      .post('/crm/v3/objects/contacts/search', phoneSearch)
      .reply(200, { total: 0, results: [] })
      .post('/crm/v3/objects/contacts/batch/upsert')
      .reply(upsert);

    const first = await adapter({ requestTimeoutMs: 150 }).upsertLead(ctx(), phoneOnly).catch((e: unknown) => e);
    expect(first).toBeInstanceOf(CrmRetryableError);
    await new Promise((r) => setTimeout(r, 1_000)); // HubSpot carries the timed-out request out
    await expect(adapter().upsertLead(ctx(), phoneOnly)).resolves.toEqual({ externalId: '901' });

    expect(scope.isDone()).toBe(true);
    expect(upserts).toEqual([{ isNew: true }, { isNew: false }]);
    expect([...contacts.keys()]).toEqual(['901']);
    expect(contacts.get('901')).toMatchObject({ phone: '+14155550142', tandem_lead_id: LEAD_ID });
  });

  it('says what HubSpot refused when the upsert answers 207 with an error, and adopts a contact it names', async () => {
    const multiStatus = (message: string, category: string) => ({
      status: 'COMPLETE',
      results: [],
      numErrors: 1,
      errors: [{ status: 'error', category, message, context: {}, links: {} }],
      startedAt: '2025-01-01T00:00:01.000Z',
      completedAt: '2025-01-01T00:00:01.100Z',
    });
    nock(API)
      .post('/crm/v3/objects/contacts/search')
      .reply(200, { total: 0, results: [] })
      .post('/crm/v3/objects/contacts/batch/upsert')
      .reply(207, multiStatus('Property values were not valid: email', 'VALIDATION_ERROR'));
    const err = await adapter().upsertLead(ctx(), buildLead()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HubSpotRequestError);
    expect((err as Error).message).toBe('HubSpot did not create the contact: VALIDATION_ERROR: Property values were not valid: email');

    const adopted = nock(API)
      .post('/crm/v3/objects/contacts/search')
      .reply(200, { total: 0, results: [] })
      .post('/crm/v3/objects/contacts/batch/upsert')
      .reply(207, multiStatus('Contact already exists. Existing ID: 4242', 'CONFLICT'))
      .patch('/crm/v3/objects/contacts/4242', { properties: expectedProps })
      .reply(200, contact('4242', 'ana@example.com', null));
    await expect(adapter().upsertLead(ctx(), buildLead())).resolves.toEqual({ externalId: '4242' });
    expect(adopted.isDone()).toBe(true);
  });

  describe('on an install from before tandem_lead_id', () => {
    const missingProperty = {
      status: 'error',
      message: 'Property values were not valid: [{"isValid":false,"message":"Property \\"tandem_lead_id\\" does not exist","error":"PROPERTY_DOESNT_EXIST","name":"tandem_lead_id"}]',
      correlationId: '3c1b2a9e-0d4f-4b6a-9e1f-2a7c5d8e9f01',
      category: 'VALIDATION_ERROR',
    };
    /** ensureProperties finding every Tandem property but tandem_lead_id, and creating that one (unique). */
    const createsLeadIdProperty = (scope: nock.Scope) =>
      findsProperties(scope, allBut('tandem_lead_id'))
        .post('/crm/v3/properties/contacts/batch/create', (b: { inputs: Array<{ name: string; hasUniqueValue?: boolean }> }) => b.inputs.length === 1 && b.inputs[0]!.name === 'tandem_lead_id' && b.inputs[0]!.hasUniqueValue === true)
        .reply(201, { status: 'COMPLETE', results: [], startedAt: '2025-11-20T10:00:00.000Z', completedAt: '2025-11-20T10:00:00.100Z' });

    it('creates the property once and writes again', async () => {
      const scope = createsLeadIdProperty(nock(API).patch('/crm/v3/objects/contacts/901', { properties: expectedProps }).reply(400, missingProperty))
        .patch('/crm/v3/objects/contacts/901', { properties: expectedProps })
        .reply(200, contact('901', 'ana@example.com', null));
      await expect(adapter().upsertLead(ctx(), buildLead({ externalId: '901' }))).resolves.toEqual({ externalId: '901' });
      expect(scope.isDone()).toBe(true);
    });

    it('syncs without it, by a plain create, when the portal refuses to create it; and asks no more for an hour', async () => {
      const { tandem_lead_id: _leadId, ...withoutLeadId } = expectedProps;
      const noRoom = {
        status: 'error',
        message: 'You have reached the limit of unique value properties for this object.',
        correlationId: '6d1f3b2a-9c4e-4a7b-8e2d-1f0a9b8c7d6e',
        category: 'VALIDATION_ERROR',
      };
      const writeRefused = nock(API)
        .post('/crm/v3/objects/contacts/search', searchBody)
        .reply(200, { total: 0, results: [] })
        .post('/crm/v3/objects/contacts/batch/upsert', upsertBody())
        .reply(400, missingProperty);
      const scope = findsProperties(writeRefused, allBut('tandem_lead_id'))
        .post('/crm/v3/properties/contacts/batch/create', (b: { inputs: Array<{ name: string }> }) => b.inputs.length === 1 && b.inputs[0]!.name === 'tandem_lead_id')
        .reply(400, noRoom)
        .post('/crm/v3/objects/contacts/search', searchBody)
        .reply(200, { total: 0, results: [] })
        .post('/crm/v3/objects/contacts', { properties: withoutLeadId, associations: [] })
        .reply(201, contact('950', 'ana@example.com', '+14155550142'));
      const hubspot = adapter();
      await expect(hubspot.upsertLead(ctx(), buildLead())).resolves.toEqual({ externalId: '950' });
      expect(scope.isDone()).toBe(true);

      // The next lead of this portal goes straight to the plain path: no upsert, no property calls.
      const next = nock(API)
        .post('/crm/v3/objects/contacts/search')
        .reply(200, { total: 0, results: [] })
        .post('/crm/v3/objects/contacts', (b: { properties: Record<string, string> }) => !('tandem_lead_id' in b.properties))
        .reply(201, contact('951', null, '+14155550143'));
      await expect(hubspot.upsertLead(ctx(), buildLead({ id: 'a6e1c0d2-7b3f-4c58-9d1e-0f2a3b4c5d6e', email: null, phone: '+14155550143' }))).resolves.toEqual({ externalId: '951' });
      expect(next.isDone()).toBe(true);
    });

    it('leaves the write to the next attempt when HubSpot does not accept the new property yet', async () => {
      const scope = createsLeadIdProperty(nock(API).patch('/crm/v3/objects/contacts/901').reply(400, missingProperty))
        .patch('/crm/v3/objects/contacts/901')
        .reply(400, missingProperty);
      await expect(adapter().upsertLead(ctx(), buildLead({ externalId: '901' }))).rejects.toBeInstanceOf(CrmRetryableError);
      expect(scope.isDone()).toBe(true);
    });
  });

  it('writes a custom lead-status map, or none at all', async () => {
    const custom = nock(API)
      .patch('/crm/v3/objects/contacts/1', (body: { properties: Record<string, string> }) => body.properties.hs_lead_status === 'HOT_LEAD')
      .reply(200, contact('1', null, null));
    await adapter({ leadStatusByTag: { HOT: 'HOT_LEAD', WARM: 'W', COLD: 'C' } }).upsertLead(ctx(), buildLead({ externalId: '1' }));
    expect(custom.isDone()).toBe(true);

    const none = nock(API)
      .patch('/crm/v3/objects/contacts/1', (body: { properties: Record<string, string> }) => !('hs_lead_status' in body.properties))
      .reply(200, contact('1', null, null));
    await adapter({ leadStatusByTag: null }).upsertLead(ctx(), buildLead({ externalId: '1' }));
    expect(none.isDone()).toBe(true);
  });

  it('turns a 429 into CrmRetryableError carrying Retry-After', async () => {
    nock(API)
      .post('/crm/v3/objects/contacts/search')
      .reply(429, { status: 'error', message: 'You have reached your secondly limit.', category: 'RATE_LIMITS', policyName: 'SECONDLY' }, { 'Retry-After': '2' });
    const err = await adapter().upsertLead(ctx(), buildLead()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CrmRetryableError);
    expect((err as CrmRetryableError).retryAfterMs).toBe(2000);
  });

  it('uses the rate-limit interval header when there is no Retry-After, and treats 5xx as retryable', async () => {
    nock(API)
      .patch('/crm/v3/objects/contacts/1')
      .reply(429, { status: 'error', message: 'ten secondly rolling', policyName: 'TEN_SECONDLY_ROLLING' }, { 'X-HubSpot-RateLimit-Interval-Milliseconds': '10000' });
    const limited = await adapter().upsertLead(ctx(), buildLead({ externalId: '1' })).catch((e: unknown) => e);
    expect((limited as CrmRetryableError).retryAfterMs).toBe(10_000);

    nock(API).patch('/crm/v3/objects/contacts/1').reply(502, 'Bad gateway');
    await expect(adapter().upsertLead(ctx(), buildLead({ externalId: '1' }))).rejects.toBeInstanceOf(CrmRetryableError);
  });

  it('a 400 (bad property value) is not retryable and says what HubSpot said', async () => {
    nock(API).patch('/crm/v3/objects/contacts/1').reply(400, { status: 'error', message: 'Property values were not valid: hs_lead_status', category: 'VALIDATION_ERROR' });
    const err = await adapter().upsertLead(ctx(), buildLead({ externalId: '1' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HubSpotRequestError);
    expect((err as Error).message).toContain('Property values were not valid: hs_lead_status');
  });

  it('refreshes an expiring OAuth token first, persists it, and calls with the new token', async () => {
    const scope = nock(API)
      .post('/oauth/2026-03/token', { grant_type: 'refresh_token', client_id: 'cid', client_secret: 'cs', refresh_token: 'rt-1' })
      .matchHeader('content-type', /^application\/x-www-form-urlencoded/)
      .reply(200, tokenAnswer({ access_token: 'at-new', refresh_token: 'rt-1' }))
      .patch('/crm/v3/objects/contacts/901')
      .matchHeader('authorization', 'Bearer at-new')
      .reply(200, contact('901', null, null));
    const c = ctx({ accessToken: 'at-old', refreshToken: 'rt-1', expiresAt: NOW + 60_000 });
    await adapter().upsertLead(c, buildLead({ externalId: '901' }));
    expect(scope.isDone()).toBe(true);
    expect(c.saved).toEqual([{ accessToken: 'at-new', refreshToken: 'rt-1', expiresAt: NOW + 1_800_000 }]);
  });
});

describe('HubSpotCrmAdapter.logMessage', () => {
  const message = (overrides: Partial<CrmMessageSnapshot> = {}): CrmMessageSnapshot => ({
    id: 'm2',
    direction: 'in',
    author: 'lead',
    body: 'Can I get a quote this week?',
    status: 'received',
    createdAt: '2025-11-20T10:05:00.000Z',
    ...overrides,
  });

  /** The dedupe search HubSpot gets before each create (contact, exact instant, channel). */
  const dedupeSearch = (contactId: string, createdAt: string) => ({
    filterGroups: [
      {
        filters: [
          { propertyName: 'associations.contact', operator: 'EQ', value: contactId },
          { propertyName: 'hs_timestamp', operator: 'EQ', value: String(Date.parse(createdAt)) },
          { propertyName: 'hs_communication_channel_type', operator: 'EQ', value: 'SMS' },
        ],
      },
    ],
    properties: ['hs_communication_body'],
    limit: 10,
  });
  const communication = (id: string, body: string) => ({ id, properties: { hs_communication_body: body, hs_object_id: id }, createdAt: 'x', updatedAt: 'x', archived: false });

  it('looks for the same SMS first, then creates it as a communication associated with the contact (type 81)', async () => {
    const scope = nock(API, { reqheaders: { authorization: 'Bearer pat-1' } })
      .post('/crm/v3/objects/communications/search', dedupeSearch('901', '2025-11-20T10:05:00.000Z'))
      .reply(200, { total: 0, results: [] })
      .post('/crm/v3/objects/communications', {
        properties: {
          hs_communication_channel_type: 'SMS',
          hs_communication_logged_from: 'CRM',
          hs_communication_body: 'SMS from the lead:\nCan I get a quote this week?',
          hs_timestamp: '2025-11-20T10:05:00.000Z',
        },
        associations: [{ to: { id: '901' }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 81 }] }],
      })
      .reply(201, { id: 'comm_1', properties: {}, createdAt: '2025-11-20T10:05:01.000Z', updatedAt: '2025-11-20T10:05:01.000Z', archived: false });
    await adapter().logMessage(ctx(), { ...buildLead(), externalId: '901' }, message());
    expect(scope.isDone()).toBe(true);
  });

  it('does not log a text twice when a retried job finds it already there (even with a newer label)', async () => {
    const scope = nock(API)
      .post('/crm/v3/objects/communications/search', dedupeSearch('901', '2025-11-20T10:05:00.000Z'))
      .reply(200, { total: 2, results: [communication('c-other', 'SMS from the lead:\nsomething else'), communication('c-1', 'SMS sent by Tandem AI — failed:\nCan I get a quote this week?')] });
    await adapter().logMessage(ctx(), { ...buildLead(), externalId: '901' }, message({ direction: 'out', author: 'ai' }));
    expect(scope.isDone()).toBe(true);
    // No create was attempted: nock would have refused it ("no match") and the call would have thrown.
    expect(nock.pendingMocks()).toEqual([]);
  });

  it('creates it when the only SMS at that instant carries another text', async () => {
    const scope = nock(API)
      .post('/crm/v3/objects/communications/search')
      .reply(200, { total: 1, results: [communication('c-other', 'SMS from the lead:\nCan I get a quote this week? Also Friday')] })
      .post('/crm/v3/objects/communications')
      .reply(201, { id: 'comm_3', properties: {}, createdAt: 'x', updatedAt: 'x', archived: false });
    await adapter().logMessage(ctx(), { ...buildLead(), externalId: '901' }, message());
    expect(scope.isDone()).toBe(true);
  });

  it('labels outbound AI texts and delivery failures', async () => {
    const scope = nock(API)
      .post('/crm/v3/objects/communications/search')
      .reply(200, { total: 0, results: [] })
      .post('/crm/v3/objects/communications', (b: { properties: Record<string, string> }) => b.properties.hs_communication_body === 'SMS sent by Tandem AI — undelivered:\nHi Ana!')
      .reply(201, { id: 'comm_2', properties: {}, createdAt: 'x', updatedAt: 'x', archived: false });
    await adapter().logMessage(ctx(), { ...buildLead(), externalId: '901' }, message({ direction: 'out', author: 'ai', body: 'Hi Ana!', status: 'undelivered' }));
    expect(scope.isDone()).toBe(true);
  });

  it('a 429 while looking or logging is retryable', async () => {
    nock(API).post('/crm/v3/objects/communications/search').reply(429, { status: 'error', message: 'limit' }, { 'Retry-After': '3' });
    await expect(adapter().logMessage(ctx(), { ...buildLead(), externalId: '901' }, message())).rejects.toMatchObject({ name: 'CrmRetryableError', retryAfterMs: 3000 });
    nock(API)
      .post('/crm/v3/objects/communications/search')
      .reply(200, { total: 0, results: [] })
      .post('/crm/v3/objects/communications')
      .reply(429, { status: 'error', message: 'limit' }, { 'Retry-After': '1' });
    await expect(adapter().logMessage(ctx(), { ...buildLead(), externalId: '901' }, message())).rejects.toMatchObject({ name: 'CrmRetryableError', retryAfterMs: 1000 });
  });
});

describe('HubSpotCrmAdapter.ensureProperties', () => {
  it('creates the group and only the missing properties (batch read, batch create)', async () => {
    const missing = TANDEM_CONTACT_PROPERTIES.filter((p) => p.name !== 'tandem_score');
    const scope = nock(API)
      .get('/crm/v3/properties/contacts/groups/tandem')
      .reply(404, { status: 'error', message: 'group not found', category: 'OBJECT_NOT_FOUND' })
      .post('/crm/v3/properties/contacts/groups', { name: 'tandem', label: 'Tandem', displayOrder: -1 })
      .reply(201, { name: 'tandem', label: 'Tandem', displayOrder: -1, archived: false })
      .post('/crm/v3/properties/contacts/batch/read', { archived: false, inputs: TANDEM_CONTACT_PROPERTIES.map((p) => ({ name: p.name })) })
      .reply(207, {
        status: 'COMPLETE',
        results: [{ name: 'tandem_score', label: 'Tandem score', type: 'number', fieldType: 'number', groupName: 'tandem', description: '', options: [] }],
        errors: [{ status: 'error', category: 'OBJECT_NOT_FOUND', message: 'not found' }],
        startedAt: '2025-11-20T10:00:00.000Z',
        completedAt: '2025-11-20T10:00:00.100Z',
      })
      .post('/crm/v3/properties/contacts/batch/create', {
        inputs: [
          {
            name: 'tandem_tag',
            label: 'Tandem tag',
            description: 'HOT, WARM or COLD, from the Tandem SMS conversation.',
            groupName: 'tandem',
            type: 'enumeration',
            fieldType: 'select',
            options: [
              { label: 'Hot', value: 'HOT', displayOrder: 0, hidden: false },
              { label: 'Warm', value: 'WARM', displayOrder: 1, hidden: false },
              { label: 'Cold', value: 'COLD', displayOrder: 2, hidden: false },
            ],
            formField: false,
          },
          {
            name: 'tandem_mode',
            label: 'Tandem mode',
            description: 'Who is texting this contact: the AI or a person who took over.',
            groupName: 'tandem',
            type: 'enumeration',
            fieldType: 'select',
            options: [
              { label: 'AI', value: 'ai', displayOrder: 0, hidden: false },
              { label: 'Human', value: 'human', displayOrder: 1, hidden: false },
            ],
            formField: false,
          },
          {
            name: 'tandem_opted_out',
            label: 'Tandem SMS opt-out',
            description: 'The contact opted out of texts (STOP or similar). Tandem will not text them.',
            groupName: 'tandem',
            type: 'bool',
            fieldType: 'booleancheckbox',
            options: [
              { label: 'Yes', value: 'true', displayOrder: 0, hidden: false },
              { label: 'No', value: 'false', displayOrder: 1, hidden: false },
            ],
            formField: false,
          },
          {
            name: 'tandem_lead_id',
            label: 'Tandem lead ID',
            description: "Tandem's id for this lead. Unique: Tandem creates and finds the contact by it, so a retried sync never makes a second one.",
            groupName: 'tandem',
            type: 'string',
            fieldType: 'text',
            hasUniqueValue: true,
            formField: false,
          },
        ],
      })
      .reply(201, { status: 'COMPLETE', results: [], startedAt: '2025-11-20T10:00:00.000Z', completedAt: '2025-11-20T10:00:00.100Z' });

    await expect(adapter().ensureProperties(ctx())).resolves.toEqual({ created: missing.map((p) => p.name) });
    expect(scope.isDone()).toBe(true);
  });

  it('creates the others and reports tandem_lead_id unavailable when the portal refuses it (a 400 for the batch)', async () => {
    const scope = findsProperties(nock(API), ['tandem_score'])
      .post('/crm/v3/properties/contacts/batch/create', (b: { inputs: Array<{ name: string }> }) => b.inputs.some((p) => p.name === 'tandem_lead_id'))
      .reply(400, { status: 'error', message: 'You have reached the limit of unique value properties for this object.', correlationId: '0b9a8c7d-6e5f-4a3b-8c2d-1e0f9a8b7c6d', category: 'VALIDATION_ERROR' })
      .post('/crm/v3/properties/contacts/batch/create', (b: { inputs: Array<{ name: string }> }) => b.inputs.map((p) => p.name).join() === 'tandem_tag,tandem_mode,tandem_opted_out')
      .reply(201, { status: 'COMPLETE', results: [], startedAt: '2025-11-20T10:00:00.000Z', completedAt: '2025-11-20T10:00:00.100Z' });
    await expect(adapter().ensureProperties(ctx())).resolves.toEqual({ created: ['tandem_tag', 'tandem_mode', 'tandem_opted_out'], unavailable: ['tandem_lead_id'] });
    expect(scope.isDone()).toBe(true);
  });

  it('still refuses a token without the schema scope (403), whatever is missing', async () => {
    const scope = findsProperties(nock(API), allBut('tandem_lead_id'))
      .post('/crm/v3/properties/contacts/batch/create')
      .reply(403, { status: 'error', message: 'This app hasn\'t been granted all required scopes to make this call.', correlationId: '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d', category: 'MISSING_SCOPES' });
    await expect(adapter().ensureProperties(ctx())).rejects.toThrow(/403/);
    expect(scope.isDone()).toBe(true);
  });

  it('does nothing more when everything exists', async () => {
    const scope = findsProperties(nock(API), allBut());
    await expect(adapter().ensureProperties(ctx())).resolves.toEqual({ created: [] });
    expect(scope.isDone()).toBe(true);
  });
});

describe('HubSpot request timeouts', () => {
  afterEach(() => nock.abortPendingRequests());
  const message = (): CrmMessageSnapshot => ({ id: 'm2', direction: 'in', author: 'lead', body: 'Can I get a quote this week?', status: 'received', createdAt: '2025-11-20T10:05:00.000Z' });

  it('a create HubSpot does not answer in time is retryable and says it may have happened; nothing waits for the late answer', async () => {
    nock(API)
      .post('/crm/v3/objects/contacts/search')
      .reply(200, { total: 0, results: [] })
      .post('/crm/v3/objects/contacts/batch/upsert')
      .delay(2_000)
      .reply(200, upserted('901', true));
    const started = Date.now();
    const err = await adapter({ requestTimeoutMs: 150 }).upsertLead(ctx(), buildLead()).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(err).toBeInstanceOf(CrmRetryableError);
    expect((err as Error).message).toBe('HubSpot gave no answer within 150 ms while creating a contact (it may have done it)');
  });

  it('a stalled connection, a stalled search or a stalled communication each time out', async () => {
    nock(API).patch('/crm/v3/objects/contacts/1').delayConnection(2_000).reply(200, contact('1', null, null));
    await expect(adapter({ requestTimeoutMs: 150 }).upsertLead(ctx(), buildLead({ externalId: '1' }))).rejects.toThrow(/no answer within 150 ms while updating a contact/);
    nock(API).post('/crm/v3/objects/communications/search').delay(2_000).reply(200, { total: 0, results: [] });
    await expect(adapter({ requestTimeoutMs: 150 }).logMessage(ctx(), { ...buildLead(), externalId: '901' }, message())).rejects.toBeInstanceOf(CrmRetryableError);
    nock(API).post('/crm/v3/objects/communications/search').reply(200, { total: 0, results: [] }).post('/crm/v3/objects/communications').delay(2_000).reply(201, {});
    await expect(adapter({ requestTimeoutMs: 150 }).logMessage(ctx(), { ...buildLead(), externalId: '901' }, message())).rejects.toThrow(
      /no answer within 150 ms while logging an SMS/,
    );
  });

  it('the token refresh and the account details time out too, as retryable failures', async () => {
    const oauth = new HubSpotOAuth({ clientId: 'cid', clientSecret: 'cs', redirectUri: 'https://t.example.com/cb', now: () => NOW, requestTimeoutMs: 150 });
    nock(API).post('/oauth/2026-03/token').delay(2_000).reply(200, tokenAnswer({ access_token: 'at-new', refresh_token: 'rt-1' }));
    const c = ctx({ accessToken: 'at-old', refreshToken: 'rt-1', expiresAt: NOW + 60_000 });
    await expect(new HubSpotCrmAdapter({ tokens: oauth }).upsertLead(c, buildLead({ externalId: '901' }))).rejects.toThrow(/no answer within 150 ms while refreshing the access token/);
    expect(c.saved).toEqual([]);
    nock(API).get('/account-info/v3/details').delay(2_000).reply(200, { portalId: 62515 });
    const err = await oauth.portalForToken('pat-1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CrmRetryableError);
    expect((err as Error).message).toBe('HubSpot gave no answer within 150 ms while reading the account details');
  });
});
