/**
 * Salesforce on the console's Integrations page: the tenant's org connection, the Tandem URL Salesforce's Named Credential
 * points at, and for admins a form that connects or changes it (`PUT /api/v1/integrations/salesforce`, which asks
 * the org for a token with the credentials before storing them, and stores them with a warning when the client
 * credentials flow is not switched on yet) and a way to disconnect it. The PUT answers with the org key, once: it
 * goes into Salesforce's `Tandem` External Credential. The consumer secret is never shown: changing the
 * connection means typing it again.
 */
import { useEffect, useState, type FormEvent } from 'react';
import { api, errorText, fieldErrors } from '../api';
import { CopyField, describedBy, Field, formatTime, TextField } from './bits';
import { ConnectionLoading, Disconnect, useConnection, useConnectionChange } from './connection';
import { connectBody, fieldMessage, otherFieldErrors, tandemUrlFor, type SalesforceFormValues } from '../salesforce-connect-body';

interface SalesforceConnection {
  kind: 'salesforce';
  orgId: string | null;
  enabled: boolean;
  instanceUrl: string | null;
  clientId: string | null;
  smsOptOutField: string | null;
  hasOrgKey: boolean;
  tokenIssuedAt: string | null;
}

interface SalesforceAnswer {
  integration: SalesforceConnection | null;
}

interface SalesforcePutAnswer extends SalesforceAnswer {
  orgKey: { key: string; note: string } | null;
  /** Stored, but Salesforce would not issue a token yet (the client credentials flow is off). */
  warning: string | null;
}

const EMPTY: SalesforceFormValues = { orgId: '', instanceUrl: '', clientId: '', clientSecret: '', smsOptOutField: '', enabled: true, keepOrgKey: false };

/** The form as the stored connection fills it; the consumer secret always starts empty. */
function valuesOf(c: SalesforceConnection | null): SalesforceFormValues {
  if (!c) return EMPTY;
  return {
    orgId: c.orgId ?? '',
    instanceUrl: c.instanceUrl ?? '',
    clientId: c.clientId ?? '',
    clientSecret: '',
    smsOptOutField: c.smsOptOutField ?? '',
    enabled: c.enabled,
    keepOrgKey: c.hasOrgKey,
  };
}

const LABELS: Record<string, string> = {
  orgId: 'Organization ID',
  instanceUrl: 'My Domain URL',
  clientId: 'Consumer key',
  clientSecret: 'Consumer secret',
  smsOptOutField: 'SMS opt-out field',
  enabled: 'Enabled',
  keepOrgKey: 'Keep the org key',
};

