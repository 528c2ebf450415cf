// Who I am, connection state, navigation, add-a-contact and the contact list.
import { LockIcon } from './Icons.tsx';
import { type FormEvent, useState } from 'react';
import type { View } from './App.tsx';
import type { ChatEngine, Snapshot } from './engine.ts';

const CONNECTION_LABELS: Record<Snapshot['connection'], string> = {
  idle: 'Not connected',
  connecting: 'Connecting…',
  live: 'Connected',
  offline: 'Offline, retrying',
  stopped: 'Disconnected',
};

export function Sidebar({ engine, snap, view, setView }: { engine: ChatEngine; snap: Snapshot; view: View; setView: (v: View) => void }) {
  const [handle, setHandle] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const decided = snap.reports.filter((r) => r.outcome !== null).length;

  async function add(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const c = await engine.addContact(handle);
      setHandle('');
      setView({ kind: 'chat', peerId: c.peerId });
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <aside className="sidebar" aria-label="Account and contacts">
      <header className="me">
        <div className="brand">
          <LockIcon size={18} /> franking-chat
        </div>
        <div className="who">
          Signed in as <strong data-testid="me">{snap.me}</strong>
        </div>
        <div className={`conn conn-${snap.connection}`} role="status" aria-live="polite">
          <span className="dot" aria-hidden="true" /> {snap.standing ? 'Sending blocked' : CONNECTION_LABELS[snap.connection]}
        </div>
      </header>
      <nav aria-label="Views">
        <button type="button" className={view.kind === 'chat' ? 'tab active' : 'tab'} aria-current={view.kind === 'chat' ? 'page' : undefined} onClick={() => setView({ kind: 'chat', peerId: view.kind === 'chat' ? view.peerId : (snap.contacts[0]?.peerId ?? null) })}>
          Chats
        </button>
        <button type="button" className={view.kind === 'reports' ? 'tab active' : 'tab'} aria-current={view.kind === 'reports' ? 'page' : undefined} onClick={() => setView({ kind: 'reports' })}>
          My reports{snap.reports.length > 0 && <span className="count" aria-label={`${snap.reports.length} reports, ${decided} decided`}>{snap.reports.length}</span>}
        </button>
      </nav>
      <form className="add" onSubmit={add}>
        <label htmlFor="add-contact">Add a contact by handle</label>
        <div className="row">
          <input id="add-contact" value={handle} onChange={(e) => setHandle(e.target.value)} placeholder="e.g. sam" autoComplete="off" required aria-invalid={error ? true : undefined} aria-describedby={error ? 'add-error' : undefined} />
          <button type="submit" disabled={busy || !handle.trim()}>
            Add
          </button>
        </div>
        {error && (
          <p id="add-error" className="error" role="alert">
            {error}
          </p>
        )}
      </form>
      <h2 className="list-title" id="contacts-title">
        Conversations
      </h2>
      {snap.contacts.length === 0 ? (
        <p className="hint pad">No contacts yet.</p>
      ) : (
        <ul className="contacts" aria-labelledby="contacts-title">
          {snap.contacts.map((c) => {
            const list = snap.messages[c.conversationId] ?? [];
            const last = list[list.length - 1];
            const active = view.kind === 'chat' && view.peerId === c.peerId;
            return (
              <li key={c.peerId}>
                <button type="button" className={active ? 'contact active' : 'contact'} aria-current={active ? 'true' : undefined} onClick={() => setView({ kind: 'chat', peerId: c.peerId })}>
                  <span className="avatar" aria-hidden="true">
                    {c.peerId.slice(0, 1).toUpperCase()}
                  </span>
                  <span className="contact-text">
                    <span className="contact-name">
                      {c.peerId}
                      {c.verified && <span className="verified-mark" title="Safety number verified" aria-label="(safety number verified)"> ✔</span>}
                    </span>
                    <span className="preview">{last ? (last.direction === 'out' ? `You: ${last.text}` : last.text) : 'No messages yet'}</span>
                  </span>
                  {c.unread > 0 && !active && <span className="unread" aria-label={`${c.unread} unread`}>{c.unread}</span>}
                </button>
              </li>
            );
          })}
        </ul>
      )}
      <footer className="side-footer">
        <button
          type="button"
          className="link danger"
          onClick={() => {
            if (confirm('Delete your keys and all messages from this browser? You will not be able to log in to this account again.')) void engine.forgetDevice();
          }}
        >
          Forget this device
        </button>
      </footer>
    </aside>
  );
}
