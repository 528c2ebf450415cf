// In-process wake-up signals for long-poll waiters and push connections. It carries no data: listeners
// re-read their envelopes from the database. (Several server processes would need a shared signal,
// e.g. PostgreSQL LISTEN/NOTIFY; v1 runs one relay process per database.)
export type Wake = () => void;

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

  notify(userIds: Iterable<string>): void {
    for (const id of userIds) for (const wake of this.listeners.get(id) ?? []) wake();
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
      const unsubscribe = this.subscribe(userId, done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  get listenerCount(): number {
    let n = 0;
    for (const s of this.listeners.values()) n += s.size;
    return n;
  }
}
