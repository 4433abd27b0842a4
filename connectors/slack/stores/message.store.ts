/** Where a conversation's Slack message lives, so any later decision can `chat.update` it. */
export interface SlackMessageRef {
  tenantId: string;
  conversationId: string;
  channel: string;
  /** The root message's ts; its thread holds the conversation's talk. */
  ts: string;
}

/**
 * conversationId → { channel, ts }, and back (a thread reply names only channel + thread_ts; the
 * workspace names the tenant). The persisted one lives in `surface_refs` under the tenant's RLS.
 */
export interface SlackMessageStore {
  get(tenantId: string, conversationId: string): Promise<SlackMessageRef | null>;
  findByTs(tenantId: string, channel: string, ts: string): Promise<SlackMessageRef | null>;
  /** Records where the message lives now (replacing an older message of the conversation). */
  save(ref: SlackMessageRef): Promise<void>;
  /**
   * Records `ref` unless the conversation already has a message; returns the one that is kept. Two
   * processes that both posted for one conversation learn which post won (the other is deleted).
   */
  saveIfAbsent(ref: SlackMessageRef): Promise<SlackMessageRef>;
  /**
   * Claims the right to show conversation `version` on the message: false when a newer version was
   * already shown (a late job must not put stale buttons back). Equal versions pass: a re-render of the
   * same version may carry newer delivery statuses. True when no message is stored.
   */
  claimRender(tenantId: string, conversationId: string, version: number): Promise<boolean>;
  /** Forget a message that Slack no longer has (deleted, channel archived). */
  delete(tenantId: string, conversationId: string): Promise<void>;
}

/** In-memory implementation for tests and the single-process demo. */
export class InMemorySlackMessageStore implements SlackMessageStore {
  private readonly byConversation = new Map<string, SlackMessageRef>();
  private readonly byTs = new Map<string, SlackMessageRef>();
  private readonly shown = new Map<string, number>();

  async get(tenantId: string, conversationId: string): Promise<SlackMessageRef | null> {
    return this.byConversation.get(`${tenantId}:${conversationId}`) ?? null;
  }

  async findByTs(tenantId: string, channel: string, ts: string): Promise<SlackMessageRef | null> {
    const ref = this.byTs.get(`${channel}:${ts}`);
    return ref && ref.tenantId === tenantId ? ref : null;
  }

  async save(ref: SlackMessageRef): Promise<void> {
    const previous = this.byConversation.get(`${ref.tenantId}:${ref.conversationId}`);
    if (previous) this.byTs.delete(`${previous.channel}:${previous.ts}`);
    if (previous && previous.ts !== ref.ts) this.shown.delete(`${ref.tenantId}:${ref.conversationId}`);
    this.byConversation.set(`${ref.tenantId}:${ref.conversationId}`, { ...ref });
    this.byTs.set(`${ref.channel}:${ref.ts}`, { ...ref });
  }

  async saveIfAbsent(ref: SlackMessageRef): Promise<SlackMessageRef> {
    const existing = await this.get(ref.tenantId, ref.conversationId);
    if (existing) return existing;
    await this.save(ref);
    return { ...ref };
  }

  async claimRender(tenantId: string, conversationId: string, version: number): Promise<boolean> {
    const key = `${tenantId}:${conversationId}`;
    if (!this.byConversation.has(key)) return true;
    if ((this.shown.get(key) ?? 0) > version) return false;
    this.shown.set(key, version);
    return true;
  }

  async delete(tenantId: string, conversationId: string): Promise<void> {
    const previous = this.byConversation.get(`${tenantId}:${conversationId}`);
    this.shown.delete(`${tenantId}:${conversationId}`);
    if (!previous) return;
    this.byConversation.delete(`${tenantId}:${conversationId}`);
    this.byTs.delete(`${previous.channel}:${previous.ts}`);
  }
}
