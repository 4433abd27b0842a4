import { LightningElement, api, wire } from 'lwc';
import { getRecord } from 'lightning/uiRecordApi';
import getConversation from '@salesforce/apex/TandemConversationController.getConversation';
import act from '@salesforce/apex/TandemConversationController.act';
import startConversation from '@salesforce/apex/TandemConversationController.startConversation';

const TAG_VARIANT = { HOT: 'slds-theme_error', WARM: 'slds-theme_warning', COLD: 'slds-theme_shade' };
const AUTHOR_LABEL = { lead: 'Lead', ai: 'AI', agent: 'Agent', system: 'Tandem' };
const STATUS_LABEL = {
    received: 'Received',
    queued: 'Queued',
    deferred: 'Deferred (quiet hours)',
    sending: 'Sending',
    sent: 'Sent',
    delivered: 'Delivered',
    undelivered: 'Not delivered',
    failed: 'Failed',
    blocked: 'Blocked by compliance'
};
const FAILED_STATUSES = new Set(['undelivered', 'failed', 'blocked']);
const CONSENT_LABEL = { granted: 'Consent granted', revoked: 'Consent revoked', none: 'No consent on file' };
const CONSENT_SOURCE = {
    form: 'web form',
    keyword: 'keyword',
    natural_language: 'reply',
    agent: 'agent',
    carrier_error: 'carrier',
    api: 'API'
};
const SURFACE_LABEL = {
    slack: 'Slack',
    hubspot: 'HubSpot',
    salesforce: 'Salesforce',
    api: 'API',
    console: 'Console',
    system: 'Tandem'
};
const ACTION_PAST = {
    approve: 'approved the draft',
    edit: 'edited and sent the draft',
    discard: 'discarded the draft',
    takeover: 'took over',
    handback: 'handed back to the AI',
    send: 'sent a message',
    note: 'added a note',
    close: 'closed the conversation',
    reopen: 'reopened the conversation',
    set_autonomy: 'changed the AI autonomy'
};
const SMS_MAX = 1600;
/** What the rep confirms when there is no SMS consent on record; Tandem keeps it word for word (same as the HubSpot card). */
const CONSENT_CONFIRMATION = 'This contact agreed to receive text messages from us at this number.';
/** Tandem takes at most 500 characters of confirmation: the sentence, " How: ", and the rep's words. */
const CONSENT_HOW_MAX = 500 - CONSENT_CONFIRMATION.length - ' How: '.length;
const OPTED_OUT_MESSAGE = 'This lead opted out of texts. Tandem will not text them; only they can opt back in, by texting START.';
const NO_PHONE_MESSAGE = 'This lead has no phone number. Add a Mobile or Phone number to the Lead to text them.';
const ALREADY_OPEN_NOTICE = 'A conversation was already open: here it is. Your text was not sent; send it from here if it is still needed.';
/** Optional: a rep without access to one of them still gets the others (and the tab still works without any). */
const LEAD_FIELDS = ['Lead.Name', 'Lead.MobilePhone', 'Lead.Phone'];
/** The autonomy menu: the team's setting (no override of its own), or this conversation's own level. */
const TEAM_AUTONOMY = 'team';
const AUTONOMY_OPTIONS = [
    { label: 'Team setting', value: TEAM_AUTONOMY },
    { label: 'AI replies on its own', value: 'autopilot' },
    { label: 'AI drafts, a person approves', value: 'copilot' },
    { label: 'AI off: people reply', value: 'off' }
];

/**
 * The Tandem conversation on a Lead record page (or in the Tandem tab, where the agent picks a Lead).
 * It renders the engine's ConversationView and offers exactly `view.allowedActions`. Without a
 * conversation it offers "Start conversation" when the server's `start.canStart` allows it.
 */
export default class TandemConversation extends LightningElement {
    @api recordId;

    view = null;
    loading = false;
    loaded = false;
    busy = false;
    errorMessage = null;
    notice = null;
    editing = false;
    editText = '';
    messageText = '';
    noteText = '';
    pickedLeadId = null;
    /** From the GET route when there is no conversation: `{ canStart, blockedReason, consentRequired, lead }`. */
    start = null;
    startOpen = false;
    consentConfirmed = false;
    consentHow = '';
    startText = '';
    /** The Lead record (name and phones), for "who is texted"; null until loaded or when unreadable. */
    leadRecord = null;

