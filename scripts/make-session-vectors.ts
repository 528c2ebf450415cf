// Generates test/vectors/session.json (`npm run vectors:session`). Every random draw of each party comes from a
// fixed DRBG and is RECORDED in the file, so the vectors need no DRBG to replay: feed the draws back in order.
// The spec values (SK, AD, first keys) are computed here straight from docs/PROTOCOL-sessions.md with raw
// @noble primitives, not through client/, so the file also pins the byte-exact derivations.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hchacha } from '@noble/ciphers/chacha.js';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { bytesToHex, concatBytes, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { type Party, type ScenarioInput, runScenario } from '../test/client/_session-driver.ts';

const DRBG_LABEL = utf8ToBytes('franking-chat/v1/session-vectors\0');

/** Draw k of `party` in `scenario`: the first n bytes of SHA-256(DRBG_LABEL || scenario || 0x00 || party || u32be(k)). */
function recordingDrbg(scenario: string, party: Party): { random: (n: number) => Uint8Array; draws: string[] } {
  const draws: string[] = [];
  let k = 0;
  return {
    draws,
    random: (n) => {
      if (n > 32) throw new Error('draws are at most 32 bytes');
      const counter = new Uint8Array(4);
      new DataView(counter.buffer).setUint32(0, k++);
      const bytes = sha256(concatBytes(DRBG_LABEL, utf8ToBytes(scenario), Uint8Array.of(0), utf8ToBytes(party), counter)).slice(0, n);
      draws.push(bytesToHex(bytes));
      return bytes;
    },
  };
}

const v1Scenarios: ScenarioInput[] = [
  {
    name: 'x3dh-with-one-time-prekey',
    cipherVersion: 1,
    safetyNumberUserIds: { alice: 'alice', bob: 'bob' },
    now: 1795348800000,
    oneTimePreKeys: 2,
    fetchOneTimePreKeyId: 2,
    steps: [
      { op: 'send', from: 'alice', plaintext: 'Hello Bob' },
      { op: 'send', from: 'alice', plaintext: 'second, before any reply', associatedData: '0102' },
      { op: 'receive', to: 'bob', message: 0 },
      { op: 'receive', to: 'bob', message: 1 },
      { op: 'send', from: 'bob', plaintext: 'Hi Alice' },
      { op: 'receive', to: 'alice', message: 2 },
      // Every input of frankMessage and sendFranked is recorded (PROTOCOL-sessions.md §S15): nothing is implied.
      {
        op: 'sendFranked', from: 'alice', plaintext: 'a franked hello', conversationId: 'conv-1', seq: 1, sentAt: 1795348800123,
        senderId: 'alice', contentType: 'text/plain; charset=utf-8', prevCommitment: '00'.repeat(32), attachments: [], extraAd: '',
      },
      { op: 'receive', to: 'bob', message: 3 },
      { op: 'send', from: 'alice', plaintext: 'four' },
      { op: 'send', from: 'alice', plaintext: 'five' },
      { op: 'receive', to: 'bob', message: 5 },
      { op: 'receive', to: 'bob', message: 4 },
      { op: 'send', from: 'bob', plaintext: 'bye' },
      { op: 'receive', to: 'alice', message: 6 },
    ],
  },
  {
    name: 'x3dh-without-one-time-prekey',
    cipherVersion: 1,
    safetyNumberUserIds: { alice: 'alice', bob: 'bob' },
    now: 1795348800000,
    oneTimePreKeys: 0,
    fetchOneTimePreKeyId: null,
    steps: [
      { op: 'send', from: 'alice', plaintext: 'no one-time prekey left' },
      { op: 'receive', to: 'bob', message: 0 },
      { op: 'send', from: 'bob', plaintext: 'skipped by alice at first' },
      { op: 'send', from: 'bob', plaintext: 'arrives first' },
      { op: 'receive', to: 'alice', message: 2 },
      { op: 'receive', to: 'alice', message: 1 },
      { op: 'send', from: 'alice', plaintext: 'ok', associatedData: 'ff' },
      { op: 'receive', to: 'bob', message: 3 },
    ],
  },
];

