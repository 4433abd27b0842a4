/** The agent inbox: conversations filtered by waiting-for-a-person, mode and tag; the chosen one beside. */
import { useCallback, useEffect, useRef, useState } from 'react';
import { errorText, listConversations, type ConversationListItem, type Filters } from '../api';
import { formatTime, TagBadge } from '../components/bits';
import { ConversationPanel } from '../components/conversation-panel';
import { NewConversation } from '../components/new-conversation';
import { Latest } from '../latest';
import { useLive } from '../live';

/** `canStart`: the person may start conversations (agents and admins; viewers only read). `demo`: demo mode. */
export function Inbox({ headingLevel = 1, compact = false, canStart = false, demo = false }: { headingLevel?: 1 | 2; compact?: boolean; canStart?: boolean; demo?: boolean }) {
  const [filters, setFilters] = useState<Filters>({ needsHuman: false, mode: '', tag: '' });
  const [items, setItems] = useState<ConversationListItem[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const latest = useRef(new Latest()).current;

  const load = useCallback(
    () =>
      latest.run(
        () => listConversations(filters),
        (page) => {
          setItems(page.items);
          setError(null);
        },
        (err) => setError(errorText(err)),
      ),
    [filters, latest],
  );
  const loadNow = useRef(load);
  loadNow.current = load;

  useEffect(() => {
    void load();
  }, [load]);

  // Bursts of events (a text, its status, the AI turn) become one refetch, with the filters in force when it fires.
  useLive(() => {
    if (timer.current) clearTimeout(timer.current);
    timer.current = setTimeout(() => void loadNow.current(), 150);
  });
  useEffect(
    () => () => {
      if (timer.current) clearTimeout(timer.current);
    },
    [],
  );

  const H = `h${headingLevel}` as 'h1' | 'h2';
  const id = `inbox-${headingLevel}`;
  return (
    <section className={`inbox ${compact ? 'compact' : ''}`} aria-labelledby={`${id}-title`}>
      <H id={`${id}-title`}>Inbox</H>
      {canStart && (
        <NewConversation
          headingLevel={headingLevel === 1 ? 2 : 3}
          onStarted={(conversationId, message) => {
            setSelected(conversationId);
            setNotice(message);
            void load();
          }}
        />
      )}
      <p role="status" className={notice ? 'notice' : 'visually-hidden'}>
        {notice}
      </p>
      <fieldset className="filters">
        <legend>Filter conversations</legend>
        <label className="check">
          <input type="checkbox" checked={filters.needsHuman} onChange={(e) => setFilters({ ...filters, needsHuman: e.target.checked })} /> Waiting for a person
        </label>
        <label>
          Mode{' '}
          <select value={filters.mode} onChange={(e) => setFilters({ ...filters, mode: e.target.value as Filters['mode'] })}>
            <option value="">Any</option>
            <option value="ai">AI</option>
            <option value="human">Agent</option>
          </select>
        </label>
        <label>
          Tag{' '}
          <select value={filters.tag} onChange={(e) => setFilters({ ...filters, tag: e.target.value as Filters['tag'] })}>
            <option value="">Any</option>
            <option value="HOT">HOT</option>
            <option value="WARM">WARM</option>
            <option value="COLD">COLD</option>
          </select>
        </label>
      </fieldset>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <div className="inbox-body">
        <nav aria-label="Conversations" className="conversation-list">
          {items === null ? (
            <p role="status">Loading…</p>
          ) : items.length === 0 ? (
            <p>No conversations match.</p>
          ) : (
            <ul>
              {items.map((c) => (
                <li key={c.id}>
                  <button className={`conversation-item ${selected === c.id ? 'selected' : ''}`} aria-current={selected === c.id ? 'true' : undefined} onClick={() => {
                      setSelected(c.id);
                      setNotice(null);
                    }}>
                    <span className="line">
                      <strong>{c.lead.name || c.lead.phoneMasked}</strong> <TagBadge tag={c.lead.tag} />
                      {c.hasPendingDraft && <span className="pill warn">Draft to approve</span>}
                      {c.needsHuman && !c.hasPendingDraft && <span className="pill warn">Needs a person</span>}
                      {c.lead.optedOut && <span className="pill danger">Opted out</span>}
                    </span>
                    <span className="line muted">
                      {c.lastMessage ? `${c.lastMessage.direction === 'in' ? '← ' : '→ '}${c.lastMessage.body.slice(0, 80)}` : 'No texts yet'}
                    </span>
                    <span className="line muted small">
                      {c.mode === 'ai' ? 'AI' : 'Agent'} · {c.status.replace('_', ' ')} · <time dateTime={c.updatedAt}>{formatTime(c.updatedAt)}</time>
                    </span>
                  </button>
                </li>
              ))}
            </ul>
          )}
        </nav>
        <div className="conversation-slot">
          {selected ? (
            <ConversationPanel conversationId={selected} onChanged={() => void load()} headingLevel={headingLevel === 1 ? 2 : 3} phoneLink={demo} />
          ) : (
            <p className="panel muted">Choose a conversation.</p>
          )}
        </div>
      </div>
    </section>
  );
}
