// Attacks on the log itself (docs/TRANSPARENCY.md §11): forks, split views between two people, rewritten
// history — each must be caught by a client's consistency check, the exchanged tree heads, or the auditor.
import { randomBytes } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { KIND_IDENTITY, MemoryHeadStore, TransparencyClient, auditLog, decodeGossip, encodeGossip, encodeLeaf } from '../../client/transparency/index.ts';
import { MemoryLog } from './_memory-log.ts';

const key = () => new Uint8Array(randomBytes(64));
function seeded(n: number): MemoryLog {
  const log = new MemoryLog();
  for (let i = 0; i < n; i++) log.add({ accountId: `user-${i}`, kind: KIND_IDENTITY, key: key() });
  return log;
}
const clientOf = (log: MemoryLog, source = log) => new TransparencyClient({ logPublicKey: log.publicKey, source, store: new MemoryHeadStore() });

describe('forked log', () => {
  test('a key proven in a fork is refused by a client that saw the honest history (consistency check)', async () => {
    const honest = seeded(10);
    const fork = MemoryLog.forkOf(honest, 6);
    const evil = key();
    const i = fork.add({ accountId: 'alice', kind: KIND_IDENTITY, key: evil });
    for (let k = 0; k < 8; k++) fork.add({ accountId: `f-${k}`, kind: KIND_IDENTITY, key: key() });
    honest.add({ accountId: 'alice', kind: KIND_IDENTITY, key: key() });
    // Bob first sees the honest log…
    const bob = clientOf(honest, fork); // …then the same server starts answering from the fork
    await bob.acceptHead(honest.signed.at(-1)!);
    await expect(bob.verifyKey(fork.prove(i), { accountId: 'alice', kind: KIND_IDENTITY, key: evil })).rejects.toMatchObject({ code: 'consistency_failed' });
  });

  test('equal sizes with different roots are a split view at once', async () => {
    const honest = seeded(5);
    const fork = MemoryLog.forkOf(honest, 4);
    fork.add({ accountId: 'alice', kind: KIND_IDENTITY, key: key() });
    const bob = clientOf(honest);
    await bob.acceptHead(honest.signed.at(-1)!);
    await expect(bob.acceptHead(fork.signed.at(-1)!)).rejects.toMatchObject({ code: 'split_view' });
  });

  test('a smaller head from a lagging process is fine when it is a prefix, refused when it is not', async () => {
    const honest = seeded(9);
    const bob = clientOf(honest);
    await bob.acceptHead(honest.signed.at(-1)!);
    await expect(bob.acceptHead(honest.signed[4]!)).resolves.toBeTruthy();
    expect((await bob.newestHead())?.treeSize).toBe(9);
    const fork = MemoryLog.forkOf(honest, 2);
    fork.add({ accountId: 'x', kind: KIND_IDENTITY, key: key() });
    await expect(bob.acceptHead(fork.signed.at(-1)!)).rejects.toMatchObject({ code: 'consistency_failed' });
  });
});

