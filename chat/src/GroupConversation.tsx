// A group conversation: messages from every member with sender names, the members (creator and admins add
// and remove members, the creator names admins; anyone leaves — each change an MLS Commit that every member's
// client checks and shows with the member who signed it), each member's safety number, Report on every other
// member's message. Each message is franked once and encrypted once for the group (docs/PROTOCOL.md §12).
import { type FormEvent, useEffect, useState } from 'react';
import { SafetyNumberDialog } from './SafetyNumberDialog.tsx';
import { LockIcon } from './Icons.tsx';
import { type ChatEngine, GROUP_NAME_MAX, type Snapshot } from './engine.ts';
import { MessageLog } from './MessageLog.tsx';
import { Composer } from './Messages.tsx';
import type { MessageRecord } from './storage.ts';
import { errorText } from './wording.ts';

/** Stable (module level), so that the log's chunks without a changed message are not re-rendered (MessageLog.tsx). */
const bySender = (m: MessageRecord): string => m.senderId;

const ROLE_LABELS = { creator: 'Creator', admin: 'Admin', member: 'Member' } as const;

export function GroupConversation({ engine, snap, conversationId, onShowReports, onLeft }: {
  engine: ChatEngine; snap: Snapshot; conversationId: string; onShowReports: () => void; onLeft: () => void;
}) {
  const group = engine.group(conversationId);
  const messages = snap.messages[conversationId] ?? [];
  const [showMembers, setShowMembers] = useState(false);
  const blocked = snap.standing !== null;

  useEffect(() => {
    void engine.markGroupRead(conversationId);
  }, [engine, conversationId, messages.length]);
  useEffect(() => {
    void engine.refreshGroup(conversationId).catch(() => undefined);
  }, [engine, conversationId]);

  if (!group) return null;
  const others = group.members.filter((m) => m.accountId !== snap.me).map((m) => m.accountId);

  return (
    <div className="group-layout">
      <section className="conversation" aria-labelledby="conv-title">
        <header className="conv-header">
          <div>
            <h1 id="conv-title" dir="auto">{group.name}</h1>
            <p className="conv-sub">
              <LockIcon size={12} /> Group · end-to-end encrypted ·{' '}
              {group.active ? `${group.members.length} members: ${['you', ...others].join(', ')}` : 'You are no longer a member'}
            </p>
          </div>
          <button type="button" aria-expanded={showMembers} aria-controls="group-members" onClick={() => setShowMembers((v) => !v)}>
            Members ({group.members.length})
          </button>
        </header>

        {group.forkedAt !== undefined && (
          <p className="warn-text" role="alert">
            Members of this group were shown different histories of who is in it (epoch {group.forkedAt}). Sending is stopped: compare safety numbers and start a new group.
          </p>
        )}
        {(group.refused ?? 0) > 0 && (
          <p className="conv-sub" data-testid="group-refused">
            {group.refused === 1 ? '1 group change' : `${group.refused} group changes`} that failed the group's checks (not signed by a member, or not allowed){' '}
            {group.refused === 1 ? 'was' : 'were'} dropped; nothing about the group changed.
          </p>
        )}
        <MessageLog
          engine={engine}
          snap={snap}
          messages={messages}
          label={`Messages in ${group.name}`}
          intro={<>Messages in this group are end-to-end encrypted with MLS: the server cannot read them, and only the creator and admins can change who is in the group — every member's app checks each change and shows who made it. Anyone can press <strong>Report</strong> on a message; you choose which messages moderators see.</>}
          showSender
          senderLabel={bySender}
          groupName={group.name}
          onShowReports={onShowReports}
        />

        <Composer
          label={`Message ${group.name}`}
          placeholder={`Message ${group.name}`}
          disabled={blocked || !group.active || group.forkedAt !== undefined}
          disabledText={group.active ? undefined : 'You are no longer a member of this group'}
          onSend={(text, file) => engine.sendGroup(conversationId, text, file)}
          draftKey={`${snap.me}/${conversationId}`}
        />
      </section>

      {showMembers && <Roster engine={engine} snap={snap} conversationId={conversationId} onLeft={onLeft} onClose={() => setShowMembers(false)} />}

    </div>
  );
}

function Roster({ engine, snap, conversationId, onLeft, onClose }: { engine: ChatEngine; snap: Snapshot; conversationId: string; onLeft: () => void; onClose: () => void }) {
  const group = engine.group(conversationId);
  const [handles, setHandles] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [safetyFor, setSafetyFor] = useState<string | null>(null);
  const [mismatch, setMismatch] = useState<Record<string, boolean>>({});
  const memberIds = group?.members.map((m) => m.accountId).join(',') ?? '';
  useEffect(() => {
    let live = true;
    void (async () => {
      const out: Record<string, boolean> = {};
      for (const id of memberIds.split(',')) if (id && id !== snap.me) out[id] = (await engine.groupKeyMatchesContact(conversationId, id)) === false;
      if (live) setMismatch(out);
    })();
    return () => {
      live = false;
    };
  }, [engine, conversationId, memberIds, snap.me]);
  if (!group) return null;
  const myRole = group.members.find((m) => m.accountId === snap.me)?.role;
  const canManage = myRole === 'creator' || myRole === 'admin';

  async function run(fn: () => Promise<void>) {
    setBusy(true);
    setError(null);
    try {
      await fn();
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  }
  async function add(e: FormEvent) {
    e.preventDefault();
    await run(async () => {
      await engine.addMembers(conversationId, handles);
      setHandles('');
    });
  }

  return (
    <aside id="group-members" className="roster" aria-labelledby="roster-title">
      <div className="roster-head">
        <h2 id="roster-title">Members</h2>
        <button type="button" className="link" onClick={onClose}>
          Close
        </button>
      </div>
      <p className="hint">Only the creator and admins can change who is in the group; every change is signed and shown in the conversation with who made it. Compare safety numbers to know each member is who they say.</p>
      <ul className="roster-list">
        {group.members.map((m) => {
          const isMe = m.accountId === snap.me;
          // Admins remove members; only the creator removes (and names) admins; nobody removes the creator.
          const canRemove = !isMe && canManage && m.role !== 'creator' && (m.role === 'member' || myRole === 'creator');
          return (
            <li key={m.accountId} data-member={m.accountId}>
              <span className="avatar small" aria-hidden="true">
                {m.accountId.slice(0, 1).toUpperCase()}
              </span>
              <span className="member-name">
                {isMe ? `${m.accountId} (you)` : m.accountId}
                <span className="role">{ROLE_LABELS[m.role]}</span>
                {mismatch[m.accountId] && <span className="warn-text"> Group key differs from your contact's identity key</span>}
              </span>
              {!isMe && (
                <button type="button" className="link" disabled={busy} aria-label={`Safety number with ${m.accountId}`}
                  onClick={() => void run(async () => {
                    if (!engine.contact(m.accountId)) await engine.addContact(m.accountId);
                    setSafetyFor(m.accountId);
                  })}>
                  Safety number
                </button>
              )}
              {myRole === 'creator' && !isMe && m.role !== 'creator' && (
                <button type="button" className="link" disabled={busy} onClick={() => void run(() => engine.setAdmin(conversationId, m.accountId, m.role !== 'admin'))}>
                  {m.role === 'admin' ? 'Remove admin' : 'Make admin'}
                </button>
              )}
              {canRemove && (
                <button type="button" className="link danger" disabled={busy} aria-label={`Remove ${m.accountId} from the group`} onClick={() => void run(() => engine.removeMember(conversationId, m.accountId))}>
                  Remove
                </button>
              )}
            </li>
          );
        })}
      </ul>
      {group.active && canManage && <RenameGroup engine={engine} conversationId={conversationId} name={group.name} />}
      {group.active && canManage && (
        <form onSubmit={add} className="roster-add">
          <label htmlFor="add-members">Add members by handle</label>
          <div className="row">
            <input id="add-members" value={handles} onChange={(e) => setHandles(e.target.value)} placeholder="e.g. sam, kim" autoComplete="off" />
            <button type="submit" disabled={busy || !handles.trim()}>
              Add
            </button>
          </div>
        </form>
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {safetyFor && <SafetyNumberDialog engine={engine} peerId={safetyFor} onClose={() => setSafetyFor(null)} />}
      {group.active && myRole !== 'creator' && (
        <button
          type="button"
          className="link danger"
          disabled={busy}
          onClick={() => {
            if (confirm(`Leave “${group.name}”? You will stop receiving its messages.`)) void run(async () => {
              await engine.removeMember(conversationId, snap.me as string);
              onLeft();
            });
          }}
        >
          Leave group
        </button>
      )}
    </aside>
  );
}

/** Creator and admins rename the group: franked and end-to-end encrypted like the first name (docs/PROTOCOL.md §12.11). */
function RenameGroup({ engine, conversationId, name }: { engine: ChatEngine; conversationId: string; name: string }) {
  const [value, setValue] = useState(name);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => setValue(name), [name]);
  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await engine.renameGroup(conversationId, value);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  }
  return (
    <form onSubmit={submit} className="rename">
      <label htmlFor="rename-group">Group name</label>
      <div className="row">
        <input id="rename-group" value={value} onChange={(e) => setValue(e.target.value)} maxLength={GROUP_NAME_MAX} autoComplete="off" aria-invalid={error ? true : undefined} aria-describedby={error ? 'rename-error' : undefined} />
        <button type="submit" disabled={busy || !value.trim() || value.trim() === name}>
          Rename
        </button>
      </div>
      {error && (
        <p id="rename-error" className="error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}
