import type { ActionsBlock, Button, KnownBlock, PlainTextOption, StaticSelect } from './block-kit.types';
import {
  AUTONOMY_LEVELS,
  type Autonomy,
  type ConversationView,
  type DecisionView,
  type MessageView,
  type ActionType,
  type Tag,
} from '../../../core/index';
import { ACTION_IDS, AUTONOMY_SELECT_ID, type ButtonKey } from '../constants';
import { encodeAutonomyChoice, encodeButtonValue } from './button-value';
import { escapeMrkdwn, quote, slackDate, surfaceLabel, truncate } from './format';

/** A message ready for chat.postMessage / chat.update. */
export interface SlackMessage {
  text: string;
  blocks: KnownBlock[];
}

export interface ConversationMessageOptions {
  /**
   * Who an escalation pings: `<@U…>`, `<!here>` or `<!channel>` (already formatted), or null for nobody.
   * Only used while the conversation needs a person.
   */
  mention?: string | null;
}

const TAG_EMOJI: Record<Tag, string> = { HOT: ':fire:', WARM: ':sunny:', COLD: ':snowflake:' };

/** Buttons in display order, with their labels and the engine action each needs in allowedActions. */
const BUTTONS: Array<{ key: ButtonKey; action: ActionType; label: string; style?: 'primary' | 'danger'; confirm?: string }> = [
  { key: 'approve', action: 'approve', label: 'Approve & send', style: 'primary' },
  { key: 'edit', action: 'edit', label: 'Edit' },
  { key: 'discard', action: 'discard', label: 'Discard', confirm: 'Discard the AI draft? Nothing will be sent.' },
  { key: 'takeover', action: 'takeover', label: 'Take over' },
  { key: 'handback', action: 'handback', label: 'Hand back to AI' },
  { key: 'reply', action: 'send', label: 'Reply' },
  { key: 'close', action: 'close', label: 'Close', confirm: 'Close this conversation? Follow-ups stop.' },
  { key: 'reopen', action: 'reopen', label: 'Reopen' },
];

const DECISION_LABELS: Record<ActionType, string> = {
  approve: 'Approved & sent',
  edit: 'Edited & sent',
  discard: 'Discarded the draft',
  takeover: 'Took over',
  handback: 'Handed back to AI',
  send: 'Replied',
  note: 'Added a note',
  close: 'Closed',
  reopen: 'Reopened',
  set_autonomy: 'Changed the autonomy',
};

/** The last message the lead sent, if any. */
export function lastInbound(view: ConversationView): MessageView | null {
  for (let i = view.messages.length - 1; i >= 0; i -= 1) {
    if (view.messages[i].direction === 'in') return view.messages[i];
  }
  return null;
}

/** True while the AI draft waits for a person. */
function hasPendingDraft(view: ConversationView): boolean {
  return view.draft !== null && view.draft.status === 'pending';
}

/** One line saying where the conversation stands, from the view alone. */
export function statusLine(view: ConversationView, mention: string | null): string {
  if (view.status === 'closed') return ':white_check_mark: Conversation closed';
  if (view.flags.needsHuman) {
    const who = view.assignee ? ` — assigned to ${escapeMrkdwn(view.assignee.name)}` : '';
    return `${mention ? `${mention} ` : ''}:rotating_light: *Needs a person*${who}`;
  }
  if (hasPendingDraft(view) && view.draft!.heldBy.length > 0) {
    return `:warning: *Draft held back by the guardrail* (${escapeMrkdwn(view.draft!.heldBy.join(', '))})`;
  }
  if (hasPendingDraft(view)) return ':memo: *AI draft waiting for approval*';
  if (view.mode === 'human') {
    return `:bust_in_silhouette: ${view.assignee ? `*${escapeMrkdwn(view.assignee.name)}* has taken over` : 'A person has taken over'}`;
  }
  return ':robot_face: The AI is handling this conversation';
}

/** "Approved & sent by Dana in HubSpot · <date>" */
export function decisionLine(decision: DecisionView): string {
  return `${DECISION_LABELS[decision.action] ?? decision.action} by *${escapeMrkdwn(decision.actorName)}* ${surfaceLabel(decision.surface)} · ${slackDate(decision.at)}`;
}

