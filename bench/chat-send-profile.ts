// npm run bench:chat-send — how a 1:1 send's time grows with the conversation's length, in Debian's Chromium through
// the real server (`tsx server/main.ts` on a fresh SQLite database, test/e2e/_server.ts) and the real chat pages:
// alice and bob (separate browser profiles, each showing their conversation) exchange messages through the page's
// engine (test hook `franking-chat:engine-hook`, chat/src/engine.ts), as bench/devices-link-browser.ts seeds them.
// At each size of BENCH_CHAT_SIZES (default 50,500; BENCH_QUICK=1: 50,200) the conversation is seeded up to that
// many messages (half each way), then alice sends BENCH_CHAT_SENDS (default 20) more, one after another, each timed
// in her page (performance.now around engine.send: franking, sealing, storing, the relay's answer, the re-render).
// Measured per size: the median and p90 of those sends, and how long until bob's page shows the last one; then, with a
// second tab of alice's open, TAB_SENDS more, one at a time: the median and p90 of the time from her first tab showing
// each until the second one does (the cross-tab update, chat/src/tab-sync.ts).
// BENCH_PROFILE=1 also records a Chrome DevTools CPU profile of both pages over the sends at the largest size and
// prints the functions with the most self and total time (the summary, not the raw profile; the chat is then
// built unminified so the names are the source's). Bounded by a watchdog (BENCH_TIMEOUT_S, default 900 s).
// Writes bench/results/chat-send.json (not with BENCH_PROFILE: an unminified build is not the shipped page).
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BrowserContext, type CDPSession, type Page, chromium } from 'playwright-core';
import { chatPage, held, register, sendMany, until } from './_chat-pages.ts';
import { buildWeb } from '../scripts/build-web.mjs';
import { startE2eServer } from '../test/e2e/_server.ts';
import { CHROMIUM, CHROMIUM_ARGS } from '../vitest.config.ts';

const QUICK = process.env.BENCH_QUICK === '1';
const PROFILE = process.env.BENCH_PROFILE === '1';
const SIZES = (process.env.BENCH_CHAT_SIZES ?? (QUICK ? '50,200' : '50,500')).split(',').map(Number).sort((a, b) => a - b);
const SENDS = Number(process.env.BENCH_CHAT_SENDS ?? 20);
/** Sends timed one at a time until alice's second tab shows each. */
const TAB_SENDS = QUICK ? 5 : 15;
const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..');
const OUT = path.join(HERE, 'results', 'chat-send.json');

const watchdog = setTimeout(() => {
  console.error(`bench:chat-send: watchdog after ${process.env.BENCH_TIMEOUT_S ?? 900} s`);
  process.exit(2);
}, Number(process.env.BENCH_TIMEOUT_S ?? 900) * 1000);
watchdog.unref();

const quantile = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * q))] ?? Number.NaN;
};
const round = (x: number): number => Math.round(x * 10) / 10;

/**
 * `n` sends from `page`, one at a time; for each, the ms from the moment `page` first shows it (its snapshot holds it)
 * until `tab` (another tab of the same profile) does. Both moments are read in the pages (performance.timeOrigin +
 * now: one browser, one clock), so the polling of this process does not count.
 */
async function secondTabLatencies(page: Page, tab: Page, n: number): Promise<number[]> {
  for (const p of [page, tab]) {
    await p.evaluate(() => {
      const w = window as unknown as { chatEngine: { subscribe(fn: () => void): () => void; getSnapshot(): { messages: Record<string, Array<{ text: string }>> } }; tabSeen?: Map<string, number> };
      if (w.tabSeen) return;
      const seen = (w.tabSeen = new Map());
      w.chatEngine.subscribe(() => {
        const at = performance.timeOrigin + performance.now();
        for (const list of Object.values(w.chatEngine.getSnapshot().messages)) {
          const last = list[list.length - 1];
          if (last && last.text.startsWith('tab ') && !seen.has(last.text)) seen.set(last.text, at);
        }
      });
    });
  }
  const seenAt = (p: Page, text: string) => p.evaluate((t) => (window as unknown as { tabSeen: Map<string, number> }).tabSeen.get(t), text);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const text = `tab ${Date.now()} ${i}`;
    await page.evaluate(async (t) => (window as unknown as { chatEngine: { send(peer: string, text: string): Promise<void> } }).chatEngine.send('bob', t), text);
    let shownAt: number | undefined;
    await until('the second tab shows the send', async () => (shownAt = await seenAt(tab, text)) !== undefined, 60_000);
    out.push((shownAt as number) - ((await seenAt(page, text)) as number));
  }
  return out;
}

