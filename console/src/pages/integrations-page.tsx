/**
 * Integrations: every platform's connection state in one table, and one platform's panel at a time
 * (`#/integrations/<platform>`), so connecting Slack does not mean scrolling past Twilio's webhooks.
 */
import { useEffect, useRef, useState } from 'react';
import { api, errorText } from '../api';
import { formatTime, TableRegion } from '../components/bits';
import { HubSpotConnect } from '../components/hubspot-connect';
import { SalesforceConnect } from '../components/salesforce-connect';
import { SlackConnect } from '../components/slack-connect';
import { TwilioConnect } from '../components/twilio-connect';

export const PLATFORMS = ['twilio', 'slack', 'hubspot', 'salesforce'] as const;
export type Platform = (typeof PLATFORMS)[number];

const NAMES: Record<Platform, string> = { twilio: 'Twilio', slack: 'Slack', hubspot: 'HubSpot', salesforce: 'Salesforce' };
const WHAT: Record<Platform, string> = {
  twilio: 'Text leads from your own numbers.',
  slack: 'Approve, edit and take over replies from a channel.',
  hubspot: 'A card on each contact, and contacts kept current.',
  salesforce: 'A tab on each lead, and leads kept current.',
};

interface Integration {
  kind: string;
  connected: boolean;
  enabled: boolean;
  externalId: string | null;
  updatedAt: string | null;
}

/** The platform a hash like `#/integrations/slack` names, or null. */
export function platformFromHash(hash: string): Platform | null {
  const m = /^#?\/?integrations\/([a-z]+)$/.exec(hash);
  return m && (PLATFORMS as readonly string[]).includes(m[1]!) ? (m[1] as Platform) : null;
}

export function IntegrationsPage({ isAdmin, platform }: { isAdmin: boolean; platform: Platform | null }) {
  const [integrations, setIntegrations] = useState<Integration[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  const reload = () =>
    api<{ integrations: Integration[] }>('GET', '/integrations').then(
      (r) => {
        setIntegrations(r.integrations);
        setError(null);
      },
      (err) => setError(errorText(err)),
    );

  useEffect(() => {
    void reload();
  }, []);

  // Choosing a platform in the table puts keyboard and screen-reader users at its panel's heading
  // (arriving on the page is the shell's to handle).
  const heading = useRef<HTMLHeadingElement>(null);
  const shownPlatform = useRef(platform);
  useEffect(() => {
    if (platform && platform !== shownPlatform.current) heading.current?.focus();
    shownPlatform.current = platform;
  }, [platform]);

  const stateOf = (kind: Platform) => integrations?.find((i) => i.kind === kind);
  const Panel = { twilio: TwilioConnect, slack: SlackConnect, hubspot: HubSpotConnect, salesforce: SalesforceConnect }[platform ?? 'twilio'];

  return (
    <div className="integrations">
      <h1>Integrations</h1>
      <p className="lede">Connect the platforms your team already works in. Each connection belongs to this workspace alone.</p>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {integrations === null ? (
        !error && <p role="status">Loading…</p>
      ) : (
        <TableRegion label="Integration status table" caption="Integration status" columns={['Platform', 'Status', 'Account', 'Updated']}>
          {PLATFORMS.map((kind) => {
            const i = stateOf(kind);
            return (
              <tr key={kind}>
                <th scope="row">
                  {/* The name is the way in, so it stays in view when the table scrolls on a phone. */}
                  <a href={`#/integrations/${kind}`} aria-label={`${i?.connected ? 'Manage' : 'Set up'} ${NAMES[kind]}`} aria-current={platform === kind ? 'true' : undefined}>
                    {NAMES[kind]}
                  </a>
                </th>
                <td>
                  <span className={`pill ${i?.connected && i.enabled ? 'ok' : ''}`}>{i?.connected ? (i.enabled ? 'Connected' : 'Paused') : 'Not connected'}</span>
                </td>
                <td>{i?.externalId ?? '—'}</td>
                <td>{i?.updatedAt ? formatTime(i.updatedAt) : '—'}</td>
              </tr>
            );
          })}
        </TableRegion>
      )}
      <p className="hint">
        The AI model is the server’s: set OPENAI_API_KEY for an OpenAI-compatible model; without it Tandem drafts with its offline model.
      </p>
      {platform ? (
        <section aria-labelledby="platform-title">
          <h2 id="platform-title" ref={heading} tabIndex={-1}>
            {NAMES[platform]}
          </h2>
          <p className="lede">{WHAT[platform]}</p>
          {/* Keyed by platform: each panel loads its connection when it mounts. */}
          <Panel key={platform} isAdmin={isAdmin} onChange={() => void reload()} />
        </section>
      ) : (
        <p>Choose a platform above to connect it or change its connection.</p>
      )}
    </div>
  );
}