describe('split view between two people, found by gossip', () => {
  test('the server shows alice one history and bob another; the heads they exchange expose it', async () => {
    const honest = seeded(12);
    const fork = MemoryLog.forkOf(honest, 7);
    fork.add({ accountId: 'alice', kind: KIND_IDENTITY, key: key() });
    for (let k = 0; k < 6; k++) fork.add({ accountId: `f-${k}`, kind: KIND_IDENTITY, key: key() });
    const alice = clientOf(honest);
    const bob = clientOf(fork);
    await alice.acceptHead(honest.signed.at(-1)!);
    await bob.acceptHead(fork.signed.at(-1)!);
    // Alice → Bob inside their encrypted conversation (bytes exactly as on the wire).
    const wire = encodeGossip([(await alice.newestHead())!]);
    const [verdict] = await bob.checkPeerHeads(decodeGossip(wire));
    expect(verdict?.status).toBe('split_view');
    // And the other way round.
    const [back] = await alice.checkPeerHeads(decodeGossip(encodeGossip([(await bob.newestHead())!])));
    expect(back?.status).toBe('split_view');
  });

  test('consistent views agree, and the larger head advances the smaller view', async () => {
    const log = seeded(3);
    const alice = clientOf(log);
    await alice.acceptHead(log.signed.at(-1)!);
    log.add({ accountId: 'z', kind: KIND_IDENTITY, key: key() });
    const bob = clientOf(log);
    await bob.acceptHead(log.signed.at(-1)!);
    const [v] = await alice.checkPeerHeads([(await bob.newestHead())!]);
    expect(v?.status).toBe('consistent');
    expect((await alice.newestHead())?.treeSize).toBe(4);
  });

  test('a forged head in gossip (bad signature, other log) is not evidence and not adopted', async () => {
    const log = seeded(3);
    const alice = clientOf(log);
    await alice.acceptHead(log.signed.at(-1)!);
    const forged = { ...log.signed.at(-1)!, treeSize: 99 };
    const other = seeded(1).signed.at(-1)!;
    const verdicts = await alice.checkPeerHeads([forged, other]);
    expect(verdicts.map((v) => v.status)).toEqual(['invalid', 'other_log']);
    expect((await alice.newestHead())?.treeSize).toBe(3);
  });
});

describe('rewritten history', () => {
  test('re-signed rewritten history: a client that kept its head and an auditor that kept its state detect it', async () => {
    const honest = seeded(8);
    const auditor = await auditLog(honest, honest.publicKey);
    expect(auditor.ok).toBe(true);
    const client = clientOf(honest);
    await client.acceptHead(honest.signed.at(-1)!);
    // The server rebuilds the log from scratch with entry 3 replaced, and signs every head again.
    const fresh = new MemoryLog(honest.secret);
    honest.leaves.forEach((leaf, i) => (i === 3 ? fresh.add({ accountId: 'alice', kind: KIND_IDENTITY, key: key() }) : fresh.addLeaf(leaf)));
    fresh.add({ accountId: 'n', kind: KIND_IDENTITY, key: key() });
    const again = await auditLog(fresh, honest.publicKey, { previous: auditor.state! });
    expect(again.problems.map((p) => p.code)).toContain('history_rewritten');
    // Without memory the rewritten log is self-consistent: that is why clients and auditors keep state.
    expect((await auditLog(fresh, honest.publicKey)).ok).toBe(true);
    const c2 = new TransparencyClient({ logPublicKey: honest.publicKey, source: fresh, store: new MemoryHeadStore() });
    await c2.acceptHead(honest.signed.at(-1)!);
    await expect(c2.acceptHead(fresh.signed.at(-1)!)).rejects.toMatchObject({ code: 'consistency_failed' });
  });

  test('an entry changed under unchanged signed heads: the auditor finds the root mismatch from scratch', async () => {
    const log = seeded(6);
    const tampered = Object.assign(Object.create(log) as MemoryLog, {
      entries: async (s: number, l: number) => (await log.entries(s, l)).map((e) => (e.index === 2 ? { ...e, leaf: encodeLeaf({ accountId: 'alice', kind: KIND_IDENTITY, key: key(), action: 'publish', timestamp: 1 }) } : e)),
    });
    const report = await auditLog(tampered, log.publicKey);
    expect(report.ok).toBe(false);
    expect(report.problems.some((p) => p.code === 'root_mismatch' && (p.treeSize ?? 0) >= 3)).toBe(true);
  });

  test('a head with a broken signature is reported', async () => {
    const log = seeded(2);
    const broken = Object.assign(Object.create(log) as MemoryLog, {
      heads: async (a: number, l: number) => (await log.heads(a, l)).map((h) => (h.treeSize === 1 ? { ...h, signature: new Uint8Array(64) } : h)),
    });
    const report = await auditLog(broken, log.publicKey);
    expect(report.problems.map((p) => p.code)).toContain('bad_signature');
  });
});

