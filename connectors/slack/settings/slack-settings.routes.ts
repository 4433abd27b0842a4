import express from 'express';
import { z } from 'zod';
import { actorOf, presentedApiKey, type Actor, type ApiPrincipal, type EngineCommon, type Role } from '../../../core/index';
import { installLink } from '../install/install-token';
import { uninstallFromWorkspace } from '../install/uninstall';
import type { SlackConfig, SlackLogger } from '../slack.types';
import type { SlackInstallation } from '../stores/installation.store';
import { loadTenantSettings } from '../tenant-settings';

/** Where a tenant admin reads and sets the tenant's Slack settings. */
export const SLACK_SETTINGS_PATH = '/api/v1/integrations/slack';

/** What the settings routes need from the engine: API-key checks and the integration records. */
export interface SlackSettingsEngine {
  apiKeys: { authenticate(presented: string): Promise<ApiPrincipal | null> };
  integrations: EngineCommon['integrations'];
}

const RANK: Record<Role, number> = { viewer: 0, agent: 1, admin: 2 };

/** Slack conversation ids: C… for channels, G… for older private channels. */
const CHANNEL_ID = /^[CG][A-Z0-9]{6,20}$/;

const settingsBody = z
  .object({
    channelId: z.string().trim().regex(CHANNEL_ID, 'a Slack channel id such as C0123ABCD (channel details → bottom of the About tab)').nullable().optional(),
    threadRepliesSendToLead: z.boolean().optional(),
    escalationMention: z.enum(['here', 'channel', 'none']).optional(),
    enabled: z.boolean().optional(),
  })
  .strict()
  .refine((b) => Object.keys(b).length > 0, { message: 'send at least one of channelId, threadRepliesSendToLead, escalationMention, enabled' });

/** The settings as the API shows them: no token, no installation details beyond the team. */
export interface SlackSettingsResponse {
  slack: {
    mode: 'oauth' | 'single_workspace';
    connected: boolean;
    enabled: boolean;
    teamId: string | null;
    channelId: string | null;
    threadRepliesSendToLead: boolean;
    escalationMention: 'here' | 'channel' | 'none';
    /** OAuth mode: the link an admin opens to install Tandem in their workspace (valid one hour). */
    installUrl: string | null;
  };
}

/** The answer to `DELETE /api/v1/integrations/slack`: the settings as GET shows them after, and what is left to do in Slack. */
export interface SlackDisconnectResponse extends SlackSettingsResponse {
  /** Slack confirmed the uninstall (`apps.uninstall` answered ok): every token of the installation is revoked. */
  revoked: boolean;
  /** For the admin: what happened in Slack, and what is left to do there. */
  note: string;
}

/** What the admin is told after a disconnect, by what Slack said (or whether there was anything to uninstall). */
export const SLACK_DISCONNECT_NOTES = {
  uninstalled:
    'Tandem was uninstalled from the Slack workspace: its bot token no longer works and the app is gone from the workspace. The channel and other Slack settings are deleted; use Add to Slack to connect again.',
  notUninstalled:
    'Slack could not be reached or did not confirm the uninstall, so Tandem may still be installed in the workspace (Tandem deleted its token and no longer posts there). To remove it, open the workspace’s Manage apps page in Slack (Tools & settings → Manage apps), choose Tandem and remove the app.',
  alreadyGone:
    'Slack had already uninstalled Tandem from this workspace or revoked its token, so there was nothing left to revoke. The channel and other Slack settings are deleted. If Tandem still shows under the workspace’s Manage apps in Slack, remove it there.',
  neverInstalled: 'Tandem was not installed in a Slack workspace for this team: its Slack settings are deleted.',
} as const;

function sendError(res: express.Response, status: number, code: string, message: string, details: Record<string, unknown> = {}): void {
  res.status(status).json({ error: { code, message, details } });
}

