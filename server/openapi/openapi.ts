import { z } from 'zod';
import { ACTION_TYPES, AUTONOMY_LEVELS, formDefinitionSchema } from '../../core/index';
import type { RouteModule } from '../app';
import { actionBody } from '../routes/conversations.routes';

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
const rateLimited = {
  description: 'rate_limit.exceeded: per client IP (default 20 a minute) or per form (default 600 a minute)',
  headers: { 'Retry-After': { description: 'Seconds to wait', schema: { type: 'integer' } } },
  content: json(ref('Error')),
};

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
 * generated from the zod schema where the server validates (the action body), so the two cannot drift.
 */
export function openApiDocument(publicUrl: string): Record<string, unknown> {
  const signal = { type: 'object', required: ['code', 'label', 'points'], properties: { code: str, label: str, points: { type: 'number' } } };
  const forms = formDefinitionSchemas();
  return {
    openapi: '3.1.0',
    info: { title: 'Tandem API', version: '1', description: 'AI SMS lead nurturing: conversations, leads, agent actions, live events, capture forms.' },
    servers: [{ url: `${publicUrl}/api/v1` }],
    security: [{ bearer: [] }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'A tenant API key: tdm_...' } },
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
      },
      '/conversations/{id}': {
        get: {
          summary: 'One conversation view',
          parameters: [idParam],
          responses: { '200': { description: 'The view', content: json({ type: 'object', properties: { conversation: ref('ConversationView') } }) }, '404': errorResponse('Unknown id') },
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
          responses: { '200': { description: 'A page of leads' } },
        },
      },
      '/leads/{id}': {
        get: {
          summary: 'One lead',
          parameters: [idParam],
          responses: { '200': { description: 'The lead', content: json({ type: 'object', properties: { lead: ref('LeadSummary') } }) }, '404': errorResponse('Unknown id') },
        },
      },
      '/events': {
        get: {
          summary: "Server-Sent Events: the tenant's live changes",
          description: 'API key as header, or the console session cookie. A comment line every 15 s.',
          responses: { '200': { description: 'An event stream', content: { 'text/event-stream': { schema: str } } } },
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
          responses: { '200': { description: 'The texts, oldest first' }, '404': errorResponse('Not in demo mode'), '422': errorResponse('phone is not E.164') },
        },
        post: {
          summary: 'Demo mode only: a text from the simulated phone, through the inbound path',
          requestBody: { required: true, content: json({ type: 'object', required: ['from', 'body'], properties: { from: str, body: str } }) },
          responses: { '201': { description: 'Received' }, '404': errorResponse('Not in demo mode') },
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
