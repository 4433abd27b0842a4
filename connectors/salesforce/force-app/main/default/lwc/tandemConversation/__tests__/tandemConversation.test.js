import { createElement } from 'lwc';
import TandemConversation from 'c/tandemConversation';
import getConversation from '@salesforce/apex/TandemConversationController.getConversation';
import act from '@salesforce/apex/TandemConversationController.act';
import startConversation from '@salesforce/apex/TandemConversationController.startConversation';
import { getRecord } from 'lightning/uiRecordApi';

// Imperative Apex, mocked as virtual modules (they only exist in an org).
jest.mock(
    '@salesforce/apex/TandemConversationController.getConversation',
    () => ({ default: jest.fn() }),
    { virtual: true }
);
jest.mock('@salesforce/apex/TandemConversationController.act', () => ({ default: jest.fn() }), { virtual: true });
jest.mock(
    '@salesforce/apex/TandemConversationController.startConversation',
    () => ({ default: jest.fn() }),
    { virtual: true }
);

const COPILOT = require('./data/conversationCopilot.json');
const HUMAN = require('./data/conversationHuman.json');
const OPTED_OUT = require('./data/conversationOptedOut.json');
const AFTER_CONFLICT = require('./data/conversationAfterConflict.json');

const LEAD_ID = '00Q5g00000AbCdEEAV';

/** What the Apex controller answers: the Tandem route's JSON body, as a string. */
const body = (conversation) => JSON.stringify({ conversation });
/** The GET body for a Lead without a conversation: whether the rep may start one. */
const noConversation = (start) => JSON.stringify({ conversation: null, start });
const CAN_START = { canStart: true, blockedReason: null, consentRequired: true, lead: null };
const CONSENT = 'This contact agreed to receive text messages from us at this number.';
/** An AuraHandledException as LWC receives it; the controller puts JSON in the message. */
const apexError = (payload) => ({ body: { message: JSON.stringify(payload) }, ok: false, status: 500 });

async function flushPromises() {
    for (let i = 0; i < 5; i++) {
        // eslint-disable-next-line @lwc/lwc/no-async-operation
        await new Promise((resolve) => setTimeout(resolve, 0));
    }
}

async function mount(recordId = LEAD_ID) {
    const element = createElement('c-tandem-conversation', { is: TandemConversation });
    if (recordId) element.recordId = recordId;
    document.body.appendChild(element);
    await flushPromises();
    return element;
}

const $ = (element, selector) => element.shadowRoot.querySelector(selector);
const $$ = (element, selector) => Array.from(element.shadowRoot.querySelectorAll(selector));
const actionButtons = (element) => $$(element, 'lightning-button[data-action]').map((b) => b.dataset.action);
/** Every action the agent is offered: the buttons, and the autonomy menu (set_autonomy). */
const offeredActions = (element) => [...actionButtons(element), ...($(element, '[data-id="autonomy-select"]') ? ['set_autonomy'] : [])];

function type(element, dataId, value) {
    const field = $(element, `lightning-textarea[data-id="${dataId}"]`);
    field.dispatchEvent(new CustomEvent('change', { detail: { value } }));
}

