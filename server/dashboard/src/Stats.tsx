// Statistics: queue counts, reports filed and decided per day (an SVG bar chart drawn here, with a data
// table beside it for screen readers), and the median time from filing to decision.
import { useEffect, useState } from 'react';
import { ApiError, call, fmtDuration } from './api.ts';

interface StatsData {
  days: number; open: number; claimed: number; resolved: number; medianDecisionMs: number | null;
  perDay: Array<{ day: string; filed: number; decided: number; medianDecisionMs: number | null }>;
  outcomes: Record<string, number>; byModerator: Record<string, number>;
}

export function BarChart({ data }: { data: StatsData['perDay'] }) {
  const W = 720;
  const H = 220;
  const pad = { l: 36, r: 8, t: 12, b: 36 };
  const max = Math.max(1, ...data.map((d) => Math.max(d.filed, d.decided)));
  const step = (W - pad.l - pad.r) / Math.max(1, data.length);
  const bw = Math.max(2, step / 2 - 2);
  const y = (v: number) => pad.t + (H - pad.t - pad.b) * (1 - v / max);
  const ticks = [0, Math.round(max / 2), max];
  return (
    <svg viewBox={`0 0 ${W} ${H}`} className="chart" role="img" aria-labelledby="chart-title chart-desc">
      <title id="chart-title">Reports filed and decided per day</title>
      <desc id="chart-desc">Bar chart over {data.length} days; the table below lists the same numbers.</desc>
      {ticks.map((t) => (
        <g key={t}>
          <line x1={pad.l} x2={W - pad.r} y1={y(t)} y2={y(t)} className="grid" />
          <text x={pad.l - 6} y={y(t) + 4} textAnchor="end" className="axis">{t}</text>
        </g>
      ))}
      {data.map((d, i) => {
        const x = pad.l + i * step + 2;
        return (
          <g key={d.day}>
            <rect x={x} y={y(d.filed)} width={bw} height={y(0) - y(d.filed)} className="bar filed"><title>{`${d.day}: ${d.filed} filed`}</title></rect>
            <rect x={x + bw + 1} y={y(d.decided)} width={bw} height={y(0) - y(d.decided)} className="bar decided"><title>{`${d.day}: ${d.decided} decided`}</title></rect>
            {(data.length <= 16 || i % Math.ceil(data.length / 12) === 0) && <text x={x + bw} y={H - pad.b + 16} textAnchor="middle" className="axis">{d.day.slice(5)}</text>}
          </g>
        );
      })}
      <g className="legend" transform={`translate(${pad.l}, ${H - 8})`}>
        <rect width="10" height="10" y="-9" className="bar filed" /><text x="14">filed</text>
        <rect x="64" width="10" height="10" y="-9" className="bar decided" /><text x="78">decided</text>
      </g>
    </svg>
  );
}

export function Stats({ onAuthError }: { onAuthError: (e: unknown) => void }) {
  const [days, setDays] = useState(14);
  const [s, setS] = useState<StatsData | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    call('moderationStats', { query: { days } })
      .then(setS)
      .catch((e: unknown) => {
        onAuthError(e);
        setError(e instanceof ApiError ? e.detail : 'Could not load statistics.');
      });
  }, [days, onAuthError]);
  return (
    <section aria-labelledby="stats-title">
      <h1 id="stats-title">Statistics</h1>
      <label className="inline">Window
        <select value={days} onChange={(e) => setDays(Number(e.target.value))}>
          {[7, 14, 30, 90].map((d) => <option key={d} value={d}>last {d} days</option>)}
        </select>
      </label>
      {error && <p className="error" role="alert">{error}</p>}
      {s && (
        <>
          <dl className="kpis">
            <div><dt>Open</dt><dd>{s.open}</dd></div>
            <div><dt>Claimed</dt><dd>{s.claimed}</dd></div>
            <div><dt>Resolved</dt><dd>{s.resolved}</dd></div>
            <div><dt>Median time to decision</dt><dd>{fmtDuration(s.medianDecisionMs)}</dd></div>
          </dl>
          <BarChart data={s.perDay} />
          <table>
            <caption>Per day</caption>
            <thead><tr><th scope="col">Day</th><th scope="col">Filed</th><th scope="col">Decided</th><th scope="col">Median time to decision</th></tr></thead>
            <tbody>{s.perDay.map((d) => <tr key={d.day}><td>{d.day}</td><td>{d.filed}</td><td>{d.decided}</td><td>{fmtDuration(d.medianDecisionMs)}</td></tr>)}</tbody>
          </table>
          <h2>Outcomes</h2>
          <ul className="plain">{Object.entries(s.outcomes).map(([k, v]) => <li key={k}>{k}: {v}</li>)}</ul>
          <h2>Decisions by moderator</h2>
          <ul className="plain">{Object.entries(s.byModerator).map(([k, v]) => <li key={k}>{k}: {v}</li>)}</ul>
        </>
      )}
    </section>
  );
}
