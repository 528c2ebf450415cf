// npm run bench:server — relay throughput/latency at 50 connections on SQLite, stamping on and off in the
// same run, plus the CPU share of stamping and the cost of verifying one report item (1 KiB body).
// Loopback only, bounded in time and count. BENCH_QUICK=1 for a short CI run.
// The server runs as a child process (one core); this process generates load on the other core.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { Keyring, computeStamp, frankMessage, reportItemFromJson, toBase64Url, verifyReportItem } from '../client/protocol.ts';
import { nodeHmacSha256 } from '../server/services/stamping.ts';

const QUICK = process.env.BENCH_QUICK === '1';
const CONNECTIONS = 50;
const DURATION_MS = QUICK ? 3000 : 10_000;
const WARMUP_MS = QUICK ? 1000 : 2000;
const MAX_MESSAGES = 200_000;
const utf8 = (s: string) => new TextEncoder().encode(s);
const b64 = (u: Uint8Array) => toBase64Url(u);
const keyringJson = JSON.stringify(Keyring.create('k-bench', randomBytes(32), Date.now()).toJSON());

const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS + 10 });
function request(base: string, method: string, p: string, body?: unknown, token?: string): Promise<{ status: number; json: Record<string, unknown> }> {
  const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = http.request(base + p, {
      method, agent,
      headers: { ...(data ? { 'content-type': 'application/json', 'content-length': data.length } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        resolve({ status: res.statusCode ?? 0, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} });
      });
    });
    req.on('error', reject);
    if (data) req.write(data);
    req.end();
  });
}

async function user(base: string, id: string): Promise<string> {
  const sk = ed25519.utils.randomSecretKey();
  const dh = x25519.getPublicKey(x25519.utils.randomSecretKey());
  const reg = await request(base, 'POST', '/v1/accounts', {
    userId: id, identitySigningKey: b64(ed25519.getPublicKey(sk)), identityDhKey: b64(dh),
    signature: b64(ed25519.sign(Buffer.concat([utf8('franking-chat/v1/register\0'), dh, utf8(id)]), sk)),
  });
  if (reg.status !== 201) throw new Error(`register: ${reg.status}`);
  const ch = await request(base, 'POST', '/v1/auth/challenge', { userId: id });
  const challenge = Buffer.from(ch.json.challenge as string, 'base64url');
  const tok = await request(base, 'POST', '/v1/auth/token', {
    userId: id, challenge: ch.json.challenge, signature: b64(ed25519.sign(Buffer.concat([utf8('franking-chat/v1/auth\0'), challenge, utf8(id)]), sk)),
  });
  return tok.json.token as string;
}

function cpuMs(pid: number): number {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // utime + stime, clock ticks (100 Hz)
}

async function spawnServer(stamping: boolean, dir: string): Promise<{ child: ChildProcess; base: string }> {
  // BENCH_PROFILE=<dir> writes a V8 CPU profile of the server child there.
  const profile = process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [];
  const child = spawn(process.execPath, [...profile, '--import', 'tsx', 'server/main.ts'], {
    env: {
      ...process.env, PORT: '0', DATABASE_URL: `file:${path.join(dir, `bench-${stamping ? 'on' : 'off'}.db`)}`, STAMP_KEYRING: keyringJson,
      STAMPING: stamping ? 'on' : 'off', LOG_LEVEL: 'warn', RATE_LIMIT_SEND: '0', RATE_LIMIT_AUTH: '0', DATA_DIR: dir,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const base = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /server: (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m?.[1]) resolve(m[1]);
    });
    child.once('exit', (c) => reject(new Error(`server exited ${c}`)));
  });
  return { child, base };
}

interface RelayRun {
  msgsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  serverCpuUsPerMsg: number;
  messages: number;
  errors: number;
}

