// npm run bench:devices-server — server CPU per delivered copy with 3 devices per account against server CPU per
// message with 1 device, in the same server process and run (docs/PROTOCOL-devices.md D13; docs/BENCHMARKS.md).
// One "message" with 1 device: the single-device send (one envelope), its push delivery and the ack frame. One send
// with 3 devices per account: the D13.2 body with 5 copies (the peer's 3 devices and the sender's 2 others, one
// request, one recipient stamp and one sender stamp, D12.1), checked against both accounts' logged device lists
// (D13.3), and each copy pushed to its own device's socket and acknowledged by it. The ratio is the server child's
// CPU (utime+stime, /proc/<pid>/stat) per delivered copy over its CPU per delivered single-device message, the median
// of the rounds' ratios (pooled over all rounds beside it): goal ≤ 0.6.
// Modes alternate in rounds (BENCH_ROUNDS, default 3; BENCH_QUICK=1: one round of 300 sends per mode), bounded by a
// watchdog. Copies are opaque random bytes of a sealed 200-byte message's size: the relay never opens them.
// Writes bench/results/devices-server.json.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { WebSocket } from 'ws';
import { jsonRequester, registerUser } from './_http.ts';
import { Keyring, toBase64Url } from '../client/protocol.ts';
import {
  type DeviceList, encodeSignedDeviceList, linkDeviceList, signDeviceList, type VerifiedDeviceList, verifyListStep, ZERO_LIST_HASH,
} from '../client/devices/index.ts';
import { generateIdentity, type IdentityKeyPair } from '../client/session/identity.ts';
import { signDeviceChallenge } from '../client/transport/auth.ts';

const QUICK = process.env.BENCH_QUICK === '1';
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? (QUICK ? 1 : 3));
const SENDS = QUICK ? 300 : 1500; // per mode and round
const PAIRS = 10; // concurrent sending conversations per mode
const DEVICES = 3;
const WATCHDOG_MS = (QUICK ? 120_000 : 300_000) * ROUNDS;
/** A sealed 200-byte message: payload (≈ 200 + header) + AEAD tag + nonce + ratchet header (PROTOCOL-sessions.md §S6). */
const CIPHERTEXT_BYTES = 200 + 120 + 40 + 41;
const b64 = (u: Uint8Array) => toBase64Url(u);

const agent = new http.Agent({ keepAlive: true, maxSockets: 4 * PAIRS + 10 });
const request = jsonRequester(agent);

const CLK_TCK = 100;
function cpuMs(pid: number): number {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return ((Number(f[11]) + Number(f[12])) * 1000) / CLK_TCK;
}

let child: ChildProcess | undefined;
const watchdog = setTimeout(() => {
  console.error('devices-server bench: watchdog expired');
  child?.kill('SIGKILL');
  process.exit(1);
}, WATCHDOG_MS);
watchdog.unref();

async function spawnServer(dir: string): Promise<{ child: ChildProcess; base: string }> {
  const keyringJson = JSON.stringify(Keyring.create('k-bench', randomBytes(32), Date.now()).toJSON());
  const c = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    env: {
      ...process.env, HOST: '127.0.0.1', PORT: '0', DATABASE_URL: `file:${path.join(dir, 'bench-devices.db')}`, STAMP_KEYRING: keyringJson,
      LOG_LEVEL: 'warn', RATE_LIMIT_SEND: '0', RATE_LIMIT_AUTH: '0', REGISTRATION_LIMIT_PER_ADDRESS: '0', DATA_DIR: dir,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const base = await new Promise<string>((resolve, reject) => {
    let out = '';
    c.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /(http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m?.[1]) resolve(m[1]);
    });
    c.once('exit', (code) => reject(new Error(`server exited ${code}`)));
  });
  return { child: c, base };
}

