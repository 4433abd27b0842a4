/** Where a conversation's Slack message lives, so any later decision can `chat.update` it. */
export interface SlackMessageRef {
  tenantId: string;
  conversationId: string;
  channel: string;
  /** The root message's ts; its thread holds the conversation's talk. */
  ts: string;
}

/**
 * A post of the conversation message that was started and has not been concluded by saving where the
 * message lives. Slack may have posted it (a timed-out `chat.postMessage`), so a later post looks first.
 */
export interface SlackPostAttempt {
  channel: string;
  /** When the first attempt in this channel started (our clock). */
  at: Date;
  /** When the latest attempt in this channel started (our clock): the search ends shortly after it. */
  lastAt: Date;
}

/**
 * conversationId → { channel, ts }, and back (a thread reply names only channel + thread_ts; the
 * workspace names the tenant). The persisted one lives in `surface_refs` under the tenant's RLS.
 */
export interface SlackMessageStore {
  get(tenantId: string, conversationId: string): Promise<SlackMessageRef | null>;
  findByTs(tenantId: string, channel: string, ts: string): Promise<SlackMessageRef | null>;
  /** Records where the message lives now (replacing an older message of the conversation); concludes any post attempt. */
  save(ref: SlackMessageRef): Promise<void>;
  /**
   * Records `ref` unless the conversation already has a message; returns the one that is kept, and
   * concludes any post attempt. Two processes that both posted for one conversation learn which post
   * won (the other is deleted).
   */
  saveIfAbsent(ref: SlackMessageRef): Promise<SlackMessageRef>;
  /**
   * Records, before calling Slack, that the conversation message is about to be posted in `channel`;
   * returns the attempt recorded earlier and never concluded (its post may have reached Slack), or null.
   * An earlier attempt in the same channel keeps its first time, so a search starts from the first
   * attempt, and takes `at` as its latest time (if later), so the search ends after the latest one; one
   * in another channel is replaced.
   */
  beginPost(tenantId: string, conversationId: string, channel: string, at: Date): Promise<SlackPostAttempt | null>;
  /** Concludes a post attempt that Slack refused (it answered, so nothing was posted). */
  endPost(tenantId: string, conversationId: string): Promise<void>;
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
  private readonly attempts = new Map<string, SlackPostAttempt>();

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
    this.attempts.delete(`${ref.tenantId}:${ref.conversationId}`);
  }

  async saveIfAbsent(ref: SlackMessageRef): Promise<SlackMessageRef> {
    const existing = await this.get(ref.tenantId, ref.conversationId);
    if (existing) {
      this.attempts.delete(`${ref.tenantId}:${ref.conversationId}`);
      return existing;
    }
    await this.save(ref);
    return { ...ref };
  }

  async beginPost(tenantId: string, conversationId: string, channel: string, at: Date): Promise<SlackPostAttempt | null> {
    const key = `${tenantId}:${conversationId}`;
    const previous = this.attempts.get(key) ?? null;
    if (!previous || previous.channel !== channel) this.attempts.set(key, { channel, at: new Date(at), lastAt: new Date(at) });
    else if (at > previous.lastAt) this.attempts.set(key, { ...previous, lastAt: new Date(at) });
    return previous ? { channel: previous.channel, at: new Date(previous.at), lastAt: new Date(previous.lastAt) } : null;
  }

  async endPost(tenantId: string, conversationId: string): Promise<void> {
    this.attempts.delete(`${tenantId}:${conversationId}`);
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
