// npm run bench:server — relay throughput/latency at 50 sending connections on SQLite, stamping on and off in
// the same run, plus the CPU share of stamping and the cost of verifying one report item (1 KiB body).
// What one "message" costs here is the whole relay round: POST /v1/messages by the sender, delivery to the
// recipient and its acknowledgement (which deletes the envelope). BENCH_RECEIVE selects how recipients receive:
//   push (default) — WebSocket /v1/stream, ack frames: how the chat app runs;
//   poll           — long-poll GET /v1/messages?wait=5, then POST /v1/messages/ack;
//   off            — nobody fetches: sends only (the pre-2026-11-22 benchmark).
// Loopback only (127.0.0.1), bounded in time (watchdog) and count. BENCH_QUICK=1 for a short CI run (one round
// of 1 s warm-up + 3 s per mode); the full run alternates stamping on/off BENCH_ROUNDS=3 times (2 s + 10 s each)
// and reports each mode's median run.
// The server runs as a child process; this process generates the load. Because wall-clock numbers depend on
// whatever else runs on the machine, the server child's own CPU time per message (utime+stime of all its
// threads, /proc/<pid>/stat) is reported too: 1e6 / that = messages per second one server core can relay.
import { type ChildProcess, spawn } from 'node:child_process';
import { setMaxListeners } from 'node:events';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { WebSocket } from 'ws';
import { jsonRequester, registerUser } from './_http.ts';
import { Keyring, computeStamp, frankMessage, reportItemFromJson, toBase64Url, verifyReportItem } from '../client/protocol.ts';
import { nodeHmacSha256 } from '../server/services/stamping/index.ts';

const QUICK = process.env.BENCH_QUICK === '1';
const RECEIVE = (process.env.BENCH_RECEIVE ?? 'push') as 'push' | 'poll' | 'off';
if (!['push', 'poll', 'off'].includes(RECEIVE)) throw new Error('BENCH_RECEIVE: push | poll | off');
const CONNECTIONS = 50;
const DURATION_MS = QUICK ? 3000 : 10_000;
const WARMUP_MS = QUICK ? 1000 : 2000;
const MAX_MESSAGES = 200_000;
/** Hard bound for the whole benchmark: the server child is killed and the run fails after this. */
/** Stamping on/off runs alternate this many times; reported: the median run of each mode (and every run). */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? (QUICK ? 1 : 3));
const WATCHDOG_MS = (QUICK ? 90_000 : 120_000) * ROUNDS;
/** Extra node flags for the server child (e.g. BENCH_SERVER_NODE_FLAGS=--max-semi-space-size=32). */
const SERVER_NODE_FLAGS = (process.env.BENCH_SERVER_NODE_FLAGS ?? '').split(' ').filter(Boolean);
const b64 = (u: Uint8Array) => toBase64Url(u);
const keyringJson = JSON.stringify(Keyring.create('k-bench', randomBytes(32), Date.now()).toJSON());

const agent = new http.Agent({ keepAlive: true, maxSockets: 2 * CONNECTIONS + 10 });
const request = jsonRequester(agent);
const user = (base: string, id: string) => registerUser(request, base, id);

const CLK_TCK = 100; // Linux USER_HZ
/** CPU time (ms) of a process, all threads: utime + stime from /proc/<pid>/stat. */
function cpuMs(pid: number): number {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return ((Number(f[11]) + Number(f[12])) * 1000) / CLK_TCK;
}
const ownCpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

const children = new Set<ChildProcess>();
let serverCount = 0;
async function spawnServer(stamping: boolean, dir: string): Promise<{ child: ChildProcess; base: string }> {
  // BENCH_PROFILE=<dir> writes a V8 CPU profile of the server child there.
  const profile = process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [];
  const child = spawn(process.execPath, [...SERVER_NODE_FLAGS, ...profile, '--import', 'tsx', 'server/main.ts'], {
    env: {
      ...process.env, HOST: '127.0.0.1', PORT: '0', DATABASE_URL: `file:${path.join(dir, `bench-${serverCount++}-${stamping ? 'on' : 'off'}.db`)}`, STAMP_KEYRING: keyringJson,
      STAMPING: stamping ? 'on' : 'off', LOG_LEVEL: 'warn', RATE_LIMIT_SEND: '0', RATE_LIMIT_AUTH: '0', REGISTRATION_LIMIT_PER_ADDRESS: '0', DATA_DIR: dir,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  const base = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /(http:\/\/127\.0\.0\.1:\d+)/.exec(out); // first URL the server prints
      if (m?.[1]) resolve(m[1]);
    });
    child.once('exit', (c) => reject(new Error(`server exited ${c}`)));
  });
  return { child, base };
}

