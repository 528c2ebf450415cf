// Key transparency for MLS key packages (docs/TRANSPARENCY.md §6.4), in Node and Chromium: a claimed key package
// is added to a group only when its credential key is proven in the log for the account asked for. Each attack is
// a directory (and log) that lies: a credential key nobody logged, a proof for another account, key or kind, a
// forked head, and truncated or malformed proofs — refused with a typed error, never a crash or a silent accept.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type GroupIdentity, MlsGroup, generateCredentialKey, generateGroupKeyPackage, verifyClaimedKeyPackage } from '../../client/group/index.ts';
import { generateIdentity } from '../../client/session/identity.ts';
import {
  KIND_IDENTITY, KIND_MLS_CREDENTIAL, type KeyProof, decodeLeaf, encodeLeaf, MemoryHeadStore, TransparencyClient, TransparencyError, cosignatureToJson, identityBindingKey, treeHeadToJson,
} from '../../client/transparency/index.ts';
import { toBase64Url } from '../../client/protocol.ts';
import { MemoryLog } from '../transparency/_memory-log.ts';

const random = (n: number) => crypto.getRandomValues(new Uint8Array(n));
const who = (accountId: string): GroupIdentity => ({ accountId, identity: generateIdentity(), credentialKey: generateCredentialKey() });
/** The claim response's `transparency` member, as the server's JSON carries it. */
const json = (p: KeyProof) => ({
  leaf: toBase64Url(p.leaf), leafIndex: p.leafIndex, proof: p.proof.map(toBase64Url), head: treeHeadToJson(p.head), cosignatures: p.cosignatures.map(cosignatureToJson),
});
const clientOf = (log: MemoryLog, source = log) => new TransparencyClient({ logPublicKey: log.publicKey, source, store: new MemoryHeadStore() });
const refusal = async (p: Promise<unknown>) => {
  const e = await p.then(() => null, (x: unknown) => x);
  expect(e, 'expected a refusal').toBeInstanceOf(TransparencyError);
  return (e as TransparencyError).code;
};

/** A log with some other accounts, then bob's identity and credential bindings, then more. */
async function world() {
  const log = new MemoryLog();
  for (let i = 0; i < 5; i++) log.add({ accountId: `user-${i}`, kind: KIND_IDENTITY, key: random(64) });
  const bob = who('bob');
  const carol = who('carol');
  const bobIdentity = log.add({ accountId: 'bob', kind: KIND_IDENTITY, key: identityBindingKey(bob.identity.signingPublicKey, bob.identity.dhPublicKey) });
  const bobCredential = log.add({ accountId: 'bob', kind: KIND_MLS_CREDENTIAL, key: bob.credentialKey.publicKey });
  const carolCredential = log.add({ accountId: 'carol', kind: KIND_MLS_CREDENTIAL, key: carol.credentialKey.publicKey });
  for (let i = 5; i < 8; i++) log.add({ accountId: `user-${i}`, kind: KIND_IDENTITY, key: random(64) });
  const bobKp = (await generateGroupKeyPackage(bob)).bytes;
  return { log, bob, carol, bobIdentity, bobCredential, carolCredential, bobKp };
}

/** What the chat does: verify, then add. Returns the pending Commit, or throws the refusal. */
async function addVerified(kt: TransparencyClient, accountId: string, claimed: { keyPackage: Uint8Array; transparency?: unknown }, directory: Map<string, Uint8Array>) {
  const alice = who('alice');
  directory.set('alice', alice.identity.signingPublicKey);
  const g = await MlsGroup.create('conv-kt', alice, { resolveIdentity: (id) => directory.get(id) });
  const ok = await verifyClaimedKeyPackage(kt, accountId, claimed);
  return g.add([ok.keyPackage]);
}

