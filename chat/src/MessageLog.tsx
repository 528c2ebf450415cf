// The message log of a conversation (1:1 or group): every message with its delivery state and attachments,
// Report on received messages, the report dialog, and focus returned to the Report button when it closes.
import { type CSSProperties, memo, type ReactNode, useCallback, useEffect, useRef, useState } from 'react';
import type { ChatEngine, Snapshot } from './engine.ts';
import { MessageItem } from './Messages.tsx';
import { ReportDialog } from './ReportDialog.tsx';
import type { MessageRecord } from './storage.ts';

export function MessageLog({ engine, snap, messages, label, intro, showSender, senderLabel, groupName, onShowReports }: {
  engine: ChatEngine;
  snap: Snapshot;
  messages: readonly MessageRecord[];
  /** accessible name of the log */
  label: string;
  intro: ReactNode;
  showSender: boolean;
  senderLabel: (m: MessageRecord) => string;
  groupName?: string;
  onShowReports: () => void;
}) {
  const [reporting, setReporting] = useState<{ id: string; trigger: HTMLElement | null } | null>(null);
  const listRef = useRef<HTMLDivElement>(null);
  const contentRef = useRef<HTMLDivElement>(null);
  /** Whether the view follows the newest message (the reader has not scrolled up). */
  const following = useRef(true);
  /** A measure of the shown chunks is due at the next frame (one per frame while scrolling). */
  const measuring = useRef(false);
  const blocked = snap.standing !== null;
  // Stable callbacks, so that a change to one message re-renders that message's row only (rows are memo'd: a long
  // conversation is not re-rendered whole at every state change of the message being sent).
  const report = useCallback((id: string, trigger: HTMLElement) => setReporting({ id, trigger }), []);
  const showReportsRef = useRef(onShowReports);
  showReportsRef.current = onShowReports;
  const showReports = useCallback(() => showReportsRef.current(), []);
  const last = messages[messages.length - 1];
  useEffect(() => {
    const el = listRef.current;
    if (el && (following.current || last?.direction === 'out')) {
      el.scrollTop = el.scrollHeight;
      following.current = true;
    }
  }, [messages.length, last?.state, last?.attachments?.[0]?.status, last?.direction, blocked]);
  // Content grows after the render too (an image decodes, a verified file appears): keep following the bottom.
  // Without this the view stopped ~180 px short after an image, hiding the new message and its Report button.
  // Each resize also refines the size at which chunks never shown are laid out (measureChunks below).
  useEffect(() => {
    const el = listRef.current;
    const content = contentRef.current;
    if (!el || !content || typeof ResizeObserver === 'undefined') return;
    const ro = new ResizeObserver(() => {
      measureChunks(content);
      if (following.current) el.scrollTop = el.scrollHeight;
    });
    ro.observe(content);
    return () => ro.disconnect();
  }, []);

  return (
    <>
      <div
        className="messages"
        ref={listRef}
        role="log"
        aria-label={label}
        aria-live="polite"
        tabIndex={0}
        onScroll={(e) => {
          const el = e.currentTarget;
          following.current = el.scrollHeight - el.scrollTop - el.clientHeight < 48;
          if (!measuring.current && contentRef.current) {
            measuring.current = true;
            const content = contentRef.current;
            requestAnimationFrame(() => {
              measuring.current = false;
              measureChunks(content);
            });
          }
        }}
      >
        <div className="message-list" ref={contentRef}>
          {chunksOf(messages).map((chunk, i) => (
            <Chunk
              key={i}
              messages={chunk}
              intro={i === 0 ? intro : undefined}
              engine={engine}
              me={snap.me}
              senderLabel={senderLabel}
              showSender={showSender}
              onReport={report}
              onShowReports={showReports}
              blocked={blocked}
            />
          ))}
        </div>
      </div>
      {reporting && (
        <ReportDialog
          engine={engine}
          messageId={reporting.id}
          {...(groupName !== undefined && { groupName })}
          onClose={() => {
            const t = reporting.trigger;
            setReporting(null);
            // Return focus to the Report button that opened the dialog (or the message list).
            requestAnimationFrame(() => (t && t.isConnected ? t.focus() : listRef.current?.focus()));
          }}
          onShowReports={onShowReports}
        />
      )}
    </>
  );
}

