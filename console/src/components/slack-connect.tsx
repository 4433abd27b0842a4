/**
 * Slack on the console's Integrations page: the tenant's connection (workspace, channel, who is pinged, whether the
 * agent's thread replies reach the lead), the "Add to Slack" link in OAuth mode, and for admins a form for
 * the settings `PUT /api/v1/integrations/slack` takes, and in OAuth mode "Disconnect Slack" (`DELETE`: the settings
 * are deleted and Tandem is uninstalled from the workspace). A server without Slack settings answers the route
 * with `503 slack.not_configured` (or has no route at all): the panel then says how to set Slack up.
 */
import { useEffect, useState, type FormEvent } from 'react';
import { api, ApiError, errorText } from '../api';
import { describedBy, Field, TextField } from './bits';
import { ConnectionLoading, Disconnect, useConnection, useConnectionChange } from './connection';
import {
  canDisconnect,
  disconnectedMessage,
  MENTIONS,
  mentionText,
  slackNotConfigured,
  slackSettingsBody,
  slackValuesOf,
  type EscalationMention,
  type SlackDisconnectAnswer,
  type SlackFormValues,
  type SlackSettings,
} from '../slack-connect-body';

const EMPTY: SlackFormValues = { channelId: '', threadRepliesSendToLead: false, escalationMention: 'here', enabled: true };

/** What the server's own 503 names, said for a person: connectors/slack/slack.connector.ts and its README. */
function NotConfigured() {
  return (
    <div className="connect">
      <h3>Slack connection</h3>
      <p>
        Slack is not set up on this server: set <code>SLACK_SIGNING_SECRET</code> and <code>SLACK_BOT_TOKEN</code> (one workspace), or <code>SLACK_SIGNING_SECRET</code> with{' '}
        <code>SLACK_CLIENT_ID</code>, <code>SLACK_CLIENT_SECRET</code> and <code>SLACK_STATE_SECRET</code> (each team adds Tandem to its own workspace), then restart Tandem. See{' '}
        <code>connectors/slack/README.md</code>.
      </p>
    </div>
  );
}