// The same conversations in sessions of cipher versions 2 and 3 (docs/PROTOCOL-sessions.md §S17, §S18), under names
// of their own (so with draws of their own); version 1 and 2 scenarios stay as they were, byte for byte.
const scenarios: ScenarioInput[] = [
  ...v1Scenarios,
  ...v1Scenarios.map((s): ScenarioInput => ({ ...s, name: `v2-${s.name}`, cipherVersion: 2 })),
  ...v1Scenarios.map((s): ScenarioInput => ({ ...s, name: `v3-${s.name}`, cipherVersion: 3 })),
];

// ---- KDF_CK₃ (docs/PROTOCOL-sessions.md §S18.1) from the spec: HChaCha20 with noble's bare hchacha. ----
const CK3_MESSAGE = utf8ToBytes('fc/ck3 message\0\0');
const CK3_CHAIN = utf8ToBytes('fc/ck3 chain\0\0\0\0');
/** HChaCha20(key, input) (draft-irtf-cfrg-xchacha-03 §2.2): noble's hchacha on little-endian words. */
function hchacha20(key: Uint8Array, input: Uint8Array): Uint8Array {
  const le = (b: Uint8Array) => Uint32Array.from({ length: b.length / 4 }, (_, i) => new DataView(b.buffer, b.byteOffset).getUint32(4 * i, true));
  const out = new Uint32Array(8);
  hchacha(le(utf8ToBytes('expand 32-byte k')), le(key), le(input), out);
  const bytes = new Uint8Array(32);
  out.forEach((w, i) => new DataView(bytes.buffer).setUint32(4 * i, w, true));
  return bytes;
}
const kdfCk3 = (ck: Uint8Array) => ({ mk: hchacha20(ck, CK3_MESSAGE), next: hchacha20(ck, CK3_CHAIN) });
/** Chain keys of the KDF_CK₃ vector: a counting key, all-ones, and a DRBG key followed for three steps. */
function kdfChainV3Vectors() {
  const keys: Uint8Array[] = [Uint8Array.from({ length: 32 }, (_, i) => i), new Uint8Array(32).fill(0xff)];
  let ck: Uint8Array = sha256(utf8ToBytes('franking-chat/v1/session-vectors\0kdf-ck3'));
  for (let i = 0; i < 3; i++) {
    keys.push(ck);
    ck = kdfCk3(ck).next;
  }
  return keys.map((k) => {
    const { mk, next } = kdfCk3(k);
    return { chainKey: bytesToHex(k), messageKey: bytesToHex(mk), nextChainKey: bytesToHex(next) };
  });
}

/** Spec values from the recorded draws (docs/PROTOCOL-sessions.md §1, §4, §5, §6), raw noble only. */
function specValues(input: ScenarioInput, alice: string[], bob: string[]) {
  const d = (xs: string[], i: number) => hexToBytes(xs[i] as string);
  // Bob's draws: identity seed, identity X25519, SPK, OPK 1..n. Alice's: identity seed, identity X25519, EK, DHs.
  const bobSig = ed25519.getPublicKey(d(bob, 0));
  const bobDh = x25519.getPublicKey(d(bob, 1));
  const spk = d(bob, 2);
  const aliceSig = ed25519.getPublicKey(d(alice, 0));
  const aliceIk = d(alice, 1);
  const ek = d(alice, 2);
  const dhs = d(alice, 3);
  const spkPub = x25519.getPublicKey(spk);
  const outputs = [x25519.getSharedSecret(aliceIk, spkPub), x25519.getSharedSecret(ek, bobDh), x25519.getSharedSecret(ek, spkPub)];
  if (input.fetchOneTimePreKeyId !== null) outputs.push(x25519.getSharedSecret(ek, x25519.getPublicKey(d(bob, 2 + input.fetchOneTimePreKeyId))));
  const sk = hkdf(sha256, concatBytes(new Uint8Array(32).fill(0xff), ...outputs), new Uint8Array(32), utf8ToBytes('franking-chat/v1/x3dh\0'), 32);
  const ad = concatBytes(aliceSig, x25519.getPublicKey(aliceIk), bobSig, bobDh);
  const okm = hkdf(sha256, x25519.getSharedSecret(dhs, spkPub), sk, utf8ToBytes('franking-chat/v1/ratchet/root\0'), 64);
  const ck0 = okm.slice(32);
  // KDF_CK: v1 two HMAC-SHA256 (§S6.1), v2 one HMAC-SHA512 of 0x03 split in mk ‖ ck' (§S17.1), v3 two HChaCha20 (§S18.1).
  const v = input.cipherVersion ?? 1;
  const v2 = hmac(sha512, ck0, Uint8Array.of(3));
  const first = v === 3 ? kdfCk3(ck0)
    : v === 2 ? { mk: v2.slice(0, 32), next: v2.slice(32, 64) }
    : { mk: hmac(sha256, ck0, Uint8Array.of(1)), next: hmac(sha256, ck0, Uint8Array.of(2)) };
  return {
    sharedSecret: bytesToHex(sk),
    associatedData: bytesToHex(ad),
    aliceRootKey1: bytesToHex(okm.slice(0, 32)),
    aliceSendingChainKey0: bytesToHex(ck0),
    aliceMessageKey0: bytesToHex(first.mk),
    aliceSendingChainKey1: bytesToHex(first.next),
  };
}

