// test/vectors/transparency.json (docs/TRANSPARENCY.md), checked two ways in Node and in Chromium: the SDK
// (encoders, proof generation and verification, signatures, wire formats) and an independent re-derivation of
// the RFC 9162 hashes straight from the spec text (MTH by recursion over the leaf list) that shares no code
// with client/transparency/merkle.ts.
import { describe, expect, it } from 'vitest';
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex as hex, hexToBytes as bytes, utf8ToBytes } from '@noble/hashes/utils.js';
import {
  MerkleTree, consistencyProof, cosignatureInput, decodeGossip, decodeLeaf, decodeSignedTreeHead, encodeLeaf, encodeSignedTreeHead, hashLeaf, inclusionProof, logKeyId,
  treeHeadSignatureInput, verifyConsistency, verifyCosignature, verifyInclusion, verifyTreeHead, witnessKeyId,
} from '../../client/transparency/index.ts';
import v from '../vectors/transparency.json';

// RFC 9162 §2.1.1, written out independently.
const cat = (...p: Uint8Array[]) => Uint8Array.from(p.flatMap((x) => [...x]));
const specLeaf = (leaf: Uint8Array) => sha256(cat(Uint8Array.of(0), leaf));
const specMth = (d: Uint8Array[]): Uint8Array => {
  if (d.length === 0) return sha256(new Uint8Array(0));
  if (d.length === 1) return specLeaf(d[0]!);
  let k = 1;
  while (k * 2 < d.length) k *= 2;
  return sha256(cat(Uint8Array.of(1), specMth(d.slice(0, k)), specMth(d.slice(k))));
};
const leafBytes = v.leaves.map((l) => bytes(l.leaf));
const tree = new MerkleTree();
for (const l of leafBytes) tree.appendLeafHash(hashLeaf(l));
const logPublic = bytes(v.logKey.publicKey);

describe('leaves (§3)', () => {
  it.each(v.leaves.map((l, i) => [i, l] as const))('leaf %i encodes, decodes and hashes as specified', (_i, l) => {
    const b = { ...l.binding, key: bytes(l.binding.key), action: l.binding.action as 'publish' | 'revoke' };
    expect(hex(encodeLeaf(b))).toBe(l.leaf);
    expect(decodeLeaf(bytes(l.leaf))).toEqual(b);
    expect(hex(hashLeaf(bytes(l.leaf)))).toBe(l.leafHash);
    expect(hex(specLeaf(bytes(l.leaf)))).toBe(l.leafHash);
  });
});

describe('roots and proofs (§4)', () => {
  it.each(v.roots.map((r) => [r.treeSize, r] as const))('root of size %i', (size, r) => {
    expect(hex(tree.root(size))).toBe(r.rootHash);
    expect(hex(specMth(leafBytes.slice(0, size)))).toBe(r.rootHash);
  });
  it.each(v.inclusion.map((p) => [p.leafIndex, p.treeSize, p] as const))('inclusion of leaf %i in size %i', (i, size, p) => {
    expect(inclusionProof(tree, i, size).map(hex)).toEqual(p.proof);
    const root = bytes(v.roots[size]!.rootHash);
    expect(verifyInclusion(bytes(v.leaves[i]!.leafHash), i, size, p.proof.map(bytes), root)).toBe(true);
  });
  it.each(v.consistency.map((p) => [p.first, p.second, p] as const))('consistency %i → %i', (a, b, p) => {
    expect(consistencyProof(tree, a, b).map(hex)).toEqual(p.proof);
    expect(verifyConsistency(a, b, bytes(v.roots[a]!.rootHash), bytes(v.roots[b]!.rootHash), p.proof.map(bytes))).toBe(true);
  });
});

describe('signatures and wire formats (§5, §7, §8)', () => {
  it('log key id', () => {
    expect(hex(ed25519.getPublicKey(bytes(v.logKey.secretSeed)))).toBe(v.logKey.publicKey);
    expect(hex(logKeyId(logPublic))).toBe(v.logKey.logKeyId);
    expect(hex(sha256(cat(utf8ToBytes('franking-chat/v1/kt-log-key\0'), logPublic)))).toBe(v.logKey.logKeyId);
  });
  it.each(v.treeHeads.map((h) => [h.treeSize, h] as const))('signed tree head of size %i', (_s, h) => {
    const head = decodeSignedTreeHead(bytes(h.wire));
    expect(head.treeSize).toBe(h.treeSize);
    expect(head.timestamp).toBe(h.timestamp);
    expect(hex(head.rootHash)).toBe(h.rootHash);
    expect(hex(treeHeadSignatureInput(head))).toBe(h.signatureInput);
    expect(hex(encodeSignedTreeHead(head))).toBe(h.wire);
    expect(() => verifyTreeHead(head, logPublic)).not.toThrow();
    expect(ed25519.verify(bytes(h.signature), bytes(h.signatureInput), logPublic)).toBe(true);
    expect(() => verifyTreeHead({ ...head, timestamp: head.timestamp + 1 }, logPublic)).toThrow(/does not verify/);
  });
  it('witness cosignature', () => {
    const c = v.cosignature;
    const head = decodeSignedTreeHead(bytes(v.treeHeads.at(-1)!.wire));
    const witness = { name: 'w', publicKey: bytes(v.witnessKey.publicKey) };
    expect(hex(witnessKeyId(witness.publicKey))).toBe(v.witnessKey.witnessKeyId);
    expect(hex(cosignatureInput(witnessKeyId(witness.publicKey), head, c.cosignedAt))).toBe(c.signatureInput);
    const cos = { witnessKeyId: bytes(c.wire).slice(0, 32), cosignedAt: c.cosignedAt, signature: bytes(c.signature) };
    expect(verifyCosignature(head, cos, witness)).toBe(true);
    expect(verifyCosignature({ ...head, treeSize: head.treeSize - 1 }, cos, witness)).toBe(false);
  });
  it('gossip message', () => {
    const heads = decodeGossip(bytes(v.gossip.wire));
    expect(heads.map((h) => h.treeSize)).toEqual(v.gossip.heads);
    for (const h of heads) expect(() => verifyTreeHead(h, logPublic)).not.toThrow();
  });
});
