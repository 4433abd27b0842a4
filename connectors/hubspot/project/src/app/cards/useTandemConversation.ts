import { useCallback, useEffect, useRef, useState } from 'react';
import { useExtensionContext } from '@hubspot/ui-extensions';
import { useCrmProperties } from '@hubspot/ui-extensions/crm';
import {
  type CardConversationResponse,
  type ContactRef,
  fetchCardConversation,
  postCardAction,
  postStartConversation,
  type StartRequest,
  TandemApiError,
} from './tandem-api';
import type { ConversationView } from './types/conversation-view';
import type { ActionType, Autonomy } from './types/types';

export type CardState =
  | { status: 'loading' }
  | { status: 'error'; message: string }
  | { status: 'ready'; data: CardConversationResponse };

export interface CardNotice {
  variant: 'warning' | 'danger' | 'success';
  title: string;
  message: string;
}

export interface TandemConversation {
  state: CardState;
  /** An action or refresh is in flight: buttons show as loading/disabled. */
  busy: boolean;
  notice: CardNotice | null;
  /** Runs an agent command; `autonomy` goes with `set_autonomy` (null: the team's setting). */
  act(type: ActionType, text?: string, autonomy?: Autonomy | null): Promise<void>;
  /** Starts a conversation with this contact: the agent's consent confirmation (when asked for) and an optional first text. */
  start(input: { consentStatement?: string; text?: string }): Promise<void>;
  /** The contact's own details, as the start form shows them. */
  contact: ContactRef | null;
  refresh(): Promise<void>;
  dismissNotice(): void;
}

const DRAFT_ACTIONS = new Set<ActionType>(['approve', 'edit', 'discard']);

/**
 * All of the card's data access: reads the contact's id, email and phone from the CRM record, loads the
 * Tandem conversation through `hubspot.fetch`, and runs agent actions with the version the agent saw.
 * A version conflict replaces the view with the fresh one and says so.
 */
export function useTandemConversation(): TandemConversation {
  const context = useExtensionContext<'crm.record.sidebar'>();
  const { properties, isLoading: crmLoading } = useCrmProperties(['hs_object_id', 'email', 'mobilephone', 'phone', 'firstname', 'lastname']);
  const contactId = String(properties.hs_object_id || context.crm?.objectId || '');
  // Texts go to a mobile: HubSpot's "Mobile phone number" first, else "Phone number".
  const ref: ContactRef | null =
    crmLoading || !contactId
      ? null
      : {
          contactId,
          email: properties.email || null,
          phone: properties.mobilephone || properties.phone || null,
          firstName: properties.firstname || null,
          lastName: properties.lastname || null,
        };
  const refKey = ref ? `${ref.contactId}|${ref.email ?? ''}|${ref.phone ?? ''}` : '';

  const [state, setState] = useState<CardState>({ status: 'loading' });
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState<CardNotice | null>(null);
  const refRef = useRef(ref);
  refRef.current = ref;

  const load = useCallback(async () => {
    const current = refRef.current;
    if (!current) return;
    try {
      const data = await fetchCardConversation(current);
      setState({ status: 'ready', data });
    } catch (err) {
      setState({ status: 'error', message: err instanceof TandemApiError ? err.message : 'Could not load the Tandem conversation.' });
    }
  }, []);

  useEffect(() => {
    if (refKey) void load();
  }, [refKey, load]);

  const setConversation = (conversation: ConversationView) =>
    setState((prev) => (prev.status === 'ready' ? { status: 'ready', data: { ...prev.data, conversation, canStart: false, startBlockedReason: null } } : prev));

  const act = useCallback(
    async (type: ActionType, text?: string, autonomy?: Autonomy | null) => {
      if (state.status !== 'ready' || !state.data.conversation) return;
      const view = state.data.conversation;
      setBusy(true);
      setNotice(null);
      try {
        const fresh = await postCardAction({
          conversationId: view.id,
          type,
          version: view.version,
          text,
          draftId: DRAFT_ACTIONS.has(type) && view.draft ? view.draft.id : undefined,
          ...(type === 'set_autonomy' ? { autonomy: autonomy ?? null } : {}),
        });
        setConversation(fresh);
      } catch (err) {
        const fresh = err instanceof TandemApiError ? (err.details.conversation as ConversationView | undefined) : undefined;
        if (err instanceof TandemApiError && err.status === 409 && fresh) {
          setConversation(fresh);
          setNotice({ variant: 'warning', title: 'Someone acted first', message: 'This conversation changed before your action went through. Here is the latest; check it and try again if still needed.' });
        } else {
          setNotice({ variant: 'danger', title: 'Action failed', message: err instanceof Error ? err.message : 'The action failed.' });
        }
      } finally {
        setBusy(false);
      }
    },
    [state],
  );

  const start = useCallback(
    async (input: { consentStatement?: string; text?: string }) => {
      const contact = refRef.current;
      if (state.status !== 'ready' || !contact) return;
      const { lead } = state.data;
      const request: StartRequest = lead
        ? { contactId: contact.contactId, leadId: lead.id, ...input }
        : {
            contactId: contact.contactId,
            contact: { phone: contact.phone ?? '', firstName: contact.firstName ?? null, lastName: contact.lastName ?? null, email: contact.email ?? null },
            ...input,
          };
      setBusy(true);
      setNotice(null);
      try {
        setConversation(await postStartConversation(request));
      } catch (err) {
        const open = err instanceof TandemApiError && err.status === 409 ? (err.details.conversation as ConversationView | undefined) : undefined;
        if (open) {
          // Someone started one first: show it; the first text was not sent.
          setConversation(open);
          setNotice({ variant: 'warning', title: 'A conversation was already open', message: 'Here it is. Your text was not sent: send it from here if it is still needed.' });
        } else {
          setNotice({ variant: 'danger', title: 'Could not start the conversation', message: err instanceof Error ? err.message : 'Try again.' });
        }
      } finally {
        setBusy(false);
      }
    },
    [state],
  );

  const refresh = useCallback(async () => {
    setBusy(true);
    setNotice(null);
    try {
      await load();
    } finally {
      setBusy(false);
    }
  }, [load]);

  return { state, busy, notice, act, start, refresh, contact: ref, dismissNotice: () => setNotice(null) };
}
