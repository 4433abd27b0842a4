import type {
  ConversationView,
  ActionType,
  ActionCommand,
  AgentIdentity,
  AgentRecord,
  ConversationFilter,
  ConversationListItem,
  EngineCommon,
  IntegrationRecord,
  Page,
  AgentNotifier,
  IntegrationKind,
} from '../../../core/index';
import type { SlackEngine } from '../slack.types';

/** The error shape the engine throws for a stale version. */
export class FakeConflictError extends Error {
  readonly code = 'conversation.version_conflict';
  readonly status = 409;
  constructor(readonly details: { conversation: ConversationView }) {
    super('The conversation changed since you saw it');
  }
}

/** Which actions the fake allows after each command (a rough copy of the real state machine). */
function afterAction(view: ConversationView, command: ActionCommand): ConversationView {
  const next: ConversationView = { ...view, version: view.version + 1 };
  const at = '2025-06-01T18:00:00.000Z';
  if (command.type !== 'note') {
    next.lastDecision = { action: command.type, actorName: command.actor.name, surface: command.actor.surface, at };
  }
  const human = (allowed: ActionType[]): void => {
    next.mode = 'human';
    next.assignee = command.actor.agentId ? { agentId: command.actor.agentId, name: command.actor.name } : null;
    next.allowedActions = allowed;
  };
  switch (command.type) {
    case 'approve':
    case 'edit':
    case 'discard':
      next.draft = view.draft ? { ...view.draft, status: command.type === 'discard' ? 'discarded' : 'sent' } : null;
      next.allowedActions = ['takeover', 'send', 'note', 'close'];
      break;
    case 'takeover':
    case 'send':
      next.draft = null;
      next.flags = { ...view.flags, needsHuman: false };
      human(['handback', 'send', 'note', 'close']);
      break;
    case 'handback':
      next.mode = 'ai';
      next.assignee = null;
      next.allowedActions = ['takeover', 'send', 'note', 'close'];
      break;
    case 'close':
      next.status = 'closed';
      next.allowedActions = ['reopen', 'note'];
      break;
    case 'reopen':
      next.status = 'open';
      next.allowedActions = ['takeover', 'send', 'note', 'close'];
      break;
    case 'note':
      next.notes = [
        ...view.notes,
        { id: `note-${view.notes.length + 1}`, authorName: command.actor.name, surface: command.actor.surface, body: command.text ?? '', createdAt: at },
      ];
      break;
  }
  return next;
}

/** An in-memory engine for connector tests: conversations, agents and integrations in maps. */
export class FakeEngine implements SlackEngine {
  readonly views = new Map<string, ConversationView>();
  readonly agentsList: AgentRecord[] = [];
  readonly integrationRecords = new Map<string, IntegrationRecord>();
  readonly acts: Array<{ tenantId: string; conversationId: string; command: ActionCommand }> = [];
  readonly listCalls: Array<{ tenantId: string; filter: ConversationFilter }> = [];
  readonly notifiers: AgentNotifier[] = [];
  listResult: ConversationListItem[] = [];

  private key(tenantId: string, id: string): string {
    return `${tenantId}:${id}`;
  }

  addView(tenantId: string, view: ConversationView): void {
    this.views.set(this.key(tenantId, view.id), view);
  }

  getView(tenantId: string, id: string): ConversationView {
    const v = this.views.get(this.key(tenantId, id));
    if (!v) throw Object.assign(new Error('not found'), { code: 'conversation.not_found' });
    return v;
  }

  conversations: EngineCommon['conversations'] = {
    list: async (tenantId: string, filter: ConversationFilter): Promise<Page<ConversationListItem>> => {
      this.listCalls.push({ tenantId, filter });
      return { items: this.listResult, nextCursor: null };
    },
    view: async (tenantId, id) => this.getView(tenantId, id),
    viewForLead: async () => null,
    act: async (tenantId, id, command) => {
      const current = this.getView(tenantId, id);
      if (command.version !== current.version) throw new FakeConflictError({ conversation: current });
      this.acts.push({ tenantId, conversationId: id, command });
      const next = afterAction(current, command);
      this.views.set(this.key(tenantId, id), next);
      return next;
    },
    start: async () => {
      throw new Error('the Slack connector does not start conversations');
    },
  };

  leads: EngineCommon['leads'] = {
    find: async () => {
      throw new Error('the Slack connector does not look up leads');
    },
  };

  agents: SlackEngine['agents'] = {
    get: async (tenantId: string, agentId: string) => this.agentsList.find((a) => a.tenantId === tenantId && a.id === agentId) ?? null,
    resolve: async (tenantId: string, identity: AgentIdentity) =>
      this.agentsList.find(
        (a) =>
          a.tenantId === tenantId &&
          ((identity.slackUserId && a.slackUserId === identity.slackUserId) || (identity.email && a.email === identity.email)),
      ) ?? null,
  };

  integrations: EngineCommon['integrations'] = {
    get: async (tenantId: string, kind: IntegrationKind) => this.integrationRecords.get(`${tenantId}:${kind}`) ?? null,
    put: async (tenantId, kind, record) => {
      this.integrationRecords.set(`${tenantId}:${kind}`, { kind, ...record });
    },
    disconnect: async (tenantId, kind) => {
      const r = this.integrationRecords.get(`${tenantId}:${kind}`) ?? null;
      this.integrationRecords.delete(`${tenantId}:${kind}`);
      return r;
    },
    findTenant: async (kind, externalId) => this.holderOf(kind, externalId, true),
    claimedBy: async (kind, externalId) => this.holderOf(kind, externalId, false),
  };

  private holderOf(kind: IntegrationKind, externalId: string, sendingOnly: boolean): string | null {
    for (const [key, r] of this.integrationRecords) {
      if (r.kind === kind && r.externalId === externalId && (r.enabled || !sendingOnly)) return key.split(':')[0]!;
    }
    return null;
  }

  live: EngineCommon['live'] = { subscribe: () => () => undefined };

  registerCrmAdapter(): void {}

  registerNotifier(notifier: AgentNotifier): void {
    this.notifiers.push(notifier);
  }
}

/** An agent record for tests. */
export function buildAgent(overrides: Partial<AgentRecord> = {}): AgentRecord {
  return {
    id: 'agent-1',
    tenantId: 'tenant-1',
    name: 'Dana Agent',
    email: 'dana@acme.test',
    role: 'agent',
    slackUserId: null,
    hubspotUserId: null,
    salesforceUserId: null,
    ...overrides,
  };
}
