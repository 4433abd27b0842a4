import nock from 'nock';
import { webApi } from '@slack/bolt';
import { buildConversationMessage } from '../blocks/conversation-message.blocks';
import { ChannelPacer } from '../channel-pacer';
import { webClientOptions } from '../slack-client';
import { InMemorySlackMessageStore } from '../stores/message.store';
import { buildView } from '../test-support/build-view';
import { API_URL, BOT_TOKEN, CHANNEL, decodeSlackBody, MemoryLogger, SLACK_HOST, TENANT_ID } from '../test-support/harness';
import type { SlackBotIdentity } from '../slack.types';
import { ConversationMessageService, findConversationMessage, HISTORY_MAX_PAGES, slackTs } from './conversation-messages.service';

const T0 = Date.parse('2026-06-02T16:00:00.000Z');
const RETRY_AT = T0 + 5 * 60_000;
const TS_A = '1780416000.000100';
const TS_B = '1780416300.000100';
const METADATA = { event_type: 'tandem_conversation', event_payload: { conversation_id: 'conv-1', tenant_id: TENANT_ID } };

/** A root message the Tandem bot posted, as conversations.history lists it with include_all_metadata. */
const tandemMessage = (ts: string, conversationId = 'conv-1', tenantId = TENANT_ID) => ({
  type: 'message',
  user: 'U0TANDEM',
  bot_id: 'B0TANDEM',
  app_id: 'A0TANDEM',
  text: 'Tandem: Jane Doe needs a decision',
  ts,
  metadata: { event_type: 'tandem_conversation', event_payload: { conversation_id: conversationId, tenant_id: tenantId } },
});
const personMessage = (ts: string) => ({ type: 'message', user: 'U0DANA', text: 'on it', ts });
/** The same message posted by another app (any app may write this metadata). */
const otherAppMessage = (ts: string) => ({ ...tandemMessage(ts), user: 'U0OTHER', bot_id: 'B0OTHER', app_id: 'A0OTHER' });

/** Our bot, as the installation (or auth.test) knows it. */
const OWN_BOT: SlackBotIdentity = { botId: 'B0TANDEM', appId: 'A0TANDEM' };
const ownBot = () => Promise.resolve(OWN_BOT);

/** A conversations.history answer shaped like Slack's documented response. */
const page = (messages: object[], nextCursor = '') => ({
  ok: true,
  messages,
  has_more: nextCursor !== '',
  pin_count: 0,
  channel_actions_ts: null,
  channel_actions_count: 0,
  response_metadata: { next_cursor: nextCursor },
});

function setup() {
  const messages = new InMemorySlackMessageStore();
  const logger = new MemoryLogger();
  let now = RETRY_AT;
  const service = new ConversationMessageService(messages, new ChannelPacer({ intervalMs: 0 }), logger, () => now);
  const client = new webApi.WebClient(BOT_TOKEN, { ...webClientOptions({ apiUrl: API_URL }), rejectRateLimitedCalls: true });
  const calls: Array<{ method: string; body: Record<string, unknown> }> = [];
  /** Answers the next call to `method` with `reply` (HTTP 200), recording its decoded body. */
  const slack = (method: string, reply: object) =>
    nock(SLACK_HOST)
      .post(`/api/${method}`, (body) => {
        calls.push({ method, body: decodeSlackBody(body) });
        return true;
      })
      .reply(200, reply);
  return { messages, logger, service, client, calls, slack, setNow: (ms: number) => (now = ms) };
}

afterEach(() => {
  nock.cleanAll();
});

