/**
 * One conversation, with exactly the buttons `view.allowedActions` lists (the same rule the CRM cards and
 * Slack follow). Every action sends the version it saw; a 409 swaps in the fresh view and says so.
 */
import { useCallback, useEffect, useId, useRef, useState } from 'react';
import type { ConversationView, MessageView } from '../../../core/domain/conversation-view';
import { deliveryOf } from '../delivery';
import type { ActionType, Autonomy, ConsentSource } from '../../../core/domain/types';
import { act, conflictView, errorText, getConversation, type ActionFields } from '../api';
import { Latest } from '../latest';
import { useLive } from '../live';
import { formatTime, TagBadge } from './bits';
import { DEMO_PHONE_KEY } from './simulated-phone';

const AUTHOR: Record<MessageView['author'], string> = { lead: 'Lead', ai: 'Tandem AI', agent: 'Agent', system: 'System' };

/** How the consent on record was given, in words an agent reads at a glance. */
const CONSENT_SOURCE: Record<ConsentSource, string> = {
  form: 'form',
  keyword: 'START text',
  natural_language: 'their own text',
  agent: 'agent confirmation',
  api: 'API',
  carrier_error: 'carrier',
};

function consentLabel(consent: ConversationView['lead']['consent']): string {
  if (consent.state !== 'granted') return 'No SMS consent: texts are held';
  const how = consent.source ? ` via ${CONSENT_SOURCE[consent.source]}` : '';
  return `SMS consent${how}${consent.at ? `, ${new Date(consent.at).toLocaleDateString([], { month: 'short', day: 'numeric', year: 'numeric' })}` : ''}`;
}

/**
 * `phoneLink`: in demo mode, a link that puts this lead's number on the Demo page's simulated phone (texts to
 * a lead an agent started go there, and nobody else could read them).
 */
