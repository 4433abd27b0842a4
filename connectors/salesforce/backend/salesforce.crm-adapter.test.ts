import nock from 'nock';
import { CrmRetryableError, type CrmContext, type CrmLeadSnapshot, type CrmMessageSnapshot } from '../../../core/index';
import { maskPhone, SalesforceApiError, SalesforceCrmAdapter, SalesforceTokenError } from './salesforce.crm-adapter';

const INSTANCE = 'https://acme.my.salesforce.com';
const API = '/services/data/v62.0';
const SF_LEAD_ID = '00Q5g00000AbCdEEAV';

function buildLead(overrides: Partial<CrmLeadSnapshot> = {}): CrmLeadSnapshot {
  return {
    id: 'lead_01',
    tenantId: 'tenant_a',
    firstName: 'Dana',
    lastName: 'Reyes',
    email: 'dana@example.com',
    phone: '+14155550142',
    tag: 'HOT',
    score: 82,
    mode: 'ai',
    optedOut: false,
    source: 'Website form',
    company: 'Reyes Roofing',
    externalId: null,
    ...overrides,
  };
}

function buildMessage(overrides: Partial<CrmMessageSnapshot> = {}): CrmMessageSnapshot {
  return {
    id: 'msg_02',
    direction: 'in',
    author: 'lead',
    body: 'Yes, this week please. Budget around $20k.',
    status: 'received',
    createdAt: '2025-05-01T16:03:10.000Z',
    ...overrides,
  };
}

function buildCtx(config: Record<string, unknown> = {}) {
  const saved: Array<Record<string, unknown>> = [];
  const ctx: CrmContext = {
    tenantId: 'tenant_a',
    config: { instanceUrl: INSTANCE, clientId: '3MVG9-consumer-key', clientSecret: 'consumer-secret', accessToken: 'token-old', ...config },
    saveConfig: async (next) => {
      saved.push(next);
    },
  };
  return { ctx, saved };
}

const adapter = () => new SalesforceCrmAdapter({ limitBackoffMs: 900_000, serverBackoffMs: 30_000 });