/** An account with DEVICES devices: genesis by device 1, then links signed by device 1 and counter-signed by the new one. */
async function multiDeviceAccount(base: string, id: string): Promise<{ id: string; current: VerifiedDeviceList; tokens: string[] }> {
  const identities: IdentityKeyPair[] = [];
  const keysOf = (i: IdentityKeyPair) => ({ identitySigningKey: i.signingPublicKey, identityDhKey: i.dhPublicKey, credentialKey: generateIdentity().signingPublicKey });
  const d1 = generateIdentity();
  identities.push(d1);
  const now = Date.now();
  const genesis: DeviceList = {
    accountId: id, listVersion: 1, prevListHash: ZERO_LIST_HASH, kind: 'genesis', issuedAt: now, nextDeviceId: 2, recoveryKey: null,
    devices: [{ deviceId: 1, ...keysOf(d1), linkedAt: now }],
  };
  const bytes1 = encodeSignedDeviceList(signDeviceList(genesis, { kind: 'device', deviceId: 1, signingPrivateKey: d1.signingPrivateKey }));
  let current = verifyListStep(null, bytes1, id);
  const reg = await request(base, 'POST', '/v1/accounts', { userId: id, list: b64(bytes1) });
  if (reg.status !== 201) throw new Error(`register ${id}: ${reg.status} ${JSON.stringify(reg.json)}`);
  const login = async (deviceId: number, identity: IdentityKeyPair) => {
    const ch = await request(base, 'POST', '/v1/auth/challenge', { userId: id, deviceId });
    const challenge = new Uint8Array(Buffer.from(ch.json.challenge as string, 'base64url'));
    const tok = await request(base, 'POST', '/v1/auth/token', { userId: id, deviceId, challenge: ch.json.challenge, signature: b64(signDeviceChallenge(identity, challenge, deviceId, id)) });
    if (tok.status !== 200) throw new Error(`login ${id}/${deviceId}: ${tok.status}`);
    return tok.json.token as string;
  };
  const tokens = [await login(1, d1)];
  for (let n = 2; n <= DEVICES; n++) {
    const d = generateIdentity();
    identities.push(d);
    const list = linkDeviceList(current, keysOf(d), Date.now());
    const bytes = encodeSignedDeviceList(signDeviceList(list, { kind: 'device', deviceId: 1, signingPrivateKey: d1.signingPrivateKey }, { cosignerPrivateKey: d.signingPrivateKey }));
    current = verifyListStep(current, bytes, id);
    const put = await request(base, 'PUT', '/v1/devices', { list: b64(bytes) }, tokens[0]);
    if (put.status !== 201) throw new Error(`link ${id}/${n}: ${put.status} ${JSON.stringify(put.json)}`);
    tokens.push(await login(n, d));
  }
  return { id, current, tokens };
}

/** A push socket that acknowledges every envelope frame (as the chat does) and counts what it received. */
async function pushSocket(base: string, token: string, onEnvelopes: (n: number) => void): Promise<WebSocket> {
  const ws = new WebSocket(`${base.replace('http', 'ws')}/v1/stream`);
  await new Promise((r, j) => {
    ws.once('open', r);
    ws.once('error', j);
  });
  const ready = new Promise<void>((resolve) => {
    ws.on('message', (d) => {
      const f = JSON.parse(d.toString()) as { type: string; envelopes?: Array<{ id: string }> };
      if (f.type === 'ready') resolve();
      if (f.type === 'envelopes' && f.envelopes?.length) {
        ws.send(JSON.stringify({ type: 'ack', ids: f.envelopes.map((e) => e.id) }));
        onEnvelopes(f.envelopes.length);
      }
    });
  });
  ws.send(JSON.stringify({ type: 'auth', token }));
  await ready;
  return ws;
}

