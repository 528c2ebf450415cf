// Properties of the RFC 9162 tree code: every generated proof verifies, every mutation of a proof, index, size
// or root is rejected, and malformed input is a TransparencyError (never a crash, never a silent accept).
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  Frontier, MerkleTree, TransparencyError, consistencyProof, decodeGossip, decodeLeaf, decodeSignedTreeHead, encodeGossip, encodeLeaf, hashLeaf, inclusionProof,
  rootFromLeafHashes, treeHeadFromJson, verifyConsistency, verifyInclusion,
} from '../../client/transparency/index.ts';
import { MemoryLog } from './_memory-log.ts';

const leafHashes = (n: number) => Array.from({ length: n }, (_, i) => hashLeaf(Uint8Array.of(i & 0xff, i >> 8)));
function treeOf(n: number) {
  const t = new MerkleTree();
  for (const h of leafHashes(n)) t.appendLeafHash(h);
  return t;
}
const BIG = treeOf(300);

describe('inclusion proofs', () => {
  test('verify for every leaf of every size up to 70', () => {
    for (let n = 1; n <= 70; n++) {
      const root = BIG.root(n);
      expect(root).toEqual(rootFromLeafHashes(leafHashes(n)));
      for (let i = 0; i < n; i++) expect(verifyInclusion(BIG.leafHash(i), i, n, inclusionProof(BIG, i, n), root)).toBe(true);
    }
  });

  test('any mutation is rejected', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 300 }), fc.nat(), fc.nat(), fc.nat({ max: 255 }), (n, iRaw, which, bit) => {
        const i = iRaw % n;
        const proof = inclusionProof(BIG, i, n);
        const root = BIG.root(n);
        const leaf = BIG.leafHash(i);
        if (proof.length) {
          const p = proof.map((x) => x.slice());
          const k = which % p.length;
          (p[k] as Uint8Array)[bit % 32]! ^= 1 << (bit % 8);
          expect(verifyInclusion(leaf, i, n, p, root)).toBe(false);
          expect(verifyInclusion(leaf, i, n, proof.slice(0, -1), root)).toBe(false);
          expect(verifyInclusion(leaf, i, n, [...proof, proof[0]!], root)).toBe(false);
        }
        expect(verifyInclusion(leaf, (i + 1) % n, n, proof, root)).toBe(false);
        // (A proof re-used for another size under the same root can verify — RFC 9162 binds size and root
        // together in the signed head, which is why heads, not bare roots, are what clients accept.)
        expect(verifyInclusion(leaf, i, n, proof, BIG.root(n - 1))).toBe(false);
        expect(verifyInclusion(leaf, n, n, proof, root)).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  test('malformed proofs: wrong hash lengths and oversized proofs are TransparencyError("malformed")', () => {
    const root = BIG.root(10);
    expect(() => verifyInclusion(BIG.leafHash(1), 1, 10, [new Uint8Array(31)], root)).toThrow(TransparencyError);
    expect(() => verifyInclusion(BIG.leafHash(1), 1, 10, Array.from({ length: 200 }, () => new Uint8Array(32)), root)).toThrow(/at most/);
    expect(() => verifyInclusion(BIG.leafHash(1), 1, 10, 'xx' as never, root)).toThrow(TransparencyError);
    expect(verifyInclusion(BIG.leafHash(1), -1, 10, [], root)).toBe(false);
    expect(verifyInclusion(BIG.leafHash(1), 1.5, 10, [], root)).toBe(false);
  });
});

describe('consistency proofs', () => {
  test('verify for every pair of sizes up to 64', () => {
    for (let n = 0; n <= 64; n++)
      for (let m = 0; m <= n; m++) expect(verifyConsistency(m, n, BIG.root(m), BIG.root(n), consistencyProof(BIG, m, n))).toBe(true);
  });

  test('any mutation is rejected; a fork never verifies', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 299 }), fc.integer({ min: 1, max: 300 }), fc.nat(), (a, b, which) => {
        const [m, n] = a < b ? [a, b] : [b, a === b ? b + 1 : a];
        if (n > 300) return;
        const proof = consistencyProof(BIG, m, n);
        if (proof.length) {
          const p = proof.map((x) => x.slice());
          (p[which % p.length] as Uint8Array)[which % 32]! ^= 0x80;
          expect(verifyConsistency(m, n, BIG.root(m), BIG.root(n), p)).toBe(false);
          expect(verifyConsistency(m, n, BIG.root(m), BIG.root(n), proof.slice(1))).toBe(false);
        }
        // The right proof against wrong roots or sizes never verifies.
        expect(verifyConsistency(m, n, BIG.root(m + 1), BIG.root(n), proof)).toBe(false);
        expect(verifyConsistency(m, n, BIG.root(m), BIG.root(n - 1), proof)).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  test('a fork of the same length prefix is inconsistent', () => {
    const honest = new MemoryLog();
    for (let i = 0; i < 20; i++) honest.add({ accountId: `u${i}`, kind: 'identity', key: Uint8Array.of(i) });
    for (let cut = 1; cut < 20; cut++) {
      const fork = MemoryLog.forkOf(honest, cut);
      fork.add({ accountId: 'evil', kind: 'identity', key: Uint8Array.of(99) });
      const m = 20;
      const n = fork.tree.size;
      const [small, big] = n < m ? [fork, honest] : [honest, fork];
      const proof = consistencyProof(big.tree, small.tree.size, big.tree.size);
      expect(verifyConsistency(small.tree.size, big.tree.size, small.tree.root(), big.tree.root(), proof)).toBe(false);
    }
  });
});