describe('SalesforceCrmAdapter.upsertLead', () => {
  it('creates the Lead by Tandem_Lead_Id__c with the fields Tandem owns', async () => {
    const { ctx } = buildCtx();
    const scope = nock(INSTANCE, { reqheaders: { authorization: 'Bearer token-old', 'content-type': 'application/json' } })
      .patch(`${API}/sobjects/Lead/Tandem_Lead_Id__c/lead_01`, {
        Rating: 'Hot',
        Tandem_Score__c: 82,
        Tandem_Tag__c: 'HOT',
        MobilePhone: '+14155550142',
        Tandem_SMS_Opt_Out__c: false,
        FirstName: 'Dana',
        LastName: 'Reyes',
        Company: 'Reyes Roofing',
        Email: 'dana@example.com',
        LeadSource: 'Website form',
      })
      .reply(201, { id: SF_LEAD_ID, success: true, errors: [], created: true });

    await expect(adapter().upsertLead(ctx, buildLead())).resolves.toEqual({ externalId: SF_LEAD_ID });
    expect(scope.isDone()).toBe(true);
  });

  it('fills the required LastName and Company on the first sync when the lead gave none', async () => {
    const { ctx } = buildCtx();
    let sent: Record<string, unknown> = {};
    const scope = nock(INSTANCE)
      .patch(`${API}/sobjects/Lead/Tandem_Lead_Id__c/lead_01`, (body) => {
        sent = body;
        return true;
      })
      .reply(201, { id: SF_LEAD_ID, success: true, errors: [], created: true });

    await adapter().upsertLead(ctx, buildLead({ firstName: null, lastName: null, company: null, email: null, source: null, tag: 'COLD', score: 12 }));
    expect(scope.isDone()).toBe(true);
    expect(sent).toEqual({
      Rating: 'Cold',
      Tandem_Score__c: 12,
      Tandem_Tag__c: 'COLD',
      MobilePhone: '+14155550142',
      Tandem_SMS_Opt_Out__c: false,
      LastName: '+1 ••• 0142',
      Company: '[not provided]',
    });
  });

  it('never overwrites a rep-edited LastName/Company with placeholders on later syncs', async () => {
    const { ctx } = buildCtx();
    let sent: Record<string, unknown> = {};
    const scope = nock(INSTANCE)
      .patch(`${API}/sobjects/Lead/${SF_LEAD_ID}`, (body) => {
        sent = body;
        return true;
      })
      .reply(204);

    await adapter().upsertLead(ctx, buildLead({ lastName: null, company: null, externalId: SF_LEAD_ID, tag: 'WARM' }));
    expect(scope.isDone()).toBe(true);
    expect(sent).not.toHaveProperty('LastName');
    expect(sent).not.toHaveProperty('Company');
    expect(sent.Rating).toBe('Warm');
  });

  it('updates a linked Lead by its Salesforce id (a Lead a rep started from has no Tandem id yet) and stamps the Tandem id', async () => {
    const { ctx } = buildCtx();
    const scope = nock(INSTANCE, { reqheaders: { authorization: 'Bearer token-old', 'content-type': 'application/json' } })
      .patch(`${API}/sobjects/Lead/${SF_LEAD_ID}`, {
        Rating: 'Hot',
        Tandem_Score__c: 82,
        Tandem_Tag__c: 'HOT',
        MobilePhone: '+14155550142',
        Tandem_SMS_Opt_Out__c: false,
        FirstName: 'Dana',
        LastName: 'Reyes',
        Company: 'Reyes Roofing',
        Email: 'dana@example.com',
        Tandem_Lead_Id__c: 'lead_01',
      })
      .reply(204);
    // LeadSource is left as the org has it: "salesforce" would overwrite where the Lead really came from.
    await expect(adapter().upsertLead(ctx, buildLead({ externalId: SF_LEAD_ID, source: 'salesforce' }))).resolves.toEqual({ externalId: SF_LEAD_ID });
    expect(scope.isDone()).toBe(true);
  });

  it.each([
    ['deleted', 404, [{ errorCode: 'ENTITY_IS_DELETED', message: 'entity is deleted' }]],
    ['merged away', 404, [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }]],
  ])('upserts by the Tandem id when the linked Lead was %s', async (_name, status, body) => {
    const { ctx } = buildCtx();
    const NEW_ID = '00Q5g00000NeWlEEAV';
    const scope = nock(INSTANCE)
      .patch(`${API}/sobjects/Lead/${SF_LEAD_ID}`)
      .reply(status, body)
      .patch(`${API}/sobjects/Lead/Tandem_Lead_Id__c/lead_01`)
      .reply(201, { id: NEW_ID, success: true, errors: [], created: true });
    await expect(adapter().upsertLead(ctx, buildLead({ externalId: SF_LEAD_ID }))).resolves.toEqual({ externalId: NEW_ID });
    expect(scope.isDone()).toBe(true);
  });

  it('does not fall back on other refusals of the linked Lead (a converted Lead stays an error)', async () => {
    const { ctx } = buildCtx();
    const scope = nock(INSTANCE)
      .patch(`${API}/sobjects/Lead/${SF_LEAD_ID}`)
      .reply(400, [{ errorCode: 'CANNOT_UPDATE_CONVERTED_LEAD', message: 'cannot reference converted lead', fields: [] }]);
    await expect(adapter().upsertLead(ctx, buildLead({ externalId: SF_LEAD_ID }))).rejects.toThrow(/CANNOT_UPDATE_CONVERTED_LEAD/);
    expect(scope.isDone()).toBe(true);
  });

  it("writes opt-out to the org's configured SMS field, never HasOptedOutOfEmail", async () => {
    const { ctx } = buildCtx({ smsOptOutField: 'et4ae5__HasOptedOutOfMobile__c' });
    let sent: Record<string, unknown> = {};
    nock(INSTANCE)
      .patch(`${API}/sobjects/Lead/Tandem_Lead_Id__c/lead_01`, (body) => {
        sent = body;
        return true;
      })
      .reply(201, { id: SF_LEAD_ID, success: true, errors: [], created: true });

    await adapter().upsertLead(ctx, buildLead({ optedOut: true }));
    expect(sent.et4ae5__HasOptedOutOfMobile__c).toBe(true);
    expect(sent).not.toHaveProperty('Tandem_SMS_Opt_Out__c');
    expect(sent).not.toHaveProperty('HasOptedOutOfEmail');
  });

  it('refuses an opt-out field name that is not an API name', async () => {
    const { ctx } = buildCtx({ smsOptOutField: 'Opt Out; DROP' });
    await expect(adapter().upsertLead(ctx, buildLead())).rejects.toThrow(/smsOptOutField must be a field API name/);
  });

  it('reads the id back when an old-style update answers 204', async () => {
    const { ctx } = buildCtx();
    const scope = nock(INSTANCE)
      .patch(`${API}/sobjects/Lead/Tandem_Lead_Id__c/lead_01`)
      .reply(204)
      .get(`${API}/sobjects/Lead/Tandem_Lead_Id__c/lead_01`)
      .query({ fields: 'Id' })
      .reply(200, { attributes: { type: 'Lead' }, Id: SF_LEAD_ID });
    // A first sync that finds its Lead already there (an earlier run was applied but timed out).
    await expect(adapter().upsertLead(ctx, buildLead())).resolves.toEqual({ externalId: SF_LEAD_ID });
    expect(scope.isDone()).toBe(true);
  });

  it('escapes the Tandem lead id in the path', async () => {
    const { ctx } = buildCtx();
    const scope = nock(INSTANCE)
      .patch(`${API}/sobjects/Lead/Tandem_Lead_Id__c/a%2Fb%3Fc`)
      .reply(201, { id: SF_LEAD_ID, success: true, errors: [], created: true });
    await adapter().upsertLead(ctx, buildLead({ id: 'a/b?c' }));
    expect(scope.isDone()).toBe(true);
  });
});

