// The owner hears of a rogue key fast (docs/TRANSPARENCY.md §6.3), against a real server: the chat's key-transparency
// part (chat/src/transparency.ts, as the engine wires it) with the SDK's push channel. The operator holds the log key
// and logs a key of its own for alice; her online client must raise "a key you did not create was published for your
// account" within 60 s — on the head the push channel announces, not on the 10-minute backstop. A head met in a key
// proof triggers the check too, and so does every start.
import { randomBytes } from 'node:crypto';
import { WebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KIND_IDENTITY } from '../../client/transparency/index.ts';
import { PushChannel, type WebSocketLike } from '../../client/transport/push.ts';
import { ChatTransparency, type KtView, MONITOR_INTERVAL_MS, type MetaStore } from '../../chat/src/transparency.ts';
import { type TestServer, startTestServer } from '../server/_harness.ts';
import { fetchProof, identityKeyOf, userWithBundle } from './_kt.ts';

let srv: TestServer;
beforeAll(async () => {
  srv = await startTestServer({}, { logLevel: 'warn' });
});
afterAll(async () => srv?.stop());

const memoryStore = (): (() => MetaStore) => {
  const m = new Map<string, unknown>();
  const store: MetaStore = { meta: async <T,>(k: string) => structuredClone(m.get(k)) as T | undefined, saveMeta: async (k, v) => void m.set(k, structuredClone(v)) };
  return () => store;
};

/** Waits for `pred` on the chat's view (changes are pushed through onChange), at most `ms`. */
function viewWatcher() {
  let view: KtView | null = null;
  const waiters = new Set<() => void>();
  return {
    onChange: (v: KtView) => {
      view = v;
      for (const w of waiters) w();
    },
    until: (pred: (v: KtView) => boolean, ms: number) =>
      new Promise<KtView>((resolve, reject) => {
        const check = () => {
          if (view && pred(view)) {
            waiters.delete(check);
            clearTimeout(t);
            resolve(view);
          }
        };
        const t = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`not within ${ms} ms; view: ${JSON.stringify(view)}`));
        }, ms);
        waiters.add(check);
        check();
      }),
  };
}
const foreign = (v: KtView) => v.alarms.some((a) => a.kind === 'foreign_key');

describe('own-key monitoring on every new head', () => {
  it('an online user is alarmed within 60 s of a rogue key being logged for the account (push-announced head)', async () => {
    expect(MONITOR_INTERVAL_MS).toBeGreaterThan(60_000); // the backstop alone would be too late
    const alice = await userWithBundle(srv.url);
    const watch = viewWatcher();
    const kt = new ChatTransparency(srv.url, memoryStore(), watch.onChange);
    kt.start(alice.id, () => [{ kind: KIND_IDENTITY, key: identityKeyOf(alice) }]);
    let isLive: () => void = () => {};
    const live = new Promise<void>((resolve) => (isLive = resolve));
    const push = new PushChannel({
      url: `${srv.url.replace('http', 'ws')}/v1/stream`,
      getToken: async () => alice.token,
      onEnvelopes: async () => [],
      onTreeHead: (h) => kt.headSeen(h), // as chat/src/engine.ts wires it
      onState: (s) => s === 'live' && isLive(),
      createSocket: (u) => new WebSocket(u) as unknown as WebSocketLike,
    });
    push.start();
    try {
      await live;
      const clean = await watch.until((v) => v.lastCheck !== null, 30_000); // the check at start
      expect(clean.alarms).toEqual([]);
      // The operator, holding the log key, logs its own identity key for alice.
      const t0 = Date.now();
      await srv.services.transparency.append([{ accountId: alice.id, kind: KIND_IDENTITY, key: randomBytes(64) }]);
      const alarmed = await watch.until(foreign, 60_000);
      const latencyMs = Date.now() - t0;
      expect(alarmed.alarms.find((a) => a.kind === 'foreign_key')?.text).toMatch(/a key you did not create was published for your account/i);
      expect(latencyMs).toBeLessThan(60_000);
      console.log(`own-key alarm latency (push-announced head): ${latencyMs} ms`);
    } finally {
      push.stop();
      kt.stop();
    }
  });

  it('a newer head met in a key proof triggers the check (no push channel)', async () => {
    const alice = await userWithBundle(srv.url);
    const bob = await userWithBundle(srv.url);
    const watch = viewWatcher();
    const kt = new ChatTransparency(srv.url, memoryStore(), watch.onChange);
    kt.start(alice.id, () => [{ kind: KIND_IDENTITY, key: identityKeyOf(alice) }]);
    try {
      await watch.until((v) => v.lastCheck !== null, 30_000);
      await srv.services.transparency.append([{ accountId: alice.id, kind: KIND_IDENTITY, key: randomBytes(64) }]);
      // alice's client fetches bob's key: its proof is against the new head, which the client accepts.
      const { bundle } = await fetchProof(srv.url, alice, bob.id);
      await kt.verifyBundle(bob.id, bundle as never);
      await watch.until(foreign, 60_000);
    } finally {
      kt.stop();
    }
  });

  it('every start checks: a key logged while the user was offline is found when the chat starts', async () => {
    const alice = await userWithBundle(srv.url);
    const store = memoryStore();
    const first = viewWatcher();
    const kt1 = new ChatTransparency(srv.url, store, first.onChange);
    kt1.start(alice.id, () => [{ kind: KIND_IDENTITY, key: identityKeyOf(alice) }]);
    await first.until((v) => v.lastCheck !== null, 30_000);
    kt1.stop();
    await srv.services.transparency.append([{ accountId: alice.id, kind: KIND_IDENTITY, key: randomBytes(64) }]);
    const again = viewWatcher();
    const kt2 = new ChatTransparency(srv.url, store, again.onChange);
    kt2.start(alice.id, () => [{ kind: KIND_IDENTITY, key: identityKeyOf(alice) }]);
    try {
      await again.until(foreign, 30_000);
    } finally {
      kt2.stop();
    }
  });
});
