/** The console shell: sign-in, navigation between pages (hash routes), live status, sign-out. */
import { lazy, Suspense, useEffect, useRef, useState, type FormEvent } from 'react';
import { api, errorText, type Session, type SessionInfo } from './api';
import { closeLive, useLiveStatus } from './live';
import { AnalyticsPage } from './pages/analytics-page';
import { DemoPage } from './pages/demo-page';
import { Inbox } from './pages/inbox-page';
import { IntegrationsPage, platformFromHash, type Platform } from './pages/integrations-page';
import { SettingsPage } from './pages/settings-page';
import { TeamPage } from './pages/team-page';

// The editor carries the form schema (zod) and phone metadata: load it only when the Forms page opens.
const FormsPage = lazy(() => import('./pages/forms-page').then((m) => ({ default: m.FormsPage })));

const PAGES = [
  { id: 'demo', label: 'Demo', demoOnly: true },
  { id: 'inbox', label: 'Inbox' },
  { id: 'forms', label: 'Forms' },
  { id: 'settings', label: 'Settings' },
  { id: 'integrations', label: 'Integrations' },
  { id: 'team', label: 'Team' },
  { id: 'analytics', label: 'Analytics' },
] as const;
type PageId = (typeof PAGES)[number]['id'];

function pageFromHash(demo: boolean): PageId {
  // `#/integrations/slack` is the Integrations page with Slack's panel open.
  const h = window.location.hash.replace(/^#\/?/, '').replace(/\/.*$/, '');
  const found = PAGES.find((p) => p.id === h && (!('demoOnly' in p) || demo));
  return found ? found.id : demo ? 'demo' : 'inbox';
}

export function App() {
  const [info, setInfo] = useState<SessionInfo | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);

  const refresh = () =>
    api<SessionInfo>('GET', '/session').then(
      (r) => {
        setInfo(r);
        setLoadError(null);
      },
      (err) => setLoadError(errorText(err)),
    );

  useEffect(() => {
    void refresh();
  }, []);

  if (loadError) return <main id="main" className="center"><p role="alert" className="error">{loadError}</p></main>;
  if (!info) return <main id="main" className="center"><p role="status">Loading…</p></main>;
  if (!info.session) return <SignIn demoAvailable={info.demoAvailable} onSignedIn={refresh} />;
  return (
    <Shell
      session={info.session}
      demo={info.demoAvailable}
      onSignOut={async () => {
        await api('DELETE', '/session').catch(() => undefined);
        closeLive();
        setInfo({ session: null, demoAvailable: info.demoAvailable });
      }}
    />
  );
}

function SignIn({ demoAvailable, onSignedIn }: { demoAvailable: boolean; onSignedIn: () => void }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const input = useRef<HTMLInputElement>(null);

  useEffect(() => {
    document.title = 'Sign in · Tandem';
  }, []);

  const go = async (fn: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    try {
      await fn();
      onSignedIn();
    } catch (err) {
      setError(errorText(err));
      input.current?.focus();
    } finally {
      setBusy(false);
    }
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    void go(() => api('POST', '/session', { apiKey: key.trim() }));
  };

  return (
    <main id="main" className="signin">
      <h1>Tandem console</h1>
      <p className="lede">Sign in with one of your tenant’s API keys.</p>
      <form onSubmit={submit} className="card">
        <label htmlFor="api-key">API key</label>
        <input
          id="api-key"
          ref={input}
          type="password"
          autoComplete="current-password"
          value={key}
          onChange={(e) => setKey(e.target.value)}
          required
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? 'signin-error' : 'api-key-hint'}
        />
        <p className="hint" id="api-key-hint">
          It starts with tdm_. The console keeps it in a secure cookie, never in the page.
        </p>
        {error && (
          <p className="error" id="signin-error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy || !key.trim()}>
          Sign in
        </button>
        {demoAvailable && (
          <>
            <p className="or">or, on this local demo</p>
            <button type="button" disabled={busy} onClick={() => void go(() => api('POST', '/demo/session'))}>
              Use the demo key
            </button>
          </>
        )}
      </form>
    </main>
  );
}

function Shell({ session, demo, onSignOut }: { session: Session; demo: boolean; onSignOut: () => void }) {
  const [page, setPage] = useState<PageId>(() => pageFromHash(demo));
  const [platform, setPlatform] = useState<Platform | null>(() => platformFromHash(window.location.hash));
  const connected = useLiveStatus();
  const mainRef = useRef<HTMLElement>(null);
  const first = useRef(true);

  useEffect(() => {
    const onHash = () => {
      setPage(pageFromHash(demo));
      setPlatform(platformFromHash(window.location.hash));
    };
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, [demo]);

  useEffect(() => {
    const label = PAGES.find((p) => p.id === page)!.label;
    document.title = `${label} · Tandem`;
    // After navigation, put keyboard and screen-reader users at the new page's heading.
    if (first.current) first.current = false;
    else {
      // Lazily loaded pages draw their heading a moment later: look for it for up to ~2 s.
      let frames = 0;
      let raf = 0;
      const focusHeading = () => {
        const h1 = mainRef.current?.querySelector<HTMLElement>('h1');
        if (h1) {
          h1.tabIndex = -1;
          h1.focus();
        } else if (frames++ < 120) raf = requestAnimationFrame(focusHeading);
      };
      focusHeading();
      return () => cancelAnimationFrame(raf);
    }
  }, [page]);

  const isAdmin = session.role === 'admin';
  return (
    <>
      <a className="skip" href="#main" onClick={(e) => { e.preventDefault(); mainRef.current?.focus(); }}>
        Skip to content
      </a>
      <header className="top">
        <p className="brand">
          Tandem <span className="muted">· {session.tenantName}</span>
        </p>
        <nav aria-label="Console">
          <ul>
            {PAGES.filter((p) => !('demoOnly' in p) || demo).map((p) => (
              <li key={p.id}>
                <a href={`#/${p.id}`} aria-current={page === p.id ? 'page' : undefined}>
                  {p.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div className="who">
          <span className={`live-dot ${connected ? 'on' : ''}`} role="status">
            {connected ? 'Live' : 'Reconnecting…'}
          </span>
          <span className="muted">
            {session.name} ({session.role})
          </span>
          <button onClick={onSignOut}>Sign out</button>
        </div>
      </header>
      <main id="main" ref={mainRef} tabIndex={-1}>
        {page === 'demo' && <DemoPage />}
        {page === 'inbox' && <Inbox canStart={session.role !== 'viewer'} demo={demo} />}
        {page === 'forms' && (
          <Suspense fallback={<p role="status">Loading the form editor…</p>}>
            <FormsPage isAdmin={isAdmin} />
          </Suspense>
        )}
        {page === 'settings' && <SettingsPage isAdmin={isAdmin} />}
        {page === 'integrations' && <IntegrationsPage isAdmin={isAdmin} platform={platform} />}
        {page === 'team' && <TeamPage isAdmin={isAdmin} session={session} />}
        {page === 'analytics' && <AnalyticsPage />}
      </main>
    </>
  );
}