interface ModeRun { sends: number; delivered: number; serverCpuMs: number; wallMs: number; errors: number }

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-devices-server-'));
  const server = await spawnServer(dir);
  child = server.child;
  const { base } = server;
  const pid = child.pid!;
  const sockets: WebSocket[] = [];
  let delivered = 0;
  const count = (n: number) => {
    delivered += n;
  };
  try {
    // 1 device: legacy single-device accounts and the single-device body (what the chat sends today).
    const single = await Promise.all(Array.from({ length: PAIRS }, async (_, i) => {
      const [ta, tb] = await Promise.all([registerUser(request, base, `s-a${i}`), registerUser(request, base, `s-b${i}`)]);
      const conv = await request(base, 'POST', '/v1/conversations', { kind: 'direct', peerId: `s-b${i}` }, ta);
      sockets.push(await pushSocket(base, tb, count));
      return { token: ta, conv: conv.json.id as string, recipient: `s-b${i}` };
    }));
    // 3 devices per account: every device holds a push socket.
    const multi = await Promise.all(Array.from({ length: PAIRS }, async (_, i) => {
      const [a, b] = [await multiDeviceAccount(base, `m-a${i}`), await multiDeviceAccount(base, `m-b${i}`)];
      const conv = await request(base, 'POST', '/v1/conversations', { kind: 'direct', peerId: b.id }, a.tokens[0]);
      for (const t of [...a.tokens.slice(1), ...b.tokens]) sockets.push(await pushSocket(base, t, count));
      const lists = [a, b].map((x) => ({ accountId: x.id, listVersion: x.current.signed.list.listVersion, listHash: b64(x.current.listHash) }));
      const targets = [...b.current.signed.list.devices.map((d) => [b.id, d.deviceId] as const), ...a.current.signed.list.devices.filter((d) => d.deviceId !== 1).map((d) => [a.id, d.deviceId] as const)];
      return { token: a.tokens[0]!, conv: conv.json.id as string, lists, targets };
    }));
    const ciphertext = b64(randomBytes(CIPHERTEXT_BYTES));

    async function run(mode: 'single' | 'devices', sends: number): Promise<ModeRun> {
      const perCopy = mode === 'single' ? 1 : 2 * DEVICES - 1;
      const expected = delivered + sends * perCopy;
      const startDelivered = delivered;
      let next = 0;
      let errors = 0;
      const cpu0 = cpuMs(pid);
      const t0 = performance.now();
      await Promise.all(Array.from({ length: PAIRS }, async (_, i) => {
        while (next < sends) {
          next++;
          const commitment = b64(randomBytes(32));
          const r = mode === 'single'
            ? await request(base, 'POST', '/v1/messages', { conversationId: single[i]!.conv, commitment, envelopes: [{ recipientId: single[i]!.recipient, ciphertext }] }, single[i]!.token)
            : await request(base, 'POST', '/v1/messages', {
                conversationId: multi[i]!.conv, commitment, clientMessageId: b64(randomBytes(16)), lists: multi[i]!.lists,
                copies: multi[i]!.targets.map(([accountId, deviceId]) => ({ accountId, deviceId, ciphertext })),
              }, multi[i]!.token);
          if (r.status !== 201) {
            errors++;
            if (errors === 1) console.error(`${mode} send: ${r.status} ${JSON.stringify(r.json)}`);
          }
        }
      }));
      const want = expected - errors * perCopy;
      for (let i = 0; i < 3000 && delivered < want; i++) await new Promise((r) => setTimeout(r, 5));
      // The last ack frames are processed after the last delivery: let them land before reading the CPU.
      await new Promise((r) => setTimeout(r, 150));
      return { sends: sends - errors, delivered: delivered - startDelivered, serverCpuMs: cpuMs(pid) - cpu0, wallMs: performance.now() - t0, errors };
    }

    await run('single', 50); // warm-up of both paths (JIT, caches)
    await run('devices', 50);
    const runs: Array<{ mode: string } & ModeRun> = [];
    for (let r = 0; r < ROUNDS; r++) {
      runs.push({ mode: 'single', ...(await run('single', SENDS)) });
      runs.push({ mode: 'devices', ...(await run('devices', SENDS)) });
    }
    const sum = (mode: string) => runs.filter((x) => x.mode === mode).reduce((a, x) => ({ cpu: a.cpu + x.serverCpuMs, delivered: a.delivered + x.delivered, sends: a.sends + x.sends }), { cpu: 0, delivered: 0, sends: 0 });
    const s = sum('single');
    const d = sum('devices');
    const perMessageUs = (s.cpu * 1000) / s.delivered;
    const perCopyUs = (d.cpu * 1000) / d.delivered;
    // Each round's own ratio (its single run and the devices run right after it); the reported ratio is their median,
    // so a round disturbed by the neighbours on a shared machine (or the first round's warm-up) does not decide it.
    const roundRatios = Array.from({ length: ROUNDS }, (_, r) => {
      const a = runs[2 * r]!;
      const b = runs[2 * r + 1]!;
      return b.serverCpuMs / b.delivered / (a.serverCpuMs / a.delivered);
    }).sort((x, y) => x - y);
    const median = roundRatios[Math.floor(roundRatios.length / 2)]!;
    const result = {
      date: new Date().toISOString(),
      quick: QUICK,
      rounds: ROUNDS,
      sendsPerModeAndRound: SENDS,
      devicesPerAccount: DEVICES,
      copiesPerSend: 2 * DEVICES - 1,
      serverCpuUsPerMessage1Device: Math.round(perMessageUs),
      serverCpuUsPerCopy3Devices: Math.round(perCopyUs),
      serverCpuUsPerSend3Devices: Math.round((d.cpu * 1000) / d.sends),
      serverCpuPerCopyRatio: Number(median.toFixed(3)),
      serverCpuPerCopyRatioPooled: Number((perCopyUs / perMessageUs).toFixed(3)),
      roundRatios: roundRatios.map((x) => Number(x.toFixed(3))),
      goal: '≤ 0.6',
      runs: runs.map((x) => ({ ...x, serverCpuMs: Math.round(x.serverCpuMs), wallMs: Math.round(x.wallMs) })),
      note: 'server child CPU (all threads) from first send to the last ack; same process, modes alternating; push delivery and ack frames',
    };
    fs.mkdirSync('bench/results', { recursive: true });
    fs.writeFileSync('bench/results/devices-server.json', `${JSON.stringify(result, null, 2)}\n`);
    // The field set lives in bench/results/devices.json (bench:devices runs this after bench/devices.ts).
    const devicesJson = 'bench/results/devices.json';
    const previous = fs.existsSync(devicesJson) ? (JSON.parse(fs.readFileSync(devicesJson, 'utf8')) as Record<string, unknown>) : {};
    fs.writeFileSync(devicesJson, `${JSON.stringify({ ...previous, serverCpuPerCopyRatio: result.serverCpuPerCopyRatio, server: result }, null, 2)}\n`);
    console.log(JSON.stringify(result, null, 2));
  } finally {
    for (const ws of sockets) ws.close();
    agent.destroy();
    child.kill('SIGTERM');
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    child?.kill('SIGKILL');
    process.exit(1);
  },
);
