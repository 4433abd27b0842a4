/**
 * <CaptureForm formId baseUrl />: the lead capture form. Plain React 19 for React sites; the script embed
 * (embed.tsx) builds this same component against preact/compat and renders it in a shadow root.
 * Validation is core/forms/validate-submission.ts, the module the server runs, so both say the same thing.
 */
import { useEffect, useId, useRef, useState } from 'react';
import type { FormEvent } from 'react';
import type { FormField, PublicFormDefinition } from '../../core/forms/form-definition';
import { deferPhoneParser, validateField, validateSubmission, type PhoneParser } from '../../core/forms/validate-submission';
import { fetchPublicForm, newIdempotencyKey, postSubmission, readUtm, type SubmissionPayload } from './api';
import { scriptPhoneLoader } from './phone-loader';
import { formCss } from './styles';

export interface CaptureFormProps {
  formId: string;
  /** Where Tandem runs, e.g. https://tandem.example.com (no trailing path). */
  baseUrl: string;
  /** Supplies the phone parser for a form; by default loads {baseUrl}/widget-phone.js once. */
  loadPhoneParser?: (form: PublicFormDefinition) => Promise<PhoneParser>;
  /** Called after the server accepted the submission (before any redirect). */
  onSubmitted?: (ids: { submissionId: string | null; leadId: string | null }) => void;
  /** Render this definition instead of fetching it (previews). */
  form?: PublicFormDefinition;
  fetch?: typeof fetch;
}

type Phase = 'loading' | 'load_error' | 'ready' | 'submitting' | 'success';
type Values = Record<string, string | boolean>;

/** How long a submit waits for the phone parser before leaving the phone to the server. */
const PHONE_WAIT_MS = 3000;

function initialValues(form: PublicFormDefinition): Values {
  const v: Values = { [form.consent.name]: false };
  for (const f of form.fields) v[f.name] = f.type === 'checkbox' ? false : f.type === 'hidden' ? f.defaultValue : '';
  return v;
}

