import { keyBody, ownerName, personBody, personForm, roleLabel, type Person } from './team';

const dana: Person = { id: 'a1', name: 'Dana Agent', email: null, role: 'agent', slackUserId: null, hubspotUserId: null, salesforceUserId: null };

describe('personBody', () => {
  it('trims, and sends an empty optional field as null (unset), never as ""', () => {
    expect(personBody({ name: ' Dana Agent ', email: '  ', role: 'agent', slackUserId: ' U012AB3CD ', hubspotUserId: '', salesforceUserId: '005xx' })).toEqual({
      name: 'Dana Agent',
      email: null,
      role: 'agent',
      slackUserId: 'U012AB3CD',
      hubspotUserId: null,
      salesforceUserId: '005xx',
    });
  });
});

describe('keyBody', () => {
  it('sends no person as null, a chosen one by id', () => {
    expect(keyBody({ name: ' CI ', role: 'viewer', agentId: '' })).toEqual({ name: 'CI', role: 'viewer', agentId: null });
    expect(keyBody({ name: 'Dana laptop', role: 'agent', agentId: 'a1' })).toEqual({ name: 'Dana laptop', role: 'agent', agentId: 'a1' });
  });
});

describe('ownerName and roleLabel', () => {
  it('names the key’s person, a dash for none, and says so when the id is unknown', () => {
    expect(ownerName('a1', [dana])).toBe('Dana Agent');
    expect(ownerName(null, [dana])).toBe('—');
    expect(ownerName('gone', [dana])).toBe('A removed person');
  });
  it('labels roles', () => {
    expect(['admin', 'agent', 'viewer', 'other'].map(roleLabel)).toEqual(['Admin', 'Agent', 'Viewer', 'other']);
  });
});

describe('personForm', () => {
  it('shows a person with unset fields empty, and round-trips to the same body', () => {
    const dana: Person = { id: 'a1', name: 'Dana Agent', email: null, role: 'viewer', slackUserId: 'U0DANA01', hubspotUserId: null, salesforceUserId: null };
    const form = personForm(dana);
    expect(form).toEqual({ name: 'Dana Agent', email: '', role: 'viewer', slackUserId: 'U0DANA01', hubspotUserId: '', salesforceUserId: '' });
    expect(personBody(form)).toEqual({ name: 'Dana Agent', email: null, role: 'viewer', slackUserId: 'U0DANA01', hubspotUserId: null, salesforceUserId: null });
  });
});
