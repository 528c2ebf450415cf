// Wake-up signals for long-poll waiters and push connections, in this process and across processes.
// A wake may carry the envelopes just committed for that user (`fresh`), so an up-to-date push connection can
// send them without reading them back; listeners that need more (long-poll, a push connection with a backlog)
// re-read the database, which is the truth: a wake lost on the way (Redis pub/sub is at most once) only delays
// a delivery until the next wake or reconnect, and after a Redis reconnect every listener re-reads at once.
//
// Across processes (docs/SCALING.md): one bus channel per recipient, `wake:<userId>`, subscribed by the
// processes holding a listener for that user (like Signal-Server's "messages available" keyspace channels).
// The message is the committed envelopes in wire form (ciphertext, commitment and recipient stamp; no
// plaintext ever exists here), or empty when they are too large to carry: the receiver then reads the database.
import { fromBase64Url, toBase64Url } from '../../../client/protocol.ts';
import type { Bus, Subscription } from '../../shared/bus.ts';
import { asBytes } from '../../data/_bytes.ts';
import type { Delivered } from './types.ts';

export type Wake = (fresh?: readonly Delivered[]) => void;

/** Above this many ciphertext bytes per user and batch, a wake carries no envelopes (the receiver reads them). */
const CARRY_MAX_BYTES = 256 * 1024;
const channelOf = (userId: string) => `wake:${userId}`;

// docs/PROTOCOL-devices.md D13.5: a copy adds its CopyAD clear fields (the wake is per account; each push socket keeps its device's copies).
type WireCopy = [targetDeviceId: number, senderDeviceId: number, copyKind: 1 | 2, senderListVersion: number, senderListHash: string, targetListVersion: number, targetListHash: string];
type WireEnvelope = [id: string, ciphertext: string, commitment: string, messageId: string, conversationId: string, senderId: string, serverTime: number, kid: string, tag: string, copy?: WireCopy];

const toWire = (d: Delivered): WireEnvelope => {
  const w: WireEnvelope = [
    d.id, toBase64Url(d.ciphertext), toBase64Url(d.commitment), d.stamp.messageId, d.stamp.conversationId, d.stamp.senderId, d.stamp.serverTime, d.stamp.kid, toBase64Url(d.stamp.tag),
  ];
  const c = d.copy;
  if (c) w.push([c.targetDeviceId, c.senderDeviceId, c.copyKind, c.senderListVersion, toBase64Url(c.senderListHash), c.targetListVersion, toBase64Url(c.targetListHash)]);
  return w;
};
const fromWire = (w: WireEnvelope, recipientId: string): Delivered => {
  const c = w[9];
  return {
    id: w[0],
    ciphertext: fromBase64Url(w[1]),
    commitment: fromBase64Url(w[2]),
    stamp: { messageId: w[3], conversationId: w[4], senderId: w[5], recipientId, role: c?.[2] === 2 ? 'sender' : 'recipient', serverTime: w[6], kid: w[7], tag: fromBase64Url(w[8]) },
    ...(c
      ? {
          copy: {
            targetDeviceId: c[0], senderDeviceId: c[1], copyKind: c[2], senderListVersion: c[3], senderListHash: asBytes(fromBase64Url(c[4])), targetListVersion: c[5], targetListHash: asBytes(fromBase64Url(c[6])),
          },
        }
      : {}),
  };
};

export class DeliveryHub {
  private readonly listeners = new Map<string, { wakes: Set<Wake>; sub: Subscription }>();

  constructor(private readonly bus: Bus) {
    bus.onResync(() => this.wakeAll());
  }

  /** Registers `wake` for `userId`; `ready` resolves once wakes from other processes reach it too. */
  listen(userId: string, wake: Wake): { ready: Promise<void>; close(): void } {
    let entry = this.listeners.get(userId);
    if (!entry) {
      const wakes = new Set<Wake>();
      const sub = this.bus.subscribe(channelOf(userId), (message, own) => {
        if (own) return; // this process woke its listeners directly in notify()
        let fresh: Delivered[] | undefined;
        if (message) {
          try {
            fresh = (JSON.parse(message) as WireEnvelope[]).map((w) => fromWire(w, userId));
          } catch {
            fresh = undefined; // a malformed payload still wakes: the listener re-reads the database
          }
        }
        for (const w of [...wakes]) w(fresh);
      });
      this.listeners.set(userId, (entry = { wakes, sub }));
    }
    const { wakes, sub } = entry;
    wakes.add(wake);
    return {
      ready: sub.ready,
      close: () => {
        wakes.delete(wake);
        if (wakes.size === 0 && this.listeners.get(userId) === entry) {
          this.listeners.delete(userId);
          sub.close();
        }
      },
    };
  }

  /** Local-only registration (kept for callers that do not need the cross-process ready signal). */
  subscribe(userId: string, wake: Wake): () => void {
    const l = this.listen(userId, wake);
    return () => l.close();
  }

  /** Whether this process builds `fresh` payloads: always with a shared bus (listeners may be elsewhere). */
  has(userId: string): boolean {
    return this.bus.kind !== 'memory' || this.listeners.has(userId);
  }

  /** Wakes the listeners of each user here and in every other process; `fresh` maps a user to its committed envelopes, in order. */
  /** Resolves once every other process has been told (or telling failed: the bus then resynchronises). */
  notify(userIds: Iterable<string>, fresh?: ReadonlyMap<string, readonly Delivered[]>): Promise<void> {
    const shared = this.bus.kind !== 'memory';
    const published: Array<Promise<void>> = [];
    for (const id of userIds) {
      const f = fresh?.get(id);
      const entry = this.listeners.get(id);
      if (entry) for (const wake of [...entry.wakes]) wake(f);
      if (!shared) continue;
      let bytes = 0;
      for (const d of f ?? []) bytes += d.ciphertext.length;
      published.push(this.bus.publish(channelOf(id), f && bytes <= CARRY_MAX_BYTES ? JSON.stringify(f.map(toWire)) : ''));
    }
    return published.length ? Promise.all(published).then(() => undefined) : Promise.resolve();
  }

  /** Every listener re-reads the database (after a bus reconnect). */
  wakeAll(): void {
    for (const { wakes } of [...this.listeners.values()]) for (const w of [...wakes]) w();
  }

  /** Resolves when `userId` gets mail, after `ms`, or when `signal` aborts, whichever is first. */
  waitFor(userId: string, ms: number, signal?: AbortSignal): Promise<void> {
    return this.waiter(userId, signal).wait(ms);
  }

  /**
   * Subscribe first, read second: `ready` resolves once a wake for `userId` from any process will be seen, so a
   * caller that reads the database after it and then calls `wait` cannot miss a send committed in between.
   */
  waiter(userId: string, signal?: AbortSignal): { ready: Promise<void>; wait(ms: number): Promise<void>; close(): void } {
    let woken = false;
    let resolveWait: (() => void) | null = null;
    const l = this.listen(userId, () => {
      woken = true;
      resolveWait?.();
    });
    return {
      ready: l.ready,
      close: () => l.close(),
      wait: (ms) =>
        new Promise<void>((resolve) => {
          if (woken || signal?.aborted) {
            l.close();
            return resolve();
          }
          const done = () => {
            clearTimeout(timer);
            l.close();
            signal?.removeEventListener('abort', done);
            resolve();
          };
          const timer = setTimeout(done, ms);
          resolveWait = done;
          signal?.addEventListener('abort', done, { once: true });
        }),
    };
  }

  get listenerCount(): number {
    let n = 0;
    for (const { wakes } of this.listeners.values()) n += wakes.size;
    return n;
  }
}
