/**
 * Twilio on the console's Integrations page: the tenant's connection, the two webhook URLs to paste into Twilio, and for
 * admins a form that connects or changes it (`PUT /api/v1/integrations/twilio`, which checks the credentials
 * with Twilio before storing anything). The stored auth token is never shown: changing the connection means
 * typing it again. Optional webhook signing keys (Twilio SharedKeys) show by id only; a held key's secret is kept
 * unless typed again, and clearing its row removes it.
 */
import { Fragment, useEffect, useState, type FormEvent } from 'react';
import { api, errorText } from '../api';
import { CopyField, describedBy, Field, TextField } from './bits';
import { ConnectionLoading, Disconnect, useConnection, useConnectionChange } from './connection';
import { connectBody, sentSigningKeyRows, signingKeyRows, type SigningKeyRow, type TwilioFormValues } from '../twilio-connect-body';

type TwilioConnection =
  | { connected: false }
  | {
      connected: true;
      enabled: boolean;
      accountSid: string;
      messagingServiceSid: string | null;
      fromNumber: string | null;
      numbers: string[];
      webhookSigningKeys: Array<{ id: string }>;
    };

interface TwilioAnswer {
  twilio: TwilioConnection;
  webhooks: { incomingMessageUrl: string; statusCallbackUrl: string; method: string };
}

const EMPTY: TwilioFormValues = {
  accountSid: '',
  authToken: '',
  sender: 'messagingService',
  messagingServiceSid: '',
  fromNumber: '',
  numbers: '',
  enabled: true,
  signingKeys: signingKeyRows([]),
};

/** The form as the stored connection fills it; the auth token and the signing keys' secrets always start empty. */
function valuesOf(t: TwilioConnection): TwilioFormValues {
  if (!t.connected) return EMPTY;
  return {
    accountSid: t.accountSid,
    authToken: '',
    sender: t.messagingServiceSid ? 'messagingService' : 'fromNumber',
    messagingServiceSid: t.messagingServiceSid ?? '',
    fromNumber: t.fromNumber ?? '',
    numbers: t.numbers.join('\n'),
    enabled: t.enabled,
    signingKeys: signingKeyRows(t.webhookSigningKeys.map((k) => k.id)),
  };
}

