// Appeals (EU DSA Art. 20): the appeal queue (oldest first, with how long each has waited) and one appeal —
// the appellant's statement beside the contested report — decided upheld or overturned by a moderator other
// than the one who made the decision.
import { useCallback, useEffect, useState } from 'react';
import type { Route } from './routes.ts';
import { ApiError, type Me, call, fmtDuration, fmtTime } from './api.ts';
import { type Appeal, type AppealDetail, waited } from './modTypes.ts';

const VIEWS = [['open', 'Open'], ['mine', 'Mine'], ['decided', 'Decided'], ['all', 'All']] as const;

export function Appeals({ navigate, onAuthError }: { navigate: (r: Route) => void; onAuthError: (e: unknown) => void }) {
  const [view, setView] = useState<(typeof VIEWS)[number][0]>('open');
  const [rows, setRows] = useState<Appeal[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setRows(null);
    call('moderationAppeals', { query: { view, limit: 200 } })
      .then((r) => setRows(r.appeals))
      .catch((e: unknown) => {
        onAuthError(e);
        setError(e instanceof ApiError ? e.detail : 'Could not load appeals.');
      });
  }, [view, onAuthError]);
  return (
    <section aria-labelledby="appeals-title">
      <h1 id="appeals-title">Appeals</h1>
      <div className="tabs" role="group" aria-label="Appeal views">
        {VIEWS.map(([v, l]) => <button key={v} type="button" className={`tab${v === view ? ' active' : ''}`} aria-pressed={v === view} onClick={() => setView(v)}>{l}</button>)}
      </div>
      {error && <p className="error" role="alert">{error}</p>}
      <table>
        <caption className="sr-only">Appeals, oldest first</caption>
        <thead><tr><th scope="col">Filed</th><th scope="col">Waiting</th><th scope="col">Appellant</th><th scope="col">Contested action</th><th scope="col">Status</th><th scope="col">Assignee</th></tr></thead>
        <tbody>
          {rows?.length === 0 && <tr><td colSpan={6} className="empty">No appeals in this view.</td></tr>}
          {rows?.map((a) => (
            <tr key={a.id}>
              <td><a href={`/dashboard/appeals/${a.id}`} onClick={(e) => { e.preventDefault(); navigate({ page: 'appeal', id: a.id }); }}>{fmtTime(a.createdAt)}</a></td>
              <td>{a.decidedAt ? '—' : fmtDuration(waited(a.createdAt))}</td>
              <td><code>{a.appellantId}</code></td>
              <td>{a.originalAction} by {a.originalDeciderId}</td>
              <td>{a.status.replace('_', ' ')}</td>
              <td>{a.assigneeId ?? '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

export function AppealView({ id, me, navigate, onAuthError }: { id: string; me: Me; navigate: (r: Route) => void; onAuthError: (e: unknown) => void }) {
  const [d, setD] = useState<AppealDetail | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const load = useCallback(async () => {
    try {
      setD(await call('moderationAppeal', { params: { appealId: id } }));
    } catch (e) {
      onAuthError(e);
      setStatus(e instanceof ApiError ? e.detail : 'Could not load the appeal.');
    }
  }, [id, onAuthError]);
  useEffect(() => void load(), [load]);
  const run = async (label: string, fn: () => Promise<unknown>) => {
    setBusy(true);
    try {
      await fn();
      setStatus(label);
      await load();
    } catch (e) {
      onAuthError(e);
      setStatus(e instanceof ApiError ? `${e.detail} (${e.code})` : 'Request failed.');
    } finally {
      setBusy(false);
    }
  };
  if (!d) return <section aria-busy="true"><h1>Appeal</h1>{status ? <p className="error" role="alert">{status}</p> : <p>Loading…</p>}</section>;
  const a = d.appeal;
  const r = d.report;
  const decided = a.status === 'upheld' || a.status === 'overturned';
  const ownDecision = a.originalDeciderId === me.moderator.actorId;
  const canAct = me.moderator.role !== 'triage' && !ownDecision && !decided;
  return (
    <article aria-labelledby="appeal-title" className="report">
      <h1 id="appeal-title">Appeal against a {a.originalAction} — {a.status.replace('_', ' ')}</h1>
      <p className="sub">
        <code>{a.id}</code> · filed {fmtTime(a.createdAt)} by <code>{a.appellantId}</code> · decision by {a.originalDeciderId} ·
        {' '}report <a href={`/dashboard/reports/${r.report.id}`} onClick={(e) => { e.preventDefault(); navigate({ page: 'report', id: r.report.id }); }}>{r.report.id}</a>
      </p>
      {status && <p className="status-line" role="status">{status}</p>}
      <div className="columns">
        <div className="col-main">
          <section aria-labelledby="stmt-title">
            <h2 id="stmt-title">Appellant’s statement</h2>
            <blockquote>{a.statement}</blockquote>
            <p className="muted">Moderators only: the reporter never sees this statement.</p>
          </section>
          <section aria-labelledby="orig-title">
            <h2 id="orig-title">The contested report</h2>
            <p>Category {r.report.category}; policy {r.report.policy?.name ?? '—'}; reported message verification: {r.report.verdict}.</p>
            <ol className="conversation" aria-label="Revealed messages">
              {r.messages.map((m) => (
                <li key={m.position} className={`bubble ${m.senderId === r.report.accusedId ? 'theirs' : 'ours'}${m.isReported ? ' reported' : ''}`}>
                  <div className="meta"><strong>{m.senderId}</strong><span>{fmtTime(m.serverTime)}</span>{m.isReported && <span className="badge reported-tag">Reported</span>}<span className={`verdict ${m.verdict === 'verified' ? 'ok' : 'bad'}`}>{m.verdict === 'verified' ? 'Verified' : `Not verified: ${m.verdictText}`}</span></div>
                  <p className="text">{m.text ?? `(${m.contentType ?? 'binary'}, ${m.bodyBytes} bytes)`}</p>
                </li>
              ))}
            </ol>
          </section>
        </div>
        <aside className="col-side" aria-label="Appeal decision">
          <section className="panel" aria-labelledby="appeal-decide-title">
            <h2 id="appeal-decide-title">Decide the appeal</h2>
            {decided ? (
              <p>{a.status === 'overturned' ? 'Overturned: the enforcement was reversed.' : 'Upheld: the decision stands.'} By {a.decidedBy} {a.decidedAt && fmtTime(a.decidedAt)}.</p>
            ) : ownDecision ? (
              <p>You made the contested decision: another moderator must review this appeal.</p>
            ) : me.moderator.role === 'triage' ? (
              <p>Appeals are decided by moderators.</p>
            ) : (
              <form onSubmit={(e) => e.preventDefault()}>
                {a.status === 'pending' && <button type="button" disabled={busy} onClick={() => void run('Appeal claimed.', () => call('claimAppeal', { params: { appealId: id } }))}>Claim appeal</button>}
                <label>Internal note (optional)<input value={note} onChange={(e) => setNote(e.target.value)} maxLength={4000} /></label>
                <div className="row">
                  <button type="button" disabled={!canAct || busy} onClick={() => void run('Appeal upheld: the decision stands.', () => call('decideAppeal', { params: { appealId: id }, body: { result: 'upheld', ...(note.trim() ? { note: note.trim() } : {}) } }))}>Uphold decision</button>
                  <button type="button" disabled={!canAct || busy} onClick={() => void run('Appeal overturned: enforcement reversed.', () => call('decideAppeal', { params: { appealId: id }, body: { result: 'overturned', ...(note.trim() ? { note: note.trim() } : {}) } }))}>Overturn and reverse</button>
                </div>
              </form>
            )}
          </section>
          <section className="panel" aria-labelledby="appeal-acc-title">
            <h2 id="appeal-acc-title">Account standing</h2>
            <p><code>{r.accused.id}</code>: <strong>{r.accused.status}</strong>{r.accused.suspendedUntil && <> until {fmtTime(r.accused.suspendedUntil)}</>}</p>
          </section>
        </aside>
      </div>
    </article>
  );
}
