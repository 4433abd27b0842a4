/**
 * Team: the tenant's people (GET/POST /api/v1/agents) with their Slack, HubSpot and Salesforce user ids, and
 * the API keys people sign in with (GET/POST/DELETE /api/v1/api-keys, admins only). A new key is shown once.
 */
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { api, errorText, fieldErrors, type Session } from '../api';
import { describedBy, Field, formatTime, TableRegion } from '../components/bits';
import { copyText } from '../clipboard';
import { keyBody, ownerName, personBody, personForm, roleLabel, ROLES, type KeyInfo, type Person, type PersonForm, type Role } from '../team';

const ROLE_HINT = ROLES.map(([, label, does]) => `${label} ${does}.`).join(' ');
const EMPTY_PERSON: PersonForm = { name: '', email: '', role: 'agent', slackUserId: '', hubspotUserId: '', salesforceUserId: '' };

export function TeamPage({ isAdmin, session }: { isAdmin: boolean; session: Session }) {
  const [people, setPeople] = useState<Person[] | null>(null);
  const [keys, setKeys] = useState<KeyInfo[] | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [editing, setEditing] = useState<Person | null>(null);
  const [peopleStatus, setPeopleStatus] = useState('');

  const loadKeys = () =>
    api<{ apiKeys: KeyInfo[] }>('GET', '/api-keys').then(
      (r) => setKeys(r.apiKeys),
      (err) => setLoadError(errorText(err)),
    );

  /** Takes a person off the team; their keys are revoked with them, so the keys table is read again. */
  const remove = async (p: Person): Promise<boolean> => {
    setPeopleStatus('');
    try {
      const r = await api<{ revokedKeys: number }>('DELETE', `/agents/${encodeURIComponent(p.id)}`);
      setPeople((list) => (list ?? []).filter((x) => x.id !== p.id));
      if (editing?.id === p.id) setEditing(null);
      setPeopleStatus(`Removed ${p.name} from the team${r.revokedKeys ? `; ${r.revokedKeys} API key${r.revokedKeys === 1 ? '' : 's'} revoked` : ''}.`);
      void loadKeys();
      return true;
    } catch (err) {
      setPeopleStatus(`Not removed: ${errorText(err)}`);
      return false;
    }
  };

  useEffect(() => {
    api<{ agents: Person[] }>('GET', '/agents').then(
      (r) => setPeople(r.agents),
      (err) => setLoadError(errorText(err)),
    );
    if (isAdmin) void loadKeys();
  }, [isAdmin]);

  return (
    <div className="team">
      <h1>Team</h1>
      <p className="lede">
        You are signed in with the key “{session.name}” ({roleLabel(session.role).toLowerCase()}).
      </p>
      {loadError && (
        <p role="alert" className="error">
          {loadError}
        </p>
      )}
      <section aria-labelledby="people-title">
        <h2 id="people-title">People</h2>
        <p className="hint">Link each person’s Slack member id and CRM user ids so Slack mentions and CRM record owners map to them.</p>
        <p role="status" className="status-line">
          {peopleStatus}
        </p>
        {people === null ? (
          !loadError && <p role="status">Loading…</p>
        ) : (
          <PeopleTable people={people} me={session.agentId} onEdit={isAdmin ? setEditing : undefined} onRemove={isAdmin ? remove : undefined} />
        )}
        {isAdmin ? (
          <PersonEditor
            editing={editing}
            onSaved={(p) => {
              setPeople((list) => (editing ? (list ?? []).map((x) => (x.id === p.id ? p : x)) : [...(list ?? []), p]));
              setEditing(null);
            }}
            onCancel={() => setEditing(null)}
          />
        ) : (
          <p className="hint">Only admins add or change people.</p>
        )}
      </section>
      <section aria-labelledby="keys-title">
        <h2 id="keys-title">API keys</h2>
        {!isAdmin ? (
          <p>Only admins manage API keys. Ask an admin if you need a key of your own.</p>
        ) : keys === null ? (
          !loadError && <p role="status">Loading…</p>
        ) : (
          <Keys keys={keys} setKeys={setKeys} people={people ?? []} ownKeyId={session.keyId} />
        )}
      </section>
    </div>
  );
}

