/**
 * The form editor: fields (add, reorder, configure), consent text and styling, with a live preview drawn by
 * the real widget component and checked by the same schema the server uses (core/forms).
 */
import { useEffect, useMemo, useState } from 'react';
import { parseFormDefinition, publicFormDefinition, FormDefinitionError, type FormDefinitionInput, type PublicFormDefinition } from '../../../core/forms/form-definition';
import { CaptureForm } from '../../../widget/src/capture-form';
import { createForm, errorText, fieldErrors, listForms, updateForm, type FormRecord } from '../api';

type FieldInput = FormDefinitionInput['fields'][number];
type FieldType = FieldInput['type'];
type Draft = FormDefinitionInput & { fields: FieldInput[] };

const TYPES: Array<[FieldType, string]> = [
  ['text', 'Short text'],
  ['textarea', 'Long text'],
  ['email', 'Email'],
  ['phone', 'Mobile phone'],
  ['select', 'Drop-down'],
  ['radio', 'Choice (radio)'],
  ['checkbox', 'Checkbox'],
  ['hidden', 'Hidden value'],
];

const COLOURS: Array<[string, string]> = [
  ['primary', 'Button'],
  ['primaryText', 'Button text'],
  ['text', 'Text'],
  ['background', 'Background'],
  ['border', 'Borders'],
];

/** A preview never posts: the widget gets a fetch that answers like the server would. */
const previewFetch: typeof fetch = async () => new Response(JSON.stringify({ submission: { id: 'preview' }, lead: { id: null } }), { status: 201, headers: { 'Content-Type': 'application/json' } });

function newField(type: FieldType, taken: string[]): FieldInput {
  let name: string = type === 'phone' ? 'phone' : type;
  for (let i = 2; taken.includes(name); i++) name = `${type}_${i}`;
  const label = TYPES.find(([t]) => t === type)![1];
  if (type === 'select' || type === 'radio') return { type, name, label, required: false, options: [{ value: 'one', label: 'Option one' }, { value: 'two', label: 'Option two' }] };
  if (type === 'hidden') return { type, name, label, defaultValue: '' };
  return { type, name, label, required: false } as FieldInput;
}

