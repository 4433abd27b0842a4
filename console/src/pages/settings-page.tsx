/** Tenant settings (PATCH /api/v1/settings) and dead-letter jobs with retry; connections are on the Integrations page. */
import { useEffect, useState } from 'react';
import { api, errorText, fieldErrors } from '../api';
import { describedBy, Field, formatTime, TableRegion } from '../components/bits';

interface Knowledge {
  id: string;
  title: string;
  body: string;
}
interface Settings {
  autonomy: 'autopilot' | 'copilot' | 'off';
  businessName: string;
  brandVoice: string;
  tone: 'friendly' | 'professional' | 'casual' | 'formal';
  knowledge: Knowledge[];
  copilotSendsOpener: boolean;
  confidenceThreshold: number;
  extraEscalationWords: string[];
  segmentCap: number;
  linkAllowList: string[];
  defaultTimezone: string;
  defaultPhoneCountry: string;
  quietHours: { start: string; end: string; days: number[]; dailyCap: number | null };
  holidays: string[];
  firstReplyMaySkipQuietHours: boolean;
  followUpCadenceDays: number[];
}

/** The list-valued settings, edited as text (comma- or line-separated) and split when saved. */
interface ListTexts {
  words: string;
  links: string;
  holidays: string;
}
const listTexts = (s: Settings): ListTexts => ({ words: s.extraEscalationWords.join(', '), links: s.linkAllowList.join('\n'), holidays: s.holidays.join('\n') });
const splitList = (text: string, by: RegExp) =>
  text
    .split(by)
    .map((x) => x.trim())
    .filter(Boolean);

const WEEKDAYS: Array<[number, string]> = [
  [1, 'Monday'],
  [2, 'Tuesday'],
  [3, 'Wednesday'],
  [4, 'Thursday'],
  [5, 'Friday'],
  [6, 'Saturday'],
  [7, 'Sunday'],
];

/** "United Kingdom" for "GB", or nothing for a code the browser does not know. */
function countryName(code: string): string {
  if (!/^[A-Z]{2}$/.test(code)) return '';
  try {
    const name = new Intl.DisplayNames(['en'], { type: 'region' }).of(code);
    return name && name !== code ? name : '';
  } catch {
    return '';
  }
}

/** Every IANA zone the browser knows, for the time zone field's suggestions. */
const TIME_ZONES: string[] = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
interface DeadJob {
  id: string;
  topic: string;
  eventType: string;
  attempts: number;
  lastError: string | null;
  createdAt: string;
}

const AUTONOMY: Array<[Settings['autonomy'], string, string]> = [
  ['autopilot', 'Autopilot', 'The AI texts on its own; risky replies still wait for a person.'],
  ['copilot', 'Copilot', 'The AI drafts; a person approves, edits or discards every text.'],
  ['off', 'Off', 'The AI only suggests; people write every text.'],
];