function PeopleTable({ people, me, onEdit, onRemove }: { people: Person[]; me: string | null; onEdit?: (p: Person) => void; onRemove?: (p: Person) => Promise<boolean> }) {
  const [confirming, setConfirming] = useState<string | null>(null);
  if (people.length === 0) return <p>No people yet.</p>;
  return (
    <TableRegion label="People table" caption="People in this tenant and their linked user ids" columns={['Name', 'Email', 'Role', 'Slack member id', 'HubSpot user id', 'Salesforce user id']} action={Boolean(onEdit)}>
          {people.map((p) => (
            <tr key={p.id}>
              <th scope="row">
                {p.name}
                {p.id === me && <span className="muted"> (you)</span>}
              </th>
              <td>{p.email ?? '—'}</td>
              <td>{roleLabel(p.role)}</td>
              <td>{p.slackUserId ?? '—'}</td>
              <td>{p.hubspotUserId ?? '—'}</td>
              <td>{p.salesforceUserId ?? '—'}</td>
              {onEdit && (
                <td>
                  {confirming === p.id && onRemove ? (
                    <div className="team-confirm" role="group" aria-labelledby={`remove-${p.id}`}>
                      <span id={`remove-${p.id}`}>Remove {p.name}? Their API keys stop working.</span>
                      <button type="button" className="team-danger" onClick={() => void onRemove(p).then((ok) => ok || setConfirming(null))}>
                        Yes, remove
                      </button>
                      <button type="button" onClick={() => setConfirming(null)}>
                        Cancel
                      </button>
                    </div>
                  ) : (
                    <div className="team-confirm">
                      <button type="button" onClick={() => onEdit(p)}>
                        Edit<span className="visually-hidden"> {p.name}</span>
                      </button>
                      {onRemove && p.id !== me && (
                        <button type="button" onClick={() => setConfirming(p.id)}>
                          Remove<span className="visually-hidden"> {p.name}</span>
                        </button>
                      )}
                    </div>
                  )}
                </td>
              )}
            </tr>
          ))}
        </TableRegion>
  );
}

/** Adds a person, or changes one (`editing`): an emptied optional field is cleared. */
function PersonEditor({ editing, onSaved, onCancel }: { editing: Person | null; onSaved: (p: Person) => void; onCancel: () => void }) {
  const [form, setForm] = useState<PersonForm>(editing ? personForm(editing) : EMPTY_PERSON);
  const nameInput = useRef<HTMLInputElement>(null);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [status, setStatus] = useState('');
  const [busy, setBusy] = useState(false);
  const set = (k: keyof PersonForm, v: string) => setForm((f) => ({ ...f, [k]: v }));
  useEffect(() => {
    // Edit was pressed in the table (or the edit ended): show that person, and take focus to the form.
    setForm(editing ? personForm(editing) : EMPTY_PERSON);
    setErrors({});
    if (editing) nameInput.current?.focus();
  }, [editing]);

  const submit = async (ev: FormEvent) => {
    ev.preventDefault();
    if (busy) return;
    setBusy(true);
    setErrors({});
    setStatus('');
    try {
      const r = editing
        ? await api<{ agent: Person }>('PATCH', `/agents/${encodeURIComponent(editing.id)}`, personBody(form))
        : await api<{ agent: Person }>('POST', '/agents', personBody(form));
      onSaved(r.agent);
      setForm(EMPTY_PERSON);
      setStatus(`${editing ? 'Saved' : 'Added'} ${r.agent.name} (${roleLabel(r.agent.role)}).`);
    } catch (err) {
      setErrors(fieldErrors(err));
      setStatus(`Not ${editing ? 'saved' : 'added'}: ${errorText(err)}`);
    } finally {
      setBusy(false);
    }
  };

  const e = (k: string) => errors[k];
  const text = (k: Exclude<keyof PersonForm, 'role'>, id: string, label: string, extra: { type?: string; hint?: string; required?: boolean; autoComplete?: string } = {}) => (
    <Field id={id} label={label} hint={extra.hint} error={e(k)}>
      <input
        id={id}
        type={extra.type ?? 'text'}
        value={form[k]}
        maxLength={k === 'name' ? 120 : k === 'email' ? 254 : 64}
        required={extra.required}
        autoComplete={extra.autoComplete ?? 'off'}
        onChange={(ev) => set(k, ev.target.value)}
        ref={k === 'name' ? nameInput : undefined}
        aria-invalid={e(k) ? true : undefined}
        aria-describedby={describedBy(id, extra.hint, e(k))}
      />
    </Field>
  );

  return (
    <form className="panel team-form" aria-labelledby="add-person-title" onSubmit={(ev) => void submit(ev)} noValidate>
      <h3 id="add-person-title">{editing ? `Change ${editing.name}` : 'Add a person'}</h3>
      <div className="inline-fields">
        {text('name', 'p-name', 'Name', { required: true })}
        {text('email', 'p-email', 'Email (optional)', { type: 'email' })}
      </div>
      <RoleField id="p-role" value={form.role} error={e('role')} onChange={(r) => set('role', r)} />
      <div className="inline-fields">
        {text('slackUserId', 'p-slack', 'Slack member id (optional)', { hint: 'e.g. U012AB3CD' })}
        {text('hubspotUserId', 'p-hubspot', 'HubSpot user id (optional)')}
        {text('salesforceUserId', 'p-salesforce', 'Salesforce user id (optional)')}
      </div>
      <div className="actions">
        <button type="submit" className="primary" disabled={busy}>
          {editing ? 'Save changes' : 'Add person'}
        </button>
        {editing && (
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
        )}
      </div>
      <p role="status" className="status-line">
        {status}
      </p>
    </form>
  );
}

