// Instruction counts of bench/peers.ts's 1:1 path (docs/BENCHMARKS.md "Peers", "Session cipher version 2"): CPU time
// moves ±30 % under a neighbour's load, callgrind's instruction count does not. Run one mode under callgrind with N
// iterations and once with N = 0, and divide the difference by N:
//   valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.v2 node --import tsx bench/peers-instructions.ts v2 15000
// Modes: v1, v2 — N franked send + receive pairs (frankMessage + sendFranked + encodeFrankedEnvelope,
// decodeFrankedEnvelope + receiveFranked) of 1 KiB in a session of that cipher version (docs/PROTOCOL-sessions.md
// §S17); floor — N two-pass floor pairs (ChaCha20-Poly1305 seal of 1 KiB + HMAC-SHA256 of it, open + HMAC). Every
// mode makes the same handshake and 200 warm-up pairs first, so that N = 0 is a common baseline. node provider.
import { nodeCryptoProvider as p } from '../client/crypto/node.ts';
import { decodeFrankedEnvelope, encodeFrankedEnvelope, frankMessage, generateIdentity, PreKeyStore, Session } from '../client/index.ts';

const mode = process.argv[2] ?? 'v2';
const N = Number(process.argv[3] ?? 0);
if (!['v1', 'v2', 'floor'].includes(mode) || !Number.isInteger(N) || N < 0) throw new Error('usage: peers-instructions.ts v1|v2|floor N');
const body = new Uint8Array(1024).fill(0x61);
const aliceId = generateIdentity(undefined, p);
const bobId = generateIdentity(undefined, p);
const store = PreKeyStore.create(bobId, { oneTimePreKeys: 1, crypto: p });
const { oneTimePreKeys, ...up } = store.bundle(bobId);
const alice = Session.initiate(aliceId, { ...up, oneTimePreKey: oneTimePreKeys[0]! }, { crypto: p, cipherVersion: mode === 'v1' ? 1 : 2 });
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
for (let i = 0; i < N; i++) {
  if (mode !== 'floor') pair();
  else {
    sink ^= p.chacha20poly1305Seal(key, nonce, body, empty).length ^ (p.hmacSha256(key, body)[0] as number);
    sink ^= p.chacha20poly1305Open(key, nonce, sealed, empty).length ^ (p.hmacSha256(key, body)[0] as number);
  }
}
console.log(`${mode} N=${N} done (${sink & 1})`);
