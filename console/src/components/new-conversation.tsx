/**
 * "New conversation": an agent texts someone who never came through a form (a caller, a walk-in). Without
 * SMS consent on record the server refuses unless the agent confirms it; the words shown here are the words
 * the consent ledger keeps.
 */
import { useId, useState, type FormEvent } from 'react';
import { ApiError, conflictView, errorText, fieldErrors, startConversation } from '../api';
import { describedBy, Field } from './bits';

export const CONSENT_CONFIRMATION = 'This person agreed to receive text messages from us at this number.';

export function NewConversation({ onStarted, headingLevel = 2 }: { onStarted: (conversationId: string, notice: string | null) => void; headingLevel?: 2 | 3 }) {
  const [open, setOpen] = useState(false);
  const [phone, setPhone] = useState('');
  const [firstName, setFirstName] = useState('');
  const [lastName, setLastName] = useState('');
  const [email, setEmail] = useState('');
  const [agreed, setAgreed] = useState(false);
  const [how, setHow] = useState('');
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const id = useId();

  const reset = () => {
    setPhone('');
    setFirstName('');
    setLastName('');
    setEmail('');
    setAgreed(false);
    setHow('');
    setText('');
    setErrors({});
    setError(null);
  };

  const submit = async (ev: FormEvent) => {
    ev.preventDefault();
    if (busy) return;
    setBusy(true);
    setErrors({});
    setError(null);
    const statement = how.trim() ? `${CONSENT_CONFIRMATION} How: ${how.trim()}` : CONSENT_CONFIRMATION;
    try {
      const r = await startConversation({
        lead: { phone: phone.trim(), firstName: firstName.trim() || null, lastName: lastName.trim() || null, email: email.trim() || null },
        ...(agreed ? { consent: { statement } } : {}),
        ...(text.trim() ? { text: text.trim() } : {}),
      });
      reset();
      setOpen(false);
      onStarted(r.conversation.id, r.created ? null : 'This person already had an open conversation: here it is.');
    } catch (err) {
      const open = conflictView(err);
      if (open) {
        reset();
        setOpen(false);
        onStarted(open.id, 'This person already had an open conversation: your text was not sent. Send it from here if it is still needed.');
        return;
      }
      const fields = fieldErrors(err);
      if (err instanceof ApiError && err.code === 'consent.required') {
        fields['consent.statement'] = 'Tandem has no SMS consent on record for this number. Tick this only if they agreed.';
      }
      setErrors(fields);
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  if (!open) {
    return (
      <button type="button" className="primary" onClick={() => setOpen(true)} aria-expanded="false" aria-controls={`${id}-form`}>
        New conversation
      </button>
    );
  }
  const e = (k: string) => errors[k];
  const H = `h${headingLevel}` as 'h2' | 'h3';
  return (
    <form id={`${id}-form`} className="panel new-conversation" aria-labelledby={`${id}-title`} onSubmit={(ev) => void submit(ev)} noValidate>
      <H id={`${id}-title`}>New conversation</H>
      <p className="hint">You take the conversation; hand it to the AI whenever you like.</p>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <div className="inline-fields">
        <Field id={`${id}-phone`} label="Mobile number" error={e('lead.phone')}>
          <input
            id={`${id}-phone`}
            type="tel"
            autoComplete="off"
            required
            value={phone}
            maxLength={40}
            onChange={(ev) => setPhone(ev.target.value)}
            aria-invalid={e('lead.phone') ? true : undefined}
            aria-describedby={describedBy(`${id}-phone`, undefined, e('lead.phone'))}
          />
        </Field>
        <Field id={`${id}-first`} label="First name">
          <input id={`${id}-first`} value={firstName} maxLength={100} onChange={(ev) => setFirstName(ev.target.value)} />
        </Field>
        <Field id={`${id}-last`} label="Last name">
          <input id={`${id}-last`} value={lastName} maxLength={100} onChange={(ev) => setLastName(ev.target.value)} />
        </Field>
        <Field id={`${id}-email`} label="Email (optional)" error={e('lead.email')}>
          <input
            id={`${id}-email`}
            type="email"
            value={email}
            maxLength={254}
            onChange={(ev) => setEmail(ev.target.value)}
            aria-invalid={e('lead.email') ? true : undefined}
            aria-describedby={describedBy(`${id}-email`, undefined, e('lead.email'))}
          />
        </Field>
      </div>
      <label className="check">
        <input type="checkbox" checked={agreed} onChange={(ev) => setAgreed(ev.target.checked)} aria-describedby={e('consent.statement') ? `${id}-consent-error` : `${id}-consent-hint`} />
        <span>{CONSENT_CONFIRMATION}</span>
      </label>
      <p className="hint" id={`${id}-consent-hint`}>
        Needed when Tandem has no SMS consent on record for the number; kept word for word as proof.
      </p>
      {e('consent.statement') && (
        <p className="error" id={`${id}-consent-error`}>
          {e('consent.statement')}
        </p>
      )}
      <Field id={`${id}-how`} label="How did they agree? (optional, kept as proof)">
        <input id={`${id}-how`} value={how} maxLength={300} disabled={!agreed} placeholder="e.g. asked for texts when they called on 1 June" onChange={(ev) => setHow(ev.target.value)} />
      </Field>
      <Field id={`${id}-text`} label="First text (optional)" hint="Tandem adds your business name and “Reply STOP to opt out” to a first text that lacks them, and holds it until morning in the person’s quiet hours." error={e('text')}>
        <textarea id={`${id}-text`} rows={3} maxLength={1600} value={text} onChange={(ev) => setText(ev.target.value)} aria-describedby={describedBy(`${id}-text`, 'h', e('text'))} />
      </Field>
      <div className="actions">
        <button type="submit" className="primary" disabled={busy}>
          {text.trim() ? 'Start and send' : 'Start conversation'}
        </button>
        <button
          type="button"
          disabled={busy}
          onClick={() => {
            reset();
            setOpen(false);
          }}
        >
          Cancel
        </button>
      </div>
    </form>
  );
}