/** The embeddable lead capture form. */
export function CaptureForm(props: CaptureFormProps) {
  const { formId, baseUrl } = props;
  const uid = useId();
  const idFor = (name: string) => `${uid}${name}`;

  const [form, setForm] = useState<PublicFormDefinition | null>(props.form ?? null);
  const [phase, setPhase] = useState<Phase>(props.form ? 'ready' : 'loading');
  const [values, setValues] = useState<Values>(() => (props.form ? initialValues(props.form) : {}));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [alert, setAlert] = useState<string | null>(null);
  const [live, setLive] = useState('');
  const [honeypot, setHoneypot] = useState('');

  const phone = useRef<PhoneParser>(deferPhoneParser);
  const phoneReady = useRef<Promise<void> | null>(null);
  const shownAt = useRef(0);
  const focusedAt = useRef<number | null>(null);
  const idemKey = useRef('');
  const busy = useRef(false);
  const formRef = useRef<HTMLFormElement>(null);
  const successRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (props.form) return;
    let live = true;
    fetchPublicForm(baseUrl, formId, props.fetch).then(
      (f) => {
        if (!live) return;
        setForm(f);
        setValues(initialValues(f));
        setPhase('ready');
      },
      () => live && setPhase('load_error'),
    );
    return () => {
      live = false;
    };
  }, [baseUrl, formId]);

  // Once the form shows: start the fill clock, take a key for this fill, fetch the phone parser.
  useEffect(() => {
    if (!form) return;
    shownAt.current = Date.now();
    idemKey.current = newIdempotencyKey();
    const load = props.loadPhoneParser ?? scriptPhoneLoader(baseUrl);
    phoneReady.current = load(form).then(
      (p) => {
        phone.current = p;
      },
      () => undefined, // without it the server still checks the phone
    );
  }, [form]);

  useEffect(() => {
    if (phase === 'success') successRef.current?.focus();
  }, [phase]);

  if (!form) {
    return (
      <div className="tandem-form">
        {phase === 'load_error' ? (
          <p role="alert">This form could not be loaded. Please refresh the page, or contact us another way.</p>
        ) : (
          <p role="status">Loading the form…</p>
        )}
      </div>
    );
  }

  const opts = { phone: phone.current };

  const update = (name: string, value: string | boolean) => {
    setValues((v) => ({ ...v, [name]: value }));
    // Once a field shows an error, re-check as the lead fixes it so the error clears at once.
    if (errors[name]) setErrors((e) => withError(e, name, validateField(form, name, value, opts)));
  };

  const check = (name: string) => {
    const msg = validateField(form, name, values[name], opts);
    setErrors((e) => withError(e, name, msg));
    if (msg && msg !== errors[name]) setLive(msg);
  };

  const focusField = (name: string) => formRef.current?.querySelector<HTMLElement>(`[name="${name}"]`)?.focus();

  const showErrors = (errs: Record<string, string>) => {
    setErrors(errs);
    const order = [...form.fields.map((f) => f.name), form.consent.name];
    const names = order.filter((n) => errs[n]);
    const labels = names.map((n) => (n === form.consent.name ? 'text message consent' : form.fields.find((f) => f.name === n)?.label ?? n));
    const other = Object.keys(errs).filter((n) => !order.includes(n)).map((n) => errs[n]);
    setAlert(
      [names.length === 1 ? `Please check 1 answer: ${labels[0]}.` : names.length > 1 ? `Please check ${names.length} answers: ${labels.join(', ')}.` : '', ...other]
        .filter(Boolean)
        .join(' '),
    );
    if (names[0]) focusField(names[0]);
  };

  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    if (busy.current) return; // a double click sends one request
    busy.current = true;
    try {
      if (phoneReady.current) await Promise.race([phoneReady.current, new Promise((r) => setTimeout(r, PHONE_WAIT_MS))]);
      const result = validateSubmission(form, values, { phone: phone.current });
      if (!result.ok) return showErrors(result.errors);

      setPhase('submitting');
      setAlert(null);
      setLive('Sending…');
      const consentName = form.consent.name;
      const payload: SubmissionPayload = {
        values,
        consent: { checked: values[consentName] === true, text: form.consent.text },
        meta: {
          pageUrl: location.href,
          referrer: document.referrer,
          utm: readUtm(location.search),
          startedAt: focusedAt.current ?? shownAt.current,
          submittedAt: Date.now(),
          honeypot,
          formVersion: form.version,
        },
      };
      const out = await postSubmission(baseUrl, formId, payload, idemKey.current, props.fetch);
      if (out.kind === 'created') {
        setLive('');
        setPhase('success');
        props.onSubmitted?.({ submissionId: out.submissionId, leadId: out.leadId });
        if (form.success.kind === 'redirect') window.location.assign(form.success.url);
        return;
      }
      setPhase('ready');
      setLive('');
      // A refused request created nothing: the corrected one is a new request with a new key.
      // A failed one (network, 5xx) may have landed: a retry keeps the key so it cannot land twice.
      if (out.kind !== 'failed') idemKey.current = newIdempotencyKey();
      if (out.kind === 'invalid' && Object.keys(out.fields).length > 0) showErrors(out.fields);
      else setAlert(out.message);
    } finally {
      busy.current = false;
    }
  };

  if (phase === 'success') {
    return (
      <div className="tandem-form">
        <style>{formCss(form.styling)}</style>
        <div className="tf-success" role="status" tabIndex={-1} ref={successRef}>
          {form.success.kind === 'message' ? form.success.message : 'Thank you! Taking you to the next page…'}
        </div>
      </div>
    );
  }

  const errorOf = (name: string) => errors[name];
  const describe = (...ids: Array<string | false | undefined>) => ids.filter(Boolean).join(' ') || undefined;
  const req = <span className="tf-req" aria-hidden="true"> *</span>;
  const errorText = (name: string) =>
    errorOf(name) ? (
      <p className="tf-error" id={`${idFor(name)}-err`}>
        {errorOf(name)}
      </p>
    ) : null;

  const renderField = (f: FormField) => {
    if (f.type === 'hidden') return null; // carried in values, never shown
    const id = idFor(f.name);
    const err = errorOf(f.name);
    const helpId = f.help ? `${id}-help` : undefined;
    const describedBy = describe(helpId, err && `${id}-err`);
    const help = f.help ? (
      <p className="tf-help" id={helpId}>
        {f.help}
      </p>
    ) : null;
    const a11y = { 'aria-invalid': err ? true : undefined, 'aria-describedby': describedBy, required: f.required };
    const value = typeof values[f.name] === 'string' ? (values[f.name] as string) : '';

    if (f.type === 'radio') {
      return (
        <fieldset className="tf-field" key={f.name}>
          <legend>
            {f.label}
            {f.required && req}
          </legend>
          {help}
          {f.options.map((o, i) => (
            <div className="tf-choice" key={o.value}>
              <input
                type="radio"
                id={`${id}-${i}`}
                name={f.name}
                value={o.value}
                checked={value === o.value}
                onChange={() => update(f.name, o.value)}
                onBlur={() => check(f.name)}
                {...a11y}
              />
              <label htmlFor={`${id}-${i}`}>{o.label}</label>
            </div>
          ))}
          {errorText(f.name)}
        </fieldset>
      );
    }
    if (f.type === 'checkbox') {
      return (
        <div className="tf-field" key={f.name}>
          <div className="tf-choice">
            <input
              type="checkbox"
              id={id}
              name={f.name}
              checked={values[f.name] === true}
              onChange={(e) => update(f.name, e.currentTarget.checked)}
              onBlur={() => check(f.name)}
              {...a11y}
            />
            <label htmlFor={id}>
              {f.label}
              {f.required && req}
            </label>
          </div>
          {help}
          {errorText(f.name)}
        </div>
      );
    }
    const common = {
      id,
      name: f.name,
      value,
      placeholder: f.placeholder,
      autoComplete: f.autocomplete,
      onBlur: () => check(f.name),
      ...a11y,
    };
    let control;
    if (f.type === 'select') {
      control = (
        <select {...common} onChange={(e) => update(f.name, e.currentTarget.value)}>
          <option value="">Choose an answer</option>
          {f.options.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
      );
    } else if (f.type === 'textarea') {
      control = <textarea {...common} rows={4} onChange={(e) => update(f.name, e.currentTarget.value)} />;
    } else {
      control = (
        <input
          {...common}
          type={f.type === 'phone' ? 'tel' : f.type === 'email' ? 'email' : 'text'}
          inputMode={f.type === 'phone' ? 'tel' : f.type === 'email' ? 'email' : undefined}
          onChange={(e) => update(f.name, e.currentTarget.value)}
        />
      );
    }
    return (
      <div className="tf-field" key={f.name}>
        <label htmlFor={id}>
          {f.label}
          {f.required && req}
        </label>
        {help}
        {control}
        {errorText(f.name)}
      </div>
    );
  };

  const consent = form.consent;
  const consentId = idFor(consent.name);
  const titleId = `${uid}title`;
  const submitting = phase === 'submitting';

  return (
    <div className="tandem-form">
      <style>{formCss(form.styling)}</style>
      <form
        ref={formRef}
        noValidate
        aria-labelledby={form.title ? titleId : undefined}
        aria-label={form.title ? undefined : 'Contact form'}
        onSubmit={onSubmit}
        onFocusCapture={() => {
          focusedAt.current ??= Date.now();
        }}
      >
        {form.title && <h2 id={titleId}>{form.title}</h2>}
        {form.description && <p className="tf-desc">{form.description}</p>}
        <p className="tf-note">
          Fields marked <span aria-hidden="true">*</span>
          <span className="tf-sr">with an asterisk</span> are required.
        </p>
        {form.fields.map(renderField)}
        <div className="tf-field tf-consent">
          <div className="tf-choice">
            <input
              type="checkbox"
              id={consentId}
              name={consent.name}
              checked={values[consent.name] === true}
              onChange={(e) => update(consent.name, e.currentTarget.checked)}
              onBlur={() => check(consent.name)}
              required={consent.required}
              aria-invalid={errorOf(consent.name) ? true : undefined}
              aria-describedby={describe(errorOf(consent.name) && `${consentId}-err`)}
            />
            <label htmlFor={consentId}>
              {consent.text}
              {consent.required && req}
            </label>
          </div>
          {errorText(consent.name)}
        </div>
        <div className="tf-hp" aria-hidden="true">
          <label htmlFor={idFor(form.honeypotField)}>Leave this field empty</label>
          <input
            id={idFor(form.honeypotField)}
            name={form.honeypotField}
            type="text"
            tabIndex={-1}
            autoComplete="off"
            value={honeypot}
            onChange={(e) => setHoneypot(e.currentTarget.value)}
          />
        </div>
        {alert && (
          <p className="tf-alert" role="alert">
            {alert}
          </p>
        )}
        <button type="submit" disabled={submitting}>
          {submitting ? 'Sending…' : form.submitLabel}
        </button>
        <p className="tf-sr" aria-live="polite">
          {live}
        </p>
      </form>
    </div>
  );
}

function withError(errors: Record<string, string>, name: string, msg: string | null): Record<string, string> {
  if ((errors[name] ?? null) === msg) return errors;
  const next = { ...errors };
  if (msg) next[name] = msg;
  else delete next[name];
  return next;
}

