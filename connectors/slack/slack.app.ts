import { App, ExpressReceiver, type Middleware, type AnyMiddlewareArgs } from '@slack/bolt';
import express from 'express';
import { boltLogger } from './bolt-logger';
import { SLACK_PATHS } from './constants';
import { mountOAuthRoutes } from './install/oauth.routes';
import { registerListeners } from './listeners';
import type { SlackDeps } from './services/slack-deps';
import { webClientOptions } from './slack-client';
import type { SlackLogger } from './slack.types';
import type { SeenStore } from './stores/seen.store';

/**
 * Refuses (loudly) a request whose body was already read by a JSON/urlencoded parser mounted in front of
 * Slack's routes: the signature covers the raw bytes, so Slack would otherwise see every request fail.
 */
export function rawBodyGuard(logger: SlackLogger): express.RequestHandler {
  return (req, res, next) => {
    if ((req as { _body?: boolean })._body || req.readableEnded) {
      logger.error({ path: req.path }, 'slack: a body parser ran before the Slack receiver; mount the Slack connector first');
      res.status(500).send('Slack receiver misconfigured');
      return;
    }
    next();
  };
}

/** The delivery key Slack keeps across retries: event_id for events, trigger_id for interactions and commands. */
export function deliveryKey(body: Record<string, unknown>): string | null {
  if (typeof body.event_id === 'string') return `event:${body.event_id}`;
  if (typeof body.trigger_id === 'string') return `trigger:${body.trigger_id}`;
  return null;
}

/** Global middleware: a delivery seen before (a Slack retry) is acknowledged and dropped. */
export function dedupeMiddleware(seen: SeenStore, logger: SlackLogger): Middleware<AnyMiddlewareArgs> {
  return async (args) => {
    const key = deliveryKey(args.body as unknown as Record<string, unknown>);
    if (key && !(await seen.firstSeen(key))) {
      logger.info({ key, retryNum: args.context.retryNum, retryReason: args.context.retryReason }, 'slack: duplicate delivery ignored');
      if ('ack' in args && typeof args.ack === 'function') await (args.ack as () => Promise<void>)();
      return;
    }
    await args.next();
  };
}

/**
 * Builds the Bolt app on the server's Express app: one receiver on /slack/events (events, interactivity,
 * commands), the OAuth routes when configured, signature checks, retry dedupe, and every listener.
 * Must run before any body parser is mounted on `expressApp`.
 */
export function createSlackApp(expressApp: express.Application, deps: SlackDeps): App {
  const { slack } = deps.config;
  const logger = boltLogger(deps.logger);
  const router = express.Router();
  router.use(SLACK_PATHS.events, rawBodyGuard(deps.logger));
  if (slack.clientId && slack.clientSecret && slack.stateSecret) {
    mountOAuthRoutes(router, { publicUrl: deps.config.publicUrl, config: slack, installations: deps.stores.installations, logger: deps.logger });
  }
  const receiver = new ExpressReceiver({
    signingSecret: slack.signingSecret,
    app: expressApp,
    router,
    endpoints: SLACK_PATHS.events,
    logger,
    // Ack first, work after: Slack wants an answer within 3 seconds.
    processBeforeResponse: false,
  });
  const bolt = new App({
    receiver,
    logger,
    clientOptions: webClientOptions(slack),
    authorize: async (source) => deps.workspaces.authorize(source.teamId),
  });
  bolt.use(dedupeMiddleware(deps.stores.seen, deps.logger));
  registerListeners(bolt, deps);
  bolt.error(async (error) => {
    deps.logger.error({ code: (error as { code?: string }).code, err: error.message }, 'slack listener failed');
  });
  return bolt;
}