export function SettingsPage({ isAdmin }: { isAdmin: boolean }) {
  const [settings, setSettings] = useState<Settings | null>(null);
  const [cadence, setCadence] = useState('');
  const [lists, setLists] = useState<ListTexts>({ words: '', links: '', holidays: '' });
  const [dailyCap, setDailyCap] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [status, setStatus] = useState<string>('');
  const [error, setError] = useState<string | null>(null);
  const [dead, setDead] = useState<DeadJob[] | null>(null);
  const [deadError, setDeadError] = useState<string | null>(null);

  /** Shows settings as the server has them, list fields as text. */
  const shown = (s: Settings) => {
    setSettings(s);
    setCadence(s.followUpCadenceDays.join(', '));
    setLists(listTexts(s));
    setDailyCap(s.quietHours.dailyCap === null ? '' : String(s.quietHours.dailyCap));
  };

  const loadDead = () =>
    api<{ jobs: DeadJob[] }>('GET', '/jobs/dead').then(
      (r) => setDead(r.jobs),
      (err) => setDeadError(errorText(err)),
    );

  useEffect(() => {
    api<{ settings: Settings }>('GET', '/settings').then(
      (r) => {
        shown(r.settings);
      },
      (err) => setError(errorText(err)),
    );
    if (isAdmin) void loadDead();
  }, [isAdmin]);

  if (!settings) return <>{error ? <p role="alert" className="error">{error}</p> : <p role="status">Loading settings…</p>}</>;

  const set = <K extends keyof Settings>(k: K, v: Settings[K]) => setSettings({ ...settings, [k]: v });
  const setQuiet = (patch: Partial<Settings['quietHours']>) => set('quietHours', { ...settings.quietHours, ...patch });
  const setKnowledge = (i: number, patch: Partial<Knowledge>) => set('knowledge', settings.knowledge.map((k, j) => (j === i ? { ...k, ...patch } : k)));

  const save = async () => {
    setStatus('');
    setErrors({});
    const days = cadence
      .split(/[\s,]+/)
      .filter(Boolean)
      .map(Number);
    if (days.some((d) => !Number.isInteger(d) || d < 1 || d > 90)) {
      setErrors({ followUpCadenceDays: 'Whole days from 1 to 90, separated by commas, e.g. 1, 3, 7.' });
      return;
    }
    const cap = dailyCap.trim() === '' ? null : Number(dailyCap);
    try {
      const r = await api<{ settings: Settings }>('PATCH', '/settings', {
        autonomy: settings.autonomy,
        businessName: settings.businessName,
        brandVoice: settings.brandVoice,
        tone: settings.tone,
        knowledge: settings.knowledge,
        copilotSendsOpener: settings.copilotSendsOpener,
        confidenceThreshold: settings.confidenceThreshold,
        extraEscalationWords: splitList(lists.words, /[,\n]/),
        segmentCap: settings.segmentCap,
        linkAllowList: splitList(lists.links, /[\s,]+/),
        defaultTimezone: settings.defaultTimezone.trim(),
        defaultPhoneCountry: settings.defaultPhoneCountry.trim().toUpperCase(),
        quietHours: { ...settings.quietHours, dailyCap: cap },
        holidays: splitList(lists.holidays, /[\s,]+/),
        firstReplyMaySkipQuietHours: settings.firstReplyMaySkipQuietHours,
        followUpCadenceDays: days,
      });
      shown(r.settings);
      setStatus('Settings saved.');
    } catch (err) {
      setErrors(fieldErrors(err));
      setStatus(`Not saved: ${errorText(err)}`);
    }
  };

  const retry = async (id: string) => {
    try {
      await api('POST', `/jobs/${encodeURIComponent(id)}/retry`);
      setStatus('Job queued again.');
      await loadDead();
    } catch (err) {
      setStatus(`Retry failed: ${errorText(err)}`);
    }
  };

  const e = (k: string) => errors[k] ?? Object.entries(errors).find(([p]) => p.startsWith(`${k}.`))?.[1];

  return (
    <div className="settings">
      <h1>Settings</h1>
      <form
        onSubmit={(ev) => {
          ev.preventDefault();
          void save();
        }}
      >
        <fieldset disabled={!isAdmin}>
          <legend>How much the AI may do</legend>
          {!isAdmin && <p className="hint">Only admins can change settings.</p>}
          {AUTONOMY.map(([value, label, hint]) => (
            <label key={value} className="choice">
              <input type="radio" name="autonomy" value={value} checked={settings.autonomy === value} onChange={() => set('autonomy', value)} />
              <span>
                <strong>{label}</strong> <span className="hint">{hint}</span>
              </span>
            </label>
          ))}
          {settings.autonomy === 'copilot' && (
            <label className="choice">
              <input type="checkbox" checked={settings.copilotSendsOpener} onChange={(ev) => set('copilotSendsOpener', ev.target.checked)} />
              <span>
                Send the first text after a form at once <span className="hint">Speed to lead: every later text still waits for a person.</span>
              </span>
            </label>
          )}
          <Field id="s-confidence" label="Ask a person when the AI is less sure than (%)" hint="40 unless changed. Higher means more replies wait for a person." error={e('confidenceThreshold')}>
            <input
              id="s-confidence"
              type="number"
              min={0}
              max={100}
              step={5}
              value={Math.round(settings.confidenceThreshold * 100)}
              onChange={(ev) => set('confidenceThreshold', Number(ev.target.value) / 100)}
              aria-describedby={describedBy('s-confidence', 'h', e('confidenceThreshold'))}
            />
          </Field>
          <Field id="s-words" label="Words that always bring in a person" hint="Separated by commas, on top of the built-in ones (lawyer, refund, asking for a person …)." error={e('extraEscalationWords')}>
            <input id="s-words" value={lists.words} onChange={(ev) => setLists({ ...lists, words: ev.target.value })} aria-describedby={describedBy('s-words', 'h', e('extraEscalationWords'))} />
          </Field>
        </fieldset>
        <fieldset disabled={!isAdmin}>
          <legend>Voice</legend>
          <Field id="s-business" label="Business name" error={e('businessName')}>
            <input id="s-business" value={settings.businessName} maxLength={80} onChange={(ev) => set('businessName', ev.target.value)} aria-describedby={describedBy('s-business', undefined, e('businessName'))} />
          </Field>
          <Field id="s-voice" label="Brand voice" hint="How the AI should sound, in a sentence or two." error={e('brandVoice')}>
            <textarea id="s-voice" value={settings.brandVoice} maxLength={500} rows={3} onChange={(ev) => set('brandVoice', ev.target.value)} aria-describedby={describedBy('s-voice', 'h', e('brandVoice'))} />
          </Field>
          <Field id="s-tone" label="Tone">
            <select id="s-tone" value={settings.tone} onChange={(ev) => set('tone', ev.target.value as Settings['tone'])}>
              <option value="friendly">Friendly</option>
              <option value="professional">Professional</option>
              <option value="casual">Casual</option>
              <option value="formal">Formal</option>
            </select>
          </Field>
        </fieldset>
        <fieldset disabled={!isAdmin}>
          <legend>Knowledge the AI may use</legend>
          {settings.knowledge.length === 0 && <p className="hint">No entries yet. Add facts leads ask about: prices, hours, areas.</p>}
          {settings.knowledge.map((k, i) => (
            <div key={k.id} className="knowledge-entry">
              <Field id={`k-title-${i}`} label={`Entry ${i + 1} title`} error={e(`knowledge.${i}.title`)}>
                <input id={`k-title-${i}`} value={k.title} maxLength={120} onChange={(ev) => setKnowledge(i, { title: ev.target.value })} />
              </Field>
              <Field id={`k-body-${i}`} label={`Entry ${i + 1} text`} error={e(`knowledge.${i}.body`)}>
                <textarea id={`k-body-${i}`} value={k.body} maxLength={2000} rows={3} onChange={(ev) => setKnowledge(i, { body: ev.target.value })} />
              </Field>
              <button type="button" onClick={() => set('knowledge', settings.knowledge.filter((_, j) => j !== i))}>
                Remove entry {i + 1}
              </button>
            </div>
          ))}
          <button type="button" onClick={() => set('knowledge', [...settings.knowledge, { id: `k${Date.now().toString(36)}`, title: '', body: '' }])}>
            Add an entry
          </button>
        </fieldset>
        <fieldset disabled={!isAdmin}>
          <legend>Texts</legend>
          <Field id="s-segments" label="Longest text, in SMS segments" hint="A segment holds 160 plain characters, or 70 with emoji or accented letters. The AI writes within it; a longer text from a person is stopped and the team told." error={e('segmentCap')}>
            <input id="s-segments" type="number" min={1} max={10} value={settings.segmentCap} onChange={(ev) => set('segmentCap', Number(ev.target.value))} aria-describedby={describedBy('s-segments', 'h', e('segmentCap'))} />
          </Field>
          <Field id="s-links" label="Websites the AI may link to" hint="One per line, e.g. acmehomes.com (its sub-domains too). A draft with any other link waits for a person." error={e('linkAllowList')}>
            <textarea id="s-links" rows={2} value={lists.links} onChange={(ev) => setLists({ ...lists, links: ev.target.value })} aria-describedby={describedBy('s-links', 'h', e('linkAllowList'))} />
          </Field>
          <Field
            id="s-country"
            label="Country of numbers typed without +code"
            hint={`Used when an agent starts a conversation or a CRM card looks a number up. ${countryName(settings.defaultPhoneCountry.toUpperCase()) ? `Now: ${countryName(settings.defaultPhoneCountry.toUpperCase())}.` : 'A two-letter code, e.g. US or GB.'}`}
            error={e('defaultPhoneCountry')}
          >
            <input
              id="s-country"
              value={settings.defaultPhoneCountry}
              maxLength={2}
              autoCapitalize="characters"
              className="short"
              onChange={(ev) => set('defaultPhoneCountry', ev.target.value.toUpperCase())}
              aria-describedby={describedBy('s-country', 'h', e('defaultPhoneCountry'))}
            />
          </Field>
        </fieldset>
        <fieldset disabled={!isAdmin}>
          <legend>When to text</legend>
          <div className="inline-fields">
            <Field id="s-qstart" label="Texts allowed from" error={e('quietHours.start')}>
              <input id="s-qstart" type="time" value={settings.quietHours.start} onChange={(ev) => set('quietHours', { ...settings.quietHours, start: ev.target.value })} aria-describedby="s-quiet-hint" />
            </Field>
            <Field id="s-qend" label="Texts allowed until" error={e('quietHours.end')}>
              <input id="s-qend" type="time" value={settings.quietHours.end} onChange={(ev) => set('quietHours', { ...settings.quietHours, end: ev.target.value })} aria-describedby="s-quiet-hint" />
            </Field>
          </div>
          <p className="hint" id="s-quiet-hint">
            In each lead’s own time zone. The law’s own limits (08:00–21:00, stricter in some states) always apply too.
          </p>
          {e('quietHours.days') && (
            <p className="error" id="s-days-error">
              {e('quietHours.days')}
            </p>
          )}
          <fieldset className="weekdays" aria-describedby={e('quietHours.days') ? 's-days-error' : undefined}>
            <legend>Days texts may go out</legend>
            {WEEKDAYS.map(([day, name]) => (
              <label key={day} className="choice">
                <input
                  type="checkbox"
                  checked={settings.quietHours.days.includes(day)}
                  onChange={(ev) => setQuiet({ days: ev.target.checked ? [...settings.quietHours.days, day].sort() : settings.quietHours.days.filter((d) => d !== day) })}
                />
                <span>{name}</span>
              </label>
            ))}
          </fieldset>
          <Field id="s-cap" label="Most texts to one lead in a day" hint="Leave empty for no limit of your own. Answers to a lead’s own texts do not count." error={e('quietHours.dailyCap')}>
            <input id="s-cap" type="number" min={1} max={50} className="short" value={dailyCap} onChange={(ev) => setDailyCap(ev.target.value)} aria-describedby={describedBy('s-cap', 'h', e('quietHours.dailyCap'))} />
          </Field>
          <Field id="s-holidays" label="Holidays: no texts on these dates" hint="One date per line, as YYYY-MM-DD, in each lead’s own calendar." error={e('holidays')}>
            <textarea id="s-holidays" rows={3} value={lists.holidays} onChange={(ev) => setLists({ ...lists, holidays: ev.target.value })} aria-describedby={describedBy('s-holidays', 'h', e('holidays'))} />
          </Field>
          <label className="choice">
            <input type="checkbox" checked={settings.firstReplyMaySkipQuietHours} onChange={(ev) => set('firstReplyMaySkipQuietHours', ev.target.checked)} aria-describedby="s-first-hint" />
            <span>
              The first reply to a form may go out at night{' '}
              <span className="hint" id="s-first-hint">
                Off unless your counsel agrees: the lead has just asked to hear from you, but some states’ rules still apply.
              </span>
            </span>
          </label>
          <Field id="s-zone" label="Time zone for numbers we cannot place" hint="Used when a number’s own area does not tell, e.g. America/Chicago." error={e('defaultTimezone')}>
            <input id="s-zone" list="s-zones" value={settings.defaultTimezone} onChange={(ev) => set('defaultTimezone', ev.target.value)} aria-describedby={describedBy('s-zone', 'h', e('defaultTimezone'))} />
          </Field>
          <datalist id="s-zones">
            {TIME_ZONES.map((z) => (
              <option key={z} value={z} />
            ))}
          </datalist>
          <Field id="s-cadence" label="Follow-up cadence (days)" hint="Days of silence before each nurture text, e.g. 1, 3, 7." error={e('followUpCadenceDays')}>
            <input id="s-cadence" value={cadence} onChange={(ev) => setCadence(ev.target.value)} inputMode="numeric" aria-describedby={describedBy('s-cadence', 'h', e('followUpCadenceDays'))} />
          </Field>
        </fieldset>
        {/* Kept in view at the bottom of the window while the long form scrolls, with the outcome beside the
            button that caused it (the status used to sit at the top, out of sight of whoever pressed Save). */}
        <div className="save-bar">
          {isAdmin && (
            <button type="submit" className="primary">
              Save settings
            </button>
          )}
          <p role="status" className="status-line">
            {status}
          </p>
        </div>
      </form>

      {isAdmin && (
        <section aria-labelledby="dead-title">
          <h2 id="dead-title">Failed jobs</h2>
          {deadError && <p className="error">{deadError}</p>}
          {dead === null ? (
            <p role="status">Loading…</p>
          ) : dead.length === 0 ? (
            <p>No failed jobs. Everything that was tried went through.</p>
          ) : (
            <TableRegion label="Failed jobs table" caption="Jobs that failed every attempt" columns={['Job', 'Attempts', 'Last error', 'Since']} action>
                {dead.map((j) => (
                  <tr key={j.id}>
                    <th scope="row">{j.eventType}</th>
                    <td>{j.attempts}</td>
                    <td>{j.lastError ?? '—'}</td>
                    <td>{formatTime(j.createdAt)}</td>
                    <td>
                      <button onClick={() => retry(j.id)}>Retry {j.eventType}</button>
                    </td>
                  </tr>
                ))}
              </TableRegion>
          )}
        </section>
      )}
    </div>
  );
}
