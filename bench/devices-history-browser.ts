// npm run bench:devices:browser — the history archive of 10,000 messages (docs/PROTOCOL-devices.md D15) in Debian's
// Chromium, as the goal names it (≤ 5 s each way). The page code (bench/_browser/devices-history.ts, bundled by
// esbuild) builds the same archive bench/devices.ts builds in Node, then measures, interleaved in the same page:
//   export   encodeHistoryArchive + encryptHistoryArchive (scheme 1 with the SDK's browser engine, WebCrypto)
//   import   decryptHistoryArchive (D15.5 steps 1–3) + importHistoryRecords (steps 4–6: every report item decoded and
//            its commitment re-opened with the default provider's HMAC)
//   baseline bare WebCrypto AES-256-GCM over the same plaintext bytes, one call each way
// then the same again under CDP CPU throttling 4× (`historyChromium.cpuThrottled4x`, a phone-class proxy as in bench/pow.ts).
// ms of wall time in the page (performance.now), median of runs after one warm-up pass. Merged into
// bench/results/devices.json as historyExport10kMsChromium / historyImport10kMsChromium and `historyChromium` (details);
// every other field of that file (bench:devices, Node) is kept as it is. The archive is always 10,000 messages (a few
// seconds); BENCH_QUICK=1 takes 2 runs instead of 9. BENCH_HISTORY_MESSAGES overrides the count for exploring (then the
// "10k" fields hold that count's figures, `historyChromium.messages` says which, and no goal is judged). Bounded by a
// watchdog (BENCH_TIMEOUT_S, default 600 s).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS } from '../vitest.config.ts';

const QUICK = process.env.BENCH_QUICK === '1';
const MESSAGES = Number(process.env.BENCH_HISTORY_MESSAGES ?? 10_000);
const RUNS = QUICK ? 2 : 9;
const GOAL_MS = 5000;
const THROTTLE = 4;
const HERE = path.dirname(fileURLToPath(import.meta.url));
const OUT = path.join(HERE, 'results', 'devices.json');

const watchdog = setTimeout(() => {
  console.error(`bench:devices:browser: watchdog after ${process.env.BENCH_TIMEOUT_S ?? 600} s`);
  process.exit(2);
}, Number(process.env.BENCH_TIMEOUT_S ?? 600) * 1000);
watchdog.unref();

interface PageResult {
  historyExport10kMsChromium: number;
  historyImport10kMsChromium: number;
  [k: string]: unknown;
}

const bundle = await build({ entryPoints: [path.join(HERE, '_browser', 'devices-history.ts')], bundle: true, format: 'iife', write: false, platform: 'browser', target: 'es2022' });
const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
const chromiumVersion = browser.version();
let page: PageResult;
let throttled: PageResult;
try {
  const tab = await browser.newPage();
  // WebCrypto needs a secure context: a localhost page served by this route (no network).
  await tab.route('http://localhost/bench', (route) => route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><title>bench:devices:browser</title>' }));
  await tab.goto('http://localhost/bench');
  await tab.addScriptTag({ content: bundle.outputFiles[0]?.text ?? '' });
  page = (await tab.evaluate(`runHistoryBench(${MESSAGES}, ${RUNS})`)) as PageResult;
  // A phone-class proxy beside it, as bench/pow.ts does: CDP CPU throttling 4× on the page's main thread, fewer runs.
  const cdp = await tab.context().newCDPSession(tab);
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: THROTTLE });
  throttled = (await tab.evaluate(`runHistoryBench(${MESSAGES}, ${QUICK ? 1 : 3})`)) as PageResult;
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 1 });
} finally {
  await browser.close();
}

const previous: Record<string, unknown> = existsSync(OUT) ? (JSON.parse(readFileSync(OUT, 'utf8')) as Record<string, unknown>) : {};
const { historyExport10kMsChromium, historyImport10kMsChromium, ...details } = page;
const merged = {
  ...previous,
  historyExport10kMsChromium,
  historyImport10kMsChromium,
  historyChromium: {
    date: new Date().toISOString(),
    command: `${QUICK ? 'BENCH_QUICK=1 ' : ''}npm run bench:devices:browser`,
    quick: QUICK,
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model ?? 'unknown', node: process.version, chromium: chromiumVersion },
    clock: 'wall time in the page (performance.now), median of runs after one warm-up',
    ...details,
    cpuThrottled4x: {
      what: `the same measurement with CDP Emulation.setCPUThrottlingRate ${THROTTLE}× (a phone-class proxy, not a phone)`,
      runs: throttled.runs,
      exportMedianMs: throttled.historyExport10kMsChromium,
      importMedianMs: throttled.historyImport10kMsChromium,
      bareSealMedianMs: (throttled.baseline as { sealMedianMs: number }).sealMedianMs,
      bareOpenMedianMs: (throttled.baseline as { openMedianMs: number }).openMedianMs,
    },
    goals: {
      history10kMsMax: GOAL_MS,
      exportMet: MESSAGES === 10_000 ? historyExport10kMsChromium <= GOAL_MS : null,
      importMet: MESSAGES === 10_000 ? historyImport10kMsChromium <= GOAL_MS : null,
    },
  },
};
mkdirSync(path.dirname(OUT), { recursive: true });
writeFileSync(OUT, `${JSON.stringify(merged, null, 2)}\n`);
console.log(`history ${MESSAGES} messages in Chromium ${chromiumVersion}: export ${historyExport10kMsChromium} ms, import ${historyImport10kMsChromium} ms (goal ≤ ${GOAL_MS} ms each at 10,000); CPU ${THROTTLE}×: export ${throttled.historyExport10kMsChromium} ms, import ${throttled.historyImport10kMsChromium} ms`);
console.log(JSON.stringify({ baseline: details.baseline, ratios: details.ratios, archiveRatio: details.archiveRatio }, null, 2));