/** Messages per chunk of the log: small enough that laying one out is cheap, few enough chunks in a long conversation. */
const CHUNK = 50;

/**
 * A chunk the browser skips (off screen, never shown) is laid out at an estimated height: its message count times
 * `--message-estimate` (styles.css .message-chunk). This sets that estimate to the mean height per message of the
 * chunks the browser renders now, so the conversation's scroll height is close to its real one from the start and
 * does not change much as the reader scrolls up into chunks never shown (a jump where the browser has no scroll
 * anchoring). Chunks of fewer than 10 messages say too little and are left out.
 */
function measureChunks(content: HTMLElement): void {
  let height = 0;
  let count = 0;
  for (const chunk of content.querySelectorAll<HTMLElement>('.message-chunk')) {
    const n = Number(chunk.dataset.count);
    // A skipped chunk's own box stays "visible"; its contents are what the browser skips.
    const row = chunk.lastElementChild;
    if (n < 10 || !row || (typeof row.checkVisibility === 'function' && !row.checkVisibility({ contentVisibilityAuto: true }))) continue;
    height += chunk.getBoundingClientRect().height;
    count += n;
  }
  if (count === 0) return;
  // Set only when it moved by more than 2 %: setting it re-styles and re-lays out every chunk, and a send (one more
  // message in the last chunk) moves the mean by a fraction of that.
  const estimate = height / count;
  const current = parseFloat(content.style.getPropertyValue('--message-estimate'));
  if (!(Math.abs(estimate - current) <= current * 0.02)) content.style.setProperty('--message-estimate', `${Math.round(estimate * 10) / 10}px`);
}

/** The conversation in chunks of CHUNK messages, oldest first (the first chunk also holds the intro: never empty). */
function chunksOf(messages: readonly MessageRecord[]): Array<readonly MessageRecord[]> {
  const chunks: Array<readonly MessageRecord[]> = [];
  for (let i = 0; i < messages.length || i === 0; i += CHUNK) chunks.push(messages.slice(i, i + CHUNK));
  return chunks;
}

interface ChunkProps {
  messages: readonly MessageRecord[];
  /** The log's intro, at the top of the first chunk only. */
  intro: ReactNode;
  engine: ChatEngine; me: string | null; senderLabel: (m: MessageRecord) => string; showSender: boolean;
  onReport: (id: string, trigger: HTMLElement) => void; onShowReports: () => void; blocked: boolean;
}

/**
 * One list of at most CHUNK messages, skipped by the browser while out of view (styles.css .message-chunk): a new
 * message lays out and paints its own chunk, not every message of a long conversation again. Re-rendered only when
 * one of its messages (or another prop) changed, so a change is reconciled within its chunk.
 */
const Chunk = memo(function Chunk({ messages, intro, engine, me, senderLabel, showSender, onReport, onShowReports, blocked }: ChunkProps) {
  return (
    <ol className="message-chunk" data-count={messages.length} style={{ '--chunk-count': messages.length } as CSSProperties}>
      {intro !== undefined && <li className="system intro">{intro}</li>}
      {messages.map((m) => (
        <Row
          key={m.id}
          engine={engine}
          me={me}
          m={m}
          senderLabel={senderLabel(m)}
          showSender={showSender}
          onReport={onReport}
          onShowReports={onShowReports}
          blocked={blocked}
        />
      ))}
    </ol>
  );
}, (a, b) => (Object.keys(a) as Array<keyof ChunkProps>).every((k) => (k === 'messages' ? sameItems(a.messages, b.messages) : a[k] === b[k])));

const sameItems = <T,>(a: readonly T[], b: readonly T[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

/** One message row, re-rendered only when its own props change (a MessageRecord is replaced, never mutated). */
const Row = memo(function Row({ engine, me, m, senderLabel, showSender, onReport, onShowReports, blocked }: {
  engine: ChatEngine; me: string | null; m: MessageRecord; senderLabel: string; showSender: boolean;
  onReport: (id: string, trigger: HTMLElement) => void; onShowReports: () => void; blocked: boolean;
}) {
  return (
    <MessageItem
      engine={engine}
      me={me}
      m={m}
      senderLabel={senderLabel}
      showSender={showSender}
      onReport={(trigger) => onReport(m.id, trigger)}
      onRetry={() => void engine.deliver(m)}
      onShowReports={onShowReports}
      blocked={blocked}
    />
  );
});
