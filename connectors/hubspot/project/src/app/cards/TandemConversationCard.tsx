import { useState } from 'react';
import {
  Alert,
  Button,
  ButtonRow,
  Checkbox,
  Divider,
  EmptyState,
  ErrorState,
  Flex,
  Heading,
  Input,
  LoadingSpinner,
  Select,
  StatusTag,
  Tag,
  Text,
  TextArea,
} from '@hubspot/ui-extensions';
import type { CardConversationResponse, StartBlockedReason } from './tandem-api';
import type { ConversationView, MessageView } from './types/conversation-view';
import type { Autonomy, ConsentSource, MessageStatus, Tag as LeadTag } from './types/types';
import { useTandemConversation, type TandemConversation } from './useTandemConversation';

const TAG_VARIANT: Record<LeadTag, 'error' | 'warning' | 'info'> = { HOT: 'error', WARM: 'warning', COLD: 'info' };

const STATUS_VARIANT: Record<MessageStatus, 'danger' | 'warning' | 'info' | 'success' | 'default'> = {
  received: 'default',
  queued: 'default',
  deferred: 'warning',
  sending: 'info',
  sent: 'info',
  delivered: 'success',
  undelivered: 'danger',
  failed: 'danger',
  blocked: 'danger',
};

/** The autonomy menu: the team's setting (no override), or this conversation's own level. */
const AUTONOMY_OPTIONS: Array<{ label: string; value: Autonomy | 'team' }> = [
  { label: 'Team setting', value: 'team' },
  { label: 'AI replies on its own', value: 'autopilot' },
  { label: 'AI drafts, a person approves', value: 'copilot' },
  { label: 'AI off: people reply', value: 'off' },
];

const WHY_NOT_START: Record<StartBlockedReason, string> = {
  opted_out: 'This contact opted out of texts. Tandem will not text them; only they can opt back in, by texting START.',
  no_phone: 'This contact has no phone number. Add a mobile number to the contact to text them.',
};

/** How the consent on record was given, in words an agent reads at a glance. */
const CONSENT_SOURCE: Record<ConsentSource, string> = {
  form: 'form',
  keyword: 'START text',
  natural_language: 'their own text',
  agent: 'agent confirmation',
  api: 'API',
  carrier_error: 'carrier',
};

/** What the agent confirms when there is no SMS consent on record; kept word for word in Tandem's consent ledger. */
export const CONSENT_CONFIRMATION = 'This contact agreed to receive text messages from us at this number.';

/** The Tandem card on a HubSpot contact. All data comes from {@link useTandemConversation}. */
export function TandemConversationCard() {
  const api = useTandemConversation();
  const { state } = api;

  if (state.status === 'loading') return <LoadingSpinner testId="tandem-loading" label="Loading the Tandem conversation" layout="centered" />;

  if (state.status === 'error') {
    return (
      <ErrorState testId="tandem-error" title="Tandem is unavailable">
        <Text>{state.message}</Text>
        <Button testId="tandem-retry" onClick={() => void api.refresh()} disabled={api.busy}>
          Try again
        </Button>
      </ErrorState>
    );
  }

  const { conversation } = state.data;
  return (
    <Flex direction="column" gap="sm">
      {api.notice ? (
        <Alert testId="tandem-notice" title={api.notice.title} variant={api.notice.variant}>
          {api.notice.message}
        </Alert>
      ) : null}
      {conversation ? <Conversation view={conversation} api={api} /> : <NoConversation data={state.data} api={api} />}
      <Button testId="tandem-refresh" variant="transparent" size="sm" onClick={() => void api.refresh()} disabled={api.busy}>
        Refresh
      </Button>
    </Flex>
  );
}

