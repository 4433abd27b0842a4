import type { Surface } from '../../../core/index';

/**
 * Escapes text for Slack mrkdwn. Lead and agent text must never turn into `<!channel>` pings or links,
 * so `&`, `<` and `>` are always escaped (Slack's documented three).
 */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Quotes (already escaped) text line by line as a Slack block quote. */
export function quote(text: string): string {
  return text
    .split('\n')
    .map((line) => `>${line}`)
    .join('\n');
}

/** Cuts text to `max` characters with an ellipsis (section text is limited to 3000). */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** A date each reader sees in their own time zone, with the ISO string as fallback. */
export function slackDate(iso: string): string {
  const seconds = Math.floor(Date.parse(iso) / 1000);
  if (!Number.isFinite(seconds)) return escapeMrkdwn(iso);
  return `<!date^${seconds}^{date_short_pretty} at {time}|${iso}>`;
}

const SURFACE_LABELS: Record<Surface, string> = {
  slack: 'in Slack',
  hubspot: 'in HubSpot',
  salesforce: 'in Salesforce',
  api: 'via the API',
  console: 'in the console',
  system: 'automatically',
};

/** "in HubSpot", "via the API", ... */
export function surfaceLabel(surface: Surface): string {
  return SURFACE_LABELS[surface] ?? surface;
}

/** A Slack user mention. */
export function userMention(slackUserId: string): string {
  return `<@${slackUserId}>`;
}

/** Web link to a message: Slack resolves /archives/<channel>/p<ts without dot> in the reader's workspace. */
export function messageLink(channel: string, ts: string, threadTs?: string): string {
  const base = `https://slack.com/archives/${channel}/p${ts.replace('.', '')}`;
  return threadTs ? `${base}?thread_ts=${threadTs}&cid=${channel}` : base;
}