describe('verifyClaimedKeyPackage: honest directory', () => {
  it('accepts a package whose credential key is proven for the account asked for, and the add goes ahead', async () => {
    const w = await world();
    const kt = clientOf(w.log);
    const ok = await verifyClaimedKeyPackage(kt, 'bob', { keyPackage: w.bobKp, transparency: json(w.log.prove(w.bobCredential)) });
    expect(ok.credentialKey).toEqual(w.bob.credentialKey.publicKey);
    expect(ok.proven).toMatchObject({ leafIndex: w.bobCredential, binding: { accountId: 'bob', kind: KIND_MLS_CREDENTIAL } });
    expect((await kt.newestHead())?.treeSize).toBe(w.log.tree.size);
    const pending = await addVerified(kt, 'bob', { keyPackage: w.bobKp, transparency: json(w.log.prove(w.bobCredential)) }, new Map([['bob', w.bob.identity.signingPublicKey]]));
    expect(pending.welcome).toBeInstanceOf(Uint8Array);
  });
});

describe('verifyClaimedKeyPackage: a lying directory', () => {
  it("a credential key that is not in the log is refused, although MLS alone would add it (bob's identity signs it)", async () => {
    const w = await world();
    // The server (or whoever holds bob's identity key for a moment) makes a package under a credential key nobody logged.
    const rogueKey = generateCredentialKey();
    const rogue = (await generateGroupKeyPackage({ ...w.bob, credentialKey: rogueKey })).bytes;
    const directory = new Map([['bob', w.bob.identity.signingPublicKey]]);
    // Without the proof check the add goes through: the test below is what stops it.
    const alice = who('alice');
    const g = await MlsGroup.create('conv-kt', alice, { resolveIdentity: (id) => (id === 'alice' ? alice.identity.signingPublicKey : directory.get(id)) });
    await expect(g.add([rogue])).resolves.toBeTruthy();
    const kt = clientOf(w.log);
    // no proof at all
    expect(await refusal(addVerified(kt, 'bob', { keyPackage: rogue }, directory))).toBe('missing_proof');
    expect(await refusal(addVerified(kt, 'bob', { keyPackage: rogue, transparency: null }, directory))).toBe('missing_proof');
    // the proof of bob's real credential key, attached to the rogue package
    expect(await refusal(addVerified(kt, 'bob', { keyPackage: rogue, transparency: json(w.log.prove(w.bobCredential)) }, directory))).toBe('binding_mismatch');
    // a leaf naming the rogue key with a proof that does not lead to the signed root
    const honest = w.log.prove(w.bobCredential);
    const forged = { ...honest, leaf: encodeLeaf({ ...decodeLeaf(honest.leaf), key: rogueKey.publicKey }) };
    expect(await refusal(addVerified(kt, 'bob', { keyPackage: rogue, transparency: json(forged) }, directory))).toBe('inclusion_failed');
    // Nothing was accepted on the way: the client still holds no head.
    expect(await kt.newestHead()).toBeUndefined();
  });

  it("carol's package with carol's valid proof, handed out for bob, is refused", async () => {
    const w = await world();
    const carolKp = (await generateGroupKeyPackage(w.carol)).bytes;
    const kt = clientOf(w.log);
    await expect(verifyClaimedKeyPackage(kt, 'carol', { keyPackage: carolKp, transparency: json(w.log.prove(w.carolCredential)) })).resolves.toBeTruthy();
    const e = await verifyClaimedKeyPackage(kt, 'bob', { keyPackage: carolKp, transparency: json(w.log.prove(w.carolCredential)) }).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'binding_mismatch' });
    expect((e as Error).message).toMatch(/handed out for bob names another account \(carol\)/);
  });

  it("a proof that binds bob's credential key to another account is refused", async () => {
    const w = await world();
    const i = w.log.add({ accountId: 'mallory', kind: KIND_MLS_CREDENTIAL, key: w.bob.credentialKey.publicKey });
    expect(await refusal(verifyClaimedKeyPackage(clientOf(w.log), 'bob', { keyPackage: w.bobKp, transparency: json(w.log.prove(i)) }))).toBe('binding_mismatch');
  });

  it('a proof of the identity kind instead of mls-credential is refused (the identity binding, or the same 32 bytes logged as an identity key)', async () => {
    const w = await world();
    const kt = clientOf(w.log);
    expect(await refusal(verifyClaimedKeyPackage(kt, 'bob', { keyPackage: w.bobKp, transparency: json(w.log.prove(w.bobIdentity)) }))).toBe('binding_mismatch');
    const i = w.log.add({ accountId: 'bob', kind: KIND_IDENTITY, key: w.bob.credentialKey.publicKey });
    expect(await refusal(verifyClaimedKeyPackage(kt, 'bob', { keyPackage: w.bobKp, transparency: json(w.log.prove(i)) }))).toBe('binding_mismatch');
  });

  it('a proof of a revocation of the key is refused', async () => {
    const w = await world();
    const i = w.log.add({ accountId: 'bob', kind: KIND_MLS_CREDENTIAL, key: w.bob.credentialKey.publicKey, action: 'revoke' });
    const e = await verifyClaimedKeyPackage(clientOf(w.log), 'bob', { keyPackage: w.bobKp, transparency: json(w.log.prove(i)) }).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'binding_mismatch', message: expect.stringMatching(/revokes/) });
  });

  it('a proof against a forked head is refused by a client that holds a head of the honest history', async () => {
    const w = await world();
    const fork = MemoryLog.forkOf(w.log, 6); // shares the log key and the first 6 leaves, then diverges
    const rogueMe = { ...w.bob, credentialKey: generateCredentialKey() };
    const rogue = (await generateGroupKeyPackage(rogueMe)).bytes;
    const i = fork.add({ accountId: 'bob', kind: KIND_MLS_CREDENTIAL, key: rogueMe.credentialKey.publicKey });
    for (let k = 0; k < 6; k++) fork.add({ accountId: `f-${k}`, kind: KIND_IDENTITY, key: random(64) });
    // In the fork the package is perfectly proven: a fresh client accepts it...
    await expect(verifyClaimedKeyPackage(clientOf(fork), 'bob', { keyPackage: rogue, transparency: json(fork.prove(i)) })).resolves.toBeTruthy();
    // ...a client that verified a key in the honest log first (same server, now answering from the fork) does not.
    const kt = clientOf(w.log, fork);
    await verifyClaimedKeyPackage(kt, 'bob', { keyPackage: w.bobKp, transparency: json(w.log.prove(w.bobCredential)) });
    expect(await refusal(verifyClaimedKeyPackage(kt, 'bob', { keyPackage: rogue, transparency: json(fork.prove(i)) }))).toBe('consistency_failed');
    // Same size, other root: a split view at once.
    const twin = MemoryLog.forkOf(w.log, w.log.tree.size - 1);
    const j = twin.add({ accountId: 'bob', kind: KIND_MLS_CREDENTIAL, key: rogueMe.credentialKey.publicKey });
    expect(twin.tree.size).toBe(w.log.tree.size);
    expect(await refusal(verifyClaimedKeyPackage(kt, 'bob', { keyPackage: rogue, transparency: json(twin.prove(j)) }))).toBe('split_view');
  });
});

