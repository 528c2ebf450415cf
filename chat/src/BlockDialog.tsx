// Block or unblock someone (chat/README.md "Blocking and message requests"), with what it means said plainly.
import { useEffect, useRef, useState } from 'react';
import type { ChatEngine } from './engine.ts';
import { errorText } from './wording.ts';

export function BlockDialog({ engine, peerId, onClose }: { engine: ChatEngine; peerId: string; onClose: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const blocked = engine.blocking.isBlocked(peerId);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
  }, []);
  async function run() {
    setBusy(true);
    setError(null);
    try {
      if (blocked) await engine.blocking.unblock(peerId);
      else await engine.blocking.block(peerId);
      ref.current?.close();
    } catch (e) {
      setError(e instanceof Error ? errorText(e) : 'That did not work. Check your connection and try again.');
    } finally {
      setBusy(false);
    }
  }
  return (
    <dialog ref={ref} className="dialog small" aria-labelledby="block-title" onClose={onClose}>
      <h2 id="block-title">{blocked ? `Unblock ${peerId}?` : `Block ${peerId}?`}</h2>
      {blocked ? (
        <p>You will receive new messages from {peerId} again. Messages they sent while blocked are not delivered.</p>
      ) : (
        <ul className="plain-list">
          <li>The server stops delivering {peerId}&apos;s messages to you, in this chat and in groups.</li>
          <li>{peerId} is not told. Their messages still look sent to them.</li>
          <li>Your chat history stays on this device, and you can still report their earlier messages.</li>
        </ul>
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <div className="actions">
        <button type="button" onClick={() => ref.current?.close()}>
          Cancel
        </button>
        <button type="button" className={blocked ? 'primary' : 'danger-solid'} disabled={busy} onClick={() => void run()}>
          {blocked ? 'Unblock' : 'Block'}
        </button>
      </div>
    </dialog>
  );
}
