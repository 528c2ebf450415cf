// Live push channel client (docs/API.md "Push channel", WebSocket /v1/stream). The token travels in the
// first frame, never in the URL. Reconnects with capped exponential backoff and jitter (so clients of a process
// that died do not all return in the same instant); envelopes not acknowledged on one connection are pushed
// again on the next, so a handler that fails simply does not ack.
//
// Exactly once to the application: the server's database is the truth and re-pushes every envelope whose ack it
// has not applied — also those the application already stored when the process holding the socket died before
// the ack reached it. The channel remembers the ids the application accepted (the newest HANDLED_MEMORY of them)
// and, when one comes again, acknowledges it without handing it over a second time.
import type { SignedTreeHeadJson } from '../transparency/tree-head.ts';
import type { EnvelopeJson } from './api.ts';

/** The subset of the WHATWG WebSocket the channel uses (browsers' global, or `ws` in Node). */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}
/** Opens a socket to `url` (default: the global WebSocket). */
export type WebSocketFactory = (url: string) => WebSocketLike;

/** Channel state for a status indicator: live means envelopes arrive as they are sent. */
export type PushState = 'connecting' | 'live' | 'offline' | 'stopped';

/** Options of {@link PushChannel}. */
export interface PushChannelOptions {
  /** ws:// or wss:// URL of /v1/stream, or a function called on every (re)connect (e.g. to try another server). */
  url: string | (() => string);
  /** A current bearer token; called on every (re)connect, so it may log in again. */
  getToken: () => Promise<string>;
  /** Handles a batch; the channel acknowledges the ids this returns (those safely stored). */
  onEnvelopes: (envelopes: EnvelopeJson[]) => Promise<string[]>;
  /**
   * The server announced the key log's newest signed head (at connect, then each new one). Unverified: a hint to
   * run own-key monitoring now (docs/TRANSPARENCY.md §6.3), which fetches and verifies the head itself.
   */
  onTreeHead?: (head: SignedTreeHeadJson) => void;
  /**
   * The signed-in account logged a new device list (`listVersion`), announced to each of its current devices on any
   * server process (docs/PROTOCOL-devices.md D13.6). Unverified: a hint to fetch and verify the account's lists now
   * (D5.4, D7.4), which raises the alarm for a device this one did not link.
   */
  onDevices?: (info: { accountId: string; listVersion: number }) => void;
  /** Called on every state change. */
  onState?: (state: PushState) => void;
  /**
   * The server closed with an error code (e.g. account_banned, device_removed); the channel stops for 4403 and for
   * `device_removed`.
   */
  onServerError?: (code: string) => void;
  /**
   * Every close, with its code: 4401 token ended (logout, expiry: the channel reconnects with a fresh getToken()),
   * 4401 with reason `device_removed` (this device left the account's device list: the channel stops, since signing
   * in again would be refused — docs/PROTOCOL-devices.md D13.6), 4403 suspended or banned (the channel stops), 1012
   * server restarting (reconnects at once), 1006 connection lost.
   */
  onClose?: (info: { code: number; reason: string }) => void;
  /** Socket factory; pass one in Node (e.g. `(url) => new WebSocket(url)` from `ws`). */
  createSocket?: WebSocketFactory;
  /** Backoff bounds in ms. */
  minDelayMs?: number;
  maxDelayMs?: number;
}

const OPEN = 1;
/** How many accepted envelope ids the channel remembers to recognise a re-push. */
const HANDLED_MEMORY = 20_000;
/** Ids per ack frame (server limit 500). */
const ACK_MAX = 500;

/**
 * Live delivery over WebSocket /v1/stream (docs/API.md "Push channel"): the token goes in the first frame,
 * reconnects back off exponentially, and envelopes are acknowledged only after `onEnvelopes` stored them.
 */
export class PushChannel {
  private socket: WebSocketLike | null = null;
  private stopped = false;
  private attempts = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private queue: Promise<void> = Promise.resolve();
  private readonly createSocket: WebSocketFactory;
  /** Ids the application accepted (insertion order = age), to drop re-pushes after a reconnect. */
  private readonly handled = new Set<string>();

  constructor(private readonly opts: PushChannelOptions) {
    this.createSocket = opts.createSocket ?? ((url) => new WebSocket(url) as unknown as WebSocketLike);
  }

