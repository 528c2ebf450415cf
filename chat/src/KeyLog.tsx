// Key transparency in the interface (docs/TRANSPARENCY.md): warnings in plain words with what to do, and the
// "key in the public log" mark beside a contact.
import type { ChatEngine, Snapshot } from './engine.ts';
import type { KtAlarm, KtComparison } from './transparency.ts';

function alarmTitle(kind: KtAlarm['kind']): string {
  switch (kind) {
    case 'foreign_key':
      return 'Warning: a key you did not create was published for your account.';
    case 'split_view':
      return 'Warning: the server showed you and a contact different key logs.';
    case 'log_unproven':
      return 'Warning: the server would not prove that its key log is consistent.';
    default:
      return 'Warning: the server’s key log failed a check.';
  }
}

/** The last comparison of key-log views with a contact, in plain words (gossip is never shown as a message). */
function comparisonText(peerId: string, c: KtComparison): string {
  const when = new Date(c.at).toLocaleString();
  switch (c.status) {
    case 'same':
      return `Key logs compared with ${peerId} (${when}): you both see the same history (${c.size} keys).`;
    case 'split_view':
      return `Key logs compared with ${peerId} (${when}): the server showed you two different histories. See the warning at the top.`;
    case 'unproven':
      return `Key logs compared with ${peerId} (${when}): the server would not prove that its key log is consistent. See the warning at the top.`;
    case 'unreachable':
      return `Key logs compared with ${peerId} (${when}): the key log could not be reached; it is compared again later.`;
    case 'unreadable':
      return `${peerId} sent a key-log comparison this app could not read (${when}).`;
    default:
      return `Key logs compared with ${peerId} (${when}): nothing to compare yet.`;
  }
}

export function KeyLogAlarms({ engine, snap }: { engine: ChatEngine; snap: Snapshot }) {
  if (snap.kt.alarms.length === 0) return null;
  return (
    <section className="banner blocked" role="alert" aria-label="Key log warning">
      {snap.kt.alarms.map((a) => (
        <div key={a.id} className="kt-alarm">
          <strong>{alarmTitle(a.kind)}</strong>{' '}
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
  const compared = snap.kt.compared?.[peerId];
  const explained = size === undefined ? (
    <p>{peerId}'s key has not been checked against the server's public key log yet (it is checked before the first message you send, and before a message from them is shown).</p>
  ) : (
    <p>
      {peerId}'s key is in the server's public key log, and this browser checked that the log only ever grew. {peerId}'s own app watches the log for keys
      they did not create, so a key slipped in by the server would be noticed. Comparing safety numbers protects you even if both checks were bypassed.
    </p>
  );
  return (
    <>
      {explained}
      {compared && <p data-testid="kt-comparison">{comparisonText(peerId, compared)}</p>}
    </>
  );
}
