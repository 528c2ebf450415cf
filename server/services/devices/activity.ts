// "Last active" of each device (docs/PROTOCOL-devices.md D8.3), shown to the account's own devices only. The server
// already sees every authenticated request and push socket; it keeps only the start of the ACTIVITY_WINDOW_MS window
// in which a device was last seen, written at most once per window: this process remembers what it wrote (no query
// at all inside a window), and the conditional update keeps several processes to one row write per window.
import type { DeviceActivityRepo } from '../../data/device-activity.ts';

/** The coarseness of "last active": a time is stored rounded down to this window, and written at most once per window. */
export const ACTIVITY_WINDOW_MS = 10 * 60_000;
/** Entries this process remembers before it starts over (each costs one conditional update after a reset). */
const REMEMBER_MAX = 50_000;

export interface DeviceActivity {
  deviceId: number;
  /** ISO time: the start of the window the device was last seen in, or null (not seen since the server recorded it). */
  lastSeenAt: string | null;
}

export class DeviceActivityService {
  /** "account\0device" → the window start this process last wrote (or found written). */
  private readonly written = new Map<string, number>();
  /** Writes in flight, so that a read on this process sees the writes it started (a request's own, in particular). */
  private readonly inflight = new Set<Promise<unknown>>();

  constructor(
    private readonly repo: DeviceActivityRepo,
    private readonly onError: (err: unknown) => void = () => {},
  ) {}

  /**
   * Notes that the device made an authenticated request or opened a push socket at `now`. Never waits on the
   * database: null when this window is already written (no query), else the pending write (true: a row changed).
   */
  seen(accountId: string, deviceId: number, now = Date.now()): Promise<boolean> | null {
    const window = now - (now % ACTIVITY_WINDOW_MS);
    const key = `${accountId}\0${deviceId}`;
    if ((this.written.get(key) ?? -1) >= window) return null;
    if (this.written.size >= REMEMBER_MAX) this.written.clear();
    this.written.set(key, window);
    const p = this.repo.mark(accountId, deviceId, new Date(window)).catch((err: unknown) => {
      // Forget it, so a later request tries again; a failed write only leaves "last active" older.
      if (this.written.get(key) === window) this.written.delete(key);
      this.onError(err);
      return false;
    });
    this.inflight.add(p);
    void p.finally(() => this.inflight.delete(p));
    return p;
  }

  /** The account's current devices and when each was last active (an account without a device list: none). */
  async list(accountId: string): Promise<DeviceActivity[]> {
    if (this.inflight.size) await Promise.allSettled([...this.inflight]);
    return (await this.repo.current(accountId)).map((r) => ({ deviceId: r.deviceId, lastSeenAt: r.lastSeenAt ? r.lastSeenAt.toISOString() : null }));
  }
}