describe('c-tandem-conversation', () => {
    afterEach(() => {
        while (document.body.firstChild) {
            document.body.removeChild(document.body.firstChild);
        }
        jest.clearAllMocks();
    });

    describe('states', () => {
        it('shows a spinner while the conversation loads', async () => {
            getConversation.mockReturnValue(new Promise(() => {}));
            const element = await mount();
            expect($(element, 'lightning-spinner').alternativeText).toBe('Loading conversation');
            expect($(element, '[data-id="summary"]')).toBeNull();
            expect(getConversation).toHaveBeenCalledWith({ leadId: LEAD_ID });
        });

        it('renders tag, score, signals, consent and the texts with delivery status', async () => {
            getConversation.mockResolvedValue(body(COPILOT));
            const element = await mount();

            expect($(element, 'lightning-spinner')).toBeNull();
            expect($(element, 'h2').textContent).toBe('Dana Reyes · +1 •••• ••• 0142');
            expect($(element, '[data-id="tag"]').label).toBe('HOT · 82');
            expect($(element, '[data-id="tag"]').classList).toContain('slds-theme_error');
            expect($(element, '[data-id="mode"]').label).toBe('AI mode');
            expect($(element, '[data-id="autonomy"]').label).toBe('Autonomy: copilot');
            expect($$(element, '[data-id="signals"] li').map((li) => li.textContent)).toEqual([
                'Wants to buy this week (+30)',
                'Stated a budget (+20)'
            ]);
            expect($(element, '[data-id="consent"]').textContent).toContain('Consent granted (web form)');

            const messages = $$(element, '[data-id="message"]');
            expect(messages).toHaveLength(2);
            expect(messages[0].classList).toContain('slds-chat-listitem_outbound');
            expect(messages[0].textContent).toContain('Hi Dana, this is Acme Solar.');
            expect(messages[0].querySelector('[data-id="delivery"]').textContent).toBe('Delivered');
            expect(messages[1].classList).toContain('slds-chat-listitem_inbound');
            expect(messages[1].querySelector('[data-id="delivery"]').textContent).toBe('Received');

            expect($(element, '[data-id="draft-body"]').textContent).toBe(COPILOT.draft.body);
            expect($(element, '[data-id="opted-out"]')).toBeNull();
        });

        it('shows the empty state when Tandem has no conversation with the lead', async () => {
            getConversation.mockResolvedValue(body(null));
            const element = await mount();
            expect($(element, '[data-id="empty"]').textContent).toContain('No conversation yet');
            expect($(element, '[data-id="summary"]')).toBeNull();
            expect(actionButtons(element)).toEqual([]);
        });

        it('shows the error from Apex and loads again on "Try again"', async () => {
            getConversation.mockRejectedValueOnce(
                apexError({ code: 'salesforce.user_not_mapped', message: 'Your Salesforce user is not linked to a Tandem agent.' })
            );
            const element = await mount();
            const alert = $(element, '[data-id="error"]');
            expect(alert.getAttribute('role')).toBe('alert');
            expect(alert.textContent).toContain('Your Salesforce user is not linked to a Tandem agent.');

            getConversation.mockResolvedValueOnce(body(COPILOT));
            $(element, '[data-id="retry"]').click();
            await flushPromises();
            expect(getConversation).toHaveBeenCalledTimes(2);
            expect($(element, '[data-id="error"]')).toBeNull();
            expect($(element, '[data-id="summary"]')).not.toBeNull();
        });

        it('falls back to a plain message when the error is not Tandem JSON', async () => {
            getConversation.mockRejectedValue({ body: { message: 'Unauthorized endpoint, please check Setup->Security->Remote site settings.' } });
            const element = await mount();
            expect($(element, '[data-id="error"]').textContent).toContain('Unauthorized endpoint');
        });

        it('shows opt-out and consent revocation, and no send box', async () => {
            getConversation.mockResolvedValue(body(OPTED_OUT));
            const element = await mount();
            expect($(element, '[data-id="opted-out"]').textContent).toContain('Opted out of texts');
            expect($(element, '[data-id="consent"]').textContent).toContain('Consent revoked (keyword)');
            expect($(element, '[data-id="status"]').label).toBe('Closed');
            expect($(element, '[data-id="send-box"]')).toBeNull();
            expect(actionButtons(element)).toEqual(['reopen', 'note']);
        });

        it('shows human mode with failed delivery, flags, notes and who acted last', async () => {
            getConversation.mockResolvedValue(body(HUMAN));
            const element = await mount();
            expect($(element, '[data-id="mode"]').label).toBe('Human mode');
            expect($(element, '[data-id="assignee"]').textContent).toBe('Assigned to Sam Carter');
            const failed = $$(element, '[data-id="delivery"]')[2];
            expect(failed.textContent).toBe('Failed (30007)');
            expect(failed.className).toContain('slds-text-color_error');
            expect($(element, '[data-id="quiet-hours"]').textContent).toContain('America/Los_Angeles');
            expect($(element, '[data-id="crm-sync-failed"]')).not.toBeNull();
            expect($$(element, '[data-id="note"]').map((n) => n.textContent)).toEqual([
                expect.stringContaining('Asked about financing on the phone.')
            ]);
            expect($(element, '[data-id="note"]').textContent).toContain('Sam Carter · Slack');
            expect($(element, '[data-id="last-decision"]').textContent).toContain('Sam Carter took over from Salesforce');
        });
    });

    describe('buttons follow view.allowedActions', () => {
        it.each([
            ['copilot with a pending draft', COPILOT],
            ['human mode', HUMAN],
            ['opted out and closed', OPTED_OUT]
        ])('shows exactly the allowed actions: %s', async (_name, view) => {
            getConversation.mockResolvedValue(body(view));
            const element = await mount();
            expect(offeredActions(element).sort()).toEqual([...view.allowedActions].sort());
        });

        it('hides draft buttons when there is no pending draft, even if listed', async () => {
            getConversation.mockResolvedValue(body({ ...COPILOT, draft: { ...COPILOT.draft, status: 'sent' } }));
            const element = await mount();
            expect(actionButtons(element).sort()).toEqual(['close', 'note', 'takeover']);
        });

        it('offers take over when the view allows it', async () => {
            getConversation.mockResolvedValue(body({ ...COPILOT, allowedActions: ['takeover'] }));
            const element = await mount();
            expect(actionButtons(element)).toEqual(['takeover']);
            expect($(element, '[data-id="send-box"]')).toBeNull();
        });
    });

    describe('actions call Apex with the right arguments', () => {
        it.each(['approve', 'discard', 'close'])('%s sends the conversation id, type and version', async (action) => {
            getConversation.mockResolvedValue(body(COPILOT));
            act.mockResolvedValue(body({ ...COPILOT, version: 8, draft: null, allowedActions: ['takeover'] }));
            const element = await mount();
            $(element, `lightning-button[data-action="${action}"]`).click();
            await flushPromises();
            expect(act).toHaveBeenCalledWith({ conversationId: 'conv_01', type: action, version: 7, text: null });
            expect($(element, '[data-id="draft"]')).toBeNull();
            expect(actionButtons(element)).toEqual(['takeover']);
        });

        it('takeover then handback use the fresh version each time', async () => {
            getConversation.mockResolvedValue(body({ ...COPILOT, allowedActions: ['takeover'] }));
            act.mockResolvedValueOnce(body({ ...HUMAN, version: 8 }));
            act.mockResolvedValueOnce(body({ ...COPILOT, version: 9, allowedActions: ['takeover'] }));
            const element = await mount();

            $(element, 'lightning-button[data-action="takeover"]').click();
            await flushPromises();
            expect(act).toHaveBeenLastCalledWith({ conversationId: 'conv_01', type: 'takeover', version: 7, text: null });
            expect($(element, '[data-id="mode"]').label).toBe('Human mode');

            $(element, 'lightning-button[data-action="handback"]').click();
            await flushPromises();
            expect(act).toHaveBeenLastCalledWith({ conversationId: 'conv_01', type: 'handback', version: 8, text: null });
            expect($(element, '[data-id="mode"]').label).toBe('AI mode');
        });

        it('edit & send opens the draft text, then sends the edited text', async () => {
            getConversation.mockResolvedValue(body(COPILOT));
            act.mockResolvedValue(body({ ...COPILOT, version: 8, draft: null }));
            const element = await mount();

            $(element, 'lightning-button[data-action="edit"]').click();
            await flushPromises();
            const field = $(element, 'lightning-textarea[data-id="edit-text"]');
            expect(field.value).toBe(COPILOT.draft.body);
            expect(field.label).toBe('Edit the reply');

            type(element, 'edit-text', '  Could we come by Thursday at 11am instead?  ');
            await flushPromises();
            $(element, 'lightning-button[data-id="send-edited"]').click();
            await flushPromises();
            expect(act).toHaveBeenCalledWith({
                conversationId: 'conv_01',
                type: 'edit',
                version: 7,
                text: 'Could we come by Thursday at 11am instead?'
            });
            expect($(element, 'lightning-textarea[data-id="edit-text"]')).toBeNull();
        });

        it('cancel leaves the draft untouched and calls nothing', async () => {
            getConversation.mockResolvedValue(body(COPILOT));
            const element = await mount();
            $(element, 'lightning-button[data-action="edit"]').click();
            await flushPromises();
            $(element, 'lightning-button[data-id="cancel-edit"]').click();
            await flushPromises();
            expect($(element, '[data-id="draft-body"]').textContent).toBe(COPILOT.draft.body);
            expect(act).not.toHaveBeenCalled();
        });

        it('the send box (human mode) sends the typed text and clears it', async () => {
            getConversation.mockResolvedValue(body(HUMAN));
            act.mockResolvedValue(body({ ...HUMAN, version: 13 }));
            const element = await mount();

            const send = () => $(element, 'lightning-button[data-action="send"]');
            expect(send().disabled).toBe(true);
            type(element, 'message-text', 'Running 10 minutes late, sorry!');
            await flushPromises();
            expect(send().disabled).toBe(false);
            send().click();
            await flushPromises();
            expect(act).toHaveBeenCalledWith({ conversationId: 'conv_01', type: 'send', version: 12, text: 'Running 10 minutes late, sorry!' });
            expect($(element, 'lightning-textarea[data-id="message-text"]').value).toBe('');
        });

        it('adds an internal note', async () => {
            getConversation.mockResolvedValue(body(HUMAN));
            act.mockResolvedValue(
                body({ ...HUMAN, version: 13, notes: [...HUMAN.notes, { id: 'note_02', authorName: 'Sam Carter', surface: 'salesforce', body: 'Prefers texts after 5pm.', createdAt: '2025-05-01T16:20:00.000Z' }] })
            );
            const element = await mount();
            type(element, 'note-text', 'Prefers texts after 5pm.');
            await flushPromises();
            $(element, 'lightning-button[data-action="note"]').click();
            await flushPromises();
            expect(act).toHaveBeenCalledWith({ conversationId: 'conv_01', type: 'note', version: 12, text: 'Prefers texts after 5pm.' });
            expect($$(element, '[data-id="note"]')).toHaveLength(2);
            expect($(element, 'lightning-textarea[data-id="note-text"]').value).toBe('');
        });

        it('refresh loads the conversation again', async () => {
            getConversation.mockResolvedValueOnce(body(COPILOT)).mockResolvedValueOnce(body(HUMAN));
            const element = await mount();
            $(element, 'lightning-button-icon[data-id="refresh"]').click();
            await flushPromises();
            expect(getConversation).toHaveBeenCalledTimes(2);
            expect(getConversation).toHaveBeenLastCalledWith({ leadId: LEAD_ID });
            expect($(element, '[data-id="mode"]').label).toBe('Human mode');
        });
    });

    describe('AI autonomy for one conversation', () => {
        const autonomySelect = (element) => $(element, 'lightning-combobox[data-id="autonomy-select"]');
        const pick = (element, value) => autonomySelect(element).dispatchEvent(new CustomEvent('change', { detail: { value } }));

        it('shows the team setting while the conversation has no level of its own', async () => {
            getConversation.mockResolvedValue(body(COPILOT));
            const element = await mount();
            const select = autonomySelect(element);
            expect(select.label).toBe('AI autonomy for this conversation');
            expect(select.value).toBe('team');
            expect(select.options.map((o) => o.value)).toEqual(['team', 'autopilot', 'copilot', 'off']);
        });

        it('sets a level with the version it saw, then shows the override', async () => {
            getConversation.mockResolvedValue(body(COPILOT));
            act.mockResolvedValue(body({ ...COPILOT, version: 8, autonomy: 'autopilot', autonomyOverride: 'autopilot' }));
            const element = await mount();
            pick(element, 'autopilot');
            await flushPromises();
            expect(act).toHaveBeenCalledWith({ conversationId: 'conv_01', type: 'set_autonomy', version: 7, text: null, autonomy: 'autopilot' });
            expect(autonomySelect(element).value).toBe('autopilot');
            expect($(element, '[data-id="autonomy"]').label).toBe('Autonomy: autopilot');
        });

        it('goes back to the team setting by sending "team"', async () => {
            getConversation.mockResolvedValue(body({ ...COPILOT, autonomy: 'off', autonomyOverride: 'off' }));
            act.mockResolvedValue(body({ ...COPILOT, version: 8 }));
            const element = await mount();
            expect(autonomySelect(element).value).toBe('off');
            pick(element, 'team');
            await flushPromises();
            expect(act).toHaveBeenCalledWith({ conversationId: 'conv_01', type: 'set_autonomy', version: 7, text: null, autonomy: 'team' });
            expect(autonomySelect(element).value).toBe('team');
        });

        it('calls nothing when the pick is what is already set', async () => {
            getConversation.mockResolvedValue(body(COPILOT));
            const element = await mount();
            pick(element, 'team');
            await flushPromises();
            expect(act).not.toHaveBeenCalled();
        });

        it('is not offered when the engine does not allow it (a closed conversation)', async () => {
            getConversation.mockResolvedValue(body(OPTED_OUT));
            const element = await mount();
            expect(OPTED_OUT.allowedActions).not.toContain('set_autonomy');
            expect(autonomySelect(element)).toBeNull();
        });

        it('names the change in the last decision', async () => {
            getConversation.mockResolvedValue(
                body({ ...COPILOT, lastDecision: { action: 'set_autonomy', actorName: 'Sam Carter', surface: 'slack', at: '2025-05-01T16:10:00.000Z' } })
            );
            const element = await mount();
            expect($(element, '[data-id="last-decision"]').textContent).toContain('Sam Carter changed the AI autonomy from Slack');
        });
    });

    describe('conflicts and failures', () => {
        it('a 409 replaces the view with the fresh one and says why', async () => {
            getConversation.mockResolvedValue(body(COPILOT));
            act.mockRejectedValueOnce(
                apexError({ code: 'conversation.version_conflict', message: 'Someone acted on this conversation first.', status: 409, conversation: AFTER_CONFLICT })
            );
            const element = await mount();
            $(element, 'lightning-button[data-action="approve"]').click();
            await flushPromises();

            expect($(element, '[data-id="notice"]').textContent).toBe('Someone acted on this conversation first. The conversation was refreshed.');
            expect($(element, '[data-id="mode"]').label).toBe('Human mode');
            expect($(element, '[data-id="assignee"]').textContent).toBe('Assigned to Alex Kim');
            expect($(element, '[data-id="draft"]')).toBeNull();
            // The next action carries the fresh version.
            act.mockResolvedValueOnce(body({ ...AFTER_CONFLICT, version: 9 }));
            type(element, 'message-text', 'Hi again');
            await flushPromises();
            $(element, 'lightning-button[data-action="send"]').click();
            await flushPromises();
            expect(act).toHaveBeenLastCalledWith({ conversationId: 'conv_01', type: 'send', version: 8, text: 'Hi again' });
            expect(getConversation).toHaveBeenCalledTimes(1);
        });

        it('another failure keeps the view and shows the message', async () => {
            getConversation.mockResolvedValue(body(COPILOT));
            act.mockRejectedValueOnce(apexError({ code: 'compliance.opted_out', message: 'The lead opted out: nothing can be sent.' }));
            const element = await mount();
            $(element, 'lightning-button[data-action="approve"]').click();
            await flushPromises();
            expect($(element, '[data-id="notice"]').textContent).toBe('The lead opted out: nothing can be sent.');
            expect($(element, '[data-id="draft-body"]').textContent).toBe(COPILOT.draft.body);
        });
    });

    describe('starting a conversation from the Lead', () => {
        const startForm = (element) => $(element, '[data-id="start-form"]');
        const consentBox = (element) => $(element, 'lightning-input[data-id="consent-confirm"]');
        const confirmButton = (element) => $(element, 'lightning-button[data-id="start-confirm"]');
        const tick = (element, checked = true) => consentBox(element).dispatchEvent(new CustomEvent('change', { detail: { checked } }));
        const typeInput = (element, dataId, value) =>
            $(element, `lightning-input[data-id="${dataId}"]`).dispatchEvent(new CustomEvent('change', { detail: { value } }));
        async function openForm(element) {
            $(element, 'lightning-button[data-id="start"]').click();
            await flushPromises();
        }

        it('offers "Start conversation" when there is no conversation and the lead may be started', async () => {
            getConversation.mockResolvedValue(noConversation(CAN_START));
            const element = await mount();
            expect($(element, '[data-id="empty"]').textContent).toContain('No conversation yet');
            const button = $(element, 'lightning-button[data-id="start"]');
            expect(button.label).toBe('Start conversation');
            expect(startForm(element)).toBeNull();
            expect(startConversation).not.toHaveBeenCalled();
        });

        it('opens a form: who is texted, the consent sentence as a required checkbox, how they agreed, a first text and what Tandem adds', async () => {
            getConversation.mockResolvedValue(noConversation(CAN_START));
            const element = await mount();
            await openForm(element);

            expect(startForm(element)).not.toBeNull();
            expect($(element, '[data-id="empty"]')).toBeNull();
            expect($(element, '[data-id="start-to"]').textContent).toContain('Texting this lead.');
            const box = consentBox(element);
            expect(box.type).toBe('checkbox');
            expect(box.label).toBe(CONSENT);
            expect(box.required).toBe(true);
            expect(box.checked).toBe(false);
            expect($(element, 'lightning-input[data-id="consent-how"]').label).toBe('How did they agree? (kept as proof)');
            expect($(element, 'lightning-textarea[data-id="start-text"]').label).toBe('First text (optional)');
            const help = $(element, '[data-id="start-help"]').textContent;
            expect(help).toContain('business name');
            expect(help).toContain('"Reply STOP to opt out"');
            expect(help).toContain('quiet hours');
            expect($(element, 'lightning-button[data-id="start-cancel"]').label).toBe('Cancel');
        });

        it('keeps Start disabled until the rep ticks the consent box, and calls nothing before', async () => {
            getConversation.mockResolvedValue(noConversation(CAN_START));
            const element = await mount();
            await openForm(element);

            expect(confirmButton(element).disabled).toBe(true);
            confirmButton(element).click();
            await flushPromises();
            expect(startConversation).not.toHaveBeenCalled();

            tick(element);
            await flushPromises();
            expect(confirmButton(element).disabled).toBe(false);
            tick(element, false);
            await flushPromises();
            expect(confirmButton(element).disabled).toBe(true);
        });

        it('sends the lead id, the sentence with how they agreed, and the trimmed first text; then shows the conversation', async () => {
            getConversation.mockResolvedValue(noConversation(CAN_START));
            startConversation.mockResolvedValue(JSON.stringify({ conversation: HUMAN, created: true }));
            const element = await mount();
            await openForm(element);

            tick(element);
            typeInput(element, 'consent-how', '  asked for texts when they called on 1 June  ');
            type(element, 'start-text', '  Hi Dana, Sam from Acme here.  ');
            await flushPromises();
            expect(confirmButton(element).label).toBe('Start and send');
            confirmButton(element).click();
            await flushPromises();

            expect(startConversation).toHaveBeenCalledWith({
                leadId: LEAD_ID,
                consentStatement: `${CONSENT} How: asked for texts when they called on 1 June`,
                text: 'Hi Dana, Sam from Acme here.'
            });
            expect(startForm(element)).toBeNull();
            expect($(element, '[data-id="mode"]').label).toBe('Human mode');
            expect($(element, '[data-id="assignee"]').textContent).toBe('Assigned to Sam Carter');
            expect($(element, '[data-id="notice"]')).toBeNull();
        });

        it('sends the bare sentence when the rep says nothing about how, and no text when none is typed', async () => {
            getConversation.mockResolvedValue(noConversation(CAN_START));
            startConversation.mockResolvedValue(JSON.stringify({ conversation: HUMAN, created: true }));
            const element = await mount();
            await openForm(element);
            expect(confirmButton(element).label).toBe('Start');
            tick(element);
            await flushPromises();
            confirmButton(element).click();
            await flushPromises();
            expect(startConversation).toHaveBeenCalledWith({ leadId: LEAD_ID, consentStatement: CONSENT, text: null });
        });

        it('asks nothing about consent when Tandem has it on record, and names the lead it knows', async () => {
            const lead = { id: 'lead_09', name: 'Bo Tran', tag: 'COLD', score: 5, optedOut: false, consent: { state: 'granted', at: '2025-05-01T16:00:00.000Z' } };
            getConversation.mockResolvedValue(noConversation({ canStart: true, blockedReason: null, consentRequired: false, lead }));
            startConversation.mockResolvedValue(JSON.stringify({ conversation: HUMAN, created: true }));
            const element = await mount();
            await openForm(element);

            expect(consentBox(element)).toBeNull();
            expect($(element, 'lightning-input[data-id="consent-how"]')).toBeNull();
            expect($(element, '[data-id="start-to"]').textContent).toContain('Texting Bo Tran.');
            expect(confirmButton(element).disabled).toBe(false);
            confirmButton(element).click();
            await flushPromises();
            expect(startConversation).toHaveBeenCalledWith({ leadId: LEAD_ID, consentStatement: null, text: null });
        });

        it("names the Lead and the number it will text from the record (Mobile first)", async () => {
            getConversation.mockResolvedValue(noConversation(CAN_START));
            const element = await mount();
            expect(getRecord.getLastConfig()).toEqual({ recordId: LEAD_ID, optionalFields: ['Lead.Name', 'Lead.MobilePhone', 'Lead.Phone'] });
            getRecord.emit({ apiName: 'Lead', id: LEAD_ID, fields: { Name: { value: 'Dee Park' }, MobilePhone: { value: '(212) 555-0177' }, Phone: { value: '(212) 555-0100' } } });
            await flushPromises();
            await openForm(element);
            expect($(element, '[data-id="start-to"]').textContent).toContain('Texting Dee Park at (212) 555-0177.');
        });

        it('does not offer to start a Lead Tandem does not know when the record has no phone', async () => {
            getConversation.mockResolvedValue(noConversation(CAN_START));
            const element = await mount();
            getRecord.emit({ apiName: 'Lead', id: LEAD_ID, fields: { Name: { value: 'Dee Park' }, MobilePhone: { value: null }, Phone: { value: null } } });
            await flushPromises();
            expect($(element, 'lightning-button[data-id="start"]')).toBeNull();
            expect($(element, '[data-id="start-blocked"]').textContent).toBe('This lead has no phone number. Add a Mobile or Phone number to the Lead to text them.');
        });

        it('a conversation opened meanwhile (409) is shown, with a notice that the text was not sent', async () => {
            getConversation.mockResolvedValue(noConversation(CAN_START));
            startConversation.mockRejectedValue(
                apexError({ code: 'conversation.already_open', message: 'This person already has an open conversation.', status: 409, conversation: AFTER_CONFLICT })
            );
            const element = await mount();
            await openForm(element);
            tick(element);
            type(element, 'start-text', 'Hi Dana');
            await flushPromises();
            confirmButton(element).click();
            await flushPromises();

            expect(startForm(element)).toBeNull();
            expect($(element, '[data-id="assignee"]').textContent).toBe('Assigned to Alex Kim');
            const notice = $(element, '[data-id="notice"]');
            expect(notice.getAttribute('role')).toBe('status');
            expect(notice.textContent).toContain('A conversation was already open');
            expect(notice.textContent).toContain('Your text was not sent');
        });

        it('any other refusal is shown as a notice and the form is kept as the rep filled it', async () => {
            getConversation.mockResolvedValue(noConversation(CAN_START));
            startConversation.mockRejectedValue(apexError({ code: 'salesforce.lead_has_no_phone', message: 'This Lead has no phone number.', status: 400 }));
            const element = await mount();
            await openForm(element);
            tick(element);
            type(element, 'start-text', 'Hi Dana');
            await flushPromises();
            confirmButton(element).click();
            await flushPromises();

            expect($(element, '[data-id="notice"]').textContent).toBe('This Lead has no phone number.');
            expect(startForm(element)).not.toBeNull();
            expect(consentBox(element).checked).toBe(true);
            expect($(element, 'lightning-textarea[data-id="start-text"]').value).toBe('Hi Dana');
            expect($(element, '[data-id="summary"]')).toBeNull();
        });

        it('asks for the confirmation when Tandem answers consent.required (consent changed since the tab loaded)', async () => {
            const lead = { id: 'lead_09', name: 'Bo Tran', tag: 'COLD', score: 5, optedOut: false, consent: { state: 'granted', at: null } };
            getConversation.mockResolvedValue(noConversation({ canStart: true, blockedReason: null, consentRequired: false, lead }));
            startConversation.mockRejectedValueOnce(apexError({ code: 'consent.required', message: 'There is no SMS consent on record for this person.', status: 422 }));
            const element = await mount();
            await openForm(element);
            confirmButton(element).click();
            await flushPromises();
            expect($(element, '[data-id="notice"]').textContent).toBe('There is no SMS consent on record for this person.');
            expect(consentBox(element)).not.toBeNull();
            expect(confirmButton(element).disabled).toBe(true);
        });

        it('cancel closes the form, clears it and calls nothing', async () => {
            getConversation.mockResolvedValue(noConversation(CAN_START));
            const element = await mount();
            await openForm(element);
            tick(element);
            type(element, 'start-text', 'Hi Dana');
            await flushPromises();
            $(element, 'lightning-button[data-id="start-cancel"]').click();
            await flushPromises();
            expect(startForm(element)).toBeNull();
            expect(startConversation).not.toHaveBeenCalled();
            await openForm(element);
            expect(consentBox(element).checked).toBe(false);
            expect($(element, 'lightning-textarea[data-id="start-text"]').value).toBe('');
        });

        it('an opted-out lead: says why and offers no button', async () => {
            const lead = { id: 'lead_09', name: 'Bo Tran', tag: 'COLD', score: 5, optedOut: true, consent: { state: 'revoked', at: null } };
            getConversation.mockResolvedValue(noConversation({ canStart: false, blockedReason: 'opted_out', consentRequired: true, lead }));
            const element = await mount();
            expect($(element, '[data-id="start-blocked"]').textContent).toBe(
                'This lead opted out of texts. Tandem will not text them; only they can opt back in, by texting START.'
            );
            expect($(element, 'lightning-button[data-id="start"]')).toBeNull();
            expect(startForm(element)).toBeNull();
        });

        it('in the tab, starts the Lead the rep picked', async () => {
            getConversation.mockResolvedValue(noConversation(CAN_START));
            startConversation.mockResolvedValue(JSON.stringify({ conversation: HUMAN, created: true }));
            const element = await mount(null);
            $(element, 'lightning-record-picker').dispatchEvent(new CustomEvent('change', { detail: { recordId: '00Q5g00000ZzZzZEAV' } }));
            await flushPromises();
            // The record (for who is texted) follows the picked Lead too.
            expect(getRecord.getLastConfig().recordId).toBe('00Q5g00000ZzZzZEAV');
            await openForm(element);
            tick(element);
            await flushPromises();
            confirmButton(element).click();
            await flushPromises();
            expect(startConversation).toHaveBeenCalledWith({ leadId: '00Q5g00000ZzZzZEAV', consentStatement: CONSENT, text: null });
            expect($(element, '[data-id="summary"]')).not.toBeNull();
        });
    });

    describe('tab mode', () => {
        it('asks for a lead, then loads the picked one', async () => {
            getConversation.mockResolvedValue(body(COPILOT));
            const element = await mount(null);
            expect(getConversation).not.toHaveBeenCalled();
            const picker = $(element, 'lightning-record-picker');
            expect(picker.objectApiName).toBe('Lead');
            expect(picker.label).toBe('Lead');

            picker.dispatchEvent(new CustomEvent('change', { detail: { recordId: '00Q5g00000ZzZzZEAV' } }));
            await flushPromises();
            expect(getConversation).toHaveBeenCalledWith({ leadId: '00Q5g00000ZzZzZEAV' });
            expect($(element, '[data-id="summary"]')).not.toBeNull();
        });

        it('has no picker on a record page', async () => {
            getConversation.mockResolvedValue(body(COPILOT));
            const element = await mount();
            expect($(element, 'lightning-record-picker')).toBeNull();
        });
    });

    describe('accessibility', () => {
        it.each([
            ['copilot with a draft', COPILOT],
            ['human mode with notes', HUMAN],
            ['opted out', OPTED_OUT],
            ['empty', null]
        ])('is accessible: %s', async (_name, view) => {
            getConversation.mockResolvedValue(body(view));
            const element = await mount();
            await expect(element).toBeAccessible();
        });

        it('is accessible while editing a draft', async () => {
            getConversation.mockResolvedValue(body(COPILOT));
            const element = await mount();
            $(element, 'lightning-button[data-action="edit"]').click();
            await flushPromises();
            await expect(element).toBeAccessible();
        });

        it('is accessible with the start form open', async () => {
            getConversation.mockResolvedValue(noConversation(CAN_START));
            const element = await mount();
            $(element, 'lightning-button[data-id="start"]').click();
            await flushPromises();
            expect($(element, '[data-id="start-form"]')).not.toBeNull();
            await expect(element).toBeAccessible();
        });

        it('is accessible when starting is blocked', async () => {
            const lead = { id: 'lead_09', name: 'Bo Tran', tag: 'COLD', score: 5, optedOut: true, consent: { state: 'revoked', at: null } };
            getConversation.mockResolvedValue(noConversation({ canStart: false, blockedReason: 'opted_out', consentRequired: true, lead }));
            const element = await mount();
            await expect(element).toBeAccessible();
        });

        it('is accessible when an error is shown', async () => {
            getConversation.mockRejectedValue(apexError({ code: 'tandem.unreachable', message: 'Tandem could not be reached.' }));
            const element = await mount();
            await expect(element).toBeAccessible();
        });

        it('labels its log of texts and its regions', async () => {
            getConversation.mockResolvedValue(body(HUMAN));
            const element = await mount();
            expect($(element, '[role="log"]').getAttribute('aria-label')).toBe('Text messages with the lead');
            expect($$(element, 'section[aria-label]').map((s) => s.getAttribute('aria-label'))).toEqual([
                'Lead summary',
                'Text messages',
                'Send a text',
                'Internal notes'
            ]);
            expect($(element, 'lightning-button-icon[data-id="refresh"]').alternativeText).toBe('Refresh conversation');
        });
    });
});
