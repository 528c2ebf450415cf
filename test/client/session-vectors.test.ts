// test/vectors/session.json (made by scripts/make-session-vectors.ts), checked twice and in Node and Chromium:
//  1. replaying every recorded random draw through the library reproduces every message byte, every plaintext,
//     the final serialized states and the safety number;
//  2. the spec values and the first messages are re-derived from docs/PROTOCOL-sessions.md with bare primitives
//     only (no session code), and the recorded ciphertexts open under those keys.
// Both under every crypto provider of the runtime (./_providers.ts): replay through the sync API with each sync
// provider, and through the async API (X3DH on both sides — Session.initiateAsync / respondAsync /
// respondFrankedAsync — and the DH ratchet steps' X25519 by the provider: WebCrypto's where it has one);
// the re-derivation calls each async provider's primitives directly. Every byte must be the same. Cipher version 3's
// KDF_CK₃ (docs/PROTOCOL-sessions.md §S18.1) is re-derived with noble's bare hchacha, on the scenarios and on the
// file's "kdfChainV3" list, and the SDK's kdfChain must agree under every sync provider.
import { describe, expect, it } from 'vitest';
import { hchacha } from '@noble/ciphers/chacha.js';
import { hmac as nobleHmac } from '@noble/hashes/hmac.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { bytesToHex, concatBytes, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js';
// eslint-disable-next-line no-restricted-imports -- white-box: the SDK's KDF_CK₃ (§S18.1) against the file's kdfChainV3 list
import { kdfChain } from '../../client/session/_session-kdf.ts';
import { type ScenarioInput, type ScenarioOutput, type ScenarioProviders, replayRandom, runScenario } from './_session-driver.ts';
import { ASYNC, SYNC } from './_providers.ts';
import vectorFile from '../vectors/session.json';

interface Scenario extends ScenarioInput {
  draws: { alice: string[]; bob: string[] };
  spec: Record<string, string>;
  expected: ScenarioOutput;
}
const scenarios = vectorFile.scenarios as unknown as Scenario[];
const u32 = (n: number) => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n);
  return b;
};

/**
 * HChaCha20(key, input) of draft-irtf-cfrg-xchacha-03 §2.2 with noble's bare hchacha: the state's words are the four
 * constants "expand 32-byte k", the key and the 16-byte input, each read little-endian; the output words are written
 * little-endian. Written from the spec, not from the SDK (which reuses host-order views of scratch arrays).
 */
function hchacha20(key: Uint8Array, input: Uint8Array): Uint8Array {
  const words = (b: Uint8Array) => Uint32Array.from({ length: b.length / 4 }, (_, i) => (b[4 * i]! | (b[4 * i + 1]! << 8) | (b[4 * i + 2]! << 16) | (b[4 * i + 3]! << 24)) >>> 0);
  const out = new Uint32Array(8);
  hchacha(words(utf8ToBytes('expand 32-byte k')), words(key), words(input), out);
  return Uint8Array.from({ length: 32 }, (_, i) => (out[i >> 2]! >>> (8 * (i & 3))) & 0xff);
}
// §S18.1: the two KDF_CK₃ inputs, ASCII padded with NUL bytes to 16.
const CK3_MESSAGE = utf8ToBytes('fc/ck3 message\0\0');
const CK3_CHAIN = utf8ToBytes('fc/ck3 chain\0\0\0\0');

const runs: [string, ScenarioProviders][] = [
  ...SYNC.map((p): [string, ScenarioProviders] => [`sync ${p.name}`, { crypto: p }]),
  ...ASYNC.map((p): [string, ScenarioProviders] => [`async ${p.name}`, { asyncCrypto: p }]),
];

describe('session vectors: replay through the library', () => {
  it('has vectors of every cipher version (§S17, §S18)', () => {
    expect(scenarios.filter((s) => (s.cipherVersion ?? 1) === 1).length).toBeGreaterThanOrEqual(2);
    expect(scenarios.filter((s) => s.cipherVersion === 2).length).toBeGreaterThanOrEqual(2);
    expect(scenarios.filter((s) => s.cipherVersion === 3).length).toBeGreaterThanOrEqual(2);
  });

  it.each(runs.flatMap(([run, providers]) => scenarios.map((s) => [s.name, run, providers, s] as const)))('%s under %s', async (_name, _run, providers, s) => {
    const alice = replayRandom(s.draws.alice);
    const bob = replayRandom(s.draws.bob);
    const out = await runScenario(s, { alice: alice.random, bob: bob.random }, providers);
    expect(out.uploadedBundle).toEqual(s.expected.uploadedBundle);
    expect(out.messages).toEqual(s.expected.messages);
    expect(out.received).toEqual(s.expected.received);
    expect(out.finalState).toEqual(s.expected.finalState);
    expect(out.safetyNumber).toBe(s.expected.safetyNumber);
    // Every recorded draw was used: no hidden randomness and none skipped.
    expect(alice.remaining()).toBe(0);
    expect(bob.remaining()).toBe(0);
  });
});

