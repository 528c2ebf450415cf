// Report a received message: reason, optional comment, and which surrounding messages to reveal as context.
// Says plainly what moderators will see and what stays encrypted. Only on "Send report" does anything leave.
import { type FormEvent, useEffect, useMemo, useRef, useState } from 'react';
import type { ReportCategory } from '@franking-chat/sdk';
import type { ChatEngine, SubmittedReport } from './engine.ts';
import { displayText, errorText, formatBytes } from './wording.ts';
import { CATEGORIES, CATEGORY_LABELS, formatTime } from './labels.ts';

/** The report's items without the protocol messages revealed after the chosen ones to close the chain (docs/PROTOCOL.md §8.4). */
function conversationItems(r: SubmittedReport): SubmittedReport['items'] {
  return r.items.filter((i) => i.position < r.items.length - r.protocolItems);
}

/** "12 from alice, 3 from carol, 1 from you": each sender whose messages are revealed, the reporter last. */
function revealedBy(senders: string[], me: string | null, always: string): string {
  const counts = new Map<string, number>([[always, 0]]);
  for (const s of senders) if (s !== me) counts.set(s, (counts.get(s) ?? 0) + 1);
  const mine = senders.filter((s) => s === me).length;
  return [...[...counts].map(([s, n]) => `${n} from ${s}`), `${mine} from you`].join(', ');
}