describe('SalesforceCrmAdapter.logMessage', () => {
  it.each([
    ['in', 'SMS received'],
    ['out', 'SMS sent'],
  ] as const)('logs a %s text as a completed Task on the Lead (%s), upserted by Tandem_Message_Id__c', async (direction, subject) => {
    const { ctx } = buildCtx();
    const scope = nock(INSTANCE, { reqheaders: { authorization: 'Bearer token-old', 'content-type': 'application/json' } })
      .patch(`${API}/sobjects/Task/Tandem_Message_Id__c/msg_02`, {
        WhoId: SF_LEAD_ID,
        Subject: subject,
        Description: 'Yes, this week please. Budget around $20k.',
        Status: 'Completed',
        Priority: 'Normal',
        ActivityDate: '2025-05-01',
      })
      .reply(201, { id: '00T5g00000QwErTEAV', success: true, errors: [], created: true });

    await adapter().logMessage(ctx, { ...buildLead(), externalId: SF_LEAD_ID }, buildMessage({ direction }));
    expect(scope.isDone()).toBe(true);
  });

  it('logs the same text twice as one Task: the second call updates it (a retried job)', async () => {
    const { ctx } = buildCtx();
    const bodies: unknown[] = [];
    const scope = nock(INSTANCE)
      .patch(`${API}/sobjects/Task/Tandem_Message_Id__c/msg_02`, (body) => bodies.push(body) > 0)
      .reply(201, { id: '00T5g00000QwErTEAV', success: true, errors: [], created: true })
      .patch(`${API}/sobjects/Task/Tandem_Message_Id__c/msg_02`, (body) => bodies.push(body) > 0)
      .reply(200, { id: '00T5g00000QwErTEAV', success: true, errors: [], created: false });
    const lead = { ...buildLead(), externalId: SF_LEAD_ID };
    await adapter().logMessage(ctx, lead, buildMessage());
    await adapter().logMessage(ctx, lead, buildMessage());
    expect(scope.isDone()).toBe(true);
    // Same URL, same body: no POST that could add a second Task, and nothing Salesforce refuses on update.
    expect(bodies).toHaveLength(2);
    expect(bodies[1]).toEqual(bodies[0]);
    expect(bodies[0]).not.toHaveProperty('TaskSubtype');
    expect(bodies[0]).not.toHaveProperty('Tandem_Message_Id__c');
  });
});

