// Bus: fire-and-forget messages between the server processes of one deployment (STYLE.md #14: shared state
// behind an interface, one in-memory and one shared implementation chosen at start).
//   memory — one process: handlers run in this process only.
//   redis  — Redis pub/sub (docs/SCALING.md "Why Redis pub/sub"): every process subscribed to a channel gets it.
// Delivery is at most once. Users of the bus therefore keep the truth in the database and re-read it when
// `onResync` fires (after the Redis connection came back: messages published meanwhile may be lost).
import { randomBytes } from 'node:crypto';
import type { Logger } from '../logger.ts';
import { type Redis, connectRedis, openRedis } from './redis.ts';

/** Channel on which a process whose publishes failed asks every process to re-read the database. */
const RESYNC_CHANNEL = 'bus:resync';

export type BusHandler = (message: string, fromThisProcess: boolean) => void;

export interface Subscription {
  ready: Promise<void>;
  close(): void;
}

export interface Bus {
  readonly kind: 'memory' | 'redis';
  /**
   * Publishes to every subscriber of `channel` in every process (this one included). Resolves once Redis has
   * handed it to the subscribers' connections, or failed (logged; never rejects).
   */
  publish(channel: string, message: string): Promise<void>;
  /** `ready` resolves once messages published from now on reach `handler` (for Redis: SUBSCRIBE acknowledged). */
  subscribe(channel: string, handler: BusHandler): Subscription;
  /** Called when messages may have been lost (the shared connection was re-established). */
  onResync(handler: () => void): () => void;
  /** Reachability for /readyz. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

class HandlerSets {
  private readonly byChannel = new Map<string, Set<BusHandler>>();
  add(channel: string, h: BusHandler): { first: boolean; remove: () => boolean } {
    let set = this.byChannel.get(channel);
    const first = !set;
    if (!set) this.byChannel.set(channel, (set = new Set()));
    set.add(h);
    return {
      first,
      remove: () => {
        set.delete(h);
        if (set.size > 0 || this.byChannel.get(channel) !== set) return false;
        this.byChannel.delete(channel);
        return true;
      },
    };
  }
  dispatch(channel: string, message: string, own: boolean): void {
    const set = this.byChannel.get(channel);
    if (set) for (const h of [...set]) h(message, own);
  }
}

export class MemoryBus implements Bus {
  readonly kind = 'memory' as const;
  private readonly handlers = new HandlerSets();
  publish(channel: string, message: string): Promise<void> {
    this.handlers.dispatch(channel, message, true);
    return Promise.resolve();
  }
  subscribe(channel: string, handler: BusHandler): Subscription {
    const { remove } = this.handlers.add(channel, handler);
    return { ready: Promise.resolve(), close: () => void remove() };
  }
  onResync(): () => void {
    return () => {};
  }
  async ping(): Promise<boolean> {
    return true;
  }
  async close(): Promise<void> {}
}

/**
 * Redis pub/sub. Each message is framed `<origin>\n<payload>` so a process can tell its own messages (which
 * it usually handled locally already) from others'. One subscriber connection per process; channels are
 * subscribed while at least one local handler wants them.
 */
export class RedisBus implements Bus {
  readonly kind = 'redis' as const;
  private readonly origin = randomBytes(6).toString('base64url');
  private readonly handlers = new HandlerSets();
  private readonly resync = new Set<() => void>();
  private publishFailed = false;
  /** Channel → its SUBSCRIBE in flight or done (later local subscribers wait for the same one). */
  private readonly pending = new Map<string, Promise<void>>();

  private constructor(
    private readonly pub: Redis,
    private readonly sub: Redis,
    private readonly prefix: string,
    private readonly logger: Logger,
  ) {
    sub.on('message', (channel: string, raw: string) => {
      const nl = raw.indexOf('\n');
      if (nl < 0 || !channel.startsWith(prefix)) return;
      this.handlers.dispatch(channel.slice(prefix.length), raw.slice(nl + 1), raw.slice(0, nl) === this.origin);
    });
    // ioredis re-subscribes on reconnect (autoResubscribe); what was published while it was away is gone. The
    // PING is answered after those SUBSCRIBEs (one connection, in order), so the listeners re-read the database
    // only once every later publish reaches them: nothing committed in between can be missed.
    sub.on('ready', () => {
      // (The first 'ready' happened in connect(), before this handler existed: every 'ready' here is a reconnect.)
      this.logger.warn('redis subscriber reconnected: resynchronising from the database');
      // ioredis emits 'ready' before it writes the re-SUBSCRIBEs: PING on the next turn, after them.
      setImmediate(() => void sub.ping().then(() => this.runResync(), () => this.runResync()));
    });
    // A publish that failed (Redis away from this process only) is made good by a resync everywhere once the
    // command connection is back: every process re-reads the database for its listeners.
    pub.on('ready', () => {
      if (!this.publishFailed) return;
      this.publishFailed = false;
      void this.publish(RESYNC_CHANNEL, '');
    });
    this.handlers.add(RESYNC_CHANNEL, () => this.runResync());
    void sub.subscribe(prefix + RESYNC_CHANNEL).catch(() => {});
    const warn = (what: string) => (e: Error) => this.logger.warn({ err: e }, `redis ${what} connection error`);
    pub.on('error', warn('command'));
    sub.on('error', warn('subscriber'));
  }

  static async connect(url: string, prefix: string, logger: Logger): Promise<{ bus: RedisBus; redis: Redis }> {
    const pub = openRedis(url, 'franking-cmd');
    // The subscriber queues nothing while offline (a stale SUBSCRIBE is re-issued by autoResubscribe anyway).
    const sub = openRedis(url, 'franking-sub', { enableAutoPipelining: false, maxRetriesPerRequest: null });
    await connectRedis(pub, url);
    await connectRedis(sub, url);
    return { bus: new RedisBus(pub, sub, prefix, logger), redis: pub };
  }

  private runResync(): void {
    for (const h of [...this.resync]) h();
  }

  publish(channel: string, message: string): Promise<void> {
    return this.pub.publish(this.prefix + channel, `${this.origin}\n${message}`).then(() => {
      if (!this.publishFailed) return;
      this.publishFailed = false;
      void this.publish(RESYNC_CHANNEL, '');
    }, (e: unknown) => {
      this.publishFailed = true;
      this.logger.warn({ err: e, channel: channel.replace(/:.*/, ':…') }, 'redis publish failed (the database stays the truth)');
    });
  }

  subscribe(channel: string, handler: BusHandler): Subscription {
    const { first, remove } = this.handlers.add(channel, handler);
    const full = this.prefix + channel;
    let ready = this.pending.get(full);
    if (first || !ready) {
      // Resolved either way: while Redis is away the subscription is re-issued on reconnect, and onResync
      // makes every listener re-read the database then.
      ready = this.sub.subscribe(full).then(() => undefined, () => undefined);
      this.pending.set(full, ready);
    }
    return {
      ready,
      close: () => {
        if (!remove()) return;
        this.pending.delete(full);
        this.sub.unsubscribe(full).catch(() => {});
      },
    };
  }

  onResync(handler: () => void): () => void {
    this.resync.add(handler);
    return () => this.resync.delete(handler);
  }

  async ping(): Promise<boolean> {
    try {
      return (await this.pub.ping()) === 'PONG' && this.sub.status === 'ready';
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    this.sub.disconnect();
    await this.pub.quit().catch(() => this.pub.disconnect());
  }
}
