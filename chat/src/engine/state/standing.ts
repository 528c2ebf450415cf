// The standing slice: whether the moderators restricted this account (suspended, banned), learned from the server's
// refusals. A change of standing is announced once (`onRestricted`): the live channel stops, notices are fetched.
import { ApiError } from '@franking-chat/sdk';
import type { SnapshotStore, Standing } from './snapshot.ts';

export class AccountStanding {
  constructor(private readonly snapshot: SnapshotStore, private readonly onRestricted: () => void) {}

  get(): Standing | null {
    return this.snapshot.get().standing;
  }

  get restricted(): boolean {
    return this.get() !== null;
  }

  /** A suspended/banned answer: remember the standing, announce a change; true when `e` was one. */
  noteBlocked(e: unknown): boolean {
    if (!ApiError.is(e) || !e.isAccountBlocked) return false;
    const standing: Standing = { code: e.code as Standing['code'], detail: e.detail, suspendedUntil: e.problem?.suspendedUntil ?? null };
    if (this.get()?.code !== standing.code) {
      this.snapshot.set({ standing });
      this.onRestricted();
    }
    return true;
  }

  /** An appeal was upheld in the user's favour: the account may act again. */
  lifted(): void {
    this.snapshot.set({ standing: null });
  }

  /** The standing as the server's problem, for words about a send refused after the session ended (401). */
  asError(): ApiError | null {
    const s = this.get();
    if (!s) return null;
    const problem = { type: `urn:franking-chat:problem:${s.code}`, title: s.code, status: 403, detail: s.detail, code: s.code, ...(s.suspendedUntil ? { suspendedUntil: s.suspendedUntil } : {}) };
    return new ApiError(problem, problem);
  }
}
