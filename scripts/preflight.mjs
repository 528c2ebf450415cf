#!/usr/bin/env node
/* global process, console, URL */
// First step of `npm test`: check what the suites need from the machine, install what it can, and otherwise fail
// at once saying what to install, instead of failing minutes later inside the browser or PostgreSQL suites.
//   Chromium  CHROMIUM_BIN or /usr/bin/chromium, and it must run (`--version`). Missing /usr/bin/chromium is
//             installed from Debian (`apt-get install -y chromium`, as .ci/run does) when this runs as root on a
//             machine with apt-get; otherwise the message says what to run. PREFLIGHT_INSTALL=0 turns that off.
//   psql-free PostgreSQL check: a TCP connect to PG_HOST:PG_PORT (default 127.0.0.1:5432)
//   Redis     a TCP connect to TEST_REDIS_URL's host and port (default redis://127.0.0.1:6379): test:cluster and
//             test:production need it
// `node scripts/preflight.mjs --only chromium` checks one thing. Exit 0 = ready; 1 = something is missing.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : null;
const problems = [];

export function checkChromium(bin = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium') {
  if (!fs.existsSync(bin))
    return `Chromium not found at ${bin}. Install Debian's Chromium: \`sudo apt-get install -y chromium\` (or set CHROMIUM_BIN to a Chromium/Chrome binary). Never \`npx playwright install\`: the tests use the system browser.`;
  try {
    execFileSync(bin, ['--version'], { stdio: 'pipe', timeout: 20_000 });
  } catch (e) {
    return `Chromium at ${bin} does not run (${String(e?.message ?? e).split('\n')[0]}). Reinstall it: \`sudo apt-get install --reinstall -y chromium\`.`;
  }
  return null;
}

/** Resolves null when something accepts a TCP connection on host:port, else `missing(how)` ('does not answer' | 'is not running'). */
function tcpCheck(host, port, missing) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: 3000 });
    const done = (msg) => {
      socket.destroy();
      resolve(msg);
    };
    socket.once('connect', () => done(null));
    socket.once('timeout', () => done(missing('does not answer')));
    socket.once('error', () => done(missing('is not running')));
  });
}

function checkPostgres(host = process.env.PG_HOST ?? '127.0.0.1', port = Number(process.env.PG_PORT ?? 5432)) {
  return tcpCheck(host, port, (how) => `PostgreSQL ${how} on ${host}:${port}. Install and start it (trust auth for user postgres): \`sudo apt-get install -y postgresql\`, or run .ci/run which does both.`);
}

function checkRedis(url = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379') {
  const u = new URL(url);
  const host = u.hostname || '127.0.0.1';
  const port = Number(u.port || 6379);
  return tcpCheck(host, port, (how) => `Redis ${how} on ${host}:${port} (the multi-process suites need it). Install and start it: \`sudo apt-get install -y redis-server\` (or set TEST_REDIS_URL), or run .ci/run which does both.`);
}

/**
 * checkChromium, and when Chromium is missing at the default path, install Debian's package if we may: as root,
 * with apt-get, unless PREFLIGHT_INSTALL=0. `deps` are injectable for the tests (test/server/ops-hardening.test.ts).
 */
export function ensureChromium({
  bin = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium',
  explicit = process.env.CHROMIUM_BIN !== undefined,
  isRoot = process.getuid?.() === 0,
  allowed = process.env.PREFLIGHT_INSTALL !== '0',
  hasApt = fs.existsSync('/usr/bin/apt-get'),
  run = (cmd, argv) => execFileSync(cmd, argv, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }, timeout: 15 * 60_000 }),
  log = (line) => console.error(line),
} = {}) {
  const problem = checkChromium(bin);
  if (!problem || fs.existsSync(bin) || explicit) return problem;
  if (!allowed) return problem;
  if (!isRoot || !hasApt)
    return `${problem}${isRoot ? '' : ' (npm test installs it by itself when run as root on a Debian/Ubuntu machine.)'}`;
  log(`preflight: Chromium is missing; installing Debian's chromium (apt-get install -y chromium)…`);
  try {
    run('apt-get', ['update', '-qq']);
    run('apt-get', ['install', '-y', '-qq', 'chromium']);
  } catch (e) {
    return `Installing Chromium with apt-get failed (${String(e?.message ?? e).split('\n')[0]}). Install it yourself: \`sudo apt-get install -y chromium\`, or set CHROMIUM_BIN.`;
  }
  return checkChromium(bin);
}

// Run as a script (npm test); imported by the tests for ensureChromium only.
if (process.argv[1] && fs.realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) await main();

async function main() {
  if (!only || only === 'chromium') {
    const p = ensureChromium();
    if (p) problems.push(p);
  }
  if (!only || only === 'postgres') {
    const p = await checkPostgres();
    if (p) problems.push(p);
  }
  if (!only || only === 'redis') {
    const p = await checkRedis();
    if (p) problems.push(p);
  }
  if (problems.length) {
    console.error(`npm test needs a few things this machine lacks:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    process.exit(1);
  }
}