const out = {
  description:
    'Session vectors (docs/PROTOCOL-sessions.md): X3DH + Double Ratchet + franking envelope. Generated by ' +
    'scripts/make-session-vectors.ts. "draws" lists every random draw of each party in order (hex); the DRBG that made ' +
    'them is SHA-256("franking-chat/v1/session-vectors\\0" || scenario || 0x00 || party || u32be(k)) truncated, but replaying ' +
    'needs only the list. Draw order: Bob: identity Ed25519 seed, identity X25519 key, signed prekey (id 1), one-time prekeys ' +
    '(ids 1..n), then one ratchet key pair per DH ratchet step and one nonce (24 bytes in cipher version 1, 12 in version 2) ' +
    'per message he sends; Alice: identity ' +
    'Ed25519 seed, identity X25519 key, EK, first ratchet key, then per message a nonce (and for a franked message first ' +
    'clientMessageId (16) and fk (32) in frankMessage), and one ratchet key per DH ratchet step. "steps" are run in order; ' +
    '"messages" are the session messages (franked: the envelope encoding) per send step; "spec" holds values computed ' +
    'directly from the spec with raw primitives (names defined in docs/PROTOCOL-sessions.md §S15). A sendFranked step ' +
    'records every input of frankMessage and sendFranked (senderId, contentType, prevCommitment, attachments, extraAd); ' +
    'the receiver opens it with the same extraAd and expects senderId. "safetyNumberUserIds" are the user ids of §S12. ' +
    '"cipherVersion" is the session cipher Alice creates the session with (§S17.4, §S18.4; absent in older files: 1). ' +
    '"kdfChainV3" lists KDF_CK₃ (§S18.1) on bare chain keys: messageKey = HChaCha20(chainKey, CK3_MESSAGE), nextChainKey = ' +
    'HChaCha20(chainKey, CK3_CHAIN), with the two 16-byte inputs in hex beside them.',
  kdfChainV3: { inputs: { message: bytesToHex(CK3_MESSAGE), chain: bytesToHex(CK3_CHAIN) }, vectors: kdfChainV3Vectors() },
  scenarios: await Promise.all(scenarios.map(async (input) => {
    const alice = recordingDrbg(input.name, 'alice');
    const bob = recordingDrbg(input.name, 'bob');
    const result = await runScenario(input, { alice: alice.random, bob: bob.random });
    return { ...input, draws: { alice: alice.draws, bob: bob.draws }, spec: specValues(input, alice.draws, bob.draws), expected: result };
  })),
};

const path = join(dirname(fileURLToPath(import.meta.url)), '..', 'test', 'vectors', 'session.json');
writeFileSync(path, JSON.stringify(out, null, 1) + '\n');
console.log(`wrote ${path}`);
