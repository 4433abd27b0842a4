import { Alert, Button, Checkbox, EmptyState, ErrorState, hubspot, Select, Text, TextArea } from '@hubspot/ui-extensions';
import { createRenderer } from '@hubspot/ui-extensions/testing';
import type { CardConversationResponse } from '../tandem-api';
import { CONSENT_CONFIRMATION, TandemConversationCard } from '../TandemConversationCard';
import type { ConversationView } from '../types/conversation-view';
import { buildView } from './fixtures';

// The testing renderer mocks CRM hooks and context but not hubspot.fetch: we fake the Tandem server here.
type Reply = { status: number; body: unknown };
const BASE = 'https://tandem.example.com';
let getReply: Reply;
let postReply: Reply;
let fetchSpy: jest.SpyInstance;

function response({ status, body }: Reply): Response {
  return { ok: status >= 200 && status < 300, status, json: async () => body } as Response;
}

beforeEach(() => {
  getReply = { status: 200, body: { conversation: buildView(), lead: null, canStart: false, startBlockedReason: null, consentRequired: false } satisfies CardConversationResponse };
  postReply = { status: 200, body: { conversation: buildView({ version: 4, draft: null }) } };
  fetchSpy = jest.spyOn(hubspot, 'fetch').mockImplementation(async (_url, options) => response(options?.method === 'POST' ? postReply : getReply));
});
afterEach(() => fetchSpy.mockRestore());

async function renderLoaded(view?: ConversationView) {
  if (view) getReply = { status: 200, body: { conversation: view, lead: null, canStart: false, startBlockedReason: null, consentRequired: false } };
  const r = createRenderer('crm.record.sidebar');
  r.mocks.useCrmProperties.willCall((names) => ({
    properties: Object.fromEntries(names.map((n) => [n, ({ hs_object_id: '901', email: 'ana@example.com', phone: '+14155550142' } as Record<string, string>)[n] ?? ''])),
    error: null,
    isLoading: false,
    isRefetching: false,
    refetch: async () => undefined,
  }));
  r.render(<TandemConversationCard />);
  await r.waitFor(() => expect(r.maybeFindByTestId(Button, 'tandem-refresh')).not.toBeNull());
  return r;
}

const lastPost = () => fetchSpy.mock.calls.filter(([, o]) => o?.method === 'POST').at(-1);

