import { z } from 'zod';
import { ACTION_TYPES } from '../../core/index';
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

/**
 * The public API, OpenAPI 3.1. Hand-written where the shapes are contracts (the conversation view), and
 * generated from the zod schema where the server validates (the action body), so the two cannot drift.
 */
export function openApiDocument(publicUrl: string): Record<string, unknown> {
  const signal = { type: 'object', required: ['code', 'label', 'points'], properties: { code: str, label: str, points: { type: 'number' } } };
  return {
    openapi: '3.1.0',
    info: { title: 'Tandem API', version: '1', description: 'AI SMS lead nurturing: conversations, leads, agent actions, live events.' },
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
          required: ['id', 'version', 'mode', 'status', 'autonomy', 'lead', 'messages', 'notes', 'draft', 'allowedActions', 'flags'],
          properties: {
            id: { type: 'string', format: 'uuid' },
            version: { type: 'integer', description: 'Send it back with every action.' },
            mode: { type: 'string', enum: ['ai', 'human'] },
            status: { type: 'string', enum: ['open', 'needs_human', 'closed'] },
            autonomy: { type: 'string', enum: ['autopilot', 'copilot', 'off'] },
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
          summary: 'Run an agent action (approve, edit, discard, takeover, handback, send, note, close, reopen)',
          description: 'Carries the version the agent saw. The first action on a version wins; later ones get 409 with the fresh view in error.details.conversation.',
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
      '/demo/phone/messages': {
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