describe('verifyClaimedKeyPackage: truncated and malformed input', () => {
  it('named malformed proofs get a clear malformed error', async () => {
    const w = await world();
    const kt = clientOf(w.log);
    const good = json(w.log.prove(w.bobCredential));
    const cases: Array<[string, unknown]> = [
      ['not an object', 'proof'],
      ['an array', [good]],
      ['empty object', {}],
      ['extra member', { ...good, extra: 1 }],
      ['leaf missing', { ...good, leaf: undefined }],
      ['negative index', { ...good, leafIndex: -1 }],
      ['fractional index', { ...good, leafIndex: 1.5 }],
      ['hash truncated', { ...good, proof: [good.proof[0]!.slice(0, 20), ...good.proof.slice(1)] }],
      ['hash not base64url', { ...good, proof: ['!'.repeat(43)] }],
      ['oversized proof', { ...good, proof: Array.from({ length: 107 }, () => good.proof[0]) }],
      ['oversized leaf', { ...good, leaf: 'A'.repeat(4000) }],
      ['head truncated signature', { ...good, head: { ...good.head, signature: good.head.signature.slice(0, 80) } }],
      ['head missing', { ...good, head: undefined }],
      ['cosignatures not a list', { ...good, cosignatures: 'x' }],
    ];
    for (const [name, transparency] of cases) {
      const e = await verifyClaimedKeyPackage(kt, 'bob', { keyPackage: w.bobKp, transparency }).catch((x: unknown) => x);
      expect(e, name).toBeInstanceOf(TransparencyError);
      expect((e as TransparencyError).code, name).toBe('malformed');
      expect((e as Error).message.length, name).toBeLessThan(300);
    }
    // Nothing above was accepted: the client's view did not move.
    expect(await kt.newestHead()).toBeUndefined();
  });

  it('every truncation of the key package bytes is refused as malformed', async () => {
    const w = await world();
    const kt = clientOf(w.log);
    const proof = json(w.log.prove(w.bobCredential));
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: w.bobKp.length - 1 }), async (n) => {
        expect(await refusal(verifyClaimedKeyPackage(kt, 'bob', { keyPackage: w.bobKp.slice(0, n), transparency: proof }))).toBe('malformed');
      }),
      { numRuns: 60 },
    );
  });

  it('every mutation of a valid proof is refused with a typed error (never a crash, never an accept)', async () => {
    const w = await world();
    const good = json(w.log.prove(w.bobCredential));
    const strings = ['leaf', 'head.rootHash', 'head.signature', 'head.logKeyId', ...good.proof.map((_, i) => `proof.${i}`)];
    const get = (o: Record<string, unknown>, path: string) => path.split('.').reduce<unknown>((x, k) => (x as Record<string, unknown>)[k], o);
    const set = (o: Record<string, unknown>, path: string, v: unknown) => {
      const keys = path.split('.');
      const parent = keys.slice(0, -1).reduce<unknown>((x, k) => (x as Record<string, unknown>)[k], o) as Record<string, unknown>;
      parent[keys.at(-1)!] = v;
    };
    const mutation = fc.oneof(
      // truncate a base64url field
      fc.record({ kind: fc.constant('truncate' as const), path: fc.constantFrom(...strings), keep: fc.nat() }),
      // flip one character of a base64url field to another base64url character
      fc.record({ kind: fc.constant('flip' as const), path: fc.constantFrom(...strings), at: fc.nat(), to: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.split('')) }),
      // change a number
      fc.record({ kind: fc.constant('number' as const), path: fc.constantFrom('leafIndex', 'head.treeSize', 'head.timestamp'), delta: fc.integer({ min: -3, max: 3 }).filter((d) => d !== 0) }),
      // drop an audit-path hash, or add one
      fc.record({ kind: fc.constant('path' as const), drop: fc.boolean() }),
      // a wrong type anywhere
      fc.record({ kind: fc.constant('type' as const), path: fc.constantFrom('leaf', 'leafIndex', 'proof', 'head', 'cosignatures', 'head.treeSize'), value: fc.constantFrom<unknown>(null, 7, 'x', [], {}, true) }),
    );
    await fc.assert(
      fc.asyncProperty(mutation, async (m) => {
        const p = structuredClone(good) as unknown as Record<string, unknown>;
        if (m.kind === 'truncate') {
          const s = get(p, m.path) as string;
          set(p, m.path, s.slice(0, m.keep % s.length));
        } else if (m.kind === 'flip') {
          const s = get(p, m.path) as string;
          const at = m.at % s.length;
          // the last character of a base64url string can carry unused bits: change it only to something that decodes differently
          if (s[at] === m.to || at === s.length - 1) return;
          set(p, m.path, s.slice(0, at) + m.to + s.slice(at + 1));
        } else if (m.kind === 'number') {
          set(p, m.path, (get(p, m.path) as number) + m.delta);
        } else if (m.kind === 'path') {
          const proof = p.proof as string[];
          if (m.drop) proof.pop();
          else proof.push(proof[0] as string);
        } else {
          if (JSON.stringify(get(p, m.path)) === JSON.stringify(m.value)) return; // not a mutation
          set(p, m.path, m.value);
        }
        // A fresh client each time: one whose view already holds the good head would refuse a mutated head for a
        // consistency reason; a fresh one must refuse it on its own merits.
        const kt = clientOf(w.log);
        const e = await verifyClaimedKeyPackage(kt, 'bob', { keyPackage: w.bobKp, transparency: p }).then(() => 'accepted', (x: unknown) => x);
        expect(e, JSON.stringify(m)).toBeInstanceOf(TransparencyError);
      }),
      { numRuns: 150 },
    );
  });
});

