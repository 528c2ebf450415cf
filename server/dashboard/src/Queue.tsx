// The queue: open / claimed / mine / resolved / all, filters, keyset pagination (a stack of cursors for
// "previous"), j/k selection, Enter to open, c to claim. Bulk dismissal asks first, then waits the same undo
// window as a single dismissal before anything is sent. At phone width each row is a card (styles.css).
import { useEffect, useRef, useState } from 'react';
import { type QueueState, UNDO_SECONDS, VIEWS } from './queueState.ts';
import type { Route } from './routes.ts';
import { ApiError, CATEGORIES, type Me, type QueueItem, call, categoryLabel, fmtDuration, fmtTime } from './api.ts';
import { OutcomeBadge, StatusBadge, VerdictBadge } from './badges.tsx';

/** The starter routing queues plus escalation and the brigade queue (docs/MODERATION.md "Routing"). */
const KNOWN_QUEUES = ['urgent', 'escalation', 'repeat-offenders', 'general', 'low-confidence', 'suspected-brigade'];
/** A bulk dismissal cites the policy named like the reports' category when they share one, else "other". */
const bulkPolicy = (rows: Array<{ category: string }>) => {
  const cats = new Set(rows.map((r) => r.category));
  return cats.size === 1 ? [...cats][0] : 'other';
};

const PAGE = 25;
/** A claim held longer than this is flagged so that no report sits forgotten (admins can release it). */
const STALE_CLAIM_MS = 4 * 3_600_000;