describe('ConversationMessageService.ensure', () => {
  it('posts the first time with metadata naming the conversation, and no history call', async () => {
    const { service, client, calls, slack, messages, setNow } = setup();
    setNow(T0);
    const scope = slack('chat.postMessage', { ok: true, channel: CHANNEL, ts: TS_A, message: tandemMessage(TS_A) });
    const view = buildView();
    const result = await service.ensure(client, TENANT_ID, CHANNEL, view, null);
    expect(scope.isDone()).toBe(true);
    expect(result).toEqual({ ref: { tenantId: TENANT_ID, conversationId: 'conv-1', channel: CHANNEL, ts: TS_A }, created: true });
    const message = buildConversationMessage(view, { mention: null });
    expect(calls).toEqual([
      { method: 'chat.postMessage', body: { channel: CHANNEL, text: message.text, blocks: message.blocks, metadata: METADATA, unfurl_links: 'false', unfurl_media: 'false' } },
    ]);
    // The attempt is concluded: nothing for a later post to look for.
    expect(await messages.beginPost(TENANT_ID, 'conv-1', CHANNEL, new Date())).toBeNull();
  });

  it('after attempts that may have posted, finds its message in the history between them (page two) and adopts it', async () => {
    const { service, client, calls, slack, messages, logger } = setup();
    await messages.beginPost(TENANT_ID, 'conv-1', CHANNEL, new Date(T0));
    await messages.beginPost(TENANT_ID, 'conv-1', CHANNEL, new Date(T0 + 4 * 60_000));
    const scope = slack('conversations.history', page([personMessage('1780416200.000100'), tandemMessage('1780416100.000100', 'conv-2')], 'bmV4dF90czoxNzgwNDE2MDk5'));
    slack('conversations.history', page([tandemMessage('1780416050.000100', 'conv-1', 'other-tenant'), tandemMessage(TS_A)]));
    const result = await service.ensure(client, TENANT_ID, CHANNEL, buildView(), null, ownBot);
    expect(scope.isDone()).toBe(true);
    expect(result).toEqual({ ref: { tenantId: TENANT_ID, conversationId: 'conv-1', channel: CHANNEL, ts: TS_A }, created: false });
    // From a minute before the first attempt to a minute after the latest earlier one (not this one).
    const oldest = slackTs(T0 - 60_000);
    const latest = slackTs(T0 + 5 * 60_000);
    expect([oldest, latest]).toEqual(['1780415940.000000', '1780416300.000000']);
    const window = { channel: CHANNEL, oldest, latest, inclusive: 'true', include_all_metadata: 'true', limit: '15' };
    expect(calls).toEqual([
      { method: 'conversations.history', body: window },
      { method: 'conversations.history', body: { ...window, cursor: 'bmV4dF90czoxNzgwNDE2MDk5' } },
    ]);
    expect(await messages.get(TENANT_ID, 'conv-1')).toEqual({ tenantId: TENANT_ID, conversationId: 'conv-1', channel: CHANNEL, ts: TS_A });
    expect(logger.text()).toContain('adopting it');
  });

  it('does not adopt a message carrying this metadata from another app, and posts its own', async () => {
    const { service, client, calls, slack, messages, logger } = setup();
    await messages.beginPost(TENANT_ID, 'conv-1', CHANNEL, new Date(T0));
    slack('conversations.history', page([otherAppMessage(TS_A)]));
    slack('chat.postMessage', { ok: true, channel: CHANNEL, ts: TS_B, message: tandemMessage(TS_B) });
    const result = await service.ensure(client, TENANT_ID, CHANNEL, buildView(), null, ownBot);
    expect(result).toEqual({ ref: { tenantId: TENANT_ID, conversationId: 'conv-1', channel: CHANNEL, ts: TS_B }, created: true });
    expect(calls.map((c) => c.method)).toEqual(['conversations.history', 'chat.postMessage']);
    expect(calls[1]!.body.metadata).toEqual(METADATA);
    expect(await messages.get(TENANT_ID, 'conv-1')).toEqual({ tenantId: TENANT_ID, conversationId: 'conv-1', channel: CHANNEL, ts: TS_B });
    expect(logger.lines.some((l) => l.level === 'warn' && String(l.msg).includes('another app'))).toBe(true);
  });

  it.each<[string, SlackBotIdentity]>([
    ['bot id and app id', OWN_BOT],
    ['bot id only', { botId: 'B0TANDEM', appId: null }],
    ['app id only', { botId: null, appId: 'A0TANDEM' }],
  ])('knowing our %s, adopts our message over another app\'s, asking who we are once', async (_known, identity) => {
    const { service, client, calls, slack, messages, logger } = setup();
    await messages.beginPost(TENANT_ID, 'conv-1', CHANNEL, new Date(T0));
    slack('conversations.history', page([otherAppMessage('1780416200.000100')], 'bmV4dF90czoxNzgwNDE2MDk5'));
    slack('conversations.history', page([otherAppMessage('1780416100.000100'), tandemMessage(TS_A)]));
    let asked = 0;
    const result = await service.ensure(client, TENANT_ID, CHANNEL, buildView(), null, async () => {
      asked += 1;
      return identity;
    });
    expect(result).toEqual({ ref: { tenantId: TENANT_ID, conversationId: 'conv-1', channel: CHANNEL, ts: TS_A }, created: false });
    expect(calls.map((c) => c.method)).toEqual(['conversations.history', 'conversations.history']);
    expect(asked).toBe(1);
    expect(logger.text()).toContain('adopting it');
  });

  it.each<[string, (() => Promise<SlackBotIdentity | null>) | undefined]>([
    ['not given', undefined],
    ['unknown', () => Promise.resolve(null)],
    ['without ids', () => Promise.resolve({ botId: null, appId: null })],
    ['failing (auth.test)', () => Promise.reject(Object.assign(new Error('An API error occurred: invalid_auth'), { code: 'slack_webapi_platform_error', data: { ok: false, error: 'invalid_auth' } }))],
  ])('with our bot identity %s, adopts by metadata as before and says why at debug', async (_why, identity) => {
    const { service, client, calls, slack, messages, logger } = setup();
    await messages.beginPost(TENANT_ID, 'conv-1', CHANNEL, new Date(T0));
    slack('conversations.history', page([otherAppMessage(TS_A)]));
    const result = await service.ensure(client, TENANT_ID, CHANNEL, buildView(), null, identity);
    expect(result).toEqual({ ref: { tenantId: TENANT_ID, conversationId: 'conv-1', channel: CHANNEL, ts: TS_A }, created: false });
    expect(calls.map((c) => c.method)).toEqual(['conversations.history']);
    const skipped = logger.lines.filter((l) => String(l.msg).includes('adopting by metadata alone'));
    expect(skipped.map((l) => l.level)).toEqual(['debug']);
    expect(skipped[0]!.obj).toMatchObject({ tenantId: TENANT_ID, conversationId: 'conv-1' });
    expect(logger.lines.filter((l) => l.level === 'warn')).toEqual([]);
  });

  it('posts again when the history does not hold it, and searches a bounded number of pages', async () => {
    const { service, client, calls, slack, messages, logger } = setup();
    await messages.beginPost(TENANT_ID, 'conv-1', CHANNEL, new Date(T0));
    for (let i = 0; i < HISTORY_MAX_PAGES; i += 1) slack('conversations.history', page([personMessage(`17804161${i}0.000100`)], `cursor-${i}`));
    slack('chat.postMessage', { ok: true, channel: CHANNEL, ts: '1780416300.000100' });
    let asked = 0;
    const result = await service.ensure(client, TENANT_ID, CHANNEL, buildView(), null, async () => {
      asked += 1;
      return OWN_BOT;
    });
    expect(result.created).toBe(true);
    // Who our bot is matters only for a message with this metadata: not asked here.
    expect(asked).toBe(0);
    expect(calls.map((c) => c.method)).toEqual([...Array<string>(HISTORY_MAX_PAGES).fill('conversations.history'), 'chat.postMessage']);
    expect(calls[HISTORY_MAX_PAGES]!.body.metadata).toEqual(METADATA);
    expect(logger.lines.some((l) => l.level === 'warn' && String(l.msg).includes('no earlier post found'))).toBe(true);
  });

  it.each(['missing_scope', 'not_in_channel'])('posts when the history cannot be read (%s), with a warning that holds no secret', async (error) => {
    const { service, client, calls, slack, messages, logger } = setup();
    await messages.beginPost(TENANT_ID, 'conv-1', CHANNEL, new Date(T0));
    slack('conversations.history', error === 'missing_scope' ? { ok: false, error, needed: 'channels:history', provided: 'chat:write,commands' } : { ok: false, error });
    slack('chat.postMessage', { ok: true, channel: CHANNEL, ts: TS_A });
    const result = await service.ensure(client, TENANT_ID, CHANNEL, buildView(), null);
    expect(result).toEqual({ ref: { tenantId: TENANT_ID, conversationId: 'conv-1', channel: CHANNEL, ts: TS_A }, created: true });
    expect(calls.map((c) => c.method)).toEqual(['conversations.history', 'chat.postMessage']);
    const warning = logger.lines.find((l) => l.level === 'warn');
    expect(warning?.obj).toEqual({ tenantId: TENANT_ID, conversationId: 'conv-1', code: error });
    expect(logger.text()).not.toContain(BOT_TOKEN);
    expect(logger.text()).not.toContain('5550142');
  });

  it('posts when Slack rate-limits a later page (one page a minute for some apps), instead of failing until it dead-letters', async () => {
    const { service, client, calls, slack, messages, logger } = setup();
    await messages.beginPost(TENANT_ID, 'conv-1', CHANNEL, new Date(T0));
    slack('conversations.history', page([personMessage('1780416200.000100')], 'bmV4dF90czoxNzgwNDE2MDk5'));
    nock(SLACK_HOST).post('/api/conversations.history').reply(429, { ok: false, error: 'ratelimited' }, { 'Retry-After': '60' });
    slack('chat.postMessage', { ok: true, channel: CHANNEL, ts: TS_A });
    const result = await service.ensure(client, TENANT_ID, CHANNEL, buildView(), null);
    expect(result).toEqual({ ref: { tenantId: TENANT_ID, conversationId: 'conv-1', channel: CHANNEL, ts: TS_A }, created: true });
    expect(calls.map((c) => c.method)).toEqual(['conversations.history', 'chat.postMessage']);
    expect(logger.lines.some((l) => l.level === 'warn' && String(l.msg).includes('rate-limited'))).toBe(true);
  });

  it('fails without posting when the history call fails otherwise (the job retries)', async () => {
    const { service, client, calls, slack, messages } = setup();
    await messages.beginPost(TENANT_ID, 'conv-1', CHANNEL, new Date(T0));
    slack('conversations.history', { ok: false, error: 'internal_error' });
    await expect(service.ensure(client, TENANT_ID, CHANNEL, buildView(), null)).rejects.toMatchObject({ code: 'slack_webapi_platform_error', data: { error: 'internal_error' } });
    expect(calls.map((c) => c.method)).toEqual(['conversations.history']);
    // The attempt stays, this try its latest: the next try looks again, up to after this one.
    expect(await messages.beginPost(TENANT_ID, 'conv-1', CHANNEL, new Date(RETRY_AT + 60_000))).toEqual({ channel: CHANNEL, at: new Date(T0), lastAt: new Date(RETRY_AT) });
  });

  it('forgets the attempt when Slack refused the post, so the next try does not pay for a history call', async () => {
    const { service, client, calls, slack } = setup();
    slack('chat.postMessage', { ok: false, error: 'channel_not_found' });
    await expect(service.ensure(client, TENANT_ID, CHANNEL, buildView(), null)).rejects.toMatchObject({ data: { error: 'channel_not_found' } });
    slack('chat.postMessage', { ok: true, channel: CHANNEL, ts: TS_A });
    expect((await service.ensure(client, TENANT_ID, CHANNEL, buildView(), null)).created).toBe(true);
    expect(calls.map((c) => c.method)).toEqual(['chat.postMessage', 'chat.postMessage']);
  });
});

