// Who I am, connection state, navigation, add-a-contact, new group, and the conversation list (1:1 and groups).
import { LockIcon } from './Icons.tsx';
import { type FormEvent, useState } from 'react';
import type { View } from './routes.ts';
import { type ChatEngine, GROUP_NAME_MAX, type Snapshot } from './engine.ts';
import { displayText, errorText } from './wording.ts';
import { unreadOutcomes } from './report-badge.ts';
import { LinkedDevicesDialog } from './LinkedDevices.tsx';
import type { ContactRecord, MessageRecord } from './storage.ts';

function preview(m: MessageRecord | undefined, me: string | null, group: boolean): string {
  if (!m) return 'No messages yet';
  const body = displayText(m, me) || (m.attachments?.length ? (m.attachments[0]?.mediaType.startsWith('image/') ? 'Photo' : 'File') : '');
  if (m.direction === 'out') return `You: ${body}`;
  return group && m.direction === 'in' && m.kind !== 'group-info' ? `${m.senderId}: ${body}` : body;
}

function NewGroup({ engine, onCreated, onCancel }: { engine: ChatEngine; onCreated: (conversationId: string) => void; onCancel: () => void }) {
  const [name, setName] = useState('');
  const [members, setMembers] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  async function create(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const g = await engine.createGroup(name, members);
      onCreated(g.conversationId);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  }
  return (
    <form className="add new-group" onSubmit={create} aria-labelledby="new-group-title">
      <h2 id="new-group-title" className="form-title">
        New group
      </h2>
      <label htmlFor="group-name">Group name</label>
      <input id="group-name" value={name} onChange={(e) => setName(e.target.value)} maxLength={GROUP_NAME_MAX} autoComplete="off" required autoFocus />
      <label htmlFor="group-members">Members (handles, separated by commas)</label>
      <input id="group-members" value={members} onChange={(e) => setMembers(e.target.value)} placeholder="e.g. sam, kim" autoComplete="off" required aria-describedby="group-members-hint" />
      <p id="group-members-hint" className="hint">
        The group&apos;s name is end-to-end encrypted; the server only learns who is in it.
      </p>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <div className="row">
        <button type="submit" className="primary" disabled={busy || !name.trim() || !members.trim()}>
          {busy ? 'Creating…' : 'Create group'}
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

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
  const [newGroup, setNewGroup] = useState(false);
  const [devicesOpen, setDevicesOpen] = useState(false);
  // Outcomes not yet seen, not every report (chat/README.md "My reports badge"); nothing while My reports is open.
  const newOutcomes = view.kind === 'reports' ? 0 : unreadOutcomes(snap.me, snap.reports);
  const requests = snap.contacts.filter((c) => c.request);
  const chats = snap.contacts.filter((c) => !c.request);

  async function add(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const c = await engine.addContact(handle);
      setHandle('');
      setView({ kind: 'chat', peerId: c.peerId });
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <aside className="sidebar" aria-label="Account and contacts">
      <header className="me">
        {/* the page's heading on phones, where the list is the whole screen (styles.css) */}
        <h1 className="list-h1">Chats</h1>
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
        <button type="button" className={view.kind !== 'reports' ? 'tab active' : 'tab'} aria-current={view.kind !== 'reports' ? 'page' : undefined} onClick={() => view.kind === 'reports' && setView({ kind: 'chat', peerId: null })}>
          Chats
        </button>
        <button type="button" className={view.kind === 'reports' ? 'tab active' : 'tab'} aria-current={view.kind === 'reports' ? 'page' : undefined} onClick={() => setView({ kind: 'reports' })}>
          My reports{newOutcomes > 0 && <span className="count" data-testid="outcome-badge" aria-label={`${newOutcomes} new outcome${newOutcomes === 1 ? '' : 's'}`}>{newOutcomes}</span>}
        </button>
      </nav>
      <form className="add" onSubmit={add}>
        <label htmlFor="add-contact">Add a contact by handle</label>
        <div className="row">
          <input id="add-contact" value={handle} onChange={(e) => {
            setHandle(e.target.value);
            setError(null); // an error is about what was typed: it goes once the field changes
          }} placeholder="e.g. sam" autoComplete="off" required aria-invalid={error ? true : undefined} aria-describedby={error ? 'add-error' : undefined} />
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
      {newGroup ? (
        <NewGroup
          engine={engine}
          onCreated={(conversationId) => {
            setNewGroup(false);
            setView({ kind: 'group', conversationId });
          }}
          onCancel={() => setNewGroup(false)}
        />
      ) : (
        <div className="add">
          <button type="button" className="new-group-btn" onClick={() => setNewGroup(true)}>
            New group
          </button>
        </div>
      )}
      {requests.length > 0 && (
        <>
          <h2 className="list-title" id="requests-title">
            Requests <span className="count">{requests.length}</span>
          </h2>
          <ul className="contacts requests" aria-labelledby="requests-title" data-testid="requests">
            {requests.map((c) => (
              <ContactItem key={c.peerId} c={c} snap={snap} view={view} setView={setView} />
            ))}
          </ul>
        </>
      )}
      <h2 className="list-title" id="contacts-title">
        Conversations
      </h2>
      {chats.length === 0 && snap.groups.length === 0 ? (
        <p className="hint pad">No contacts yet.</p>
      ) : (
        <ul className="contacts" aria-labelledby="contacts-title">
          {[...chats.map((c) => ({ at: c.lastActivity, c, g: null })), ...snap.groups.map((g) => ({ at: g.lastActivity, c: null, g }))]
            .sort((a, b) => b.at - a.at)
            .map(({ c, g }) => {
            if (g) {
              const list = snap.messages[g.conversationId] ?? [];
              const active = view.kind === 'group' && view.conversationId === g.conversationId;
              return (
                <li key={g.conversationId}>
                  <button type="button" className={active ? 'contact active' : 'contact'} aria-current={active ? 'true' : undefined} onClick={() => setView({ kind: 'group', conversationId: g.conversationId })}>
                    <span className="avatar group" aria-hidden="true">
                      {g.name.slice(0, 1).toUpperCase()}
                    </span>
                    <span className="contact-text">
                      <span className="contact-name" dir="auto">
                        {g.name}
                        <span className="visually-hidden"> (group)</span>
                      </span>
                      <span className="preview" dir="auto">{g.active ? preview(list[list.length - 1], snap.me, true) : 'You are no longer a member'}</span>
                    </span>
                    {g.unread > 0 && !active && <span className="unread" aria-label={`${g.unread} unread`}>{g.unread}</span>}
                  </button>
                </li>
              );
            }
            if (!c) return null;
            return <ContactItem key={c.peerId} c={c} snap={snap} view={view} setView={setView} />;
          })}
        </ul>
      )}
      <footer className="side-footer">
        <button type="button" className="link" onClick={() => setDevicesOpen(true)}>
          Linked devices
        </button>
        {devicesOpen && <LinkedDevicesDialog engine={engine} onClose={() => setDevicesOpen(false)} />}
        <button
          type="button"
          className="link danger"
          onClick={() => {
            if (confirm('Delete this device\'s keys and all messages from this browser? Remove it under Linked devices on another device too. Without another device or a recovery kit you cannot sign in to this account again.')) void engine.forgetDevice();
          }}
        >
          Forget this device
        </button>
      </footer>
    </aside>
  );
}

function ContactItem({ c, snap, view, setView }: { c: ContactRecord; snap: Snapshot; view: View; setView: (v: View) => void }) {
  const list = snap.messages[c.conversationId] ?? [];
  const last = list[list.length - 1];
  const active = view.kind === 'chat' && view.peerId === c.peerId;
  const blocked = snap.blocked.includes(c.peerId);
  return (
    <li>
      <button type="button" className={active ? 'contact active' : 'contact'} aria-current={active ? 'true' : undefined} onClick={() => setView({ kind: 'chat', peerId: c.peerId })}>
        <span className="avatar" aria-hidden="true">
          {c.peerId.slice(0, 1).toUpperCase()}
        </span>
        <span className="contact-text">
          <span className="contact-name">
            {c.peerId}
            {c.verified && <span className="verified-mark" title="Safety number verified" aria-label="(safety number verified)"> ✔</span>}
            {blocked && <span className="blocked-mark"> · blocked</span>}
          </span>
          <span className="preview" dir="auto">{preview(last, snap.me, false)}</span>
        </span>
        {c.unread > 0 && !active && <span className="unread" aria-label={`${c.unread} unread`}>{c.unread}</span>}
      </button>
    </li>
  );
}
