#!/usr/bin/env node
/* global process, console, fetch, setTimeout, URL */
// Production build check (docs/DEPLOY.md "Build and start"), run by `npm test` as its last step:
//   1. copy the project's files (git ls-files: tracked + untracked-not-ignored) to a temp directory, with its
//      installed node_modules (what `npm ci` made; `--npm-ci` installs afresh from the registry instead);
//   2. `npm run build` there (server → dist/node JavaScript, chat + dashboard → dist/), then `npm prune --omit=dev`
//      and check that the development tools (tsx, vite, vitest, esbuild, playwright) are really gone;
//   3. `npm run serve` on SQLite, then on PostgreSQL (a fresh database) + Redis (a unique key prefix): /readyz must
//      answer 200, the chat and the dashboard pages must be served; then SIGTERM and a clean exit 0; on SQLite
//      also the operator's commands from the build (admin CLI --help, dsa-export of the empty database);
//   4. remove the copy, the database and the Redis keys. Processes are stopped by their own process group id.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const PG_ADMIN_URL = process.env.PG_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const started = Date.now();
const step = (msg) => console.log(`[test:production +${((Date.now() - started) / 1000).toFixed(1)} s] ${msg}`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function run(cmd, argv, cwd, env = {}) {
  const r = spawnSync(cmd, argv, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', timeout: 15 * 60_000 });
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(' ')} failed (${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

function copyProject(dest) {
  const files = run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], ROOT).split('\0').filter(Boolean);
  for (const f of files) {
    const src = path.join(ROOT, f);
    const st = fs.lstatSync(src, { throwIfNoEntry: false });
    if (!st || f === 'node_modules') continue; // deleted in the work tree, or the node_modules symlink itself
    const out = path.join(dest, f);
    fs.mkdirSync(path.dirname(out), { recursive: true });
    if (st.isSymbolicLink()) fs.symlinkSync(fs.readlinkSync(src), out);
    else fs.copyFileSync(src, out);
  }
}

/** `npm run serve` in its own process group; resolves with its URL once /readyz answers 200. */
async function serve(dir, env, label) {
  const proc = spawn('npm', ['run', 'serve'], { cwd: dir, env: { ...process.env, PORT: '0', ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  proc.stdout.on('data', (d) => (out += d));
  proc.stderr.on('data', (d) => (out += d));
  const exited = new Promise((resolve) => proc.once('exit', (code, signal) => resolve(code ?? signal)));
  const kill = (sig) => {
    try {
      process.kill(-proc.pid, sig);
    } catch {
      /* already gone */
    }
  };
  const deadline = Date.now() + 120_000;
  let url = null;
  let exitedEarly = false;
  void exited.then(() => (exitedEarly = true));
  while (Date.now() < deadline && !exitedEarly) {
    url ??= /Chat: +(http:\/\/[^/\s]+)\//.exec(out)?.[1] ?? null;
    if (url) {
      const r = await fetch(`${url}/readyz`).catch(() => null);
      if (r?.status === 200) {
        const body = await r.json();
        return { url, body, out: () => out, exited, kill };
      }
    }
    await sleep(200);
  }
  kill('SIGKILL');
  throw new Error(`${label}: npm run serve did not become ready:\n${out}`);
}

async function check(dir, env, label) {
  const s = await serve(dir, env, label);
  try {
    step(`${label}: ready at ${s.url} ${JSON.stringify(s.body.checks)}`);
    for (const [p, marker] of [['/', '<div'], ['/dashboard/', '<div'], ['/openapi.json', '"openapi"']]) {
      const r = await fetch(s.url + p);
      const text = await r.text();
      if (r.status !== 200 || !text.includes(marker)) throw new Error(`${label}: GET ${p} answered ${r.status}`);
    }
    if (label.includes('Redis') && s.body.checks.redis !== 'ok') throw new Error(`${label}: Redis not used: ${JSON.stringify(s.body.checks)}`);
    s.kill('SIGTERM'); // to the process group: npm and the server under it
    const code = await Promise.race([s.exited, sleep(30_000).then(() => 'timeout')]);
    // npm itself ends by the signal; the server must have closed down cleanly (server/main.ts logs it last).
    const stopped = await (async () => {
      for (let i = 0; i < 50 && !s.out().includes('"msg":"server stopped"'); i++) await sleep(100);
      return s.out().includes('"msg":"server stopped"');
    })();
    if (code === 'timeout' || !stopped) throw new Error(`${label}: SIGTERM → ${code}, no clean stop:\n${s.out()}`);
    step(`${label}: SIGTERM → clean exit`);
  } catch (e) {
    s.kill('SIGKILL');
    throw e;
  }
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fc-production-'));
const dbName = `fc_prod_${randomBytes(6).toString('hex')}`;
const prefix = `fc-prod-${randomBytes(4).toString('hex')}:`;
let pgCreated = false;
// pg and ioredis are production dependencies: loaded from this checkout, not from the pruned copy.
const { default: pg } = await import('pg');
try {
  step(`copying the project to ${dir}`);
  copyProject(dir);
  if (args.includes('--npm-ci')) {
    step('npm ci (from the registry)');
    run('npm', ['ci', '--no-audit', '--no-fund'], dir, { CHECKPOINT_DISABLE: '1', PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1' });
  } else {
    step('copying node_modules (the `npm ci` install of this checkout)');
    fs.cpSync(fs.realpathSync(path.join(ROOT, 'node_modules')), path.join(dir, 'node_modules'), { recursive: true, verbatimSymlinks: true });
    fs.cpSync(path.join(ROOT, 'generated'), path.join(dir, 'generated'), { recursive: true });
  }
  step('npm run build');
  run('npm', ['run', 'build'], dir);
  step('npm prune --omit=dev');
  run('npm', ['prune', '--omit=dev', '--no-audit', '--no-fund'], dir);
  const leftovers = ['tsx', 'vite', 'vitest', 'esbuild', 'playwright'].filter((p) => fs.existsSync(path.join(dir, 'node_modules', p)));
  if (leftovers.length) throw new Error(`npm prune --omit=dev left development packages: ${leftovers.join(', ')}`);

  await check(dir, { DATA_DIR: path.join(dir, 'data-sqlite') }, 'SQLite');
  // The operator's commands from the build run on production dependencies too (docs/DEPLOY.md "Build and start").
  run('node', ['dist/node/server/admin.js', '--help'], dir);
  const exported = JSON.parse(run('node', ['dist/node/scripts/dsa-export.js', '--from', '2020-01-01', '--to', '2038-01-01'], dir, { DATA_DIR: path.join(dir, 'data-sqlite') }));
  if (exported.statements !== 0 || !fs.existsSync(path.join(dir, 'data-sqlite/dsa-export/2020-01-01_2038-01-01/skipped.json')))
    throw new Error(`dsa-export from the build: unexpected summary ${JSON.stringify(exported)}`);
  step('admin CLI and dsa-export from the build: ran');

  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${dbName}"`);
  await admin.end();
  pgCreated = true;
  const u = new URL(PG_ADMIN_URL);
  u.pathname = `/${dbName}`;
  await check(dir, { DATA_DIR: path.join(dir, 'data-pg'), DATABASE_URL: u.href, REDIS_URL, REDIS_PREFIX: prefix }, 'PostgreSQL + Redis');
  step('passed');
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
  if (pgCreated) {
    const c = new pg.Client({ connectionString: PG_ADMIN_URL });
    await c.connect();
    await c.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
    await c.end();
  }
  const { Redis } = await import('ioredis');
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      if (keys.length) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } catch {
    /* Redis unreachable: nothing was written there */
  } finally {
    redis.disconnect();
  }
}
