import { webApi } from '@slack/bolt';
import { redactSecrets } from '../../../core/index';
import { boltLogger } from '../bolt-logger';
import { webClientOptions } from '../slack-client';
import type { SlackConfig, SlackLogger } from '../slack.types';

/** How an uninstall went: Slack's `{ ok: true }`, or why not (no token or secret in it). */
export type SlackUninstallResult = { ok: true } | { ok: false; reason: string };

/**
 * Removes Tandem from a workspace with Slack's `apps.uninstall` (https://docs.slack.dev/reference/methods/apps.uninstall):
 * the app's client id and secret plus the installation's bot token. Unlike `auth.revoke`, which revokes the one
 * token and leaves the app installed (a revoked bot token only deactivates the bot user), it revokes every token
 * of the installation and takes the app out of the workspace. Never throws: a failure comes back as a reason
 * fit for the log (Slack's error code, an HTTP status or the request error, with the token and secret cut out).
 */
export async function uninstallFromWorkspace(
  config: Pick<SlackConfig, 'clientId' | 'clientSecret' | 'apiUrl' | 'requestTimeoutMs'>,
  botToken: string,
  logger: SlackLogger,
): Promise<SlackUninstallResult> {
  if (!config.clientId || !config.clientSecret) return { ok: false, reason: 'no OAuth client id and secret configured' };
  const secrets = [botToken, config.clientSecret];
  const client = new webApi.WebClient(undefined, {
    ...webClientOptions(config),
    // apps.uninstall is rate-limit tier 1: a 429 is a failure the admin hears about now, not a wait.
    rejectRateLimitedCalls: true,
    // The web client's debug lines print the request body, redacting only fields named like "token": the
    // client secret would go out with them. Its warnings go to the server's log.
    logger: { ...boltLogger(logger), debug: () => undefined },
  });
  try {
    const answer = await client.apps.uninstall({ token: botToken, client_id: config.clientId, client_secret: config.clientSecret });
    return answer.ok ? { ok: true } : { ok: false, reason: redactSecrets(String(answer.error ?? 'not ok'), secrets) };
  } catch (error) {
    return { ok: false, reason: redactSecrets(describe(error), secrets) };
  }
}

/** The web client's errors, by what they say about Slack's answer. */
function describe(error: unknown): string {
  const e = error as { code?: unknown; data?: { error?: unknown }; statusCode?: unknown; original?: { message?: unknown }; message?: unknown } | null;
  if (e?.code === webApi.ErrorCode.PlatformError) return `slack error: ${String(e.data?.error ?? 'unknown')}`;
  if (e?.code === webApi.ErrorCode.HTTPError) return `http ${String(e.statusCode)}`;
  if (e?.code === webApi.ErrorCode.RateLimitedError) return 'rate limited';
  if (e?.code === webApi.ErrorCode.RequestError) return `request failed: ${String(e.original?.message ?? '')}`;
  return String(e?.message ?? error);
}
