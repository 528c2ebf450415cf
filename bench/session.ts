// Session layer benchmark (docs/BENCHMARKS.md "Sessions"): `npm run bench:session`, bounded with BENCH_QUICK=1.
// Writes bench/results/session.json: {"sendUs1KiB", "receiveUs1KiB", "dhRatchetStepUs"} (median of rounds, µs).
//   sendUs1KiB      frankMessage (fresh fk, header, HMAC commitment) + one symmetric ratchet step + XChaCha20-Poly1305
//                   of the 1 KiB body's payload, i.e. Session.sendFranked; no DH turn.
//   receiveUs1KiB   Session.receiveFranked of the same: symmetric step, AEAD open, commitment check; no DH turn.
//   dhRatchetStepUs receive of a message that starts a new chain: DH, new ratchet key pair, DH, two KDF_RK, plus
//                   one symmetric step and AEAD of a 16-byte body. The cost of every change of speaker.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { frankMessage } from '../client/franking/franking.ts';
import { generateIdentity } from '../client/session/identity.ts';
import { type FetchedPreKeyBundle, PreKeyStore } from '../client/session/prekeys.ts';
import { type FrankedEnvelope, Session } from '../client/session/session.ts';

const quick = process.env.BENCH_QUICK === '1';
const ROUNDS = quick ? 3 : 7;
const MESSAGES = quick ? 300 : 3000;
const DH_TURNS = quick ? 10 : 60;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

function pair(): { alice: Session; bob: Session } {
  const aliceId = generateIdentity();
  const bobId = generateIdentity();
  const store = PreKeyStore.create(bobId, { oneTimePreKeys: 1 });
  const up = store.bundle(bobId);
  const bundle: FetchedPreKeyBundle = { ...up, oneTimePreKey: up.oneTimePreKeys[0] as { id: number; publicKey: string } };
  delete (bundle as { oneTimePreKeys?: unknown }).oneTimePreKeys;
  const alice = Session.initiate(aliceId, bundle);
  const { session: bob } = Session.respond(bobId, store, alice.encrypt(new Uint8Array(1)));
  alice.decrypt(bob.encrypt(new Uint8Array(1))); // both sides have chains; Alice stops sending the X3DH prefix
  return { alice, bob };
}

const body = new Uint8Array(1024).fill(0x61);
let seq = 1;
const frank = () => frankMessage({ conversationId: 'bench-conversation', senderId: 'alice', seq: seq++ }, body);

/** Times `n` sends whose output goes "to the network" (dropped), as a client hands bytes to its socket. */
function sendRound(sender: Session, n: number): number {
  let sink = 0;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) sink ^= sender.sendFranked(frank()).message.length;
  const us = ((performance.now() - t0) * 1000) / n;
  if (sink === -1) console.log(sink); // keep the result observable
  return us;
}

/** Untimed: the envelopes the receive round will open, in order. */
function makeEnvelopes(alice: Session, n: number): FrankedEnvelope[] {
  return Array.from({ length: n }, () => alice.sendFranked(frank()));
}

function receiveRound(bob: Session, envelopes: FrankedEnvelope[]): number {
  const t0 = performance.now();
  for (const e of envelopes) {
    const r = bob.receiveFranked(e, { expect: { senderId: 'alice' } });
    if (r.status !== 'accepted') throw new Error('benchmark message dropped');
  }
  return ((performance.now() - t0) * 1000) / envelopes.length;
}

function dhRound(alice: Session, bob: Session, turns: number): number {
  let total = 0;
  const small = new Uint8Array(16);
  for (let i = 0; i < turns; i++) {
    const [from, to] = i % 2 === 0 ? [alice, bob] : [bob, alice];
    const m = from.encrypt(small);
    const t0 = performance.now();
    to.decrypt(m);
    total += performance.now() - t0;
  }
  return (total * 1000) / turns;
}

const { alice, bob } = pair();
// The send rounds use their own session: their messages are never received (the receiver would have to skip them).
const { alice: sender } = pair();
// Warm-up: let the JIT compile the hot paths before measuring.
sendRound(sender, quick ? 200 : 2000);
receiveRound(bob, makeEnvelopes(alice, quick ? 200 : 2000));
dhRound(alice, bob, 4);

const send: number[] = [];
const receive: number[] = [];
const dhStep: number[] = [];
for (let r = 0; r < ROUNDS; r++) {
  send.push(sendRound(sender, MESSAGES));
  receive.push(receiveRound(bob, makeEnvelopes(alice, MESSAGES)));
  dhStep.push(dhRound(alice, bob, DH_TURNS));
  // Bring Alice back to sending on a live chain after the DH turns (even number of turns: Bob spoke last).
  bob.decrypt(alice.encrypt(new Uint8Array(1)));
}

const result = {
  sendUs1KiB: Number(median(send).toFixed(2)),
  receiveUs1KiB: Number(median(receive).toFixed(2)),
  dhRatchetStepUs: Number(median(dhStep).toFixed(2)),
};
const out = join(dirname(fileURLToPath(import.meta.url)), 'results', 'session.json');
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
const round2 = (x: number) => Number(x.toFixed(2));
const best = { sendUs1KiB: round2(Math.min(...send)), receiveUs1KiB: round2(Math.min(...receive)), dhRatchetStepUs: round2(Math.min(...dhStep)) };
// The file gets the medians; the best rounds are printed too, as a hint of how much a busy machine inflates them.
console.log(JSON.stringify({ median: result, best, rounds: ROUNDS, messagesPerRound: MESSAGES, dhTurnsPerRound: DH_TURNS, quick, node: process.version }));
