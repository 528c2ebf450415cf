// npm run bench:client — franking overhead on the client path, bare XChaCha20-Poly1305 vs franked, measured
// in the same run and interleaved; plus report-item verification on the server path (node:crypto HMAC).
// Writes bench/results/client.json. BENCH_QUICK=1 shortens every measurement (CI).
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { randomBytes } from 'node:crypto';
import {
  Keyring,
  computeStamp,
  frankMessage,
  openFranked,
  sealFranked,
  verifyReportItem,
  xchacha20poly1305Aead,
} from '../client/protocol.ts';
import { nodeHmacSha256 } from '../server/services/stamping.ts';

const QUICK = process.env.BENCH_QUICK === '1';
const SIZES = [64, 1024, 65536, 1048576];
const EMPTY = new Uint8Array(0);

/** Calls per batch so that one batch takes about `targetMs`. */
function calibrate(fn: () => unknown, targetMs: number): number {
  let n = 1;
  for (;;) {
    const t = performance.now();
    for (let i = 0; i < n; i++) fn();
    if (performance.now() - t > targetMs) return n;
    n *= 2;
  }
}

/**
 * µs of this process's CPU time per call. The functions measured are synchronous and single-threaded, so
 * CPU time equals wall time on an idle machine, and (unlike wall time) is not inflated when other
 * processes compete for the cores. BENCH_CLOCK=wall switches to wall time.
 */
const WALL = process.env.BENCH_CLOCK === 'wall';
function timeBatch(fn: () => unknown, n: number): number {
  if (WALL) {
    const t = performance.now();
    for (let i = 0; i < n; i++) fn();
    return ((performance.now() - t) * 1000) / n;
  }
  const t = process.cpuUsage();
  for (let i = 0; i < n; i++) fn();
  const d = process.cpuUsage(t);
  return (d.user + d.system) / n;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

/**
 * Measures two functions in alternating batches (a, b, a, b, …) so that load changes on a shared machine
 * hit both equally; returns the median µs per call of each and the median of the per-pair ratios b/a.
 */
function paired(a: () => unknown, b: () => unknown, budgetMs: number, rounds = 15): { a: number; b: number; ratio: number } {
  const na = calibrate(a, budgetMs / rounds / 4);
  const nb = calibrate(b, budgetMs / rounds / 4);
  const as: number[] = [];
  const bs: number[] = [];
  const ratios: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const ta = timeBatch(a, na);
    const tb = timeBatch(b, nb);
    as.push(ta);
    bs.push(tb);
    ratios.push(tb / ta);
  }
  return { a: median(as), b: median(bs), ratio: median(ratios) };
}

const measure = (fn: () => unknown, budgetMs: number) => median(Array.from({ length: 9 }, () => timeBatch(fn, calibrate(fn, budgetMs / 36))));

const aead = xchacha20poly1305Aead(new Uint8Array(randomBytes(32)));
const budget = QUICK ? 300 : 3000;
const round = (x: number) => Math.round(x * 100) / 100;

const sizes = SIZES.map((bytes) => {
  const body = new Uint8Array(randomBytes(bytes));
  const input = { conversationId: 'conv-bench', senderId: 'alice', seq: 7, prevCommitment: new Uint8Array(32).fill(1) };
  const bareCt = aead.seal(body, EMPTY);
  const franked = frankMessage(input, body);
  const frankCt = sealFranked(aead, franked);
  const encrypt = paired(() => aead.seal(body, EMPTY), () => sealFranked(aead, frankMessage(input, body)), budget);
  const decrypt = paired(() => aead.open(bareCt, EMPTY), () => openFranked(aead, frankCt, franked.commitment), budget);
  return {
    bytes,
    bareEncryptUs: round(encrypt.a),
    frankEncryptUs: round(encrypt.b),
    ratio: round(encrypt.ratio),
    bareDecryptUs: round(decrypt.a),
    openVerifyUs: round(decrypt.b),
    openRatio: round(decrypt.ratio),
  };
});

// Server path: verify one 1 KiB report item with node:crypto HMAC (bytes identical to noble's; vectors prove it).
const now = Date.now();
const keyring = Keyring.create('k-bench', new Uint8Array(randomBytes(32)), now - 1000);
const body = new Uint8Array(randomBytes(1024));
const f = frankMessage({ conversationId: 'conv-bench', senderId: 'alice', seq: 1 }, body);
const stamp = computeStamp(keyring, { messageId: 'm-1', conversationId: 'conv-bench', senderId: 'alice', recipientId: 'bob', role: 'recipient', serverTime: now - 500 }, f.commitment, { hmac: nodeHmacSha256 });
const item = { stamp, commitment: f.commitment, fk: f.fk, header: f.headerBytes, body };
if (verifyReportItem(item, keyring, 'bob', now, undefined, { hmac: nodeHmacSha256 }).reason !== 'verified') throw new Error('bench item does not verify');
const verifyItemUs1KiB = round(measure(() => verifyReportItem(item, keyring, 'bob', now, undefined, { hmac: nodeHmacSha256 }), budget));
const verifyItemNobleUs1KiB = round(measure(() => verifyReportItem(item, keyring, 'bob', now), budget));

const result = {
  date: new Date().toISOString(),
  machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model ?? 'unknown', node: process.version },
  quick: QUICK,
  clock: WALL ? 'wall' : 'process cpu time',
  sizes,
  verifyItemUs1KiB,
  verifyItemNobleUs1KiB,
};
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(new URL('./results/client.json', import.meta.url), JSON.stringify(result, null, 2) + '\n');
console.table(sizes);
console.log(`verifyReportItem, 1 KiB, node:crypto HMAC: ${verifyItemUs1KiB} µs; noble HMAC: ${verifyItemNobleUs1KiB} µs`);
console.log('wrote bench/results/client.json');
