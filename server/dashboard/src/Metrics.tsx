// Metrics (plain SVG charts, each with the numbers in text beside it) and the transparency report for a period
// as JSON or CSV (EU DSA Art. 15/24).
import { useEffect, useState } from 'react';
import { ApiError, call, fmtDuration, operationPath } from './api.ts';
import type { MetricsT, Transparency } from './modTypes.ts';

function HBars({ title, rows }: { title: string; rows: Array<{ label: string; value: number }> }) {
  const max = Math.max(1, ...rows.map((r) => r.value));
  const id = title.toLowerCase().replace(/[^a-z]+/g, '-');
  return (
    <figure className="hbars">
      <svg viewBox={`0 0 420 ${rows.length * 26 + 6}`} role="img" aria-labelledby={`${id}-t`} className="chart">
        <title id={`${id}-t`}>{title}</title>
        {rows.map((r, i) => (
          <g key={r.label} transform={`translate(0 ${i * 26 + 4})`}>
            <text x="0" y="15" className="axis">{r.label}</text>
            <rect x="150" y="3" height="16" width={Math.max(1, (r.value / max) * 230)} className="bar filed" />
            <text x={156 + (r.value / max) * 230} y="15" className="axis">{r.value}</text>
          </g>
        ))}
      </svg>
      <figcaption>{title}: {rows.map((r) => `${r.label} ${r.value}`).join(', ') || 'none'}</figcaption>
    </figure>
  );
}

export function Metrics({ onAuthError }: { onAuthError: (e: unknown) => void }) {
  const [days, setDays] = useState(30);
  const [m, setM] = useState<MetricsT | null>(null);
  const [error, setError] = useState<string | null>(null);
  const today = new Date().toISOString().slice(0, 10);
  const [from, setFrom] = useState(new Date(Date.now() - 30 * 86_400_000).toISOString().slice(0, 10));
  const [to, setTo] = useState(today);
  const [t, setT] = useState<Transparency | null>(null);
  useEffect(() => {
    call('moderationMetrics', { query: { days } }).then(setM).catch((e: unknown) => {
      onAuthError(e);
      setError(e instanceof ApiError ? e.detail : 'Could not load metrics.');
    });
  }, [days, onAuthError]);
  const period = () => ({ from: new Date(`${from}T00:00:00Z`).toISOString(), to: new Date(new Date(`${to}T00:00:00Z`).getTime() + 86_400_000).toISOString() });
  const loadReport = () => call('transparencyReport', { query: period() }).then((r) => setT(r)).catch((e: unknown) => setError(e instanceof ApiError ? e.detail : 'Could not build the report.'));
  const rate = m?.appeals.overturnRate;
  return (
    <section aria-labelledby="metrics-title">
      <h1 id="metrics-title">Metrics</h1>
      <label className="inline">Window
        <select value={days} onChange={(e) => setDays(Number(e.target.value))}>{[7, 30, 90, 365].map((d) => <option key={d} value={d}>last {d} days</option>)}</select>
      </label>
      {error && <p className="error" role="alert">{error}</p>}
      {m && (
        <>
          <dl className="kpis">
            <div><dt>Median time to first action</dt><dd>{fmtDuration(m.medianFirstActionMs)}</dd></div>
            <div><dt>Median time to decision</dt><dd>{fmtDuration(m.medianDecisionMs)}</dd></div>
            <div><dt>Appeal overturn rate</dt><dd>{rate === null || rate === undefined ? '—' : `${Math.round(rate * 100)}%`}</dd></div>
            <div><dt>Appeals filed</dt><dd>{m.appeals.filed}</dd></div>
          </dl>
          <div className="chart-grid">
            <HBars title="Open backlog by age" rows={m.backlog.map((b) => ({ label: b.label, value: b.count }))} />
            <HBars title="Decisions per moderator" rows={m.decisionsByModerator.map((d) => ({ label: d.actorId, value: d.decisions }))} />
            <HBars title="Decisions by action" rows={Object.entries(m.decisionsByAction).map(([k, v]) => ({ label: k, value: v }))} />
            <HBars title="Appeal outcomes" rows={[{ label: 'upheld', value: m.appeals.upheld }, { label: 'overturned', value: m.appeals.overturned }]} />
          </div>
        </>
      )}
      <h2>Transparency report</h2>
      <form className="filters" onSubmit={(e) => { e.preventDefault(); void loadReport(); }}>
        <label>From (UTC day)<input type="date" value={from} onChange={(e) => setFrom(e.target.value)} /></label>
        <label>To (UTC day, inclusive)<input type="date" value={to} onChange={(e) => setTo(e.target.value)} /></label>
        <button type="submit">Build report</button>
        <a href={`${operationPath('transparencyReport', {})}?${new URLSearchParams({ ...period(), format: 'csv' })}`} download>Download CSV</a>
      </form>
      {t && (
        <table>
          <caption>Transparency report {t.period.from.slice(0, 10)} – {t.period.to.slice(0, 10)} (to exclusive)</caption>
          <tbody>
            <tr><th scope="row">Notices received</th><td>{t.notices.total} — {Object.entries(t.notices.byCategory).map(([k, v]) => `${k} ${v}`).join(', ')}</td></tr>
            <tr><th scope="row">Verification</th><td>{Object.entries(t.notices.byVerification).map(([k, v]) => `${k} ${v}`).join(', ') || '—'}</td></tr>
            <tr><th scope="row">Decisions</th><td>{t.decisions.total} — {Object.entries(t.decisions.byAction).map(([k, v]) => `${k} ${v}`).join(', ')}</td></tr>
            <tr><th scope="row">Automated / manual</th><td>{t.decisions.automated} / {t.decisions.manual}</td></tr>
            <tr><th scope="row">Median handling time</th><td>{fmtDuration(t.decisions.medianHandlingMs)}</td></tr>
            <tr><th scope="row">Appeals</th><td>{t.appeals.filed} filed; {t.appeals.upheld} upheld, {t.appeals.overturned} overturned</td></tr>
          </tbody>
        </table>
      )}
    </section>
  );
}
