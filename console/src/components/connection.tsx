/**
 * What the four connection panels (Twilio, Slack, HubSpot, Salesforce) share: loading their connection, running
 * one change at a time with its outcome in the status line or at the fields, and disconnecting after a
 * confirm step.
 */
import { useEffect, useRef, useState } from 'react';
import { api, ApiError, errorText, fieldErrors } from '../api';

/**
 * Loads a panel's connection once, when it mounts. `absent(err)` picks out the answer that means "this server
 * cannot connect the platform" (no connector, or not configured), which the panel explains instead of an error.
 */
export function useConnection<T>(path: string, absent: (err: ApiError) => boolean) {
  const [data, setData] = useState<T | null>(null);
  const [unavailable, setUnavailable] = useState(false);
  const [loadError, setLoadError] = useState<string | null>(null);
  useEffect(() => {
    api<T>('GET', path).then(setData, (err) => {
      if (err instanceof ApiError && absent(err)) setUnavailable(true);
      else setLoadError(errorText(err));
    });
    // Loaded once per mount: the Integrations page remounts a panel when it is chosen again.
  }, [path]);
  return { data, setData, unavailable, setUnavailable, loadError };
}

/**
 * A panel's changes: one at a time (`busy`), each clearing the last outcome. `work` resolves to the status line
 * to show; when it throws, the errors go to their fields and `failed(err)` names the alert line (null shows none:
 * the panel has handled the error itself). The panel puts `statusRef` on its status line and `alertRef` on the
 * alert line: the outcome is scrolled into view, since the button that caused it (Connect, Disconnect) sits at
 * the bottom of a form that can be taller than the window.
 */
export function useConnectionChange() {
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [status, setStatus] = useState('');
  const [busy, setBusy] = useState(false);
  const [outcomes, setOutcomes] = useState(0);
  const statusRef = useRef<HTMLParagraphElement>(null);
  const alertRef = useRef<HTMLParagraphElement>(null);
  useEffect(() => {
    if (outcomes > 0) (alertRef.current ?? statusRef.current)?.scrollIntoView({ block: 'nearest' });
  }, [outcomes]);
  const run = async (work: () => Promise<string>, failed: (err: unknown) => string | null): Promise<boolean> => {
    if (busy) return false;
    setBusy(true);
    setErrors({});
    setError(null);
    setStatus('');
    try {
      setStatus(await work());
      return true;
    } catch (err) {
      const alert = failed(err);
      if (alert !== null) {
        setErrors(fieldErrors(err));
        setError(alert);
      }
      return false;
    } finally {
      setBusy(false);
      setOutcomes((n) => n + 1);
    }
  };
  return { errors, error, status, setStatus, busy, run, statusRef, alertRef };
}

/** The panel's place while its connection loads, or the reason it could not. */
export function ConnectionLoading({ platform, error }: { platform: string; error: string | null }) {
  return error ? (
    <p role="alert" className="error">
      {platform}: {error}
    </p>
  ) : (
    <p role="status">Loading the {platform} connection…</p>
  );
}

/**
 * "Disconnect", then a confirm step that says what stops; focus moves to its Cancel and back. `onDisconnect`
 * does the work (and reports in the panel's status line).
 */
export function Disconnect({ platform, consequence, busy, onDisconnect }: { platform: string; consequence: string; busy: boolean; onDisconnect: () => Promise<unknown> }) {
  const [confirming, setConfirming] = useState(false);
  const cancel = useRef<HTMLButtonElement>(null);
  const open = useRef<HTMLButtonElement>(null);
  const cancelled = useRef(false);
  useEffect(() => {
    if (confirming) cancel.current?.focus();
    else if (cancelled.current) open.current?.focus();
    cancelled.current = false;
  }, [confirming]);
  const id = `disconnect-${platform.toLowerCase()}`;

  if (!confirming) {
    return (
      <p>
        <button type="button" ref={open} disabled={busy} onClick={() => setConfirming(true)}>
          Disconnect {platform}
        </button>
      </p>
    );
  }
  return (
    <div className="team-confirm" role="group" aria-labelledby={id}>
      <span id={id}>
        Disconnect {platform}? {consequence}
      </span>
      <button type="button" className="team-danger" disabled={busy} onClick={() => void onDisconnect().finally(() => setConfirming(false))}>
        Yes, disconnect
      </button>
      <button
        type="button"
        ref={cancel}
        onClick={() => {
          cancelled.current = true;
          setConfirming(false);
        }}
      >
        Cancel
      </button>
    </div>
  );
}
