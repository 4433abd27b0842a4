/**
 * The lead's phone in the embedded default: shows the texts the console SMS provider "delivered" to this
 * number as they arrive, and sends replies through the same inbound path as a real carrier webhook.
 */
import { useCallback, useEffect, useId, useRef, useState } from 'react';
import { errorText, phoneMessages, phoneReply, type PhoneMessage } from '../api';
import { formatTime } from './bits';
import { Latest } from '../latest';
import { useLive } from '../live';

const POLL_MS = 1000;

/** Which number the Demo page's simulated phone shows (this tab's session). */
export const DEMO_PHONE_KEY = 'tandem.demoPhone';

export function SimulatedPhone({ phone }: { phone: string | null }) {
  const [messages, setMessages] = useState<PhoneMessage[]>([]);
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [sending, setSending] = useState(false);
  const id = useId();
  const end = useRef<HTMLLIElement>(null);

  // The poll, live events and a reply all refetch; only the newest answer (and this phone's) is shown.
  const latest = useRef(new Latest()).current;
  const load = useCallback(async () => {
    if (!phone) return;
    await latest.run(
      () => phoneMessages(phone),
      (next) => {
        setMessages(next);
        setError(null);
      },
      (err) => setError(errorText(err)),
    );
  }, [phone, latest]);

  // Events say "look again" at once; the poll covers texts that arrive without one.
  useEffect(() => {
    setMessages([]);
    void load();
    const t = setInterval(() => void load(), POLL_MS);
    return () => clearInterval(t);
  }, [load]);
  useLive(() => void load());

  useEffect(() => {
    end.current?.scrollIntoView?.({ block: 'nearest' });
  }, [messages.length]);

  const send = async () => {
    if (!phone || !text.trim() || sending) return;
    setSending(true);
    try {
      await phoneReply(phone, text.trim());
      setText('');
      await load();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setSending(false);
    }
  };

  return (
    <section className="phone" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Lead’s phone</h2>
      <p className="phone-number">{phone ? <>Simulated phone {phone}</> : 'Submit the form to get a phone.'}</p>
      <div className="phone-screen" tabIndex={0} role="log" aria-live="polite" aria-label="Texts on the lead’s phone">
        <ol>
        {messages.map((m) => (
          <li key={m.id} className={`sms ${m.direction === 'to_phone' ? 'received' : 'sent'}`}>
            <span className="visually-hidden">{m.direction === 'to_phone' ? 'Received: ' : 'You replied: '}</span>
            <span className="body">{m.body}</span>
            <time dateTime={m.at}>{formatTime(m.at)}</time>
          </li>
        ))}
        <li ref={end} aria-hidden="true" className="end" />
        </ol>
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <form
        className="phone-reply"
        onSubmit={(e) => {
          e.preventDefault();
          void send();
        }}
      >
        <label htmlFor={`${id}-reply`}>Reply as the lead</label>
        <input id={`${id}-reply`} value={text} onChange={(e) => setText(e.target.value)} disabled={!phone} maxLength={1600} autoComplete="off" />
        <button type="submit" className="primary" disabled={!phone || !text.trim() || sending}>
          Send
        </button>
      </form>
    </section>
  );
}
