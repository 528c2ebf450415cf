// The hot-path budget (docs/BENCHMARKS.md "Peers", "Session cipher version 3, and what the wire format itself
// costs"):
// `npm run bench:peers:budget`, bounded with BENCH_QUICK=1. Where a franked 1:1 message's time goes beyond the
// two-pass floor of bench/peers.ts (a bare ChaCha20-Poly1305 seal / open of the 1 KiB body plus one HMAC-SHA256 of
// it, node:crypto), measured part by part in one process, interleaved round by round (median over rounds; each ratio
// the median of same-round ratios), CPU time of this process:
//   floor         the two-pass floor, seal side and open side (bench/peers.ts's floor.sealUs / floor.openUs).
//   parts         what every implementation of the wire format must do on top of the floor, each bare:
//                 KDF_CK of cipher versions 2 and 3 (docs/PROTOCOL-sessions.md §S17.1, §S18.1); the AD the AEAD
//                 must bind (seal with the 226-byte session AD minus seal without: one native setAAD and 226 bytes
//                 of Poly1305); the canonical header (docs/PROTOCOL.md §4.1) encoded and decoded; the payload
//                 (§5.2: header, fk and body in one buffer); the commitment over label, header and body against the
//                 floor's HMAC of the body alone; the random draws (clientMessageId 16, fk 32, nonce 12).
//   wireFloor     those parts run back to back with no SDK object, check or state in between (bench/_wire-floor.ts)
//                 — the least any implementation of this wire format does per message on this platform.
//   sdk           the SDK's own paths, as bench/peers.ts: frankMessage + Session.sendFranked + encodeFrankedEnvelope;
//                 decodeFrankedEnvelope + Session.receiveFranked (a session of the SDK's default cipher).
// Writes bench/results/peers-budget.json: {date, machine, node, quick, rounds, floor, parts, wireFloor, sdk, ratios:
// {wireFloorSealVsFloor, wireFloorOpenVsFloor, sdkSealVsFloor, sdkOpenVsFloor, sdkSealVsWireFloor,
// sdkOpenVsWireFloor}}. The goal of bench/peers.ts (frank + seal and open ≤ 1.3× the floor) is reachable only if the
// wireFloor ratios are well below 1.3.
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { nodeCryptoProvider as p } from '../client/crypto/node.ts';
import { computeCommitment, encodePayload, frankMessage } from '../client/franking/franking.ts';
import { decodeHeader, encodeHeader } from '../client/franking/header.ts';
import { decodeFrankedEnvelope, encodeFrankedEnvelope } from '../client/session/session-message.ts';
import { wireFloor } from './_wire-floor.ts';
import { median, round } from './_stats.ts';
import { steadySessionPair } from './_session-pair.ts';

const quick = process.env.BENCH_QUICK === '1';
const ROUNDS = quick ? 5 : 21;
const N = quick ? 1000 : 4000;
const body = new Uint8Array(1024).fill(0x61);
const EMPTY = new Uint8Array(0);
let sink = 0;

// ---- The wire floor and its parts (bench/_wire-floor.ts), on the protocol's inputs. ----
const wire = wireFloor(p, body);
const { header, headerBytes, fk, key, nonce, sessionAd } = wire;
const sealedBody = p.chacha20poly1305Seal(key, nonce, body, EMPTY);

// ---- The SDK's paths (a session of the SDK's default cipher, as bench/peers.ts). ----
const sdkPair = () => steadySessionPair({ crypto: p });
let seq = 1;
const frank = () => frankMessage({ conversationId: 'bench-peers', senderId: 'alice', senderDeviceId: 1, seq: seq++ }, body, { crypto: p });
const sender = sdkPair().alice;
const receiving = sdkPair();

