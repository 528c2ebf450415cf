// Report detail: the reported message highlighted inside its verified context, rendered as a conversation,
// a verification badge per message (the verifier's reason in words), context completeness per sender, the
// reporter's comment, the accused's history, notes and the event log; claim/release and decisions with
// Ozone-style keyboard triage (choose an action, Enter submits and moves to the next report).
import { Fragment, useCallback, useEffect, useRef, useState } from 'react';
import { EvasionSignal } from './EvasionSignal.tsx';
import { PolicySelect, ReportExtras } from './ReportExtras.tsx';
import type { Route } from './routes.ts';
import { ApiError, call, CATEGORIES, categoryLabel, fmtTime, type Me, type ReportAttachment, type ReportDetail } from './api.ts';
import { OutcomeBadge, StatusBadge, VerdictBadge } from './badges.tsx';
import { describeEvent } from './events.ts';
import { type QueueState, UNDO_SECONDS } from './queueState.ts';
import { GapLines, gapsAfter, GROUP_INFO_TYPE, groupInfoName, MessageBubble } from './ReportThread.tsx';

type Action = 'dismiss' | 'warn' | 'suspend' | 'ban';
/** How long a dismissal waits for Undo before anything is sent (single and bulk alike). */
const ACTIONS: Array<[Action, string, string]> = [['dismiss', 'Dismiss', 'd'], ['warn', 'Warn', 'w'], ['suspend', 'Suspend', 's'], ['ban', 'Ban', 'b']];
const DURATIONS: Array<[string, string]> = [['24', '1 day'], ['72', '3 days'], ['168', '7 days'], ['720', '30 days'], ['', 'indefinitely']];