export function ReportDialog({ engine, messageId, groupName, onClose, onShowReports, blockByDefault = false }: {
  engine: ChatEngine; messageId: string; /** Set when reporting in a group. */ groupName?: string; onClose: () => void; onShowReports: () => void;
  /** "Report and block" (from a message request): the block box starts ticked. */
  blockByDefault?: boolean;
}) {
  const me = engine.getSnapshot().me;
  const ref = useRef<HTMLDialogElement>(null);
  const candidates = useMemo(() => engine.contextCandidates(messageId), [engine, messageId]);
  const [category, setCategory] = useState<ReportCategory | null>(null);
  const [comment, setComment] = useState('');
  const [selected, setSelected] = useState<Set<string>>(() => new Set(candidates.map((c) => c.message.id)));
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<SubmittedReport | null>(null);
  const [alsoBlock, setAlsoBlock] = useState(blockByDefault);
  const [blockedToo, setBlockedToo] = useState<'no' | 'yes' | 'failed'>('no');
  const doneHeading = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
  }, []);
  useEffect(() => {
    if (done) doneHeading.current?.focus();
  }, [done]);

  const reported = candidates.find((c) => c.isReported)?.message;
  const peerId = reported?.senderId ?? '';
  const chosen = candidates.filter((c) => selected.has(c.message.id));
  const breakdown = revealedBy(chosen.map((c) => c.message.senderId), me, peerId);
  const otherSenders = new Set(chosen.map((c) => c.message.senderId).filter((s) => s !== me && s !== peerId));
  const files = chosen.flatMap((c) => c.message.attachments ?? []);
  const leftOut = candidates.length - chosen.length;
  const where = groupName ? 'this group' : 'this conversation';

  function toggle(id: string) {
    setSelected((s) => {
      const next = new Set(s);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!category) {
      setError('Choose a reason first.');
      document.getElementById(`reason-${CATEGORIES[0]}`)?.focus();
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const report = await engine.submitReport({ messageId, category, comment, contextIds: [...selected] });
      if (alsoBlock && peerId && !engine.blocking.isBlocked(peerId)) {
        // The report is filed either way; a failed block is said on the done screen, not as a report error.
        setBlockedToo(await engine.blocking.block(peerId).then(() => 'yes' as const, () => 'failed' as const));
      } else if (alsoBlock) setBlockedToo('yes');
      setDone(report);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  }

  const close = () => ref.current?.close();

  return (
    <dialog ref={ref} className="dialog" aria-labelledby="report-title" onClose={onClose}>
      {done ? (
        <div className="report-done">
          <h2 id="report-title" tabIndex={-1} ref={doneHeading}>
            Report sent
          </h2>
          <p>
            {done.verdict === 'verified' ? (
              <>
                <strong className="ok-text">Verified.</strong> The server confirmed that {peerId} really sent the reported message, exactly as you received it.
              </>
            ) : (
              <>
                <strong className="warn-text">Not verified.</strong> The server could not confirm the reported message. Moderators will see it marked as unverified.
              </>
            )}{' '}
            {conversationItems(done).filter((i) => i.verdict === 'verified').length} of {conversationItems(done).length} revealed messages verified.
            {done.attachments && done.attachments.length > 0 && (
              <> {done.attachments.filter((a) => a.status === 'verified').length} of {done.attachments.length} attached file{done.attachments.length === 1 ? '' : 's'} verified.</>
            )}
          </p>
          <p>A moderator will review it. You can follow its status under <strong>My reports</strong>. {done.duplicate ? 'You had already reported this message; this is the same report.' : ''}</p>
          {blockedToo === 'yes' && <p data-testid="blocked-too">You blocked {peerId}: the server no longer delivers their messages to you.</p>}
          {blockedToo === 'failed' && <p className="error">Blocking {peerId} did not work. Try again from the conversation header.</p>}
          <div className="actions">
            <button type="button" onClick={() => { close(); onShowReports(); }}>
              Open My reports
            </button>
            <button type="button" className="primary" autoFocus onClick={close}>
              Done
            </button>
          </div>
        </div>
      ) : (
        <form onSubmit={submit} noValidate>
          <h2 id="report-title">
            Report a message from {peerId}
            {groupName ? ` in “${groupName}”` : ''}
          </h2>
          {reported && (
            <blockquote className="quoted" dir="auto">
              {displayText(reported, me)}
              {reported.attachments?.map((a, i) => (
                <span key={i} className="ctx-file">
                  {' '}+ attached file ({a.mediaType}, {formatBytes(a.size)})
                </span>
              ))}
            </blockquote>
          )}

          <fieldset className="reasons">
            <legend>Why are you reporting it?</legend>
            {CATEGORIES.map((c, i) => (
              <label key={c} className="reason">
                <input type="radio" id={`reason-${c}`} name="reason" value={c} checked={category === c} onChange={() => {
                  setCategory(c);
                  setError(null); // "Choose a reason first." is answered
                }} autoFocus={i === 0} aria-describedby={error ? 'report-error' : undefined} />
                <span>
                  <span className="reason-label">{CATEGORY_LABELS[c].label}</span>
                  <span className="hint">{CATEGORY_LABELS[c].hint}</span>
                </span>
              </label>
            ))}
          </fieldset>

          <label htmlFor="report-comment">Anything moderators should know? (optional)</label>
          <textarea id="report-comment" rows={2} maxLength={2000} value={comment} onChange={(e) => setComment(e.target.value)} />

          <fieldset className="context">
            <legend>Messages to include ({chosen.length} of {candidates.length} selected)</legend>
            <p className="hint">
              Context helps moderators understand what happened. {groupName ? 'Messages from every member around it are offered, yours included' : 'Your own messages are included too'}; untick any you want to keep private.
            </p>
            <div className="context-tools">
              <button type="button" className="link" onClick={() => setSelected(new Set(candidates.map((c) => c.message.id)))}>
                Select all
              </button>
              <button type="button" className="link" onClick={() => setSelected(new Set([messageId]))}>
                Only the reported message
              </button>
            </div>
            <ul className="context-list">
              {candidates.map(({ message: m, isReported }) => (
                <li key={m.id} className={isReported ? 'reported' : m.direction === 'out' ? 'mine' : ''}>
                  <label>
                    <input type="checkbox" checked={selected.has(m.id)} disabled={isReported} onChange={() => toggle(m.id)} />
                    <span className="who">{m.direction === 'out' ? 'You' : m.senderId}</span>
                    <span className="ctx-text" dir="auto">
                      {displayText(m, me)}
                      {m.attachments?.map((a, i) => (
                        <span key={i} className="ctx-file">
                          {' '}+ file ({a.mediaType}, {formatBytes(a.size)})
                        </span>
                      ))}
                    </span>
                    <span className="ctx-time">{formatTime(m.serverTime ?? m.sentAt)}</span>
                    {isReported && <span className="chip static">Reported message</span>}
                  </label>
                </li>
              ))}
            </ul>
          </fieldset>

          <section className="disclosure" aria-labelledby="disclosure-title">
            <h3 id="disclosure-title">What happens when you send this report</h3>
            <ul>
              <li>
                <strong>Revealed to moderators:</strong> the text of the {chosen.length} selected message{chosen.length === 1 ? '' : 's'} ({breakdown}), who sent each and when, your reason{comment.trim() ? ' and your comment' : ''}.
                {groupName && otherSenders.size > 0 ? ` That includes messages from ${[...otherSenders].join(', ')}, who ${otherSenders.size === 1 ? 'is' : 'are'} not reported.` : ''}
              </li>
              {files.length > 0 && (
                <li>
                  <strong>Attached files:</strong> the {files.length} file{files.length === 1 ? '' : 's'} in the selected messages {files.length === 1 ? 'is' : 'are'} included. The server checks each is exactly the file the sender sent; moderators see images blurred until they choose to look.
                </li>
              )}
              <li>
                <strong>Verified:</strong> each message carries a cryptographic proof, so moderators can check it is exactly what was sent. Nobody can fake or edit a report, including you.
              </li>
              <li>
                <strong>Stays encrypted:</strong> every other message in {where} and all your other chats. The server never had the keys to read them and does not get them now.
              </li>
              <li data-testid="not-told">
                <strong>{peerId} is not told</strong> that you reported them, or by whom. If moderators act, they learn only the decision about their account.
              </li>
              {leftOut > 0 && (
                <li>
                  You left out {leftOut} message{leftOut === 1 ? '' : 's'}. Moderators can tell when messages are missing between the ones you include, but not what they say.
                </li>
              )}
            </ul>
          </section>

          {peerId && (
            <label className="check">
              <input type="checkbox" checked={alsoBlock || engine.blocking.isBlocked(peerId)} disabled={engine.blocking.isBlocked(peerId)} onChange={(e) => setAlsoBlock(e.target.checked)} />
              <span>
                {engine.blocking.isBlocked(peerId) ? `You have blocked ${peerId}` : `Also block ${peerId}`}
                <span className="hint"> The server stops delivering their messages to you. They are not told.</span>
              </span>
            </label>
          )}
          {error && (
            <p id="report-error" className="error" role="alert">
              {error}
            </p>
          )}
          <div className="actions">
            <button type="button" onClick={close}>
              Cancel
            </button>
            <button type="submit" className="danger-solid" disabled={busy}>
              {busy ? 'Sending report…' : alsoBlock && !engine.blocking.isBlocked(peerId) ? 'Report and block' : 'Send report'}
            </button>
          </div>
        </form>
      )}
    </dialog>
  );
}
