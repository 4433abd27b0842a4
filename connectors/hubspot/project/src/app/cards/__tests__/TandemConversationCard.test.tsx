import { Alert, Button, Checkbox, EmptyState, ErrorState, Flex, Input, LoadingSpinner, StatusTag, Tag, Text, TextArea } from '@hubspot/ui-extensions';
import { createRenderer } from '@hubspot/ui-extensions/testing';
import { CONSENT_CONFIRMATION, TandemConversationCard } from '../TandemConversationCard';
import { useTandemConversation, type TandemConversation } from '../useTandemConversation';
import { buildView } from './fixtures';

jest.mock('../useTandemConversation', () => ({ useTandemConversation: jest.fn() }));
const mockedHook = useTandemConversation as jest.MockedFunction<typeof useTandemConversation>;

function hook(overrides: Partial<TandemConversation>): TandemConversation {
  const value: TandemConversation = {
    state: { status: 'loading' },
    busy: false,
    notice: null,
    act: jest.fn(async () => undefined),
    start: jest.fn(async () => undefined),
    contact: { contactId: '901', email: 'bo@example.com', phone: '+1 212 555 0199', firstName: 'Bo', lastName: 'Chen' },
    refresh: jest.fn(async () => undefined),
    dismissNotice: jest.fn(),
    ...overrides,
  };
  mockedHook.mockReturnValue(value);
  return value;
}

const ready = (view = buildView()) => ({ status: 'ready' as const, data: { conversation: view, lead: null, canStart: false, startBlockedReason: null, consentRequired: false } });

function renderCard() {
  const renderer = createRenderer('crm.record.sidebar');
  renderer.render(<TandemConversationCard />);
  return renderer;
}

const buttonIds = (r: ReturnType<typeof renderCard>) => r.findAll(Button).map((b) => b.props.testId);

