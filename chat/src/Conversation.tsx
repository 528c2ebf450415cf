// One 1:1 conversation: messages with delivery state and attachments, Report on every received message, the composer.
import { LockIcon } from './Icons.tsx';
import { useEffect, useRef, useState } from 'react';
import type { ChatEngine, Snapshot } from './engine.ts';
import { Composer, MessageItem } from './Messages.tsx';
import { ReportDialog } from './ReportDialog.tsx';
import { SafetyNumberDialog } from './SafetyNumberDialog.tsx';

export function Conversation({ engine, snap, peerId, onShowReports }: { engine: ChatEngine; snap: Snapshot; peerId: string; onShowReports: () => void }) {
  const contact = engine.contact(peerId);
  const messages = contact ? (snap.messages[contact.conversationId] ?? []) : [];
  const [reporting, setReporting] = useState<{ id: string; trigger: HTMLElement | null } | null>(null);
  const [showSafety, setShowSafety] = useState(false);
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
            engine={engine}
            me={snap.me}
            m={m}
            senderLabel={peerId}
            showSender={false}
            onReport={(trigger) => setReporting({ id: m.id, trigger })}
            onRetry={() => void engine.deliver(m)}
            onShowReports={onShowReports}
            blocked={blocked}
          />
        ))}
        </ol>
      </div>

      <Composer label={`Message ${peerId}`} placeholder={`Message ${peerId}`} disabled={blocked} onSend={(text, file) => engine.send(peerId, text, file)} />

      {reporting && (
        <ReportDialog
          engine={engine}
          messageId={reporting.id}
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
