// X3DH through an async provider (Session.initiateAsync / respondAsync / respondFrankedAsync): the protocol steps
// are written once (client/session/_session-steps.ts) and run by either runner, so the async path must give the
// sync path's bytes, draws and errors, and must really compute X3DH with the async provider (not quietly with the
// sync one). Node and Chromium (WebCrypto X25519/Ed25519/HKDF where the platform has them).
import { describe, expect, it } from 'vitest';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { frankMessage } from '../../client/franking/franking.ts';
import { generateIdentity } from '../../client/session/identity.ts';
import { type FetchedPreKeyBundle, PreKeyStore } from '../../client/session/prekeys.ts';
import { SessionError, type SessionErrorCode } from '../../client/session/session-errors.ts';
import { Session } from '../../client/session/session.ts';
import { type AsyncCryptoProvider, type CryptoProvider, nobleCryptoProvider } from '../../client/crypto/index.ts';
import { ASYNC } from './_providers.ts';

const te = new TextEncoder();
const td = new TextDecoder();
const NOW = 1795348800000;
const b64u = (x: Uint8Array) => btoa(String.fromCharCode(...x)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

/** Deterministic draws: SHA-256(label ‖ counter), so two runs of the same steps draw the same bytes. */
function seeded(label: string): (n: number) => Uint8Array {
  let i = 0;
  return (n) => {
    const out = new Uint8Array(n);
    for (let at = 0; at < n; at += 32) out.set(sha256(te.encode(`${label}/${i++}`)).subarray(0, Math.min(32, n - at)), at);
    return out;
  };
}

type Counts = Record<string, number>;
/** A copy of `p` whose methods named in `watched` count their calls, then forward them (providers are frozen). */
function counting<P extends object>(p: P, watched: readonly string[]): { provider: P; counts: Counts } {
  const counts: Counts = {};
  const provider = { ...p } as Record<string, unknown>;
  for (const key of watched) {
    const f = (p as Record<string, unknown>)[key] as (...a: unknown[]) => unknown;
    provider[key] = (...args: unknown[]) => {
      counts[key] = (counts[key] ?? 0) + 1;
      return f(...args);
    };
  }
  return { provider: provider as P, counts };
}
const PUBLIC_KEY_AND_KDF = ['x25519', 'x25519PublicKey', 'hkdfSha256', 'ed25519Verify', 'ed25519Sign', 'ed25519PublicKey'];
const countingAsync = (p: AsyncCryptoProvider) => counting(p, PUBLIC_KEY_AND_KDF);
/** The sync provider's public-key and KDF calls (none may happen while the async provider runs X3DH). */
const countingSync = (p: CryptoProvider) => counting(p, PUBLIC_KEY_AND_KDF);

function setup(tag: string) {
  const bobId = generateIdentity(seeded(`${tag}/bob-id`));
  const aliceId = generateIdentity(seeded(`${tag}/alice-id`));
  const store = PreKeyStore.create(bobId, { now: NOW, oneTimePreKeys: 2, randomBytes: seeded(`${tag}/bob-prekeys`) });
  const up = store.bundle(bobId);
  const bundle: FetchedPreKeyBundle = {
    identitySigningKey: up.identitySigningKey,
    identityDhKey: up.identityDhKey,
    signedPreKey: up.signedPreKey,
    oneTimePreKey: up.oneTimePreKeys[0] as { id: number; publicKey: string },
  };
  return { bobId, aliceId, store, bundle };
}

async function codeOf(p: Promise<unknown>): Promise<SessionErrorCode> {
  const e = await p.then(() => new Error('expected a rejection'), (x: unknown) => x);
  expect(e, String(e)).toBeInstanceOf(SessionError);
  return (e as SessionError).code;
}

describe.each(ASYNC.map((p) => [p.name, p] as const))('X3DH through the async provider %s', (_name, asyncProvider) => {
  it('initiateAsync / respondAsync give the sync bytes and draws, computed by the async provider', async () => {
    // Reference: the sync path.
    const ref = setup('x3dh');
    const aliceSync = Session.initiate(ref.aliceId, ref.bundle, { randomBytes: seeded('alice-session') });
    const firstSync = aliceSync.encrypt(te.encode('hello'));
    const bobSync = Session.respond(ref.bobId, ref.store, firstSync, { randomBytes: seeded('bob-session') });
    const bobSyncState = bytesToHex(bobSync.session.serialize());
    const replySync = bobSync.session.encrypt(te.encode('hi'));

    const run = setup('x3dh');
    const a = countingAsync(asyncProvider);
    const s = countingSync(nobleCryptoProvider);
    const alice = await Session.initiateAsync(run.aliceId, run.bundle, a.provider, { randomBytes: seeded('alice-session'), crypto: s.provider });
    // Bundle signature, EK_A and its public key, DH1–DH4, the X3DH KDF, then DHs's public key, DH and KDF_RK.
    expect(a.counts).toEqual({ ed25519Verify: 1, x25519PublicKey: 2, x25519: 5, hkdfSha256: 2 });
    expect(s.counts).toEqual({});
    const first = alice.encrypt(te.encode('hello'));
    expect(bytesToHex(first)).toBe(bytesToHex(firstSync));

    const b = countingAsync(asyncProvider);
    const bs = countingSync(nobleCryptoProvider);
    const bob = await Session.respondAsync(run.bobId, run.store, first, b.provider, { randomBytes: seeded('bob-session'), crypto: bs.provider });
    // DH1–DH4 and the X3DH KDF; then the first DH ratchet step's two DHs and the new key pair (decryptAsync).
    expect(b.counts).toEqual({ x25519: 6, hkdfSha256: 1, x25519PublicKey: 1 });
    expect(bs.counts.x25519 ?? 0).toBe(0);
    expect(td.decode(bob.plaintext)).toBe('hello');
    expect(bytesToHex(bob.session.serialize())).toBe(bobSyncState);
    const reply = bob.session.encrypt(te.encode('hi'));
    expect(bytesToHex(reply)).toBe(bytesToHex(replySync));
    expect(td.decode(alice.decrypt(reply))).toBe('hi');
    expect(bytesToHex(alice.serialize())).toBe(bytesToHex((aliceSync.decrypt(replySync), aliceSync.serialize())));
    // The one-time prekey was consumed, as by respond.
    expect(run.store.oneTimePreKey(run.bundle.oneTimePreKey?.id as number)).toBeUndefined();
  });

  it('respondFrankedAsync opens the commitment and gives respondFranked\'s session', async () => {
    const run = setup('franked');
    const alice = await Session.initiateAsync(run.aliceId, run.bundle, asyncProvider, { randomBytes: seeded('alice') });
    const franked = frankMessage({ conversationId: 'c-1', senderId: 'alice', seq: 1, sentAt: NOW }, te.encode('franked hello'), { randomBytes: seeded('fk') });
    const envelope = alice.sendFranked(franked);
    const ref = setup('franked');
    const sync = Session.respondFranked(ref.bobId, ref.store, envelope, { randomBytes: seeded('bob'), expect: { senderId: 'alice' } });
    const r = await Session.respondFrankedAsync(run.bobId, run.store, envelope, asyncProvider, { randomBytes: seeded('bob'), expect: { senderId: 'alice' } });
    expect(r.receipt.status).toBe('accepted');
    if (r.receipt.status === 'accepted') expect(td.decode(r.receipt.message.body)).toBe('franked hello');
    expect(bytesToHex(r.session.serialize())).toBe(bytesToHex(sync.session.serialize()));
    // A header that disagrees with the transport is dropped, as in the sync path.
    const again = setup('franked');
    const dropped = await Session.respondFrankedAsync(again.bobId, again.store, envelope, asyncProvider, { randomBytes: seeded('bob'), expect: { senderId: 'mallory' } });
    expect(dropped.receipt.status).toBe('dropped');
  });

  it('fails as the sync path does: forged bundle, low-order one-time prekey, unknown prekey, tampered first message', async () => {
    const run = setup('errors');
    const forged = { ...run.bundle, signedPreKey: { ...run.bundle.signedPreKey, id: 99 } };
    expect(await codeOf(Session.initiateAsync(run.aliceId, forged, asyncProvider))).toBe('bad_signature');
    // The one-time prekey is not signed: a directory could hand out a low-order point. u = 0 is one (RFC 7748 §6.1).
    const lowOrder = { ...run.bundle, oneTimePreKey: { id: 1, publicKey: b64u(new Uint8Array(32)) } };
    expect(await codeOf(Session.initiateAsync(run.aliceId, lowOrder, asyncProvider))).toBe('bad_key');
    expect(() => Session.initiate(run.aliceId, lowOrder)).toThrow(SessionError);

    const alice = await Session.initiateAsync(run.aliceId, run.bundle, asyncProvider);
    const first = alice.encrypt(te.encode('hello'));
    const tampered = first.slice();
    tampered[tampered.length - 1]! ^= 1;
    expect(await codeOf(Session.respondAsync(run.bobId, run.store, tampered, asyncProvider))).toBe('tampered');
    // Not consumed by a message that failed authentication (X3DH §3.4): the genuine one still gets through.
    const opkId = run.bundle.oneTimePreKey?.id as number;
    expect(run.store.oneTimePreKey(opkId)).toBeDefined();
    const bob = await Session.respondAsync(run.bobId, run.store, first, asyncProvider);
    expect(td.decode(bob.plaintext)).toBe('hello');
    expect(run.store.oneTimePreKey(opkId)).toBeUndefined();
    // Its replay now names the missing prekey.
    expect(await codeOf(Session.respondAsync(run.bobId, run.store, first, asyncProvider))).toBe('unknown_prekey');
    expect(await codeOf(Session.respondAsync(run.bobId, run.store, alice.encrypt(te.encode('x')).fill(1, 0, 1), asyncProvider))).toBe('bad_state');
  });
});
