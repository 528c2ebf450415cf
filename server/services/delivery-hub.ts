// In-process wake-up signals for long-poll waiters and push connections. A wake may carry the envelopes
// just committed for that user (`fresh`), so an up-to-date push connection can send them without reading
// them back; listeners that need more (long-poll, a push connection with a backlog) re-read the database.
// (Several server processes would need a shared signal, e.g. PostgreSQL LISTEN/NOTIFY; v1 runs one relay
// process per database.)
import type { Delivered } from './relay.ts';

export type Wake = (fresh?: readonly Delivered[]) => void;

export class DeliveryHub {
  private readonly listeners = new Map<string, Set<Wake>>();

  subscribe(userId: string, wake: Wake): () => void {
    let set = this.listeners.get(userId);
    if (!set) this.listeners.set(userId, (set = new Set()));
    set.add(wake);
    return () => {
      set.delete(wake);
      if (set.size === 0) this.listeners.delete(userId);
    };
  }

  /** Whether anyone waits for `userId` (lets the sender skip building `fresh` payloads nobody reads). */
  has(userId: string): boolean {
    return this.listeners.has(userId);
  }

  /** Wakes the listeners of each user; `fresh` (optional) maps a user to the envelopes just committed for it, in order. */
  notify(userIds: Iterable<string>, fresh?: ReadonlyMap<string, readonly Delivered[]>): void {
    for (const id of userIds) {
      const set = this.listeners.get(id);
      if (!set) continue;
      const f = fresh?.get(id);
      for (const wake of set) wake(f);
    }
  }

  /** Resolves when `userId` gets mail, after `ms`, or when `signal` aborts, whichever is first. */
  waitFor(userId: string, ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        unsubscribe();
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      const unsubscribe = this.subscribe(userId, () => done());
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  get listenerCount(): number {
    let n = 0;
    for (const s of this.listeners.values()) n += s.size;
    return n;
  }
}