function Keys({ keys, setKeys, people, ownKeyId }: { keys: KeyInfo[]; setKeys: (f: (k: KeyInfo[] | null) => KeyInfo[] | null) => void; people: Person[]; ownKeyId: string }) {
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('agent');
  const [agentId, setAgentId] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [status, setStatus] = useState('');
  const [busy, setBusy] = useState(false);
  const [created, setCreated] = useState<{ name: string; key: string } | null>(null);
  const [copyNote, setCopyNote] = useState('');
  const [confirming, setConfirming] = useState<string | null>(null);
  const keyInput = useRef<HTMLInputElement>(null);
  const createButton = useRef<HTMLButtonElement>(null);
  const cancelButton = useRef<HTMLButtonElement>(null);
  const revokeButtons = useRef(new Map<string, HTMLButtonElement>());

  useEffect(() => {
    if (!created) return;
    keyInput.current?.focus();
    keyInput.current?.select();
  }, [created]);
  // Focus follows the confirm step: to its Cancel when it opens, back to the row's Revoke when cancelled.
  const cancelled = useRef<string | null>(null);
  useEffect(() => {
    if (confirming) cancelButton.current?.focus();
    else if (cancelled.current) revokeButtons.current.get(cancelled.current)?.focus();
    cancelled.current = null;
  }, [confirming]);

  const replace = (k: KeyInfo) => setKeys((list) => (list ?? []).map((x) => (x.id === k.id ? k : x)));

  const create = async (ev: FormEvent) => {
    ev.preventDefault();
    if (busy) return;
    setBusy(true);
    setErrors({});
    setStatus('');
    try {
      const r = await api<{ apiKey: KeyInfo & { key: string } }>('POST', '/api-keys', keyBody({ name, role, agentId }));
      const { key, ...info } = r.apiKey;
      setKeys((list) => [...(list ?? []), info]);
      setCreated({ name: info.name, key });
      setCopyNote('');
      setName('');
      setAgentId('');
      setStatus(`Created key ${info.name}.`);
    } catch (err) {
      setErrors(fieldErrors(err));
      setStatus(`Not created: ${errorText(err)}`);
    } finally {
      setBusy(false);
    }
  };

  const copy = async () => {
    if (!created) return;
    if (await copyText(created.key, navigator.clipboard)) setCopyNote('Copied.');
    else {
      keyInput.current?.select();
      setCopyNote('Copying is not available here: the key is selected, copy it with Ctrl+C or ⌘C.');
    }
  };

  const revoke = async (k: KeyInfo) => {
    setStatus('');
    try {
      const r = await api<{ apiKey: KeyInfo }>('DELETE', `/api-keys/${encodeURIComponent(k.id)}`);
      replace(r.apiKey);
      setConfirming(null);
      // Revoking the key this console signed in with is allowed (a leaked key): say what follows.
      setStatus(k.id === ownKeyId ? `Revoked key ${k.name}, the key you are signed in with: reload and sign in with another key.` : `Revoked key ${k.name}.`);
    } catch (err) {
      setStatus(`Not revoked: ${errorText(err)}`);
    }
  };

  const e = (k: string) => errors[k];
  return (
    <>
      {created && (
        <div className="team-new-key" role="region" aria-labelledby="new-key-title">
          <h3 id="new-key-title">New key: {created.name}</h3>
          <p id="new-key-once">
            <strong>Shown once. Store it now — it cannot be shown again.</strong>
          </p>
          <label htmlFor="new-key">API key {created.name}</label>
          <div className="team-key-row">
            <input id="new-key" ref={keyInput} readOnly value={created.key} aria-describedby="new-key-once" spellCheck={false} autoComplete="off" />
            <button type="button" onClick={() => void copy()}>
              Copy
            </button>
          </div>
          <p className="hint" aria-live="polite">
            {copyNote}
          </p>
          <button
            type="button"
            onClick={() => {
              setCreated(null);
              createButton.current?.focus();
            }}
          >
            I have stored it, hide the key
          </button>
        </div>
      )}
      <p role="status" className="status-line">
        {status}
      </p>
      {keys.length === 0 ? (
        <p>No API keys.</p>
      ) : (
        <TableRegion label="API keys table" caption="API keys of this tenant" columns={['Name', 'Role', 'Person', 'Created', 'Last used', 'Status']} action>
              {keys.map((k) => (
                <tr key={k.id}>
                  <th scope="row">
                    {k.name} <span className="muted small">{k.prefix}…</span>
                    {k.id === ownKeyId && <span className="muted small"> (this session)</span>}
                  </th>
                  <td>{roleLabel(k.role)}</td>
                  <td>{ownerName(k.agentId, people)}</td>
                  <td>{formatTime(k.createdAt)}</td>
                  <td>{k.lastUsedAt ? formatTime(k.lastUsedAt) : 'Never'}</td>
                  <td>{k.revokedAt ? <span className="pill danger">Revoked {formatTime(k.revokedAt)}</span> : <span className="pill ok">Active</span>}</td>
                  <td>
                    {k.revokedAt ? null : confirming === k.id ? (
                      <div className="team-confirm" role="group" aria-labelledby={`confirm-${k.id}`}>
                        <span id={`confirm-${k.id}`}>
                          Revoke key {k.name}?{k.id === ownKeyId ? ' You are signed in with it and will be signed out.' : ''}
                        </span>
                        <button type="button" className="team-danger" onClick={() => void revoke(k)}>
                          Yes, revoke
                        </button>
                        <button
                          type="button"
                          ref={cancelButton}
                          onClick={() => {
                            cancelled.current = k.id;
                            setConfirming(null);
                          }}
                        >
                          Cancel
                        </button>
                      </div>
                    ) : (
                      <button
                        type="button"
                        ref={(el) => {
                          if (el) revokeButtons.current.set(k.id, el);
                          else revokeButtons.current.delete(k.id);
                        }}
                        onClick={() => setConfirming(k.id)}
                      >
                        Revoke<span className="visually-hidden"> key {k.name}</span>
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </TableRegion>
      )}
      <form className="panel team-form" aria-labelledby="create-key-title" onSubmit={(ev) => void create(ev)} noValidate>
        <h3 id="create-key-title">Create a key</h3>
        <div className="inline-fields">
          <Field id="k-name" label="Key name" hint="Where it is used, e.g. “Dana’s laptop”." error={e('name')}>
            <input
              id="k-name"
              value={name}
              maxLength={120}
              required
              autoComplete="off"
              onChange={(ev) => setName(ev.target.value)}
              aria-invalid={e('name') ? true : undefined}
              aria-describedby={describedBy('k-name', 'h', e('name'))}
            />
          </Field>
          <Field id="k-person" label="Person (optional)" hint="The key acts as this person; choosing one sets the role to theirs." error={e('agentId')}>
            <select
              id="k-person"
              value={agentId}
              onChange={(ev) => {
                setAgentId(ev.target.value);
                const p = people.find((x) => x.id === ev.target.value);
                if (p) setRole(p.role);
              }}
              aria-invalid={e('agentId') ? true : undefined}
              aria-describedby={describedBy('k-person', 'h', e('agentId'))}
            >
              <option value="">No one in particular</option>
              {people.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.name}
                </option>
              ))}
            </select>
          </Field>
        </div>
        <RoleField id="k-role" value={role} error={e('role')} onChange={setRole} />
        <div className="actions">
          <button type="submit" className="primary" disabled={busy} ref={createButton}>
            Create key
          </button>
        </div>
      </form>
    </>
  );
}

/** The role a person or key gets, with what each role may do. */
function RoleField({ id, value, error, onChange }: { id: string; value: Role; error?: string; onChange: (role: Role) => void }) {
  return (
    <Field id={id} label="Role" hint={ROLE_HINT} error={error}>
      <select id={id} className="team-role" value={value} onChange={(ev) => onChange(ev.target.value as Role)} aria-describedby={describedBy(id, ROLE_HINT, error)}>
        {ROLES.map(([role, label]) => (
          <option key={role} value={role}>
            {label}
          </option>
        ))}
      </select>
    </Field>
  );
}
