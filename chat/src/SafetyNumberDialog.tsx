// The safety number of this pair (docs/PROTOCOL-sessions.md §12), to compare out of band. With device lists it covers
// each account's founder key (docs/PROTOCOL-devices.md D16): every later device is signed in by a logged chain of
// signatures from it, so the number does not change when either side links or removes a device.
import { useEffect, useRef } from 'react';
import type { ChatEngine } from './engine.ts';
import { KeyLogExplainer } from './KeyLog.tsx';

export function SafetyNumberDialog({ engine, peerId, onClose }: { engine: ChatEngine; peerId: string; onClose: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const contact = engine.contact(peerId);
  const number = engine.safetyNumber(peerId);
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
  }, []);
  return (
    <dialog ref={ref} className="dialog small" aria-labelledby="sn-title" aria-describedby="sn-desc" onClose={onClose}>
      <h2 id="sn-title">Safety number with {peerId}</h2>
      {number ? (
        <>
          <pre className="safety-number" aria-label={`Safety number: ${number.replace(/\s+/g, ' ')}`}>{number}</pre>
          <p id="sn-desc">
            Compare these 60 digits with {peerId}, in person or over a call. If they match, no one is intercepting your encrypted conversation.
          </p>
          <p className="sub">
            The number is the same on all of your devices and all of {peerId}'s, and covers every device either of you links later: each new device is
            signed in by one you already have, in the public key log. It stays the same when a device is linked or removed (the conversation says so
            in a quiet line) and changes only if an account is reset.
          </p>
          <KeyLogExplainer snap={engine.getSnapshot()} peerId={peerId} />
          {contact?.identityChanged && <p className="warn-text">{peerId}'s keys changed since you last verified. Compare again before sharing anything sensitive.</p>}
        </>
      ) : (
        <p id="sn-desc">The safety number appears once {peerId}'s keys are known (after the first message).</p>
      )}
      <div className="actions">
        {number && (
          <button type="button" onClick={() => void engine.compareKeyLogs(peerId).then(() => ref.current?.close())}>
            Compare key logs
          </button>
        )}
        {number && (
          <button type="button" className={contact?.verified ? '' : 'primary'} onClick={() => void engine.setVerified(peerId, !contact?.verified).then(() => ref.current?.close())}>
            {contact?.verified ? 'Mark as not verified' : 'They match: mark as verified'}
          </button>
        )}
        <button type="button" autoFocus onClick={() => ref.current?.close()}>
          Close
        </button>
      </div>
    </dialog>
  );
}
