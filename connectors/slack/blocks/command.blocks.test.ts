import type { ConversationListItem } from '../../../core/index';
import { buildConversationList, buildHelp } from './command.blocks';
import { escapeMrkdwn, messageLink, slackDate } from './format';
import { blockedThreadText, inboundThreadText, noteThreadText } from './thread.blocks';
import { buildMessage } from '../test-support/build-view';

function item(i: number, overrides: Partial<ConversationListItem> = {}): ConversationListItem {
  return {
    id: `c${i}`,
    version: 1,
    mode: 'ai',
    status: 'open',
    needsHuman: false,
    lead: { id: `l${i}`, name: `Lead ${i}`, phoneMasked: '+1 •••• ••• 0000', tag: 'HOT', score: 80, optedOut: false },
    lastMessage: { direction: 'in', body: 'Hello\nthere', at: '2025-06-01T17:00:00.000Z' },
    hasPendingDraft: false,
    updatedAt: '2025-06-01T17:00:00.000Z',
    ...overrides,
  };
}

describe('command and thread blocks', () => {
  it('lists conversations, linking those with a thread', () => {
    const m = buildConversationList('HOT leads', [item(1), item(2, { needsHuman: true })], new Map([['c1', 'https://slack.com/archives/C1/p1']]), false);
    const json = JSON.stringify(m.blocks);
    expect(json).toContain('<https://slack.com/archives/C1/p1|Lead 1>');
    expect(json).toContain('*Lead 2* · HOT 80 · :rotating_light: needs a person');
    expect(json).toContain('“Hello there”');
    expect(m.text).toBe('HOT leads: 2');
  });

  it('says so when the list is empty and chunks long lists under 3000 characters', () => {
    expect(buildConversationList('Waiting', [], new Map(), false).text).toBe('Waiting: none right now.');
    const long = Array.from({ length: 60 }, (_, i) => item(i, { lead: { ...item(i).lead, name: 'N'.repeat(60) } }));
    const m = buildConversationList('HOT', long, new Map(), true);
    for (const b of m.blocks) if (b.type === 'section') expect(b.text!.text.length).toBeLessThanOrEqual(3000);
    expect(m.blocks.filter((b) => b.type === 'section').length).toBeGreaterThan(1);
    expect(JSON.stringify(m.blocks)).toContain('first page only');
  });

  it('help names every subcommand', () => {
    expect(buildHelp().text).toMatch(/\/tandem hot[\s\S]*\/tandem waiting[\s\S]*\/tandem help/);
  });

  it('thread texts escape what people wrote', () => {
    expect(inboundThreadText('Jane', buildMessage({ body: '<!here> hi' }))).toBe(':speech_balloon: *Jane*:\n>&lt;!here&gt; hi');
    expect(noteThreadText({ id: 'n', authorName: 'Sam', surface: 'hubspot', body: 'called', createdAt: '' })).toBe(':lock: Internal note by *Sam* in HubSpot:\n>called');
    expect(blockedThreadText('the lead opted out')).toBe(':no_entry: A text to the lead was not sent: the lead opted out');
  });

  it('formats links, dates and escapes', () => {
    expect(messageLink('C1', '1700000000.000100')).toBe('https://slack.com/archives/C1/p1700000000000100');
    expect(slackDate('not a date')).toBe('not a date');
    expect(escapeMrkdwn('a & <b>')).toBe('a &amp; &lt;b&gt;');
  });
});
