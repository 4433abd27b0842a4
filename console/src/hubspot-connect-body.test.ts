import { connectBody, connectedMessage, installTarget, modeLabel, PRIVATE_APP_SCOPES } from './hubspot-connect-body';

const connected = { connected: true as const, enabled: true, portalId: '62515', mode: 'private_app' as const };

describe('connectBody', () => {
  it('sends the token without the spaces and line breaks a copy carries around it', () => {
    expect(connectBody(' pat-na1-11111111-2222-3333-4444-555555555555\n')).toEqual({ privateAppToken: 'pat-na1-11111111-2222-3333-4444-555555555555' });
  });

  it('leaves the inside alone, so the server names a token with spaces in it', () => {
    expect(connectBody('pat na1')).toEqual({ privateAppToken: 'pat na1' });
    expect(connectBody('   ')).toEqual({ privateAppToken: '' });
  });
});

describe('connectedMessage', () => {
  it('names the portal and the properties Tandem created', () => {
    expect(connectedMessage({ hubspot: connected, properties: { created: ['tandem_score', 'tandem_tag'], unavailable: [] } })).toBe(
      'HubSpot account 62515 connected. Created Tandem’s contact properties: tandem_score, tandem_tag.',
    );
  });

  it('says when the properties were already there, and which ones HubSpot would not take', () => {
    expect(connectedMessage({ hubspot: connected, properties: { created: [], unavailable: ['tandem_lead_id'] } })).toBe(
      'HubSpot account 62515 connected. Tandem’s contact properties were already there. HubSpot would not take tandem_lead_id; contacts still sync, and Tandem asks again every hour.',
    );
  });

  it('says only what the answer carries', () => {
    expect(connectedMessage({ hubspot: { ...connected, portalId: null } })).toBe('HubSpot connected.');
    expect(connectedMessage({ hubspot: connected, properties: { created: ['tandem_mode'] } })).toBe('HubSpot account 62515 connected. Created Tandem’s contact properties: tandem_mode.');
  });
});

describe('modeLabel', () => {
  it('names each way a connection authenticates', () => {
    expect(modeLabel('private_app')).toBe('Private app token');
    expect(modeLabel('oauth')).toBe('Public app, installed from HubSpot');
    expect(modeLabel('env')).toContain('HUBSPOT_PRIVATE_APP_TOKEN');
    expect(modeLabel(null)).toBe('—');
  });
});

describe('installTarget', () => {
  it('takes the https link the server hands out', () => {
    const url = 'https://app.hubspot.com/oauth/authorize?client_id=cid&redirect_uri=https%3A%2F%2Ftandem.example.com%2Fhubspot%2Foauth%2Fcallback&scope=oauth&state=s.t';
    expect(installTarget({ url })).toBe(url);
  });

  it('refuses anything the page should not navigate to', () => {
    for (const answer of [null, {}, { url: 42 }, { url: 'javascript:alert(1)' }, { url: 'data:text/html,hi' }, { url: 'app.hubspot.com/oauth' }, 'https://app.hubspot.com']) {
      expect({ answer, target: installTarget(answer) }).toEqual({ answer, target: null });
    }
  });
});

describe('PRIVATE_APP_SCOPES', () => {
  it('are the contact object and schema scopes, read and write (the browser test checks them against the server’s)', () => {
    expect(PRIVATE_APP_SCOPES).toEqual(['crm.objects.contacts.read', 'crm.objects.contacts.write', 'crm.schemas.contacts.read', 'crm.schemas.contacts.write']);
  });
});