type Op = { name: string; run: (n: number) => number };
const timed = (n: number, f: () => void): number => {
  const t = process.cpuUsage();
  for (let i = 0; i < n; i++) f();
  const d = process.cpuUsage(t);
  return (d.user + d.system) / n;
};
const ops: Op[] = [
  { name: 'floor.sealUs', run: (n) => timed(n, () => { sink ^= p.chacha20poly1305Seal(key, nonce, body, EMPTY).length ^ (p.hmacSha256(key, body)[0] as number); }) },
  { name: 'floor.openUs', run: (n) => timed(n, () => { sink ^= p.chacha20poly1305Open(key, nonce, sealedBody, EMPTY).length ^ (p.hmacSha256(key, body)[0] as number); }) },
  { name: 'parts.kdfChainV2Us', run: (n) => timed(n, () => { sink ^= wire.kdf(2); }) },
  { name: 'parts.kdfChainV3Us', run: (n) => timed(n, () => { sink ^= wire.kdf(3); }) },
  { name: 'parts.sealNoAdUs', run: (n) => timed(n, () => { sink ^= p.chacha20poly1305Seal(key, nonce, body, EMPTY).length; }) },
  { name: 'parts.sealSessionAdUs', run: (n) => timed(n, () => { sink ^= p.chacha20poly1305Seal(key, nonce, body, sessionAd).length; }) },
  { name: 'parts.headerEncodeUs', run: (n) => timed(n, () => { sink ^= encodeHeader(header).length; }) },
  { name: 'parts.headerDecodeUs', run: (n) => timed(n, () => { sink ^= decodeHeader(headerBytes).seq; }) },
  { name: 'parts.payloadUs', run: (n) => timed(n, () => { sink ^= encodePayload(headerBytes, fk, body).length; }) },
  { name: 'parts.floorHmacUs', run: (n) => timed(n, () => { sink ^= p.hmacSha256(key, body)[0] as number; }) },
  { name: 'parts.commitmentUs', run: (n) => timed(n, () => { sink ^= computeCommitment(fk, headerBytes, body, p.hmacSha256)[0] as number; }) },
  { name: 'parts.drawsUs', run: (n) => timed(n, () => { sink ^= (p.randomBytes(16)[0] as number) ^ (p.randomBytes(32)[0] as number) ^ (p.randomBytes(12)[0] as number); }) },
  { name: 'wireFloor.sealUs', run: (n) => timed(n, () => { sink ^= wire.seal(); }) },
  { name: 'wireFloor.openUs', run: (n) => timed(n, () => { sink ^= wire.open(); }) },
  { name: 'sdk.sealUs', run: (n) => timed(n, () => { sink ^= encodeFrankedEnvelope(sender.sendFranked(frank())).length; }) },
  {
    name: 'sdk.openUs',
    run: (n) => {
      const wire = Array.from({ length: n }, () => encodeFrankedEnvelope(receiving.alice.sendFranked(frank())));
      let i = 0;
      return timed(n, () => {
        const r = receiving.bob.receiveFranked(decodeFrankedEnvelope(wire[i++] as Uint8Array), { expect: { senderId: 'alice' } });
        if (r.status !== 'accepted') throw new Error('benchmark message dropped');
      });
    },
  },
];

const loadStart = os.loadavg();
for (const op of ops) op.run(Math.max(200, N / 5)); // warm-up: every path compiled
const samples = new Map<string, number[]>(ops.map((o) => [o.name, []]));
for (let r = 0; r < ROUNDS; r++) {
  for (let i = 0; i < ops.length; i++) {
    const op = ops[(i + r) % ops.length] as Op;
    samples.get(op.name)!.push(op.run(N));
  }
}
const loadEnd = os.loadavg();
const per = (k: string) => samples.get(k) as number[];
const fig = (k: string) => round(median(per(k)));
const ratio = (num: string, den: string) => round(median(per(num).map((x, i) => x / (per(den)[i] as number))));
/** Median over rounds of num − den measured in the same round (a part's cost as the difference of two operations). */
const diff = (num: string, den: string) => round(median(per(num).map((x, i) => x - (per(den)[i] as number))));
const group = (g: string) => Object.fromEntries(ops.filter((o) => o.name.startsWith(`${g}.`)).map((o) => [o.name.slice(g.length + 1), fig(o.name)]));
const result = {
  date: new Date().toISOString(),
  machine: { nproc: os.cpus().length, model: os.cpus()[0]?.model ?? 'unknown', loadAverageStart: loadStart.map(round), loadAverageEnd: loadEnd.map(round) },
  node: process.version,
  quick,
  clock: 'process cpu time',
  rounds: ROUNDS,
  opsPerRound: N,
  messageBytes: body.length,
  sdkCipherVersion: sender.cipherVersion,
  floor: group('floor'),
  parts: { ...group('parts'), sessionAdUs: diff('parts.sealSessionAdUs', 'parts.sealNoAdUs'), commitmentOverFloorHmacUs: diff('parts.commitmentUs', 'parts.floorHmacUs') },
  wireFloor: group('wireFloor'),
  sdk: group('sdk'),
  ratios: {
    wireFloorSealVsFloor: ratio('wireFloor.sealUs', 'floor.sealUs'),
    wireFloorOpenVsFloor: ratio('wireFloor.openUs', 'floor.openUs'),
    sdkSealVsFloor: ratio('sdk.sealUs', 'floor.sealUs'),
    sdkOpenVsFloor: ratio('sdk.openUs', 'floor.openUs'),
    sdkSealVsWireFloor: ratio('sdk.sealUs', 'wireFloor.sealUs'),
    sdkOpenVsWireFloor: ratio('sdk.openUs', 'wireFloor.openUs'),
    kdfChainV3VsV2: ratio('parts.kdfChainV3Us', 'parts.kdfChainV2Us'),
  },
  sink: sink & 1,
};
console.log(JSON.stringify(result, null, 2));
const dir = fileURLToPath(new URL('./results/', import.meta.url));
mkdirSync(dir, { recursive: true });
writeFileSync(`${dir}peers-budget.json`, `${JSON.stringify(result, null, 2)}\n`);
