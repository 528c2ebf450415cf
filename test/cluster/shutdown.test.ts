// Graceful shutdown (docs/DEPLOY.md "Graceful shutdown"): SIGTERM to a server process under a send load loses no
// accepted message. Every send answered 201 is fetchable after a restart; a send in flight is either answered
// (201) or gets a clear refusal — 503 not_ready with Retry-After, or a refused/closed connection before anything
// was accepted — never a 500. Open push sockets close with 1012 (service restart) so clients reconnect elsewhere.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, b64, createUser, directConversation, frankAndSeal } from '../server/_harness.ts';
import { type PgDb, type ServerProcess, clusterEnv, freshPg, sleep, spawnServer } from './_cluster.ts';
import { openPush } from './_socket.ts';

let db: PgDb;
const procs: ServerProcess[] = [];
beforeAll(async () => {
  db = await freshPg();
});
afterAll(async () => {
  await Promise.all(procs.map((p) => p.stop()));
  await db?.drop();
});

describe('SIGTERM under load', () => {
  it('answers every send it accepted, refuses the rest clearly, closes push sockets with 1012, and loses nothing', async () => {
    const env = clusterEnv(db, { extra: { SHUTDOWN_GRACE_MS: '10000' } });
    const first = await spawnServer(env);
    procs.push(first);
    const [alice, bob] = await Promise.all([createUser(first.url), createUser(first.url)]);
    const conv = await directConversation(first.url, alice, bob);
    const push = await openPush(first.url, bob.token, { ack: false });

    const accepted: string[] = [];
    const refusals: Array<{ status: number; code?: string; retryAfter: string | null } | { network: string }> = [];
    let stop = false;
    let seq = 0;
    const sender = async () => {
      while (!stop) {
        const { franked, ciphertext } = frankAndSeal(conv, alice.id, ++seq, `shutdown ${seq}`);
        const body = { conversationId: conv, commitment: b64(franked.commitment), clientMessageId: randomBytes(8).toString('hex'), envelopes: [{ recipientId: bob.id, ciphertext: b64(ciphertext) }] };
        try {
          const res = await fetch(`${first.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${alice.token}` }, body: JSON.stringify(body) });
          const json = (await res.json()) as { messageId?: string; code?: string };
          if (res.status === 201 && json.messageId) accepted.push(json.messageId);
          else refusals.push({ status: res.status, code: json.code, retryAfter: res.headers.get('retry-after') });
        } catch (e) {
          refusals.push({ network: String((e as { cause?: { code?: string } }).cause?.code ?? e) });
          await sleep(20); // the process is gone: connection refused
        }
      }
    };
    const senders = Array.from({ length: 8 }, sender);
    while (accepted.length < 100) await sleep(20);
    const before = accepted.length;
    first.proc.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    const closed = await push.closed;
    stop = true;
    await Promise.all(senders);

    expect(closed.code).toBe(1012);
    for (const r of refusals) {
      if ('network' in r) continue; // refused or closed before any answer: the client retries with its clientMessageId
      expect(r).toMatchObject({ status: 503, code: 'not_ready' });
      expect(Number(r.retryAfter)).toBeGreaterThan(0);
    }
    expect(accepted.length).toBeGreaterThanOrEqual(before);

    // Restart: every accepted message is there for bob.
    const second = await spawnServer(env);
    procs.push(second);
    const stored = new Set<string>();
    for (;;) {
      const r = await api<{ envelopes: Array<{ id: string; stamp: { messageId: string } }> }>(second.url, 'GET', '/v1/messages?limit=500', undefined, bob.token);
      if (r.json.envelopes.length === 0) break;
      for (const e of r.json.envelopes) stored.add(e.stamp.messageId);
      await api(second.url, 'POST', '/v1/messages/ack', { ids: r.json.envelopes.map((e) => e.id) }, bob.token);
    }
    expect(accepted.filter((m) => !stored.has(m))).toEqual([]);
    // …and nothing was stored without its sender being told: running sends were answered before the sockets closed.
    expect([...stored].filter((m) => !accepted.includes(m))).toEqual([]);
  });
});
