import type { ConversationView } from '../../../core/index';
import { buildConversationMessage } from '../blocks/conversation-message.blocks';
import type { ChannelPacer } from '../channel-pacer';
import type { WebClient } from '../slack-client';
import type { SlackLogger } from '../slack.types';
import type { SlackMessageRef, SlackMessageStore } from '../stores/message.store';

/** Slack errors meaning the stored message is gone (deleted, channel archived or bot removed). */
const GONE = new Set(['message_not_found', 'channel_not_found', 'is_archived', 'not_in_channel']);

function slackErrorCode(error: unknown): string | null {
  const data = (error as { data?: { error?: unknown } })?.data;
  return typeof data?.error === 'string' ? data.error : null;
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
  ) {}

  /**
   * Posts the conversation message in `channel` unless one exists; returns where it lives and whether
   * it was just created (if not, the caller updates it with its view).
   */
  async ensure(client: WebClient, tenantId: string, channel: string, view: ConversationView, mention: string | null): Promise<{ ref: SlackMessageRef; created: boolean }> {
    return this.pacer.run(channel, async () => {
      // Checked inside the channel queue so two events for one conversation cannot post twice.
      const existing = await this.messages.get(tenantId, view.id);
      if (existing) return { ref: existing, created: false };
      const message = buildConversationMessage(view, { mention });
      const result = await client.chat.postMessage({ channel, text: message.text, blocks: message.blocks, unfurl_links: false, unfurl_media: false });
      const posted: SlackMessageRef = { tenantId, conversationId: view.id, channel: result.channel ?? channel, ts: result.ts as string };
      // Another process may have posted for this conversation meanwhile: the first saved post wins.
      const kept = await this.messages.saveIfAbsent(posted);
      if (kept.ts !== posted.ts || kept.channel !== posted.channel) {
        this.logger.info({ tenantId, conversationId: view.id }, 'slack: another process posted this conversation first; removing the duplicate');
        try {
          await client.chat.delete({ channel: posted.channel, ts: posted.ts });
        } catch (error) {
          this.logger.warn({ tenantId, code: slackErrorCode(error) }, 'slack chat.delete of a duplicate failed');
        }
        return { ref: kept, created: false };
      }
      await this.messages.claimRender(tenantId, view.id, view.version);
      this.logger.info({ tenantId, conversationId: view.id, channel: posted.channel }, 'slack conversation message posted');
      return { ref: posted, created: true };
    });
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