interface RelayRun {
  /** accepted sends (201) per second of wall time */
  msgsPerSec: number;
  /** envelopes fetched by recipients per second (0 when BENCH_RECEIVE=off) */
  deliveredPerSec: number;
  /** send request latency (POST /v1/messages round trip at the client) */
  p50Ms: number;
  p99Ms: number;
  /** sender's request start → envelope received by the recipient (push frame / fetch response), load-generator clock */
  deliveryP50Ms: number | null;
  deliveryP99Ms: number | null;
  /** server process CPU (all threads) per accepted message, including its fetch and ack */
  serverCpuUsPerMsg: number;
  /** 1e6 / serverCpuUsPerMsg: relay capacity of one fully used server core, independent of neighbours */
  msgsPerServerCoreSec: number;
  /** CPU cores the server / this load generator used on average during the window */
  serverCores: number;
  loadGenCores: number;
  messages: number;
  delivered: number;
  /** fetch responses / push frames that carried envelopes */
  fetches: number;
  acks: number;
  errors: number;
}

const quantile = (sorted: number[], x: number) => sorted[Math.min(sorted.length - 1, Math.floor(x * sorted.length))] ?? NaN;

async function relayRun(stamping: boolean, dir: string): Promise<RelayRun> {
  const { child, base } = await spawnServer(stamping, dir);
  const stopReceivers = new AbortController();
  setMaxListeners(4 * CONNECTIONS, stopReceivers.signal);
  const sockets: WebSocket[] = [];
  try {
    const pairs = await Promise.all(
      Array.from({ length: CONNECTIONS }, async (_, i) => {
        const [ta, tb] = await Promise.all([user(base, `a${i}`), user(base, `b${i}`)]);
        const conv = await request(base, 'POST', '/v1/conversations', { kind: 'direct', peerId: `b${i}` }, ta);
        return { token: ta, recipientToken: tb, conv: conv.json.id as string, recipient: `b${i}` };
      }),
    );
    // One realistic 200-byte message, franked for real; the ciphertext size matches an XChaCha20-Poly1305 payload.
    const franked = frankMessage({ conversationId: 'c', senderId: 'a', seq: 1 }, randomBytes(200));
    const ciphertext = b64(randomBytes(franked.payload.length + 40));
    const commitment = b64(franked.commitment);
    let phase: 'warmup' | 'measure' | 'stop' = 'warmup';
    const latencies: number[] = [];
    const deliveryMs: number[] = [];
    let errors = 0;
    let measured = 0;
    let delivered = 0;
    let fetches = 0;
    let acks = 0;
    const sender = async (p: (typeof pairs)[number]) => {
      while (phase !== 'stop' && measured < MAX_MESSAGES) {
        const t0 = performance.now();
        const measuring = phase === 'measure';
        const r = await request(base, 'POST', '/v1/messages', { conversationId: p.conv, commitment, envelopes: [{ recipientId: p.recipient, ciphertext }] }, p.token);
        if (r.status !== 201) errors++;
        else if (phase === 'measure') {
          latencies.push(performance.now() - t0);
          measured++;
        }
        if (r.status === 201 && measuring && RECEIVE !== 'off') {
          const id = r.json.messageId as string;
          const at = arrived.get(id);
          if (at === undefined) sentAt.set(id, t0);
          else {
            arrived.delete(id);
            deliveryMs.push(at - t0);
          }
        }
      }
    };
    // A recipient as a real client runs it: long-poll fetch, then acknowledge what arrived (deletes it).
    const receiver = async (p: (typeof pairs)[number]) => {
      while (phase !== 'stop') {
        let r: Awaited<ReturnType<typeof request>>;
        try {
          r = await request(base, 'GET', '/v1/messages?limit=500&wait=5', undefined, p.recipientToken, stopReceivers.signal);
        } catch (e) {
          if (stopReceivers.signal.aborted) return;
          throw e;
        }
        if (r.status !== 200) {
          errors++;
          continue;
        }
        const envelopes = r.json.envelopes as Array<{ id: string; stamp: { messageId: string } }>;
        if (!envelopes.length) continue;
        onEnvelopes(envelopes);
        const a = await request(base, 'POST', '/v1/messages/ack', { ids: envelopes.map((e) => e.id) }, p.recipientToken);
        if (a.status !== 200 || a.json.deleted !== envelopes.length) errors++;
        else if (phase === 'measure') acks++;
      }
    };
    // Delivery latency: sender's request start → envelope in the recipient's hands, both on this process's clock
    // (stamp serverTime is not a wall clock: it is kept strictly increasing and runs ahead above 1,000 msgs/s).
    const sentAt = new Map<string, number>();
    const arrived = new Map<string, number>();
    const onEnvelopes = (envelopes: Array<{ id: string; stamp: { messageId: string } }>) => {
      const at = performance.now();
      for (const e of envelopes) {
        const t0 = sentAt.get(e.stamp.messageId);
        if (t0 !== undefined) {
          sentAt.delete(e.stamp.messageId);
          deliveryMs.push(at - t0);
        } else if (phase === 'measure') arrived.set(e.stamp.messageId, at);
      }
      if (phase !== 'measure') return;
      fetches++;
      delivered += envelopes.length;
    };
    // Push: one WebSocket per recipient; every envelopes frame is acknowledged with an ack frame.
    const pusher = (p: (typeof pairs)[number]) =>
      new Promise<void>((resolve, reject) => {
        const ws = new WebSocket(`${base.replace('http:', 'ws:')}/v1/stream`);
        sockets.push(ws);
        ws.on('open', () => ws.send(JSON.stringify({ type: 'auth', token: p.recipientToken })));
        ws.on('message', (data) => {
          const f = JSON.parse(String(data)) as { type: string; envelopes?: Array<{ id: string; stamp: { messageId: string } }> };
          if (f.type === 'ready') return resolve();
          if (f.type === 'kt-head') return; // the key log's head (docs/API.md "Push channel"): not an envelope
          if (f.type !== 'envelopes' || !f.envelopes?.length) return void errors++;
          onEnvelopes(f.envelopes);
          ws.send(JSON.stringify({ type: 'ack', ids: f.envelopes.map((e) => e.id) }));
          if (phase === 'measure') acks++;
        });
        ws.on('error', reject);
        ws.on('close', (code) => {
          if (phase !== 'stop') errors++;
          resolve();
          void code;
        });
      });
    if (RECEIVE === 'push') await Promise.all(pairs.map(pusher));
    const workers = [...pairs.map(sender), ...(RECEIVE === 'poll' ? pairs.map(receiver) : [])];
    await new Promise((r) => setTimeout(r, WARMUP_MS));
    const cpu0 = cpuMs(child.pid as number);
    const own0 = ownCpuMs();
    const t0 = performance.now();
    phase = 'measure';
    await new Promise((r) => setTimeout(r, DURATION_MS));
    phase = 'stop';
    const elapsed = performance.now() - t0;
    const cpu1 = cpuMs(child.pid as number);
    const own1 = ownCpuMs();
    stopReceivers.abort();
    await Promise.all(workers);
    latencies.sort((a, b) => a - b);
    deliveryMs.sort((a, b) => a - b);
    const cpuUs = ((cpu1 - cpu0) * 1000) / measured;
    return {
      msgsPerSec: Math.round((measured / elapsed) * 1000), deliveredPerSec: Math.round((delivered / elapsed) * 1000),
      p50Ms: +quantile(latencies, 0.5).toFixed(2), p99Ms: +quantile(latencies, 0.99).toFixed(2),
      deliveryP50Ms: deliveryMs.length ? +quantile(deliveryMs, 0.5).toFixed(2) : null, deliveryP99Ms: deliveryMs.length ? +quantile(deliveryMs, 0.99).toFixed(2) : null,
      serverCpuUsPerMsg: +cpuUs.toFixed(1), msgsPerServerCoreSec: Math.round(1e6 / cpuUs),
      serverCores: +((cpu1 - cpu0) / elapsed).toFixed(2), loadGenCores: +((own1 - own0) / elapsed).toFixed(2),
      messages: measured, delivered, fetches, acks, errors,
    };
  } finally {
    stopReceivers.abort();
    for (const ws of sockets) ws.terminate();
    child.kill('SIGTERM');
    if (child.exitCode === null) await new Promise((r) => child.once('exit', r));
  }
}