export function TwilioConnect({ isAdmin, onChange }: { isAdmin: boolean; onChange: () => void }) {
  const { data: answer, setData: setAnswer, loadError } = useConnection<TwilioAnswer>('/integrations/twilio', () => false);
  const { errors, error, status, setStatus, busy, run, statusRef, alertRef } = useConnectionChange();
  const [values, setValues] = useState<TwilioFormValues>(EMPTY);
  // The rows the last save sent, in order: the server names a key's fields by its place in what was sent.
  const [sentKeyRows, setSentKeyRows] = useState<number[]>([]);
  // The form follows the stored connection: when it loads, and after every change.
  useEffect(() => {
    if (answer) setValues(valuesOf(answer.twilio));
  }, [answer]);

  const set = <K extends keyof TwilioFormValues>(k: K, v: TwilioFormValues[K]) => setValues((old) => ({ ...old, [k]: v }));
  const setKey = (row: number, k: keyof SigningKeyRow, v: string) =>
    setValues((old) => ({ ...old, signingKeys: old.signingKeys.map((r, i) => (i === row ? { ...r, [k]: v } : r)) }));

  const submit = (ev: FormEvent) => {
    ev.preventDefault();
    const body = connectBody(values);
    setSentKeyRows(sentSigningKeyRows(values.signingKeys));
    void run(
      async () => {
        setAnswer(await api<TwilioAnswer>('PUT', '/integrations/twilio', body as unknown as Record<string, unknown>));
        onChange();
        return body.enabled ? 'Twilio connected.' : 'Twilio connected, paused: texts go through Twilio once “Enabled” is ticked.';
      },
      (err) => `Not connected: ${errorText(err)}`,
    );
  };

  const disconnect = () =>
    run(
      async () => {
        setAnswer(await api<TwilioAnswer>('DELETE', '/integrations/twilio'));
        onChange();
        return 'Twilio disconnected: its auth token is deleted, and texts to its numbers no longer reach this workspace.';
      },
      (err) => `Not disconnected: ${errorText(err)}`,
    );

  if (!answer) return <ConnectionLoading platform="Twilio" error={loadError} />;

  const t = answer.twilio;
  const e = (k: string) => errors[k] ?? Object.entries(errors).find(([p]) => p.startsWith(`${k}.`))?.[1];
  // The server names a missing sending identity at fromNumber, whichever one was chosen.
  const senderError = values.sender === 'messagingService' ? (e('messagingServiceSid') ?? e('fromNumber')) : e('fromNumber');
  const senderId = values.sender === 'messagingService' ? 'tw-mg' : 'tw-from';
  const tokenHint = t.connected
    ? 'Re-enter the auth token to change the connection: Tandem keeps it sealed and never shows it.'
    : '32 characters, under Account info in the Twilio Console. Tandem checks it with Twilio and keeps it sealed.';
  const numbersHint = 'One a line or separated by commas. Texts to these numbers reach this workspace.';
  const heldKeyIds = t.connected ? t.webhookSigningKeys.map((k) => k.id) : [];
  const keyError = (row: number, field: keyof SigningKeyRow) => {
    const sent = sentKeyRows.indexOf(row);
    return sent === -1 ? undefined : e(`webhookSigningKeys.${sent}.${field}`);
  };
  const keysError = errors.webhookSigningKeys;
  // Most accounts sign with the auth token: the keys stay folded away unless some are held or need fixing.
  const showKeys = heldKeyIds.length > 0 || Object.keys(errors).some((field) => field.startsWith('webhookSigningKeys'));

  return (
    <div className="connect">
      <h3 id="tw-connection-title">Twilio connection</h3>
      {t.connected ? (
        <dl className="connect-facts" aria-labelledby="tw-connection-title">
          <dt>Account SID</dt>
          <dd>{t.accountSid}</dd>
          <dt>Sends from</dt>
          <dd>{t.messagingServiceSid ? `Messaging Service ${t.messagingServiceSid}` : (t.fromNumber ?? '—')}</dd>
          <dt>Numbers leads text</dt>
          <dd>{t.numbers.length > 0 ? t.numbers.join(', ') : '—'}</dd>
          <dt>Sending</dt>
          <dd>
            <span className={`pill ${t.enabled ? 'ok' : 'warn'}`}>{t.enabled ? 'Enabled' : 'Paused'}</span>
          </dd>
          <dt>Webhook signing keys</dt>
          <dd>{heldKeyIds.length > 0 ? heldKeyIds.join(', ') : 'None (webhooks are checked with the auth token)'}</dd>
        </dl>
      ) : (
        <p>Not connected. {isAdmin ? 'Connect a Twilio account below to text leads from your own numbers.' : 'An admin can connect a Twilio account.'}</p>
      )}

      <h3 id="tw-webhooks-title">Webhooks to set in Twilio</h3>
      <p className="hint" id="tw-webhooks-hint">
        In the Twilio Console, open each number leads text (or its Messaging Service) and paste the first URL under “A message comes in”, method HTTP {answer.webhooks.method}. Tandem asks for
        delivery updates at the status callback URL with every text it sends; paste it as the Messaging Service’s status callback too if you use one.
      </p>
      <CopyField id="tw-incoming" hintId="tw-webhooks-hint" label={`A message comes in (HTTP ${answer.webhooks.method})`} value={answer.webhooks.incomingMessageUrl} what="incoming message URL" onCopied={setStatus} />
      <CopyField id="tw-status" hintId="tw-webhooks-hint" label="Status callback URL" value={answer.webhooks.statusCallbackUrl} what="status callback URL" onCopied={setStatus} />

      <p role="status" className="status-line" ref={statusRef}>
        {status}
      </p>

      {isAdmin ? (
        <>
          <form className="connect-form" aria-labelledby="tw-form-title" onSubmit={submit} noValidate>
            <h3 id="tw-form-title">{t.connected ? 'Change the Twilio connection' : 'Connect Twilio'}</h3>
            {error && (
              <p role="alert" className="error" ref={alertRef}>
                {error}
              </p>
            )}
            <TextField id="tw-sid" label="Account SID" hint="Starts with AC, under Account info in the Twilio Console." error={e('accountSid')} value={values.accountSid} maxLength={64} onChange={(v) => set('accountSid', v)} />
            <TextField id="tw-token" label="Auth token" hint={tokenHint} error={e('authToken')} type="password" value={values.authToken} maxLength={64} onChange={(v) => set('authToken', v)} />
            <fieldset>
              <legend>Send texts from</legend>
              <label className="choice">
                <input type="radio" name="tw-sender" value="messagingService" checked={values.sender === 'messagingService'} onChange={() => set('sender', 'messagingService')} />
                <span>A Messaging Service</span>
              </label>
              <label className="choice">
                <input type="radio" name="tw-sender" value="fromNumber" checked={values.sender === 'fromNumber'} onChange={() => set('sender', 'fromNumber')} />
                <span>One Twilio number</span>
              </label>
              {values.sender === 'messagingService' ? (
                <TextField id="tw-mg" label="Messaging Service SID" hint="Starts with MG, under Messaging → Services." error={senderError} value={values.messagingServiceSid} maxLength={64} onChange={(v) => set('messagingServiceSid', v)} />
              ) : (
                <TextField id="tw-from" label="From number" hint="A Twilio number of this account, e.g. +1 415 555 0100." error={senderError} type="tel" value={values.fromNumber} maxLength={40} onChange={(v) => set('fromNumber', v)} />
              )}
            </fieldset>
            <Field id="tw-numbers" label="Numbers leads text" hint={numbersHint} error={e('numbers')}>
              <textarea
                id="tw-numbers"
                rows={3}
                value={values.numbers}
                maxLength={2000}
                spellCheck={false}
                onChange={(ev) => set('numbers', ev.target.value)}
                aria-invalid={e('numbers') ? true : undefined}
                aria-describedby={describedBy('tw-numbers', 'h', e('numbers'))}
              />
            </Field>
            <label className="check">
              <input type="checkbox" checked={values.enabled} onChange={(ev) => set('enabled', ev.target.checked)} aria-describedby="tw-enabled-hint" />
              <span>Enabled</span>
            </label>
            <p className="hint" id="tw-enabled-hint">
              Texts go out through Twilio while this is ticked. Untick it to keep the connection but pause sending through Twilio.
            </p>
            <details className="optional-fields" open={showKeys || undefined}>
              <summary>Webhook signing keys (optional)</summary>
              <fieldset aria-describedby={['tw-keys-hint', keysError && 'tw-keys-error'].filter(Boolean).join(' ')}>
                <legend>Twilio SharedKeys</legend>
                <p className="hint" id="tw-keys-hint">
                  Only needed when Twilio’s Webhooks configuration signs webhooks with a SharedKey instead of the auth token. Give each key’s id and the secret Twilio returned
                  when it was made; while rotating keys, give both. Tandem keeps the secrets sealed and never shows them. Clear a key’s id to remove it.
                </p>
                {keysError && (
                  <p className="error" id="tw-keys-error">
                    {keysError}
                  </p>
                )}
                {values.signingKeys.map((row, i) => {
                  const held = row.id.trim() !== '' && heldKeyIds.includes(row.id.trim());
                  return (
                    <Fragment key={i}>
                      <TextField
                        id={`tw-key-${i}-id`}
                        label={`Signing key ${i + 1} id`}
                        error={keyError(i, 'id')}
                        value={row.id}
                        maxLength={128}
                        placeholder="webhooks_sharedkey_…"
                        onChange={(v) => setKey(i, 'id', v)}
                      />
                      <TextField
                        id={`tw-key-${i}-secret`}
                        label={`Signing key ${i + 1} secret`}
                        hint={held ? 'Leave empty to keep the stored secret.' : undefined}
                        error={keyError(i, 'secret')}
                        type="password"
                        value={row.secret}
                        maxLength={512}
                        onChange={(v) => setKey(i, 'secret', v)}
                      />
                    </Fragment>
                  );
                })}
              </fieldset>
            </details>
            <button type="submit" className="primary" disabled={busy}>
              {t.connected ? 'Save Twilio connection' : 'Connect Twilio'}
            </button>
          </form>
          {t.connected && (
            <Disconnect
              platform="Twilio"
              consequence="Tandem stops texting through this account, texts to its numbers stop reaching this workspace, and the stored auth token is deleted."
              busy={busy}
              onDisconnect={disconnect}
            />
          )}
        </>
      ) : (
        <p className="hint">Only admins can connect or change Twilio.</p>
      )}
    </div>
  );
}