function NoConversation({ data, api }: { data: CardConversationResponse; api: TandemConversation }) {
  const [open, setOpen] = useState(false);
  const [confirmed, setConfirmed] = useState(false);
  const [how, setHow] = useState('');
  const [text, setText] = useState('');
  if (!data.canStart) {
    return (
      <EmptyState testId="tandem-empty" title="No Tandem conversation yet" layout="vertical">
        <Text testId="tandem-start-blocked">{WHY_NOT_START[data.startBlockedReason ?? 'no_phone']}</Text>
      </EmptyState>
    );
  }
  if (!open) {
    return (
      <EmptyState testId="tandem-empty" title="No Tandem conversation yet" layout="vertical">
        <Button testId="tandem-start" variant="primary" onClick={() => setOpen(true)} disabled={api.busy}>
          Start conversation
        </Button>
      </EmptyState>
    );
  }
  const contactName = [api.contact?.firstName, api.contact?.lastName].filter(Boolean).join(' ');
  const who = data.lead ? data.lead.name : `${contactName || 'this contact'}${api.contact?.phone ? ` at ${api.contact.phone}` : ''}`;
  const statement = how.trim() ? `${CONSENT_CONFIRMATION} How: ${how.trim()}` : CONSENT_CONFIRMATION;
  const ready = !data.consentRequired || confirmed;
  return (
    <Flex testId="tandem-start-form" direction="column" gap="sm">
      <Heading>Start a conversation</Heading>
      <Text testId="tandem-start-to">{`Texting ${who}. You take the conversation; hand it to the AI whenever you like.`}</Text>
      {data.consentRequired ? (
        <>
          <Checkbox testId="tandem-consent-confirm" name="tandem-consent-confirm" checked={confirmed} onChange={(checked) => setConfirmed(checked)}>
            {CONSENT_CONFIRMATION}
          </Checkbox>
          <Input
            testId="tandem-consent-how"
            label="How did they agree? (kept as proof)"
            name="tandem-consent-how"
            placeholder="e.g. asked for texts when they called on 1 June"
            value={how}
            onChange={setHow}
          />
        </>
      ) : null}
      <TextArea testId="tandem-start-text" label="First text (optional)" name="tandem-start-text" value={text} onChange={setText} maxLength={1600} />
      <Text variant="microcopy">Tandem adds your business name and "Reply STOP to opt out" to a first text that lacks them, and holds it until morning in the contact's quiet hours.</Text>
      <ButtonRow>
        <Button
          testId="tandem-start-confirm"
          variant="primary"
          disabled={api.busy || !ready}
          onClick={() => void api.start({ ...(data.consentRequired ? { consentStatement: statement } : {}), ...(text.trim() ? { text: text.trim() } : {}) })}
        >
          {text.trim() ? 'Start and send' : 'Start'}
        </Button>
        <Button testId="tandem-start-cancel" onClick={() => setOpen(false)} disabled={api.busy}>
          Cancel
        </Button>
      </ButtonRow>
    </Flex>
  );
}

