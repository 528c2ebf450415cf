// Several tabs of the chat on one device (chat/README.md "Several tabs"). They share one IndexedDB; this keeps them consistent:
//   - changes are announced on a BroadcastChannel with the messages shown or changed (or the conversations changed
//     as a whole), and the other tabs read just those records (and the small contact and group lists), so a message
//     sent or received in one tab appears in the others at once, at a cost that does not grow with the history;
//   - state changes (ratchet, chains, prekeys) run under one Web Lock across tabs, so two tabs never advance
//     the same session from stale copies.
const CHANNEL = 'franking-chat/tabs';
const LOCK = 'franking-chat/state';

/** A message one tab showed (new, or changed in place of the same id or of `replaceId`). */
export interface ShownMessage {
  id: string;
  conversationId: string;
  replaceId?: string;
}

/**
 * What another tab changed: messages it showed, conversations changed as a whole (contacts and groups may have
 * changed with them; none named when only those did), or 'all' (re-read everything). A note of an older version of
 * the chat (the string "changed"), or one this version cannot read, counts as 'all'.
 */
export type TabChange = { conversations: readonly string[]; messages: readonly ShownMessage[] } | 'all';

/** The note on the channel. */
type Note = { kind: 'changed'; conversations: string[]; messages: ShownMessage[] } | { kind: 'changed'; all: true };

/** Changes not yet handled: the union of what was named (a message by its id: the later note's entry), or everything. */
type Pending = { conversations: Set<string>; messages: Map<string, ShownMessage> } | 'all';

const merge = (into: Pending | null, change: TabChange): Pending => {
  if (into === 'all' || change === 'all') return 'all';
  const p = into ?? { conversations: new Set<string>(), messages: new Map<string, ShownMessage>() };
  for (const c of change.conversations) p.conversations.add(c);
  for (const m of change.messages) {
    const replaceId = m.replaceId ?? p.messages.get(m.id)?.replaceId;
    p.messages.set(m.id, replaceId === undefined ? { id: m.id, conversationId: m.conversationId } : { id: m.id, conversationId: m.conversationId, replaceId });
  }
  return p;
};

const asChange = (p: Pending): TabChange => (p === 'all' ? 'all' : { conversations: [...p.conversations], messages: [...p.messages.values()] });

const isString = (x: unknown): x is string => typeof x === 'string';
const isShown = (x: unknown): x is ShownMessage => {
  const m = x as Partial<Record<keyof ShownMessage, unknown>> | null;
  return !!m && typeof m === 'object' && isString(m.id) && isString(m.conversationId) && (m.replaceId === undefined || isString(m.replaceId));
};

const parse = (data: unknown): TabChange => {
  const n = data as Partial<{ kind: unknown; conversations: unknown; messages: unknown }> | null;
  if (n && typeof n === 'object' && n.kind === 'changed' && Array.isArray(n.conversations) && n.conversations.every(isString) && Array.isArray(n.messages) && n.messages.every(isShown))
    return { conversations: n.conversations as string[], messages: n.messages as ShownMessage[] };
  return 'all';
};

export class TabSync {
  private readonly channel: BroadcastChannel | null;
  /** Changes of this tab not yet announced (one note per task). */
  private outgoing: Pending | null = null;
  /** Other tabs' changes not yet re-read; while a re-read runs, notes gather here for one more re-read after it. */
  private incoming: Pending | null = null;
  private reading = false;

  /** @param onRemoteChange Re-reads what another tab changed; while it runs, further notes make one more re-read after it (of their union), not one each. */
  constructor(onRemoteChange: (change: TabChange) => Promise<unknown> | void) {
    this.channel = typeof BroadcastChannel === 'undefined' ? null : new BroadcastChannel(CHANNEL);
    if (this.channel) this.channel.onmessage = (e: MessageEvent) => void this.reread(parse(e.data), onRemoteChange);
  }

  private async reread(change: TabChange, read: (change: TabChange) => Promise<unknown> | void): Promise<void> {
    this.incoming = merge(this.incoming, change);
    if (this.reading) return;
    this.reading = true;
    try {
      while (this.incoming) {
        const next = this.incoming;
        this.incoming = null;
        await Promise.resolve(read(asChange(next))).catch(() => undefined);
      }
    } finally {
      this.reading = false;
    }
  }

  /** Tells the other tabs that the store changed (coalesced to one note per task, naming everything changed in it). */
  changed(change: TabChange = 'all'): void {
    if (!this.channel) return;
    const first = this.outgoing === null;
    this.outgoing = merge(this.outgoing, change);
    if (!first) return;
    queueMicrotask(() => {
      const out = this.outgoing;
      this.outgoing = null;
      const change = out === null ? 'all' : asChange(out);
      const note: Note = change === 'all' ? { kind: 'changed', all: true } : { kind: 'changed', conversations: [...change.conversations], messages: [...change.messages] };
      this.channel?.postMessage(note);
    });
  }

  /** Runs `fn` holding the cross-tab state lock (plain call where Web Locks are missing). */
  static exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const locks = typeof navigator !== 'undefined' ? (navigator as Navigator & { locks?: LockManager }).locks : undefined;
    return locks ? (locks.request(LOCK, fn) as Promise<T>) : fn();
  }

  close(): void {
    this.channel?.close();
  }
}
