// Live push channel client (docs/API.md "Push channel", WebSocket /v1/stream). The token travels in the
// first frame, never in the URL. Reconnects with capped exponential backoff; envelopes not acknowledged on
// one connection are pushed again on the next, so a handler that fails simply does not ack.
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
  /** ws:// or wss:// URL of /v1/stream. */
  url: string;
  /** A current bearer token; called on every (re)connect, so it may log in again. */
  getToken: () => Promise<string>;
  /** Handles a batch; the channel acknowledges the ids this returns (those safely stored). */
  onEnvelopes: (envelopes: EnvelopeJson[]) => Promise<string[]>;
  /** Called on every state change. */
  onState?: (state: PushState) => void;
  /** The server closed with an error code (e.g. account_banned); the channel stops for 4403. */
  onServerError?: (code: string) => void;
  /** Socket factory; pass one in Node (e.g. `(url) => new WebSocket(url)` from `ws`). */
  createSocket?: WebSocketFactory;
  /** Backoff bounds in ms. */
  minDelayMs?: number;
  maxDelayMs?: number;
}

const OPEN = 1;

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
    const ws = this.createSocket(this.opts.url);
    this.socket = ws;
    ws.onopen = () => ws.send(JSON.stringify({ type: 'auth', token }));
    ws.onmessage = (ev) => {
      if (typeof ev.data !== 'string') return;
      let frame: { type?: string; envelopes?: EnvelopeJson[]; code?: string };
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
          const done = await this.opts.onEnvelopes(batch).catch(() => [] as string[]);
          if (done.length && ws.readyState === OPEN) ws.send(JSON.stringify({ type: 'ack', ids: done }));
        });
      } else if (frame.type === 'error' && typeof frame.code === 'string') {
        this.opts.onServerError?.(frame.code);
      }
    };
    ws.onerror = () => {};
    ws.onclose = (ev) => {
      if (this.socket === ws) this.socket = null;
      if (this.stopped) return;
      // 4403: suspended or banned. Reconnecting would only be refused again.
      if (ev.code === 4403) {
        this.stopped = true;
        this.opts.onState?.('stopped');
        return;
      }
      this.retry();
    };
  }

  private retry(): void {
    if (this.stopped) return;
    this.opts.onState?.('offline');
    const min = this.opts.minDelayMs ?? 500;
    const max = this.opts.maxDelayMs ?? 15_000;
    const delay = Math.min(max, min * 2 ** this.attempts++) * (0.75 + Math.random() * 0.5);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.connect();
    }, delay);
  }
}
