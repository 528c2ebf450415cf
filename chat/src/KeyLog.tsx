// Key transparency in the interface (docs/TRANSPARENCY.md): warnings in plain words with what to do, and the
// "key in the public log" mark beside a contact.
import type { ChatEngine, Snapshot } from './engine.ts';

export function KeyLogAlarms({ engine, snap }: { engine: ChatEngine; snap: Snapshot }) {
  if (snap.kt.alarms.length === 0) return null;
  return (
    <section className="banner blocked" role="alert" aria-label="Key log warning">
      {snap.kt.alarms.map((a) => (
        <div key={a.id} className="kt-alarm">
          <strong>{a.kind === 'foreign_key' ? 'Warning: a key you did not create was published for your account.' : a.kind === 'split_view' ? 'Warning: the server showed you and a contact different key logs.' : 'Warning: the server’s key log failed a check.'}</strong>{' '}
          {a.text} <span className="sub">What to do: {a.advice}</span>{' '}
          <button type="button" onClick={() => void engine.dismissKtAlarm(a.id)}>
            I understand
          </button>
        </div>
      ))}
    </section>
  );
}

/** A short mark for a contact whose current key was proven in the public key log. */
export function KeyLogMark({ snap, peerId }: { snap: Snapshot; peerId: string }) {
  const size = snap.kt.proven[peerId];
  if (size === undefined) return null;
  return (
    <span className="ok-text" title={`This contact's key is in the server's public key log (checked at ${size} entries). A key the server made up would be visible there.`}>
      {' · '}Key in public log
    </span>
  );
}

export function KeyLogExplainer({ snap, peerId }: { snap: Snapshot; peerId: string }) {
  const size = snap.kt.proven[peerId];
  return size === undefined ? (
    <p>{peerId}'s key has not been checked against the server's public key log yet (it is checked before the first message you send).</p>
  ) : (
    <p>
      {peerId}'s key is in the server's public key log, and this browser checked that the log only ever grew. {peerId}'s own app watches the log for keys
      they did not create, so a key slipped in by the server would be noticed. Comparing safety numbers protects you even if both checks were bypassed.
    </p>
  );
}
