// npm run bench:pow — the cost of the registration proof of work (docs/MODERATION.md "Registration gate") in a
// browser: challenges made by the server's RegistrationGate, solved by the chat's own solver (chat/src/pow-solver.ts,
// bundled by esbuild) in Debian's Chromium. Phone-class proxy: CDP Emulation.setCPUThrottlingRate 4× and 6×, beside
// the same run unthrottled (1×). Chromium throttles only a page's main thread — a dedicated worker runs at full
// speed, and the CDP call is refused on a worker target ("only supported for pages") — so the throttled rows run the
// solver on the page thread; the chat's Web Worker (chat/src/pow-worker.ts) is measured unthrottled beside it. The
// same K challenges (same secret counters) are solved in every setting, so the settings differ only in speed.
// Baselines in the same run: raw WebCrypto SHA-256 digests per second on the same thread at each setting (what the
// solver is built from), and node:crypto SHA-256 per second in this process. Difficulties: the default
// REGISTRATION_POW_MAX_NUMBER and 4× it.
// Writes bench/results/pow.json. BENCH_QUICK=1: fewer challenges. Bounded: watchdog BENCH_TIMEOUT_S (default 900 s).
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { DEFAULT_POW_MAX_NUMBER, loadConfig } from '../server/config.ts';
import type { RegistrationRepo } from '../server/data/registration.ts';
import { RegistrationGate, deriveRegistrationKeys } from '../server/services/accounts/index.ts';
import { CHROMIUM, CHROMIUM_ARGS } from '../vitest.config.ts';

const QUICK = process.env.BENCH_QUICK === '1';
const K = Number(process.env.BENCH_POW_CHALLENGES ?? (QUICK ? 4 : 10));
const RATES = [1, 4, 6];
const DIFFICULTIES = [DEFAULT_POW_MAX_NUMBER, 4 * DEFAULT_POW_MAX_NUMBER];
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(ROOT, 'bench/results/pow.json');

const watchdog = setTimeout(() => {
  console.error(`bench:pow: watchdog after ${process.env.BENCH_TIMEOUT_S ?? 900} s`);
  process.exit(2);
}, Number(process.env.BENCH_TIMEOUT_S ?? 900) * 1000);
watchdog.unref();

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))] as number;
const r2 = (x: number) => Math.round(x * 100) / 100;

/** node:crypto SHA-256 of a 36-byte input (salt 16 + nonce 16 + counter 4, the solver's input), per second. */
function nodeSha256Rate(): number {
  const input = randomBytes(36);
  const n = 300_000;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    input.writeUInt32BE(i, 32);
    createHash('sha256').update(input).digest();
  }
  return n / ((performance.now() - t0) / 1000);
}

// The server's challenges: RegistrationGate.info() reads and writes no data, so no repository is needed.
const noData = null as unknown as RegistrationRepo;
const keys = deriveRegistrationKeys(randomBytes(32));
async function challenges(maxNumber: number) {
  const gate = new RegistrationGate({ ...loadConfig({}).registration, gate: 'pow', powMaxNumber: maxNumber, perAddressLimit: 0 }, noData, keys);
  return Promise.all(Array.from({ length: K }, async () => (await gate.info()).pow!.challenge));
}

const bundle = async (contents: string) =>
  (await build({ stdin: { contents, resolveDir: ROOT, loader: 'ts' }, bundle: true, format: 'iife', write: false, platform: 'browser', target: 'es2022' })).outputFiles[0]?.text ?? '';
const workerSource = await bundle(`import './chat/src/pow-worker.ts';`);
const pageSolverSource = await bundle(`import { solveWithProgress } from './chat/src/pow-solver.ts'; (globalThis as any).solveWithProgress = solveWithProgress;`);
// Raw digest loop: the same WebCrypto call the solver makes, without the solver around it (page thread or worker).
const digestLoop = `async function digestLoop(n) { const input = new Uint8Array(36); const t0 = performance.now();
  for (let i = 0; i < n; i++) { new DataView(input.buffer).setUint32(32, i); await crypto.subtle.digest('SHA-256', input); }
  return n / ((performance.now() - t0) / 1000); }`;
const digestSource = `${digestLoop}\nself.onmessage = async (e) => self.postMessage(await digestLoop(e.data.n));`;

