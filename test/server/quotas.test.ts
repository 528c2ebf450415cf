// Quotas hold on every path, exactly, under concurrency (docs/SCALING.md "Quotas"; docs/API.md "Undelivered
// quota"): 1:1 sends, group messages and attachment uploads sent in parallel never store more than the quota.
// The same file runs on SQLite and (TEST_DATABASE=postgres) on PostgreSQL; test/cluster/quotas.test.ts runs the
// parallel sends across two processes.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../../client/transport/api.ts';
import { startBlobServer, uploadBlob } from '../attachments/_server.ts';
import { ServerMember } from '../groups/_server-member.ts';
import { type TestServer, api, b64, createUser, directConversation, frankAndSeal, isProblem } from './_harness.ts';

const LIMIT = 64 * 1024;

describe('undelivered-bytes quota under parallel sends', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startBlobServer({ quotaBytes: 1024 * 1024 }, { envelopeQuotaBytes: LIMIT });
  });
  afterAll(() => srv.stop());

  const pending = (senderId: string) => srv.services.envelopeQuota['repo'].pendingBytes(senderId, new Date());

  it('1:1: 24 parallel 10 KiB sends to someone who never fetches store at most the quota, and the rest get 429', async () => {
    const [alice, bob] = await Promise.all([createUser(srv.url), createUser(srv.url)]);
    const conv = await directConversation(srv.url, alice, bob);
    const ciphertext = b64(randomBytes(10 * 1024));
    const results = await Promise.all(
      Array.from({ length: 24 }, (_, i) => {
        const { franked } = frankAndSeal(conv, alice.id, i + 1, `m${i}`);
        return api(srv.url, 'POST', '/v1/messages', { conversationId: conv, commitment: b64(franked.commitment), envelopes: [{ recipientId: bob.id, ciphertext }] }, alice.token);
      }),
    );
    const accepted = results.filter((r) => r.status === 201).length;
    const refused = results.filter((r) => r.status === 429);
    expect(accepted).toBe(Math.floor(LIMIT / (10 * 1024)));
    expect(refused.length).toBe(24 - accepted);
    expect(refused.every((r) => isProblem(r) && r.json.code === 'undelivered_quota_exceeded' && typeof r.json.retryAfterSeconds === 'number')).toBe(true);
    expect(await pending(alice.id)).toBe(accepted * 10 * 1024);
  });

  it('groups: group messages count too — a member who never fetches cannot make the sender store more than the quota, sequential or parallel', async () => {
    const tag = randomBytes(3).toString('hex');
    const [alice, bob] = await Promise.all([ServerMember.create(`qg-a-${tag}`, srv.url), ServerMember.create(`qg-b-${tag}`, srv.url)]);
    const conv = await alice.createGroup();
    await alice.add(conv, [bob.id]);
    expect((await bob.sync()).map((r) => r.event.kind)).toEqual(['joined']); // bob joins, then never fetches again
    const big = 'x'.repeat(12 * 1024);
    // Sequential: the sends that do not fit are refused with the quota's problem.
    const seq: number[] = [];
    for (let i = 0; i < 8; i++) {
      try {
        await alice.send(conv, big);
        seq.push(201);
      } catch (e) {
        expect(ApiError.is(e, 'undelivered_quota_exceeded')).toBe(true);
        seq.push(429);
      }
    }
    expect(seq.filter((s) => s === 201).length).toBeGreaterThan(0);
    expect(seq.slice(-2)).toEqual([429, 429]);
    expect(await pending(alice.id)).toBeLessThanOrEqual(LIMIT);
    // Parallel, from a fresh sender: encrypted one after another (MLS state), posted all at once.
    const carol = await ServerMember.create(`qg-c-${tag}`, srv.url);
    const conv2 = await carol.createGroup();
    await carol.add(conv2, [bob.id]);
    const g = carol.group(conv2);
    const wires = [];
    for (let i = 0; i < 12; i++) wires.push((await g.send(new TextEncoder().encode(big))).message);
    const settled = await Promise.allSettled(wires.map((w) => carol.api.sendGroupMessage(conv2, w)));
    const ok = settled.filter((s) => s.status === 'fulfilled').length;
    expect(ok).toBeGreaterThan(0);
    expect(ok).toBeLessThan(12);
    expect(settled.every((s) => s.status === 'fulfilled' || ApiError.is(s.reason, 'undelivered_quota_exceeded'))).toBe(true);
    // Exact: within the quota, and no refusal of a message that would still have fitted (bob never fetches, so the
    // pending bytes only grew: a message refused at any moment does not fit at the end either).
    const final = await pending(carol.id);
    expect(final).toBeLessThanOrEqual(LIMIT);
    for (const [i, s] of settled.entries()) if (s.status === 'rejected') expect(final + (wires[i] as Uint8Array).length).toBeGreaterThan(LIMIT);
  });
});

describe('attachment quota under parallel uploads', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startBlobServer({ quotaBytes: 1024 * 1024 });
  });
  afterAll(() => srv.stop());

  it('20 parallel 100 KiB uploads under a 1 MiB quota store at most 1 MiB (10 accepted), the rest get 413 quota_exceeded', async () => {
    const [alice, bob] = await Promise.all([createUser(srv.url), createUser(srv.url)]);
    const conv = await directConversation(srv.url, alice, bob);
    // Every upload sends all but its last byte, then waits until all 20 got that far: the quota checks that follow
    // the transfers all run at the same moment (where a check-then-insert without a lock lets them all pass).
    let arrived = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    async function* body(): AsyncGenerator<Uint8Array> {
      const b = randomBytes(100 * 1024);
      yield b.subarray(0, b.length - 1);
      if (++arrived === 20) release();
      await gate;
      yield b.subarray(b.length - 1);
    }
    const results = await Promise.all(Array.from({ length: 20 }, () => uploadBlob(srv.url, alice, conv, body())));
    const accepted = results.filter((r) => r.status === 201).length;
    expect(accepted).toBe(10);
    expect(results.filter((r) => r.status === 413 && r.json?.code === 'quota_exceeded').length).toBe(10);
    expect(await srv.services.blobs['deps'].blobs.usage(alice.id)).toBe(10 * 100 * 1024);
  });
});
