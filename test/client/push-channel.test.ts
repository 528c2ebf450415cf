// The push channel's resume rules (client/transport/push.ts), with scripted sockets: after a connection dies, the
// server re-pushes what it has not seen acknowledged; the application gets each envelope once, the re-pushed ones
// are acknowledged again; 4403 stops, 1012 reconnects at once; reconnect delays back off with jitter. Node and Chromium.
import { describe, expect, it } from 'vitest';
import type { EnvelopeJson } from '../../client/transport/api.ts';
import { PushChannel, type WebSocketLike } from '../../client/transport/push.ts';

class FakeSocket implements WebSocketLike {
  readyState = 0;
  sent: string[] = [];
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: { code: number; reason: string }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  constructor(readonly url: string) {}
  send(data: string) {
    this.sent.push(data);
  }
  close(code = 1000, reason = '') {
    this.die(code, reason);
  }
  open() {
    this.readyState = 1;
    this.onopen?.({});
  }
  frame(f: unknown) {
    this.onmessage?.({ data: JSON.stringify(f) });
  }
  die(code: number, reason = '') {
    if (this.readyState === 3) return;
    this.readyState = 3;
    this.onclose?.({ code, reason });
  }
  acks(): string[] {
    return this.sent.map((s) => JSON.parse(s) as { type: string; ids?: string[] }).filter((f) => f.type === 'ack').flatMap((f) => f.ids ?? []);
  }
}

const env = (id: string) => ({ id, ciphertext: 'AA', commitment: 'AA', stamp: { messageId: `m-${id}` } }) as unknown as EnvelopeJson;
const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));

async function until(cond: () => boolean, ms = 2000) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await tick(5);
  }
}

function harness(opts: { minDelayMs?: number; maxDelayMs?: number } = {}) {
  const sockets: FakeSocket[] = [];
  const handed: string[] = [];
  const closes: number[] = [];
  const states: string[] = [];
  let n = 0;
  const channel = new PushChannel({
    url: () => `ws://server-${n++}/v1/stream`,
    getToken: async () => 'tok',
    onEnvelopes: async (envs) => {
      handed.push(...envs.map((e) => e.id));
      return envs.map((e) => e.id);
    },
    onClose: (c) => closes.push(c.code),
    onState: (s) => states.push(s),
    createSocket: (u) => {
      const s = new FakeSocket(u);
      sockets.push(s);
      return s;
    },
    minDelayMs: opts.minDelayMs ?? 1,
    maxDelayMs: opts.maxDelayMs ?? 5,
  });
  return { channel, sockets, handed, closes, states };
}

async function connect(h: ReturnType<typeof harness>, i: number) {
  await until(() => h.sockets.length > i);
  const s = h.sockets[i]!;
  s.open();
  s.frame({ type: 'ready' });
  return s;
}

describe('PushChannel resume', () => {
  it('hands each envelope to the application once when a dead connection is followed by a re-push', async () => {
    const h = harness();
    h.channel.start();
    const first = await connect(h, 0);
    first.frame({ type: 'envelopes', envelopes: [env('e1'), env('e2')] });
    // the process dies after the application stored e1, e2 but before its ack could be applied
    await until(() => h.handed.length === 2);
    first.die(1006);
    const second = await connect(h, 1);
    expect(second.url).not.toBe(first.url); // url() is asked again: a load balancer may choose another process
    second.frame({ type: 'envelopes', envelopes: [env('e1'), env('e2'), env('e3')] });
    await until(() => second.acks().length === 3);
    expect(h.handed).toEqual(['e1', 'e2', 'e3']);
    expect(second.acks().sort()).toEqual(['e1', 'e2', 'e3']);
    h.channel.stop();
  });

  it('does not acknowledge what the application did not accept, and hands it over again on the next connection', async () => {
    const sockets: FakeSocket[] = [];
    let accept = false;
    const handed: string[] = [];
    const channel = new PushChannel({
      url: 'ws://x/v1/stream', getToken: async () => 't', minDelayMs: 1, maxDelayMs: 2,
      onEnvelopes: async (envs) => {
        handed.push(...envs.map((e) => e.id));
        return accept ? envs.map((e) => e.id) : [];
      },
      createSocket: (u) => {
        const s = new FakeSocket(u);
        sockets.push(s);
        return s;
      },
    });
    channel.start();
    await until(() => sockets.length === 1);
    sockets[0]!.open();
    sockets[0]!.frame({ type: 'ready' });
    sockets[0]!.frame({ type: 'envelopes', envelopes: [env('x1')] });
    await until(() => handed.length === 1);
    expect(sockets[0]!.acks()).toEqual([]);
    sockets[0]!.die(1006);
    accept = true;
    await until(() => sockets.length === 2);
    sockets[1]!.open();
    sockets[1]!.frame({ type: 'ready' });
    sockets[1]!.frame({ type: 'envelopes', envelopes: [env('x1')] });
    await until(() => sockets[1]!.acks().length === 1);
    expect(handed).toEqual(['x1', 'x1']);
    channel.stop();
  });

  it('stops on 4403 (suspended or banned) and reports the close code', async () => {
    const h = harness();
    h.channel.start();
    const s = await connect(h, 0);
    s.frame({ type: 'error', code: 'account_banned' });
    s.die(4403, 'account_banned');
    await tick(30);
    expect(h.sockets).toHaveLength(1);
    expect(h.closes).toEqual([4403]);
    expect(h.states.at(-1)).toBe('stopped');
  });

  it('reconnects after 4401 (token ended) and at once after 1012 (server restarting)', async () => {
    const h = harness({ minDelayMs: 1, maxDelayMs: 5 });
    h.channel.start();
    (await connect(h, 0)).die(4401, 'invalid_token');
    (await connect(h, 1)).die(1012, 'server restarting');
    await connect(h, 2);
    expect(h.closes).toEqual([4401, 1012]);
    h.channel.stop();
  });

  it('backs off exponentially with jitter between failed attempts', async () => {
    const delays: number[] = [];
    const realSetTimeout = globalThis.setTimeout;
    const sockets: FakeSocket[] = [];
    const channel = new PushChannel({
      url: 'ws://x/v1/stream', getToken: async () => 't', onEnvelopes: async () => [], minDelayMs: 100, maxDelayMs: 1600,
      createSocket: (u) => {
        const s = new FakeSocket(u);
        sockets.push(s);
        return s;
      },
    });
    // Only the channel's reconnect timers are ≥ 75 ms here (the polling helper waits 5 ms).
    globalThis.setTimeout = ((fn: () => void, ms?: number) => {
      if ((ms ?? 0) >= 50) delays.push(ms ?? 0);
      return realSetTimeout(fn, (ms ?? 0) >= 50 ? 0 : ms);
    }) as typeof setTimeout;
    try {
      channel.start();
      for (let i = 0; i < 7; i++) {
        await until(() => sockets.length > i);
        sockets[i]!.die(1006);
      }
      await until(() => delays.length >= 7);
    } finally {
      globalThis.setTimeout = realSetTimeout;
      channel.stop();
    }
    const base = [100, 200, 400, 800, 1600, 1600, 1600];
    delays.slice(0, 7).forEach((d, i) => {
      expect(d).toBeGreaterThanOrEqual(base[i]! * 0.75);
      expect(d).toBeLessThanOrEqual(base[i]! * 1.25);
    });
    expect(new Set(delays.slice(4, 7)).size).toBeGreaterThan(1); // jitter: equal caps, different delays
  });
});