  /** Connects (and keeps reconnecting until {@link PushChannel.stop}). */
  start(): void {
    this.stopped = false;
    void this.connect();
  }

  /** Closes the socket and stops reconnecting. */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.socket?.close(1000, 'client stop');
    this.socket = null;
    this.opts.onState?.('stopped');
  }

  /** Reconnect at once (e.g. the page came back online). */
  reconnectNow(): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (!this.socket) void this.connect();
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    this.opts.onState?.('connecting');
    let token: string;
    try {
      token = await this.opts.getToken();
    } catch {
      return this.retry();
    }
    if (this.stopped) return;
    const ws = this.createSocket(typeof this.opts.url === 'function' ? this.opts.url() : this.opts.url);
    this.socket = ws;
    /** The error frame's code, sent just before the server closes. */
    let errorCode: string | null = null;
    ws.onopen = () => ws.send(JSON.stringify({ type: 'auth', token }));
    ws.onmessage = (ev) => {
      if (typeof ev.data !== 'string') return;
      let frame: { type?: string; envelopes?: EnvelopeJson[]; code?: string; head?: SignedTreeHeadJson; accountId?: unknown; listVersion?: unknown };
      try {
        frame = JSON.parse(ev.data) as typeof frame;
      } catch {
        return;
      }
      if (frame.type === 'ready') {
        this.attempts = 0;
        this.opts.onState?.('live');
      } else if (frame.type === 'envelopes' && Array.isArray(frame.envelopes)) {
        const batch = frame.envelopes;
        // One batch at a time, in arrival order: the ratchet needs messages processed sequentially.
        this.queue = this.queue.then(async () => {
          // Checked here, not on arrival: a re-push may arrive while the first copy is still being handled.
          const again = batch.filter((e) => this.handled.has(e.id)).map((e) => e.id);
          const fresh = batch.filter((e) => !this.handled.has(e.id));
          const done = fresh.length ? await this.opts.onEnvelopes(fresh).catch(() => [] as string[]) : [];
          for (const id of done) this.remember(id);
          const ids = [...again, ...done];
          for (let i = 0; i < ids.length && ws.readyState === OPEN; i += ACK_MAX) ws.send(JSON.stringify({ type: 'ack', ids: ids.slice(i, i + ACK_MAX) }));
        });
      } else if (frame.type === 'kt-head' && typeof frame.head === 'object' && frame.head !== null && Number.isSafeInteger(frame.head.treeSize)) {
        this.opts.onTreeHead?.(frame.head);
      } else if (frame.type === 'devices' && typeof frame.accountId === 'string' && Number.isSafeInteger(frame.listVersion) && (frame.listVersion as number) >= 1) {
        this.opts.onDevices?.({ accountId: frame.accountId, listVersion: frame.listVersion as number });
      } else if (frame.type === 'error' && typeof frame.code === 'string') {
        errorCode = frame.code;
        this.opts.onServerError?.(frame.code);
      }
    };
    ws.onerror = () => {};
    ws.onclose = (ev) => {
      if (this.socket === ws) this.socket = null;
      this.opts.onClose?.({ code: ev.code, reason: ev.reason });
      if (this.stopped) return;
      // 4403: suspended or banned; device_removed: this device is no longer the account's. Reconnecting would only be
      // refused again.
      if (ev.code === 4403 || (ev.code === 4401 && (ev.reason === 'device_removed' || errorCode === 'device_removed'))) {
        this.stopped = true;
        this.opts.onState?.('stopped');
        return;
      }
      // 1012: the server is restarting on purpose; another process takes the connection without a wait.
      if (ev.code === 1012) this.attempts = 0;
      this.retry();
    };
  }

  private remember(id: string): void {
    this.handled.delete(id);
    this.handled.add(id);
    if (this.handled.size > HANDLED_MEMORY) {
      const oldest = this.handled.values().next().value;
      if (oldest !== undefined) this.handled.delete(oldest);
    }
  }

  private retry(): void {
    if (this.stopped) return;
    this.opts.onState?.('offline');
    const min = this.opts.minDelayMs ?? 500;
    const max = this.opts.maxDelayMs ?? 15_000;
    // Capped exponential backoff with jitter (±25 %): clients of a dead process spread their reconnects.
    const delay = Math.min(max, min * 2 ** Math.min(this.attempts++, 30)) * (0.75 + Math.random() * 0.5);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.connect();
    }, delay);
  }
}
