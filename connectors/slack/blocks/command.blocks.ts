import type { ConversationListItem } from '../../../core/index';
import { SLASH_COMMAND } from '../constants';
import type { KnownBlock } from './block-kit.types';
import type { SlackMessage } from './conversation-message.blocks';
import { escapeMrkdwn, truncate } from './format';

/** `/tandem help` */
export function buildHelp(): SlackMessage {
  const text = [
    `*${SLASH_COMMAND} hot* — HOT leads, with links to their threads`,
    `*${SLASH_COMMAND} waiting* — conversations waiting for a person`,
    `*${SLASH_COMMAND} help* — this help`,
    'Talk in a conversation thread is saved as an internal note; use *Reply* or *Edit* to text the lead.',
  ].join('\n');
  return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] };
}

/**
 * A list of conversations with a link to each one's Slack thread (when it has one).
 * `links` maps conversation id → permalink.
 */
export function buildConversationList(title: string, items: ConversationListItem[], links: Map<string, string>, more: boolean): SlackMessage {
  if (items.length === 0) {
    const text = `${title}: none right now.`;
    return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] };
  }
  const lines = items.map((item) => {
    const link = links.get(item.id);
    const name = escapeMrkdwn(item.lead.name);
    const who = link ? `<${link}|${name}>` : name;
    const last = item.lastMessage ? ` — “${truncate(escapeMrkdwn(item.lastMessage.body.replace(/\s+/g, ' ')), 80)}”` : '';
    return `• *${who}* · ${item.lead.tag} ${item.lead.score}${item.needsHuman ? ' · :rotating_light: needs a person' : ''}${last}`;
  });
  const blocks: KnownBlock[] = [{ type: 'header', text: { type: 'plain_text', text: title } }];
  // Sections hold 3000 characters: chunk the lines.
  let chunk: string[] = [];
  for (const line of lines) {
    if ([...chunk, line].join('\n').length > 2900) {
      blocks.push({ type: 'section', text: { type: 'mrkdwn', text: chunk.join('\n') } });
      chunk = [];
    }
    chunk.push(line);
  }
  if (chunk.length > 0) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: chunk.join('\n') } });
  if (more) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: 'Showing the first page only.' }] });
  return { text: `${title}: ${items.length}`, blocks };
}