describe('SalesforceCrmAdapter tokens', () => {
  it('on a 401 gets a new token by client credentials, saves it, and retries once', async () => {
    const { ctx, saved } = buildCtx();
    const scope = nock(INSTANCE)
      .patch(`${API}/sobjects/Lead/Tandem_Lead_Id__c/lead_01`)
      .matchHeader('authorization', 'Bearer token-old')
      .reply(401, [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }])
      .post('/services/oauth2/token', 'grant_type=client_credentials&client_id=3MVG9-consumer-key&client_secret=consumer-secret')
      .matchHeader('content-type', 'application/x-www-form-urlencoded')
      .reply(200, {
        access_token: 'token-new',
        signature: 'c2lnbmF0dXJl',
        scope: 'api',
        instance_url: 'https://acme2.my.salesforce.com',
        id: 'https://login.salesforce.com/id/00D5g000004XyZ1EAK/0055g00000XyZabAAB',
        token_type: 'Bearer',
        issued_at: '1746115390000',
      });
    const retry = nock('https://acme2.my.salesforce.com')
      .patch(`${API}/sobjects/Lead/Tandem_Lead_Id__c/lead_01`)
      .matchHeader('authorization', 'Bearer token-new')
      .reply(200, { id: SF_LEAD_ID, success: true, errors: [], created: false });

    await expect(adapter().upsertLead(ctx, buildLead())).resolves.toEqual({ externalId: SF_LEAD_ID });
    expect(scope.isDone()).toBe(true);
    expect(retry.isDone()).toBe(true);
    expect(saved).toHaveLength(1);
    expect(saved[0]).toMatchObject({ accessToken: 'token-new', instanceUrl: 'https://acme2.my.salesforce.com', tokenIssuedAt: '2025-05-01T16:03:10.000Z', clientSecret: 'consumer-secret' });
  });

  it('saves the new token before it goes on, and only logs a failed save', async () => {
    // The sync job calls the adapter with no transaction open, so the save never waits for one.
    const warnings: unknown[] = [];
    const ctx: CrmContext = {
      tenantId: 'tenant_a',
      config: { instanceUrl: INSTANCE, clientId: '3MVG9-consumer-key', clientSecret: 'consumer-secret' },
      saveConfig: () => Promise.reject(new Error('store closed')),
    };
    const scope = nock(INSTANCE)
      .post('/services/oauth2/token')
      .reply(200, { access_token: 'token-new', instance_url: INSTANCE, token_type: 'Bearer', issued_at: '1746115390000' })
      .patch(`${API}/sobjects/Lead/Tandem_Lead_Id__c/lead_01`)
      .matchHeader('authorization', 'Bearer token-new')
      .reply(201, { id: SF_LEAD_ID, success: true, errors: [], created: true });
    const noop = () => undefined;
    const logged = new SalesforceCrmAdapter({ logger: { debug: noop, info: noop, error: noop, warn: (obj) => void warnings.push(obj) } });
    await expect(logged.upsertLead(ctx, buildLead())).resolves.toEqual({ externalId: SF_LEAD_ID });
    expect(scope.isDone()).toBe(true);
    expect(warnings).toEqual([{ tenantId: 'tenant_a', err: 'store closed' }]);

    // A slow save: the Lead is written only once the token is stored.
    let saved!: () => void;
    const slow: CrmContext = { ...ctx, saveConfig: () => new Promise<void>((resolve) => (saved = resolve)) };
    const lead = nock(INSTANCE)
      .post('/services/oauth2/token')
      .reply(200, { access_token: 'token-new', instance_url: INSTANCE, token_type: 'Bearer', issued_at: '1746115390000' })
      .patch(`${API}/sobjects/Lead/Tandem_Lead_Id__c/lead_01`)
      .reply(201, { id: SF_LEAD_ID, success: true, errors: [], created: true });
    const upsert = logged.upsertLead(slow, buildLead());
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(lead.pendingMocks()).toEqual([`PATCH ${INSTANCE}:443${API}/sobjects/Lead/Tandem_Lead_Id__c/lead_01`]);
    saved();
    await expect(upsert).resolves.toEqual({ externalId: SF_LEAD_ID });
  });

  it('uses the refresh token grant when the install has one', async () => {
    const { ctx, saved } = buildCtx({ accessToken: undefined, refreshToken: 'refresh-1' });
    const scope = nock(INSTANCE)
      .post('/services/oauth2/token', 'grant_type=refresh_token&refresh_token=refresh-1&client_id=3MVG9-consumer-key&client_secret=consumer-secret')
      .reply(200, { access_token: 'token-r', instance_url: INSTANCE, token_type: 'Bearer', issued_at: '1746115390000' })
      .patch(`${API}/sobjects/Task/Tandem_Message_Id__c/msg_02`)
      .matchHeader('authorization', 'Bearer token-r')
      .reply(201, { id: '00T5g00000QwErTEAV', success: true, errors: [] });
    await adapter().logMessage(ctx, { ...buildLead(), externalId: SF_LEAD_ID }, buildMessage());
    expect(scope.isDone()).toBe(true);
    expect(saved[0].accessToken).toBe('token-r');
  });

  it('stops after one refresh when the fresh token is refused too', async () => {
    const { ctx } = buildCtx();
    const scope = nock(INSTANCE)
      .patch(`${API}/sobjects/Task/Tandem_Message_Id__c/msg_02`)
      .times(2)
      .reply(401, [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }])
      .post('/services/oauth2/token')
      .once()
      .reply(200, { access_token: 'token-new', instance_url: INSTANCE, token_type: 'Bearer', issued_at: '1746115390000' });
    const err = await adapter()
      .logMessage(ctx, { ...buildLead(), externalId: SF_LEAD_ID }, buildMessage())
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SalesforceApiError);
    expect(err).not.toBeInstanceOf(CrmRetryableError);
    expect(scope.isDone()).toBe(true);
  });

  it('explains a refused client credentials grant without leaking the secret', async () => {
    const { ctx } = buildCtx({ accessToken: undefined });
    nock(INSTANCE).post('/services/oauth2/token').reply(400, { error: 'invalid_grant', error_description: 'no client credentials user enabled' });
    const err = (await adapter()
      .upsertLead(ctx, buildLead())
      .catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(SalesforceApiError);
    expect(err.message).toMatch(/invalid_grant: no client credentials user enabled/);
    expect(err.message).not.toContain('consumer-secret');
  });
});