const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
const chromiumVersion = browser.version();
const nodeBefore = nodeSha256Rate();
const results: Array<Record<string, unknown>> = [];
const digestRates: Record<string, number> = {};
try {
  const page = await browser.newPage();
  // WebCrypto needs a secure context: a localhost page served by this route (no network).
  await page.route('http://localhost/bench', (route) => route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><title>bench:pow</title>' }));
  await page.goto('http://localhost/bench');
  // Plain JavaScript (page.evaluate of a function compiled by tsx would carry its helpers along).
  await page.addScriptTag({
    content: `
      const blobUrl = (src) => URL.createObjectURL(new Blob([src], { type: 'text/javascript' }));
      const solverUrl = blobUrl(${JSON.stringify(workerSource)});
      const digestUrl = blobUrl(${JSON.stringify(digestSource)});
      ${pageSolverSource}
      ${digestLoop}
      globalThis.digestRatePage = digestLoop;
      globalThis.solvePage = async (challenge) => {
        const t0 = performance.now();
        const s = await globalThis.solveWithProgress(challenge, () => {});
        return { ms: performance.now() - t0, counter: s.counter };
      };
      globalThis.solveWorker = (challenge) => new Promise((resolve, reject) => {
        const worker = new Worker(solverUrl);
        const t0 = performance.now();
        worker.onmessage = (e) => {
          if (e.data.type === 'progress') return;
          worker.terminate();
          if (e.data.type === 'solved') resolve({ ms: performance.now() - t0, counter: e.data.solution.counter });
          else reject(new Error(e.data.error));
        };
        worker.postMessage({ challenge });
      });
      globalThis.digestRateWorker = (n) => new Promise((resolve) => {
        const worker = new Worker(digestUrl);
        worker.onmessage = (e) => { worker.terminate(); resolve(e.data); };
        worker.postMessage({ n });
      });`,
  });
  const cdp = await page.context().newCDPSession(page);
  const sets = await Promise.all(DIFFICULTIES.map(async (maxNumber) => ({ maxNumber, list: await challenges(maxNumber) })));
  const DIGESTS = QUICK ? 20_000 : 60_000;
  const settings = [{ thread: 'worker', rate: 1 }, ...RATES.map((rate) => ({ thread: 'page', rate }))];
  for (const { thread, rate } of settings) {
    await cdp.send('Emulation.setCPUThrottlingRate', { rate });
    const label = `${thread} ${rate}x`;
    digestRates[label] = Math.round((await page.evaluate(thread === 'page' ? `digestRatePage(${DIGESTS})` : `digestRateWorker(${DIGESTS})`)) as number);
    for (const { maxNumber, list } of sets) {
      const ms: number[] = [];
      let counters = 0;
      for (const c of list) {
        const r = (await page.evaluate(`${thread === 'page' ? 'solvePage' : 'solveWorker'}(${JSON.stringify(c)})`)) as { ms: number; counter: number };
        ms.push(r.ms);
        counters += r.counter + 1;
      }
      const totalS = ms.reduce((a, b) => a + b, 0) / 1000;
      const attemptsPerSecond = counters / totalS;
      results.push({
        thread, cpuThrottling: `${rate}x`, maxNumber, challenges: list.length,
        solveMs: { median: Math.round(median(ms)), p90: Math.round(pct(ms, 0.9)), max: Math.round(Math.max(...ms)) },
        attemptsPerSecond: Math.round(attemptsPerSecond),
        /** the expected solve time of this difficulty at the measured rate: maxNumber / 2 attempts */
        expectedMs: Math.round((maxNumber / 2 / attemptsPerSecond) * 1000),
        /** the worst case: every counter up to maxNumber */
        worstCaseMs: Math.round((maxNumber / attemptsPerSecond) * 1000),
      });
      console.log(JSON.stringify(results[results.length - 1]));
    }
  }
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 1 });
} finally {
  await browser.close();
}
const nodeAfter = nodeSha256Rate();
const nodeRate = Math.round((nodeBefore + nodeAfter) / 2);
const byKey = (thread: string, rate: string, maxNumber: number) =>
  results.find((r) => r.thread === thread && r.cpuThrottling === rate && r.maxNumber === maxNumber) as { expectedMs: number; attemptsPerSecond: number; solveMs: { median: number } };
const ratios = Object.fromEntries([
  ...RATES.filter((r) => r !== 1).flatMap((r) => DIFFICULTIES.map((d) => [`page ${r}x / page 1x, expected time (maxNumber ${d})`, r2(byKey('page', `${r}x`, d).expectedMs / byKey('page', '1x', d).expectedMs)])),
  ...DIFFICULTIES.map((d) => [`worker 1x / page 1x, expected time (maxNumber ${d})`, r2(byKey('worker', '1x', d).expectedMs / byKey('page', '1x', d).expectedMs)]),
]);
const out = {
  date: new Date().toISOString(),
  machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model ?? 'unknown', node: process.version, chromium: chromiumVersion },
  command: 'npm run bench:pow',
  quick: QUICK,
  defaultMaxNumber: DEFAULT_POW_MAX_NUMBER,
  results,
  baselines: {
    webcryptoSha256PerSecond: digestRates,
    nodeSha256PerSecond: nodeRate,
    solverVsRawDigestPage1x: r2(byKey('page', '1x', DEFAULT_POW_MAX_NUMBER).attemptsPerSecond / (digestRates['page 1x'] as number)),
    browserPageVsNode1x: r2((digestRates['page 1x'] as number) / nodeRate),
  },
  ratios,
};
fs.mkdirSync(path.dirname(OUT), { recursive: true });
fs.writeFileSync(OUT, `${JSON.stringify(out, null, 2)}\n`);
console.log(JSON.stringify({ baselines: out.baselines, ratios }, null, 2));
