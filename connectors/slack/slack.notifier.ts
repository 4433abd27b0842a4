import type { AgentNotifier, NotifierEvent } from '../../core/index';
import { blockedThreadText, escalationThreadText, inboundThreadText, noteThreadText } from './blocks/thread.blocks';
import type { SlackClientPool, WebClient } from './slack-client';
import { userMention } from './blocks/format';
import { mentionFor, type SlackDeps } from './services/slack-deps';
import type { SlackMessageRef } from './stores/message.store';

/**
 * Pushes what needs agents into Slack: one message per conversation, updated in place after every
 * decision from any surface; the lead's texts, notes from other surfaces and blocked sends go into the
 * conversation's thread. Called from a retried job: a Slack error is thrown so the job retries.
 */
export class SlackNotifier implements AgentNotifier {
  readonly name = 'slack';
  /** Lets the engine skip the job for tenants without Slack; `notify` still checks the token. */
  readonly requiresIntegration: 'slack' | undefined;

  constructor(
    private readonly deps: SlackDeps,
    private readonly clients: SlackClientPool,
  ) {
    this.requiresIntegration = deps.workspaces.needsIntegrationRecord() ? 'slack' : undefined;
  }

  async notify(event: NotifierEvent): Promise<void> {
    const { tenantId, view } = event;
    const token = await this.deps.workspaces.tokenForTenant(tenantId);
    if (!token) {
      this.deps.logger.debug({ tenantId, type: event.type }, 'slack notifier: tenant has no Slack');
      return;
    }
    const client = this.clients.get(token);
    const settings = await this.deps.settings(tenantId);
    const mention = await mentionFor(this.deps, tenantId, view, settings);
    let ref = await this.deps.stores.messages.get(tenantId, view.id);
    const messages = this.deps.conversationMessages;

    /** Update the stored message, or post a fresh one when it is gone and a channel is set. */
    const upsert = async (): Promise<SlackMessageRef | null> => {
      if (ref) {
        if (await messages.update(client, ref, view, mention)) return ref;
        await this.deps.stores.messages.delete(tenantId, view.id);
      }
      if (!settings.channelId) {
        this.deps.logger.warn({ tenantId }, 'slack notifier: tenant has no channel; choose one in Slack settings');
        return null;
      }
      const ensured = await messages.ensure(client, tenantId, settings.channelId, view, mention, () => this.deps.workspaces.botIdentity(tenantId));
      ref = ensured.ref;
      // Another event posted it meanwhile: show this view on it too.
      if (!ensured.created) await messages.update(client, ref, view, mention);
      return ref;
    };

    switch (event.type) {
      case 'conversation.needs_decision': {
        const existed = ref !== null;
        const target = await upsert();
        // An edit does not notify anyone: ping the thread when an existing message escalates.
        if (target && existed && view.flags.needsHuman) await messages.reply(client, target, escalationThreadText(mention, event.reason));
        return;
      }
      case 'conversation.changed':
        if (ref) await this.updateOrForget(client, ref, event);
        return;
      case 'message.inbound': {
        // A person holds the conversation (started from a CRM, or taken over), so no AI answer or draft will
        // bring it to Slack: the lead's reply does, and pings the agent it waits for.
        const heldByPerson = view.mode === 'human' && view.status !== 'closed';
        if (!ref && !heldByPerson) return;
        const existed = ref !== null;
        const target = ref ?? (await upsert());
        if (!target) return;
        const slackId = heldByPerson && view.assignee ? await this.deps.identity.slackUserIdFor(tenantId, view.assignee.agentId) : null;
        await messages.reply(client, target, inboundThreadText(view.lead.name, event.message, slackId ? userMention(slackId) : null));
        // A message posted just now already shows this view.
        if (existed) await this.updateOrForget(client, target, event);
        return;
      }
      case 'note.added':
        // Notes written in Slack are already in the thread.
        if (ref && event.note.surface !== 'slack') await messages.reply(client, ref, noteThreadText(event.note));
        return;
      case 'send.blocked': {
        const target = ref ?? (await upsert());
        if (target) await messages.reply(client, target, blockedThreadText(event.reason));
        return;
      }
    }
  }

  private async updateOrForget(client: WebClient, ref: SlackMessageRef, event: NotifierEvent): Promise<void> {
    const settings = await this.deps.settings(event.tenantId);
    const ok = await this.deps.conversationMessages.update(client, ref, event.view, await mentionFor(this.deps, event.tenantId, event.view, settings));
    if (!ok) await this.deps.stores.messages.delete(event.tenantId, event.view.id);
  }
}