interface ProfileNode { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number; children?: number[] }
interface CpuProfile { nodes: ProfileNode[]; startTime: number; endTime: number; samples?: number[]; timeDeltas?: number[] }

/** The functions with the most self time and total time (ms) in a CPU profile; a recursive frame counts once. */
function summarise(p: CpuProfile, top = 25): { totalMs: number; self: Array<[string, number]>; total: Array<[string, number]> } {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfMs = new Map<number, number>();
  const samples = p.samples ?? [];
  const deltas = p.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) {
    const next = deltas[i + 1] ?? 0;
    selfMs.set(samples[i] as number, (selfMs.get(samples[i] as number) ?? 0) + next / 1000);
  }
  const name = (n: ProfileNode): string => {
    const file = n.callFrame.url ? path.basename(n.callFrame.url.split('?')[0] as string) : '';
    return `${n.callFrame.functionName || '(anonymous)'}${file ? ` ${file}:${n.callFrame.lineNumber + 1}` : ''}`;
  };
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  for (const [id, ms] of selfMs) {
    const n = byId.get(id) as ProfileNode;
    self.set(name(n), (self.get(name(n)) ?? 0) + ms);
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const k = name(byId.get(cur) as ProfileNode);
      if (seen.has(k)) continue;
      seen.add(k);
      total.set(k, (total.get(k) ?? 0) + ms);
    }
  }
  const sorted = (m: Map<string, number>): Array<[string, number]> => [...m].sort((a, b) => b[1] - a[1]).slice(0, top).map(([k, v]) => [k, round(v)]);
  return { totalMs: round((p.endTime - p.startTime) / 1000), self: sorted(self), total: sorted(total) };
}

interface TraceEvent { name: string; ph: string; dur?: number; pid: number; tid: number; args?: { name?: string } }