describe('findConversationMessage', () => {
  it("finds the root message carrying this tenant's conversation in its metadata", () => {
    const reply = { ...tandemMessage('1780416000.000300'), thread_ts: '1780416000.000001' };
    const otherType = { ...tandemMessage('1780416000.000400'), metadata: { event_type: 'something_else', event_payload: METADATA.event_payload } };
    const noMetadata = { type: 'message', text: 'Tandem: Jane Doe needs a decision', ts: '1780416000.000500' };
    expect(findConversationMessage([noMetadata, otherType, reply, tandemMessage('1780416000.000600', 'conv-1', 'other-tenant')], TENANT_ID, 'conv-1')).toBeNull();
    // A message that started a thread lists thread_ts equal to its own ts: still a root message.
    expect(findConversationMessage([noMetadata, { ...tandemMessage(TS_A), thread_ts: TS_A }], TENANT_ID, 'conv-1')).toBe(TS_A);
  });

  it('with our bot known, finds only a message our bot or app posted', () => {
    const ours = tandemMessage(TS_A);
    const other = otherAppMessage(TS_B);
    expect(findConversationMessage([other], TENANT_ID, 'conv-1', OWN_BOT)).toBeNull();
    expect(findConversationMessage([other, ours], TENANT_ID, 'conv-1', OWN_BOT)).toBe(TS_A);
    // Same bot under another app id (or the other way round) is still ours.
    expect(findConversationMessage([{ ...ours, app_id: 'A0NEW' }], TENANT_ID, 'conv-1', OWN_BOT)).toBe(TS_A);
    expect(findConversationMessage([{ ...ours, bot_id: 'B0NEW' }], TENANT_ID, 'conv-1', OWN_BOT)).toBe(TS_A);
    // A person's message carries no bot or app id.
    expect(findConversationMessage([{ ...ours, bot_id: undefined, app_id: undefined }], TENANT_ID, 'conv-1', OWN_BOT)).toBeNull();
    // No id known: any sender, as without an identity.
    expect(findConversationMessage([other], TENANT_ID, 'conv-1', { botId: null, appId: null })).toBe(TS_B);
    expect(findConversationMessage([other], TENANT_ID, 'conv-1')).toBe(TS_B);
  });
});