/**
 * CPU µs per call of `fn` in this process: CPU time, not wall time, and the fastest of 5 repetitions — on a
 * shared machine neighbours inflate even CPU time (caches, SMT siblings), never deflate it.
 */
function microUs(fn: () => void, iterations: number): number {
  for (let i = 0; i < Math.min(2000, iterations); i++) fn();
  let best = Infinity;
  const per = Math.ceil(iterations / 5);
  for (let r = 0; r < 5; r++) {
    const c0 = process.cpuUsage();
    for (let i = 0; i < per; i++) fn();
    const c = process.cpuUsage(c0);
    best = Math.min(best, (c.user + c.system) / per);
  }
  return best;
}

const loadavg = () => os.loadavg().map((x) => +x.toFixed(2));

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fc-bench-'));
  const watchdog = setTimeout(() => {
    console.error(`bench:server: watchdog (${WATCHDOG_MS} ms) — killing the server and failing`);
    for (const c of children) c.kill('SIGKILL');
    process.exit(1);
  }, WATCHDOG_MS);
  watchdog.unref();
  try {
    const loadBefore = loadavg();
    // Alternate modes so that neighbours' load on a shared machine hits both alike; take each mode's median run.
    const onRuns: RelayRun[] = [];
    const offRuns: RelayRun[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      onRuns.push(await relayRun(true, dir));
      offRuns.push(await relayRun(false, dir));
    }
    const loadAfter = loadavg();
    const median = (runs: RelayRun[]) => [...runs].sort((a, b) => a.msgsPerSec - b.msgsPerSec)[Math.floor(runs.length / 2)] as RelayRun;
    const medianOf = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
    const on = median(onRuns);
    const off = median(offRuns);
    const cpuUsOn = medianOf(onRuns.map((r) => r.serverCpuUsPerMsg));
    // Stamping cost per message on the relay path: one recipient stamp + one sender stamp.
    const ring = Keyring.create('k-bench', randomBytes(32), Date.now());
    const c = randomBytes(32);
    const fields = { messageId: 'm-abcdefgh-1234', conversationId: 'c_abcdefghijklmnop', senderId: 'a1', recipientId: 'b1', role: 'recipient' as const, serverTime: Date.now() };
    const stampUs = microUs(() => void computeStamp(ring, fields, c, { hmac: nodeHmacSha256 }), QUICK ? 20_000 : 100_000);
    const stampingCpuShare = +((2 * stampUs) / cpuUsOn).toFixed(4);
    const stampingCpuShareBestRound = +((2 * stampUs) / Math.min(...onRuns.map((r) => r.serverCpuUsPerMsg))).toFixed(4);
    // Report item verification, 1 KiB body.
    const now = Date.now();
    const fm = frankMessage({ conversationId: 'c1', senderId: 'alice', seq: 1 }, randomBytes(1024));
    const stamp = computeStamp(ring, { messageId: 'm1', conversationId: 'c1', senderId: 'alice', recipientId: 'bob', role: 'recipient', serverTime: now }, fm.commitment);
    const item = reportItemFromJson({
      stamp: { ...stamp, tag: b64(stamp.tag) }, commitment: b64(fm.commitment), fk: b64(fm.fk), header: b64(fm.headerBytes), body: b64(randomBytes(0)),
    });
    item.body = fm.payload.subarray(fm.payload.length - 1024);
    if (!verifyReportItem(item, ring, 'bob', now, undefined, { hmac: nodeHmacSha256 }).ok) throw new Error('bench item does not verify');
    const verifyItemUs1KiB = +microUs(() => void verifyReportItem(item, ring, 'bob', now, undefined, { hmac: nodeHmacSha256 }), QUICK ? 20_000 : 100_000).toFixed(2);

    const result = {
      relay: {
        msgsPerSec: on.msgsPerSec, p99Ms: on.p99Ms, connections: CONNECTIONS, stampingOffMsgsPerSec: off.msgsPerSec,
        serverCpuUsPerMsg: cpuUsOn, msgsPerServerCoreSec: Math.round(1e6 / cpuUsOn),
        bestOfRounds: { msgsPerSec: Math.max(...onRuns.map((r) => r.msgsPerSec)), p99Ms: Math.min(...onRuns.map((r) => r.p99Ms)), serverCpuUsPerMsg: Math.min(...onRuns.map((r) => r.serverCpuUsPerMsg)) },
        rounds: ROUNDS,
        measures: {
          push: 'per message: POST /v1/messages + WebSocket push to the recipient + ack frame (envelope deleted)',
          poll: 'per message: POST /v1/messages + long-poll GET /v1/messages + POST /v1/messages/ack (envelope deleted)',
          off: 'per message: POST /v1/messages only (recipients never fetch; envelopes accumulate)',
        }[RECEIVE],
      },
      stampingCpuShare,
      verifyItemUs1KiB,
      details: {
        date: new Date().toISOString(), quick: QUICK, node: process.version, cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? '?',
        loadavg1_5_15: { before: loadBefore, after: loadAfter }, durationMs: DURATION_MS, warmupMs: WARMUP_MS, database: 'sqlite',
        serverNodeFlags: SERVER_NODE_FLAGS, receive: RECEIVE,
        stampingOn: on, stampingOff: off, runs: { stampingOn: onRuns, stampingOff: offRuns }, stampingCpuShareBestRound, stampCpuUsPerStamp: +stampUs.toFixed(3), stampsPerMessage: 2,
        goals: { msgsPerSec: 3000, p99Ms: 50, stampingCpuShare: 0.03, verifyItemUs1KiB: 8 },
      },
    };
    fs.mkdirSync('bench/results', { recursive: true });
    fs.writeFileSync('bench/results/server.json', `${JSON.stringify(result, null, 2)}\n`);
    console.log(JSON.stringify(result, null, 2));
  } finally {
    clearTimeout(watchdog);
    agent.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

await main();