describe('session vectors: re-derived from the spec with bare primitives', () => {
  it.each(ASYNC.flatMap((p) => scenarios.map((s) => [s.name, p.name, p, s] as const)))('%s with %s', async (_name, _provider, p, s) => {
    const x25519 = { getPublicKey: p.x25519PublicKey, getSharedSecret: p.x25519 };
    const ed25519 = { getPublicKey: p.ed25519PublicKey, sign: (m: Uint8Array, k: Uint8Array) => p.ed25519Sign(k, m), verify: (sig: Uint8Array, m: Uint8Array, k: Uint8Array) => p.ed25519Verify(k, m, sig) };
    const hkdf = (ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, n: number) => p.hkdfSha256(ikm, salt, info, n);
    const hmac = (k: Uint8Array, m: Uint8Array) => p.hmacSha256(k, m);
    const a = (i: number) => hexToBytes(s.draws.alice[i] as string);
    const b = (i: number) => hexToBytes(s.draws.bob[i] as string);
    // §1/§4: identities and prekeys from the draws.
    const bobSig = await ed25519.getPublicKey(b(0));
    const bobDh = await x25519.getPublicKey(b(1));
    const spkPub = await x25519.getPublicKey(b(2));
    const aliceSig = await ed25519.getPublicKey(a(0));
    const aliceDh = await x25519.getPublicKey(a(1));
    const ekPub = await x25519.getPublicKey(a(2));
    const dhsPub = await x25519.getPublicKey(a(3));
    // §4.1 signed prekey signature (Ed25519 is deterministic, so the recorded bundle is reproducible).
    const sigInput = concatBytes(utf8ToBytes('franking-chat/v1/signed-prekey\0'), u32(1), spkPub);
    const bundle = s.expected.uploadedBundle as { signedPreKey: { signature: string }; identityDhKey: string };
    const b64u = (x: Uint8Array) => btoa(String.fromCharCode(...x)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
    const signature = await ed25519.sign(sigInput, b(0));
    expect(bundle.signedPreKey.signature).toBe(b64u(signature));
    expect(bundle.identityDhKey).toBe(b64u(bobDh));
    expect(await ed25519.verify(signature, sigInput, bobSig)).toBe(true);
    const forged = signature.slice();
    forged[0]! ^= 1;
    expect(await ed25519.verify(forged, sigInput, bobSig)).toBe(false);

    // §5 X3DH.
    const dhs = [await x25519.getSharedSecret(a(1), spkPub), await x25519.getSharedSecret(a(2), bobDh), await x25519.getSharedSecret(a(2), spkPub)];
    const opkId = s.fetchOneTimePreKeyId;
    if (opkId !== null) dhs.push(await x25519.getSharedSecret(a(2), await x25519.getPublicKey(b(2 + opkId))));
    const sk = await hkdf(concatBytes(new Uint8Array(32).fill(0xff), ...dhs), new Uint8Array(32), utf8ToBytes('franking-chat/v1/x3dh\0'), 32);
    const ad = concatBytes(aliceSig, aliceDh, bobSig, bobDh);
    expect(bytesToHex(sk)).toBe(s.spec.sharedSecret);
    expect(bytesToHex(ad)).toBe(s.spec.associatedData);

    // §6 RatchetInitAlice and KDF_CK.
    const okm = await hkdf(await x25519.getSharedSecret(a(3), spkPub), sk, utf8ToBytes('franking-chat/v1/ratchet/root\0'), 64);
    let ck: Uint8Array = okm.slice(32);
    expect(bytesToHex(okm.slice(0, 32))).toBe(s.spec.aliceRootKey1);
    expect(bytesToHex(ck)).toBe(s.spec.aliceSendingChainKey0);

    // §7 message layout of Alice's first messages (all prekey messages: she has not heard back yet), opened by hand.
    // Cipher v1 (§S6): header version 1, 24-byte nonce, mk = HMAC-SHA256(ck, 0x01), ck' = HMAC-SHA256(ck, 0x02),
    // XChaCha20-Poly1305. Cipher v2 (§S17): header version 2, 12-byte nonce, mk ‖ ck' = HMAC-SHA512(ck, 0x03),
    // ChaCha20-Poly1305 (HMAC-SHA512 from noble: the async providers have none; a bare primitive all the same).
    // Cipher v3 (§S18): header version 3, 12-byte nonce, mk = HChaCha20(ck, CK3_MESSAGE), ck' = HChaCha20(ck,
    // CK3_CHAIN) (noble's hchacha: no provider has HChaCha20 on its own), ChaCha20-Poly1305.
    const version = s.cipherVersion ?? 1;
    const nl = version === 1 ? 24 : 12;
    const kdfCk = async (k: Uint8Array) => {
      if (version === 1) return { mk: await hmac(k, Uint8Array.of(1)), next: new Uint8Array(await hmac(k, Uint8Array.of(2))) };
      if (version === 3) return { mk: hchacha20(k, CK3_MESSAGE), next: hchacha20(k, CK3_CHAIN) };
      const okm = nobleHmac(sha512, k, Uint8Array.of(3));
      return { mk: okm.slice(0, 32), next: okm.slice(32, 64) };
    };
    const sends = s.steps.flatMap((st, i) => (st.op === 'send' && st.from === 'alice' && !s.steps.slice(0, i).some((p) => p.op === 'receive' && p.to === 'alice') ? [st] : []));
    expect(sends.length).toBeGreaterThanOrEqual(1);
    for (const [n, st] of sends.entries()) {
      const msg = hexToBytes((s.expected.messages[n] as { hex: string }).hex);
      const prefix = concatBytes(aliceSig, aliceDh, ekPub, u32(1), Uint8Array.of(opkId === null ? 0 : 1), u32(opkId ?? 0));
      const header = concatBytes(Uint8Array.of(version), dhsPub, u32(0), u32(n));
      const nonce = a(4 + n); // Alice's nonce draws follow identity (2), EK and DHs
      expect(nonce.length).toBe(nl);
      expect(bytesToHex(msg.subarray(0, 1 + 105 + 41 + nl))).toBe(bytesToHex(concatBytes(Uint8Array.of(2), prefix, header, nonce)));
      const { mk, next } = await kdfCk(ck);
      if (n === 0) expect(bytesToHex(mk)).toBe(s.spec.aliceMessageKey0);
      const callerAd = hexToBytes(st.op === 'send' ? (st.associatedData ?? '') : '');
      const sealed = msg.subarray(1 + 105 + 41 + nl);
      const open = version === 1 ? p.xchacha20poly1305Open : p.chacha20poly1305Open;
      const plaintext = await open(mk, nonce, sealed, concatBytes(callerAd, ad, header));
      expect(new TextDecoder().decode(plaintext)).toBe(st.op === 'send' ? st.plaintext : '');
      expect(msg.length).toBe(1 + 105 + 41 + nl + plaintext.length + 16);
      ck = next;
      if (n === 0) expect(bytesToHex(ck)).toBe(s.spec.aliceSendingChainKey1);
    }

    // §12 safety number.
    const fingerprint = (userId: string, keys: Uint8Array) => {
      const id = utf8ToBytes(userId);
      let hash = sha512(concatBytes(utf8ToBytes('franking-chat/v1/safety-number\0'), Uint8Array.of(id.length >> 8, id.length & 255), id, keys));
      for (let i = 0; i < 5200; i++) hash = sha512(concatBytes(hash, keys));
      let digits = '';
      for (let c = 0; c < 6; c++) {
        let v = 0;
        for (let j = 0; j < 5; j++) v = v * 256 + (hash[c * 5 + j] as number);
        digits += String(v % 100000).padStart(5, '0');
      }
      return digits;
    };
    const ids = (s as unknown as { safetyNumberUserIds: { alice: string; bob: string } }).safetyNumberUserIds;
    expect(ids).toEqual({ alice: 'alice', bob: 'bob' });
    const fa = fingerprint(ids.alice, concatBytes(aliceSig, aliceDh));
    const fb = fingerprint(ids.bob, concatBytes(bobSig, bobDh));
    expect(s.expected.safetyNumber).toBe(fa < fb ? fa + fb : fb + fa);
  });
});

describe('KDF_CK₃ vectors (§S18.1, "kdfChainV3")', () => {
  const file = (vectorFile as unknown as { kdfChainV3: { inputs: { message: string; chain: string }; vectors: { chainKey: string; messageKey: string; nextChainKey: string }[] } }).kdfChainV3;

  it('HChaCha20 is draft-irtf-cfrg-xchacha-03 §2.2.1, and the two inputs are the spec\'s 16 bytes', () => {
    const key = hexToBytes('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f');
    const input = hexToBytes('000000090000004a0000000031415927');
    expect(bytesToHex(hchacha20(key, input))).toBe('82413b4227b27bfed30e42508a877d73a0f9e4d58a74a853c12ec41326d3ecdc');
    expect(file.inputs).toEqual({ message: '66632f636b33206d6573736167650000', chain: '66632f636b3320636861696e00000000' });
    expect([bytesToHex(CK3_MESSAGE), bytesToHex(CK3_CHAIN)]).toEqual([file.inputs.message, file.inputs.chain]);
  });

  it('re-derived with the bare hchacha', () => {
    expect(file.vectors.length).toBeGreaterThanOrEqual(3);
    for (const v of file.vectors) {
      const ck = hexToBytes(v.chainKey);
      expect(bytesToHex(hchacha20(ck, CK3_MESSAGE)), v.chainKey).toBe(v.messageKey);
      expect(bytesToHex(hchacha20(ck, CK3_CHAIN)), v.chainKey).toBe(v.nextChainKey);
    }
  });

  it.each(SYNC.map((p) => [p.name, p] as const))('the SDK\'s kdfChain gives them with %s', (_name, p) => {
    for (const v of file.vectors) {
      const ck = hexToBytes(v.chainKey);
      const { messageKey, chainKey } = kdfChain(ck, p, 3);
      expect([bytesToHex(messageKey), bytesToHex(chainKey)]).toEqual([v.messageKey, v.nextChainKey]);
      expect(bytesToHex(ck)).toBe(v.chainKey); // the input is not modified
    }
  });
});
