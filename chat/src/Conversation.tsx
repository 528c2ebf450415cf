// One 1:1 conversation: messages with delivery state, Report on every received message, the composer.
import { LockIcon } from './Icons.tsx';
import { type FormEvent, type KeyboardEvent, useEffect, useRef, useState } from 'react';
import type { ChatEngine, Snapshot } from './engine.ts';
import { formatTime } from './labels.ts';
import { ReportDialog } from './ReportDialog.tsx';
import { SafetyNumberDialog } from './SafetyNumberDialog.tsx';
import type { MessageRecord } from './storage.ts';

export function Conversation({ engine, snap, peerId, onShowReports }: { engine: ChatEngine; snap: Snapshot; peerId: string; onShowReports: () => void }) {
  const contact = engine.contact(peerId);
  const messages = contact ? (snap.messages[contact.conversationId] ?? []) : [];
  const [draft, setDraft] = useState('');
  const [reporting, setReporting] = useState<{ id: string; trigger: HTMLElement | null } | null>(null);
  const [showSafety, setShowSafety] = useState(false);
  const [sendError, setSendError] = useState<string | null>(null);
  const listRef = useRef<HTMLDivElement>(null);
  const blocked = snap.standing !== null;

  useEffect(() => {
    void engine.markRead(peerId);
  }, [engine, peerId, messages.length]);
  const last = messages[messages.length - 1];
  useEffect(() => {
    const el = listRef.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [messages.length, last?.state, blocked]);

  if (!contact) return null;

  async function submit(e?: FormEvent) {
    e?.preventDefault();
    const text = draft;
    if (!text.trim()) return;
    setDraft('');
    setSendError(null);
    try {
      await engine.send(peerId, text);
    } catch (err) {
      setDraft(text);
      setSendError(err instanceof Error ? err.message : String(err));
    }
  }
  function onKey(e: KeyboardEvent<HTMLTextAreaElement>) {
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      void submit();
    }
  }

  return (
    <section className="conversation" aria-labelledby="conv-title">
      <header className="conv-header">
        <div>
          <h1 id="conv-title">{peerId}</h1>
          <p className="conv-sub">
            <LockIcon size={12} /> End-to-end encrypted ·{' '}
            {contact.identityChanged ? (
              <span className="warn-text">Safety number changed: verify again</span>
            ) : contact.verified ? (
              <span className="ok-text">Safety number verified</span>
            ) : (
              <span>Safety number not verified</span>
            )}
          </p>
        </div>
        <button type="button" onClick={() => setShowSafety(true)}>
          Safety number
        </button>
      </header>

      <div className="messages" ref={listRef} role="log" aria-label={`Messages with ${peerId}`} aria-live="polite" tabIndex={0}>
        <ol className="message-list">
        <li className="system intro">
          Messages here are end-to-end encrypted: the server cannot read them. If a message is abusive, press <strong>Report</strong> under it. You choose which messages moderators see; everything else stays encrypted.
        </li>
        {messages.map((m) => (
          <MessageItem
            key={m.id}
            m={m}
            peerId={peerId}
            onReport={(trigger) => setReporting({ id: m.id, trigger })}
            onRetry={() => void engine.deliver(m)}
            onShowReports={onShowReports}
            blocked={blocked}
          />
        ))}
        </ol>
      </div>

      <form className="composer" onSubmit={submit}>
        <label htmlFor="composer-input" className="visually-hidden">
          Message {peerId}
        </label>
        <textarea
          id="composer-input"
          rows={1}
          value={draft}
          onChange={(e) => setDraft(e.target.value)}
          onKeyDown={onKey}
          placeholder={blocked ? 'Sending is blocked for your account' : `Message ${peerId}`}
          maxLength={4000}
          disabled={blocked}
          aria-describedby={sendError ? 'send-error' : undefined}
        />
        <button type="submit" className="primary" disabled={blocked || !draft.trim()}>
          Send
        </button>
        {sendError && (
          <p id="send-error" className="error" role="alert">
            {sendError}
          </p>
        )}
      </form>

      {reporting && (
        <ReportDialog
          engine={engine}
          messageId={reporting.id}
          peerId={peerId}
          onClose={() => {
            const t = reporting.trigger;
            setReporting(null);
            // Return focus to the Report button that opened the dialog (or the message list).
            requestAnimationFrame(() => (t && t.isConnected ? t.focus() : listRef.current?.focus()));
          }}
          onShowReports={onShowReports}
        />
      )}
      {showSafety && <SafetyNumberDialog engine={engine} peerId={peerId} onClose={() => setShowSafety(false)} />}
    </section>
  );
}

function MessageItem({ m, peerId, onReport, onRetry, onShowReports, blocked }: {
  m: MessageRecord; peerId: string; onReport: (trigger: HTMLElement) => void; onRetry: () => void; onShowReports: () => void; blocked: boolean;
}) {
  if (m.direction === 'system') {
    return (
      <li className="system" data-message-id={m.id}>
        {m.text}
      </li>
    );
  }
  const mine = m.direction === 'out';
  const time = formatTime(m.serverTime ?? m.sentAt);
  return (
    <li className={mine ? 'msg out' : 'msg in'} data-message-id={m.id} data-state={m.state}>
      <div className="bubble">
        <span className="visually-hidden">{mine ? 'You' : peerId}: </span>
        <span className="text">{m.text}</span>
      </div>
      <div className="meta">
        <time dateTime={new Date(m.serverTime ?? m.sentAt).toISOString()}>{time}</time>
        {mine && m.state === 'sending' && <span className="state"> · Sending…</span>}
        {mine && m.state === 'sent' && (
          <span className="state" title="Encrypted, accepted and stamped by the server">
            {' '}· Sent ✓
          </span>
        )}
        {!mine && m.reportId && (
          <button type="button" className="chip" onClick={onShowReports}>
            Reported
          </button>
        )}
        {!mine && !m.reportId && m.item && !blocked && (
          <button type="button" className="report-btn" onClick={(e) => onReport(e.currentTarget)} aria-label={`Report this message from ${peerId}`}>
            Report
          </button>
        )}
      </div>
      {mine && m.state === 'failed' && (
        <div className="failed" role="alert">
          <span>{m.error ?? 'Not sent.'}</span>
          {!blocked && m.errorCode !== 'account_banned' && m.errorCode !== 'account_suspended' && (
            <button type="button" className="link" onClick={onRetry}>
              Retry
            </button>
          )}
        </div>
      )}
    </li>
  );
}