    @wire(getRecord, { recordId: '$leadId', optionalFields: LEAD_FIELDS })
    wiredLead({ data }) {
        this.leadRecord = data || null;
    }

    connectedCallback() {
        if (this.leadId) {
            this.load();
        }
    }

    get leadId() {
        return this.recordId || this.pickedLeadId;
    }

    get isTabMode() {
        return !this.recordId;
    }

    get showPicker() {
        return this.isTabMode;
    }

    get showEmpty() {
        return this.loaded && !this.loading && !this.errorMessage && !this.view;
    }

    get showView() {
        return !!this.view;
    }

    get refreshDisabled() {
        return !this.leadId || this.loading || this.busy;
    }

    // ---- starting a conversation (no conversation yet) ------------------------------------------------

    /** Why "Start conversation" is not offered, or null. */
    get startBlockedMessage() {
        if (!this.start) return null;
        if (this.start.blockedReason === 'opted_out') return OPTED_OUT_MESSAGE;
        // A Lead Tandem does not know is texted at its own number: none on the record, nothing to text.
        if (!this.start.lead && this.recordPhone === null) return NO_PHONE_MESSAGE;
        return null;
    }

    get canOfferStart() {
        return !!this.start && this.start.canStart && !this.startBlockedMessage;
    }

    get showStartForm() {
        return this.canOfferStart && this.startOpen;
    }

    get consentRequired() {
        return !!this.start && this.start.consentRequired;
    }

    get consentSentence() {
        return CONSENT_CONFIRMATION;
    }

    get consentHowMax() {
        return CONSENT_HOW_MAX;
    }

    /** The Lead's MobilePhone, else Phone; null when the record has neither; undefined when not known. */
    get recordPhone() {
        const fields = this.leadRecord ? this.leadRecord.fields : null;
        if (!fields || !fields.MobilePhone || !fields.Phone) return undefined;
        return fields.MobilePhone.value || fields.Phone.value || null;
    }

    get startWho() {
        if (this.start && this.start.lead) return this.start.lead.name;
        const fields = this.leadRecord ? this.leadRecord.fields : null;
        const name = fields && fields.Name && fields.Name.value ? fields.Name.value : 'this lead';
        return this.recordPhone ? `${name} at ${this.recordPhone}` : name;
    }

    get startLabel() {
        return this.startText.trim() ? 'Start and send' : 'Start';
    }

    get startDisabled() {
        return this.busy || (this.consentRequired && !this.consentConfirmed) || this.startText.length > SMS_MAX;
    }

    /** The words the rep confirmed, as the consent ledger keeps them. */
    get consentStatement() {
        const how = this.consentHow.trim();
        return how ? `${CONSENT_CONFIRMATION} How: ${how}` : CONSENT_CONFIRMATION;
    }

    // ---- lead summary -------------------------------------------------------------------------------

    get lead() {
        return this.view ? this.view.lead : null;
    }

    get tagLabel() {
        return `${this.lead.tag} · ${this.lead.score}`;
    }

    get tagClass() {
        return TAG_VARIANT[this.lead.tag] || 'slds-theme_shade';
    }

    get modeLabel() {
        return this.view.mode === 'human' ? 'Human mode' : 'AI mode';
    }

    get statusLabel() {
        const status = this.view.status;
        if (status === 'needs_human') return 'Needs a human';
        return status === 'closed' ? 'Closed' : 'Open';
    }

    get autonomyLabel() {
        return `Autonomy: ${this.view.autonomy}`;
    }

    get assigneeLabel() {
        return this.view.assignee ? `Assigned to ${this.view.assignee.name}` : null;
    }

    get signals() {
        return (this.lead.signals || []).map((signal) => ({
            ...signal,
            pointsLabel: signal.points > 0 ? `+${signal.points}` : `${signal.points}`
        }));
    }

    get hasSignals() {
        return this.signals.length > 0;
    }

    get consentLabel() {
        const consent = this.lead.consent;
        const base = CONSENT_LABEL[consent.state] || consent.state;
        return consent.source ? `${base} (${CONSENT_SOURCE[consent.source] || consent.source})` : base;
    }

    get consentAt() {
        return this.lead.consent.at;
    }

    get optedOut() {
        return this.view.flags.optedOut || this.lead.optedOut;
    }

    get quietHours() {
        return this.view.flags.quietHours;
    }

    get needsHuman() {
        return this.view.flags.needsHuman;
    }

    get crmSyncFailed() {
        return this.view.flags.crmSyncFailed;
    }

