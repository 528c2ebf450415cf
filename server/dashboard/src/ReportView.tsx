// Report detail: the reported message highlighted inside its verified context, rendered as a conversation,
// a verification badge per message (the verifier's reason in words), context completeness per sender, the
// reporter's comment, the accused's history, notes and the event log; claim/release and decisions with
// Ozone-style keyboard triage (choose an action, Enter submits and moves to the next report).
import { useCallback, useEffect, useRef, useState } from 'react';
import type { Route } from './App.tsx';
import { ApiError, CATEGORIES, type Me, type Message, type ModEvent, type ReportAttachment, type ReportDetail, call, categoryLabel, fmtTime } from './api.ts';
import { OutcomeBadge, StatusBadge, VerdictBadge } from './badges.tsx';
import type { QueueState } from './Queue.tsx';

type Action = 'dismiss' | 'warn' | 'suspend' | 'ban';
const ACTIONS: Array<[Action, string, string]> = [['dismiss', 'Dismiss', 'd'], ['warn', 'Warn', 'w'], ['suspend', 'Suspend', 's'], ['ban', 'Ban', 'b']];
const DURATIONS: Array<[string, string]> = [['24', '1 day'], ['72', '3 days'], ['168', '7 days'], ['720', '30 days'], ['', 'indefinitely']];

function describeEvent(e: ModEvent): string {
  const p = e.payload;
  switch (e.type) {
    case 'report_filed': return `report filed (${String(p.items)} messages, ${String(p.verifiedItems)} verified)`;
    case 'claimed': return p.implicit ? 'claimed (with the decision)' : 'claimed';
    case 'released': return p.forced ? `released ${String(p.from)}'s claim (admin)` : 'released';
    case 'note': return `note: ${String(p.text)}`;
    case 'decision': return `decision: ${String(p.action)}${p.suspendHours ? ` for ${String(p.suspendHours)} h` : p.action === 'suspend' ? ' indefinitely' : ''} (reason: ${categoryLabel(String(p.reasonCategory))})${p.note ? ` — ${String(p.note)}` : ''}`;
    case 'action': return p.accountStatus ? `account ${String(p.accountId)} ${String(p.accountStatus)}${p.suspendedUntil ? ` until ${fmtTime(String(p.suspendedUntil))}` : ''}` : `warning sent to ${String(p.accountId)}`;
    case 'outcome_sent': return `reporter told: ${String(p.outcome)}`;
    case 'attachment_viewed': return `viewed attachment ${String(p.position)}.${String(p.index)} (${String(p.mediaType)})`;
    case 'account_status_changed': return `status → ${String(p.to)}${p.suspendedUntil ? ` until ${fmtTime(String(p.suspendedUntil))}` : ''}${p.reason ? ` (${String(p.reason)})` : ''}`;
    default: return e.type.replace(/_/g, ' ');
  }
}

const kb = (n: number) => `${Math.max(1, Math.ceil(n / 1024))} KB`;

/**
 * A reported attachment. Its plaintext is fetched only when the moderator asks (viewing is recorded in the
 * audit log) and only once the server has verified the blob against the franked header's digest and key.
 */
function AttachmentView({ reportId, m, index, a, showMedia }: { reportId: string; m: Message; index: number; a: ReportAttachment | undefined; showMedia: boolean }) {
  const d = m.attachments[index];
  if (!d) return null;
  const url = `/v1/mod/reports/${reportId}/attachments/${m.position}/${index}/content`;
  const label = `${d.mediaType}, ${kb(d.size)}`;
  if (!a) return <p className="attachment">Attachment: {label} (pinned by the header; not part of the revealed evidence)</p>;
  if (a.status !== 'verified')
    return <p className="attachment bad-text">Attachment: {label} — {a.status === 'awaiting_upload' ? 'blob gone, waiting for the reporter’s evidence' : `failed verification (${a.failure ?? 'unknown'})`}</p>;
  if (/^image\/(png|jpeg|gif|webp)$/.test(a.mediaType))
    return (
      <figure className="media">
        {showMedia
          ? <img src={url} alt={`Reported attachment (${a.mediaType})`} />
          : <div className="media-hidden" role="img" aria-label={`Hidden attachment (${a.mediaType})`}>Image hidden</div>}
        <figcaption>Verified attachment: {label}{showMedia ? '' : ' — press m or “Show media” to load it (the view is logged)'}</figcaption>
      </figure>
    );
  return <p className="attachment">Verified attachment: {label} — <a href={url} target="_blank" rel="noopener noreferrer">open</a> (the view is logged)</p>;
}

