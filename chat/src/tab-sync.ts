// Several tabs of the chat on one device (chat/README.md "Several tabs"). They share one IndexedDB; this keeps them consistent:
//   - changes are announced on a BroadcastChannel with the conversations whose messages changed, and the other tabs
//     re-read those conversations (and the small contact and group lists), so a message sent or received in one tab
//     appears in the others at once, at a cost that does not grow with the rest of the history;
//   - state changes (ratchet, chains, prekeys) run under one Web Lock across tabs, so two tabs never advance
//     the same session from stale copies.
const CHANNEL = 'franking-chat/tabs';
const LOCK = 'franking-chat/state';

/**
 * What another tab changed: the conversations whose messages changed (contacts and groups may have changed with
 * them), or 'all' (re-read everything). A note of an older version of the chat (the string "changed") counts as 'all'.
 */
export type TabChange = { conversations: readonly string[] } | 'all';

/** The note on the channel. */
type Note = { kind: 'changed'; conversations: string[] } | { kind: 'changed'; all: true };

/** Changes not yet handled: the union of the conversations named, or everything. */
type Pending = Set<string> | 'all';

const merge = (into: Pending | null, change: TabChange): Pending => {
  if (into === 'all' || change === 'all') return 'all';
  const set = into ?? new Set<string>();
  for (const c of change.conversations) set.add(c);
  return set;
};

const parse = (data: unknown): TabChange => {
  const n = data as Partial<{ kind: string; conversations: unknown; all: unknown }> | null;
  if (n && typeof n === 'object' && n.kind === 'changed' && Array.isArray(n.conversations) && n.conversations.every((c) => typeof c === 'string'))
    return { conversations: n.conversations as string[] };
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
        await Promise.resolve(read(next === 'all' ? 'all' : { conversations: [...next] })).catch(() => undefined);
      }
    } finally {
      this.reading = false;
    }
  }

  /** Tells the other tabs that the store changed (coalesced to one note per task, naming every conversation changed in it). */
  changed(change: TabChange = 'all'): void {
    if (!this.channel) return;
    const first = this.outgoing === null;
    this.outgoing = merge(this.outgoing, change);
    if (!first) return;
    queueMicrotask(() => {
      const out = this.outgoing;
      this.outgoing = null;
      const note: Note = out === 'all' || out === null ? { kind: 'changed', all: true } : { kind: 'changed', conversations: [...out] };
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