export function SalesforceConnect({ isAdmin, onChange }: { isAdmin: boolean; onChange: () => void }) {
  // No Salesforce connector on this server: its routes fall through to the API's 404.
  const { data: answer, setData: setAnswer, unavailable: missing, loadError } = useConnection<SalesforceAnswer>('/integrations/salesforce', (err) => err.status === 404);
  const { errors, error, status, setStatus, busy, run, statusRef, alertRef } = useConnectionChange();
  const [values, setValues] = useState<SalesforceFormValues>(EMPTY);
  const [orgKey, setOrgKey] = useState<{ key: string; note: string } | null>(null);
  const [warning, setWarning] = useState<string | null>(null);
  // The form follows the stored connection: when it loads, and after every change.
  useEffect(() => {
    if (answer) setValues(valuesOf(answer.integration));
  }, [answer]);

  const set = <K extends keyof SalesforceFormValues>(k: K, v: SalesforceFormValues[K]) => setValues((old) => ({ ...old, [k]: v }));

  const c = answer?.integration ?? null;
  const canKeepOrgKey = Boolean(c?.hasOrgKey);

  const submit = (ev: FormEvent) => {
    ev.preventDefault();
    const body = connectBody(values, canKeepOrgKey);
    void run(
      async () => {
        const r = await api<SalesforcePutAnswer>('PUT', '/integrations/salesforce', body as unknown as Record<string, unknown>);
        setAnswer({ integration: r.integration });
        setOrgKey(r.orgKey);
        onChange();
        const done = body.enabled ? 'Salesforce connected.' : 'Salesforce connected, paused: nothing syncs and the Lead card is off until “Enabled” is ticked.';
        setWarning(r.warning ?? null);
        return r.orgKey ? `${done} Copy the new org key into Salesforce now: it is shown once.` : done;
      },
      (err) => {
        const others = otherFieldErrors(fieldErrors(err));
        return `Not connected: ${errorText(err)}${others.length > 0 ? ` (${others.join('; ')})` : ''}`;
      },
    );
  };

  if (missing) {
    return (
      <div className="connect">
        <h3>Salesforce connection</h3>
        <p>
          This Tandem server has no Salesforce connector, so Salesforce cannot be connected here. Add <code>salesforceConnector</code> to the connectors in <code>server/compose.ts</code>: it
          needs no SALESFORCE_* settings, each org’s credentials are entered on this page.
        </p>
      </div>
    );
  }

  const disconnect = () =>
    run(
      async () => {
        const r = await api<{ integration: null; note: string }>('DELETE', '/integrations/salesforce');
        setAnswer({ integration: null });
        setOrgKey(null);
        setWarning(null);
        onChange();
        return r.note;
      },
      (err) => `Not disconnected: ${errorText(err)}`,
    );

  if (!answer) return <ConnectionLoading platform="Salesforce" error={loadError} />;

  const tandem = tandemUrlFor(window.location.origin);
  const e = (k: string) => (errors[k] ? fieldMessage(LABELS[k] ?? k, errors[k]) : undefined);
  const secretHint = c
    ? 'Re-enter the consumer secret to change the connection: Tandem keeps it sealed and never shows it.'
    : 'Next to the consumer key (Consumer Secret). Tandem keeps it sealed and never shows it.';

  return (
    <div className="connect">
      <h3 id="sf-connection-title">Salesforce connection</h3>
      {c ? (
        <dl className="connect-facts" aria-labelledby="sf-connection-title">
          <dt>Organization ID</dt>
          <dd>{c.orgId ?? '—'}</dd>
          <dt>My Domain URL</dt>
          <dd>{c.instanceUrl ?? '—'}</dd>
          <dt>Consumer key</dt>
          <dd>{c.clientId ?? '—'}</dd>
          <dt>SMS opt-out field</dt>
          <dd>{c.smsOptOutField ?? 'Tandem_SMS_Opt_Out__c (default)'}</dd>
          <dt>Org key</dt>
          <dd>{c.hasOrgKey ? 'Issued (Tandem keeps only its hash)' : 'None'}</dd>
          <dt>Last sync token</dt>
          <dd>{c.tokenIssuedAt ? formatTime(c.tokenIssuedAt) : 'None yet: the first sync asks Salesforce for one'}</dd>
          <dt>Sync and Lead card</dt>
          <dd>
            <span className={`pill ${c.enabled ? 'ok' : 'warn'}`}>{c.enabled ? 'Enabled' : 'Paused'}</span>
          </dd>
        </dl>
      ) : (
        <p>Not connected. {isAdmin ? 'Connect a Salesforce org below to sync leads and texts to it and show conversations on its Lead pages.' : 'An admin can connect a Salesforce org.'}</p>
      )}

      {orgKey && (
        <div className="team-new-key" role="region" aria-labelledby="sf-orgkey-title">
          <h3 id="sf-orgkey-title">New org key: shown once</h3>
          <p className="hint" id="sf-orgkey-hint">
            Tandem keeps only its hash, so copy it into Salesforce now. {orgKey.note.replace(/^Shown once\.\s*/, '')}
          </p>
          <CopyField id="sf-orgkey" hintId="sf-orgkey-hint" label="OrgKey" value={orgKey.key} what="org key" onCopied={setStatus} />
          <button type="button" onClick={() => setOrgKey(null)}>
            I have put it in Salesforce, hide the key
          </button>
        </div>
      )}

      <h3 id="sf-setup-title">Tandem’s address for Salesforce</h3>
      <p className="hint" id="sf-url-hint">
        Salesforce calls Tandem through the <code>Tandem</code> Named Credential. Before deploying Tandem’s Salesforce package, render its Named Credential and Remote Site Setting for this
        URL: <code>npx tsx manifests/salesforce/render.ts {tandem.url} --run-as &lt;integration user&gt;</code>.
        {!tandem.https && ' Salesforce only calls https addresses: set PUBLIC_URL to Tandem’s https address and open this console there.'}
      </p>
      <CopyField id="sf-url" hintId="sf-url-hint" label="Tandem URL (Named Credential and Remote Site)" value={tandem.url} what="Tandem URL" onCopied={setStatus} />

      <p role="status" className="status-line" ref={statusRef}>
        {status}
      </p>
      {warning && (
        <p className="warning-line" id="sf-warning">
          {warning}
        </p>
      )}

      {isAdmin ? (
        <>
          <form className="connect-form" aria-labelledby="sf-form-title" onSubmit={submit} noValidate>
            <h3 id="sf-form-title">{c ? 'Change the Salesforce connection' : 'Connect Salesforce'}</h3>
            {error && (
              <p role="alert" className="error" ref={alertRef}>
                {error}
              </p>
            )}
            <TextField id="sf-org" label="Organization ID" hint="Starts with 00D, 15 or 18 characters: sf org display -o <your org alias> shows it." error={e('orgId')} value={values.orgId} maxLength={18} onChange={(v) => set('orgId', v)} />
            <TextField id="sf-domain" label="My Domain URL" hint="Like https://acme.my.salesforce.com: the client credentials flow only works on your My Domain." error={e('instanceUrl')} type="url" value={values.instanceUrl} maxLength={255} onChange={(v) => set('instanceUrl', v)} />
            <TextField id="sf-key" label="Consumer key" hint="Setup → External Client App Manager → Tandem Sync → Settings → OAuth Settings → Consumer Key." error={e('clientId')} value={values.clientId} maxLength={255} onChange={(v) => set('clientId', v)} />
            <TextField id="sf-secret" label="Consumer secret" hint={secretHint} error={e('clientSecret')} type="password" value={values.clientSecret} maxLength={255} onChange={(v) => set('clientSecret', v)} />
            <TextField
              id="sf-optout"
              label="SMS opt-out field (optional)"
              hint="API name of the Lead checkbox Tandem ticks when a lead opts out by text; empty means Tandem_SMS_Opt_Out__c. Email Opt Out is not used: it is about email."
              error={e('smsOptOutField')}
              value={values.smsOptOutField}
              maxLength={80}
              onChange={(v) => set('smsOptOutField', v)}
            />
            <label className="check">
              <input type="checkbox" checked={values.enabled} onChange={(ev) => set('enabled', ev.target.checked)} aria-describedby={describedBy('sf-enabled', 'h', e('enabled'))} />
              <span>Enabled</span>
            </label>
            <p className="hint" id="sf-enabled-hint">
              Leads and texts sync to Salesforce and its Lead card works while this is ticked. Untick it to keep the connection but pause both.
            </p>
            {e('enabled') && (
              <p className="error" id="sf-enabled-error">
                {e('enabled')}
              </p>
            )}
            {canKeepOrgKey && (
              <>
                <label className="check">
                  <input
                    type="checkbox"
                    checked={values.keepOrgKey}
                    onChange={(ev) => set('keepOrgKey', ev.target.checked)}
                    aria-invalid={e('keepOrgKey') ? true : undefined}
                    aria-describedby={describedBy('sf-keep', 'h', e('keepOrgKey'))}
                  />
                  <span>Keep the org key Salesforce has</span>
                </label>
                <p className="hint" id="sf-keep-hint">
                  Untick to issue a new org key: it is shown once and replaces the old one, which stops working, in Salesforce’s Tandem External Credential.
                </p>
                {e('keepOrgKey') && (
                  <p className="error" id="sf-keep-error">
                    {e('keepOrgKey')}
                  </p>
                )}
              </>
            )}
            <p className="hint">Tandem asks Salesforce for a token with these before storing anything; a consumer key or secret it refuses shows at its field.</p>
            <button type="submit" className="primary" disabled={busy}>
              {c ? 'Save Salesforce connection' : 'Connect Salesforce'}
            </button>
          </form>
          {c && (
            <Disconnect
              platform="Salesforce"
              consequence="The org key stops working at once, so the Lead card goes blank, syncing stops, and the stored consumer secret is deleted."
              busy={busy}
              onDisconnect={disconnect}
            />
          )}
        </>
      ) : (
        <p className="hint">Only admins can connect or change Salesforce.</p>
      )}
    </div>
  );
}
