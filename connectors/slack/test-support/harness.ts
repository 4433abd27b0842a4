import express from 'express';
import nock from 'nock';
import request from 'supertest';
import { slackConnector, type SlackConnectorHandle } from '../index';
import { ChannelPacer } from '../channel-pacer';
import type { SlackConfig, SlackLogger } from '../slack.types';
import { InMemorySlackInstallationStore } from '../stores/installation.store';
import { InMemorySlackMessageStore } from '../stores/message.store';
import { InMemorySeenStore } from '../stores/seen.store';
import { FakeEngine } from './fake-engine';
import { interactivityBody, signedHeaders } from './signed-request';

export const SLACK_HOST = 'http://slack.test';
export const API_URL = `${SLACK_HOST}/api/`;
export const SIGNING_SECRET = 'test-signing-secret-0123456789';
export const TEAM_ID = 'T0TANDEM';
export const TENANT_ID = 'tenant-1';
export const CHANNEL = 'C0LEADS';
export const BOT_TOKEN = 'xoxb-test-token';

/** Slack Web API fields that carry JSON inside the form encoding. */
const JSON_FIELDS = new Set(['blocks', 'view', 'attachments', 'metadata']);

/** Decodes a Web API request body (form-encoded, JSON-valued fields) to compare it exactly. */
export function decodeSlackBody(body: unknown): Record<string, unknown> {
  const raw = typeof body === 'string' ? Object.fromEntries(new URLSearchParams(body)) : (body as Record<string, unknown>);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) out[k] = JSON_FIELDS.has(k) && typeof v === 'string' ? JSON.parse(v) : v;
  return out;
}

/** A recorded Web API call. */
export interface SlackCall {
  method: string;
  body: Record<string, unknown>;
  authorization: string | undefined;
}

/** Mocks Slack's Web API with nock at the configured base URL and records every call in order. */
export class SlackApiMock {
  readonly calls: SlackCall[] = [];

  /** Expects one call to `method`, answering `reply` (ok: true added); records body and bearer token. */
  expect(method: string, reply: Record<string, unknown> = {}, status = 200, headers: Record<string, string> = {}): nock.Scope {
    const calls = this.calls;
    return nock(SLACK_HOST)
      .post(`/api/${method}`)
      .reply(function (_uri, body) {
        const auth = this.req.headers.authorization;
        calls.push({ method, body: decodeSlackBody(body), authorization: Array.isArray(auth) ? auth[0] : auth });
        return [status, status === 200 ? { ok: true, ...reply } : { ok: false, error: 'ratelimited' }, headers];
      });
  }

  /** The bodies of every call to `method`. */
  bodies(method: string): Array<Record<string, unknown>> {
    return this.calls.filter((c) => c.method === method).map((c) => c.body);
  }

  methods(): string[] {
    return this.calls.map((c) => c.method);
  }
}

/** A logger that keeps lines for assertions (and proves nothing secret is logged). */
export class MemoryLogger implements SlackLogger {
  readonly lines: Array<{ level: string; obj: object; msg?: string }> = [];
  debug(obj: object, msg?: string): void {
    this.lines.push({ level: 'debug', obj, msg });
  }
  info(obj: object, msg?: string): void {
    this.lines.push({ level: 'info', obj, msg });
  }
  warn(obj: object, msg?: string): void {
    this.lines.push({ level: 'warn', obj, msg });
  }
  error(obj: object, msg?: string): void {
    this.lines.push({ level: 'error', obj, msg });
  }
  text(): string {
    return JSON.stringify(this.lines);
  }
}

/** Polls until `check` stops throwing or rejecting (work runs after Slack's ack, so tests wait for it). */
export async function waitFor(check: () => void | Promise<void>, timeoutMs = 3000): Promise<void> {
  const started = Date.now();
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() - started > timeoutMs) throw error;
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

export interface Harness {
  app: express.Application;
  engine: FakeEngine;
  handle: SlackConnectorHandle;
  slack: SlackApiMock;
  logger: MemoryLogger;
  stores: { installations: InMemorySlackInstallationStore; messages: InMemorySlackMessageStore; seen: InMemorySeenStore };
  /** POSTs a signed Events API body (JSON). */
  postEvent(payload: object, headers?: Record<string, string>): request.Test;
  /** POSTs a signed interactivity payload (form field `payload`). */
  postInteraction(payload: object, headers?: Record<string, string>): request.Test;
  /** POSTs a signed slash command (form fields). */
  postCommand(fields: Record<string, string>): request.Test;
}

/**
 * The connector mounted on a fresh Express app (with a JSON parser mounted after it, as the server
 * will), a fake engine, in-memory stores and Slack's Web API mocked at http://slack.test/api/.
 */
export function createHarness(overrides: Partial<SlackConfig> = {}, options: { singleWorkspace?: boolean } = {}): Harness {
  const app = express();
  const engine = new FakeEngine();
  const logger = new MemoryLogger();
  const stores = {
    installations: new InMemorySlackInstallationStore(),
    messages: new InMemorySlackMessageStore(),
    seen: new InMemorySeenStore(),
  };
  const slackConfig: SlackConfig = {
    signingSecret: SIGNING_SECRET,
    apiUrl: API_URL,
    channelId: CHANNEL,
    ...(options.singleWorkspace === false ? {} : { botToken: BOT_TOKEN, tenantId: TENANT_ID }),
    ...overrides,
  };
  const handle = slackConnector.register(
    { app, engine, config: { publicUrl: 'https://tandem.example.com', slack: slackConfig }, logger, stores },
    { pacer: new ChannelPacer({ intervalMs: 0 }) },
  );
  // The server mounts its body parsers after the connectors; Slack must keep working.
  app.use(express.json());
  const slack = new SlackApiMock();
  const post = (rawBody: string, type: 'application/json' | 'application/x-www-form-urlencoded', headers: Record<string, string> = {}) =>
    request(app)
      .post('/slack/events')
      .set({ ...signedHeaders(SIGNING_SECRET, rawBody, type), ...headers })
      .send(rawBody);
  return {
    app,
    engine,
    handle,
    slack,
    logger,
    stores,
    postEvent: (payload, headers) => post(JSON.stringify(payload), 'application/json', headers),
    postInteraction: (payload, headers) => post(interactivityBody(payload), 'application/x-www-form-urlencoded', headers),
    postCommand: (fields) => post(new URLSearchParams(fields).toString(), 'application/x-www-form-urlencoded'),
  };
}

/** nock for the single-workspace auth.test (asked once per app). */
export function mockAuthTest(): nock.Scope {
  return nock(SLACK_HOST)
    .post('/api/auth.test')
    .reply(200, { ok: true, team_id: TEAM_ID, user_id: 'UBOT', bot_id: 'BBOT', team: 'Acme', user: 'tandem' });
}