describe('TandemConversationCard states', () => {
  it('loading: a spinner only', () => {
    hook({ state: { status: 'loading' } });
    const r = renderCard();
    expect(r.findByTestId(LoadingSpinner, 'tandem-loading')).toBeDefined();
    expect(r.findAll(Button)).toHaveLength(0);
  });

  it('error: says what went wrong and retries', () => {
    const api = hook({ state: { status: 'error', message: 'Could not reach Tandem.' } });
    const r = renderCard();
    expect(r.findByTestId(ErrorState, 'tandem-error').find(Text).text).toBe('Could not reach Tandem.');
    r.findByTestId(Button, 'tandem-retry').trigger('onClick');
    expect(api.refresh).toHaveBeenCalled();
  });

  it('empty, a consented lead: Start opens the form, no consent question, an optional first text', () => {
    const lead = { id: 'lead_9', name: 'Bo', tag: 'COLD' as const, score: 5, consent: { state: 'granted' as const, at: null }, optedOut: false };
    const api = hook({ state: { status: 'ready', data: { conversation: null, lead, canStart: true, startBlockedReason: null, consentRequired: false } } });
    const r = renderCard();
    expect(r.findByTestId(EmptyState, 'tandem-empty')).toBeDefined();
    r.findByTestId(Button, 'tandem-start').trigger('onClick');
    expect(r.maybeFindByTestId(Checkbox, 'tandem-consent-confirm')).toBeNull();
    expect(r.findByTestId(Text, 'tandem-start-to').text).toContain('Texting Bo.');
    expect(r.findByTestId(Button, 'tandem-start-confirm').text).toBe('Start');
    r.findByTestId(TextArea, 'tandem-start-text').trigger('onChange', '  Hi Bo, Sam here.  ' as never);
    expect(r.findByTestId(Button, 'tandem-start-confirm').text).toBe('Start and send');
    r.findByTestId(Button, 'tandem-start-confirm').trigger('onClick');
    expect(api.start).toHaveBeenCalledWith({ text: 'Hi Bo, Sam here.' });
  });

  it('empty, no consent on record: Start stays disabled until the agent confirms, and the confirmation goes with it word for word', () => {
    const api = hook({ state: { status: 'ready', data: { conversation: null, lead: null, canStart: true, startBlockedReason: null, consentRequired: true } } });
    const r = renderCard();
    r.findByTestId(Button, 'tandem-start').trigger('onClick');
    expect(r.findByTestId(Text, 'tandem-start-to').text).toContain('Texting Bo Chen at +1 212 555 0199.');
    expect(r.findByTestId(Checkbox, 'tandem-consent-confirm').text).toBe(CONSENT_CONFIRMATION);
    expect(r.findByTestId(Button, 'tandem-start-confirm').props.disabled).toBe(true);
    r.findByTestId(Checkbox, 'tandem-consent-confirm').trigger('onChange', true as never);
    r.findByTestId(Input, 'tandem-consent-how').trigger('onChange', 'asked for texts when he called on 1 June' as never);
    expect(r.findByTestId(Button, 'tandem-start-confirm').props.disabled).toBe(false);
    r.findByTestId(Button, 'tandem-start-confirm').trigger('onClick');
    expect(api.start).toHaveBeenCalledWith({ consentStatement: `${CONSENT_CONFIRMATION} How: asked for texts when he called on 1 June` });
  });

  it('the start form can be cancelled without calling Tandem', () => {
    const api = hook({ state: { status: 'ready', data: { conversation: null, lead: null, canStart: true, startBlockedReason: null, consentRequired: true } } });
    const r = renderCard();
    r.findByTestId(Button, 'tandem-start').trigger('onClick');
    r.findByTestId(Button, 'tandem-start-cancel').trigger('onClick');
    expect(r.maybeFindByTestId(Flex, 'tandem-start-form')).toBeNull();
    expect(r.findByTestId(Button, 'tandem-start')).toBeDefined();
    expect(api.start).not.toHaveBeenCalled();
  });

  it.each([
    ['opted_out', 'opted out of texts'],
    ['no_phone', 'has no phone number'],
  ] as const)('empty without a way to start (%s): no start button, says why', (reason, phrase) => {
    hook({ state: { status: 'ready', data: { conversation: null, lead: null, canStart: false, startBlockedReason: reason, consentRequired: true } } });
    const r = renderCard();
    expect(r.maybeFindByTestId(Button, 'tandem-start')).toBeNull();
    expect(r.findByTestId(Text, 'tandem-start-blocked').text?.toLowerCase()).toContain(phrase.toLowerCase());
  });

  it.each([
    ['agent', 'SMS consent: given via agent confirmation on 2026-06-02'],
    ['natural_language', 'SMS consent: given via their own text on 2026-06-02'],
    ['keyword', 'SMS consent: given via START text on 2026-06-02'],
  ] as const)('says how consent was given (%s)', (source, line) => {
    const base = buildView();
    hook({ state: ready(buildView({ lead: { ...base.lead, consent: { state: 'granted', source, at: '2026-06-02T16:00:00.000Z' } } })) });
    expect(renderCard().findByTestId(Text, 'tandem-consent').text).toBe(line);
  });

  it('conversation: tag, score, signals, consent, messages with delivery status, draft, notes', () => {
    hook({ state: ready() });
    const r = renderCard();
    expect(r.findByTestId(Tag, 'tandem-tag').text).toBe('HOT');
    expect(r.findByTestId(Tag, 'tandem-tag').props.variant).toBe('error');
    expect(r.findByTestId(Text, 'tandem-score').text).toBe('Score 82');
    expect(r.findByTestId(StatusTag, 'tandem-mode').text).toBe('AI');
    expect(r.findByTestId(Flex, 'tandem-signals').findAll(Text).map((t) => t.text)).toEqual(['Mentioned a budget (+30)', 'Wants it this week (+25)']);
    expect(r.findByTestId(Text, 'tandem-consent').text).toBe('SMS consent: given via form on 2025-11-20');
    expect(r.findByTestId(StatusTag, 'tandem-message-status-m1').text).toBe('delivered');
    expect(r.findByTestId(StatusTag, 'tandem-message-status-m1').props.variant).toBe('success');
    expect(r.maybeFindByTestId(StatusTag, 'tandem-message-status-m2')).toBeNull(); // inbound: no delivery status
    expect(r.findByTestId(Flex, 'tandem-message-m2').findAll(Text).map((t) => t.text)).toEqual(['← Ana Lima', 'Can I get a quote this week?']);
    expect(r.findByTestId(Flex, 'tandem-message-m1').findAll(Text).map((t) => t.text)).toEqual(['→ Tandem AI', 'Hi Ana, thanks for your request!']);
    expect(r.findByTestId(Text, 'tandem-draft').text).toBe('Sure! What size is your team?');
    expect(r.findByTestId(Text, 'tandem-note-n1').text).toBe('Rita Rep (slack): Big account, be quick');
  });

  it('shows exactly the buttons in allowedActions', () => {
    hook({ state: ready(buildView({ allowedActions: ['approve', 'takeover'] })) });
    expect(buttonIds(renderCard()).sort()).toEqual(['tandem-approve', 'tandem-refresh', 'tandem-takeover']);

    hook({ state: ready(buildView({ mode: 'human', draft: null, allowedActions: ['handback', 'send', 'note', 'reopen'] })) });
    const r = renderCard();
    expect(buttonIds(r).sort()).toEqual(['tandem-add-note', 'tandem-handback', 'tandem-refresh', 'tandem-reopen', 'tandem-send']);
    expect(r.findByTestId(TextArea, 'tandem-send-text')).toBeDefined();
  });

  it('opted out, quiet hours and a failed CRM sync are flagged', () => {
    const base = buildView();
    hook({ state: ready(buildView({ lead: { ...base.lead, optedOut: true }, flags: { needsHuman: true, quietHours: true, optedOut: true, crmSyncFailed: true } })) });
    const r = renderCard();
    expect(r.findByTestId(Alert, 'tandem-opted-out')).toBeDefined();
    expect(r.findByTestId(Alert, 'tandem-quiet-hours').text).toContain('America/Los_Angeles');
    expect(r.findByTestId(Alert, 'tandem-crm-sync')).toBeDefined();
    expect(r.findByTestId(StatusTag, 'tandem-needs-human')).toBeDefined();
  });

  it('shows a notice from the hook', () => {
    hook({ state: ready(), notice: { variant: 'warning', title: 'Someone acted first', message: 'Here is the latest.' } });
    expect(renderCard().findByTestId(Alert, 'tandem-notice').props.title).toBe('Someone acted first');
  });
});