export function Queue({ state, setState, me, navigate, onAuthError }: {
  state: QueueState; setState: React.Dispatch<React.SetStateAction<QueueState>>; me: Me; navigate: (r: Route) => void; onAuthError: (e: unknown) => void;
}) {
  const [loading, setLoading] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const [reload, setReload] = useState(0);
  const cursor = state.cursors[state.cursors.length - 1] ?? '';
  const key = JSON.stringify([state.view, state.category, state.verdict, state.accusedId, state.assigneeId, state.queue, cursor]);
  const tableRef = useRef<HTMLTableSectionElement>(null);
  /** Bulk dismissal: asked (confirm), then counting down (undo window), then sent. */
  const [confirmBulk, setConfirmBulk] = useState<string[] | null>(null);
  const [pendingBulk, setPendingBulk] = useState<{ ids: string[]; left: number } | null>(null);
  const bulkTimer = useRef<{ timer: ReturnType<typeof setInterval>; send: () => void } | null>(null);

  useEffect(() => {
    let live = true;
    const q = new URLSearchParams({ view: state.view, limit: String(PAGE) });
    if (state.category) q.set('category', state.category);
    if (state.verdict) q.set('verdict', state.verdict);
    if (state.accusedId.trim()) q.set('accusedId', state.accusedId.trim());
    if (state.queue) q.set('queue', state.queue);
    if (state.assigneeId.trim()) q.set('assigneeId', state.assigneeId.trim());
    if (cursor) q.set('cursor', cursor);
    setLoading(true);
    call('moderationQueue', { query: Object.fromEntries(q) })
      .then((r) => live && setState((s) => ({ ...s, items: r.reports, nextCursor: r.nextCursor, selected: Math.min(s.selected, Math.max(0, r.reports.length - 1)) })))
      .catch((e: unknown) => {
        onAuthError(e);
        if (live) setMessage(e instanceof ApiError ? e.detail : 'Could not load the queue.');
      })
      .finally(() => live && setLoading(false));
    return () => {
      live = false;
    };
  }, [key, reload]);

  const bulk = async (op: 'claim' | 'release' | 'dismiss', ids: string[] = state.checked) => {
    if (!ids.length) return;
    try {
      const r = await call('bulkReports', {
        body: op === 'dismiss' ? { reportIds: ids, op: 'decide', action: 'dismiss', policyId: bulkPolicy(state.items.filter((x) => ids.includes(x.id))) } : { reportIds: ids, op },
      });
      const failed = r.results.filter((x) => !x.ok);
      setMessage(`${op === 'dismiss' ? 'Dismissed' : op === 'claim' ? 'Claimed' : 'Released'} ${r.results.length - failed.length} of ${r.results.length}.${failed.length ? ` Not applied: ${failed.map((f) => `${f.reportId} (${f.code})`).join(', ')}.` : ''}`);
      setState((s) => ({ ...s, checked: [] }));
      setReload((n) => n + 1);
    } catch (e) {
      onAuthError(e);
      setMessage(e instanceof ApiError ? e.detail : 'Bulk action failed.');
    }
  };
  /** After the confirmation: nothing is sent for UNDO_SECONDS; Undo drops it, leaving the page sends it at once. */
  const startBulkDismiss = (ids: string[]) => {
    setConfirmBulk(null);
    let left = UNDO_SECONDS;
    setPendingBulk({ ids, left });
    const send = () => {
      if (bulkTimer.current) clearInterval(bulkTimer.current.timer);
      bulkTimer.current = null;
      setPendingBulk(null);
      void bulk('dismiss', ids);
    };
    bulkTimer.current = {
      send,
      timer: setInterval(() => {
        left -= 1;
        if (left > 0) setPendingBulk({ ids, left });
        else send();
      }, 1000),
    };
  };
  const undoBulk = () => {
    if (bulkTimer.current) clearInterval(bulkTimer.current.timer);
    bulkTimer.current = null;
    setPendingBulk(null);
    setMessage('Bulk dismissal undone: nothing was sent.');
  };
  useEffect(() => () => bulkTimer.current?.send(), []);
  const toggle = (id: string) => setState((s) => ({ ...s, checked: s.checked.includes(id) ? s.checked.filter((x) => x !== id) : [...s.checked, id] }));
  const allChecked = state.items.length > 0 && state.items.every((r) => state.checked.includes(r.id));

  const claim = async (item: QueueItem | undefined) => {
    if (!item) return;
    try {
      await call('claimReport', { params: { reportId: item.id } });
      setMessage(`Claimed ${item.id}.`);
      navigate({ page: 'report', id: item.id });
    } catch (e) {
      onAuthError(e);
      setMessage(e instanceof ApiError ? e.detail : 'Claim failed.');
    }
  };

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement | null;
      if (t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT') || e.ctrlKey || e.metaKey || e.altKey) return;
      if (e.key === 'j') setState((s) => ({ ...s, selected: Math.min(s.selected + 1, s.items.length - 1) }));
      else if (e.key === 'k') setState((s) => ({ ...s, selected: Math.max(s.selected - 1, 0) }));
      else if (e.key === 'Enter' && state.items[state.selected]) navigate({ page: 'report', id: (state.items[state.selected] as QueueItem).id });
      else if (e.key === 'c') void claim(state.items[state.selected]);
      else if (e.key === 'x' && state.items[state.selected]) toggle((state.items[state.selected] as QueueItem).id);
      else return;
      e.preventDefault();
    };
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  });

  useEffect(() => {
    tableRef.current?.querySelector<HTMLElement>('tr[aria-selected="true"]')?.scrollIntoView({ block: 'nearest' });
  }, [state.selected]);

  const setFilter = (patch: Partial<QueueState>) => setState((s) => ({ ...s, ...patch, cursors: [''], selected: 0, checked: [] }));
  // The open tab lives in the address: a reload or a shared link shows the same view.
  useEffect(() => {
    const want = state.view === 'open' ? '' : `?view=${state.view}`;
    if (location.search !== want) history.replaceState(null, '', `${location.pathname}${want}`);
  }, [state.view]);
  const page = state.cursors.length;

  return (
    <section aria-labelledby="queue-title">
      <h1 id="queue-title">Report queue</h1>
      <div className="tabs" role="tablist" aria-label="Queue views">
        {VIEWS.map(([v, label]) => (
          <button key={v} role="tab" type="button" aria-selected={state.view === v} data-view={v} className={state.view === v ? 'tab active' : 'tab'} onClick={() => setFilter({ view: v })}>
            {label}
          </button>
        ))}
      </div>
      <form className="filters" onSubmit={(e) => e.preventDefault()} aria-label="Filters">
        <label>
          Category
          <select value={state.category} onChange={(e) => setFilter({ category: e.target.value })}>
            <option value="">any</option>
            {CATEGORIES.map((c) => <option key={c} value={c}>{categoryLabel(c)}</option>)}
          </select>
        </label>
        <label>
          Verification
          <select value={state.verdict} onChange={(e) => setFilter({ verdict: e.target.value })}>
            <option value="">any</option>
            <option value="verified">verified</option>
            <option value="unverified">not verified</option>
          </select>
        </label>
        <label>
          Queue
          <select value={state.queue} onChange={(e) => setFilter({ queue: e.target.value })}>
            <option value="">all queues (priority, then longest waiting)</option>
            {KNOWN_QUEUES.map((q) => <option key={q} value={q}>{q}</option>)}
          </select>
        </label>
        <label>
          Reported account
          <input value={state.accusedId} onChange={(e) => setFilter({ accusedId: e.target.value })} placeholder="user id" spellCheck={false} />
        </label>
        <label>
          Assignee
          <input value={state.assigneeId} onChange={(e) => setFilter({ assigneeId: e.target.value })} placeholder={me.moderator.actorId} spellCheck={false} />
        </label>
      </form>
      <div className="row bulk" role="group" aria-label="Bulk actions on checked reports">
        <span>{state.checked.length} checked</span>
        <button type="button" disabled={!state.checked.length} onClick={() => void bulk('claim')}>Claim checked</button>
        <button type="button" disabled={!state.checked.length} onClick={() => void bulk('release')}>Release checked</button>
        <button type="button" disabled={!state.checked.length || pendingBulk !== null} onClick={() => setConfirmBulk(state.checked)}>Dismiss checked</button>
      </div>
      {confirmBulk && (
        <div className="confirm" role="alertdialog" aria-labelledby="confirm-bulk-title" data-testid="confirm-bulk-dismiss">
          <p id="confirm-bulk-title">
            <strong>Dismiss {confirmBulk.length} report{confirmBulk.length === 1 ? '' : 's'}?</strong> Each is closed with no action,
            citing the policy <code>{bulkPolicy(state.items.filter((x) => confirmBulk.includes(x.id)))}</code>, and each reporter is told.
          </p>
          <div className="row">
            <button type="button" className="danger" autoFocus onClick={() => startBulkDismiss(confirmBulk)}>Dismiss {confirmBulk.length}</button>
            <button type="button" onClick={() => setConfirmBulk(null)}>Cancel</button>
          </div>
        </div>
      )}
      {pendingBulk && (
        <div className="undo" role="status" data-testid="undo-bulk-dismiss">
          <span>Dismissing {pendingBulk.ids.length} report{pendingBulk.ids.length === 1 ? '' : 's'} in {pendingBulk.left} s…</span>
          <button type="button" onClick={undoBulk}>Undo</button>
        </div>
      )}
      {message && <p className="status-line" role="status">{message}</p>}
      <table className="queue" aria-busy={loading}>
        <caption className="sr-only">Reports, {state.view} view, page {page}. Use j and k to move, Enter to open, c to claim, x to check for a bulk action.</caption>
        <thead>
          <tr>
            <th scope="col">
              <input type="checkbox" aria-label="Check all reports on this page" checked={allChecked}
                onChange={() => setState((s) => ({ ...s, checked: allChecked ? [] : s.items.map((r) => r.id) }))} />
            </th>
            <th scope="col">Filed</th><th scope="col">Queue (priority)</th><th scope="col">Waiting</th><th scope="col">Category</th><th scope="col">Verification</th><th scope="col">Reported account</th>
            <th scope="col">Reports against</th><th scope="col">Status</th><th scope="col">Assignee</th><th scope="col"><span className="sr-only">Actions</span></th>
          </tr>
        </thead>
        <tbody ref={tableRef}>
          {state.items.map((r, i) => (
            <tr key={r.id} aria-selected={i === state.selected} className={i === state.selected ? 'selected' : undefined} onClick={() => setState((s) => ({ ...s, selected: i }))}>
              <td className="check"><input type="checkbox" aria-label={`Check report ${r.id}`} checked={state.checked.includes(r.id)} onChange={() => toggle(r.id)} onClick={(e) => e.stopPropagation()} /></td>
              <td data-label="Filed"><a href={`/dashboard/reports/${r.id}`} onClick={(e) => { e.preventDefault(); navigate({ page: 'report', id: r.id }); }}>{fmtTime(r.createdAt)}</a></td>
              <td data-label="Queue">{r.queue} ({r.priority})</td>
              <td data-label="Waiting">{r.status === 'resolved' ? '—' : fmtDuration(Date.now() - Date.parse(r.createdAt))}</td>
              <td data-label="Category">
                {categoryLabel(r.category)}
                {r.preview && <div className="preview" dir="auto" data-testid="queue-preview">“{r.preview}”</div>}
              </td>
              <td data-label="Verification"><VerdictBadge verdict={r.verdict} /></td>
              <td data-label="Reported account"><code>{r.accusedId}</code></td>
              <td data-label="Reports against">{r.reportsAgainstAccused ?? 1}</td>
              <td data-label="Status"><StatusBadge status={r.status} />{r.outcome && <> <OutcomeBadge outcome={r.outcome} /></>}</td>
              <td data-label="Assignee">{r.assigneeId ?? '—'}{r.status === 'in_review' && r.claimedAt && <span className={Date.now() - Date.parse(r.claimedAt) > STALE_CLAIM_MS ? 'stale' : 'muted'}> · {fmtDuration(Date.now() - Date.parse(r.claimedAt))}{Date.now() - Date.parse(r.claimedAt) > STALE_CLAIM_MS ? ' (stale)' : ''}</span>}</td>
              <td className="actions">{r.status === 'received' && <button type="button" onClick={(e) => { e.stopPropagation(); void claim(r); }} aria-label={`Claim report ${r.id}`}>Claim</button>}</td>
            </tr>
          ))}
          {!state.items.length && !loading && (
            <tr><td colSpan={11} className="empty">Nothing here. {state.view === 'open' ? 'The queue is clear.' : ''}</td></tr>
          )}
        </tbody>
      </table>
      <nav className="pager" aria-label="Pages">
        <button type="button" disabled={page <= 1} onClick={() => setState((s) => ({ ...s, cursors: s.cursors.slice(0, -1), selected: 0, checked: [] }))}>Previous page</button>
        <span>Page {page}</span>
        <button type="button" disabled={!state.nextCursor} onClick={() => setState((s) => ({ ...s, cursors: [...s.cursors, s.nextCursor ?? ''], selected: 0, checked: [] }))}>Next page</button>
      </nav>
    </section>
  );
}
