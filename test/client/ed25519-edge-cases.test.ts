// test/vectors/ed25519-edge-cases.json against every Ed25519 verifier of the SDK (docs/PROTOCOL.md §14.4), in Node and
// in Chromium: each crypto provider of the runtime (sync and async: noble, node, webcrypto), the shared strict
// function, and the two places that verify log signatures (tree heads, witness cosignatures). One rule: every
// verifier gives the vector's answer. The server's verifier runs the same file in test/server/ed25519-edge-cases.test.ts.
import { describe, expect, it } from 'vitest';
import { hexToBytes as bytes } from '@noble/hashes/utils.js';
// eslint-disable-next-line no-restricted-imports -- white-box: the SDK's one strict Ed25519 rule (§14.4) is this test's subject
import { ed25519VerifyStrict } from '../../client/crypto/_ed25519-verify.ts';
import { logKeyId, verifyCosignature, verifyTreeHead, witnessKeyId } from '../../client/transparency/index.ts';
import v from '../vectors/ed25519-edge-cases.json';
import { ASYNC, SYNC } from './_providers.ts';

const vectors = v.vectors.map((x) => ({ ...x, pub: bytes(x.publicKey), msg: bytes(x.message), sig: bytes(x.signature) }));
const names = <T extends { name: string }>(list: T[]) => list.map((p) => [p.name, p] as const);

describe('the vector file', () => {
  it('covers the categories verifiers disagree on, with both answers', () => {
    const cats = new Set(vectors.map((x) => x.category));
    for (const c of ['valid', 'noncanonical-s', 'small-order-a', 'noncanonical-a', 'noncanonical-r', 'small-order-r', 'mixed-order-a', 'mixed-order-r', 'length']) expect(cats).toContain(c);
    expect(vectors.filter((x) => x.category === 'small-order-a').length).toBeGreaterThanOrEqual(8);
    expect(vectors.some((x) => x.category === 'mixed-order-a' && x.valid)).toBe(true);
  });
});

describe.each(names(SYNC))('sync provider %s', (_n, p) => {
  it.each(vectors.map((x) => [x.id, x] as const))('%s', (_id, x) => {
    expect(p.ed25519Verify(x.pub, x.msg, x.sig)).toBe(x.valid);
  });
});

describe.each(names(ASYNC))('async provider %s', (_n, p) => {
  it.each(vectors.map((x) => [x.id, x] as const))('%s', async (_id, x) => {
    expect(await p.ed25519Verify(x.pub, x.msg, x.sig)).toBe(x.valid);
  });
});

describe('the shared strict function', () => {
  it.each(vectors.map((x) => [x.id, x] as const))('%s', (_id, x) => {
    expect(ed25519VerifyStrict(x.pub, x.msg, x.sig)).toBe(x.valid);
  });
});

// Tree heads and cosignatures sign structured bytes, so the vectors' messages cannot be fed through them; the
// vectors whose public key and signature are independent of the message (small-order A with R = identity, S = 0:
// "valid" for every message under a cofactorless verifier) are checked through them instead.
describe('log signatures: a small-order log or witness key never verifies', () => {
  const anyMessage = vectors.filter((x) => x.category === 'small-order-a' || x.category === 'noncanonical-a').filter((x) => x.sig.length === 64 && x.pub.length === 32);
  it.each(anyMessage.map((x) => [x.id, x] as const))('%s', (_id, x) => {
    const head = { logKeyId: logKeyId(x.pub), treeSize: 1, rootHash: new Uint8Array(32), timestamp: 0 };
    expect(() => verifyTreeHead({ ...head, signature: x.sig }, x.pub)).toThrow(/does not verify/);
    const cos = { witnessKeyId: witnessKeyId(x.pub), cosignedAt: 0, signature: x.sig };
    expect(verifyCosignature(head, cos, { name: 'w', publicKey: x.pub })).toBe(false);
  });
});