    get lastDecisionLabel() {
        const decision = this.view.lastDecision;
        if (!decision) return null;
        const what = ACTION_PAST[decision.action] || decision.action;
        return `${decision.actorName} ${what} from ${SURFACE_LABEL[decision.surface] || decision.surface}`;
    }

    get lastDecisionAt() {
        return this.view.lastDecision ? this.view.lastDecision.at : null;
    }

    // ---- conversation -------------------------------------------------------------------------------

    get messages() {
        return this.view.messages.map((message) => {
            const outbound = message.direction === 'out';
            const author = message.authorName || AUTHOR_LABEL[message.author] || message.author;
            let status = STATUS_LABEL[message.status] || message.status;
            if (message.errorCode) status = `${status} (${message.errorCode})`;
            return {
                ...message,
                authorLabel: outbound ? `${author} → lead` : author,
                statusLabel: status,
                failed: FAILED_STATUSES.has(message.status),
                itemClass: `slds-chat-listitem ${outbound ? 'slds-chat-listitem_outbound' : 'slds-chat-listitem_inbound'}`,
                bubbleClass: `slds-chat-message__text ${outbound ? 'slds-chat-message__text_outbound' : 'slds-chat-message__text_inbound'}`,
                statusClass: FAILED_STATUSES.has(message.status) ? 'slds-text-color_error' : 'slds-text-color_weak'
            };
        });
    }

    get hasMessages() {
        return this.view.messages.length > 0;
    }

    get draft() {
        const draft = this.view.draft;
        return draft && draft.status === 'pending' ? draft : null;
    }

    get confidenceLabel() {
        return `Confidence ${Math.round(this.draft.confidence * 100)}%`;
    }

    get heldByLabel() {
        return this.draft.heldBy.length ? `Held by: ${this.draft.heldBy.join(', ')}` : null;
    }

    get notes() {
        return this.view.notes.map((note) => ({
            ...note,
            byline: `${note.authorName} · ${SURFACE_LABEL[note.surface] || note.surface}`
        }));
    }

    get hasNotes() {
        return this.view.notes.length > 0;
    }

    // ---- allowed actions (buttons shown = view.allowedActions) ---------------------------------------

    allowed(type) {
        return !!this.view && this.view.allowedActions.includes(type);
    }

    get canApprove() {
        return !!this.draft && this.allowed('approve');
    }

    get canEdit() {
        return !!this.draft && this.allowed('edit');
    }

    get canDiscard() {
        return !!this.draft && this.allowed('discard');
    }

    get canTakeover() {
        return this.allowed('takeover');
    }

    get canHandback() {
        return this.allowed('handback');
    }

    get canClose() {
        return this.allowed('close');
    }

    get canReopen() {
        return this.allowed('reopen');
    }

    get canSend() {
        return this.allowed('send');
    }

    get canNote() {
        return this.allowed('note');
    }

    get canSetAutonomy() {
        return this.allowed('set_autonomy');
    }

    get autonomyOptions() {
        return AUTONOMY_OPTIONS;
    }

    get autonomyChoice() {
        return this.view.autonomyOverride || TEAM_AUTONOMY;
    }

    get hasModeActions() {
        return this.canTakeover || this.canHandback || this.canClose || this.canReopen;
    }

    get sendDisabled() {
        return this.busy || !this.messageText.trim() || this.messageText.length > SMS_MAX;
    }

    get editSendDisabled() {
        return this.busy || !this.editText.trim() || this.editText.length > SMS_MAX;
    }

    get noteDisabled() {
        return this.busy || !this.noteText.trim();
    }

    get messageCounter() {
        return `${this.messageText.length}/${SMS_MAX}`;
    }

    get smsMax() {
        return SMS_MAX;
    }

    // ---- handlers ------------------------------------------------------------------------------------

    handleRefresh() {
        this.notice = null;
        this.load();
    }

    handleLeadPicked(event) {
        this.pickedLeadId = event.detail ? event.detail.recordId : null;
        this.view = null;
        this.start = null;
        this.notice = null;
        this.resetStartForm();
        this.loaded = false;
        this.errorMessage = null;
        if (this.pickedLeadId) this.load();
    }

    handleOpenStart() {
        this.notice = null;
        this.startOpen = true;
    }

    handleCancelStart() {
        this.notice = null;
        this.resetStartForm();
    }

    handleConsentChange(event) {
        this.consentConfirmed = !!event.detail.checked;
    }

