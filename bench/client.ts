// npm run bench:client — franking overhead on the client path, bare XChaCha20-Poly1305 vs franked, measured
// in the same run and interleaved; plus report-item verification on the server path (node:crypto HMAC).
// Per crypto provider ("providers": noble, native = node:crypto), frank + seal of 1 KiB against the same-run two-pass
// limit: a bare seal of the same payload bytes (noble XChaCha20-Poly1305 / native ChaCha20-Poly1305) plus an HMAC-SHA256
// of them with the same provider. Goal (native): ratio ≤ 1.5.
// Writes bench/results/client.json. BENCH_QUICK=1 shortens every measurement (CI).
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import { randomBytes } from 'node:crypto';
import {
  Keyring,
  computeStamp,
  frankMessage,
  WEBCRYPTO_COMMITMENT_THRESHOLD,
  frankMessageAsync,
  openFranked,
  openFrankedAsync,
  sealFranked,
  verifyReportItem,
  xchacha20poly1305Aead,
} from '../client/protocol.ts';
import { nodeHmacSha256 } from '../server/services/stamping/index.ts';
import { type CryptoProvider, nobleCryptoProvider } from '../client/crypto/index.ts';
import { nodeCryptoProvider } from '../client/crypto/node.ts';
import { median, round } from './_stats.ts';

const QUICK = process.env.BENCH_QUICK === '1';
const SIZES = [64, 1024, 65536, 1048576];
const EMPTY = new Uint8Array(0);

type Fn = () => unknown;

/** Runs fn n times; awaits only functions that return a promise (no microtask for synchronous ones). */
async function run(fn: Fn, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const r = fn();
    if (r instanceof Promise) await r;
  }
}

/** Calls per batch so that one batch takes about `targetMs`. */
async function calibrate(fn: Fn, targetMs: number): Promise<number> {
  let n = 1;
  for (;;) {
    const t = performance.now();
    await run(fn, n);
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
async function timeBatch(fn: Fn, n: number): Promise<number> {
  if (WALL) {
    const t = performance.now();
    await run(fn, n);
    return ((performance.now() - t) * 1000) / n;
  }
  // process.cpuUsage covers every thread of the process, so WebCrypto's work on the libuv pool is counted.
  const t = process.cpuUsage();
  await run(fn, n);
  const d = process.cpuUsage(t);
  return (d.user + d.system) / n;
}


/**
 * Measures two functions in alternating batches (a, b, a, b, …) so that load changes on a shared machine
 * hit both equally; returns the median µs per call of each and the median of the per-pair ratios b/a.
 */
async function paired(a: Fn, b: Fn, budgetMs: number, rounds = 15): Promise<{ a: number; b: number; ratio: number }> {
  const na = await calibrate(a, budgetMs / rounds / 4);
  const nb = await calibrate(b, budgetMs / rounds / 4);
  const as: number[] = [];
  const bs: number[] = [];
  const ratios: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const ta = await timeBatch(a, na);
    const tb = await timeBatch(b, nb);
    as.push(ta);
    bs.push(tb);
    ratios.push(tb / ta);
  }
  return { a: median(as), b: median(bs), ratio: median(ratios) };
}

async function measure(fn: Fn, budgetMs: number): Promise<number> {
  const n = await calibrate(fn, budgetMs / 36);
  const samples: number[] = [];
  for (let i = 0; i < 9; i++) samples.push(await timeBatch(fn, n));
  return median(samples);
}

const aead = xchacha20poly1305Aead(new Uint8Array(randomBytes(32)));
const budget = QUICK ? 300 : 3000;

// Per provider: the whole sender path (frankMessage + sealFranked under the provider's XChaCha20-Poly1305) against the
// two-pass limit measured in the same batches, alternating: bare seal of the same payload + HMAC of the same bytes.
async function providerFigures(name: string, p: CryptoProvider, bareSeal: (pt: Uint8Array) => Uint8Array) {
  const body1k = new Uint8Array(randomBytes(1024));
  const input = { conversationId: 'conv-bench', senderId: 'alice', seq: 7, prevCommitment: new Uint8Array(32).fill(1) };
  const key = new Uint8Array(randomBytes(32));
  const aeadP = xchacha20poly1305Aead(key, { crypto: p });
  const payload = frankMessage(input, body1k, { crypto: p }).payload;
  const twoPass = () => {
    bareSeal(payload);
    return p.hmacSha256(key, payload);
  };
  const frankSeal = () => sealFranked(aeadP, frankMessage(input, body1k, { crypto: p }));
  // Warm-up of both paths (a provider's child process starts with a cold JIT; the calibration batches are short).
  for (let i = 0; i < (QUICK ? 2000 : 5000); i++) {
    twoPass();
    frankSeal();
  }
  const r = await paired(twoPass, frankSeal, budget, 21);
  return [name, { frankSealUs1KiB: round(r.b), twoPassUs1KiB: round(r.a), ratio: round(r.ratio) }] as const;
}
const nonce12 = new Uint8Array(12);
const nonce24 = new Uint8Array(24);
const bareKey = new Uint8Array(randomBytes(32));
const figures = {
  noble: () => providerFigures('noble', nobleCryptoProvider, (pt) => nobleCryptoProvider.xchacha20poly1305Seal(bareKey, nonce24, pt, EMPTY)),
  native: () => providerFigures('native', nodeCryptoProvider, (pt) => nodeCryptoProvider.chacha20poly1305Seal(bareKey, nonce12, pt, EMPTY)),
} as const;
type ProviderName = keyof typeof figures;
type ProviderResult = Awaited<ReturnType<typeof providerFigures>>[1];
// Each provider is measured in a child process of its own (BENCH_PROVIDER=<name>), as an application runs one provider:
// in one process the provider measured second runs SDK code (frankMessage, sealFranked, the AEAD wrapper) that the
// JIT optimised for the other provider's objects (and the noble size rounds below), which moved its figures by tens
// of percent (bench/session.ts, docs/BENCHMARKS.md). BENCH_ISOLATE=0 measures both in this process as before.
const child = process.env.BENCH_PROVIDER as ProviderName | undefined;
if (child !== undefined) {
  if (!(child in figures)) throw new Error(`BENCH_PROVIDER: expected noble or native, got ${child}`);
  process.stdout.write(`BENCH_RESULT ${JSON.stringify((await figures[child]())[1])}\n`);
  process.exit(0);
}
const isolate = process.env.BENCH_ISOLATE !== '0';
async function isolatedFigures(name: ProviderName): Promise<readonly [ProviderName, ProviderResult]> {
  if (!isolate) return [name, (await figures[name]())[1]];
  const out = execFileSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url)], {
    env: { ...process.env, BENCH_PROVIDER: name },
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  const line = out.split('\n').find((l) => l.startsWith('BENCH_RESULT '));
  if (!line) throw new Error(`no result from the ${name} child:\n${out}`);
  return [name, JSON.parse(line.slice('BENCH_RESULT '.length)) as ProviderResult];
}
const providers = Object.fromEntries([await isolatedFigures('noble'), await isolatedFigures('native')]);

