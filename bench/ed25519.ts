// npm run bench:ed25519 — the cost of the one Ed25519 rule on the server (docs/PROTOCOL.md §14.4). Writes
// bench/results/ed25519.json, µs per verification (median of rounds), same run, same process:
//   opensslOnlyUs   node:crypto verify alone (the server's verifier before the rule: no strict checks)
//   serverUs        server/services/_ed25519.ts (the SDK's node provider: byte prechecks + OpenSSL, noble confirms a "false")
//   nobleUs         the pure-JS rule (nobleCryptoProvider)
// (CPU µs of this process, so neighbours on a shared machine distort it less) for three inputs: a valid signature (the common case), an invalid one (a flipped message bit: OpenSSL says false,
// noble confirms — the slow path, reached only by bad signatures) and a small-order key (refused by the prechecks).
// BENCH_QUICK=1: fewer iterations.
import { createPublicKey, verify } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ed25519 } from '@noble/curves/ed25519.js';
import { nobleCryptoProvider } from '../client/crypto/noble.ts';
import { verifyEd25519 } from '../server/services/_ed25519.ts';

const QUICK = process.env.BENCH_QUICK === '1';
const N = QUICK ? 500 : 3_000;
const ROUNDS = 5;
const SPKI = Buffer.from('302a300506032b6570032100', 'hex');
const opensslOnly = (pub: Uint8Array, msg: Uint8Array, sig: Uint8Array) => {
  try {
    return verify(null, msg, createPublicKey({ key: Buffer.concat([SPKI, pub]), format: 'der', type: 'spki' }), sig);
  } catch {
    return false;
  }
};

const seed = ed25519.utils.randomSecretKey();
const pub = ed25519.getPublicKey(seed);
const msg = new TextEncoder().encode('franking-chat/v1/register\0' + 'x'.repeat(64));
const sig = ed25519.sign(msg, seed);
const bad = msg.slice();
bad[0]! ^= 1;
const small = new Uint8Array(32);
small[0] = 1;
const smallSig = new Uint8Array(64);
smallSig[0] = 1;
const inputs = { valid: [pub, msg, sig], invalid: [pub, bad, sig], smallOrderKey: [small, msg, smallSig] } as const;
const verifiers = { opensslOnlyUs: opensslOnly, serverUs: verifyEd25519, nobleUs: nobleCryptoProvider.ed25519Verify };

function time(fn: (p: Uint8Array, m: Uint8Array, s: Uint8Array) => boolean, [p, m, s]: readonly [Uint8Array, Uint8Array, Uint8Array], n: number): number {
  const rounds: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    // CPU time of this process, not wall time: the machine is shared, and a verification is pure computation.
    const t0 = process.cpuUsage();
    for (let i = 0; i < n; i++) fn(p, m, s);
    const d = process.cpuUsage(t0);
    rounds.push((d.user + d.system) / n);
  }
  return Math.round(rounds.sort((a, b) => a - b)[Math.floor(ROUNDS / 2)]! * 10) / 10;
}

const results: Record<string, Record<string, number>> = {};
for (const [name, input] of Object.entries(inputs)) {
  results[name] = {};
  for (const [vname, fn] of Object.entries(verifiers)) {
    time(fn, input, Math.max(10, N / 10)); // warm-up
    results[name]![vname] = time(fn, input, vname === 'nobleUs' || (vname === 'serverUs' && name === 'invalid') ? Math.max(50, N / 10) : N);
  }
  results[name]!.serverOverOpenssl = Math.round((results[name]!.serverUs! / results[name]!.opensslOnlyUs!) * 100) / 100;
}
const out = { date: new Date().toISOString(), node: process.version, quick: QUICK, results };
fs.mkdirSync(path.join(import.meta.dirname, 'results'), { recursive: true });
fs.writeFileSync(path.join(import.meta.dirname, 'results', 'ed25519.json'), `${JSON.stringify(out, null, 2)}\n`);
console.log(JSON.stringify(out, null, 2));