    handleConsentHowChange(event) {
        this.consentHow = event.detail.value || '';
    }

    handleStartTextChange(event) {
        this.startText = event.detail.value || '';
    }

    async handleStart() {
        if (this.startDisabled || !this.leadId) return;
        this.busy = true;
        this.notice = null;
        const text = this.startText.trim();
        try {
            const body = JSON.parse(
                await startConversation({
                    leadId: this.leadId,
                    consentStatement: this.consentRequired ? this.consentStatement : null,
                    text: text || null
                })
            );
            this.view = body.conversation;
            this.resetStartForm();
        } catch (error) {
            const problem = readError(error);
            if (problem.conversation) {
                // Someone started one first (409): show it; the first text was not sent.
                this.view = problem.conversation;
                this.resetStartForm();
                this.notice = ALREADY_OPEN_NOTICE;
            } else {
                if (problem.code === 'consent.required' && this.start) {
                    // The consent on record changed since the tab loaded: ask the rep to confirm it.
                    this.start = { ...this.start, consentRequired: true };
                }
                this.notice = problem.message;
            }
        } finally {
            this.busy = false;
        }
    }

    resetStartForm() {
        this.startOpen = false;
        this.consentConfirmed = false;
        this.consentHow = '';
        this.startText = '';
    }

    handleSimpleAction(event) {
        this.run(event.currentTarget.dataset.action, null);
    }

    handleAutonomyChange(event) {
        const choice = event.detail.value;
        if (choice !== this.autonomyChoice) this.run('set_autonomy', null, choice);
    }

    handleStartEdit() {
        this.editText = this.draft.body;
        this.editing = true;
    }

    handleCancelEdit() {
        this.editing = false;
        this.editText = '';
    }

    handleEditChange(event) {
        this.editText = event.detail.value || '';
    }

    handleSendEdited() {
        this.run('edit', this.editText.trim()).then((ok) => {
            if (ok) {
                this.editing = false;
                this.editText = '';
            }
        });
    }

    handleMessageChange(event) {
        this.messageText = event.detail.value || '';
    }

    handleSend() {
        this.run('send', this.messageText.trim()).then((ok) => {
            if (ok) this.messageText = '';
        });
    }

    handleNoteChange(event) {
        this.noteText = event.detail.value || '';
    }

    handleAddNote() {
        this.run('note', this.noteText.trim()).then((ok) => {
            if (ok) this.noteText = '';
        });
    }

    // ---- Apex ----------------------------------------------------------------------------------------

    async load() {
        this.loading = true;
        this.errorMessage = null;
        try {
            const body = JSON.parse(await getConversation({ leadId: this.leadId }));
            this.view = body.conversation || null;
            this.start = body.start || null;
        } catch (error) {
            this.view = null;
            this.start = null;
            this.errorMessage = readError(error).message;
        } finally {
            this.loading = false;
            this.loaded = true;
        }
    }

    /**
     * Runs one action with the version this view was rendered from. Resolves true on success.
     * `autonomy` is set_autonomy's level (or 'team'); other actions do not send it.
     */
    async run(type, text, autonomy) {
        if (!this.view || this.busy) return false;
        this.busy = true;
        this.notice = null;
        const args = { conversationId: this.view.id, type, version: this.view.version, text };
        if (autonomy !== undefined) args.autonomy = autonomy;
        try {
            const body = JSON.parse(await act(args));
            this.view = body.conversation;
            return true;
        } catch (error) {
            const problem = readError(error);
            if (problem.conversation) {
                // Someone acted first (409): show what they did instead of failing.
                this.view = problem.conversation;
                this.editing = false;
                this.notice = `${problem.message} The conversation was refreshed.`;
            } else {
                this.notice = problem.message;
            }
            return false;
        } finally {
            this.busy = false;
        }
    }
}

/** Apex errors carry a JSON message `{ code, message, conversation? }` from TandemConversationController. */
function readError(error) {
    const raw = error && error.body && typeof error.body.message === 'string' ? error.body.message : null;
    if (raw) {
        try {
            const parsed = JSON.parse(raw);
            if (parsed && typeof parsed.message === 'string') {
                return { code: parsed.code, message: parsed.message, conversation: parsed.conversation || null };
            }
        } catch (e) {
            return { code: null, message: raw, conversation: null };
        }
        return { code: null, message: raw, conversation: null };
    }
    return { code: null, message: 'Tandem could not be reached. Try again.', conversation: null };
}
