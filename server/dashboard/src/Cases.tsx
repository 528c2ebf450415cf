// Cases: reports against one account grouped (brigading defence). The list sorts by priority then age; the
// case page shows the reports, each reporter's track record, the case events, legal hold and evidence export.
import { useCallback, useEffect, useState } from 'react';
import type { Route } from './routes.ts';
import { ApiError, call, categoryLabel, fmtDuration, fmtTime, type Me, operationPath } from './api.ts';
import { EvidenceExport } from './EvidenceExport.tsx';
import { type CaseDetailT, type CaseRow, waited } from './modTypes.ts';

const pct = (x: number | null) => (x === null ? 'no record yet' : `${Math.round(x * 100)}% upheld`);

export function Cases({ navigate, onAuthError }: { navigate: (r: Route) => void; onAuthError: (e: unknown) => void }) {
  const [status, setStatus] = useState<'open' | 'closed'>('open');
  const [rows, setRows] = useState<CaseRow[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    call('moderationCases', { query: { status, limit: 200 } })
      .then((r) => setRows(r.cases))
      .catch((e: unknown) => {
        onAuthError(e);
        setError(e instanceof ApiError ? e.detail : 'Could not load cases.');
      });
  }, [status, onAuthError]);
  return (
    <section aria-labelledby="cases-title">
      <h1 id="cases-title">Cases</h1>
      <div className="tabs" role="group" aria-label="Case status">
        {(['open', 'closed'] as const).map((v) => <button key={v} type="button" className={`tab${v === status ? ' active' : ''}`} aria-pressed={v === status} onClick={() => setStatus(v)}>{v === 'open' ? 'Open' : 'Closed'}</button>)}
      </div>
      {error && <p className="error" role="alert">{error}</p>}
      <table>
        <caption className="sr-only">Cases by priority, then age</caption>
        <thead><tr><th scope="col">Account</th><th scope="col">Priority</th><th scope="col">Queue</th><th scope="col">Reports (open)</th><th scope="col">Waiting</th><th scope="col">Flags</th></tr></thead>
        <tbody>
          {rows?.length === 0 && <tr><td colSpan={6} className="empty">No cases.</td></tr>}
          {rows?.map((c) => (
            <tr key={c.id}>
              <td><a href={`/dashboard/cases/${c.id}`} onClick={(e) => { e.preventDefault(); navigate({ page: 'case', id: c.id }); }}><code>{c.accusedId}</code></a></td>
              <td>{c.priority}</td><td>{c.queue}</td><td>{c.reportCount} ({c.openReports})</td>
              <td>{fmtDuration(waited(c.createdAt))}</td>
              <td>{c.brigade && <span className="badge bad">Suspected brigade</span>} {c.legalHold && <span className="badge">Legal hold</span>}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

export function CaseView({ id, me, navigate, onAuthError }: { id: string; me: Me; navigate: (r: Route) => void; onAuthError: (e: unknown) => void }) {
  const [d, setD] = useState<CaseDetailT | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const [reason, setReason] = useState('');
  const load = useCallback(async () => {
    try {
      setD(await call('moderationCase', { params: { caseId: id } }));
    } catch (e) {
      onAuthError(e);
      setStatus(e instanceof ApiError ? e.detail : 'Could not load the case.');
    }
  }, [id, onAuthError]);
  useEffect(() => void load(), [load]);
  if (!d) return <section aria-busy="true"><h1>Case</h1>{status ? <p className="error" role="alert">{status}</p> : <p>Loading…</p>}</section>;
  const c = d.case;
  const hold = async (on: boolean) => {
    try {
      await call('setLegalHold', { params: { caseId: id }, body: { hold: on, reason: reason.trim() } });
      setStatus(on ? 'Legal hold set: content is kept past retention.' : 'Legal hold lifted.');
      await load();
    } catch (e) {
      setStatus(e instanceof ApiError ? `${e.detail} (${e.code})` : 'Request failed.');
    }
  };
  return (
    <article aria-labelledby="case-title">
      <h1 id="case-title">Case against <code>{c.accusedId}</code> — {c.status}</h1>
      <p className="sub">
        <code>{c.id}</code> · opened {fmtTime(c.createdAt)} · queue {c.queue}, priority {c.priority} · {c.reportCount} report(s), {d.open} open
        {c.closedAt && <> · closed {fmtTime(c.closedAt)}</>}{c.purgeAfter && <> · revealed content deleted after {fmtTime(c.purgeAfter)}</>}{c.purgedAt && <> · content deleted {fmtTime(c.purgedAt)}</>}
      </p>
      {c.brigade && <p className="status-line" role="note">Suspected brigade: a burst of reports from new or poor-record accounts against an account with a clean history. Nothing was done to the account automatically.</p>}
      {status && <p className="status-line" role="status">{status}</p>}
      <div className="columns">
        <div className="col-main">
          <table>
            <caption>Reports in this case (first {d.reportsShown})</caption>
            <thead><tr><th scope="col">Filed</th><th scope="col">Category</th><th scope="col">Verification</th><th scope="col">Reporter</th><th scope="col">Status</th></tr></thead>
            <tbody>
              {d.reports.map((r) => (
                <tr key={r.id}>
                  <td><a href={`/dashboard/reports/${r.id}`} onClick={(e) => { e.preventDefault(); navigate({ page: 'report', id: r.id }); }}>{fmtTime(r.createdAt)}</a></td>
                  <td>{categoryLabel(r.category)}</td><td>{r.verdict}</td><td><code>{r.reporterId}</code></td><td>{r.outcome ?? r.status.replace('_', ' ')}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <h2>Reporters and their track records</h2>
          <ul className="plain">
            {d.reporters.map((r) => <li key={r.id}><code>{r.id}</code>: {pct(r.upheldShare)} of {r.decided} decided{r.accountCreatedAt && <> · account since {fmtTime(r.accountCreatedAt)}</>}</li>)}
          </ul>
        </div>
        <aside className="col-side" aria-label="Case actions and history">
          <section className="panel" aria-labelledby="case-sum-title">
            <h2 id="case-sum-title">Summary</h2>
            <p>Account standing: <strong>{d.accused.status}</strong></p>
            <p>By category: {Object.entries(d.byCategory).map(([k, v]) => `${categoryLabel(k)} ${v}`).join(', ') || '—'}</p>
            <p>Outcomes: {Object.entries(d.byOutcome).map(([k, v]) => `${k} ${v}`).join(', ') || 'none yet'}</p>
          </section>
          {me.moderator.role === 'admin' && (
            <section className="panel" aria-labelledby="case-legal-title">
              <h2 id="case-legal-title">Legal</h2>
              <form onSubmit={(e) => e.preventDefault()}>
                <label>Reason for the legal hold<input value={reason} onChange={(e) => setReason(e.target.value)} maxLength={500} /></label>
                <div className="row">
                  <button type="button" disabled={reason.trim().length < 3} onClick={() => void hold(!c.legalHold)}>{c.legalHold ? 'Lift legal hold' : 'Set legal hold'}</button>
                  <EvidenceExport path={operationPath('exportCaseEvidence', { caseId: id })} what={`case against ${c.accusedId}`} say={setStatus} disabled={c.purgedAt !== null} />
                </div>
              </form>
            </section>
          )}
          <section className="panel" aria-labelledby="case-log-title">
            <h2 id="case-log-title">Case events</h2>
            <ol className="plain timeline">{d.events.map((e) => <li key={e.id}>{fmtTime(e.createdAt)} · {e.type.replaceAll('_', ' ')} · {e.actorId ?? 'system'}</li>)}</ol>
          </section>
        </aside>
      </div>
    </article>
  );
}