export function ReportView({ id, me, queue, navigate, onAuthError }: { id: string; me: Me; queue: QueueState; navigate: (r: Route) => void; onAuthError: (e: unknown) => void }) {
  const [d, setD] = useState<ReportDetail | null>(null);
  const [attachments, setAttachments] = useState<ReportAttachment[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const [action, setAction] = useState<Action | null>(null);
  const [hours, setHours] = useState('168');
  const [reason, setReason] = useState('');
  const [policyId, setPolicyId] = useState('');
  const [note, setNote] = useState('');
  /** A dismissal waits a few seconds for Undo before it is sent (docs/MODERATION.md "Dashboard"). */
  const [pendingDismiss, setPendingDismiss] = useState<{ andNext: boolean; left: number } | null>(null);
  const dismissTimer = useRef<ReturnType<typeof setInterval> | null>(null);
  /** A ban needs a second, explicit confirmation. */
  const [confirmBan, setConfirmBan] = useState<{ andNext: boolean } | null>(null);
  const [showMedia, setShowMedia] = useState(false);
  const [busy, setBusy] = useState(false);
  const noteRef = useRef<HTMLTextAreaElement>(null);
  const headingRef = useRef<HTMLHeadingElement>(null);

  const load = useCallback(async () => {
    try {
      const [r, att] = await Promise.all([
        call('moderationReport', { params: { reportId: id } }),
        call('moderationReportAttachments', { params: { reportId: id } }).catch(() => ({ attachments: [] })),
      ]);
      setD(r);
      setAttachments(att.attachments);
      setError(null);
    } catch (e) {
      onAuthError(e);
      setError(e instanceof ApiError ? e.detail : 'Could not load the report.');
    }
  }, [id, onAuthError]);

  useEffect(() => {
    setD(null);
    setAction(null);
    setReason('');
    setPendingDismiss(null);
    setConfirmBan(null);
    setPolicyId('');
    setShowMedia(false);
    setStatus(null);
    void load().then(() => headingRef.current?.focus());
  }, [load]);

  const ids = queue.items.map((x) => x.id);
  const index = ids.indexOf(id);
  const go = (delta: number) => {
    const next = ids[index + delta];
    if (index >= 0 && next) navigate({ page: 'report', id: next });
  };

  const run = async (label: string, fn: () => Promise<unknown>) => {
    setBusy(true);
    try {
      await fn();
      setStatus(label);
      await load();
      return true;
    } catch (e) {
      onAuthError(e);
      setStatus(e instanceof ApiError ? `${e.detail} (${e.code})` : 'Request failed.');
      return false;
    } finally {
      setBusy(false);
    }
  };

  const claim = () => run('Claimed.', () => call('claimReport', { params: { reportId: id } }));
  const release = () => run('Released to the queue.', () => call('releaseReport', { params: { reportId: id } }));
  /** Dismiss waits UNDO_SECONDS for Undo; ban asks for confirmation; warn and suspend go at once. */
  const submit = async (andNext: boolean, confirmed = false) => {
    if (!action || !d) return;
    if (action === 'ban' && !confirmed) return setConfirmBan({ andNext });
    if (action === 'dismiss' && !confirmed) {
      if (pendingDismiss) return;
      setPendingDismiss({ andNext, left: UNDO_SECONDS });
      let left = UNDO_SECONDS;
      dismissTimer.current = setInterval(() => {
        left -= 1;
        if (left > 0) return setPendingDismiss({ andNext, left });
        if (dismissTimer.current) clearInterval(dismissTimer.current);
        dismissTimer.current = null;
        setPendingDismiss(null);
        void submit(andNext, true);
      }, 1000);
      return;
    }
    setConfirmBan(null);
    // The Notes box is the one place for notes: its text goes with the decision (one box, not two).
    const decisionNote = note.trim();
    const body = {
      action,
      ...(action === 'suspend' && hours ? { suspendHours: Number(hours) } : {}),
      ...(reason && action !== 'dismiss' ? { reasonCategory: reason as (typeof CATEGORIES)[number] } : {}),
      ...(decisionNote ? { note: decisionNote } : {}),
      policyId,
    };
    const ok = await run(`Decision recorded: ${action}.`, () => call('decideReport', { params: { reportId: id }, body }));
    if (ok && decisionNote) setNote('');
    if (ok && andNext) {
      const next = ids.slice(index + 1).find((x) => queue.items.find((q) => q.id === x)?.status !== 'resolved');
      navigate(next ? { page: 'report', id: next } : { page: 'queue' });
    }
  };
  const undoDismiss = () => {
    if (dismissTimer.current) clearInterval(dismissTimer.current);
    dismissTimer.current = null;
    setPendingDismiss(null);
    setStatus('Dismissal undone: nothing was sent.');
  };
  useEffect(() => () => {
    if (dismissTimer.current) clearInterval(dismissTimer.current);
  }, []);
  const addNote = async (e: React.FormEvent) => {
    e.preventDefault();
    if (!note.trim()) return;
    if (await run('Note added.', () => call('addReportNote', { params: { reportId: id }, body: { text: note.trim() } }))) setNote('');
  };

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement | null;
      if (t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT') || e.ctrlKey || e.metaKey || e.altKey) return;
      const k = e.key;
      // While a request is in flight only requests are held back; choosing an action or moving on still works.
      if (busy && (k === 'c' || k === 'r' || k === 'Enter')) return;
      if (k === 'j') go(1);
      else if (k === 'k') go(-1);
      else if (k === 'c') void claim();
      else if (k === 'r') void release();
      else if (k === 'd' || k === 'w' || k === 's' || k === 'b') setAction(({ d: 'dismiss', w: 'warn', s: 'suspend', b: 'ban' } as const)[k]);
      else if (k === 'Enter' && action && (t?.tagName !== 'BUTTON')) void submit(true);
      else if (k === 'n') noteRef.current?.focus();
      else if (k === 'm') setShowMedia((v) => !v);
      else if (k === 'Escape') {
        if (pendingDismiss) undoDismiss();
        else if (confirmBan) setConfirmBan(null);
        else setAction(null);
      } else if ((k === 'u' || k === 'z') && pendingDismiss) undoDismiss();
      else return;
      e.preventDefault();
    };
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  });

  if (error) return <section><h1>Report</h1><p className="error" role="alert">{error}</p></section>;
  if (!d) return <section aria-busy="true"><h1>Report</h1><p>Loading…</p></section>;
  const r = d.report;
  const mine = r.assigneeId === me.moderator.actorId;
  const resolved = r.status === 'resolved';
  const canDecide = !resolved && (mine || r.assigneeId === null);
  const notes = d.events.filter((e) => e.type === 'note');
  const hasMedia = d.messages.some((m) => m.media || m.attachments.length > 0);
  const gaps = gapsAfter(d);
  const infos = d.messages.filter((m) => m.contentType?.startsWith(GROUP_INFO_TYPE));
  const groupName = infos.map(groupInfoName).filter(Boolean).pop() ?? null;
  const isGroup = infos.length > 0 || new Set(d.messages.map((m) => m.senderId)).size > 2;
  // Only reports filed before this one are "earlier" (the history list also holds later ones).
  const earlier = d.accused.recentReports.filter((h) => h.id !== r.id && Date.parse(h.createdAt) < Date.parse(r.createdAt));
  return (
    <article aria-labelledby="report-title" className="report">
      <div className="report-head">
        <h1 id="report-title" ref={headingRef} tabIndex={-1}>
          Report: {categoryLabel(r.category)} <VerdictBadge verdict={r.verdict} /> <StatusBadge status={r.status} />{r.outcome && <> <OutcomeBadge outcome={r.outcome} /></>}
        </h1>
        <p className="sub">
          {isGroup && <><strong data-testid="group-report">Group {groupName ?? 'conversation'}</strong> <code>{r.conversationId}</code> · </>}
          <code>{r.id}</code> · filed {fmtTime(r.createdAt)} by <code>{r.reporterId}</code>
          {r.reportedFromDeviceId != null && <span data-testid="reported-from"> from their device {r.reportedFromDeviceId}</span>} against <code>{r.accusedId}</code>
          {r.assigneeId && <> · claimed by <strong>{r.assigneeId === me.moderator.actorId ? 'you' : r.assigneeId}</strong></>}
          {r.decidedBy && <> · decided by {r.decidedBy} {r.decidedAt && fmtTime(r.decidedAt)}</>}
        </p>
        <nav className="pager" aria-label="Queue navigation">
          <button type="button" onClick={() => go(-1)} disabled={index <= 0}>Previous (k)</button>
          <span>{index >= 0 ? `${index + 1} of ${ids.length} in this queue page` : 'not in the current queue page'}</span>
          <button type="button" onClick={() => go(1)} disabled={index < 0 || index >= ids.length - 1}>Next (j)</button>
        </nav>
      </div>
      {status && <p className="status-line" role="status">{status}</p>}

      <div className="summary" data-testid="report-summary">
        <section aria-labelledby="ctx-title">
          <h2 id="ctx-title">
            Context completeness:{' '}
            {d.context.complete ? <span className="ok-text">complete</span>
              : d.context.gaps.length > 0 && d.context.senders.every((s) => s.chainIntact) && d.context.gaps.every((g) => g.notIncluded === 0)
                ? <span>gaps only where the reporter was never delivered a message</span>
                : <span className="bad-text">messages missing</span>}
          </h2>
          {d.context.senders.length === 0 && <p>No verified messages: completeness cannot be assessed.</p>}
          <ul className="plain">
            {d.context.senders.map((s) => (
              <li key={`${s.conversationId}\n${s.senderId}\n${s.senderDeviceId ?? 1}`} className={s.complete ? 'ok-text' : 'bad-text'}>
                <strong>{s.senderId}</strong>: {s.summary}{s.chainIntact ? '' : ' — hash chain broken'}
              </li>
            ))}
          </ul>
        </section>
        <section aria-labelledby="comment-title">
          <h2 id="comment-title">Reporter’s comment</h2>
          {r.comment ? <blockquote dir="auto">{r.comment}</blockquote> : <p className="muted">No comment.</p>}
          <p className="muted">Reporter <code>{d.reporter.id}</code> has filed {d.reporter.reportsTotal} report(s); {d.reporter.dismissed} dismissed.</p>
        </section>
      </div>

      <div className="columns">
        <div className="col-main">
          <section aria-labelledby="conv-title">
            <div className="section-head">
              <h2 id="conv-title">Conversation</h2>
              {hasMedia && (
                <button type="button" aria-pressed={showMedia} onClick={() => setShowMedia((v) => !v)}>{showMedia ? 'Blur media (m)' : 'Show media (m)'}</button>
              )}
            </div>
            <p className="legend" data-testid="verdict-legend">
              <VerdictBadge verdict="verified" /> means the server checked its own stamp and the sender’s commitment: the named sender sent exactly this content at this time.{' '}
              <VerdictBadge verdict="unverified" /> messages say why underneath; do not rely on their content.
            </p>
            <ol className="conversation" aria-label="Revealed messages in server order">
              <GapLines gaps={gaps.get(-1)} />
              {d.messages.map((m) => (
                <Fragment key={`${m.position}`}>
                  <MessageBubble m={m} accusedId={r.accusedId} showMedia={showMedia} reportId={r.id} attachments={attachments} reporterId={r.reporterId} reportedFromDeviceId={r.reportedFromDeviceId} />
                  <GapLines gaps={gaps.get(m.position)} />
                </Fragment>
              ))}
            </ol>
          </section>
        </div>

        <aside className="col-side" aria-label="Decision and history">
          <section aria-labelledby="decide-title" className="panel decision-panel">
            <h2 id="decide-title">Decision</h2>
            <div className="row">
              {r.assigneeId === null && !resolved && <button type="button" onClick={() => void claim()} disabled={busy}>Claim (c)</button>}
              {r.assigneeId !== null && !resolved && (mine || me.moderator.role === 'admin') && (
                <button type="button" onClick={() => void release()} disabled={busy}>Release (r)</button>
              )}
            </div>
            {resolved ? (
              <p>Resolved: <OutcomeBadge outcome={r.outcome ?? ''} />.</p>
            ) : !canDecide ? (
              <p>Claimed by {r.assigneeId}. Only they can decide{me.moderator.role === 'admin' ? ' (you may release it)' : ''}.</p>
            ) : (
              <form onSubmit={(e) => { e.preventDefault(); void submit(false); }}>
                <fieldset>
                  <legend>Action</legend>
                  {ACTIONS.filter(([a]) => me.moderator.role !== 'triage' || a === 'dismiss').map(([a, label, key]) => (
                    <label key={a} className="radio">
                      <input type="radio" name="action" value={a} checked={action === a} onChange={() => setAction(a)} />
                      {label} <kbd>{key}</kbd>
                    </label>
                  ))}
                </fieldset>
                {action === 'suspend' && (
                  <label>
                    Duration
                    <select value={hours} onChange={(e) => setHours(e.target.value)}>
                      {DURATIONS.map(([v, l]) => <option key={l} value={v}>{l}</option>)}
                    </select>
                  </label>
                )}
                {action && action !== 'dismiss' && (
                  <label>
                    Reason told to the account
                    <select value={reason} onChange={(e) => setReason(e.target.value)}>
                      <option value="">{categoryLabel(r.category)} (report category)</option>
                      {CATEGORIES.filter((c) => c !== r.category).map((c) => <option key={c} value={c}>{categoryLabel(c)}</option>)}
                    </select>
                  </label>
                )}
                <PolicySelect value={policyId} onChange={setPolicyId} category={r.category} />
                {me.moderator.role === 'triage' && <p className="muted">Triage dismisses or escalates; warnings, suspensions and bans are for moderators.</p>}
                <p className="hint">Text in <a href="#note-text">Notes</a> is recorded with the decision as its internal note.</p>
                {pendingDismiss ? (
                  <div className="undo" role="status" data-testid="undo-dismiss">
                    <span>Dismissing in {pendingDismiss.left} s…</span>
                    <button type="button" onClick={undoDismiss}>Undo (u)</button>
                  </div>
                ) : confirmBan ? (
                  <div className="confirm" role="alertdialog" aria-labelledby="confirm-ban-title" data-testid="confirm-ban">
                    <p id="confirm-ban-title"><strong>Ban {r.accusedId}?</strong> They can no longer send messages or log in; they are told why.</p>
                    <div className="row">
                      <button type="button" className="danger" autoFocus onClick={() => void submit(confirmBan.andNext, true)} disabled={busy}>Confirm ban</button>
                      <button type="button" onClick={() => setConfirmBan(null)}>Cancel</button>
                    </div>
                  </div>
                ) : (
                  <div className="row">
                    <button type="submit" className="primary" disabled={!action || !policyId || busy}>Submit</button>
                    <button type="button" disabled={!action || !policyId || busy} onClick={() => void submit(true)}>Submit and next (Enter)</button>
                  </div>
                )}
              </form>
            )}
          </section>

          <ReportExtras d={d} me={me} navigate={navigate} reload={load} say={setStatus} />
          <EvasionSignal accountId={d.accused.id} standing={d.accused.status} me={me} onBanned={() => void load()} />

          <section aria-labelledby="accused-title" className="panel">
            <h2 id="accused-title">Accused: <code>{d.accused.id}</code></h2>
            <p>
              Standing: <strong>{d.accused.status}</strong>
              {d.accused.suspendedUntil && <> until {fmtTime(d.accused.suspendedUntil)}</>}
              {d.accused.createdAt && <> · account since {fmtTime(d.accused.createdAt)}</>}
            </p>
            <h3>Earlier reports ({earlier.length})</h3>
            {earlier.length === 0 ? <p className="muted">None before this one.</p> : (
              <ul className="plain history" data-testid="earlier-reports">
                {earlier.map((h) => (
                  <li key={h.id}>
                    <a href={`/dashboard/reports/${h.id}`} onClick={(e) => { e.preventDefault(); navigate({ page: 'report', id: h.id }); }}>{fmtTime(h.createdAt)}</a>{' '}
                    {categoryLabel(h.category)} <VerdictBadge verdict={h.verdict} /> <StatusBadge status={h.status} />{h.outcome && <> <OutcomeBadge outcome={h.outcome} /></>}
                  </li>
                ))}
              </ul>
            )}
            <h3>Actions on the account</h3>
            {d.accused.recentActions.length === 0 ? <p className="muted">None.</p> : (
              <ul className="plain history">
                {d.accused.recentActions.map((e) => <li key={e.id}>{fmtTime(e.createdAt)} · {describeEvent(e)} · {e.actorId ?? 'system'}</li>)}
              </ul>
            )}
          </section>

          <section aria-labelledby="notes-title" className="panel">
            <h2 id="notes-title">Notes ({notes.length})</h2>
            <ul className="plain">
              {notes.map((n) => <li key={n.id}><strong>{n.actorId}</strong> · {fmtTime(n.createdAt)}<br />{String(n.payload.text)}</li>)}
            </ul>
            <form onSubmit={(e) => void addNote(e)}>
              <label htmlFor="note-text">Add a note (n) — also sent with a decision</label>
              <textarea id="note-text" ref={noteRef} value={note} onChange={(e) => setNote(e.target.value)} rows={3} maxLength={4000} />
              <button type="submit" disabled={!note.trim() || busy}>Add note</button>
            </form>
          </section>

          <section aria-labelledby="log-title" className="panel">
            <h2 id="log-title">Event log</h2>
            <ol className="plain timeline">
              {d.events.map((e) => <li key={e.id}>{fmtTime(e.createdAt)} · <strong>{e.actorId ?? 'system'}</strong> · {describeEvent(e)}</li>)}
            </ol>
          </section>
        </aside>
      </div>
    </article>
  );
}
