import { z } from 'zod';
import { ACTION_TYPES, AUTONOMY_LEVELS, INTEGRATION_KINDS, MAX_RANGE_DAYS, TAGS, formDefinitionSchema, tenantSettingsSchema } from '../../core/index';
import type { RouteModule } from '../app';
import { createAgentBody, createKeyBody, createTenantBody, updateAgentBody } from '../routes/admin.routes';
import { actionBody, startBody } from '../routes/conversations.routes';
import { connectBody } from '../routes/twilio-admin.routes';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: object) => ({ 'application/json': { schema } });
const errorResponse = (description: string) => ({ description, content: json(ref('Error')) });
const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } };
const str = { type: 'string' };
const nullable = (schema: object) => ({ anyOf: [schema, { type: 'null' }] });
const dateTime = { type: 'string', format: 'date-time' };
const tag = { type: 'string', enum: ['HOT', 'WARM', 'COLD'] };
const autonomy = { type: 'string', enum: [...AUTONOMY_LEVELS] };
const formIdParam = { name: 'formId', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } };
const noStore = { description: 'no-store', schema: str };
const formResponse = (description: string) => ({ description, content: json({ type: 'object', required: ['form'], properties: { form: ref('Form') } }) });
const role = { type: 'string', enum: ['admin', 'agent', 'viewer'] };
const noApiKey = errorResponse('auth.missing_api_key or auth.invalid_api_key: no key, or a bad or revoked one');
const notAdmin = errorResponse('auth.forbidden: the key is not an admin key');
const notAgent = errorResponse('auth.forbidden: a viewer key; this needs the agent role (or admin)');
const malformedJson = errorResponse('request.malformed_json');
const tooLarge = (limit: string) => errorResponse(`request.too_large: over ${limit}`);
const fieldsInvalid = errorResponse('request.invalid; details.fields names each bad field');
const rateLimited = {
  description: 'rate_limit.exceeded: per client IP (default 20 a minute) or per form (default 600 a minute)',
  headers: { 'Retry-After': { description: 'Seconds to wait', schema: { type: 'integer' } } },
  content: json(ref('Error')),
};

/** A zod schema the server validates with, as JSON Schema: what a client sends (input) or gets back (output). */
function fromZod(schema: z.ZodType, io: 'input' | 'output', extra: Record<string, unknown> = {}) {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12', io }) as Record<string, unknown>;
  return { ...rest, ...extra };
}

/**
 * The form definition as the server validates it, from its zod schema. What a tenant sends leaves out
 * everything with a default, and `id` / `version` (the server assigns them and ignores them in a body).
 */
function formDefinitionSchemas() {
  const output = z.toJSONSchema(formDefinitionSchema, { target: 'draft-2020-12', io: 'output' }) as Record<string, unknown> & { properties: Record<string, object> };
  const input = z.toJSONSchema(formDefinitionSchema, { target: 'draft-2020-12', io: 'input' }) as Record<string, unknown> & { required: string[] };
  const { $schema: _o, ...definition } = output;
  const { $schema: _i, ...write } = input;
  return {
    definition,
    input: {
      ...write,
      required: write.required.filter((k) => k !== 'id' && k !== 'version'),
      description: 'A whole form definition. id and version may be left out: the server assigns them and ignores them in a body.',
    },
    parts: output.properties,
  };
}

/**
 * The public API, OpenAPI 3.1. Hand-written where the shapes are contracts (the conversation view), and
 * generated from the zod schemas where the server validates (action, form, settings and admin bodies), so
 * the two cannot drift. Every route takes a tenant API key, except the public form routes (no key) and
 * tenant creation (the operator's token).
 */