function MessageBubble({ m, accusedId, showMedia, reportId, attachments }: { m: Message; accusedId: string; showMedia: boolean; reportId: string; attachments: ReportAttachment[] }) {
  const side = m.senderId === accusedId ? 'theirs' : 'ours';
  const verified = m.verdict === 'verified';
  return (
    <li className={`bubble ${side}${m.isReported ? ' reported' : ''}`} aria-current={m.isReported ? 'true' : undefined} data-testid={m.isReported ? 'reported-message' : 'context-message'}>
      <div className="meta">
        <strong>{m.senderId}</strong>
        <span>{m.seq !== null ? `#${m.seq}` : 'seq ?'}</span>
        <time dateTime={new Date(m.serverTime).toISOString()}>{fmtTime(m.serverTime)}</time>
        {m.isReported && <span className="badge reported-tag">Reported message</span>}
      </div>
      {m.text !== null && <p className="text">{m.text}</p>}
      {m.media && (
        <figure className="media">
          <img src={m.media.dataUrl} alt={`Reported media (${m.media.mediaType})`} className={showMedia ? '' : 'blurred'} />
          <figcaption>{m.media.mediaType}, {Math.ceil(m.media.bytes / 1024)} KB{showMedia ? '' : ' — blurred (press m or “Show media”)'}</figcaption>
        </figure>
      )}
      {m.text === null && !m.media && <p className="text muted">[{m.contentType ?? 'binary'} content, {m.bodyBytes} bytes, not displayed]</p>}
      {m.attachments.map((a, i) => (
        <AttachmentView key={a.blobId} reportId={reportId} m={m} index={i} a={attachments.find((x) => x.position === m.position && x.index === i)} showMedia={showMedia} />
      ))}
      <div className={verified ? 'verdict ok' : 'verdict bad'}>
        <VerdictBadge verdict={m.verdict} />
        <span>{m.verdictText}</span>
        {!verified && m.detail && <span className="detail"> ({m.detail})</span>}
      </div>
    </li>
  );
}