describe('TandemConversationCard buttons', () => {
  it.each([
    ['tandem-approve', 'approve'],
    ['tandem-discard', 'discard'],
    ['tandem-takeover', 'takeover'],
    ['tandem-close', 'close'],
  ])('%s runs %s', (testId, type) => {
    const api = hook({ state: ready() });
    renderCard().findByTestId(Button, testId).trigger('onClick');
    expect(api.act).toHaveBeenCalledWith(type);
  });

  it('Edit & send opens a TextArea prefilled with the draft and sends the edited text', () => {
    const api = hook({ state: ready() });
    const r = renderCard();
    r.findByTestId(Button, 'tandem-edit').trigger('onClick');
    expect(r.findByTestId(TextArea, 'tandem-edit-text').props.value).toBe('Sure! What size is your team?');
    r.findByTestId(TextArea, 'tandem-edit-text').trigger('onChange', 'Sure! How many seats?  ' as never);
    r.findByTestId(Button, 'tandem-edit-send').trigger('onClick');
    expect(api.act).toHaveBeenCalledWith('edit', 'Sure! How many seats?');
  });

  it('taken over: the send box sends free text; hand back is offered', () => {
    const api = hook({ state: ready(buildView({ mode: 'human', draft: null, allowedActions: ['handback', 'send', 'note'] })) });
    const r = renderCard();
    expect(r.findByTestId(Button, 'tandem-send').props.disabled).toBe(true); // nothing typed yet
    r.findByTestId(TextArea, 'tandem-send-text').trigger('onChange', 'Calling you in 5' as never);
    r.findByTestId(Button, 'tandem-send').trigger('onClick');
    expect(api.act).toHaveBeenCalledWith('send', 'Calling you in 5');
    r.findByTestId(Button, 'tandem-handback').trigger('onClick');
    expect(api.act).toHaveBeenCalledWith('handback');
  });

  it('adds an internal note', () => {
    const api = hook({ state: ready() });
    const r = renderCard();
    r.findByTestId(TextArea, 'tandem-note-text').trigger('onChange', 'Asked for a discount' as never);
    r.findByTestId(Button, 'tandem-add-note').trigger('onClick');
    expect(api.act).toHaveBeenCalledWith('note', 'Asked for a discount');
  });

  it('refresh reloads', () => {
    const api = hook({ state: ready() });
    renderCard().findByTestId(Button, 'tandem-refresh').trigger('onClick');
    expect(api.refresh).toHaveBeenCalled();
  });

  it('buttons are disabled while an action is in flight', () => {
    hook({ state: ready(), busy: true });
    expect(renderCard().findByTestId(Button, 'tandem-approve').props.disabled).toBe(true);
  });
});