export function SlackConnect({ isAdmin, onChange }: { isAdmin: boolean; onChange: () => void }) {
  const { data, setData, unavailable: notConfigured, setUnavailable: setNotConfigured, loadError } = useConnection<{ slack: SlackSettings }>('/integrations/slack', slackNotConfigured);
  const { errors, error, status, busy, run, statusRef, alertRef } = useConnectionChange();
  const [values, setValues] = useState<SlackFormValues>(EMPTY);
  const slack = data?.slack ?? null;
  // The form follows the stored settings: when they load, and after every save.
  useEffect(() => {
    if (slack) setValues(slackValuesOf(slack));
  }, [slack]);

  const set = <K extends keyof SlackFormValues>(k: K, v: SlackFormValues[K]) => setValues((old) => ({ ...old, [k]: v }));

  const submit = (ev: FormEvent) => {
    ev.preventDefault();
    const body = slackSettingsBody(values);
    void run(
      async () => {
        const r = await api<{ slack: SlackSettings }>('PUT', '/integrations/slack', body as unknown as Record<string, unknown>);
        setData(r);
        onChange();
        return r.slack.enabled ? 'Slack settings saved.' : 'Slack settings saved. Slack is paused: nothing is posted there until “Enabled” is ticked.';
      },
      (err) => {
        if (err instanceof ApiError && slackNotConfigured(err)) {
          setNotConfigured(true);
          return null;
        }
        return `Not saved: ${errorText(err)}`;
      },
    );
  };

  const disconnect = () =>
    run(
      async () => {
        const r = await api<SlackDisconnectAnswer>('DELETE', '/integrations/slack');
        setData({ slack: r.slack });
        onChange();
        return disconnectedMessage(r);
      },
      (err) => `Not disconnected: ${errorText(err)}`,
    );

  if (notConfigured) return <NotConfigured />;
  if (!slack) return <ConnectionLoading platform="Slack" error={loadError} />;

  const e = (k: string) => errors[k];
  // A field the form does not show (an unknown key, an empty body) is named in the alert line instead.
  const shown = new Set(['channelId', 'threadRepliesSendToLead', 'escalationMention', 'enabled']);
  const other = Object.entries(errors)
    .filter(([k]) => !shown.has(k))
    .map(([k, m]) => `${k}: ${m}`)
    .join('; ');
  const state = !slack.enabled ? ['warn', 'Paused'] : slack.connected ? ['ok', 'Connected'] : ['', 'Not connected'];
  const oauth = slack.mode === 'oauth';

  return (
    <div className="connect">
      <h3 id="sl-connection-title">Slack connection</h3>
      <dl className="connect-facts" aria-labelledby="sl-connection-title">
        <dt>Status</dt>
        <dd>
          <span className={`pill ${state[0]}`}>{state[1]}</span>
        </dd>
        <dt>Workspace (team id)</dt>
        <dd>{slack.teamId ?? '—'}</dd>
        <dt>Channel</dt>
        <dd>{slack.channelId ?? 'None chosen yet'}</dd>
        <dt>Agent’s thread replies</dt>
        <dd>{slack.threadRepliesSendToLead ? 'Texted to the lead' : 'Internal notes only'}</dd>
        <dt>Escalations ping</dt>
        <dd>{mentionText(slack.escalationMention)}</dd>
      </dl>
      {!slack.connected &&
        (oauth ? (
          <p>Not connected to a Slack workspace yet. {isAdmin ? 'Add Tandem to your workspace with the link below.' : 'An admin can add Tandem to Slack.'}</p>
        ) : (
          <p>
            Not connected: this server posts to one Slack workspace with its own bot token, for the team named in <code>SLACK_TENANT_ID</code>. Ask whoever runs Tandem to
            set it to this team.
          </p>
        ))}
      {oauth && isAdmin && slack.installUrl && (
        <>
          <p>
            <a href={slack.installUrl} aria-describedby="sl-install-hint">
              Add to Slack
            </a>
          </p>
          <p className="hint" id="sl-install-hint">
            Opens Slack to connect a workspace to Tandem; once Slack says it is installed, come back here to choose the channel. The link works for an hour.
          </p>
        </>
      )}

      <p role="status" className="status-line" ref={statusRef}>
        {status}
      </p>

      {isAdmin ? (
        <form className="connect-form" aria-labelledby="sl-form-title" onSubmit={submit} noValidate>
          <h3 id="sl-form-title">Slack settings</h3>
          {error && (
            <p role="alert" className="error" ref={alertRef}>
              {error}
              {other && ` (${other})`}
            </p>
          )}
          <TextField
            id="sl-channel"
            label="Channel id"
            hint="Where conversations that need a person are posted, e.g. C0123ABCD: in Slack, open the channel’s details; the id is at the bottom of the About tab. Invite @Tandem to that channel. Empty means the server’s default channel, if it has one."
            error={e('channelId')}
            value={values.channelId}
            maxLength={40}
            onChange={(v) => set('channelId', v)}
          />
          <label className="check">
            <input
              type="checkbox"
              checked={values.threadRepliesSendToLead}
              onChange={(ev) => set('threadRepliesSendToLead', ev.target.checked)}
              aria-invalid={e('threadRepliesSendToLead') ? true : undefined}
              aria-describedby={describedBy('sl-thread', 'h', e('threadRepliesSendToLead'))}
            />
            <span>Text the lead the agent’s thread replies</span>
          </label>
          <p className="hint" id="sl-thread-hint">
            When ticked, a reply in a conversation’s Slack thread by the agent who took the conversation over is texted to the lead. Unticked, every thread reply stays an
            internal note the lead never sees.
          </p>
          {e('threadRepliesSendToLead') && (
            <p className="error" id="sl-thread-error">
              {e('threadRepliesSendToLead')}
            </p>
          )}
          <Field id="sl-mention" label="Who an escalation pings" hint="When a conversation needs a person and nobody is assigned. An assignee with a Slack member id is pinged by name." error={e('escalationMention')}>
            <select
              id="sl-mention"
              value={values.escalationMention}
              onChange={(ev) => set('escalationMention', ev.target.value as EscalationMention)}
              aria-invalid={e('escalationMention') ? true : undefined}
              aria-describedby={describedBy('sl-mention', 'h', e('escalationMention'))}
            >
              {MENTIONS.map(([value, label]) => (
                <option key={value} value={value}>
                  {label}
                </option>
              ))}
            </select>
          </Field>
          <label className="check">
            <input
              type="checkbox"
              checked={values.enabled}
              onChange={(ev) => set('enabled', ev.target.checked)}
              aria-invalid={e('enabled') ? true : undefined}
              aria-describedby={describedBy('sl-enabled', 'h', e('enabled'))}
            />
            <span>Enabled</span>
          </label>
          <p className="hint" id="sl-enabled-hint">
            Tandem posts to Slack while this is ticked. Untick it to pause Slack and keep these settings; tick it again after reinstalling Tandem in Slack.
          </p>
          {e('enabled') && (
            <p className="error" id="sl-enabled-error">
              {e('enabled')}
            </p>
          )}
          <button type="submit" className="primary" disabled={busy}>
            Save Slack settings
          </button>
        </form>
      ) : (
        <p className="hint">Only admins can change the Slack settings.</p>
      )}
      {isAdmin && canDisconnect(slack) && (
        <Disconnect
          platform="Slack"
          consequence="Tandem stops posting to Slack, the channel and other Slack settings are deleted, and Tandem is uninstalled from the workspace (its bot token is revoked with Slack)."
          busy={busy}
          onDisconnect={disconnect}
        />
      )}
    </div>
  );
}
