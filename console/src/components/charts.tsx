/**
 * Hand-made SVG charts (no chart library). Each has a text alternative: an aria-label summary and the
 * numbers in a table right under it, so nothing is only in the picture.
 */
export const TAG_COLOURS = { HOT: '#b42318', WARM: '#b54708', COLD: '#175cd3' } as const;

export interface Bar {
  label: string;
  value: number;
  colour: string;
}

/** Horizontal bars, one per row, scaled to the largest value. */
export function BarChart({ bars, label, unit = '' }: { bars: Bar[]; label: string; unit?: string }) {
  const max = Math.max(1, ...bars.map((b) => b.value));
  const rowH = 28;
  const width = 320;
  const labelW = 96;
  return (
    <svg className="chart" viewBox={`0 0 ${width} ${bars.length * rowH}`} role="img" aria-label={`${label}: ${bars.map((b) => `${b.label} ${b.value}${unit}`).join(', ')}`}>
      {bars.map((b, i) => {
        const w = ((width - labelW - 48) * b.value) / max;
        return (
          <g key={b.label} transform={`translate(0 ${i * rowH})`}>
            <text x={0} y={18} className="chart-label">
              {b.label}
            </text>
            <rect x={labelW} y={6} width={Math.max(w, b.value > 0 ? 2 : 0)} height={16} fill={b.colour} rx={2} />
            <text x={labelW + w + 6} y={18} className="chart-value">
              {b.value}
              {unit}
            </text>
          </g>
        );
      })}
    </svg>
  );
}

/** One bar split into shares (e.g. AI vs human). */
export function ShareBar({ parts, label }: { parts: Bar[]; label: string }) {
  const total = parts.reduce((n, p) => n + p.value, 0);
  let x = 0;
  return (
    <svg className="chart" viewBox="0 0 320 24" role="img" aria-label={`${label}: ${parts.map((p) => `${p.label} ${p.value}`).join(', ')}`}>
      {total === 0 ? (
        <rect x={0} y={4} width={320} height={16} fill="#e4e7ec" rx={2} />
      ) : (
        parts.map((p) => {
          const w = (320 * p.value) / total;
          const r = <rect key={p.label} x={x} y={4} width={w} height={16} fill={p.colour} />;
          x += w;
          return r;
        })
      )}
    </svg>
  );
}

/** Stacked columns per bucket: new leads by tag over time. */
export function TagColumns({ data, label }: { data: Array<{ bucket: string; HOT: number; WARM: number; COLD: number }>; label: string }) {
  const width = 640;
  const height = 180;
  const pad = { l: 28, b: 24, t: 8 };
  const max = Math.max(1, ...data.map((d) => d.HOT + d.WARM + d.COLD));
  const colW = (width - pad.l) / Math.max(1, data.length);
  const plotH = height - pad.b - pad.t;
  const total = data.reduce((n, d) => n + d.HOT + d.WARM + d.COLD, 0);
  const labelEvery = Math.ceil(data.length / 8);
  return (
    <svg className="chart" viewBox={`0 0 ${width} ${height}`} role="img" aria-label={`${label}: ${total} new leads over ${data.length} periods. The table below has every number.`}>
      <line x1={pad.l} y1={pad.t + plotH} x2={width} y2={pad.t + plotH} stroke="#667085" />
      <text x={0} y={pad.t + 10} className="chart-value">
        {max}
      </text>
      <text x={0} y={pad.t + plotH} className="chart-value">
        0
      </text>
      {data.map((d, i) => {
        let y = pad.t + plotH;
        const x = pad.l + i * colW + colW * 0.15;
        const w = colW * 0.7;
        return (
          <g key={d.bucket}>
            {(['COLD', 'WARM', 'HOT'] as const).map((tag) => {
              const h = (plotH * d[tag]) / max;
              y -= h;
              return h > 0 ? <rect key={tag} x={x} y={y} width={w} height={h} fill={TAG_COLOURS[tag]} /> : null;
            })}
            {i % labelEvery === 0 && (
              <text x={x} y={height - 6} className="chart-label small">
                {d.bucket.slice(5)}
              </text>
            )}
          </g>
        );
      })}
    </svg>
  );
}

export function Legend({ items }: { items: Array<{ label: string; colour: string }> }) {
  return (
    <ul className="legend">
      {items.map((i) => (
        <li key={i.label}>
          <span className="swatch" style={{ background: i.colour }} aria-hidden="true" /> {i.label}
        </li>
      ))}
    </ul>
  );
}
