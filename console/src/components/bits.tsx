/** Small shared pieces: tag badges, times, a field wrapper. */
import type { ReactNode } from 'react';
import { copyText } from '../clipboard';
import type { Tag } from '../../../core/domain/types';

export function TagBadge({ tag }: { tag: Tag }) {
  return <span className={`tag tag-${tag.toLowerCase()}`}>{tag}</span>;
}

/** Local time, with the date when it is not today. */
export function formatTime(iso: string): string {
  const d = new Date(iso);
  const today = new Date().toDateString() === d.toDateString();
  return today ? d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }) : d.toLocaleString([], { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

export function Field({ id, label, hint, error, children }: { id: string; label: string; hint?: string; error?: string; children: ReactNode }) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children}
      {hint && (
        <p className="hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      {error && (
        <p className="error" id={`${id}-error`}>
          {error}
        </p>
      )}
    </div>
  );
}

/** aria-describedby for a Field's hint and error. */
export const describedBy = (id: string, hint?: string, error?: string) => [hint && `${id}-hint`, error && `${id}-error`].filter(Boolean).join(' ') || undefined;

/**
 * A table that scrolls inside its own labelled region on narrow screens, with a hidden caption, the column
 * headers and, with `action`, an unlabelled column for row buttons. Children are the body rows.
 */
export function TableRegion({ label, caption, columns, action = false, children }: { label: string; caption: string; columns: string[]; action?: boolean; children: ReactNode }) {
  return (
    <div className="table-wrap" tabIndex={0} role="region" aria-label={label}>
      <table>
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c} scope="col">
                {c}
              </th>
            ))}
            {action && (
              <th scope="col">
                <span className="visually-hidden">Action</span>
              </th>
            )}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}

/**
 * A read-only value a person pastes elsewhere (a webhook URL, a redirect URI) with a Copy button; the
 * outcome, or how to copy by hand where the clipboard is refused, goes to `onCopied` for a status line.
 */
export function CopyField({ id, label, value, what, hintId, onCopied }: { id: string; label: string; value: string; what: string; hintId?: string; onCopied: (message: string) => void }) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <div className="copy-field">
        <input id={id} readOnly value={value} spellCheck={false} onFocus={(ev) => ev.currentTarget.select()} aria-describedby={hintId} />
        <button
          type="button"
          onClick={() => {
            void copyText(value, navigator.clipboard).then((ok) => onCopied(ok ? `Copied the ${what}.` : `Copy did not work here: select the ${what} and copy it.`));
          }}
        >
          Copy<span className="visually-hidden"> the {what}</span>
        </button>
      </div>
    </div>
  );
}

/**
 * A labelled one-line input with its hint and error, wired for screen readers (aria-invalid and
 * aria-describedby). Connection fields hold ids and secrets: no autocomplete or spell check.
 */
export function TextField({
  id,
  label,
  hint,
  error,
  value,
  onChange,
  type = 'text',
  maxLength,
  placeholder,
}: {
  id: string;
  label: string;
  hint?: string;
  error?: string;
  value: string;
  onChange: (value: string) => void;
  type?: 'text' | 'password' | 'url' | 'email' | 'tel';
  maxLength?: number;
  placeholder?: string;
}) {
  return (
    <Field id={id} label={label} hint={hint} error={error}>
      <input
        id={id}
        type={type}
        value={value}
        autoComplete="off"
        spellCheck={false}
        maxLength={maxLength}
        placeholder={placeholder}
        onChange={(ev) => onChange(ev.target.value)}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(id, hint, error)}
      />
    </Field>
  );
}