export function openApiDocument(publicUrl: string): Record<string, unknown> {
  const signal = { type: 'object', required: ['code', 'label', 'points'], properties: { code: str, label: str, points: { type: 'number' } } };
  const forms = formDefinitionSchemas();
  return {
    openapi: '3.1.0',
    info: { title: 'Tandem API', version: '1', description: 'AI SMS lead nurturing: conversations, leads, agent actions, live events, capture forms, tenant administration, analytics.' },
    servers: [{ url: `${publicUrl}/api/v1` }],
    security: [{ bearer: [] }],
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'A tenant API key: tdm_...' },
        adminToken: { type: 'http', scheme: 'bearer', description: "The operator's token (TANDEM_ADMIN_TOKEN), only for creating tenants; a tenant API key is refused" },
      },
      schemas: {
        Error: {
          type: 'object',
          required: ['error'],
          properties: { error: { type: 'object', required: ['code', 'message', 'details'], properties: { code: str, message: str, details: { type: 'object' } } } },
        },
        Signal: signal,
        LeadSummary: {
          type: 'object',
          required: ['id', 'name', 'phone', 'phoneMasked', 'tag', 'score', 'signals', 'timezone', 'consent', 'optedOut', 'crm'],
          properties: {
            id: { type: 'string', format: 'uuid' },
            name: str,
            firstName: nullable(str),
            lastName: nullable(str),
            email: nullable(str),
            phone: { type: 'string', description: 'E.164' },
            phoneMasked: { type: 'string', examples: ['+1 •••• ••• 0142'] },
            tag,
            score: { type: 'integer' },
            signals: { type: 'array', items: ref('Signal') },
            timezone: str,
            consent: {
              type: 'object',
              properties: {
                state: { type: 'string', enum: ['granted', 'revoked', 'none'] },
                source: nullable({ type: 'string', enum: ['form', 'keyword', 'natural_language', 'agent', 'carrier_error', 'api'] }),
                at: nullable(dateTime),
              },
            },
            optedOut: { type: 'boolean' },
            crm: {
              type: 'array',
              items: {
                type: 'object',
                properties: {
                  provider: { type: 'string', enum: ['hubspot', 'salesforce'] },
                  externalId: nullable(str),
                  status: { type: 'string', enum: ['ok', 'pending', 'failed'] },
                  error: nullable(str),
                },
              },
            },
          },
        },
        Message: {
          type: 'object',
          properties: {
            id: { type: 'string', format: 'uuid' },
            direction: { type: 'string', enum: ['in', 'out'] },
            author: { type: 'string', enum: ['lead', 'ai', 'agent', 'system'] },
            authorName: nullable(str),
            body: str,
            status: { type: 'string', enum: ['received', 'queued', 'deferred', 'sending', 'sent', 'delivered', 'undelivered', 'failed', 'blocked'] },
            errorCode: nullable(str),
            scheduledFor: nullable(dateTime),
            createdAt: dateTime,
          },
        },
        Draft: {
          type: 'object',
          properties: {
            id: { type: 'string', format: 'uuid' },
            body: str,
            status: { type: 'string', enum: ['pending', 'approved', 'edited', 'discarded', 'superseded', 'expired', 'sent'] },
            reason: str,
            confidence: { type: 'number' },
            heldBy: { type: 'array', items: str },
            createdAt: dateTime,
          },
        },
        ConversationView: {
          type: 'object',
          required: ['id', 'version', 'mode', 'status', 'autonomy', 'autonomyOverride', 'lead', 'messages', 'notes', 'draft', 'allowedActions', 'flags'],
          properties: {
            id: { type: 'string', format: 'uuid' },
            version: { type: 'integer', description: 'Send it back with every action.' },
            mode: { type: 'string', enum: ['ai', 'human'] },
            status: { type: 'string', enum: ['open', 'needs_human', 'closed'] },
            autonomy: { ...autonomy, description: 'Effective: the conversation override if set, else the tenant setting.' },
            autonomyOverride: nullable({ ...autonomy, description: 'Set with the set_autonomy action; null follows the tenant setting.' }),
            assignee: nullable({ type: 'object', properties: { agentId: str, name: str } }),
            lead: ref('LeadSummary'),
            messages: { type: 'array', items: ref('Message') },
            notes: { type: 'array', items: { type: 'object', properties: { id: str, authorName: str, surface: str, body: str, createdAt: dateTime } } },
            draft: nullable(ref('Draft')),
            allowedActions: { type: 'array', items: { type: 'string', enum: [...ACTION_TYPES] } },
            flags: {
              type: 'object',
              properties: { needsHuman: { type: 'boolean' }, quietHours: { type: 'boolean' }, optedOut: { type: 'boolean' }, crmSyncFailed: { type: 'boolean' } },
            },
            lastDecision: nullable({ type: 'object', properties: { action: str, actorName: str, surface: str, at: dateTime } }),
            createdAt: dateTime,
            updatedAt: dateTime,
          },
        },
        SimulatedPhoneMessage: {
          type: 'object',
          required: ['id', 'phone', 'direction', 'counterpart', 'body', 'at', 'providerMessageId'],
          properties: {
            id: str,
            phone: { type: 'string', description: 'The simulated handset (the lead), E.164' },
            direction: { type: 'string', enum: ['to_phone', 'from_phone'], description: 'to_phone: a text Tandem sent; from_phone: a reply typed on the simulated phone' },
            counterpart: nullable(str),
            body: str,
            at: dateTime,
            providerMessageId: nullable(str),
          },
        },
        LeadListItem: {
          type: 'object',
          required: ['id', 'name', 'phoneMasked', 'email', 'tag', 'score', 'optedOut', 'conversationId', 'createdAt', 'updatedAt'],
          properties: {
            id: { type: 'string', format: 'uuid' },
            name: { type: 'string', description: 'First and last name, or the masked phone when the lead gave none' },
            phoneMasked: str,
            email: nullable(str),
            tag,
            score: { type: 'integer' },
            optedOut: { type: 'boolean' },
            conversationId: nullable({ type: 'string', format: 'uuid', description: 'The latest conversation' }),
            createdAt: dateTime,
            updatedAt: dateTime,
          },
        },
        ConversationListItem: {
          type: 'object',
          properties: {
            id: { type: 'string', format: 'uuid' },
            version: { type: 'integer' },
            mode: { type: 'string', enum: ['ai', 'human'] },
            status: { type: 'string', enum: ['open', 'needs_human', 'closed'] },
            needsHuman: { type: 'boolean' },
            lead: { type: 'object', properties: { id: str, name: str, phoneMasked: str, tag, score: { type: 'integer' }, optedOut: { type: 'boolean' } } },
            lastMessage: nullable({ type: 'object', properties: { direction: str, body: str, at: dateTime } }),
            hasPendingDraft: { type: 'boolean' },
            updatedAt: dateTime,
          },
        },
        ActionRequest: z.toJSONSchema(actionBody, { target: 'draft-2020-12', io: 'input' }),
        StartConversationRequest: fromZod(startBody, 'input'),
        StartConversationResult: {
          type: 'object',
          required: ['conversation', 'created', 'leadCreated', 'consentRecorded'],
          properties: {
            conversation: ref('ConversationView'),
            created: { type: 'boolean', description: 'false: the lead already had an open conversation, returned as it is' },
            leadCreated: { type: 'boolean' },
            consentRecorded: { type: 'boolean', description: "the agent's attestation went into the consent ledger" },
          },
        },
        FormDefinition: forms.definition,
        FormDefinitionInput: forms.input,
        Form: {
          type: 'object',
          required: ['id', 'name', 'version', 'active', 'definition', 'createdAt', 'updatedAt', 'embed'],
          properties: {
            id: { type: 'string', format: 'uuid' },
            name: str,
            version: { type: 'integer', description: 'Bumped by every PATCH' },
            active: { type: 'boolean', description: 'false after DELETE: the form takes no submissions' },
            definition: ref('FormDefinition'),
            createdAt: dateTime,
            updatedAt: dateTime,
            embed: { type: 'string', description: 'The script tag to paste into a page' },
          },
        },
        PublicForm: {
          type: 'object',
          description: 'What any visitor may see of a form: no allowedOrigins, no spam timing.',
          required: ['id', 'version', 'submitLabel', 'fields', 'consent', 'styling', 'success', 'defaultPhoneCountry', 'honeypotField', 'phone'],
          properties: {
            id: { type: 'string', format: 'uuid' },
            version: { type: 'integer' },
            title: str,
            description: str,
            submitLabel: str,
            fields: forms.parts.fields!,
            consent: { type: 'object', required: ['name', 'text', 'required'], properties: { name: str, text: str, required: { type: 'boolean' } } },
            styling: forms.parts.styling!,
            success: forms.parts.success!,
            defaultPhoneCountry: str,
            honeypotField: { type: 'string', description: 'The name of the hidden field a person never fills' },
            phone: { type: 'object', description: "libphonenumber metadata for the default country's calling code" },
          },
        },
        SubmissionRequest: {
          type: 'object',
          required: ['values'],
          properties: {
            values: { type: 'object', description: 'Answers keyed by field name; the consent box by its name (true when ticked)' },
            consent: { type: 'object', properties: { checked: { type: 'boolean' }, text: { type: 'string', description: 'The consent wording exactly as shown' } } },
            meta: {
              type: 'object',
              properties: {
                pageUrl: str,
                referrer: str,
                utm: { type: 'object', properties: { source: str, medium: str, campaign: str, term: str, content: str } },
                startedAt: { type: 'integer', description: 'Client clock, ms epoch, when the form was first shown' },
                submittedAt: { type: 'integer', description: 'Client clock, ms epoch, at submit' },
                formVersion: { type: 'integer', description: 'The form version the lead saw' },
                honeypot: { type: 'string', description: 'The hidden field; anything in it marks a bot' },
              },
            },
          },
        },
        SubmissionResult: {
          type: 'object',
          required: ['submission', 'lead'],
          properties: {
            submission: { type: 'object', required: ['id'], properties: { id: { type: 'string', format: 'uuid' } } },
            lead: { type: 'object', required: ['id'], properties: { id: { type: 'string', format: 'uuid' } } },
          },
        },
        TenantSettings: fromZod(tenantSettingsSchema, 'output', { description: 'Everything a tenant can tune; a setting never changed has its default' }),
        SettingsPatch: fromZod(tenantSettingsSchema, 'input', {
          description: 'Any of the settings. Each one given replaces the stored value, except quietHours, whose given parts are merged into the stored window; unknown keys are ignored; any invalid value refuses the whole request (422) and changes nothing.',
        }),
        Tenant: {
          type: 'object',
          required: ['id', 'name', 'settings', 'createdAt'],
          properties: { id: { type: 'string', format: 'uuid' }, name: str, settings: ref('TenantSettings'), createdAt: dateTime },
        },
        TenantCreateRequest: fromZod(createTenantBody, 'input', { description: 'adminName (default "Admin") and adminEmail describe the first admin agent.' }),
        ApiKey: {
          type: 'object',
          description: 'An API key as stored: never the secret',
          required: ['id', 'name', 'prefix', 'role', 'agentId', 'lastUsedAt', 'revokedAt', 'createdAt'],
          properties: {
            id: { type: 'string', format: 'uuid' },
            name: str,
            prefix: { type: 'string', description: 'The start of the key, to recognise it', examples: ['tdm_3f9a0c1b2d'] },
            role,
            agentId: nullable({ type: 'string', format: 'uuid' }),
            lastUsedAt: nullable({ ...dateTime, description: 'Updated at most once a minute' }),
            revokedAt: nullable(dateTime),
            createdAt: dateTime,
          },
        },
        NewApiKey: {
          allOf: [
            ref('ApiKey'),
            {
              type: 'object',
              required: ['key', 'note'],
              properties: { key: { type: 'string', description: 'The whole key, shown this once only', examples: ['tdm_3f9a0c1b2d_...'] }, note: str },
            },
          ],
        },
        ApiKeyCreateRequest: fromZod(createKeyBody, 'input', { description: "agentId ties the key to one of the tenant's agents: what the key does is recorded as that agent's." }),
        Agent: {
          type: 'object',
          required: ['id', 'tenantId', 'name', 'email', 'role', 'slackUserId', 'hubspotUserId', 'salesforceUserId'],
          properties: {
            id: { type: 'string', format: 'uuid' },
            tenantId: { type: 'string', format: 'uuid' },
            name: str,
            email: nullable(str),
            role,
            slackUserId: nullable(str),
            hubspotUserId: nullable(str),
            salesforceUserId: nullable(str),
          },
        },
        AgentCreateRequest: fromZod(createAgentBody, 'input', { description: 'role defaults to agent. Email and each platform user id are unique within the tenant.' }),
        AgentUpdateRequest: fromZod(updateAgentBody, 'input', { description: 'Any of the fields, at least one; null clears an optional one.' }),
        IntegrationStatus: {
          type: 'object',
          required: ['kind', 'connected', 'enabled', 'externalId', 'updatedAt'],
          properties: {
            kind: { type: 'string', enum: [...INTEGRATION_KINDS] },
            connected: { type: 'boolean' },
            enabled: { type: 'boolean' },
            externalId: nullable({ type: 'string', description: "The platform's account id, e.g. the Twilio Account SID" }),
            updatedAt: nullable(dateTime),
          },
        },
        TwilioConnected: {
          type: 'object',
          required: ['connected', 'enabled', 'accountSid', 'messagingServiceSid', 'fromNumber', 'numbers', 'webhookSigningKeys'],
          properties: {
            connected: { const: true },
            enabled: { type: 'boolean' },
            accountSid: str,
            messagingServiceSid: nullable(str),
            fromNumber: nullable({ type: 'string', description: 'E.164' }),
            numbers: { type: 'array', items: { type: 'string', description: 'E.164' }, description: 'Inbound texts to these numbers are routed to this tenant' },
            webhookSigningKeys: {
              type: 'array',
              maxItems: 2,
              items: { type: 'object', required: ['id'], properties: { id: { type: 'string', description: 'The SharedKey id' } }, additionalProperties: false },
              description:
                'The Twilio SharedKeys held for webhooks signed with one (X-Twilio-Webhooks-Signature-Settings), by id only: secrets are never shown. ' +
                'Empty: every webhook must be signed with the auth token.',
            },
          },
        },
        TwilioWebhooks: {
          type: 'object',
          description: 'Set these on each number (or its Messaging Service)',
          required: ['incomingMessageUrl', 'statusCallbackUrl', 'method'],
          properties: { incomingMessageUrl: { type: 'string', format: 'uri' }, statusCallbackUrl: { type: 'string', format: 'uri' }, method: { const: 'POST' } },
        },
        TwilioConnectRequest: fromZod(connectBody, 'input', {
          description:
            'Give a messagingServiceSid or a fromNumber to send from. Phone numbers may be written in any common format (US when there is no country code); ' +
            'they are stored in E.164. The numbers listed replace the ones connected before. The auth token is stored sealed and never shown again. ' +
            'webhookSigningKeys: see its description; a webhook carrying X-Twilio-Webhooks-Signature-Settings is checked only against the key it names, never the auth token.',
        }),
        SlackSettings: {
          type: 'object',
          required: ['mode', 'connected', 'enabled', 'teamId', 'channelId', 'threadRepliesSendToLead', 'escalationMention', 'installUrl'],
          properties: {
            mode: { type: 'string', enum: ['oauth', 'single_workspace'], description: "oauth: each tenant installs Tandem in its workspace; single_workspace: the server's bot token" },
            connected: { type: 'boolean', description: 'Tandem can post for the tenant now: a bot token for its workspace, not turned off' },
            enabled: { type: 'boolean' },
            teamId: nullable({ type: 'string', description: 'The Slack workspace (team) id' }),
            channelId: nullable({ type: 'string', description: 'Where conversations are posted' }),
            threadRepliesSendToLead: { type: 'boolean', description: 'Replies in a conversation thread from the agent who took over are texted to the lead' },
            escalationMention: { type: 'string', enum: ['here', 'channel', 'none'], description: 'Whom an escalation pings' },
            installUrl: nullable({ type: 'string', format: 'uri', description: 'oauth mode: the link an admin opens to install Tandem in the workspace (valid one hour)' }),
          },
        },
        SlackSettingsRequest: {
          type: 'object',
          additionalProperties: false,
          minProperties: 1,
          description: 'Any of the settings, at least one; the others keep their values. The installation itself (team, token) is never changed here.',
          properties: {
            channelId: nullable({ type: 'string', pattern: '^[CG][A-Z0-9]{6,20}$', description: 'A Slack channel id such as C0123ABCD; null falls back to the server default' }),
            threadRepliesSendToLead: { type: 'boolean' },
            escalationMention: { type: 'string', enum: ['here', 'channel', 'none'] },
            enabled: { type: 'boolean', description: 'false stops posting to Slack without uninstalling' },
          },
        },
        HubSpotConnection: {
          type: 'object',
          required: ['connected', 'enabled', 'portalId', 'mode'],
          properties: {
            connected: { type: 'boolean' },
            enabled: { type: 'boolean' },
            portalId: nullable({ type: 'string', description: 'The HubSpot account (portal) id' }),
            mode: nullable({
              type: 'string',
              enum: ['private_app', 'oauth', 'env'],
              description: "private_app: a token connected with PUT; oauth: the public app's install; env: the server's HUBSPOT_PRIVATE_APP_TOKEN (single-portal mode)",
            }),
          },
        },
        DeadJob: {
          type: 'object',
          required: ['id', 'topic', 'eventType', 'attempts', 'lastError', 'createdAt'],
          properties: {
            id: { type: 'string', pattern: '^\\d+$', description: 'Pass it to POST /jobs/{id}/retry' },
            topic: str,
            eventType: str,
            attempts: { type: 'integer' },
            lastError: nullable(str),
            createdAt: dateTime,
          },
        },
        AnalyticsOverview: {
          type: 'object',
          required: ['range', 'speedToLead', 'responseRate', 'sentBy', 'decisions', 'leadsByTag'],
          properties: {
            range: {
              type: 'object',
              required: ['from', 'to', 'bucket'],
              properties: { from: dateTime, to: dateTime, bucket: { type: 'string', enum: ['day', 'week'], description: 'day up to 92 days, else week' } },
            },
            speedToLead: {
              type: 'object',
              description: 'Form submission to the first AI or agent text that left; submissions not answered yet count in submissions only',
              required: ['submissions', 'answered', 'medianSeconds', 'p90Seconds'],
              properties: {
                submissions: { type: 'integer' },
                answered: { type: 'integer' },
                medianSeconds: nullable({ type: 'number' }),
                p90Seconds: nullable({ type: 'number' }),
              },
            },
            responseRate: {
              type: 'object',
              description: 'Of the leads who got an AI or agent text in the range, how many wrote back after their first one',
              required: ['texted', 'responded', 'rate'],
              properties: { texted: { type: 'integer' }, responded: { type: 'integer' }, rate: nullable({ type: 'number', minimum: 0, maximum: 1 }) },
            },
            sentBy: {
              type: 'object',
              description: 'Outbound texts that left, by author; system = opt-out and help confirmations',
              required: ['ai', 'agent', 'system', 'aiShare', 'humanShare'],
              properties: {
                ai: { type: 'integer' },
                agent: { type: 'integer' },
                system: { type: 'integer' },
                aiShare: nullable({ type: 'number', minimum: 0, maximum: 1 }),
                humanShare: nullable({ type: 'number', minimum: 0, maximum: 1 }),
              },
            },
            decisions: {
              type: 'object',
              description: 'Agent decisions on AI drafts',
              required: ['approve', 'edit', 'discard'],
              properties: { approve: { type: 'integer' }, edit: { type: 'integer' }, discard: { type: 'integer' } },
            },
            leadsByTag: {
              type: 'array',
              description: 'New leads per bucket (UTC) by their current tag; every bucket of the range is present, zeros included',
              items: {
                type: 'object',
                required: ['bucket', ...TAGS],
                properties: { bucket: { type: 'string', format: 'date', description: 'First day of the bucket' }, ...Object.fromEntries(TAGS.map((t) => [t, { type: 'integer' }])) },
              },
            },
          },
        },
      },
    },
    paths: {
      '/conversations': {
        get: {
          summary: 'List conversations, most recently updated first',
          parameters: [
            { name: 'status', in: 'query', schema: { type: 'string', enum: ['open', 'needs_human', 'closed'] } },
            { name: 'mode', in: 'query', schema: { type: 'string', enum: ['ai', 'human'] } },
            { name: 'tag', in: 'query', schema: tag },
            { name: 'needsHuman', in: 'query', schema: { type: 'boolean' } },
            { name: 'cursor', in: 'query', schema: str, description: 'nextCursor of the previous page' },
            { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100, default: 25 } },
          ],
          responses: {
            '200': { description: 'A page', content: json({ type: 'object', properties: { items: { type: 'array', items: ref('ConversationListItem') }, nextCursor: nullable(str) } }) },
            '401': errorResponse('No or bad API key'),
            '422': errorResponse('Bad query parameter'),
          },
        },
        post: {
          summary: 'Start a conversation with a lead, or with a person by phone (agent)',
          description:
            'For a CRM contact who never came through a Tandem form, or a known lead without an open conversation. The conversation starts in human mode, ' +
            'assigned to the key\'s agent. Without SMS consent on record, consent.statement is required: the agent\'s attestation, kept word for word in the consent ledger (source agent). ' +
            'Someone who opted out cannot be started: only they can opt back in by texting START. An optional first text is queued and passes the compliance gate like any other ' +
            '(the first text names the business and says "Reply STOP to opt out"). crm links the CRM record, so the texts are logged on it.',
          parameters: [{ name: 'X-Tandem-Surface', in: 'header', schema: { type: 'string', enum: ['api', 'console'] } }],
          requestBody: { required: true, content: json(ref('StartConversationRequest')) },
          responses: {
            '201': { description: 'Started', content: json(ref('StartConversationResult')) },
            '200': { description: 'The lead already had an open conversation: that one, unchanged', content: json(ref('StartConversationResult')) },
            '401': errorResponse('No or bad API key'),
            '403': notAgent,
            '404': errorResponse('lead.not_found: lead.leadId is not a lead of this tenant'),
            '409': errorResponse('lead.opted_out; or conversation.already_open (a text was given and the lead has an open conversation: details.conversation is its view)'),
            '422': errorResponse('request.invalid (details.fields names each field), or consent.required: no consent on record and no consent.statement'),
          },
        },
      },
      '/conversations/{id}': {
        get: {
          summary: 'One conversation view',
          parameters: [idParam],
          responses: {
            '200': { description: 'The view', content: json({ type: 'object', properties: { conversation: ref('ConversationView') } }) },
            '401': errorResponse('No or bad API key'),
            '404': errorResponse('Unknown id'),
          },
        },
      },
      '/conversations/{id}/actions': {
        post: {
          summary: `Run an agent action (${ACTION_TYPES.join(', ')})`,
          description:
            'Carries the version the agent saw. The first action on a version wins; later ones get 409 with the fresh view in error.details.conversation. ' +
            'set_autonomy takes autonomy (autopilot, copilot, off) for this conversation, or null to follow the tenant setting again; allowed unless the conversation is closed.',
          parameters: [idParam, { name: 'X-Tandem-Surface', in: 'header', schema: { type: 'string', enum: ['api', 'console'] } }],
          requestBody: { required: true, content: json(ref('ActionRequest')) },
          responses: {
            '200': { description: 'Done; the new view', content: json({ type: 'object', properties: { conversation: ref('ConversationView') } }) },
            '401': errorResponse('No or bad API key'),
            '403': notAgent,
            '404': errorResponse('Unknown id'),
            '409': errorResponse('conversation.version_conflict or conversation.action_not_allowed; details.conversation is the fresh view'),
            '422': errorResponse('Bad body; details.fields names each field'),
          },
        },
      },
      '/leads': {
        get: {
          summary: 'List leads, newest first',
          parameters: [
            { name: 'tag', in: 'query', schema: tag },
            { name: 'optedOut', in: 'query', schema: { type: 'boolean' } },
            { name: 'cursor', in: 'query', schema: str },
            { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100 } },
          ],
          responses: {
            '200': { description: 'A page of leads', content: json({ type: 'object', required: ['items', 'nextCursor'], properties: { items: { type: 'array', items: ref('LeadListItem') }, nextCursor: nullable(str) } }) },
            '401': errorResponse('No or bad API key'),
            '422': errorResponse('request.invalid: details.fields names each bad query parameter (a cursor not from this API too)'),
          },
        },
      },
      '/leads/{id}': {
        get: {
          summary: 'One lead',
          parameters: [idParam],
          responses: {
            '200': { description: 'The lead', content: json({ type: 'object', properties: { lead: ref('LeadSummary') } }) },
            '401': errorResponse('No or bad API key'),
            '404': errorResponse('Unknown id'),
          },
        },
      },
      '/events': {
        get: {
          summary: "Server-Sent Events: the tenant's live changes",
          description: 'API key as header, or the console session cookie. A comment line every 15 s.',
          responses: { '200': { description: 'An event stream', content: { 'text/event-stream': { schema: str } } }, '401': errorResponse('No or bad API key or session') },
        },
      },
      '/forms': {
        get: {
          summary: "The tenant's forms, each with its embed snippet (viewer)",
          responses: {
            '200': { description: 'All forms', content: json({ type: 'object', required: ['forms'], properties: { forms: { type: 'array', items: ref('Form') } } }) },
            '401': errorResponse('No or bad API key'),
          },
        },
        post: {
          summary: 'Create a form (admin)',
          requestBody: { required: true, content: json(ref('FormDefinitionInput')) },
          responses: {
            '201': { ...formResponse('Created'), headers: { Location: { description: 'The new form', schema: { type: 'string', format: 'uri' } } } },
            '401': errorResponse('No or bad API key'),
            '403': errorResponse('auth.forbidden: the key is not an admin key'),
            '413': errorResponse('request.too_large: over 64 KB'),
            '422': errorResponse('form.invalid_definition; details.fields names each problem by path'),
          },
        },
      },
      '/forms/{id}': {
        get: {
          summary: 'One form (viewer)',
          parameters: [idParam],
          responses: { '200': formResponse('The form'), '401': errorResponse('No or bad API key'), '404': errorResponse('form.not_found') },
        },
        patch: {
          summary: 'Change a form with a JSON merge patch (RFC 7396: objects merge, arrays replace, null removes); bumps version (admin)',
          parameters: [idParam],
          requestBody: { required: true, content: json({ type: 'object', description: 'A JSON merge patch of FormDefinition; id and version are ignored' }) },
          responses: {
            '200': formResponse('The changed form'),
            '401': errorResponse('No or bad API key'),
            '403': errorResponse('auth.forbidden: the key is not an admin key'),
            '404': errorResponse('form.not_found'),
            '422': errorResponse('form.invalid_definition: the patched definition is not valid; details.fields names each problem'),
          },
        },
        delete: {
          summary: 'Deactivate a form; submissions and consent proofs keep pointing at it (admin)',
          parameters: [idParam],
          responses: {
            '200': formResponse('The deactivated form'),
            '401': errorResponse('No or bad API key'),
            '403': errorResponse('auth.forbidden: the key is not an admin key'),
            '404': errorResponse('form.not_found'),
          },
        },
      },
      '/forms/{formId}/public': {
        get: {
          summary: 'The definition the widget renders. Public: no key, CORS for any origin',
          security: [],
          parameters: [formIdParam, { name: 'If-None-Match', in: 'header', schema: str, description: 'An ETag from an earlier answer' }],
          responses: {
            '200': {
              description: 'The public definition',
              headers: {
                ETag: { description: 'Strong validator of the body', schema: str },
                'Cache-Control': { description: 'public, max-age=60', schema: str },
              },
              content: json({ type: 'object', required: ['form'], properties: { form: ref('PublicForm') } }),
            },
            '304': { description: 'Not modified: If-None-Match matched the current ETag', headers: { ETag: { description: 'Strong validator of the body', schema: str } } },
            '404': { description: 'form.not_found, or form.inactive for a deactivated form', headers: { 'Cache-Control': noStore }, content: json(ref('Error')) },
          },
        },
      },
      '/forms/{formId}/submissions': {
        post: {
          summary: "A lead's submission from the widget. Public: no key; only from the form's allowedOrigins",
          description:
            'Creates or updates the lead, stores the consent proof and opens the conversation; the first text follows within seconds. ' +
            'A repeated Idempotency-Key answers 200 with the first submission\'s ids and stores nothing new. Spam (honeypot, too fast) answers 201 and stores nothing.',
          security: [],
          parameters: [
            formIdParam,
            { name: 'Origin', in: 'header', required: true, schema: str, description: "Must be one of the form's allowedOrigins" },
            { name: 'Idempotency-Key', in: 'header', schema: { type: 'string', pattern: '^[\\x21-\\x7e]{1,255}$' }, description: '1–255 visible ASCII characters; a UUID is ideal' },
          ],
          requestBody: { required: true, content: json(ref('SubmissionRequest')) },
          responses: {
            '201': { description: 'Captured', content: json(ref('SubmissionResult')) },
            '200': { description: 'Already captured under this Idempotency-Key: the same ids', content: json(ref('SubmissionResult')) },
            '400': errorResponse('request.malformed_json, submission.invalid_body (not the widget\'s shape) or submission.invalid_idempotency_key'),
            '403': errorResponse("form.origin_not_allowed: no Origin, or one not in the form's allowedOrigins"),
            '404': errorResponse('form.not_found, or form.inactive for a deactivated form'),
            '413': errorResponse('request.too_large: over 16 KB'),
            '415': errorResponse('request.unsupported_media_type: send Content-Type: application/json'),
            '422': errorResponse('submission.validation_failed; details.fields has one sentence per field, as the widget shows them'),
            '429': rateLimited,
          },
        },
      },
      '/demo/phone/messages': {
        get: {
          summary: "Demo mode only: the texts on the simulated phone of one of the tenant's leads",
          parameters: [{ name: 'phone', in: 'query', required: true, schema: str, description: 'E.164' }],
          responses: {
            '200': {
              description: "The texts, oldest first; none when the phone is not one of the tenant's leads",
              content: json({ type: 'object', required: ['messages'], properties: { messages: { type: 'array', items: ref('SimulatedPhoneMessage') } } }),
            },
            '401': errorResponse('No or bad API key'),
            '404': errorResponse('Not in demo mode'),
            '422': errorResponse('phone is not E.164'),
          },
        },
        post: {
          summary: 'Demo mode only: a text from the simulated phone, through the inbound path',
          requestBody: { required: true, content: json({ type: 'object', required: ['from', 'body'], properties: { from: str, body: str } }) },
          responses: {
            '201': {
              description: 'Received',
              content: json({
                type: 'object',
                required: ['messageId', 'conversationId', 'keyword'],
                properties: {
                  messageId: nullable({ type: 'string', format: 'uuid' }),
                  conversationId: nullable({ type: 'string', format: 'uuid' }),
                  keyword: nullable({ type: 'string', enum: ['opt_out', 'opt_in', 'help'] }),
                },
              }),
            },
            '401': errorResponse('No or bad API key'),
            '403': notAgent,
            '404': errorResponse('Not in demo mode'),
            '422': errorResponse('request.invalid: details.fields names from (not E.164) or body (empty or over 1600 characters)'),
          },
        },
      },
      '/tenants': {
        post: {
          summary: "Create a tenant with its first admin agent and that admin's API key (operator token)",
          security: [{ adminToken: [] }],
          requestBody: { required: true, content: json(ref('TenantCreateRequest')) },
          responses: {
            '201': {
              description: 'Created; the key is shown this once',
              content: json({ type: 'object', required: ['tenant', 'apiKey'], properties: { tenant: ref('Tenant'), apiKey: ref('NewApiKey') } }),
            },
            '400': malformedJson,
            '401': errorResponse('auth.invalid_admin_token: no operator token, or a wrong one (a tenant API key included)'),
            '403': errorResponse('auth.admin_disabled: this server has no TANDEM_ADMIN_TOKEN, so tenants cannot be created over HTTP'),
            '413': tooLarge('64 KB'),
            '422': fieldsInvalid,
          },
        },
      },
      '/tenant': {
        get: {
          summary: "The key's tenant, with its settings (viewer)",
          responses: { '200': { description: 'The tenant', content: json({ type: 'object', required: ['tenant'], properties: { tenant: ref('Tenant') } }) }, '401': noApiKey },
        },
      },
      '/settings': {
        get: {
          summary: "The tenant's settings, defaults filled in (viewer)",
          responses: { '200': { description: 'The settings', content: json({ type: 'object', required: ['settings'], properties: { settings: ref('TenantSettings') } }) }, '401': noApiKey },
        },
        patch: {
          summary: 'Change some settings; the others keep their values (admin)',
          requestBody: { required: true, content: json(ref('SettingsPatch')) },
          responses: {
            '200': { description: 'All the settings after the change', content: json({ type: 'object', required: ['settings'], properties: { settings: ref('TenantSettings') } }) },
            '400': malformedJson,
            '401': noApiKey,
            '403': notAdmin,
            '413': tooLarge('64 KB'),
            '422': errorResponse('request.invalid: the body is not a JSON object; settings.invalid: details.fields names each bad setting. Nothing is changed'),
          },
        },
      },
      '/api-keys': {
        get: {
          summary: "The tenant's API keys, revoked ones included, oldest first; never a secret (admin)",
          responses: {
            '200': { description: 'All keys', content: json({ type: 'object', required: ['apiKeys'], properties: { apiKeys: { type: 'array', items: ref('ApiKey') } } }) },
            '401': noApiKey,
            '403': notAdmin,
          },
        },
        post: {
          summary: 'Create an API key (admin)',
          requestBody: { required: true, content: json(ref('ApiKeyCreateRequest')) },
          responses: {
            '201': { description: 'Created; the key is shown this once', content: json({ type: 'object', required: ['apiKey'], properties: { apiKey: ref('NewApiKey') } }) },
            '400': malformedJson,
            '401': noApiKey,
            '403': notAdmin,
            '413': tooLarge('64 KB'),
            '422': errorResponse("request.invalid; details.fields names each bad field, agentId when it is not one of the tenant's agents. Nothing is stored"),
          },
        },
      },
      '/api-keys/{id}': {
        delete: {
          summary: 'Revoke an API key at once; revoking it again keeps the first revokedAt (admin)',
          parameters: [idParam],
          responses: {
            '200': { description: 'The revoked key', content: json({ type: 'object', required: ['apiKey'], properties: { apiKey: ref('ApiKey') } }) },
            '401': noApiKey,
            '403': notAdmin,
            '404': errorResponse('api_key.not_found: no key of the tenant has this id (a malformed id names none either)'),
          },
        },
      },
      '/agents': {
        get: {
          summary: "The tenant's agents, oldest first (viewer)",
          responses: {
            '200': { description: 'All agents', content: json({ type: 'object', required: ['agents'], properties: { agents: { type: 'array', items: ref('Agent') } } }) },
            '401': noApiKey,
          },
        },
        post: {
          summary: 'Add an agent (admin)',
          requestBody: { required: true, content: json(ref('AgentCreateRequest')) },
          responses: {
            '201': { description: 'Created', content: json({ type: 'object', required: ['agent'], properties: { agent: ref('Agent') } }) },
            '400': malformedJson,
            '401': noApiKey,
            '403': notAdmin,
            '409': errorResponse('agent.duplicate: an agent of the tenant already has this email or platform user id; details.fields names it'),
            '413': tooLarge('64 KB'),
            '422': fieldsInvalid,
          },
        },
      },
      '/agents/{id}': {
        delete: {
          summary: 'Take a person off the team: their API keys are revoked and no platform maps to them any more; texts and notes keep their name (admin)',
          parameters: [idParam],
          responses: {
            '200': {
              description: 'The person removed and how many of their keys were revoked',
              content: json({ type: 'object', required: ['agent', 'revokedKeys'], properties: { agent: ref('Agent'), revokedKeys: { type: 'integer', minimum: 0 } } }),
            },
            '401': noApiKey,
            '403': notAdmin,
            '404': errorResponse('agent.not_found: no person of the tenant has this id, or they were removed already'),
            '409': errorResponse('agent.holds_conversations (details.openConversations: each is freed by a handback, a close or another person’s reply) or agent.self (the key acts as this person). Nothing is changed'),
          },
        },
        patch: {
          summary: "Change a person's name, email, role or platform user ids, e.g. a Slack member id added later (admin)",
          parameters: [idParam],
          requestBody: { required: true, content: json(ref('AgentUpdateRequest')) },
          responses: {
            '200': { description: 'The person as changed', content: json({ type: 'object', required: ['agent'], properties: { agent: ref('Agent') } }) },
            '400': malformedJson,
            '401': noApiKey,
            '403': notAdmin,
            '404': errorResponse('agent.not_found: no person of the tenant has this id (a malformed id names none either)'),
            '409': errorResponse('agent.duplicate: another person of the tenant already has this email or platform user id; details.fields names it. Nothing is changed'),
            '413': tooLarge('64 KB'),
            '422': fieldsInvalid,
          },
        },
      },
      '/integrations': {
        get: {
          summary: 'Connection state of each platform, without secrets (viewer)',
          responses: {
            '200': {
              description: 'One entry per kind, connected or not',
              content: json({ type: 'object', required: ['integrations'], properties: { integrations: { type: 'array', items: ref('IntegrationStatus') } } }),
            },
            '401': noApiKey,
          },
        },
      },
      '/integrations/twilio': {
        get: {
          summary: 'The Twilio connection, without the auth token or any signing key secret, and the webhook URLs to set (viewer)',
          responses: {
            '200': {
              description: 'The connection',
              content: json({
                type: 'object',
                required: ['twilio', 'webhooks'],
                properties: {
                  twilio: { oneOf: [ref('TwilioConnected'), { type: 'object', required: ['connected'], properties: { connected: { const: false } } }] },
                  webhooks: ref('TwilioWebhooks'),
                },
              }),
            },
            '401': noApiKey,
          },
        },
        put: {
          summary: "Connect the tenant's Twilio account: checks the credentials with Twilio, then claims the numbers for inbound routing (admin)",
          description:
            'Audited (integration.connect: the account SID and whether it sends, never the token) with the key and X-Tandem-Surface. ' +
            'With webhookSigningKeys, also holds the Twilio SharedKeys that webhooks signed through Twilio’s Webhooks configuration are checked against.',
          parameters: [{ name: 'X-Tandem-Surface', in: 'header', schema: { type: 'string', enum: ['api', 'console'] } }],
          requestBody: { required: true, content: json(ref('TwilioConnectRequest')) },
          responses: {
            '200': {
              description: 'Connected',
              content: json({ type: 'object', required: ['twilio', 'webhooks'], properties: { twilio: ref('TwilioConnected'), webhooks: ref('TwilioWebhooks') } }),
            },
            '400': malformedJson,
            '401': noApiKey,
            '403': notAdmin,
            '409': errorResponse('twilio.account_in_use: the account is connected to another tenant, sending or paused (disconnect it there first); twilio.number_in_use: details.numbers are routed to another tenant'),
            '413': tooLarge('16 KB'),
            '422': errorResponse(
              'request.invalid: details.fields names each bad field (numbers.N for a number, webhookSigningKeys.N.id or webhookSigningKeys.N.secret for a signing key, ' +
                'e.g. a key sent without its secret that Tandem does not hold); twilio.credentials_invalid: Twilio refused the SID and token',
            ),
            '502': errorResponse('twilio.unavailable: Twilio could not be asked to check the credentials; nothing is stored, try again'),
          },
        },
        delete: {
          summary: "Disconnect the tenant's Twilio account: the stored credentials are deleted and its numbers freed (admin)",
          description:
            'Texts to the freed numbers no longer reach the tenant (within seconds: webhook routes are cached briefly), and another workspace may connect the account and numbers. ' +
            "The tenant's texts then go out as before Twilio was connected: through the simulated phone in the embedded default and demo mode; elsewhere they fail with no_provider until Twilio is connected again. " +
            'Audited (integration.disconnect) with the key and X-Tandem-Surface. The Twilio account itself is untouched: point its numbers elsewhere in Twilio.',
          parameters: [{ name: 'X-Tandem-Surface', in: 'header', schema: { type: 'string', enum: ['api', 'console'] } }],
          responses: {
            '200': {
              description: 'Disconnected',
              content: json({
                type: 'object',
                required: ['twilio', 'webhooks'],
                properties: { twilio: { type: 'object', required: ['connected'], properties: { connected: { const: false } } }, webhooks: ref('TwilioWebhooks') },
              }),
            },
            '401': noApiKey,
            '403': notAdmin,
            '404': errorResponse('integration.not_connected: the tenant has no Twilio connection; nothing is changed'),
            '422': errorResponse('request.invalid: X-Tandem-Surface is neither api nor console'),
          },
        },
      },
      '/integrations/slack': {
        get: {
          summary: "The tenant's Slack settings and whether Tandem can post there, without tokens (viewer)",
          responses: {
            '200': { description: 'The settings', content: json({ type: 'object', required: ['slack'], properties: { slack: ref('SlackSettings') } }) },
            '401': noApiKey,
            '503': errorResponse('slack.not_configured: the server has no Slack settings'),
          },
        },
        put: {
          summary: 'Change the Slack channel, thread replies, escalation mention or whether Tandem posts to Slack (admin)',
          requestBody: { required: true, content: json(ref('SlackSettingsRequest')) },
          responses: {
            '200': { description: 'The settings after the change', content: json({ type: 'object', required: ['slack'], properties: { slack: ref('SlackSettings') } }) },
            '400': malformedJson,
            '401': noApiKey,
            '403': notAdmin,
            '413': tooLarge('16 KB'),
            '422': errorResponse('request.invalid: details.fields names each bad or unknown setting. Nothing is changed'),
            '503': errorResponse('slack.not_configured: the server has no Slack settings'),
          },
        },
        delete: {
          summary: "Disconnect Slack: the tenant's installation and Slack settings are deleted, then Tandem is uninstalled from the workspace (admin, OAuth mode)",
          description:
            "Audited (integration.disconnect) with the key and X-Tandem-Surface. The disconnect stands whatever Slack answers: Tandem then calls Slack's apps.uninstall with the installation's bot token, " +
            'which revokes every token of the installation and removes the app from the workspace; revoked says whether Slack confirmed it, and note says what is left to do in Slack ' +
            "(if not revoked: remove Tandem under the workspace's Manage apps). Slack's app_uninstalled that follows is ignored. Add to Slack connects again.",
          parameters: [{ name: 'X-Tandem-Surface', in: 'header', schema: { type: 'string', enum: ['api', 'console'] } }],
          responses: {
            '200': {
              description: 'Disconnected',
              content: json({
                type: 'object',
                required: ['slack', 'revoked', 'note'],
                properties: { slack: ref('SlackSettings'), revoked: { type: 'boolean' }, note: { type: 'string', description: 'For the admin: what happened in Slack and what is left to do there' } },
              }),
            },
            '401': noApiKey,
            '403': notAdmin,
            '404': errorResponse('integration.not_connected: the tenant has no Slack connection or settings; nothing is changed'),
            '409': errorResponse("slack.single_workspace: the server's SLACK_BOT_TOKEN (SLACK_TENANT_ID) connects the workspace, so there is nothing of the tenant's to uninstall: pause Slack (PUT enabled: false) or remove those server settings. Nothing is changed"),
            '422': errorResponse('request.invalid: X-Tandem-Surface is neither api nor console'),
            '503': errorResponse('slack.not_configured: the server has no Slack settings'),
          },
        },
      },
      '/integrations/hubspot': {
        get: {
          summary: "The tenant's HubSpot connection, without tokens (viewer)",
          responses: {
            '200': { description: 'The connection', content: json({ type: 'object', required: ['hubspot'], properties: { hubspot: ref('HubSpotConnection') } }) },
            '401': noApiKey,
          },
        },
        put: {
          summary: "Connect a HubSpot private app token: checks it with HubSpot, creates Tandem's contact properties, then stores it sealed (admin)",
          parameters: [{ name: 'X-Tandem-Surface', in: 'header', schema: { type: 'string', enum: ['api', 'console'] } }],
          requestBody: {
            required: true,
            content: json({
              type: 'object',
              required: ['privateAppToken'],
              additionalProperties: false,
              properties: { privateAppToken: { type: 'string', minLength: 10, maxLength: 512, description: 'The access token of a HubSpot private app (Settings → Integrations → Private apps)' } },
            }),
          },
          responses: {
            '200': {
              description: 'Connected; audited (integration.connect) with the key and X-Tandem-Surface',
              content: json({
                type: 'object',
                required: ['hubspot', 'properties'],
                properties: {
                  hubspot: ref('HubSpotConnection'),
                  properties: {
                    type: 'object',
                    required: ['created', 'unavailable'],
                    properties: { created: { type: 'array', items: str }, unavailable: { type: 'array', items: str, description: 'Properties the portal refused; contacts sync without them' } },
                  },
                },
              }),
            },
            '400': malformedJson,
            '401': noApiKey,
            '403': notAdmin,
            '409': errorResponse('hubspot.portal_taken: the portal is connected to another workspace, sending or paused (details.portalId); disconnect it there first'),
            '413': errorResponse('request.too_large: over 16 KB'),
            '422': errorResponse(
              'request.invalid (details.fields), also for a bad X-Tandem-Surface; hubspot.token_invalid: HubSpot refused the token; hubspot.token_missing_scopes (details.requiredScopes); hubspot.rejected. Nothing is stored',
            ),
            '502': errorResponse('hubspot.unavailable: HubSpot did not answer (outage or rate limit); nothing is stored, try again'),
          },
        },
        delete: {
          summary: 'Disconnect HubSpot: the stored tokens are deleted, then an OAuth install is uninstalled from the HubSpot account, or else its refresh token is revoked (admin)',
          description:
            "Audited (integration.disconnect) with the key and X-Tandem-Surface. The disconnect stands whatever HubSpot answers. For an OAuth install Tandem then calls HubSpot's App uninstalls API " +
            'with the account\'s access token (refreshed, and not saved, when it expires within a minute), which removes the card from contacts and emails the account\'s super admins; ' +
            'if that fails it revokes the refresh token instead. uninstalled says whether HubSpot confirmed the uninstall; revoked whether Tandem\'s access ended (true when uninstalled too); ' +
            'note says what is left to do in HubSpot (uninstall the app, or delete the private app: HubSpot has no API to revoke a private app token). Both are false for a private app or the server\'s token. ' +
            'Card requests from the portal are refused from then on, and another workspace may connect it.',
          parameters: [{ name: 'X-Tandem-Surface', in: 'header', schema: { type: 'string', enum: ['api', 'console'] } }],
          responses: {
            '200': {
              description: 'Disconnected',
              content: json({
                type: 'object',
                required: ['hubspot', 'uninstalled', 'revoked', 'note'],
                properties: {
                  hubspot: ref('HubSpotConnection'),
                  uninstalled: { type: 'boolean', description: 'HubSpot confirmed Tandem is uninstalled from the account (OAuth installs only)' },
                  revoked: { type: 'boolean', description: 'Tandem can get no more access tokens: uninstalled, or the refresh token revoked' },
                  note: { type: 'string', description: 'For the admin: what happened in HubSpot and what is left to do there' },
                },
              }),
            },
            '401': noApiKey,
            '403': notAdmin,
            '404': errorResponse('integration.not_connected: the tenant has no HubSpot connection; nothing is changed'),
            '422': errorResponse('request.invalid: X-Tandem-Surface is neither api nor console'),
          },
        },
      },
      '/integrations/hubspot/install': {
        get: {
          summary: "The OAuth link that installs the server's HubSpot public app for this tenant (admin)",
          responses: {
            '200': { description: 'The link, valid 15 minutes', content: json({ type: 'object', required: ['url'], properties: { url: { type: 'string', format: 'uri' } } }) },
            '401': noApiKey,
            '403': notAdmin,
            '503': errorResponse('hubspot.not_configured: the server has no HubSpot public app (HUBSPOT_CLIENT_ID and HUBSPOT_CLIENT_SECRET)'),
          },
        },
      },
      '/jobs/dead': {
        get: {
          summary: "The tenant's dead jobs (failed for good: out of attempts, or no handler), newest first, at most 100 (admin)",
          responses: {
            '200': { description: 'Dead jobs', content: json({ type: 'object', required: ['jobs'], properties: { jobs: { type: 'array', items: ref('DeadJob') } } }) },
            '401': noApiKey,
            '403': notAdmin,
          },
        },
      },
      '/jobs/{id}/retry': {
        post: {
          summary: 'Put a dead job back in line with a fresh attempt budget (admin)',
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string', pattern: '^\\d+$' }, description: 'A DeadJob id' }],
          responses: {
            '200': { description: 'Queued again', content: json({ type: 'object', required: ['retried'], properties: { retried: { const: true } } }) },
            '401': noApiKey,
            '403': notAdmin,
            '404': errorResponse('job.not_dead: no dead job of the tenant has this id (an id past the 64-bit range names none)'),
          },
        },
      },
      '/analytics/overview': {
        get: {
          summary: "The console's analytics figures for a range, from inclusive to exclusive (viewer)",
          parameters: [
            { name: 'from', in: 'query', required: true, schema: str, description: 'ISO-8601 date or date-time, given once', examples: { day: { value: '2026-06-01' }, instant: { value: '2026-06-01T00:00:00Z' } } },
            { name: 'to', in: 'query', required: true, schema: str, description: `ISO-8601 date or date-time after from, at most ${MAX_RANGE_DAYS} days later, given once` },
          ],
          responses: {
            '200': {
              description: 'The overview',
              headers: { 'Cache-Control': noStore },
              content: json({ type: 'object', required: ['overview'], properties: { overview: ref('AnalyticsOverview') } }),
            },
            '401': noApiKey,
            '422': errorResponse('request.invalid: details.fields names from or to (missing, given twice, not a real date, not after from, or too long a range)'),
          },
        },
      },
    },
  };
}

export const openApiRouteModule: RouteModule = ({ api, config }) => {
  const doc = openApiDocument(config.publicUrl);
  api.get('/openapi.json', (_req, res) => {
    res.json(doc);
  });
};