export function ReportView({ id, me, queue, navigate, onAuthError }: { id: string; me: Me; queue: QueueState; navigate: (r: Route) => void; onAuthError: (e: unknown) => void }) {
  const [d, setD] = useState<ReportDetail | null>(null);
  const [attachments, setAttachments] = useState<ReportAttachment[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const [action, setAction] = useState<Action | null>(null);
  const [hours, setHours] = useState('168');
  const [reason, setReason] = useState('');
  const [decisionNote, setDecisionNote] = useState('');
  const [note, setNote] = useState('');
  const [showMedia, setShowMedia] = useState(false);
  const [busy, setBusy] = useState(false);
  const noteRef = useRef<HTMLTextAreaElement>(null);
  const headingRef = useRef<HTMLHeadingElement>(null);

  const load = useCallback(async () => {
    try {
      const [r, att] = await Promise.all([
        call<ReportDetail>('GET', `/v1/mod/reports/${id}`),
        call<{ attachments: ReportAttachment[] }>('GET', `/v1/mod/reports/${id}/attachments`).catch(() => ({ attachments: [] })),
      ]);
      setD(r);
      setAttachments(att.attachments);
      setError(null);
    } catch (e) {
      onAuthError(e);
      setError(e instanceof ApiError ? e.message : 'Could not load the report.');
    }
  }, [id, onAuthError]);

  useEffect(() => {
    setD(null);
    setAction(null);
    setReason('');
    setDecisionNote('');
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
      setStatus(e instanceof ApiError ? `${e.message} (${e.code})` : 'Request failed.');
      return false;
    } finally {
      setBusy(false);
    }
  };

  const claim = () => run('Claimed.', () => call('POST', `/v1/mod/reports/${id}/claim`));
  const release = () => run('Released to the queue.', () => call('POST', `/v1/mod/reports/${id}/release`));
  const submit = async (andNext: boolean) => {
    if (!action || !d) return;
    const body = {
      action,
      ...(action === 'suspend' && hours ? { suspendHours: Number(hours) } : {}),
      ...(reason && action !== 'dismiss' ? { reasonCategory: reason } : {}),
      ...(decisionNote.trim() ? { note: decisionNote.trim() } : {}),
    };
    const ok = await run(`Decision recorded: ${action}.`, () => call('POST', `/v1/mod/reports/${id}/decision`, body));
    if (ok && andNext) {
      const next = ids.slice(index + 1).find((x) => queue.items.find((q) => q.id === x)?.status !== 'resolved');
      navigate(next ? { page: 'report', id: next } : { page: 'queue' });
    }
  };
  const addNote = async (e: React.FormEvent) => {
    e.preventDefault();
    if (!note.trim()) return;
    if (await run('Note added.', () => call('POST', `/v1/mod/reports/${id}/notes`, { text: note.trim() }))) setNote('');
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
      else if (k === 'Escape') setAction(null);
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

  return (
    <article aria-labelledby="report-title" className="report">
      <div className="report-head">
        <h1 id="report-title" ref={headingRef} tabIndex={-1}>
          Report: {categoryLabel(r.category)} <VerdictBadge verdict={r.verdict} /> <StatusBadge status={r.status} />{r.outcome && <> <OutcomeBadge outcome={r.outcome} /></>}
        </h1>
        <p className="sub">
          <code>{r.id}</code> · filed {fmtTime(r.createdAt)} by <code>{r.reporterId}</code> against <code>{r.accusedId}</code>
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

      <div className="columns">
        <div className="col-main">
          <section aria-labelledby="conv-title">
            <div className="section-head">
              <h2 id="conv-title">Conversation</h2>
              {hasMedia && (
                <button type="button" aria-pressed={showMedia} onClick={() => setShowMedia((v) => !v)}>{showMedia ? 'Blur media (m)' : 'Show media (m)'}</button>
              )}
            </div>
            <ol className="conversation" aria-label="Revealed messages in server order">
              {d.messages.map((m) => <MessageBubble key={`${m.position}`} m={m} accusedId={r.accusedId} showMedia={showMedia} reportId={r.id} attachments={attachments} />)}
            </ol>
          </section>
          <section aria-labelledby="ctx-title">
            <h2 id="ctx-title">Context completeness</h2>
            {d.context.senders.length === 0 && <p>No verified messages: completeness cannot be assessed.</p>}
            <ul className="plain">
              {d.context.senders.map((s) => (
                <li key={s.conversationId + s.senderId} className={s.complete ? 'ok-text' : 'bad-text'}>
                  <strong>{s.senderId}</strong>: {s.summary}{s.chainIntact ? '' : ' — hash chain broken'}
                </li>
              ))}
            </ul>
          </section>
          <section aria-labelledby="comment-title">
            <h2 id="comment-title">Reporter’s comment</h2>
            {r.comment ? <blockquote>{r.comment}</blockquote> : <p className="muted">No comment.</p>}
            <p className="muted">Reporter <code>{d.reporter.id}</code> has filed {d.reporter.reportsTotal} report(s); {d.reporter.dismissed} dismissed.</p>
          </section>
        </div>

        <aside className="col-side" aria-label="Decision and history">
          <section aria-labelledby="decide-title" className="panel">
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
                  {ACTIONS.map(([a, label, key]) => (
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
                <label>
                  Internal note (optional)
                  <input value={decisionNote} onChange={(e) => setDecisionNote(e.target.value)} maxLength={4000} />
                </label>
                <div className="row">
                  <button type="submit" disabled={!action || busy}>Submit</button>
                  <button type="button" disabled={!action || busy} onClick={() => void submit(true)}>Submit and next (Enter)</button>
                </div>
              </form>
            )}
          </section>

          <section aria-labelledby="accused-title" className="panel">
            <h2 id="accused-title">Accused: <code>{d.accused.id}</code></h2>
            <p>
              Standing: <strong>{d.accused.status}</strong>
              {d.accused.suspendedUntil && <> until {fmtTime(d.accused.suspendedUntil)}</>}
              {d.accused.createdAt && <> · account since {fmtTime(d.accused.createdAt)}</>}
            </p>
            <h3>Earlier reports ({d.accused.reportsTotal})</h3>
            {d.accused.recentReports.length === 0 ? <p className="muted">None.</p> : (
              <ul className="plain history">
                {d.accused.recentReports.map((h) => (
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
              <label htmlFor="note-text">Add a note (n)</label>
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
