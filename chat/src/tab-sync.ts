// Several tabs of the chat on one device (chat/README.md "Several tabs"). They share one IndexedDB; this keeps them consistent:
//   - changes are announced on a BroadcastChannel, and the other tabs re-read the store, so a message sent or
//     received in one tab appears in the others at once;
//   - state changes (ratchet, chains, prekeys) run under one Web Lock across tabs, so two tabs never advance
//     the same session from stale copies.
const CHANNEL = 'franking-chat/tabs';
const LOCK = 'franking-chat/state';

export class TabSync {
  private readonly channel: BroadcastChannel | null;
  private pending = false;

  /** A re-read after another tab's change is running; `again`: more changes were announced meanwhile. */
  private reading: { again: boolean } | null = null;

  /** @param onRemoteChange Re-reads the store; while it runs, further notes make one more re-read after it, not one each. */
  constructor(onRemoteChange: () => Promise<unknown> | void) {
    this.channel = typeof BroadcastChannel === 'undefined' ? null : new BroadcastChannel(CHANNEL);
    if (this.channel) this.channel.onmessage = () => void this.reread(onRemoteChange);
  }

  private async reread(read: () => Promise<unknown> | void): Promise<void> {
    if (this.reading) {
      this.reading.again = true;
      return;
    }
    const state: { again: boolean } = (this.reading = { again: true });
    try {
      while (state.again) {
        state.again = false;
        await Promise.resolve(read()).catch(() => undefined);
      }
    } finally {
      this.reading = null;
    }
  }

  /** Tells the other tabs that the store changed (coalesced to one note per task). */
  changed(): void {
    if (!this.channel || this.pending) return;
    this.pending = true;
    queueMicrotask(() => {
      this.pending = false;
      this.channel?.postMessage('changed');
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
