import { retrieveKnowledge } from './knowledge-retrieval';

const knowledge = [
  { id: 'pricing', title: 'Pricing', body: 'Plans start at $49 per month. The Pro plan is $99 per month.' },
  { id: 'hours', title: 'Opening hours', body: 'We are open Monday to Friday, 9am to 5pm.' },
  { id: 'integrations', title: 'Integrations', body: 'We integrate with HubSpot, Salesforce and Slack.' },
];

describe('knowledge retrieval', () => {
  it.each([
    ['How much does it cost?', 'pricing'],
    ['what are your prices', 'pricing'],
    ['¿Cuánto cuesta?', 'pricing'],
    ['When are you open?', 'hours'],
    ['¿Cuál es su horario?', 'hours'],
    ['Does it integrate with Salesforce?', 'integrations'],
  ])('%s → %s', (query, id) => {
    expect(retrieveKnowledge(knowledge, query)[0]?.entry.id).toBe(id);
  });

  it('returns nothing for an unrelated question', () => {
    expect(retrieveKnowledge(knowledge, 'Do you ship to Canada?')).toEqual([]);
  });
});
