import type { ConversationView } from '../../../core/index';
import { buildConversationMessage } from '../blocks/conversation-message.blocks';
import { isRateLimited, type ChannelPacer } from '../channel-pacer';
import type { WebClient } from '../slack-client';
import type { SlackBotIdentity, SlackLogger } from '../slack.types';
import { CONVERSATION_METADATA_EVENT_TYPE } from '../constants';
import type { SlackMessageRef, SlackMessageStore, SlackPostAttempt } from '../stores/message.store';

/** Slack errors meaning the stored message is gone (deleted, channel archived or bot removed). */
const GONE = new Set(['message_not_found', 'channel_not_found', 'is_archived', 'not_in_channel']);

/** History errors after which we post anyway: losing the notification is worse than a rare duplicate. */
const HISTORY_UNREADABLE = new Set(['missing_scope', 'not_in_channel']);

/**
 * How far a history search reaches. Slack caps `limit` at 15 for commercially distributed non-Marketplace
 * apps (and allows them one call a minute; the pacer sits out a 429), so pages are small and few.
 */
export const HISTORY_PAGE_SIZE = 15;
export const HISTORY_MAX_PAGES = 3;
/**
 * The search starts this long before the first attempt and ends this long after the latest one: our clock
 * and Slack's may differ, and a post is stamped while its call is in flight (timeout, client retries).
 */
export const HISTORY_MARGIN_MS = 60_000;

function slackErrorCode(error: unknown): string | null {
  const data = (error as { data?: { error?: unknown } })?.data;
  return typeof data?.error === 'string' ? data.error : null;
}

/** True when Slack answered the call (an API error or a 429), so nothing was posted. */
function slackAnswered(error: unknown): boolean {
  return (error as { code?: unknown })?.code === 'slack_webapi_platform_error' || isRateLimited(error);
}

/** A Slack ts (`seconds.micros`) for a time in milliseconds. */
export function slackTs(ms: number): string {
  return (ms / 1000).toFixed(6);
}

/**
 * The message metadata that names the conversation on its Slack message: ids only, as Slack makes
 * metadata readable by any app or user in the workspace.
 */
export function conversationMetadata(tenantId: string, conversationId: string): { event_type: string; event_payload: { conversation_id: string; tenant_id: string } } {
  return { event_type: CONVERSATION_METADATA_EVENT_TYPE, event_payload: { conversation_id: conversationId, tenant_id: tenantId } };
}

interface HistoryMessage {
  ts?: string;
  thread_ts?: string;
  bot_id?: string;
  app_id?: string;
  metadata?: { event_type?: string; event_payload?: Record<string, unknown> };
}

/** True when `m` was posted by `bot` (its bot or its app); metadata alone can be written by any app. */
function postedBy(m: HistoryMessage, bot: SlackBotIdentity): boolean {
  return (bot.botId !== null && m.bot_id === bot.botId) || (bot.appId !== null && m.app_id === bot.appId);
}

const knows = (bot: SlackBotIdentity | null | undefined): bot is SlackBotIdentity => Boolean(bot && (bot.botId || bot.appId));

/**
 * The ts of the channel message whose metadata names this conversation, if `messages` hold it; with
 * `from`, only a message that bot posted (null, or an identity with no id: any sender).
 */
export function findConversationMessage(messages: readonly HistoryMessage[], tenantId: string, conversationId: string, from: SlackBotIdentity | null = null): string | null {
  const found = messages.find(
    (m) =>
      (!knows(from) || postedBy(m, from)) &&
      m.metadata?.event_type === CONVERSATION_METADATA_EVENT_TYPE &&
      m.metadata.event_payload?.conversation_id === conversationId &&
      m.metadata.event_payload?.tenant_id === tenantId &&
      // A root message, not a reply broadcast from some thread.
      (m.thread_ts === undefined || m.thread_ts === m.ts),
  );
  return found?.ts ?? null;
}

/**
 * Keeps the one Slack message per conversation: posts it, updates it in place after every decision, and
 * replies in its thread. Every channel write goes through the channel pacer.
 */