/**
 * `Authorization: Bearer <key>`, `X-Api-Key`, or the console's `tandem_session` cookie (httpOnly,
 * SameSite=Strict), as the rest of the API takes them: the console's Slack panel signs in with the cookie.
 */
function presentedKey(req: express.Request): string | null {
  return presentedApiKey((name) => req.header(name));
}

/**
 * `GET /api/v1/integrations/slack` (any tenant key) and `PUT /api/v1/integrations/slack` (admin key):
 * the tenant's Slack channel, whether thread replies from the agent who took over reach the lead, and
 * whom an escalation pings. Settings live in the tenant's `slack` integration record beside the
 * installation, which the PUT never touches. `DELETE /api/v1/integrations/slack` (admin key) disconnects:
 * in OAuth mode it deletes the record and uninstalls Tandem from the workspace (see the route); in
 * single-workspace mode it answers 409. Mounted before the API's JSON parser, so it parses its own.
 */
export function createSlackSettingsRouter(options: {
  engine: SlackSettingsEngine;
  config: { publicUrl: string; slack: SlackConfig };
  logger: SlackLogger;
  /** Whether Tandem can post for the tenant now (a bot token for its workspace, not turned off). */
  isConnected(tenantId: string): Promise<boolean>;
}): express.Router {
  const { engine, config, logger } = options;
  const oauth = Boolean(config.slack.clientId && config.slack.clientSecret && config.slack.stateSecret);
  const router = express.Router();

  const authenticate = (minimum: Role): express.RequestHandler => async (req, res, next) => {
    try {
      const key = presentedKey(req);
      if (!key) return sendError(res, 401, 'auth.missing_api_key', 'Send your API key as "Authorization: Bearer tdm_..."');
      const principal = await engine.apiKeys.authenticate(key);
      if (!principal) return sendError(res, 401, 'auth.invalid_api_key', 'This API key is not valid or has been revoked');
      if (RANK[principal.role] < RANK[minimum]) {
        return sendError(res, 403, 'auth.forbidden', `This action needs the ${minimum} role; this key has ${principal.role}`);
      }
      res.locals.tenantId = principal.tenantId;
      res.locals.actor = actorOf(principal, req.header('x-tandem-surface'));
      next();
    } catch (error) {
      next(error);
    }
  };

  const show = async (tenantId: string): Promise<SlackSettingsResponse> => {
    const record = await engine.integrations.get(tenantId, 'slack');
    const settings = await loadTenantSettings(engine, tenantId, { channelId: config.slack.channelId });
    return {
      slack: {
        mode: oauth ? 'oauth' : 'single_workspace',
        connected: await options.isConnected(tenantId),
        enabled: record ? record.enabled : true,
        teamId: record?.externalId ?? null,
        channelId: settings.channelId,
        threadRepliesSendToLead: settings.threadRepliesSendToLead,
        escalationMention: settings.escalationMention,
        installUrl: oauth ? installLink(config.publicUrl, tenantId, config.slack.stateSecret as string) : null,
      },
    };
  };

  router.get(SLACK_SETTINGS_PATH, authenticate('viewer'), async (_req, res, next) => {
    try {
      res.json(await show(res.locals.tenantId as string));
    } catch (error) {
      next(error);
    }
  });

  router.put(SLACK_SETTINGS_PATH, authenticate('admin'), express.json({ limit: '16kb' }), async (req, res, next) => {
    try {
      const parsed = settingsBody.safeParse(req.body ?? {});
      if (!parsed.success) {
        const fields: Record<string, string> = {};
        for (const issue of parsed.error.issues) {
          if (issue.code === 'unrecognized_keys') for (const key of issue.keys) fields[key] = 'not a Slack setting';
          else fields[issue.path.join('.') || 'body'] = issue.message;
        }
        return sendError(res, 422, 'request.invalid', 'The Slack settings are not valid', { fields });
      }
      const tenantId = res.locals.tenantId as string;
      const existing = await engine.integrations.get(tenantId, 'slack');
      const { enabled, ...changes } = parsed.data;
      await engine.integrations.put(
        tenantId,
        'slack',
        { externalId: existing?.externalId ?? null, config: { ...(existing?.config ?? {}), ...changes }, enabled: enabled ?? existing?.enabled ?? true },
        res.locals.actor as Actor,
        { action: 'integration.settings', data: { teamId: existing?.externalId ?? null, ...parsed.data } },
      );
      logger.info({ tenantId, changed: Object.keys(parsed.data) }, 'slack settings updated');
      res.json(await show(tenantId));
    } catch (error) {
      next(error);
    }
  });

  /**
   * Disconnect (admin). OAuth mode: the tenant's `slack` record (installation and settings) is deleted and
   * audited first; then Tandem is uninstalled from the workspace with Slack's `apps.uninstall`, best effort:
   * Slack's answer only changes `revoked` and the note. The `app_uninstalled` Slack sends after finds no
   * tenant for the team and is ignored. Single-workspace mode: the server's SLACK_BOT_TOKEN connects the
   * workspace, so there is nothing of the tenant's to uninstall (409): the tenant pauses Slack instead.
   */
  router.delete(SLACK_SETTINGS_PATH, authenticate('admin'), async (_req, res, next) => {
    try {
      const tenantId = res.locals.tenantId as string;
      // The server's own token serves this tenant whatever its record says: deleting the record would only
      // drop its settings (and lift a pause), never stop the posting.
      const servedByServerToken = Boolean(config.slack.botToken && config.slack.tenantId === tenantId);
      if (!oauth || servedByServerToken) {
        const record = await engine.integrations.get(tenantId, 'slack');
        if (record || servedByServerToken) {
          return sendError(
            res,
            409,
            'slack.single_workspace',
            'This server connects Slack with its own bot token (the SLACK_BOT_TOKEN and SLACK_TENANT_ID settings), so there is nothing of this team’s to uninstall. Pause Slack instead (untick Enabled), or ask whoever runs Tandem to remove those settings from the server.',
          );
        }
        return sendError(res, 404, 'integration.not_connected', 'Slack is not connected to this workspace');
      }
      const was = await engine.integrations.disconnect(tenantId, 'slack', res.locals.actor as Actor);
      if (!was) return sendError(res, 404, 'integration.not_connected', 'Slack is not connected to this workspace');
      // Committed: from here on nothing undoes the disconnect; Slack's answer only changes the note.
      const teamId = was.externalId;
      const installation = (was.config.installation as SlackInstallation | undefined) ?? null;
      let revoked = false;
      let note: string = teamId ? SLACK_DISCONNECT_NOTES.alreadyGone : SLACK_DISCONNECT_NOTES.neverInstalled;
      if (installation?.botToken) {
        const result = await uninstallFromWorkspace(config.slack, installation.botToken, logger);
        revoked = result.ok;
        note = revoked ? SLACK_DISCONNECT_NOTES.uninstalled : SLACK_DISCONNECT_NOTES.notUninstalled;
        if (!result.ok) logger.warn({ tenantId, teamId, reason: result.reason }, 'slack disconnected, but Slack did not uninstall Tandem from the workspace');
      }
      logger.info({ tenantId, teamId, revoked }, 'slack disconnected');
      res.json({ ...(await show(tenantId)), revoked, note } satisfies SlackDisconnectResponse);
    } catch (error) {
      next(error);
    }
  });

  // Body errors from the JSON parser above, answered in the API's one error shape.
  router.use(SLACK_SETTINGS_PATH, ((error, _req, res, next) => {
    const e = error as { type?: string };
    if (e.type === 'entity.parse.failed') return sendError(res, 400, 'request.malformed_json', 'The request body is not valid JSON');
    if (e.type === 'entity.too.large') return sendError(res, 413, 'request.too_large', 'The request body is too large');
    next(error);
  }) as express.ErrorRequestHandler);
  return router;
}
