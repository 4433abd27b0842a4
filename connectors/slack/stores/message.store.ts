/** Where a conversation's Slack message lives, so any later decision can `chat.update` it. */
export interface SlackMessageRef {
  tenantId: string;
  conversationId: string;
  channel: string;
  /** The root message's ts; its thread holds the conversation's talk. */
  ts: string;
}

/**
 * conversationId → { channel, ts }, and back (a thread reply names only channel + thread_ts).
 * The lead persists it (unique on tenant + conversation, and on channel + ts).
 */
export interface SlackMessageStore {
  get(tenantId: string, conversationId: string): Promise<SlackMessageRef | null>;
  findByTs(channel: string, ts: string): Promise<SlackMessageRef | null>;
  save(ref: SlackMessageRef): Promise<void>;
  /** Forget a message that Slack no longer has (deleted, channel archived). */
  delete(tenantId: string, conversationId: string): Promise<void>;
}

/** In-memory implementation for tests and the single-process demo. */
export class InMemorySlackMessageStore implements SlackMessageStore {
  private readonly byConversation = new Map<string, SlackMessageRef>();
  private readonly byTs = new Map<string, SlackMessageRef>();

  async get(tenantId: string, conversationId: string): Promise<SlackMessageRef | null> {
    return this.byConversation.get(`${tenantId}:${conversationId}`) ?? null;
  }

  async findByTs(channel: string, ts: string): Promise<SlackMessageRef | null> {
    return this.byTs.get(`${channel}:${ts}`) ?? null;
  }

  async save(ref: SlackMessageRef): Promise<void> {
    const previous = this.byConversation.get(`${ref.tenantId}:${ref.conversationId}`);
    if (previous) this.byTs.delete(`${previous.channel}:${previous.ts}`);
    this.byConversation.set(`${ref.tenantId}:${ref.conversationId}`, { ...ref });
    this.byTs.set(`${ref.channel}:${ref.ts}`, { ...ref });
  }

  async delete(tenantId: string, conversationId: string): Promise<void> {
    const previous = this.byConversation.get(`${tenantId}:${conversationId}`);
    if (!previous) return;
    this.byConversation.delete(`${tenantId}:${conversationId}`);
    this.byTs.delete(`${previous.channel}:${previous.ts}`);
  }
}
