// One 1:1 conversation: messages with delivery state and attachments, Report on every received message, the composer.
import { KeyLogMark } from './KeyLog.tsx';
import { LockIcon } from './Icons.tsx';
import { useCallback, useEffect, useState } from 'react';
import type { ChatEngine, Snapshot } from './engine.ts';
import { MessageLog } from './MessageLog.tsx';
import { Composer } from './Messages.tsx';
import { BlockDialog } from './BlockDialog.tsx';
import { ReportDialog } from './ReportDialog.tsx';
import { SafetyNumberDialog } from './SafetyNumberDialog.tsx';
import type { MessageRecord } from './storage.ts';

export function Conversation({ engine, snap, peerId, onShowReports }: { engine: ChatEngine; snap: Snapshot; peerId: string; onShowReports: () => void }) {
  const contact = engine.contact(peerId);
  const messages = contact ? (snap.messages[contact.conversationId] ?? []) : [];
  const [showSafety, setShowSafety] = useState(false);
  const [showBlock, setShowBlock] = useState(false);
  const [reportAndBlock, setReportAndBlock] = useState<string | null>(null);
  const blocked = snap.standing !== null;
  // Stable, so that the log's chunks without a changed message are not re-rendered (MessageLog.tsx).
  const senderLabel = useCallback(() => peerId, [peerId]);
  const peerBlocked = snap.blocked.includes(peerId);
  let lastIncoming: MessageRecord | undefined;
  for (let i = messages.length - 1; i >= 0 && !lastIncoming; i--) if (messages[i]?.direction === 'in' && messages[i]?.item) lastIncoming = messages[i];

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
            <KeyLogMark snap={snap} peerId={peerId} />
          </p>
        </div>
        <div className="row header-actions">
          <button type="button" onClick={() => setShowSafety(true)}>
            Safety number
          </button>
          <button type="button" className={peerBlocked ? '' : 'danger-outline'} onClick={() => setShowBlock(true)}>
            {peerBlocked ? 'Unblock' : 'Block'}
          </button>
        </div>
      </header>
      {peerBlocked && (
        <p className="banner notice" role="status" data-testid="blocked-banner">
          You blocked {peerId}. The server does not deliver their messages to you; they are not told.
        </p>
      )}

      <MessageLog
        engine={engine}
        snap={snap}
        messages={messages}
        label={`Messages with ${peerId}`}
        intro={<>Messages here are end-to-end encrypted: the server cannot read them. If a message is abusive, press <strong>Report</strong> under it. You choose which messages moderators see; everything else stays encrypted.</>}
        showSender={false}
        senderLabel={senderLabel}
        onShowReports={onShowReports}
      />

      {contact.request ? (
        <section className="request-bar" aria-labelledby="request-title" data-testid="request-bar">
          <h2 id="request-title">Message request from {peerId}</h2>
          <p>
            You have not written to {peerId} before. They do not know whether you have seen this. Accept to reply, or delete it; if it is abusive,
            report it and block them.
          </p>
          <div className="row wrap">
            <button type="button" className="primary" onClick={() => void engine.blocking.accept(peerId)}>
              Accept
            </button>
            <button type="button" onClick={() => void engine.blocking.deleteRequest(peerId)}>
              Delete
            </button>
            {lastIncoming && (
              <button type="button" className="danger-solid" onClick={() => setReportAndBlock(lastIncoming.id)}>
                Report and block
              </button>
            )}
          </div>
        </section>
      ) : (
        <Composer
          label={`Message ${peerId}`}
          placeholder={peerBlocked ? `Unblock ${peerId} to write to them` : `Message ${peerId}`}
          disabled={blocked || peerBlocked}
          disabledText={peerBlocked ? `You blocked ${peerId}` : undefined}
          onSend={(text, file) => engine.send(peerId, text, file)}
          draftKey={`${snap.me}/${contact.conversationId}`}
        />
      )}

      {showSafety && <SafetyNumberDialog engine={engine} peerId={peerId} onClose={() => setShowSafety(false)} />}
      {showBlock && <BlockDialog engine={engine} peerId={peerId} onClose={() => setShowBlock(false)} />}
      {reportAndBlock && (
        <ReportDialog engine={engine} messageId={reportAndBlock} blockByDefault onClose={() => setReportAndBlock(null)} onShowReports={onShowReports} />
      )}
    </section>
  );
}
