import { connectBody, fieldMessage, instanceUrlOf, otherFieldErrors, tandemUrlFor, type SalesforceFormValues } from './salesforce-connect-body';

const form = (overrides: Partial<SalesforceFormValues> = {}): SalesforceFormValues => ({
  orgId: ' 00D5g000004XyZ1 ',
  instanceUrl: ' https://acme.my.salesforce.com/ ',
  clientId: '3MVG9-consumer-key\n',
  clientSecret: ' consumer-secret ',
  smsOptOutField: '  ',
  enabled: true,
  keepOrgKey: true,
  ...overrides,
});

describe('instanceUrlOf', () => {
  it('adds https:// to a bare host and drops trailing slashes', () => {
    expect(instanceUrlOf(' acme.my.salesforce.com ')).toBe('https://acme.my.salesforce.com');
    expect(instanceUrlOf('https://acme.my.salesforce.com//')).toBe('https://acme.my.salesforce.com');
  });

  it('leaves a scheme or a path as typed, for the server to name, and empty as empty', () => {
    expect(instanceUrlOf('http://acme.my.salesforce.com/x')).toBe('http://acme.my.salesforce.com/x');
    expect(instanceUrlOf('  ')).toBe('');
  });
});

describe('connectBody', () => {
  it('trims every value and sends an empty opt-out field as null (the server’s default)', () => {
    expect(connectBody(form(), false)).toEqual({
      orgId: '00D5g000004XyZ1',
      instanceUrl: 'https://acme.my.salesforce.com',
      clientId: '3MVG9-consumer-key',
      clientSecret: 'consumer-secret',
      smsOptOutField: null,
      enabled: true,
    });
  });

  it('sends keepOrgKey only when an org key exists and the box is ticked', () => {
    expect(connectBody(form({ enabled: false, smsOptOutField: ' SMS_Opt_Out__c ' }), true)).toEqual(expect.objectContaining({ keepOrgKey: true, enabled: false, smsOptOutField: 'SMS_Opt_Out__c' }));
    expect(connectBody(form({ keepOrgKey: false }), true)).not.toHaveProperty('keepOrgKey');
    expect(connectBody(form(), false)).not.toHaveProperty('keepOrgKey');
  });
});

describe('fieldMessage', () => {
  it('puts the label before the connect route’s "is …" and "must …" messages', () => {
    expect(fieldMessage('Organization ID', 'must be a Salesforce organization id (00D..., 15 or 18 characters)')).toBe('Organization ID must be a Salesforce organization id (00D..., 15 or 18 characters)');
    expect(fieldMessage('Consumer secret', "is required: the External Client App's consumer secret")).toBe("Consumer secret is required: the External Client App's consumer secret");
  });

  it('capitalises any other message', () => {
    expect(fieldMessage('Keep the org key', 'there is no org key for this org to keep')).toBe('There is no org key for this org to keep');
  });
});

describe('otherFieldErrors', () => {
  it('lists the errors no field of the form shows', () => {
    expect(otherFieldErrors({ orgId: 'must be …', extra: 'is not a Salesforce integration setting', _: 'Expected object' })).toEqual(['extra: is not a Salesforce integration setting', 'Expected object']);
    expect(otherFieldErrors({ clientSecret: 'is required', keepOrgKey: 'no key' })).toEqual([]);
  });
});

describe('tandemUrlFor', () => {
  it('is the origin without a trailing slash, and says whether Salesforce can call it (https only)', () => {
    expect(tandemUrlFor('https://tandem.example.com/')).toEqual({ url: 'https://tandem.example.com', https: true });
    expect(tandemUrlFor('http://localhost:3000')).toEqual({ url: 'http://localhost:3000', https: false });
  });
});
