/**
 * Salesforce on the Settings page: the tenant's org connection, the Tandem URL Salesforce's Named Credential
 * points at, and for admins a form that connects or changes it (`PUT /api/v1/integrations/salesforce`).
 * That route stores the sync credentials without asking Salesforce (the first CRM sync uses them) and answers
 * with the org key, once: it goes into Salesforce's `Tandem` External Credential. The consumer secret is
 * never shown: changing the connection means typing it again.
 */
import { useEffect, useState, type FormEvent } from 'react';
import { api, ApiError, errorText, fieldErrors } from '../api';
import { CopyField, describedBy, Field, formatTime, TextField } from './bits';
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
  const [answer, setAnswer] = useState<SalesforceAnswer | null>(null);
  const [missing, setMissing] = useState(false);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [values, setValues] = useState<SalesforceFormValues>(EMPTY);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [status, setStatus] = useState('');
  const [busy, setBusy] = useState(false);
  const [orgKey, setOrgKey] = useState<{ key: string; note: string } | null>(null);

  useEffect(() => {
    api<SalesforceAnswer>('GET', '/integrations/salesforce').then(
      (r) => {
        setAnswer(r);
        setValues(valuesOf(r.integration));
      },
      (err) => {
        if (err instanceof ApiError && err.status === 404) setMissing(true);
        else setLoadError(errorText(err));
      },
    );
  }, []);

  const set = <K extends keyof SalesforceFormValues>(k: K, v: SalesforceFormValues[K]) => setValues((old) => ({ ...old, [k]: v }));

  const c = answer?.integration ?? null;
  const canKeepOrgKey = Boolean(c?.hasOrgKey);

  const submit = async (ev: FormEvent) => {
    ev.preventDefault();
    if (busy) return;
    setBusy(true);
    setErrors({});
    setError(null);
    setStatus('');
    const body = connectBody(values, canKeepOrgKey);
    try {
      const r = await api<SalesforcePutAnswer>('PUT', '/integrations/salesforce', body as unknown as Record<string, unknown>);
      setAnswer({ integration: r.integration });
      setValues(valuesOf(r.integration));
      setOrgKey(r.orgKey);
      const done = body.enabled ? 'Salesforce connected.' : 'Salesforce connected, paused: nothing syncs and the Lead card is off until “Enabled” is ticked.';
      setStatus(r.orgKey ? `${done} Copy the new org key into Salesforce now: it is shown once.` : done);
      onChange();
    } catch (err) {
      const fields = fieldErrors(err);
      setErrors(fields);
      const others = otherFieldErrors(fields);
      setError(`Not connected: ${errorText(err)}${others.length > 0 ? ` (${others.join('; ')})` : ''}`);
    } finally {
      setBusy(false);
    }
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

  if (!answer) {
    return loadError ? (
      <p role="alert" className="error">
        Salesforce: {loadError}
      </p>
    ) : (
      <p role="status">Loading the Salesforce connection…</p>
    );
  }

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

      <p role="status" className="status-line">
        {status}
      </p>

      {isAdmin ? (
        <form className="connect-form" aria-labelledby="sf-form-title" onSubmit={(ev) => void submit(ev)} noValidate>
          <h3 id="sf-form-title">{c ? 'Change the Salesforce connection' : 'Connect Salesforce'}</h3>
          {error && (
            <p role="alert" className="error">
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
          <p className="hint">Tandem stores these without asking Salesforce: the first sync uses them, and if Salesforce refuses them the sync shows under Failed jobs.</p>
          <button type="submit" className="primary" disabled={busy}>
            {c ? 'Save Salesforce connection' : 'Connect Salesforce'}
          </button>
        </form>
      ) : (
        <p className="hint">Only admins can connect or change Salesforce.</p>
      )}
    </div>
  );
}
