// npm run bench:kt — key transparency (docs/TRANSPARENCY.md). Writes bench/results/kt.json:
//   appendPerSec            batched appends through TransparencyService into a real SQLite database (group commit)
//   leaves[n]               in-memory tree of n leaves (built here, bounded time): proofGenUs (server, node:crypto,
//                           O(log n) lookups), proofVerifyUs (client, the SDK's pure-JS path: audit path only — a head's
//                           signature is checked once per head, reported apart as headVerifyUs), inclusionProofBytes
//                           (32 × hashes), consistencyUs (client verification of a consistency proof n/2 → n; the
//                           server's generation time is consistencyGenUs)
//   fetchWithProofRatio     median latency of GET /v1/keys/{id} with proof / without (KT_PROOFS=off), same run,
//                           two servers on equal databases, requests alternating between them
// BENCH_QUICK=1 (bench:ci): n = 10k and 100k only, fewer samples.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { Keyring, toBase64Url } from '../client/protocol.ts';
import {
  KIND_IDENTITY, MerkleTree, consistencyProof, encodeLeaf, hashLeaf, inclusionProof, logKeyId, signTreeHead, verifyConsistency, verifyInclusion, verifyTreeHead,
} from '../client/transparency/index.ts';
import { loadConfig } from '../server/config.ts';
import { createDb } from '../server/db.ts';
import { createLogger } from '../server/logger.ts';
import { startServer } from '../server/server.ts';
import { transparencyRepo } from '../server/data/transparency.ts';
import { TransparencyService, nodeSha256, logSignerFromSeed } from '../server/services/transparency/index.ts';
import { deployMigrations } from '../scripts/migrate-deploy.mjs';
import { sha256 } from '@noble/hashes/sha2.js';
import { median } from './_stats.ts';

const QUICK = process.env.BENCH_QUICK === '1';
const SIZES = QUICK ? [10_000, 100_000] : [10_000, 100_000, 1_000_000];
const APPENDS = QUICK ? 5_000 : 50_000;
const APPEND_BATCH = 500;
const SAMPLES = QUICK ? 2_000 : 20_000;
const FETCH_USERS = QUICK ? 40 : 100;
const FETCHES = QUICK ? 400 : 3_000;
const PREFILL = QUICK ? 5_000 : 100_000;
const BUILD_LIMIT_MS = 120_000;
const sink = new Writable({ write: (_c, _e, cb) => cb() });
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-kt-'));
const b64 = toBase64Url;
const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;
const binding = (i: number) => ({ accountId: `user-${i}`, kind: KIND_IDENTITY, key: new Uint8Array(randomBytes(64)) });

async function appendRate() {
  const url = `file:${path.join(tmp, 'append.db')}`;
  await deployMigrations(url, () => {});
  const db = await createDb(url);
  const svc = new TransparencyService(transparencyRepo(db), logSignerFromSeed(randomBytes(32)), []);
  await svc.init();
  const t0 = performance.now();
  for (let done = 0; done < APPENDS; done += APPEND_BATCH) {
    // Concurrent callers, one group commit each round (what registrations under load look like).
    await Promise.all(Array.from({ length: APPEND_BATCH }, (_, i) => svc.append([binding(done + i)])));
  }
  const s = (performance.now() - t0) / 1000;
  // Same-run baseline: the same number of leaf-sized rows inserted with the same createMany batches, without the
  // tree, the signature or the lock — what the database write alone costs.
  const leafBytes = new Uint8Array(encodeLeaf({ ...binding(0), action: "publish", timestamp: Date.now() }));
  const t1 = performance.now();
  for (let done = 0; done < APPENDS; done += APPEND_BATCH)
    await db.ktLeaf.createMany({ data: Array.from({ length: APPEND_BATCH }, (_, i) => ({ index: 10_000_000 + done + i, leaf: leafBytes, leafHash: new Uint8Array(32), accountId: `raw-${done + i}`, kind: KIND_IDENTITY })) });
  const raw = (performance.now() - t1) / 1000;
  await db.$disconnect();
  return { appendPerSec: Math.round(APPENDS / s), appends: APPENDS, batch: APPEND_BATCH, rawInsertPerSec: Math.round(APPENDS / raw), ratioToRawInsert: round(APPENDS / s / (APPENDS / raw), 3) };
}