export function FormsPage({ isAdmin }: { isAdmin: boolean }) {
  const [forms, setForms] = useState<FormRecord[] | null>(null);
  const [current, setCurrent] = useState<FormRecord | null>(null);
  const [draft, setDraft] = useState<Draft | null>(null);
  const [status, setStatus] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [addType, setAddType] = useState<FieldType>('text');
  const [copied, setCopied] = useState('');

  useEffect(() => {
    listForms().then(
      (fs) => {
        setForms(fs);
        if (fs[0]) choose(fs[0]);
      },
      (err) => setError(errorText(err)),
    );
  }, []);

  const choose = (f: FormRecord) => {
    setCurrent(f);
    setDraft(structuredClone(f.definition) as unknown as Draft);
    setStatus('');
  };

  // The schema the server uses decides what is valid; the preview shows the last valid state.
  const checked = useMemo((): { ok: true; form: PublicFormDefinition } | { ok: false; issues: string[] } | null => {
    if (!draft) return null;
    try {
      return { ok: true, form: publicFormDefinition(parseFormDefinition(draft)) };
    } catch (err) {
      return { ok: false, issues: err instanceof FormDefinitionError ? err.issues : [errorText(err)] };
    }
  }, [draft]);
  const [lastGood, setLastGood] = useState<PublicFormDefinition | null>(null);
  useEffect(() => {
    if (checked?.ok) setLastGood(checked.form);
  }, [checked]);

  if (error) return <p className="error" role="alert">{error}</p>;
  if (!forms || !draft) return <p role="status">{forms && forms.length === 0 ? 'No forms yet.' : 'Loading forms…'}</p>;

  const fields = draft.fields;
  const setFields = (next: FieldInput[]) => setDraft({ ...draft, fields: next });
  const patchField = (i: number, patch: Record<string, unknown>) => setFields(fields.map((f, j) => (j === i ? ({ ...f, ...patch } as FieldInput) : f)));
  const move = (i: number, d: -1 | 1) => {
    const next = [...fields];
    [next[i], next[i + d]] = [next[i + d]!, next[i]!];
    setFields(next);
    setStatus(`Moved “${fields[i]!.label}” ${d < 0 ? 'up' : 'down'} to position ${i + d + 1}.`);
  };
  const styling = (draft.styling ?? {}) as { colors?: Record<string, string>; fontSizePx?: number; radiusPx?: number };
  const colours = { ...(publicDefaults(lastGood)?.colors ?? {}), ...(styling.colors ?? {}) } as Record<string, string>;
  const setStyling = (patch: Record<string, unknown>) => setDraft({ ...draft, styling: { ...styling, ...patch } as Draft['styling'] });

  const save = async () => {
    if (!current || !checked?.ok) return;
    try {
      const saved = current.id ? await updateForm(current.id, current.definition, draft) : await createForm(draft);
      setForms(forms.map((f) => (f.id === current.id ? saved : f)));
      setCurrent(saved);
      setDraft(structuredClone(saved.definition) as unknown as Draft);
      setStatus(`Saved “${saved.name}” (version ${saved.version}).`);
    } catch (err) {
      const fe = fieldErrors(err);
      setStatus(`Not saved: ${errorText(err)}${Object.keys(fe).length ? ` ${Object.entries(fe).map(([k, v]) => `${k}: ${v}`).join('; ')}` : ''}`);
    }
  };

  const snippet = `<script src="${window.location.origin}/widget.js" data-tandem-form="${current?.id ?? ''}" async></script>`;

  return (
    <div className="forms">
      <h1>Forms</h1>
      {forms.length > 1 && (
        <label>
          Form{' '}
          <select value={current?.id} onChange={(e) => choose(forms.find((f) => f.id === e.target.value)!)}>
            {forms.map((f) => (
              <option key={f.id} value={f.id}>
                {f.name}
              </option>
            ))}
          </select>
        </label>
      )}
      <div className="editor-grid">
        <form
          className="editor"
          aria-label="Form editor"
          onSubmit={(e) => {
            e.preventDefault();
            void save();
          }}
        >
          <fieldset disabled={!isAdmin}>
            <legend>Heading</legend>
            <label htmlFor="f-title">Title</label>
            <input id="f-title" value={draft.title ?? ''} onChange={(e) => setDraft({ ...draft, title: e.target.value || undefined })} maxLength={200} />
            <label htmlFor="f-desc">Description</label>
            <textarea id="f-desc" rows={2} value={draft.description ?? ''} onChange={(e) => setDraft({ ...draft, description: e.target.value || undefined })} maxLength={1000} />
            <label htmlFor="f-submit">Button label</label>
            <input id="f-submit" value={draft.submitLabel ?? 'Send'} onChange={(e) => setDraft({ ...draft, submitLabel: e.target.value })} maxLength={60} />
          </fieldset>

          <fieldset disabled={!isAdmin}>
            <legend>Fields</legend>
            <ol className="field-list">
              {fields.map((f, i) => (
                <li key={i} className="field-editor">
                  <p className="field-head">
                    <strong>{f.label || '(no label)'}</strong> <span className="muted">{TYPES.find(([t]) => t === f.type)?.[1]}</span>
                  </p>
                  <div className="inline-fields">
                    <div>
                      <label htmlFor={`fl-${i}`}>Label</label>
                      <input id={`fl-${i}`} value={f.label} onChange={(e) => patchField(i, { label: e.target.value })} />
                    </div>
                    <div>
                      <label htmlFor={`fn-${i}`}>Name</label>
                      <input id={`fn-${i}`} value={f.name} onChange={(e) => patchField(i, { name: e.target.value })} spellCheck={false} />
                    </div>
                  </div>
                  {f.type !== 'hidden' && (
                    <>
                      {f.type !== 'checkbox' && f.type !== 'select' && f.type !== 'radio' && (
                        <>
                          <label htmlFor={`fp-${i}`}>Placeholder</label>
                          <input id={`fp-${i}`} value={'placeholder' in f ? (f.placeholder ?? '') : ''} onChange={(e) => patchField(i, { placeholder: e.target.value || undefined })} />
                        </>
                      )}
                      <label htmlFor={`fh-${i}`}>Help text</label>
                      <input id={`fh-${i}`} value={f.help ?? ''} onChange={(e) => patchField(i, { help: e.target.value || undefined })} />
                      <label className="check">
                        <input type="checkbox" checked={Boolean(f.required)} onChange={(e) => patchField(i, { required: e.target.checked })} /> Required
                      </label>
                    </>
                  )}
                  {(f.type === 'select' || f.type === 'radio') && (
                    <>
                      <label htmlFor={`fo-${i}`}>Options (one per line, “value: label”)</label>
                      <textarea
                        id={`fo-${i}`}
                        rows={3}
                        value={f.options.map((o) => `${o.value}: ${o.label}`).join('\n')}
                        onChange={(e) =>
                          patchField(i, {
                            options: e.target.value
                              .split('\n')
                              .filter((l) => l.trim())
                              .map((l) => {
                                const [value, ...rest] = l.split(':');
                                return { value: value!.trim(), label: (rest.join(':') || value!).trim() };
                              }),
                          })
                        }
                      />
                    </>
                  )}
                  <div className="actions">
                    <button type="button" onClick={() => move(i, -1)} disabled={i === 0} aria-label={`Move ${f.label} up`}>
                      ↑ Up
                    </button>
                    <button type="button" onClick={() => move(i, 1)} disabled={i === fields.length - 1} aria-label={`Move ${f.label} down`}>
                      ↓ Down
                    </button>
                    <button type="button" onClick={() => setFields(fields.filter((_, j) => j !== i))} aria-label={`Remove ${f.label}`}>
                      Remove
                    </button>
                  </div>
                </li>
              ))}
            </ol>
            <div className="inline-fields">
              <div>
                <label htmlFor="f-add">New field type</label>
                <select id="f-add" value={addType} onChange={(e) => setAddType(e.target.value as FieldType)}>
                  {TYPES.map(([t, l]) => (
                    <option key={t} value={t}>
                      {l}
                    </option>
                  ))}
                </select>
              </div>
              <button type="button" onClick={() => setFields([...fields, newField(addType, fields.map((f) => f.name))])}>
                Add field
              </button>
            </div>
          </fieldset>

          <fieldset disabled={!isAdmin}>
            <legend>SMS consent</legend>
            <label htmlFor="f-consent">Consent text (stored with every submission as proof; the lead ticks it)</label>
            <textarea id="f-consent" rows={5} value={draft.consent.text} onChange={(e) => setDraft({ ...draft, consent: { ...draft.consent, text: e.target.value } })} />
          </fieldset>

          <fieldset disabled={!isAdmin}>
            <legend>Style</legend>
            <div className="colour-grid">
              {COLOURS.map(([k, l]) => (
                <div key={k}>
                  <label htmlFor={`c-${k}`}>{l}</label>
                  <input id={`c-${k}`} type="color" value={normalHex(colours[k] ?? '#000000')} onChange={(e) => setStyling({ colors: { ...(styling.colors ?? {}), [k]: e.target.value } })} />
                </div>
              ))}
            </div>
            <div className="inline-fields">
              <div>
                <label htmlFor="f-size">Text size (px)</label>
                <input id="f-size" type="number" min={14} max={22} value={styling.fontSizePx ?? 16} onChange={(e) => setStyling({ fontSizePx: Number(e.target.value) })} />
              </div>
              <div>
                <label htmlFor="f-radius">Corner radius (px)</label>
                <input id="f-radius" type="number" min={0} max={24} value={styling.radiusPx ?? 6} onChange={(e) => setStyling({ radiusPx: Number(e.target.value) })} />
              </div>
            </div>
          </fieldset>

          {checked && !checked.ok && (
            <div className="error" role="alert">
              <p>Fix these before saving:</p>
              <ul>
                {checked.issues.map((i) => (
                  <li key={i}>{i}</li>
                ))}
              </ul>
            </div>
          )}
          {/* In view at the bottom of the window while the editor scrolls, with the outcome beside it. */}
          <div className="save-bar">
            {isAdmin && (
              <button type="submit" className="primary" disabled={!checked?.ok}>
                Save form
              </button>
            )}
            <p role="status" className="status-line">
              {status}
            </p>
          </div>
        </form>

        <div className="preview-col">
          <section aria-labelledby="preview-title" className="preview">
            <h2 id="preview-title">Live preview</h2>
            {lastGood && <CaptureForm key={JSON.stringify(lastGood)} formId={lastGood.id} baseUrl={window.location.origin} form={lastGood} fetch={previewFetch} />}
          </section>
          <section aria-labelledby="embed-title">
            <h2 id="embed-title">Embed on your site</h2>
            <label htmlFor="embed-code">Paste this where the form should appear</label>
            <textarea id="embed-code" readOnly rows={3} value={snippet} onFocus={(e) => e.currentTarget.select()} />
            <button
              type="button"
              onClick={() =>
                navigator.clipboard?.writeText(snippet).then(
                  () => setCopied('Copied the embed code.'),
                  () => setCopied('Copy did not work here: select the code and copy it.'),
                )
              }
            >
              Copy embed code
            </button>
            <span role="status">{copied}</span>
          </section>
        </div>
      </div>
    </div>
  );
}

function publicDefaults(f: PublicFormDefinition | null) {
  return f?.styling;
}

/** <input type=color> needs #rrggbb. */
function normalHex(h: string): string {
  return /^#[0-9a-f]{3}$/i.test(h) ? h.replace(/^#(.)(.)(.)$/, '#$1$1$2$2$3$3') : h;
}
