import type { ConversationView, DraftView, MessageView } from '../../../core/index';

/** A conversation view with a pending AI draft in copilot mode; override what a test cares about. */
export function buildView(overrides: Partial<ConversationView> = {}): ConversationView {
  const base: ConversationView = {
    id: 'conv-1',
    version: 3,
    mode: 'ai',
    status: 'open',
    autonomy: 'copilot',
    autonomyOverride: null,
    assignee: null,
    lead: {
      id: 'lead-1',
      name: 'Jane Doe',
      firstName: 'Jane',
      lastName: 'Doe',
      email: 'jane@example.com',
      phone: '+14155550142',
      phoneMasked: '+1 •••• ••• 0142',
      tag: 'HOT',
      score: 82,
      signals: [
        { code: 'pricing', label: 'Asked about pricing', points: 20 },
        { code: 'timeline', label: 'Buying this month', points: 25 },
      ],
      timezone: 'America/Los_Angeles',
      consent: { state: 'granted', source: 'form', at: '2025-06-01T17:00:00.000Z' },
      optedOut: false,
      crm: [],
    },
    messages: [buildMessage()],
    notes: [],
    draft: buildDraft(),
    allowedActions: ['approve', 'edit', 'discard', 'takeover', 'send', 'note', 'close'],
    flags: { needsHuman: false, quietHours: false, optedOut: false, crmSyncFailed: false },
    lastDecision: null,
    createdAt: '2025-06-01T17:00:00.000Z',
    updatedAt: '2025-06-01T17:05:00.000Z',
  };
  return { ...base, ...overrides };
}

/** An inbound text from the lead. */
export function buildMessage(overrides: Partial<MessageView> = {}): MessageView {
  return {
    id: 'msg-1',
    direction: 'in',
    author: 'lead',
    authorName: 'Jane Doe',
    body: 'How much is the premium plan?',
    status: 'received',
    errorCode: null,
    scheduledFor: null,
    createdAt: '2025-06-01T17:04:00.000Z',
    ...overrides,
  };
}

/** A pending AI draft. */
export function buildDraft(overrides: Partial<DraftView> = {}): DraftView {
  return {
    id: 'draft-1',
    body: 'Hi Jane! Premium is $49/month. Want me to set up a quick call?',
    status: 'pending',
    reason: 'copilot',
    confidence: 0.9,
    heldBy: [],
    createdAt: '2025-06-01T17:04:30.000Z',
    ...overrides,
  };
}