export function ConversationPanel({
  conversationId,
  onChanged,
  headingLevel = 2,
  phoneLink = false,
}: {
  conversationId: string;
  onChanged?: () => void;
  headingLevel?: 2 | 3;
  phoneLink?: boolean;
}) {
  const [view, setView] = useState<ConversationView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState<ActionType | null>(null);
  const [editing, setEditing] = useState(false);
  const [editText, setEditText] = useState('');
  const [text, setText] = useState('');
  const [note, setNote] = useState('');
  const ids = useId();
  const editRef = useRef<HTMLTextAreaElement>(null);

  // A refetch started before an action, or for the conversation shown before, must not overwrite what is newer.
  const latest = useRef(new Latest()).current;
  const load = useCallback(
    () =>
      latest.run(
        () => getConversation(conversationId),
        (next) => {
          setView(next);
          setError(null);
        },
        (err) => setError(errorText(err)),
      ),
    [conversationId, latest],
  );

  useEffect(() => {
    setView(null);
    setNotice(null);
    setEditing(false);
    void load();
  }, [load]);

  useLive((e) => {
    if (e.conversationId === conversationId || (view && e.leadId === view.lead.id)) void load();
  });

  useEffect(() => {
    if (editing) editRef.current?.focus();
  }, [editing]);

  const run = async (type: ActionType, fields?: ActionFields) => {
    if (!view || busy) return;
    setBusy(type);
    setNotice(null);
    setError(null);
    try {
      const next = await act(view.id, type, view.version, fields);
      setView(next);
      void load(); // whatever refetch was in flight may predate the action: it is dropped, and this one is newer
      if (type === 'edit') setEditing(false);
      if (type === 'send') setText('');
      if (type === 'note') setNote('');
      onChanged?.();
    } catch (err) {
      const fresh = conflictView(err);
      if (fresh) {
        setView(fresh);
        void load();
        setEditing(false);
        setNotice(`${errorText(err)}. You are now looking at the current conversation; nothing was done.`);
        onChanged?.();
      } else setError(errorText(err));
    } finally {
      setBusy(null);
    }
  };

  if (!view) {
    return <div className="panel">{error ? <p role="alert" className="error">{error}</p> : <p role="status">Loading the conversation…</p>}</div>;
  }
  const can = (a: ActionType) => view.allowedActions.includes(a);
  const H = `h${headingLevel}` as 'h2' | 'h3';
  const lead = view.lead;

  return (
    <section className="panel conversation" aria-labelledby={`${ids}-title`}>
      <header className="conversation-head">
        <H id={`${ids}-title`}>{lead.name || lead.phoneMasked}</H>
        <p className="meta">
          <span>{lead.phoneMasked}</span> <TagBadge tag={lead.tag} /> <span>score {lead.score}</span>{' '}
          <span className="pill">{view.mode === 'ai' ? 'AI has it' : `Agent has it${view.assignee ? ` (${view.assignee.name})` : ''}`}</span>{' '}
          <span className="pill" data-testid="autonomy">
            {view.autonomy}
            {view.autonomyOverride ? ' (this conversation)' : ''}
          </span>{' '}
          <span className="pill">{view.status.replace('_', ' ')}</span>
          {view.flags.optedOut ? (
            <span className="pill danger" data-testid="opted-out">
              Opted out
            </span>
          ) : (
            <span className={`pill ${lead.consent.state === 'granted' ? '' : 'warn'}`} data-testid="consent">
              {consentLabel(lead.consent)}
            </span>
          )}
          {view.flags.needsHuman && <span className="pill warn">Waiting for a person</span>}
          {view.flags.quietHours && <span className="pill">Quiet hours: texts wait</span>}
        </p>
        {phoneLink && (
          <p className="hint">
            <a href="#/demo" onClick={() => sessionStorage.setItem(DEMO_PHONE_KEY, lead.phone)}>
              See this lead’s simulated phone
            </a>
          </p>
        )}
      </header>

      {notice && (
        <p className="notice" role="alert">
          {notice}
        </p>
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}

      <div className="messages" tabIndex={0} role="log" aria-live="polite" aria-label={`Messages with ${lead.name || lead.phoneMasked}`}>
      <ol>
        {view.messages.map((m) => (
          <li key={m.id} className={`bubble ${m.direction}`}>
            <span className="who">
              {m.authorName ?? AUTHOR[m.author]} · <time dateTime={m.createdAt}>{formatTime(m.createdAt)}</time>
              {m.direction === 'out' && <> · {deliveryOf(m)}{m.scheduledFor ? ` until ${formatTime(m.scheduledFor)}` : ''}</>}
            </span>
            <span className="body">{m.body}</span>
          </li>
        ))}
        {view.messages.length === 0 && <li className="empty">No texts yet.</li>}
      </ol>
      </div>

      {view.draft && view.draft.status === 'pending' && (
        <div className="draft" role="region" aria-labelledby={`${ids}-draft`}>
          <h3 id={`${ids}-draft`}>AI draft waiting for you</h3>
          {!editing ? (
            <p className="draft-body" data-testid="draft-body">
              {view.draft.body}
            </p>
          ) : (
            <>
              <label htmlFor={`${ids}-edit`}>Edit the reply</label>
              <textarea id={`${ids}-edit`} ref={editRef} value={editText} onChange={(e) => setEditText(e.target.value)} rows={3} maxLength={1600} />
            </>
          )}
          <p className="hint">
            {view.draft.reason}
            {view.draft.heldBy.length > 0 && ` · held by: ${view.draft.heldBy.join(', ')}`}
          </p>
          <div className="actions">
            {!editing && can('approve') && (
              <button className="primary" disabled={!!busy} onClick={() => run('approve')}>
                {busy === 'approve' ? 'Sending…' : 'Approve & send'}
              </button>
            )}
            {!editing && can('edit') && (
              <button
                disabled={!!busy}
                onClick={() => {
                  setEditText(view.draft!.body);
                  setEditing(true);
                }}
              >
                Edit
              </button>
            )}
            {editing && (
              <>
                <button className="primary" disabled={!!busy || !editText.trim()} onClick={() => run('edit', { text: editText })}>
                  {busy === 'edit' ? 'Sending…' : 'Send edited reply'}
                </button>
                <button onClick={() => setEditing(false)}>Cancel</button>
              </>
            )}
            {!editing && can('discard') && (
              <button disabled={!!busy} onClick={() => run('discard')}>
                Discard
              </button>
            )}
          </div>
        </div>
      )}

      <div className="actions row">
        {can('takeover') && (
          <button disabled={!!busy} onClick={() => run('takeover')}>
            Take over
          </button>
        )}
        {can('handback') && (
          <button disabled={!!busy} onClick={() => run('handback')}>
            Hand back to AI
          </button>
        )}
        {can('close') && (
          <button disabled={!!busy} onClick={() => run('close')}>
            Close
          </button>
        )}
        {can('reopen') && (
          <button disabled={!!busy} onClick={() => run('reopen')}>
            Reopen
          </button>
        )}
      </div>

      {can('set_autonomy') && (
        <div className="autonomy">
          <label htmlFor={`${ids}-autonomy`}>How the AI answers in this conversation</label>
          <select
            id={`${ids}-autonomy`}
            value={view.autonomyOverride ?? ''}
            disabled={!!busy}
            onChange={(e) => void run('set_autonomy', { autonomy: e.target.value === '' ? null : (e.target.value as Autonomy) })}
          >
            <option value="">As the tenant setting{view.autonomyOverride === null ? ` (${view.autonomy})` : ''}</option>
            <option value="autopilot">Autopilot: the AI sends its replies</option>
            <option value="copilot">Copilot: the AI drafts, a person approves</option>
            <option value="off">Off: the AI only suggests</option>
          </select>
        </div>
      )}

      {can('send') && (
        <form
          className="composer"
          onSubmit={(e) => {
            e.preventDefault();
            if (text.trim()) void run('send', { text });
          }}
        >
          <label htmlFor={`${ids}-send`}>Text the lead yourself {view.mode === 'ai' && <span className="hint">(takes the conversation over)</span>}</label>
          <textarea id={`${ids}-send`} value={text} onChange={(e) => setText(e.target.value)} rows={2} maxLength={1600} />
          <button type="submit" className="primary" disabled={!!busy || !text.trim()}>
            {busy === 'send' ? 'Sending…' : 'Send'}
          </button>
        </form>
      )}

      {can('note') && (
        <form
          className="composer"
          onSubmit={(e) => {
            e.preventDefault();
            if (note.trim()) void run('note', { text: note });
          }}
        >
          <label htmlFor={`${ids}-note`}>Internal note (the lead never sees it)</label>
          <input id={`${ids}-note`} value={note} onChange={(e) => setNote(e.target.value)} maxLength={1600} />
          <button type="submit" disabled={!!busy || !note.trim()}>
            Add note
          </button>
        </form>
      )}

      {view.notes.length > 0 && (
        <>
          <h3>Notes</h3>
          <ul className="notes">
            {view.notes.map((n) => (
              <li key={n.id}>
                <span className="who">
                  {n.authorName} ({n.surface}) · <time dateTime={n.createdAt}>{formatTime(n.createdAt)}</time>
                </span>{' '}
                {n.body}
              </li>
            ))}
          </ul>
        </>
      )}
      {lead.signals.length > 0 && (
        <details>
          <summary>Why {lead.tag}</summary>
          <ul>
            {lead.signals.map((s) => (
              <li key={s.code}>
                {s.label} ({s.points > 0 ? '+' : ''}
                {s.points})
              </li>
            ))}
          </ul>
        </details>
      )}
    </section>
  );
}
