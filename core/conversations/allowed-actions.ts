import { ACTION_TYPES, type ActionType, type ConversationStatus, type Mode } from '../domain/types';

export interface ActionState {
  mode: Mode;
  status: ConversationStatus;
  hasPendingDraft: boolean;
  optedOut: boolean;
}

/**
 * What an agent may do right now. Surfaces render exactly these buttons and the engine refuses anything
 * else, so the rule lives in one place.
 */
export function allowedActions(s: ActionState): ActionType[] {
  const closed = s.status === 'closed';
  const allowed: Record<ActionType, boolean> = {
    approve: !closed && s.hasPendingDraft && !s.optedOut,
    edit: !closed && s.hasPendingDraft && !s.optedOut,
    discard: !closed && s.hasPendingDraft,
    takeover: !closed && s.mode === 'ai',
    handback: !closed && s.mode === 'human',
    send: !closed && !s.optedOut,
    note: true,
    close: !closed,
    reopen: closed,
    // Changing how the AI will answer is pointless on a closed conversation: reopen it first.
    set_autonomy: !closed,
  };
  return ACTION_TYPES.filter((a) => allowed[a]);
}
