import type { AgentRecord, ConversationView } from '../../../core/index';

/** A conversation in copilot mode with a pending AI draft, as the engine would render it. Test-only. */
export function buildConversationView(overrides: Partial<ConversationView> = {}): ConversationView {
  return {
    id: 'conv_01',
    version: 7,
    mode: 'ai',
    status: 'open',
    autonomy: 'copilot',
    autonomyOverride: null,
    assignee: null,
    lead: {
      id: 'lead_01',
      name: 'Dana Reyes',
      firstName: 'Dana',
      lastName: 'Reyes',
      email: 'dana@example.com',
      phone: '+14155550142',
      phoneMasked: '+1 •••• ••• 0142',
      tag: 'HOT',
      score: 82,
      signals: [
        { code: 'timeline.this_week', label: 'Wants to buy this week', points: 30 },
        { code: 'budget.stated', label: 'Stated a budget', points: 20 },
      ],
      timezone: 'America/Los_Angeles',
      consent: { state: 'granted', source: 'form', at: '2025-05-01T16:00:00.000Z' },
      optedOut: false,
      crm: [{ provider: 'salesforce', externalId: '00Q5g00000AbCdEEAV', status: 'ok', error: null }],
    },
    messages: [
      {
        id: 'msg_01',
        direction: 'out',
        author: 'ai',
        authorName: null,
        body: 'Hi Dana, this is Acme Solar. Thanks for your request! Reply STOP to opt out.',
        status: 'delivered',
        errorCode: null,
        scheduledFor: null,
        createdAt: '2025-05-01T16:00:02.000Z',
      },
      {
        id: 'msg_02',
        direction: 'in',
        author: 'lead',
        authorName: null,
        body: 'Yes, we want panels installed this week. Budget is around $20k.',
        status: 'received',
        errorCode: null,
        scheduledFor: null,
        createdAt: '2025-05-01T16:03:10.000Z',
      },
    ],
    notes: [],
    draft: {
      id: 'draft_01',
      body: 'Great! Could we book a free roof check on Thursday at 10am?',
      status: 'pending',
      reason: 'Copilot mode: replies wait for an agent.',
      confidence: 0.86,
      heldBy: [],
      createdAt: '2025-05-01T16:03:12.000Z',
    },
    allowedActions: ['approve', 'edit', 'discard', 'takeover', 'note', 'close'],
    flags: { needsHuman: false, quietHours: false, optedOut: false, crmSyncFailed: false },
    lastDecision: null,
    createdAt: '2025-05-01T16:00:00.000Z',
    updatedAt: '2025-05-01T16:03:12.000Z',
    ...overrides,
  };
}

/** A mapped agent. Test-only. */
export function buildAgent(overrides: Partial<AgentRecord> = {}): AgentRecord {
  return {
    id: 'agent_01',
    tenantId: 'tenant_a',
    name: 'Sam Carter',
    email: 'sam@acme.example',
    role: 'agent',
    slackUserId: null,
    hubspotUserId: null,
    salesforceUserId: '0055g00000XyZabAAB',
    ...overrides,
  };
}