export class ConversationMessageService {
  constructor(
    private readonly messages: SlackMessageStore,
    private readonly pacer: ChannelPacer,
    private readonly logger: SlackLogger,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Posts the conversation message in `channel` unless one exists; returns where it lives and whether
   * it was just created (if not, the caller updates it with its view). The attempt is recorded before
   * Slack is called: if an earlier attempt may have posted (a timed-out call Slack carried out), the
   * channel's history is searched for the message carrying this conversation's metadata, and that
   * message is adopted instead of posting a second one, if our bot posted it (`ownBot`, asked only when
   * a message with this metadata is found). A first post costs no extra call.
   */
  async ensure(
    client: WebClient,
    tenantId: string,
    channel: string,
    view: ConversationView,
    mention: string | null,
    ownBot?: () => Promise<SlackBotIdentity | null>,
  ): Promise<{ ref: SlackMessageRef; created: boolean }> {
    return this.pacer.run(channel, async () => {
      // Checked inside the channel queue so two events for one conversation cannot post twice.
      const existing = await this.messages.get(tenantId, view.id);
      if (existing) return { ref: existing, created: false };
      const previous = await this.messages.beginPost(tenantId, view.id, channel, new Date(this.now()));
      if (previous) {
        const found = await this.findEarlierPost(client, tenantId, view.id, previous, ownBot);
        if (found) {
          this.logger.info({ tenantId, conversationId: view.id, channel: found.channel }, 'slack: an earlier attempt had posted the conversation message; adopting it');
          return { ref: await this.keep(client, found), created: false };
        }
      }
      const message = buildConversationMessage(view, { mention });
      let result: Awaited<ReturnType<WebClient['chat']['postMessage']>>;
      try {
        result = await client.chat.postMessage({
          channel,
          text: message.text,
          blocks: message.blocks,
          metadata: conversationMetadata(tenantId, view.id),
          unfurl_links: false,
          unfurl_media: false,
        });
      } catch (error) {
        // Slack answered without posting: nothing for a later attempt to look for.
        if (slackAnswered(error)) await this.messages.endPost(tenantId, view.id);
        throw error;
      }
      const posted: SlackMessageRef = { tenantId, conversationId: view.id, channel: result.channel ?? channel, ts: result.ts as string };
      const kept = await this.keep(client, posted);
      if (kept !== posted) return { ref: kept, created: false };
      await this.messages.claimRender(tenantId, view.id, view.version);
      this.logger.info({ tenantId, conversationId: view.id, channel: posted.channel }, 'slack conversation message posted');
      return { ref: posted, created: true };
    });
  }

  /**
   * Saves `candidate` as the conversation's message unless another process saved one first; then the
   * candidate is a duplicate and is deleted. Returns `candidate` itself when it was kept.
   */
  private async keep(client: WebClient, candidate: SlackMessageRef): Promise<SlackMessageRef> {
    const kept = await this.messages.saveIfAbsent(candidate);
    if (kept.ts === candidate.ts && kept.channel === candidate.channel) return candidate;
    this.logger.info({ tenantId: candidate.tenantId, conversationId: candidate.conversationId }, 'slack: another process posted this conversation first; removing the duplicate');
    try {
      await client.chat.delete({ channel: candidate.channel, ts: candidate.ts });
    } catch (error) {
      this.logger.warn({ tenantId: candidate.tenantId, code: slackErrorCode(error) }, 'slack chat.delete of a duplicate failed');
    }
    return kept;
  }

  /**
   * Looks through the channel's history from shortly before the first attempt to shortly after the latest
   * (a bounded number of small pages) for the message our bot posted whose metadata names this
   * conversation. Null when it is not there, or when the history cannot be read (missing scope, bot not
   * in the channel): then the caller posts.
   */
  private async findEarlierPost(
    client: WebClient,
    tenantId: string,
    conversationId: string,
    attempt: SlackPostAttempt,
    ownBot: (() => Promise<SlackBotIdentity | null>) | undefined,
  ): Promise<SlackMessageRef | null> {
    const oldest = slackTs(attempt.at.getTime() - HISTORY_MARGIN_MS);
    // Pages run newest first from `latest`: without it, later talk in a busy channel fills the few pages.
    const latest = slackTs(attempt.lastAt.getTime() + HISTORY_MARGIN_MS);
    let bot: SlackBotIdentity | null | undefined;
    let cursor: string | undefined;
    for (let page = 0; page < HISTORY_MAX_PAGES; page += 1) {
      let history: Awaited<ReturnType<WebClient['conversations']['history']>>;
      try {
        history = await client.conversations.history({
          channel: attempt.channel,
          oldest,
          latest,
          // Slack's bounds are exclusive unless asked: a message stamped on one is ours to find too.
          inclusive: true,
          include_all_metadata: true,
          limit: HISTORY_PAGE_SIZE,
          ...(cursor ? { cursor } : {}),
        });
      } catch (error) {
        const code = slackErrorCode(error);
        if (code && HISTORY_UNREADABLE.has(code)) {
          this.logger.warn({ tenantId, conversationId, code }, 'slack: cannot read the channel history to look for an earlier post; posting (add the *:history scopes / invite the bot)');
          return null;
        }
        // Rate-limited past the first page (a non-Marketplace app may read one page a minute): every retry
        // would stop here again in a busy channel until the notification dead-letters. Post instead.
        if (page > 0 && isRateLimited(error)) {
          this.logger.warn({ tenantId, conversationId, pages: page }, 'slack: history rate-limited before an earlier post was found; posting');
          return null;
        }
        throw error;
      }
      const messages = (history.messages ?? []) as HistoryMessage[];
      if (findConversationMessage(messages, tenantId, conversationId)) {
        if (bot === undefined) bot = await this.ownBotIdentity(ownBot, tenantId, conversationId);
        const ts = findConversationMessage(messages, tenantId, conversationId, bot);
        if (ts) return { tenantId, conversationId, channel: attempt.channel, ts };
        this.logger.warn({ tenantId, conversationId }, "slack: a message from another app carries this conversation's metadata; not adopting it");
      }
      cursor = history.response_metadata?.next_cursor || undefined;
      if (!history.has_more || !cursor) return null;
    }
    this.logger.warn({ tenantId, conversationId, pages: HISTORY_MAX_PAGES }, 'slack: no earlier post found within the searched history; posting');
    return null;
  }

  /**
   * Who our bot is, to adopt only its own message. Null when that is not known (an installation without
   * ids, auth.test failing): then any sender is accepted, as before, rather than failing the post.
   */
  private async ownBotIdentity(ownBot: (() => Promise<SlackBotIdentity | null>) | undefined, tenantId: string, conversationId: string): Promise<SlackBotIdentity | null> {
    let bot: SlackBotIdentity | null = null;
    try {
      bot = ownBot ? await ownBot() : null;
    } catch (error) {
      this.logger.debug({ tenantId, conversationId, code: slackErrorCode(error) }, 'slack: could not learn our bot identity; adopting by metadata alone');
      return null;
    }
    if (knows(bot)) return bot;
    this.logger.debug({ tenantId, conversationId }, 'slack: our bot identity is unknown for this workspace; adopting by metadata alone');
    return null;
  }

  /**
   * Re-renders the conversation message from a view. Returns false when the message is gone (deleted
   * or the channel archived), so the caller may post a fresh one.
   */
  async update(client: WebClient, ref: SlackMessageRef, view: ConversationView, mention: string | null): Promise<boolean> {
    const message = buildConversationMessage(view, { mention });
    try {
      await this.pacer.run(ref.channel, async () => {
        // Claimed inside the channel queue, so the order of claims is the order of Slack calls.
        if (!(await this.messages.claimRender(ref.tenantId, ref.conversationId, view.version))) {
          this.logger.debug({ tenantId: ref.tenantId, conversationId: ref.conversationId, version: view.version }, 'slack: a newer version is already shown; stale render skipped');
          return;
        }
        await client.chat.update({ channel: ref.channel, ts: ref.ts, text: message.text, blocks: message.blocks });
      });
      return true;
    } catch (error) {
      const code = slackErrorCode(error);
      if (code && GONE.has(code)) {
        this.logger.warn({ tenantId: ref.tenantId, conversationId: ref.conversationId, code }, 'slack conversation message is gone');
        return false;
      }
      throw error;
    }
  }

  /** Posts `text` in the conversation's thread. */
  async reply(client: WebClient, ref: SlackMessageRef, text: string): Promise<void> {
    await this.pacer.run(ref.channel, () =>
      client.chat.postMessage({ channel: ref.channel, thread_ts: ref.ts, text, unfurl_links: false, unfurl_media: false }),
    );
  }
}