/** Same-run baselines for the client numbers: one SHA-256 of a 65-byte node (noble and node:crypto). */
function hashBaselines() {
  const node = new Uint8Array(65);
  const k = QUICK ? 20_000 : 100_000;
  let t = performance.now();
  for (let i = 0; i < k; i++) sha256(node);
  const nobleSha256Us = ((performance.now() - t) * 1000) / k;
  t = performance.now();
  for (let i = 0; i < k; i++) nodeSha256(node);
  const nodeSha256Us = ((performance.now() - t) * 1000) / k;
  return { nobleSha256NodeUs: round(nobleSha256Us, 3), nodeCryptoSha256NodeUs: round(nodeSha256Us, 3) };
}

function treeBench(n: number) {
  const t0 = performance.now();
  const tree = new MerkleTree(nodeSha256);
  const leaf = encodeLeaf({ ...binding(0), action: 'publish', timestamp: Date.now() });
  for (let i = 0; i < n; i++) {
    leaf[leaf.length - 1] = i & 0xff; // distinct leaves without re-encoding each one
    leaf[leaf.length - 2] = (i >> 8) & 0xff;
    leaf[leaf.length - 3] = (i >> 16) & 0xff;
    tree.appendLeafHash(hashLeaf(leaf, nodeSha256));
    if ((i & 0xffff) === 0 && performance.now() - t0 > BUILD_LIMIT_MS) throw new Error(`building ${n} leaves exceeded ${BUILD_LIMIT_MS} ms`);
  }
  const buildMs = performance.now() - t0;
  const secret = ed25519.utils.randomSecretKey();
  const pub = ed25519.getPublicKey(secret);
  const head = signTreeHead({ logKeyId: logKeyId(pub), treeSize: n, rootHash: tree.root(), timestamp: Date.now() }, secret);
  const idx = Array.from({ length: SAMPLES }, () => Math.floor(Math.random() * n));
  let t = performance.now();
  const proofs = idx.map((i) => inclusionProof(tree, i, n));
  const proofGenUs = ((performance.now() - t) * 1000) / SAMPLES;
  const leafHashes = idx.map((i) => tree.leafHash(i));
  const verifySamples = Math.min(SAMPLES, QUICK ? 500 : 2000);
  t = performance.now();
  for (let k = 0; k < verifySamples; k++) if (!verifyInclusion(leafHashes[k]!, idx[k]!, n, proofs[k]!, head.rootHash)) throw new Error('proof failed');
  const proofVerifyUs = ((performance.now() - t) * 1000) / verifySamples;
  t = performance.now();
  const headSamples = QUICK ? 20 : 100;
  for (let k = 0; k < headSamples; k++) verifyTreeHead(head, pub);
  const headVerifyUs = ((performance.now() - t) * 1000) / headSamples;
  const first = Math.floor(n / 2) + 1;
  t = performance.now();
  const genSamples = QUICK ? 200 : 2000;
  let cp: Uint8Array[] = [];
  for (let k = 0; k < genSamples; k++) cp = consistencyProof(tree, first + (k % 7), n);
  const consistencyGenUs = ((performance.now() - t) * 1000) / genSamples;
  cp = consistencyProof(tree, first, n);
  const firstRoot = tree.root(first);
  t = performance.now();
  for (let k = 0; k < verifySamples; k++) if (!verifyConsistency(first, n, firstRoot, head.rootHash, cp)) throw new Error('consistency failed');
  const consistencyUs = ((performance.now() - t) * 1000) / verifySamples;
  const maxHashes = Math.max(...proofs.map((p) => p.length));
  return {
    n, proofGenUs: round(proofGenUs), proofVerifyUs: round(proofVerifyUs), inclusionProofBytes: maxHashes * 32, consistencyUs: round(consistencyUs),
    consistencyGenUs: round(consistencyGenUs), consistencyProofBytes: cp.length * 32, headVerifyUs: round(headVerifyUs), buildMs: Math.round(buildMs),
    treeMemoryMiB: round(tree.bytes / 2 ** 20, 1),
  };
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
function get(url: string, token: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { agent, headers: { authorization: `Bearer ${token}` } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}
async function post(url: string, method: string, body: unknown, token?: string): Promise<Record<string, unknown>> {
  const r = await fetch(url, { method, headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) });
  if (!r.ok) throw new Error(`${method} ${url}: ${r.status} ${await r.text()}`);
  return (await r.json()) as Record<string, unknown>;
}

async function fetchRatio() {
  const utf8 = (s: string) => new TextEncoder().encode(s);
  const servers = await Promise.all(
    ['on', 'off'].map(async (mode) => {
      const config = {
        ...loadConfig({}), port: 0, databaseUrl: `file:${path.join(tmp, `fetch-${mode}.db`)}`,
        keyringJson: JSON.stringify(Keyring.create('k-bench', randomBytes(32), Date.now()).toJSON()), keyringFile: '/nonexistent',
        rateLimits: { auth: 0, send: 0, report: 0, windowMs: 60_000 },
        registration: { ...loadConfig({}).registration, perAddressLimit: 0 },
        transparency: { logKeySeed: b64(randomBytes(32)), logKeyFile: '/nonexistent', witnessesJson: undefined, proofsOnFetch: mode === 'on' },
      };
      const srv = await startServer(config, createLogger('warn', sink));
      // A log that is not tiny: prefill so proofs have realistic depth.
      for (let i = 0; i < PREFILL; i += 1000) await srv.services.transparency.append(Array.from({ length: Math.min(1000, PREFILL - i) }, (_, k) => binding(1e7 + i + k)));
      const users: Array<{ id: string; token: string }> = [];
      for (let u = 0; u < FETCH_USERS; u++) {
        const sk = ed25519.utils.randomSecretKey();
        const sig = ed25519.getPublicKey(sk);
        const dh = x25519.getPublicKey(x25519.utils.randomSecretKey());
        const id = `b${u}-${mode}`;
        const reg = ed25519.sign(new Uint8Array([...utf8('franking-chat/v1/register\0'), ...dh, ...utf8(id)]), sk);
        await post(`${srv.url}/v1/accounts`, 'POST', { userId: id, identitySigningKey: b64(sig), identityDhKey: b64(dh), signature: b64(reg) });
        const ch = await post(`${srv.url}/v1/auth/challenge`, 'POST', { userId: id });
        const chBytes = Buffer.from(ch.challenge as string, 'base64url');
        const tok = await post(`${srv.url}/v1/auth/token`, 'POST', { userId: id, challenge: ch.challenge, signature: b64(ed25519.sign(new Uint8Array([...utf8('franking-chat/v1/auth\0'), ...chBytes, ...utf8(id)]), sk)) });
        const spk = x25519.getPublicKey(x25519.utils.randomSecretKey());
        const spkSig = ed25519.sign(new Uint8Array([...utf8('franking-chat/v1/signed-prekey\0'), 0, 0, 0, 1, ...spk]), sk);
        await post(`${srv.url}/v1/keys`, 'PUT', { identitySigningKey: b64(sig), identityDhKey: b64(dh), signedPreKey: { id: 1, publicKey: b64(spk), signature: b64(spkSig) }, oneTimePreKeys: [] }, tok.token as string);
        users.push({ id, token: tok.token as string });
      }
      return { mode, srv, users };
    }),
  );
  const lat: Record<string, number[]> = { on: [], off: [] };
  for (let k = 0; k < FETCHES + 100; k++) {
    for (const { mode, srv, users } of k % 2 ? servers : [...servers].reverse()) {
      const a = users[k % users.length]!;
      const b = users[(k + 1) % users.length]!;
      const t = performance.now();
      const status = await get(`${srv.url}/v1/keys/${b.id}`, a.token);
      if (status !== 200) throw new Error(`fetch ${mode}: ${status}`);
      if (k >= 100) lat[mode]!.push((performance.now() - t) * 1000);
    }
  }
  for (const s of servers) await s.srv.close();
  const on = median(lat.on!);
  const off = median(lat.off!);
  return { fetchWithProofRatio: round(on / off, 3), fetchMedianUs: { withProof: Math.round(on), withoutProof: Math.round(off) }, fetches: FETCHES, logSizeAtFetch: PREFILL + FETCH_USERS };
}

const started = Date.now();
const load = os.loadavg().map((x) => round(x));
const append = await appendRate();
console.log('append', append);
const leaves = [];
for (const n of SIZES) {
  const r = treeBench(n);
  console.log(r);
  leaves.push(r);
}
const baselines = hashBaselines();
console.log(baselines);
const fetchResult = await fetchRatio();
console.log(fetchResult);
const result = {
  appendPerSec: append.appendPerSec,
  leaves,
  fetchWithProofRatio: fetchResult.fetchWithProofRatio,
  details: {
    append, fetch: fetchResult, baselines, quick: QUICK, samples: SAMPLES,
    machine: { nproc: os.cpus().length, cpu: os.cpus()[0]?.model, node: process.version, loadavgStart: load, loadavgEnd: os.loadavg().map((x) => round(x)) },
    date: new Date(started).toISOString(), seconds: Math.round((Date.now() - started) / 1000),
  },
};
fs.mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
fs.writeFileSync(new URL('./results/kt.json', import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
fs.rmSync(tmp, { recursive: true, force: true });
console.log('wrote bench/results/kt.json');
process.exit(0);
