/** Analytics: GET /api/v1/analytics/overview for a chosen range, as figures and small SVG charts. */
import { useEffect, useState } from 'react';
import { api, errorText, fieldErrors } from '../api';
import { BarChart, Legend, ShareBar, TAG_COLOURS, TagColumns } from '../components/charts';

interface Overview {
  range: { from: string; to: string; bucket: 'day' | 'week' };
  speedToLead: { submissions: number; answered: number; medianSeconds: number | null; p90Seconds: number | null };
  responseRate: { texted: number; responded: number; rate: number | null };
  sentBy: { ai: number; agent: number; system: number; aiShare: number | null; humanShare: number | null };
  decisions: { approve: number; edit: number; discard: number };
  leadsByTag: Array<{ bucket: string; HOT: number; WARM: number; COLD: number }>;
}

const day = (d: Date) => d.toISOString().slice(0, 10);
const pct = (v: number | null) => (v === null ? '—' : `${Math.round(v * 100)}%`);
/** Seconds as "42 s", "3 min 5 s", "2 h 10 min". */
export function duration(s: number | null): string {
  if (s === null) return '—';
  if (s < 60) return `${Math.round(s)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
  return `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`;
}

export function AnalyticsPage() {
  const [from, setFrom] = useState(() => day(new Date(Date.now() - 29 * 86_400_000)));
  const [to, setTo] = useState(() => day(new Date()));
  const [data, setData] = useState<Overview | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [errors, setErrors] = useState<Record<string, string>>({});

  const load = async (f = from, t = to) => {
    setError(null);
    setErrors({});
    // `to` is inclusive in the picker: the API's range is half-open, so ask up to the next midnight.
    const end = new Date(`${t}T00:00:00Z`);
    end.setUTCDate(end.getUTCDate() + 1);
    try {
      const r = await api<{ overview: Overview }>('GET', `/analytics/overview?from=${encodeURIComponent(`${f}T00:00:00Z`)}&to=${encodeURIComponent(end.toISOString())}`);
      setData(r.overview);
    } catch (err) {
      setErrors(fieldErrors(err));
      setError(errorText(err));
    }
  };

  useEffect(() => {
    void load();
  }, []);

  const preset = (days: number) => {
    const f = day(new Date(Date.now() - (days - 1) * 86_400_000));
    const t = day(new Date());
    setFrom(f);
    setTo(t);
    void load(f, t);
  };

  return (
    <div className="analytics">
      <h1>Analytics</h1>
      <form
        className="range"
        onSubmit={(e) => {
          e.preventDefault();
          void load();
        }}
      >
        <label>
          From <input type="date" value={from} onChange={(e) => setFrom(e.target.value)} required aria-invalid={errors.from ? true : undefined} />
        </label>
        <label>
          To <input type="date" value={to} onChange={(e) => setTo(e.target.value)} required aria-invalid={errors.to ? true : undefined} />
        </label>
        <button type="submit" className="primary">
          Show
        </button>
        <span className="presets">
          <button type="button" onClick={() => preset(7)}>
            Last 7 days
          </button>
          <button type="button" onClick={() => preset(30)}>
            Last 30 days
          </button>
          <button type="button" onClick={() => preset(90)}>
            Last 90 days
          </button>
        </span>
      </form>
      {error && (
        <p className="error" role="alert">
          {error}
          {Object.entries(errors).map(([k, v]) => ` ${k}: ${v}.`)}
        </p>
      )}
      {!data ? (
        !error && <p role="status">Loading…</p>
      ) : (
        <div className="cards" aria-live="polite">
          <section className="card" aria-labelledby="a-speed">
            <h2 id="a-speed">Speed to lead</h2>
            <p className="figure">
              <span className="big">{duration(data.speedToLead.medianSeconds)}</span> median
            </p>
            <p>
              p90 <strong>{duration(data.speedToLead.p90Seconds)}</strong> · {data.speedToLead.answered} of {data.speedToLead.submissions} form leads texted
            </p>
            <p className="hint">From form submission to the first text that left.</p>
          </section>
          <section className="card" aria-labelledby="a-response">
            <h2 id="a-response">Lead response rate</h2>
            <p className="figure">
              <span className="big">{pct(data.responseRate.rate)}</span>
            </p>
            <p>
              {data.responseRate.responded} of {data.responseRate.texted} texted leads wrote back
            </p>
            <ShareBar
              label="Leads who replied versus not"
              parts={[
                { label: 'replied', value: data.responseRate.responded, colour: '#027a48' },
                { label: 'no reply', value: data.responseRate.texted - data.responseRate.responded, colour: '#98a2b3' },
              ]}
            />
          </section>
          <section className="card" aria-labelledby="a-sent">
            <h2 id="a-sent">Who sent the texts</h2>
            <p className="figure">
              <span className="big">{pct(data.sentBy.aiShare)}</span> AI · {pct(data.sentBy.humanShare)} people
            </p>
            <ShareBar
              label="Texts sent by the AI versus by people"
              parts={[
                { label: 'AI', value: data.sentBy.ai, colour: '#6941c6' },
                { label: 'people', value: data.sentBy.agent, colour: '#0e7090' },
              ]}
            />
            <Legend items={[{ label: `AI ${data.sentBy.ai}`, colour: '#6941c6' }, { label: `People ${data.sentBy.agent}`, colour: '#0e7090' }]} />
            <p className="hint">Plus {data.sentBy.system} automatic confirmations (opt-out, help).</p>
          </section>
          <section className="card" aria-labelledby="a-decisions">
            <h2 id="a-decisions">Decisions on AI drafts</h2>
            <BarChart
              label="Decisions on AI drafts"
              bars={[
                { label: 'Approved', value: data.decisions.approve, colour: '#027a48' },
                { label: 'Edited', value: data.decisions.edit, colour: '#b54708' },
                { label: 'Discarded', value: data.decisions.discard, colour: '#b42318' },
              ]}
            />
          </section>
          <section className="card wide" aria-labelledby="a-tags">
            <h2 id="a-tags">New leads by tag, per {data.range.bucket}</h2>
            <TagColumns data={data.leadsByTag} label="New leads by tag" />
            <Legend items={(['HOT', 'WARM', 'COLD'] as const).map((t) => ({ label: t, colour: TAG_COLOURS[t] }))} />
            <details>
              <summary>The numbers</summary>
              <table>
                <caption className="visually-hidden">New leads by tag per {data.range.bucket}</caption>
                <thead>
                  <tr>
                    <th scope="col">{data.range.bucket === 'day' ? 'Day' : 'Week of'}</th>
                    <th scope="col">HOT</th>
                    <th scope="col">WARM</th>
                    <th scope="col">COLD</th>
                  </tr>
                </thead>
                <tbody>
                  {data.leadsByTag.map((b) => (
                    <tr key={b.bucket}>
                      <th scope="row">{b.bucket}</th>
                      <td>{b.HOT}</td>
                      <td>{b.WARM}</td>
                      <td>{b.COLD}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </details>
          </section>
        </div>
      )}
    </div>
  );
}