describe('SalesforceCrmAdapter login URL', () => {
  it('asks the configured login URL for tokens and the org instance for data', async () => {
    const { ctx } = buildCtx({ accessToken: undefined });
    const login = nock('https://login.example.com')
      .post('/services/oauth2/token', 'grant_type=client_credentials&client_id=3MVG9-consumer-key&client_secret=consumer-secret')
      .reply(200, { access_token: 'token-login', instance_url: INSTANCE, token_type: 'Bearer', issued_at: '1746115390000' });
    const data = nock(INSTANCE)
      .patch(`${API}/sobjects/Lead/Tandem_Lead_Id__c/lead_01`)
      .matchHeader('authorization', 'Bearer token-login')
      .reply(201, { id: SF_LEAD_ID, success: true, errors: [], created: true });
    await new SalesforceCrmAdapter({ loginUrl: 'https://login.example.com/' }).upsertLead(ctx, buildLead());
    expect(login.isDone()).toBe(true);
    expect(data.isDone()).toBe(true);
  });
});

describe('SalesforceCrmAdapter.requestToken (the connect check)', () => {
  const org = { instanceUrl: `${INSTANCE}/`, clientId: '3MVG9-consumer-key', clientSecret: 'consumer-secret' };

  it('asks the My Domain with the client credentials grant and reads the token, its time and its org', async () => {
    const scope = nock(INSTANCE)
      .post('/services/oauth2/token', 'grant_type=client_credentials&client_id=3MVG9-consumer-key&client_secret=consumer-secret')
      .reply(200, {
        access_token: 'token-check',
        signature: 'nUFHwtfIGLKDTHcLWmDBG8frv0t+HQGl/iCZFIQUarE=',
        instance_url: INSTANCE,
        id: 'https://login.salesforce.com/id/00D5g000004XyZ1/0055g00000XyZab',
        token_type: 'Bearer',
        issued_at: '1746115390000',
      });
    expect(await new SalesforceCrmAdapter().requestToken(org)).toEqual({
      accessToken: 'token-check',
      tokenIssuedAt: '2025-05-01T16:03:10.000Z',
      instanceUrl: INSTANCE,
      orgId: '00D5g000004XyZ1EAK',
    });
    expect(scope.isDone()).toBe(true);
  });

  it('goes where the sync goes (the login URL when one is set) and reports refusals and outages as the sync does', async () => {
    nock('https://login.example.com').post('/services/oauth2/token').reply(400, { error: 'invalid_client', error_description: 'invalid client credentials' });
    const refused = (await new SalesforceCrmAdapter({ loginUrl: 'https://login.example.com' }).requestToken(org).catch((e: unknown) => e)) as SalesforceTokenError;
    expect(refused).toBeInstanceOf(SalesforceTokenError);
    expect(refused).toMatchObject({ status: 400, error: 'invalid_client', description: 'invalid client credentials', errorCode: 'invalid_client' });
    expect(refused.message).not.toContain('consumer-secret');

    nock(INSTANCE).post('/services/oauth2/token').reply(503);
    await expect(new SalesforceCrmAdapter().requestToken(org)).rejects.toBeInstanceOf(CrmRetryableError);
  });
});

