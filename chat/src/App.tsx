// Page layout: welcome (register) or the chat: contacts on the left, the open conversation or "My reports".
import { KeyLogAlarms } from './KeyLog.tsx';
import { StaffBadge } from './StaffBadge.tsx';
import { useEffect, useState, useSyncExternalStore } from 'react';
import { Conversation } from './Conversation.tsx';
import { GroupConversation } from './GroupConversation.tsx';
import type { ChatEngine, Snapshot } from './engine.ts';
import { describeNotice, describeRestriction } from './labels.ts';
import { MyReports } from './MyReports.tsx';
import { StatementOfReasons } from './Statement.tsx';
import { Sidebar } from './Sidebar.tsx';
import { Welcome } from './Welcome.tsx';
import type { View } from './routes.ts';

const VIEW_KEY = 'franking-chat/view';

/** The open view survives a reload of this tab (sessionStorage: a new tab starts at the most recent chat). */
function savedView(): View | null {
  try {
    const v = JSON.parse(sessionStorage.getItem(VIEW_KEY) ?? 'null') as View | null;
    return v && (v.kind === 'chat' || v.kind === 'group' || v.kind === 'reports') ? v : null;
  } catch {
    return null;
  }
}

export function App({ engine }: { engine: ChatEngine }) {
  const snap = useSyncExternalStore(engine.subscribe, engine.getSnapshot);
  const [view, setViewState] = useState<View>(() => savedView() ?? { kind: 'chat', peerId: null });
  // Phones (styles.css, max-width 760px) show one pane at a time, as phone messengers do: the list, then the open
  // conversation with Back. A reload keeps the open pane. Wider screens show both; the class is then ignored.
  const [pane, setPane] = useState<'list' | 'main'>(() => (savedView() ? 'main' : 'list'));
  const openView = (v: View) => {
    setView(v);
    setPane(v.kind === 'chat' && v.peerId === null ? 'list' : 'main');
  };
  const backToList = () => {
    setPane('list');
    try {
      sessionStorage.removeItem(VIEW_KEY);
    } catch {
      // not persisted
    }
  };
  const setView = (v: View) => {
    setViewState(v);
    try {
      sessionStorage.setItem(VIEW_KEY, JSON.stringify(v));
    } catch {
      // not persisted: a reload opens the most recent chat
    }
  };

  // Open the most recent conversation once contacts or groups are known (message requests are not opened by themselves).
  useEffect(() => {
    if (view.kind !== 'chat' || view.peerId !== null) return;
    const c = snap.contacts.find((x) => !x.request);
    const g = snap.groups[0];
    if (g && (!c || g.lastActivity > c.lastActivity)) setView({ kind: 'group', conversationId: g.conversationId });
    else if (c) setView({ kind: 'chat', peerId: c.peerId });
  }, [snap.contacts, snap.groups, view]);

  if (snap.phase === 'loading') {
    return (
      <main className="center" aria-busy="true">
        <p>Opening your encrypted chats…</p>
      </main>
    );
  }
  if (snap.phase === 'welcome') return <Welcome engine={engine} banner={snap.banner} />;

  return (
    <div className={`app pane-${pane}`}>
      <Sidebar engine={engine} snap={snap} view={view} setView={openView} />
      <main className="main" id="main">
        <div className="phone-bar">
          <button type="button" className="back" onClick={backToList} aria-label="Back to Chats">
            <span aria-hidden="true">←</span> Chats
          </button>
          <span className={`conn conn-${snap.connection}`} aria-hidden="true">
            <span className="dot" /> {snap.standing ? 'Sending blocked' : snap.connection === 'live' ? 'Connected' : snap.connection === 'offline' ? 'Offline' : 'Connecting…'}
          </span>
        </div>
        <AccountBanner snap={snap} />
        <KeyLogAlarms engine={engine} snap={snap} />
        <StatementOfReasons engine={engine} snap={snap} />
        {snap.banner && (
          <p className="banner warn" role="status">
            {snap.banner}
          </p>
        )}
        {view.kind === 'reports' ? (
          <MyReports engine={engine} snap={snap} />
        ) : view.kind === 'group' ? (
          engine.group(view.conversationId) ? (
            <GroupConversation key={view.conversationId} engine={engine} snap={snap} conversationId={view.conversationId} onShowReports={() => setView({ kind: 'reports' })} onLeft={() => undefined} />
          ) : (
            <EmptyState />
          )
        ) : view.peerId && engine.contact(view.peerId) ? (
          <Conversation key={view.peerId} engine={engine} snap={snap} peerId={view.peerId} onShowReports={() => setView({ kind: 'reports' })} />
        ) : (
          <EmptyState />
        )}
      </main>
    </div>
  );
}

/** Suspended or banned: say so plainly, with the reason the moderators gave. */
function AccountBanner({ snap }: { snap: Snapshot }) {
  const own = snap.notices.filter((n) => n.kind !== 'report_outcome');
  const latest = own[own.length - 1];
  if (!snap.standing && !latest) return null;
  if (!snap.standing && latest) {
    // Only a warning (or a past decision): informative, not blocking.
    return (
      <section className="banner notice staff-notice" role="status" aria-label="Official notice from the franking-chat moderators">
        <StaffBadge /> {describeNotice(latest)}
      </section>
    );
  }
  const banned = snap.standing?.code === 'account_banned';
  return (
    <section className="banner blocked staff-notice" role="alert" aria-label="Your account is restricted">
      <StaffBadge /> <strong>{banned ? 'Your account has been banned.' : 'Your account is suspended.'}</strong>{' '}
      {latest && (latest.kind === 'ban' || latest.kind === 'suspension')
        ? describeRestriction(latest)
        : banned
          ? 'You can no longer send messages.'
          : `You cannot send messages${snap.standing?.suspendedUntil ? ` until ${new Date(snap.standing.suspendedUntil).toLocaleString()}` : ' for now'}.`}
      <span className="sub"> Your chats stay readable on this device.</span>
    </section>
  );
}

function EmptyState() {
  return (
    <section className="empty">
      <h1>No conversation open</h1>
      <p>Add someone by their handle on the left to start an end-to-end encrypted conversation, or start a group.</p>
      <ul className="promises">
        <li>The server only ever relays ciphertext: it cannot read your messages.</li>
        <li>If someone abuses you, press <strong>Report</strong> on their message. Only the messages you choose are revealed to moderators.</li>
        <li>Reports are verified: moderators can check that the sender really wrote exactly that text.</li>
      </ul>
    </section>
  );
}
