// Bounded send load for the failure tests: senders post franked messages (with a clientMessageId, retried through
// another live process on a network error or 5xx, as a client behind a load balancer would), recipients receive
// through the SDK's PushChannel (client/transport/push.ts) reconnecting to whichever process is alive.
import { randomBytes } from 'node:crypto';
import { WebSocket } from 'ws';
import type { EnvelopeJson } from '../../client/transport/api.ts';
import { PushChannel, type WebSocketLike } from '../../client/transport/push.ts';
import { type TestUser, b64, createUser, directConversation, frankAndSeal } from '../server/_harness.ts';

export interface Pair {
  sender: TestUser;
  recipient: TestUser;
  conversationId: string;
  /** What the recipient application was handed, in order (envelope id, message id). */
  delivered: Array<{ id: string; messageId: string; stamp: EnvelopeJson['stamp'] }>;
  channel: PushChannel;
  /** Acknowledged sends: messageId → what a report needs. */
  acked: Map<string, { text: string; franked: ReturnType<typeof frankAndSeal>['franked'] }>;
}

export async function makePairs(urls: string[], n: number, alive: () => string[]): Promise<Pair[]> {
  const pairs: Pair[] = [];
  let rr = 0;
  for (let i = 0; i < n; i++) {
    const base = urls[i % urls.length]!;
    const [sender, recipient] = [await createUser(base), await createUser(base)];
    const conversationId = await directConversation(base, sender, recipient);
    const pair = { sender, recipient, conversationId, delivered: [], acked: new Map() } as unknown as Pair;
    pair.channel = new PushChannel({
      // a load balancer's choice: the next live process
      url: () => {
        const live = alive();
        return `${live[rr++ % live.length]!.replace(/^http/, 'ws')}/v1/stream`;
      },
      getToken: async () => recipient.token,
      onEnvelopes: async (envs) => {
        for (const e of envs) pair.delivered.push({ id: e.id, messageId: e.stamp.messageId, stamp: e.stamp });
        return envs.map((e) => e.id);
      },
      createSocket: (u) => new WebSocket(u) as unknown as WebSocketLike,
      minDelayMs: 50,
      maxDelayMs: 500,
    });
    pairs.push(pair);
  }
  return pairs;
}

async function postJson(url: string, body: unknown, token: string): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body), signal: AbortSignal.timeout(10_000) });
  return { status: res.status, json: (await res.json().catch(() => ({}))) as Record<string, unknown> };
}

/** One send, retried (same clientMessageId) through other live processes. Resolves to the message id if acknowledged. */
export async function sendWithRetry(pair: Pair, seq: number, alive: () => string[], tries = 6): Promise<string | null> {
  const text = `load ${pair.sender.id} #${seq}`;
  const { franked, ciphertext } = frankAndSeal(pair.conversationId, pair.sender.id, seq, text);
  const body = {
    conversationId: pair.conversationId, commitment: b64(franked.commitment), clientMessageId: `c${seq}-${randomBytes(4).toString('hex')}`,
    envelopes: [{ recipientId: pair.recipient.id, ciphertext: b64(ciphertext) }],
  };
  for (let t = 0; t < tries; t++) {
    const live = alive();
    const base = live[(seq + t) % live.length]!;
    try {
      const r = await postJson(`${base}/v1/messages`, body, pair.sender.token);
      if (r.status === 201) {
        const id = r.json.messageId as string;
        pair.acked.set(id, { text, franked });
        return id;
      }
      if (r.status < 500) throw new Error(`send refused: ${r.status} ${JSON.stringify(r.json)}`);
    } catch (e) {
      if (e instanceof Error && e.message.startsWith('send refused')) throw e;
      /* network error or 5xx: the process may be dying; retry elsewhere */
    }
    await new Promise((r) => setTimeout(r, 100 * (t + 1)));
  }
  return null;
}

/** Waits until every acknowledged message reached its recipient application (or `ms` passed). */
export async function settle(pairs: Pair[], ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const missing = pairs.some((p) => {
      const got = new Set(p.delivered.map((d) => d.messageId));
      for (const id of p.acked.keys()) if (!got.has(id)) return true;
      return false;
    });
    if (!missing || Date.now() > deadline) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Per pair: acknowledged messages not delivered, and messages handed to the application more than once. */
export function deliveryDefects(pairs: Pair[]): { lost: string[]; duplicated: string[] } {
  const lost: string[] = [];
  const duplicated: string[] = [];
  for (const p of pairs) {
    const count = new Map<string, number>();
    for (const d of p.delivered) count.set(d.messageId, (count.get(d.messageId) ?? 0) + 1);
    for (const id of p.acked.keys()) if (!count.has(id)) lost.push(id);
    for (const [id, n] of count) if (n > 1) duplicated.push(id);
  }
  return { lost, duplicated };
}
