/**
 * HubSpot on the console's Integrations page: the tenant's connection (portal, how it authenticates, whether the CRM sync
 * runs) and, for admins, the two ways to connect: the public app's OAuth install
 * (`GET /api/v1/integrations/hubspot/install` hands out the link, 503 `hubspot.not_configured` without the
 * app's settings) and a private app token (`PUT /api/v1/integrations/hubspot`, which checks it with HubSpot
 * and creates Tandem's contact properties before storing anything). The token is never shown back.
 * These routes belong to the HubSpot connector (connectors/hubspot), not to the core API.
 */
import { useRef, useState, type FormEvent } from 'react';
import { api, ApiError, errorText } from '../api';
import { describedBy, Field } from './bits';
import { ConnectionLoading, Disconnect, useConnection, useConnectionChange } from './connection';
import { connectBody, connectedMessage, installTarget, modeLabel, PRIVATE_APP_SCOPES, type HubSpotConnectAnswer, type HubSpotConnection } from '../hubspot-connect-body';

const TOKEN_WHERE = `In HubSpot, create a private app under Settings → Integrations → Private apps with the scopes ${PRIVATE_APP_SCOPES.join(', ')}, and paste its access token (it starts with pat-).`;

export function HubSpotConnect({ isAdmin, onChange }: { isAdmin: boolean; onChange: () => void }) {
  // No HubSpot connector on this server: its routes fall through to the API's 404.
  const { data, setData, unavailable: absent, loadError } = useConnection<{ hubspot: HubSpotConnection }>('/integrations/hubspot', (err) => err.status === 404);
  const { errors, error, status, setStatus, busy, run, statusRef, alertRef } = useConnectionChange();
  const connection = data?.hubspot ?? null;
  const [token, setToken] = useState('');
  const [installError, setInstallError] = useState<string | null>(null);
  const [installOff, setInstallOff] = useState(false);
  const [installing, setInstalling] = useState(false);
  const tokenField = useRef<HTMLInputElement>(null);

  const install = async () => {
    if (installing) return;
    setInstalling(true);
    setInstallError(null);
    setStatus('');
    try {
      const target = installTarget(await api<unknown>('GET', '/integrations/hubspot/install'));
      if (!target) throw new Error('The server’s install link is not a web address. Connect a private app token instead.');
      setStatus('Opening HubSpot…');
      window.location.assign(target);
    } catch (err) {
      setInstalling(false);
      setStatus('');
      setInstallError(errorText(err));
      if (err instanceof ApiError && err.code === 'hubspot.not_configured') {
        // This way is closed on this server: the message says so, and the token field is the way left.
        setInstallOff(true);
        tokenField.current?.focus();
      }
    }
  };

  const submit = (ev: FormEvent) => {
    ev.preventDefault();
    void run(
      async () => {
        const r = await api<HubSpotConnectAnswer>('PUT', '/integrations/hubspot', connectBody(token));
        setData({ hubspot: r.hubspot });
        setToken('');
        onChange();
        return connectedMessage(r);
      },
      (err) => `${connection?.connected ? 'Nothing changed' : 'Not connected'}: ${errorText(err)}`,
    );
  };

  if (absent) {
    return (
      <div className="connect">
        <h3>HubSpot connection</h3>
        <p>
          This server does not run Tandem’s HubSpot connector, so HubSpot cannot be connected here. List it among the server’s connectors (<code>hubspotConnector</code> in server/compose.ts) and
          restart: a private app token needs no other setting; the “Install the HubSpot app” way also needs HUBSPOT_CLIENT_ID and HUBSPOT_CLIENT_SECRET.
        </p>
      </div>
    );
  }
  const disconnect = () =>
    run(
      async () => {
        const r = await api<{ hubspot: HubSpotConnection; note: string }>('DELETE', '/integrations/hubspot');
        setData({ hubspot: r.hubspot });
        onChange();
        return `HubSpot disconnected. ${r.note}`;
      },
      (err) => `Not disconnected: ${errorText(err)}`,
    );

  if (!connection) return <ConnectionLoading platform="HubSpot" error={loadError} />;

  const c = connection;
  const tokenError = errors.privateAppToken;
  const tokenHint = c.connected ? `${TOKEN_WHERE} Tandem keeps the stored token sealed and never shows it.` : TOKEN_WHERE;

  return (
    <div className="connect">
      <h3 id="hs-connection-title">HubSpot connection</h3>
      {c.connected ? (
        <dl className="connect-facts" aria-labelledby="hs-connection-title">
          <dt>Portal ID</dt>
          <dd>{c.portalId ?? '—'}</dd>
          <dt>Connected with</dt>
          <dd>{modeLabel(c.mode)}</dd>
          <dt>CRM sync</dt>
          <dd>
            <span className={`pill ${c.enabled ? 'ok' : 'warn'}`}>{c.enabled ? 'Enabled' : 'Paused'}</span>
          </dd>
        </dl>
      ) : (
        <p>Not connected. {isAdmin ? 'Connect a HubSpot account below: each lead then gets a contact there, with its score, tag and texts.' : 'An admin can connect a HubSpot account.'}</p>
      )}
      {c.connected && !c.enabled && <p className="hint">Paused: leads and texts are not sent to HubSpot.{isAdmin ? ' Connecting again below turns the sync back on.' : ''}</p>}

      <p role="status" className="status-line" ref={statusRef}>
        {status}
      </p>

      {isAdmin ? (
        <>
          <h3 id="hs-install-title">Install the HubSpot app</h3>
          {installError && (
            <p role="alert" className="error">
              {installError}
            </p>
          )}
          {!installOff && (
            <>
              <p className="hint" id="hs-install-hint">
                Opens HubSpot, where you choose the account and approve Tandem’s access; HubSpot then sends you back to Tandem, which stores the connection.
              </p>
              <button type="button" onClick={() => void install()} disabled={installing} aria-describedby="hs-install-hint">
                Install the HubSpot app
              </button>
            </>
          )}
          <form className="connect-form" aria-labelledby="hs-form-title" onSubmit={submit} noValidate>
            <h3 id="hs-form-title">Connect with a private app token</h3>
            {error && (
              <p role="alert" className="error" ref={alertRef}>
                {error}
              </p>
            )}
            <Field id="hs-token" label="Private app access token" hint={tokenHint} error={tokenError}>
              <input
                id="hs-token"
                ref={tokenField}
                type="password"
                value={token}
                autoComplete="off"
                spellCheck={false}
                maxLength={512}
                onChange={(ev) => setToken(ev.target.value)}
                aria-invalid={tokenError ? true : undefined}
                aria-describedby={describedBy('hs-token', 'h', tokenError)}
              />
            </Field>
            <button type="submit" className="primary" disabled={busy}>
              {c.connected ? 'Save HubSpot connection' : 'Connect HubSpot'}
            </button>
          </form>
          {c.connected && (
            <Disconnect
              platform="HubSpot"
              consequence="Leads and texts stop syncing to HubSpot, the contact card stops showing conversations, and the stored token is deleted. An app install is also uninstalled from your HubSpot account (its super admins get an email)."
              busy={busy}
              onDisconnect={disconnect}
            />
          )}
        </>
      ) : (
        <p className="hint">Only admins can connect or change HubSpot.</p>
      )}
    </div>
  );
}
