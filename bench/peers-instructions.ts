// Instruction counts of bench/peers.ts's 1:1 path (docs/BENCHMARKS.md "Peers", "Session cipher version 2"): CPU time
// moves ±30 % under a neighbour's load, callgrind's instruction count does not. Run one mode under callgrind with N
// iterations and once with N = 0, and divide the difference by N:
//   valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.v3 node --import tsx bench/peers-instructions.ts v3 15000
// Modes: v1, v2, v3 — N franked send + receive pairs (frankMessage + sendFranked + encodeFrankedEnvelope,
// decodeFrankedEnvelope + receiveFranked) of 1 KiB in a session of that cipher version (docs/PROTOCOL-sessions.md
// §S6, §S17, §S18; v3 is what Session.initiate creates); floor — N two-pass floor pairs (ChaCha20-Poly1305 seal of
// 1 KiB + HMAC-SHA256 of it, open + HMAC); wire — N wire-floor pairs (bench/_wire-floor.ts: what the wire format
// itself needs on top of the floor, bare, seal + open); kdf1, kdf2, kdf3 — N pairs of bare KDF_CK steps of that version (two per
// pair, as a send and a receive each make one: HMAC-SHA256 × 2, HMAC-SHA512, HChaCha20 × 2). Every mode makes the
// same handshake (a v3 session for the floor and kdf modes) and 200 warm-up pairs first, so that N = 0 is a common
// baseline. node provider.
import { hchacha } from '@noble/ciphers/chacha.js';
import { nodeCryptoProvider as p } from '../client/crypto/node.ts';
import { wireFloor } from './_wire-floor.ts';
import { decodeFrankedEnvelope, encodeFrankedEnvelope, frankMessage, generateIdentity, PreKeyStore, Session } from '../client/index.ts';

const mode = process.argv[2] ?? 'v3';
const N = Number(process.argv[3] ?? 0);
if (!['v1', 'v2', 'v3', 'floor', 'wire', 'kdf1', 'kdf2', 'kdf3'].includes(mode) || !Number.isInteger(N) || N < 0) throw new Error('usage: peers-instructions.ts v1|v2|v3|floor|wire|kdf1|kdf2|kdf3 N');
const body = new Uint8Array(1024).fill(0x61);
const aliceId = generateIdentity(undefined, p);
const bobId = generateIdentity(undefined, p);
const store = PreKeyStore.create(bobId, { oneTimePreKeys: 1, crypto: p });
const { oneTimePreKeys, ...up } = store.bundle(bobId);
const cipherVersion = mode === 'v1' ? 1 : mode === 'v2' ? 2 : 3;
const alice = Session.initiate(aliceId, { ...up, oneTimePreKey: oneTimePreKeys[0]! }, { crypto: p, cipherVersion });
const { session: bob } = Session.respond(bobId, store, alice.encrypt(new Uint8Array(1)), { crypto: p });
alice.decrypt(bob.encrypt(new Uint8Array(1)));
let seq = 1;
let sink = 0;
const pair = () => {
  const wire = encodeFrankedEnvelope(alice.sendFranked(frankMessage({ conversationId: 'bench-peers', senderId: 'alice', seq: seq++ }, body, { crypto: p })));
  const r = bob.receiveFranked(decodeFrankedEnvelope(wire), { expect: { senderId: 'alice' } });
  if (r.status !== 'accepted') throw new Error('dropped');
  sink ^= wire.length;
};
for (let i = 0; i < 200; i++) pair();
const key = p.randomBytes(32);
const nonce = p.randomBytes(12);
const empty = new Uint8Array(0);
const sealed = p.chacha20poly1305Seal(key, nonce, body, empty);
// Bare KDF_CK steps (§S6.1, §S17.1, §S18.1): v3's two HChaCha20 on host-order word views, as bench/peers.ts's floor.
const words = (b: Uint8Array) => new Uint32Array(b.slice().buffer);
const te = new TextEncoder();
const [sigma, key32, ck3Message, ck3Chain, out32] = [words(te.encode('expand 32-byte k')), words(key), words(te.encode('fc/ck3 message\0\0')), words(te.encode('fc/ck3 chain\0\0\0\0')), new Uint32Array(8)];
const kdf: Record<string, () => number> = {
  kdf1: () => (p.hmacSha256(key, Uint8Array.of(1))[0] as number) ^ (p.hmacSha256(key, Uint8Array.of(2))[0] as number),
  kdf2: () => p.hmacSha512(key, Uint8Array.of(3))[0] as number,
  kdf3: () => {
    hchacha(sigma, key32, ck3Message, out32);
    const a = out32[0] as number;
    hchacha(sigma, key32, ck3Chain, out32);
    return a ^ (out32[0] as number);
  },
};
const wire = wireFloor(p, body);
for (let i = 0; i < 200; i++) sink ^= wire.seal() ^ wire.open(); // its own warm-up, in every mode (common baseline)
for (let i = 0; i < N; i++) {
  if (mode === 'floor') {
    sink ^= p.chacha20poly1305Seal(key, nonce, body, empty).length ^ (p.hmacSha256(key, body)[0] as number);
    sink ^= p.chacha20poly1305Open(key, nonce, sealed, empty).length ^ (p.hmacSha256(key, body)[0] as number);
  } else if (mode === 'wire') {
    sink ^= wire.seal() ^ wire.open();
  } else if (mode.startsWith('kdf')) {
    const step = kdf[mode] as () => number;
    sink ^= step() ^ step();
  } else pair();
}
console.log(`${mode} N=${N} done (${sink & 1})`);
