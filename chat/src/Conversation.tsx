// One 1:1 conversation: messages with delivery state and attachments, Report on every received message, the composer.
import { LockIcon } from './Icons.tsx';
import { useEffect, useState } from 'react';
import type { ChatEngine, Snapshot } from './engine.ts';
import { MessageLog } from './MessageLog.tsx';
import { Composer } from './Messages.tsx';
import { SafetyNumberDialog } from './SafetyNumberDialog.tsx';

export function Conversation({ engine, snap, peerId, onShowReports }: { engine: ChatEngine; snap: Snapshot; peerId: string; onShowReports: () => void }) {
  const contact = engine.contact(peerId);
  const messages = contact ? (snap.messages[contact.conversationId] ?? []) : [];
  const [showSafety, setShowSafety] = useState(false);
  const blocked = snap.standing !== null;

  useEffect(() => {
    void engine.markRead(peerId);
  }, [engine, peerId, messages.length]);

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

      <MessageLog
        engine={engine}
        snap={snap}
        messages={messages}
        label={`Messages with ${peerId}`}
        intro={<>Messages here are end-to-end encrypted: the server cannot read them. If a message is abusive, press <strong>Report</strong> under it. You choose which messages moderators see; everything else stays encrypted.</>}
        showSender={false}
        senderLabel={() => peerId}
        onShowReports={onShowReports}
      />

      <Composer label={`Message ${peerId}`} placeholder={`Message ${peerId}`} disabled={blocked} onSend={(text, file) => engine.send(peerId, text, file)} />

      {showSafety && <SafetyNumberDialog engine={engine} peerId={peerId} onClose={() => setShowSafety(false)} />}
    </section>
  );
}