function Conversation({ view, api }: { view: ConversationView; api: TandemConversation }) {
  const allowed = new Set(view.allowedActions);
  const [editing, setEditing] = useState(false);
  const [editText, setEditText] = useState('');
  const [sendText, setSendText] = useState('');
  const [noteText, setNoteText] = useState('');
  const { lead } = view;
  const pendingDraft = view.draft && view.draft.status === 'pending' ? view.draft : null;

  return (
    <Flex direction="column" gap="sm">
      <Flex direction="row" gap="xs" align="center" wrap="wrap">
        <Tag testId="tandem-tag" variant={TAG_VARIANT[lead.tag]}>
          {lead.tag}
        </Tag>
        <Text testId="tandem-score" format={{ fontWeight: 'demibold' }}>{`Score ${lead.score}`}</Text>
        <StatusTag testId="tandem-mode" variant={view.mode === 'human' ? 'warning' : 'info'}>
          {view.mode === 'human' ? `Human${view.assignee ? `: ${view.assignee.name}` : ''}` : 'AI'}
        </StatusTag>
        {view.flags.needsHuman ? (
          <StatusTag testId="tandem-needs-human" variant="danger">
            Needs a human
          </StatusTag>
        ) : null}
      </Flex>

      {lead.signals.length > 0 ? (
        <Flex testId="tandem-signals" direction="column" gap="flush">
          {lead.signals.map((s) => (
            <Text key={s.code} variant="microcopy">{`${s.label} (${s.points >= 0 ? '+' : ''}${s.points})`}</Text>
          ))}
        </Flex>
      ) : null}

      {lead.optedOut ? (
        <Alert testId="tandem-opted-out" title="Opted out of texts" variant="danger">
          Nothing will be sent to this number.
        </Alert>
      ) : (
        <Text testId="tandem-consent" variant="microcopy">
          {lead.consent.state === 'granted'
            ? `SMS consent: given${lead.consent.source ? ` via ${CONSENT_SOURCE[lead.consent.source]}` : ''}${lead.consent.at ? ` on ${lead.consent.at.slice(0, 10)}` : ''}`
            : 'SMS consent: none on record'}
        </Text>
      )}
      {view.flags.quietHours ? (
        <Alert testId="tandem-quiet-hours" title="Quiet hours" variant="info">
          {`It is outside texting hours for the lead (${lead.timezone}); sends wait until morning.`}
        </Alert>
      ) : null}
      {view.flags.crmSyncFailed ? (
        <Alert testId="tandem-crm-sync" title="HubSpot sync failed" variant="warning">
          The last update to this contact did not reach HubSpot; Tandem will retry.
        </Alert>
      ) : null}

      <Divider />
      <Heading>Conversation</Heading>
      {view.messages.length === 0 ? <Text variant="microcopy">No messages yet.</Text> : null}
      {view.messages.map((m) => (
        <Message key={m.id} message={m} />
      ))}

      {pendingDraft ? (
        <Flex testId="tandem-draft-box" direction="column" gap="xs">
          <Divider />
          <Heading>Suggested reply</Heading>
          <Text testId="tandem-draft">{pendingDraft.body}</Text>
          <Text variant="microcopy">{pendingDraft.reason}</Text>
          {editing ? (
            <>
              <TextArea testId="tandem-edit-text" label="Edit the reply" name="tandem-edit" value={editText} onChange={setEditText} maxLength={1600} />
              <ButtonRow>
                <Button testId="tandem-edit-send" variant="primary" disabled={api.busy || !editText.trim()} onClick={() => void api.act('edit', editText.trim()).then(() => setEditing(false))}>
                  Send edited reply
                </Button>
                <Button testId="tandem-edit-cancel" onClick={() => setEditing(false)}>
                  Cancel
                </Button>
              </ButtonRow>
            </>
          ) : (
            <ButtonRow>
              {allowed.has('approve') ? (
                <Button testId="tandem-approve" variant="primary" disabled={api.busy} onClick={() => void api.act('approve')}>
                  Approve & send
                </Button>
              ) : null}
              {allowed.has('edit') ? (
                <Button
                  testId="tandem-edit"
                  disabled={api.busy}
                  onClick={() => {
                    setEditText(pendingDraft.body);
                    setEditing(true);
                  }}
                >
                  Edit & send
                </Button>
              ) : null}
              {allowed.has('discard') ? (
                <Button testId="tandem-discard" variant="destructive" disabled={api.busy} onClick={() => void api.act('discard')}>
                  Discard
                </Button>
              ) : null}
            </ButtonRow>
          )}
        </Flex>
      ) : null}

      {view.mode === 'human' && allowed.has('send') ? (
        <Flex direction="column" gap="xs">
          <TextArea testId="tandem-send-text" label="Text the lead" name="tandem-send" value={sendText} onChange={setSendText} maxLength={1600} />
          <Button
            testId="tandem-send"
            variant="primary"
            disabled={api.busy || !sendText.trim()}
            onClick={() => void api.act('send', sendText.trim()).then(() => setSendText(''))}
          >
            Send
          </Button>
        </Flex>
      ) : null}

      {allowed.has('set_autonomy') ? (
        <Select
          testId="tandem-autonomy"
          label="AI autonomy for this conversation"
          name="tandem-autonomy"
          value={view.autonomyOverride ?? 'team'}
          options={AUTONOMY_OPTIONS}
          readOnly={api.busy}
          onChange={(value) => {
            const autonomy = value === 'team' ? null : (value as Autonomy);
            if (autonomy !== view.autonomyOverride) void api.act('set_autonomy', undefined, autonomy);
          }}
        />
      ) : null}

      <ButtonRow>
        {allowed.has('takeover') ? (
          <Button testId="tandem-takeover" disabled={api.busy} onClick={() => void api.act('takeover')}>
            Take over
          </Button>
        ) : null}
        {allowed.has('handback') ? (
          <Button testId="tandem-handback" disabled={api.busy} onClick={() => void api.act('handback')}>
            Hand back to AI
          </Button>
        ) : null}
        {allowed.has('close') ? (
          <Button testId="tandem-close" disabled={api.busy} onClick={() => void api.act('close')}>
            Close conversation
          </Button>
        ) : null}
        {allowed.has('reopen') ? (
          <Button testId="tandem-reopen" disabled={api.busy} onClick={() => void api.act('reopen')}>
            Reopen
          </Button>
        ) : null}
      </ButtonRow>

      <Divider />
      <Heading>Internal notes</Heading>
      {view.notes.length === 0 ? <Text variant="microcopy">No notes yet.</Text> : null}
      {view.notes.map((n) => (
        <Text key={n.id} testId={`tandem-note-${n.id}`}>{`${n.authorName} (${n.surface}): ${n.body}`}</Text>
      ))}
      {allowed.has('note') ? (
        <Flex direction="column" gap="xs">
          <TextArea testId="tandem-note-text" label="Add an internal note (never sent to the lead)" name="tandem-note" value={noteText} onChange={setNoteText} maxLength={1600} />
          <Button testId="tandem-add-note" disabled={api.busy || !noteText.trim()} onClick={() => void api.act('note', noteText.trim()).then(() => setNoteText(''))}>
            Add note
          </Button>
        </Flex>
      ) : null}
    </Flex>
  );
}

function Message({ message: m }: { message: MessageView }) {
  const who = m.direction === 'in' ? m.authorName ?? 'Lead' : m.author === 'ai' ? 'Tandem AI' : m.authorName ?? (m.author === 'agent' ? 'Agent' : 'System');
  return (
    <Flex testId={`tandem-message-${m.id}`} direction="column" gap="flush">
      <Flex direction="row" gap="xs" align="center">
        <Text variant="microcopy" format={{ fontWeight: 'demibold' }}>{`${m.direction === 'in' ? '←' : '→'} ${who}`}</Text>
        {m.direction === 'out' ? (
          <StatusTag testId={`tandem-message-status-${m.id}`} variant={STATUS_VARIANT[m.status]}>
            {m.status === 'deferred' && m.scheduledFor ? `deferred until ${m.scheduledFor.slice(11, 16)} UTC` : m.status}
          </StatusTag>
        ) : null}
      </Flex>
      <Text>{m.body}</Text>
      {m.errorCode ? <Text variant="microcopy">{`Carrier error ${m.errorCode}`}</Text> : null}
    </Flex>
  );
}