describe('SalesforceCrmAdapter.revokeToken (the disconnect)', () => {
  const org = { instanceUrl: `${INSTANCE}/` };
  const form = new URLSearchParams({ token: '00D!access+token/x=' }).toString();

  it('posts the token as a form to the My Domain revoke endpoint; 200 is revoked', async () => {
    const scope = nock(INSTANCE).post('/services/oauth2/revoke', form).matchHeader('content-type', 'application/x-www-form-urlencoded').reply(200);
    await expect(new SalesforceCrmAdapter().revokeToken(org, '00D!access+token/x=')).resolves.toBeUndefined();
    expect(scope.isDone()).toBe(true);
  });

  it('goes where token requests go (the login URL when one is set); a 400 is a refusal naming Salesforce\'s error, an outage is retryable, neither names the token', async () => {
    nock('https://login.example.com').post('/services/oauth2/revoke', form).reply(400, { error: 'invalid_token', error_description: 'Token was invalid' });
    const refused = (await new SalesforceCrmAdapter({ loginUrl: 'https://login.example.com' }).revokeToken(org, '00D!access+token/x=').catch((e: unknown) => e)) as SalesforceApiError;
    expect(refused).toBeInstanceOf(SalesforceApiError);
    expect(refused).toMatchObject({ status: 400, errorCode: 'invalid_token' });

    nock(INSTANCE).post('/services/oauth2/revoke').reply(503);
    const outage = await new SalesforceCrmAdapter().revokeToken(org, '00D!access+token/x=').catch((e: unknown) => e);
    expect(outage).toBeInstanceOf(CrmRetryableError);
    for (const err of [refused, outage] as Error[]) expect(err.message).not.toContain('access+token');
  });
});