describe('Frontier and MerkleTree', () => {
  test('the frontier reproduces every root, survives serialization, and truncate rolls back exactly', () => {
    const f = new Frontier();
    const hs = leafHashes(130);
    for (const [i, h] of hs.entries()) {
      f.append(h);
      expect(f.root()).toEqual(BIG.root(i + 1));
      const g = Frontier.from(f.toJSON());
      expect(g.root()).toEqual(f.root());
    }
    const t = treeOf(100);
    t.truncate(37);
    expect(t.root()).toEqual(BIG.root(37));
    for (const h of leafHashes(100).slice(37)) t.appendLeafHash(h);
    expect(t.root()).toEqual(BIG.root(100));
    expect(() => Frontier.from({ size: 5, nodes: [] })).toThrow(TransparencyError);
  });
});

describe('decoders: truncated, malformed, oversized → TransparencyError', () => {
  const log = new MemoryLog();
  log.add({ accountId: 'alice', kind: 'identity', key: new Uint8Array(64) });
  const head = log.signed.at(-1)!;
  const leaf = log.leaves[0]!;

  test('every truncation or extension of a leaf, a head or a gossip message is refused', () => {
    const gossip = encodeGossip([head, head]);
    const sth = gossip.subarray(2, 146);
    for (const [decode, bytes] of [[decodeLeaf, leaf], [decodeSignedTreeHead, sth], [decodeGossip, gossip]] as const) {
      for (let n = 0; n < bytes.length; n++) expect(() => decode(bytes.subarray(0, n))).toThrow(TransparencyError);
      expect(() => decode(Uint8Array.of(...bytes, 0))).toThrow(TransparencyError);
    }
    expect(() => decodeLeaf(new Uint8Array(5000))).toThrow(/exceeds/);
    expect(() => decodeGossip(Uint8Array.of(1, 9, ...new Uint8Array(9 * 144)))).toThrow(/count/);
  });

  test('random bytes never crash a decoder', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (b) => {
        for (const decode of [decodeLeaf, decodeSignedTreeHead, decodeGossip]) {
          try {
            decode(b);
          } catch (e) {
            expect(e).toBeInstanceOf(TransparencyError);
          }
        }
      }),
      { numRuns: 500 },
    );
  });

  test('leaf encode/decode round trip', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[A-Za-z0-9._:-]{1,64}$/), fc.stringMatching(/^[a-z0-9-]{1,32}$/), fc.uint8Array({ minLength: 1, maxLength: 1024 }),
        fc.constantFrom('publish' as const, 'revoke' as const), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
        (accountId, kind, key, action, timestamp) => {
          const b = { accountId, kind, key, action, timestamp };
          expect(decodeLeaf(encodeLeaf(b))).toEqual(b);
        },
      ),
    );
  });

  test('tree-head JSON: wrong types, lengths, extra fields and unsafe integers are refused', () => {
    const good = { logKeyId: 'A'.repeat(43), treeSize: 1, rootHash: 'A'.repeat(43), timestamp: 1, signature: 'A'.repeat(86) };
    expect(treeHeadFromJson(good).treeSize).toBe(1);
    for (const bad of [
      null, [], 'x', { ...good, extra: 1 }, { ...good, treeSize: -1 }, { ...good, treeSize: 2 ** 60 }, { ...good, treeSize: '1' }, { ...good, rootHash: 'A'.repeat(42) },
      { ...good, signature: 'A'.repeat(88) }, { ...good, logKeyId: '!'.repeat(43) }, { logKeyId: good.logKeyId },
    ])
      expect(() => treeHeadFromJson(bad)).toThrow(TransparencyError);
  });
});
