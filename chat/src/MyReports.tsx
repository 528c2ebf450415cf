// "My reports": every report this account filed, with its status and the moderators' outcome.
import { useEffect, useState } from 'react';
import type { ReportDetailJson } from '@franking-chat/sdk';
import type { ChatEngine, Snapshot } from './engine.ts';
import { OUTCOME_LABELS, STATUS_LABELS, categoryLabel, formatTime } from './labels.ts';
import { markOutcomesSeen } from './report-badge.ts';
import { errorText } from './wording.ts';

const STEPS = ['received', 'in_review', 'resolved'] as const;

export function MyReports({ engine, snap }: { engine: ChatEngine; snap: Snapshot }) {
  const [open, setOpen] = useState<string | null>(null);
  useEffect(() => {
    void engine.refreshReports();
  }, [engine]);
  useEffect(() => markOutcomesSeen(snap.me, snap.reports), [snap.me, snap.reports]);
  const allMessages = Object.values(snap.messages).flat();

  return (
    <section className="reports" aria-labelledby="reports-title">
      <header className="conv-header">
        <div>
          <h1 id="reports-title">My reports</h1>
          <p className="conv-sub">Reports you sent and what the moderators decided. Updates appear here automatically.</p>
        </div>
        <button type="button" onClick={() => void engine.refreshReports()}>
          Refresh
        </button>
      </header>
      {snap.reports.length === 0 ? (
        <p className="empty">You have not reported anything. To report a message, press Report under it in a conversation.</p>
      ) : (
        <ul className="report-list">
          {snap.reports.map((r) => {
            const msg = allMessages.find((m) => m.id === r.messageId);
            const step = STEPS.indexOf(r.status as (typeof STEPS)[number]);
            return (
              <li key={r.id} className="report-card" data-report-id={r.id} data-status={r.status} data-outcome={r.outcome ?? ''}>
                <div className="report-head">
                  <h2>
                    {categoryLabel(r.category)} <span className="sub">· message from {r.accusedId}</span>
                  </h2>
                  <span className={r.verdict === 'verified' ? 'badge ok' : 'badge warn'}>{r.verdict === 'verified' ? 'Verified ✓' : 'Not verified'}</span>
                </div>
                {msg && <blockquote className="quoted" dir="auto">{msg.text}</blockquote>}
                <ol className="steps" aria-label="Progress">
                  {STEPS.map((s, i) => (
                    <li key={s} className={i <= step ? 'done' : ''} aria-current={i === step ? 'step' : undefined}>
                      {s === 'received' ? 'Received' : s === 'in_review' ? 'In review' : 'Decided'}
                    </li>
                  ))}
                </ol>
                <p className="status">
                  <strong>Status:</strong> <span data-testid="report-status">{STATUS_LABELS[r.status] ?? r.status}</span>
                </p>
                {r.outcome && (
                  <p className="outcome" role="status">
                    <strong>Outcome:</strong> <span data-testid="report-outcome">{OUTCOME_LABELS[r.outcome] ?? r.outcome}</span>
                  </p>
                )}
                <p className="hint">
                  Sent {formatTime(Date.parse(r.createdAt))}
                  {r.updatedAt !== r.createdAt && <> · updated {formatTime(Date.parse(r.updatedAt))}</>}
                </p>
                <button type="button" className="link" aria-expanded={open === r.id} onClick={() => setOpen(open === r.id ? null : r.id)}>
                  {open === r.id ? 'Hide details' : 'What was revealed'}
                </button>
                {open === r.id && <ReportDetails engine={engine} reportId={r.id} />}
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}

function ReportDetails({ engine, reportId }: { engine: ChatEngine; reportId: string }) {
  const [detail, setDetail] = useState<ReportDetailJson | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    engine.reportDetail(reportId).then(setDetail, (e: unknown) => setError(errorText(e)));
  }, [engine, reportId]);
  if (error) return <p className="error">{error}</p>;
  if (!detail) return <p className="hint">Loading…</p>;
  const verified = detail.items.filter((i) => i.verdict === 'verified').length;
  return (
    <div className="details">
      <p>
        You revealed {detail.items.length} message{detail.items.length === 1 ? '' : 's'}; the server verified {verified}.{' '}
        {detail.context.complete ? 'The context you shared has no gaps.' : 'Some messages in between were left out; moderators can see that.'}
      </p>
    </div>
  );
}