describe('SalesforceCrmAdapter failures', () => {
  it('turns REQUEST_LIMIT_EXCEEDED into a retryable error with a long back-off', async () => {
    const { ctx } = buildCtx();
    nock(INSTANCE)
      .patch(`${API}/sobjects/Lead/Tandem_Lead_Id__c/lead_01`)
      .reply(403, [{ message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }]);
    const err = (await adapter()
      .upsertLead(ctx, buildLead())
      .catch((e: unknown) => e)) as CrmRetryableError;
    expect(err).toBeInstanceOf(CrmRetryableError);
    expect(err.retryAfterMs).toBe(900_000);
    expect(err.message).toContain('REQUEST_LIMIT_EXCEEDED');
  });

  it.each([500, 502, 503])('turns %i into a retryable error, honouring Retry-After', async (status) => {
    const { ctx } = buildCtx();
    nock(INSTANCE).patch(`${API}/sobjects/Task/Tandem_Message_Id__c/msg_02`).reply(status, [{ message: 'down', errorCode: 'SERVER_UNAVAILABLE' }], { 'Retry-After': '120' });
    const err = (await adapter()
      .logMessage(ctx, { ...buildLead(), externalId: SF_LEAD_ID }, buildMessage())
      .catch((e: unknown) => e)) as CrmRetryableError;
    expect(err).toBeInstanceOf(CrmRetryableError);
    expect(err.retryAfterMs).toBe(120_000);
  });

  it('turns a 5xx without Retry-After into the default back-off', async () => {
    const { ctx } = buildCtx();
    nock(INSTANCE).patch(`${API}/sobjects/Task/Tandem_Message_Id__c/msg_02`).reply(500, 'oops');
    const err = (await adapter()
      .logMessage(ctx, { ...buildLead(), externalId: SF_LEAD_ID }, buildMessage())
      .catch((e: unknown) => e)) as CrmRetryableError;
    expect(err).toBeInstanceOf(CrmRetryableError);
    expect(err.retryAfterMs).toBe(30_000);
  });

  it('treats a network failure as retryable', async () => {
    const { ctx } = buildCtx();
    nock(INSTANCE).patch(`${API}/sobjects/Task/Tandem_Message_Id__c/msg_02`).replyWithError({ code: 'ECONNRESET', message: 'socket hang up' });
    await expect(adapter().logMessage(ctx, { ...buildLead(), externalId: SF_LEAD_ID }, buildMessage())).rejects.toBeInstanceOf(CrmRetryableError);
  });

  it('dead-letters a validation refusal with the Salesforce error code and fields', async () => {
    const { ctx } = buildCtx();
    nock(INSTANCE)
      .patch(`${API}/sobjects/Lead/Tandem_Lead_Id__c/lead_01`)
      .reply(400, [{ message: 'Rating: bad value for restricted picklist field: Hot', errorCode: 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST', fields: ['Rating'] }]);
    const err = (await adapter()
      .upsertLead(ctx, buildLead())
      .catch((e: unknown) => e)) as SalesforceApiError;
    expect(err).toBeInstanceOf(SalesforceApiError);
    expect(err).not.toBeInstanceOf(CrmRetryableError);
    expect(err.errorCode).toBe('INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST');
    expect(err.message).toContain('[Rating]');
  });

  it('uses the configured base URL instead of the org instance (local fakes)', async () => {
    const { ctx } = buildCtx();
    const scope = nock('http://127.0.0.1:4010').patch(`${API}/sobjects/Task/Tandem_Message_Id__c/msg_02`).reply(201, { id: '00T', success: true, errors: [], created: true });
    await new SalesforceCrmAdapter({ baseUrl: 'http://127.0.0.1:4010/' }).logMessage(ctx, { ...buildLead(), externalId: SF_LEAD_ID }, buildMessage());
    expect(scope.isDone()).toBe(true);
  });

  it('refuses a config without an https instance URL', async () => {
    const { ctx } = buildCtx({ instanceUrl: 'http://acme.my.salesforce.com' });
    await expect(adapter().upsertLead(ctx, buildLead())).rejects.toThrow(/https instanceUrl/);
  });
});

describe('maskPhone', () => {
  it('keeps the country code and last four digits only', () => {
    expect(maskPhone('+14155550142')).toBe('+1 ••• 0142');
    expect(maskPhone('+447700900123')).toBe('+44 ••• 0123');
    expect(maskPhone('12')).toBeNull();
  });
});

describe('SalesforceCrmAdapter request timeouts', () => {
  afterEach(() => nock.abortPendingRequests());
  const timed = () => new SalesforceCrmAdapter({ timeoutMs: 150, serverBackoffMs: 30_000 });

  it('an upsert Salesforce does not answer in time is retryable and says it may have been applied; nothing waits for the late answer', async () => {
    const { ctx } = buildCtx();
    nock(INSTANCE).patch(`${API}/sobjects/Lead/Tandem_Lead_Id__c/lead_01`).delay(2_000).reply(201, { id: SF_LEAD_ID, success: true, errors: [], created: true });
    const started = Date.now();
    const err = (await timed().upsertLead(ctx, buildLead()).catch((e: unknown) => e)) as CrmRetryableError;
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(err).toBeInstanceOf(CrmRetryableError);
    expect(err.message).toBe('Salesforce gave no answer within 150 ms (it may have applied the change)');
    expect(err.retryAfterMs).toBe(30_000);
  });

  it('a stalled connection, a stalled body or a stalled token request each time out as retryable', async () => {
    const { ctx } = buildCtx();
    const task = `${API}/sobjects/Task/Tandem_Message_Id__c/msg_02`;
    nock(INSTANCE).patch(task).delayConnection(2_000).reply(201, { id: '00T000000000001AAA', success: true });
    await expect(timed().logMessage(ctx, { ...buildLead(), externalId: SF_LEAD_ID }, buildMessage())).rejects.toThrow(/no answer within 150 ms/);
    // The answer's head arrives in time, its body does not: still a timeout, not a non-retryable error.
    nock(INSTANCE).patch(task).delayBody(2_000).reply(201, { id: '00T000000000001AAA', success: true });
    await expect(timed().logMessage(ctx, { ...buildLead(), externalId: SF_LEAD_ID }, buildMessage())).rejects.toThrow(/no answer within 150 ms/);
    const { ctx: noToken, saved } = buildCtx({ accessToken: undefined });
    nock(INSTANCE).post('/services/oauth2/token').delay(2_000).reply(200, { access_token: 'token-new', instance_url: INSTANCE });
    await expect(timed().upsertLead(noToken, buildLead())).rejects.toBeInstanceOf(CrmRetryableError);
    expect(saved).toEqual([]);
  });
});