describe('useTandemConversation with the card', () => {
  it('loads the conversation for the contact id, email and phone', async () => {
    const r = await renderLoaded();
    expect(fetchSpy).toHaveBeenCalledWith(`${BASE}/hubspot/card/conversation?contactId=901&email=ana%40example.com&phone=%2B14155550142`, { method: 'GET', body: undefined, timeout: 15000 });
    expect(r.findByTestId(Text, 'tandem-draft').text).toBe('Sure! What size is your team?');
  });

  it.each([
    ['tandem-approve', { type: 'approve', draftId: 'd1' }],
    ['tandem-discard', { type: 'discard', draftId: 'd1' }],
    ['tandem-takeover', { type: 'takeover' }],
    ['tandem-close', { type: 'close' }],
  ])('%s posts the action with the version seen', async (testId, extra) => {
    const r = await renderLoaded();
    r.findByTestId(Button, testId).trigger('onClick');
    await r.waitFor(() => expect(lastPost()).toBeDefined());
    expect(lastPost()).toEqual([`${BASE}/hubspot/card/actions`, { method: 'POST', timeout: 15000, body: { conversationId: 'conv_1', version: 3, ...extra } }]);
    // The fresh view from the server replaces the old one: the draft is gone.
    await r.waitFor(() => expect(r.maybeFindByTestId(Text, 'tandem-draft')).toBeNull());
  });

  it('Edit & send posts the edited text with the draft id', async () => {
    const r = await renderLoaded();
    r.findByTestId(Button, 'tandem-edit').trigger('onClick');
    r.findByTestId(TextArea, 'tandem-edit-text').trigger('onChange', 'Sure! How many seats?' as never);
    r.findByTestId(Button, 'tandem-edit-send').trigger('onClick');
    await r.waitFor(() => expect(lastPost()).toBeDefined());
    expect(lastPost()?.[1]?.body).toEqual({ conversationId: 'conv_1', type: 'edit', version: 3, text: 'Sure! How many seats?', draftId: 'd1' });
  });

  it.each([
    ['tandem-send-text', 'tandem-send', 'send', 'Calling you now'],
    ['tandem-note-text', 'tandem-add-note', 'note', 'Prefers mornings'],
  ])('taken over: %s + %s posts %s with text', async (textId, buttonId, type, text) => {
    const r = await renderLoaded(buildView({ mode: 'human', draft: null, allowedActions: ['handback', 'send', 'note'] }));
    r.findByTestId(TextArea, textId).trigger('onChange', text as never);
    r.findByTestId(Button, buttonId).trigger('onClick');
    await r.waitFor(() => expect(lastPost()).toBeDefined());
    expect(lastPost()?.[1]?.body).toEqual({ conversationId: 'conv_1', type, version: 3, text });
  });

  it('Hand back to AI posts handback', async () => {
    const r = await renderLoaded(buildView({ mode: 'human', draft: null, allowedActions: ['handback', 'send', 'note'] }));
    r.findByTestId(Button, 'tandem-handback').trigger('onClick');
    await r.waitFor(() => expect(lastPost()).toBeDefined());
    expect(lastPost()?.[1]?.body).toEqual({ conversationId: 'conv_1', type: 'handback', version: 3 });
  });

  it.each([
    ['AI off', 'off', null, 'off'],
    ['back to the team setting', 'team', 'off', null],
  ] as const)('the autonomy menu (%s) posts set_autonomy with the version seen', async (_, picked, override, autonomy) => {
    postReply = { status: 200, body: { conversation: buildView({ version: 4, autonomyOverride: autonomy, allowedActions: ['takeover', 'set_autonomy'] }) } };
    const r = await renderLoaded(buildView({ autonomyOverride: override, allowedActions: ['takeover', 'set_autonomy'] }));
    expect(r.findByTestId(Select, 'tandem-autonomy').props.value).toBe(override ?? 'team');
    r.findByTestId(Select, 'tandem-autonomy').trigger('onChange', picked as never);
    await r.waitFor(() => expect(lastPost()).toBeDefined());
    expect(lastPost()?.[1]?.body).toEqual({ conversationId: 'conv_1', type: 'set_autonomy', version: 3, autonomy });
    await r.waitFor(() => expect(r.findByTestId(Select, 'tandem-autonomy').props.value).toBe(autonomy ?? 'team'));
  });

  it('shows no autonomy menu when the engine does not allow set_autonomy (a closed conversation)', async () => {
    const r = await renderLoaded(buildView({ status: 'closed', draft: null, allowedActions: ['reopen', 'note'] }));
    expect(r.maybeFindByTestId(Select, 'tandem-autonomy')).toBeNull();
  });

  it('a 409 shows the fresh view from the conflict and a notice', async () => {
    const fresh = buildView({
      version: 5,
      draft: null,
      mode: 'human',
      assignee: { agentId: 'a2', name: 'Sam' },
      allowedActions: ['handback', 'send', 'note'],
    });
    postReply = { status: 409, body: { error: { code: 'conversation.version_conflict', message: 'Someone else acted first.', details: { conversation: fresh } } } };
    const r = await renderLoaded();
    r.findByTestId(Button, 'tandem-approve').trigger('onClick');
    await r.waitFor(() => expect(r.maybeFindByTestId(Alert, 'tandem-notice')).not.toBeNull());
    expect(r.findByTestId(Alert, 'tandem-notice').props.title).toBe('Someone acted first');
    expect(r.maybeFindByTestId(Text, 'tandem-draft')).toBeNull();
    expect(r.maybeFindByTestId(Button, 'tandem-approve')).toBeNull();
    expect(r.findByTestId(Button, 'tandem-handback')).toBeDefined();

    // The next action carries the fresh version.
    postReply = { status: 200, body: { conversation: buildView({ version: 6, draft: null }) } };
    r.findByTestId(Button, 'tandem-handback').trigger('onClick');
    await r.waitFor(() => expect(lastPost()?.[1]?.body).toEqual({ conversationId: 'conv_1', type: 'handback', version: 5 }));
  });

  it('another error keeps the view and explains', async () => {
    postReply = { status: 403, body: { error: { code: 'hubspot.agent_unmapped', message: 'Your HubSpot user is not linked to a Tandem agent.', details: {} } } };
    const r = await renderLoaded();
    r.findByTestId(Button, 'tandem-takeover').trigger('onClick');
    await r.waitFor(() => expect(r.maybeFindByTestId(Alert, 'tandem-notice')).not.toBeNull());
    expect(r.findByTestId(Alert, 'tandem-notice').text).toBe('Your HubSpot user is not linked to a Tandem agent.');
    expect(r.findByTestId(Text, 'tandem-draft')).toBeDefined();
  });

  it('a failed load shows the error state, and retry loads again', async () => {
    getReply = { status: 500, body: { error: { code: 'internal', message: 'Something went wrong on our side. Try again.', details: {} } } };
    const r = createRenderer('crm.record.sidebar');
    r.render(<TandemConversationCard />);
    await r.waitFor(() => expect(r.maybeFindByTestId(ErrorState, 'tandem-error')).not.toBeNull());
    expect(r.findByTestId(ErrorState, 'tandem-error').find(Text).text).toBe('Something went wrong on our side. Try again.');

    getReply = { status: 200, body: { conversation: null, lead: null, canStart: false, startBlockedReason: 'no_phone', consentRequired: true } };
    r.findByTestId(Button, 'tandem-retry').trigger('onClick');
    await r.waitFor(() => expect(r.maybeFindByTestId(EmptyState, 'tandem-empty')).not.toBeNull());
  });

  /** The card on contact 901, whose mobile is preferred over its office phone. */
  function renderContact() {
    const r = createRenderer('crm.record.sidebar');
    const props: Record<string, string> = { hs_object_id: '901', email: 'bo@example.com', phone: '+1 212 555 0100', mobilephone: '(212) 555-0199', firstname: 'Bo', lastname: 'Chen' };
    r.mocks.useCrmProperties.willCall((names) => ({
      properties: Object.fromEntries(names.map((n) => [n, props[n] ?? ''])),
      error: null,
      isLoading: false,
      isRefetching: false,
      refetch: async () => undefined,
    }));
    r.render(<TandemConversationCard />);
    return r;
  }

  it('Start for a known lead posts its id with the contact id, and shows the new conversation', async () => {
    const lead = { id: 'lead_9', name: 'Bo', tag: 'WARM' as const, score: 40, consent: { state: 'granted' as const, at: null }, optedOut: false };
    getReply = { status: 200, body: { conversation: null, lead, canStart: true, startBlockedReason: null, consentRequired: false } };
    postReply = { status: 201, body: { conversation: buildView({ id: 'conv_9', draft: null, messages: [] }), created: true } };
    const r = renderContact();
    await r.waitFor(() => expect(r.maybeFindByTestId(Button, 'tandem-start')).not.toBeNull());
    expect(fetchSpy.mock.calls[0]![0]).toBe(`${BASE}/hubspot/card/conversation?contactId=901&email=bo%40example.com&phone=%28212%29+555-0199`);
    r.findByTestId(Button, 'tandem-start').trigger('onClick');
    r.findByTestId(Button, 'tandem-start-confirm').trigger('onClick');
    await r.waitFor(() => expect(r.maybeFindByTestId(EmptyState, 'tandem-empty')).toBeNull());
    expect(lastPost()).toEqual([`${BASE}/hubspot/card/start`, { method: 'POST', timeout: 15000, body: { contactId: '901', leadId: 'lead_9' } }]);
    expect(r.maybeFindByTestId(Button, 'tandem-refresh')).not.toBeNull();
  });

  it('Start for a contact Tandem does not know sends the contact, the consent confirmation and the first text', async () => {
    getReply = { status: 200, body: { conversation: null, lead: null, canStart: true, startBlockedReason: null, consentRequired: true } };
    postReply = { status: 201, body: { conversation: buildView({ id: 'conv_10', draft: null, messages: [] }), created: true } };
    const r = renderContact();
    await r.waitFor(() => expect(r.maybeFindByTestId(Button, 'tandem-start')).not.toBeNull());
    r.findByTestId(Button, 'tandem-start').trigger('onClick');
    r.findByTestId(Checkbox, 'tandem-consent-confirm').trigger('onChange', true as never);
    r.findByTestId(TextArea, 'tandem-start-text').trigger('onChange', 'Hi Bo' as never);
    await r.waitFor(() => expect(r.findByTestId(Button, 'tandem-start-confirm').props.disabled).toBe(false));
    r.findByTestId(Button, 'tandem-start-confirm').trigger('onClick');
    await r.waitFor(() => expect(lastPost()).toBeDefined());
    expect(lastPost()![1]!.body).toEqual({
      contactId: '901',
      contact: { phone: '(212) 555-0199', firstName: 'Bo', lastName: 'Chen', email: 'bo@example.com' },
      consentStatement: CONSENT_CONFIRMATION,
      text: 'Hi Bo',
    });
  });

  it('a refused start (opted out since the card loaded) says why and leaves the form', async () => {
    getReply = { status: 200, body: { conversation: null, lead: null, canStart: true, startBlockedReason: null, consentRequired: true } };
    postReply = { status: 409, body: { error: { code: 'lead.opted_out', message: 'This person opted out of texts. Only they can opt back in, by texting START to your number.', details: {} } } };
    const r = renderContact();
    await r.waitFor(() => expect(r.maybeFindByTestId(Button, 'tandem-start')).not.toBeNull());
    r.findByTestId(Button, 'tandem-start').trigger('onClick');
    r.findByTestId(Checkbox, 'tandem-consent-confirm').trigger('onChange', true as never);
    await r.waitFor(() => expect(r.findByTestId(Button, 'tandem-start-confirm').props.disabled).toBe(false));
    r.findByTestId(Button, 'tandem-start-confirm').trigger('onClick');
    await r.waitFor(() => expect(r.maybeFindByTestId(Alert, 'tandem-notice')).not.toBeNull());
    expect(r.findByTestId(Alert, 'tandem-notice').props.title).toBe('Could not start the conversation');
    expect(r.findByTestId(Alert, 'tandem-notice').text).toContain('opted out');
  });

  it('a conversation someone else opened meanwhile is shown, and the agent is told the text was not sent', async () => {
    getReply = { status: 200, body: { conversation: null, lead: null, canStart: true, startBlockedReason: null, consentRequired: false } };
    const open = buildView({ id: 'conv_11' });
    postReply = { status: 409, body: { error: { code: 'conversation.already_open', message: 'This person already has an open conversation.', details: { conversation: open } } } };
    const r = renderContact();
    await r.waitFor(() => expect(r.maybeFindByTestId(Button, 'tandem-start')).not.toBeNull());
    r.findByTestId(Button, 'tandem-start').trigger('onClick');
    r.findByTestId(TextArea, 'tandem-start-text').trigger('onChange', 'Hi Bo' as never);
    await r.waitFor(() => expect(r.findByTestId(Button, 'tandem-start-confirm').text).toBe('Start and send'));
    r.findByTestId(Button, 'tandem-start-confirm').trigger('onClick');
    await r.waitFor(() => expect(r.maybeFindByTestId(Alert, 'tandem-notice')).not.toBeNull());
    expect(r.findByTestId(Alert, 'tandem-notice').props.title).toBe('A conversation was already open');
    expect(r.findByTestId(Text, 'tandem-draft').text).toBe('Sure! What size is your team?');
  });
});