/** Time (ms) of the renderer main threads' trace events by name (style, layout, paint, tasks): what "(program)" is. */
function summariseTrace(t: { traceEvents: TraceEvent[] }, top = 15): Array<[string, number]> {
  const main = new Set(t.traceEvents.filter((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain').map((e) => `${e.pid}:${e.tid}`));
  const by = new Map<string, number>();
  for (const e of t.traceEvents) if (e.ph === 'X' && e.dur && main.has(`${e.pid}:${e.tid}`)) by.set(e.name, (by.get(e.name) ?? 0) + e.dur / 1000);
  return [...by].sort((a, b) => b[1] - a[1]).slice(0, top).map(([k, v]) => [k, round(v)]);
}

async function startProfile(page: Page): Promise<CDPSession> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
  await cdp.send('Profiler.start');
  return cdp;
}
async function stopProfile(cdp: CDPSession): Promise<CpuProfile> {
  const { profile } = (await cdp.send('Profiler.stop')) as unknown as { profile: CpuProfile };
  await cdp.detach();
  return profile;
}

if (PROFILE) {
  const { build } = await import('vite');
  await build({ configFile: path.join(ROOT, 'chat/vite.config.ts'), logLevel: 'warn', build: { minify: false } });
} else await buildWeb({ only: ['chat'], force: true });
const server = await startE2eServer(ROOT, { RATE_LIMIT_AUTH: '10000', RATE_LIMIT_SEND: '100000' });
const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
const contexts: BrowserContext[] = [];
const sizes: Array<Record<string, unknown>> = [];
const profiles: Record<string, ReturnType<typeof summarise>> = {};
let rendering: Array<[string, number]> = [];
try {
  const alice = await chatPage(browser, contexts);
  const bob = await chatPage(browser, contexts);
  await register(alice, server.url, 'alice');
  await register(bob, server.url, 'bob');
  await alice.getByLabel('Add a contact by handle').fill('bob');
  await alice.getByRole('button', { name: 'Add', exact: true }).click();
  await until('the conversation with bob', async () => (await alice.getByRole('heading', { level: 1, name: 'bob' }).count()) === 1);
  await sendMany(alice, 'bob', 'alice', 1);
  await bob.getByTestId('requests').getByRole('button', { name: /alice/ }).click();
  await until('the request bar', async () => (await bob.getByTestId('request-bar').count()) === 1);
  await bob.getByTestId('request-bar').getByRole('button', { name: 'Accept' }).click();
  await until('bob can write', async () => (await bob.getByLabel('Message alice').count()) === 1);

  let held1 = 1;
  for (const size of SIZES) {
    // Seeding up to `size`: alternating blocks of at most 50, bob first (alice's measured sends come after).
    const seedStart = Date.now();
    for (let fromBob = true; held1 < size; fromBob = !fromBob) {
      const block = Math.min(50, size - held1);
      await sendMany(fromBob ? bob : alice, fromBob ? 'alice' : 'bob', fromBob ? 'bob' : 'alice', block);
      held1 += block;
    }
    await until(`${size} messages on both`, async () => (await held(alice, 'bob')) >= held1 && (await held(bob, 'alice')) >= held1, 300_000);
    const seedMs = Date.now() - seedStart;
    const profiling = PROFILE && size === SIZES[SIZES.length - 1];
    const cdps = profiling ? [await startProfile(alice), await startProfile(bob)] : [];
    if (profiling) await browser.startTracing(alice, { categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline'] });
    const t0 = Date.now();
    const times = await sendMany(alice, 'bob', 'measured', SENDS);
    held1 += SENDS;
    await until(`bob shows the measured sends`, async () => (await held(bob, 'alice')) >= held1, 300_000);
    const untilBobMs = Date.now() - t0;
    if (profiling) {
      rendering = summariseTrace(JSON.parse((await browser.stopTracing()).toString('utf8')) as { traceEvents: TraceEvent[] });
      profiles.alice = summarise(await stopProfile(cdps[0] as CDPSession));
      profiles.bob = summarise(await stopProfile(cdps[1] as CDPSession));
    }
    // A second tab of alice's (same profile, same IndexedDB: chat/src/tab-sync.ts), open only for this measure so
    // that it does not share the CPU with the sends above: how long until it shows what her first tab shows.
    const aliceTab = await alice.context().newPage();
    aliceTab.on('pageerror', (e) => console.error(`[page error] ${e.message}`));
    await aliceTab.goto(`${server.url}/`);
    await until('the second tab signed in', async () => (await aliceTab.getByTestId('me').textContent()) === 'alice');
    await until('the second tab holds the conversation', async () => (await held(aliceTab, 'bob')) >= held1, 300_000);
    const secondTab = await secondTabLatencies(alice, aliceTab, TAB_SENDS);
    await aliceTab.close();
    held1 += TAB_SENDS;
    sizes.push({
      messages: size, sendMedianMs: round(quantile(times, 0.5)), sendP90Ms: round(quantile(times, 0.9)), sends: SENDS, sendsShownOnBobMs: untilBobMs,
      secondTabMedianMs: round(quantile(secondTab, 0.5)), secondTabP90Ms: round(quantile(secondTab, 0.9)), secondTabSends: TAB_SENDS, seedMs, loadAverage: os.loadavg().map(round),
    });
    console.log(JSON.stringify(sizes[sizes.length - 1]));
  }
} finally {
  for (const c of contexts) await c.close().catch(() => undefined);
  await browser.close();
  await server.stop();
}
const result = {
  date: new Date().toISOString(),
  command: `${QUICK ? 'BENCH_QUICK=1 ' : ''}${process.env.BENCH_CHAT_SIZES ? `BENCH_CHAT_SIZES=${process.env.BENCH_CHAT_SIZES} ` : ''}npm run bench:chat-send`,
  quick: QUICK,
  machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model ?? 'unknown', node: process.version, loadAverage: os.loadavg().map(round) },
  clock: 'performance.now in the page around engine.send; sendsShownOnBobMs: wall time in this process (Date.now); secondTab*: performance.timeOrigin + now in both tabs',
  sizes,
};
if (PROFILE) {
  for (const [who, s] of Object.entries(profiles)) {
    console.log(`\n== ${who}: CPU profile over ${SENDS} sends at ${SIZES[SIZES.length - 1]} messages (${s.totalMs} ms) ==`);
    console.log('self:');
    for (const [k, v] of s.self) console.log(`  ${String(v).padStart(8)} ms  ${k}`);
    console.log('total:');
    for (const [k, v] of s.total) console.log(`  ${String(v).padStart(8)} ms  ${k}`);
  }
  console.log(`\n== alice: renderer main thread, trace events over the same sends (ms, nested events overlap) ==`);
  for (const [k, v] of rendering) console.log(`  ${String(v).padStart(8)} ms  ${k}`);
  console.log(JSON.stringify(result, null, 2));
} else {
  mkdirSync(path.dirname(OUT), { recursive: true });
  writeFileSync(OUT, `${JSON.stringify(result, null, 2)}\n`);
  console.log(JSON.stringify(result, null, 2));
  console.log(`→ ${path.relative(ROOT, OUT)}`);
}