// The franked path the SDK recommends for each size: synchronous below WEBCRYPTO_COMMITMENT_THRESHOLD,
// the async API (WebCrypto HMAC for the commitment) from there on. The bare baseline is the same AEAD.
const sizes = [];
for (const bytes of SIZES) {
  const body = new Uint8Array(randomBytes(bytes));
  const input = { conversationId: 'conv-bench', senderId: 'alice', seq: 7, prevCommitment: new Uint8Array(32).fill(1) };
  const useAsync = bytes >= WEBCRYPTO_COMMITMENT_THRESHOLD;
  const bareCt = aead.seal(body, EMPTY);
  const franked = frankMessage(input, body);
  const frankCt = sealFranked(aead, franked);
  const encrypt = await paired(
    () => aead.seal(body, EMPTY),
    useAsync ? async () => sealFranked(aead, await frankMessageAsync(input, body)) : () => sealFranked(aead, frankMessage(input, body)),
    budget,
  );
  const decrypt = await paired(
    () => aead.open(bareCt, EMPTY),
    useAsync ? () => openFrankedAsync(aead, frankCt, franked.commitment) : () => openFranked(aead, frankCt, franked.commitment),
    budget,
  );
  sizes.push({
    bytes,
    path: useAsync ? 'async (WebCrypto HMAC)' : 'sync (noble HMAC)',
    bareEncryptUs: round(encrypt.a),
    frankEncryptUs: round(encrypt.b),
    ratio: round(encrypt.ratio),
    bareDecryptUs: round(decrypt.a),
    openVerifyUs: round(decrypt.b),
    openRatio: round(decrypt.ratio),
  });
}

// Server path: verify one 1 KiB report item with node:crypto HMAC (bytes identical to noble's; vectors prove it).
const now = Date.now();
const keyring = Keyring.create('k-bench', new Uint8Array(randomBytes(32)), now - 1000);
const body = new Uint8Array(randomBytes(1024));
const f = frankMessage({ conversationId: 'conv-bench', senderId: 'alice', seq: 1 }, body);
const stamp = computeStamp(keyring, { messageId: 'm-1', conversationId: 'conv-bench', senderId: 'alice', recipientId: 'bob', role: 'recipient', serverTime: now - 500 }, f.commitment, { hmac: nodeHmacSha256 });
const item = { stamp, commitment: f.commitment, fk: f.fk, header: f.headerBytes, body };
if (verifyReportItem(item, keyring, 'bob', now, undefined, { hmac: nodeHmacSha256 }).reason !== 'verified') throw new Error('bench item does not verify');
const verifyItemUs1KiB = round(await measure(() => verifyReportItem(item, keyring, 'bob', now, undefined, { hmac: nodeHmacSha256 }), budget));
const verifyItemNobleUs1KiB = round(await measure(() => verifyReportItem(item, keyring, 'bob', now), budget));


const result = {
  date: new Date().toISOString(),
  machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model ?? 'unknown', node: process.version },
  quick: QUICK,
  providerIsolation: isolate ? 'one child process per provider' : 'both providers in this process, after the size rounds',
  clock: WALL ? 'wall' : 'process cpu time',
  sizes,
  verifyItemUs1KiB,
  verifyItemNobleUs1KiB,
  /** Same-run, per provider: frank + seal of 1 KiB, the two-pass limit (bare seal + HMAC of the same bytes), ratio. */
  providers,
  goals: { nativeFrankSealRatioMax: 1.5, nativeFrankSealMet: providers.native!.ratio <= 1.5 },
};
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(new URL('./results/client.json', import.meta.url), JSON.stringify(result, null, 2) + '\n');
console.table(sizes);
console.log(`verifyReportItem, 1 KiB, node:crypto HMAC: ${verifyItemUs1KiB} µs; noble HMAC: ${verifyItemNobleUs1KiB} µs`);
console.table(providers);
console.log('wrote bench/results/client.json');
