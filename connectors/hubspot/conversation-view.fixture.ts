import type { ConversationView } from '../../core/index';

/** A realistic conversation view for connector tests; override what a test cares about. */
export function buildConversationView(overrides: Partial<ConversationView> = {}): ConversationView {
  return {
    id: 'conv_1',
    version: 3,
    mode: 'ai',
    status: 'open',
    autonomy: 'copilot',
    autonomyOverride: null,
    assignee: null,
    lead: {
      id: 'lead_1',
      name: 'Ana Lima',
      firstName: 'Ana',
      lastName: 'Lima',
      email: 'ana@example.com',
      phone: '+14155550142',
      phoneMasked: '+1 •••• ••• 0142',
      tag: 'HOT',
      score: 82,
      signals: [{ code: 'budget', label: 'Mentioned a budget', points: 30 }],
      timezone: 'America/Los_Angeles',
      consent: { state: 'granted', source: 'form', at: '2025-11-20T10:00:00.000Z' },
      optedOut: false,
      crm: [{ provider: 'hubspot', externalId: '901', status: 'ok', error: null }],
    },
    messages: [
      { id: 'm1', direction: 'out', author: 'ai', authorName: null, body: 'Hi Ana, thanks for your request!', status: 'delivered', errorCode: null, scheduledFor: null, createdAt: '2025-11-20T10:00:02.000Z' },
      { id: 'm2', direction: 'in', author: 'lead', authorName: 'Ana Lima', body: 'Can I get a quote this week?', status: 'received', errorCode: null, scheduledFor: null, createdAt: '2025-11-20T10:05:00.000Z' },
    ],
    notes: [],
    draft: { id: 'd1', body: 'Sure! What size is your team?', status: 'pending', reason: 'Copilot: approval required', confidence: 0.86, heldBy: [], createdAt: '2025-11-20T10:05:03.000Z' },
    allowedActions: ['approve', 'edit', 'discard', 'takeover', 'note', 'close'],
    flags: { needsHuman: false, quietHours: false, optedOut: false, crmSyncFailed: false },
    lastDecision: null,
    createdAt: '2025-11-20T10:00:00.000Z',
    updatedAt: '2025-11-20T10:05:03.000Z',
    ...overrides,
  };
}