async function relayRun(stamping: boolean, dir: string): Promise<RelayRun> {
  const { child, base } = await spawnServer(stamping, dir);
  try {
    const pairs = await Promise.all(
      Array.from({ length: CONNECTIONS }, async (_, i) => {
        const [ta] = await Promise.all([user(base, `a${i}`), user(base, `b${i}`)]);
        const conv = await request(base, 'POST', '/v1/conversations', { kind: 'direct', peerId: `b${i}` }, ta);
        return { token: ta, conv: conv.json.id as string, recipient: `b${i}` };
      }),
    );
    // One realistic 200-byte message, franked for real; the ciphertext size matches an XChaCha20-Poly1305 payload.
    const franked = frankMessage({ conversationId: 'c', senderId: 'a', seq: 1 }, randomBytes(200));
    const ciphertext = b64(randomBytes(franked.payload.length + 40));
    const commitment = b64(franked.commitment);
    let phase: 'warmup' | 'measure' | 'stop' = 'warmup';
    const latencies: number[] = [];
    let errors = 0;
    let measured = 0;
    const worker = async (p: (typeof pairs)[number]) => {
      while (phase !== 'stop' && measured < MAX_MESSAGES) {
        const t0 = performance.now();
        const r = await request(base, 'POST', '/v1/messages', { conversationId: p.conv, commitment, envelopes: [{ recipientId: p.recipient, ciphertext }] }, p.token);
        if (r.status !== 201) errors++;
        if (phase === 'measure') {
          latencies.push(performance.now() - t0);
          measured++;
        }
      }
    };
    const workers = pairs.map(worker);
    await new Promise((r) => setTimeout(r, WARMUP_MS));
    const cpu0 = cpuMs(child.pid as number);
    const t0 = performance.now();
    phase = 'measure';
    await new Promise((r) => setTimeout(r, DURATION_MS));
    phase = 'stop';
    const elapsed = performance.now() - t0;
    const cpu1 = cpuMs(child.pid as number);
    await Promise.all(workers);
    latencies.sort((a, b) => a - b);
    const q = (x: number) => latencies[Math.min(latencies.length - 1, Math.floor(x * latencies.length))] ?? NaN;
    return {
      msgsPerSec: Math.round((measured / elapsed) * 1000), p50Ms: +q(0.5).toFixed(2), p99Ms: +q(0.99).toFixed(2),
      serverCpuUsPerMsg: +(((cpu1 - cpu0) * 1000) / measured).toFixed(1), messages: measured, errors,
    };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}

function microUs(fn: () => void, iterations: number): number {
  for (let i = 0; i < Math.min(2000, iterations); i++) fn();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) fn();
  return Number(process.hrtime.bigint() - t0) / 1000 / iterations;
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fc-bench-'));
  try {
    const on = await relayRun(true, dir);
    const off = await relayRun(false, dir);
    // Stamping cost per message on the relay path: one recipient stamp + one sender stamp.
    const ring = Keyring.create('k-bench', randomBytes(32), Date.now());
    const c = randomBytes(32);
    const fields = { messageId: 'm-abcdefgh-1234', conversationId: 'c_abcdefghijklmnop', senderId: 'a1', recipientId: 'b1', role: 'recipient' as const, serverTime: Date.now() };
    const stampUs = microUs(() => void computeStamp(ring, fields, c, { hmac: nodeHmacSha256 }), QUICK ? 20_000 : 100_000);
    const stampingCpuShare = +((2 * stampUs) / on.serverCpuUsPerMsg).toFixed(4);
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
      relay: { msgsPerSec: on.msgsPerSec, p99Ms: on.p99Ms, connections: CONNECTIONS, stampingOffMsgsPerSec: off.msgsPerSec },
      stampingCpuShare,
      verifyItemUs1KiB,
      details: {
        date: new Date().toISOString(), quick: QUICK, node: process.version, cpus: os.cpus().length, durationMs: DURATION_MS, database: 'sqlite',
        stampingOn: on, stampingOff: off, stampUsPerStamp: +stampUs.toFixed(3), stampsPerMessage: 2,
        goals: { msgsPerSec: 3000, p99Ms: 50, stampingCpuShare: 0.03, verifyItemUs1KiB: 8 },
      },
    };
    fs.mkdirSync('bench/results', { recursive: true });
    fs.writeFileSync('bench/results/server.json', `${JSON.stringify(result, null, 2)}\n`);
    console.log(JSON.stringify(result, null, 2));
  } finally {
    agent.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

await main();