/** Buttons for exactly the actions the engine allows now, each carrying conversation id + version. */
export function conversationButtons(view: ConversationView): Button[] {
  const value = encodeButtonValue({
    conversationId: view.id,
    version: view.version,
    draftId: hasPendingDraft(view) ? view.draft!.id : null,
  });
  return BUTTONS.filter((b) => view.allowedActions.includes(b.action)).map((b) => {
    const button: Button = {
      type: 'button',
      action_id: ACTION_IDS[b.key],
      text: { type: 'plain_text', text: b.label },
      value,
    };
    if (b.style) button.style = b.style;
    if (b.confirm) {
      button.confirm = {
        title: { type: 'plain_text', text: 'Are you sure?' },
        text: { type: 'plain_text', text: b.confirm },
        confirm: { type: 'plain_text', text: b.label },
        deny: { type: 'plain_text', text: 'Cancel' },
      };
    }
    return button;
  });
}

const AUTONOMY_LABELS: Record<Autonomy, string> = {
  autopilot: 'AI replies on its own',
  copilot: 'AI drafts, a person approves',
  off: 'AI off: people reply',
};

/**
 * The menu that sets this conversation's autonomy, showing the one in force. "Team setting" clears the
 * override, so the conversation follows the tenant's setting again. Absent when the engine does not allow
 * `set_autonomy` now (a closed conversation).
 */
export function autonomyMenu(view: ConversationView): StaticSelect | null {
  if (!view.allowedActions.includes('set_autonomy')) return null;
  const option = (autonomy: Autonomy | null): PlainTextOption => ({
    text: { type: 'plain_text', text: autonomy ? AUTONOMY_LABELS[autonomy] : 'Team setting' },
    value: encodeAutonomyChoice({ conversationId: view.id, version: view.version, autonomy }),
  });
  const choices = [null, ...AUTONOMY_LEVELS];
  const options = choices.map(option);
  return {
    type: 'static_select',
    action_id: AUTONOMY_SELECT_ID,
    placeholder: { type: 'plain_text', text: 'AI autonomy' },
    options,
    initial_option: options[choices.indexOf(view.autonomyOverride)],
  };
}

/**
 * The one Slack message per conversation: lead, score and why, the last inbound text, the AI draft,
 * the buttons the engine allows and who decided what last. Pure: same view, same message.
 */
export function buildConversationMessage(view: ConversationView, options: ConversationMessageOptions = {}): SlackMessage {
  const { lead } = view;
  const mention = view.flags.needsHuman && view.status !== 'closed' ? (options.mention ?? null) : null;
  const blocks: KnownBlock[] = [];

  blocks.push({
    type: 'section',
    block_id: 'lead',
    text: {
      type: 'mrkdwn',
      text: `*${escapeMrkdwn(lead.name)}* · ${escapeMrkdwn(lead.phoneMasked)}\n${TAG_EMOJI[lead.tag]} *${lead.tag}* · score ${lead.score}`,
    },
  });
  if (lead.signals.length > 0) {
    blocks.push({
      type: 'context',
      block_id: 'signals',
      elements: [
        {
          type: 'mrkdwn',
          text: truncate(
            lead.signals.map((s) => `${escapeMrkdwn(s.label)} (${s.points >= 0 ? '+' : ''}${s.points})`).join(' · '),
            2900,
          ),
        },
      ],
    });
  }
  blocks.push({ type: 'section', block_id: 'status', text: { type: 'mrkdwn', text: statusLine(view, mention) } });

  const inbound = lastInbound(view);
  if (inbound) {
    blocks.push({
      type: 'section',
      block_id: 'inbound',
      text: { type: 'mrkdwn', text: `*Lead said* · ${slackDate(inbound.createdAt)}\n${quote(truncate(escapeMrkdwn(inbound.body), 2800))}` },
    });
  }
  if (hasPendingDraft(view)) {
    blocks.push({
      type: 'section',
      block_id: 'draft',
      text: { type: 'mrkdwn', text: `*AI draft*\n${quote(truncate(escapeMrkdwn(view.draft!.body), 2800))}` },
    });
  }

  const buttons = conversationButtons(view);
  const menu = autonomyMenu(view);
  if (buttons.length > 0 || menu) {
    const actions: ActionsBlock = { type: 'actions', block_id: 'actions', elements: [...buttons, ...(menu ? [menu] : [])] };
    blocks.push(actions);
  }

  const footer: string[] = [];
  if (view.lastDecision) footer.push(decisionLine(view.lastDecision));
  if (view.flags.optedOut) footer.push(':no_entry_sign: Opted out: nothing can be sent');
  else if (view.flags.quietHours) footer.push(":crescent_moon: Quiet hours in the lead's time zone: sends are deferred");
  if (footer.length > 0) {
    blocks.push({ type: 'context', block_id: 'decision', elements: footer.map((text) => ({ type: 'mrkdwn' as const, text })) });
  }

  const state = mention ? `${mention} ${lead.name} needs a person` : `${lead.name} (${lead.tag} ${lead.score})`;
  return { text: truncate(`Tandem: ${state}`, 3000), blocks };
}
