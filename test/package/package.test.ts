// The SDK as a package others install (docs/SDK.md "Install", "For maintainers of this repository"): `npm pack` the
// built client/ package, install the tarball into an empty project (dependencies from the npm cache or registry), then
//   1. the tarball holds the built entry points and nothing else (no sources, tests or server code);
//   2. a strict TypeScript consumer (moduleResolution nodenext, skipLibCheck off) type-checks against its .d.ts;
//   3. Node runs a franking round trip and report verification, including one-byte mutations;
//   4. Vite bundles a page from the installed package and Debian's Chromium runs the same checks.
// The consumer code is test/package/fixture/checks.ts; it imports '@franking-chat/sdk' by name.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, SDK_DIR, ensureSdkBuilt } from '../../scripts/build-sdk.ts';
import { CHROMIUM, CHROMIUM_ARGS } from '../../vitest.config.ts';

const FIXTURE = path.join(ROOT, 'test', 'package', 'fixture');
const manifest = JSON.parse(fs.readFileSync(path.join(SDK_DIR, 'package.json'), 'utf8')) as { name: string; version: string; dependencies: Record<string, string> };

// What a working package must produce in either runtime (fixture/checks.ts records, this asserts).
const expected = (runtime: string) => ({
  runtime,
  roundTrip: {
    body: 'hello from the installed package — ünïcödé',
    conversationId: 'conv-1',
    senderId: 'alice',
    seq: 1,
    tamperedCiphertext: 'decrypt_failed',
    // The commitment is in the AEAD's associated data (§5), so another commitment fails authentication.
    tamperedCommitment: 'decrypt_failed',
  },
  report: { verdict: 'verified', jsonRoundTrip: 'verified', contractAccepts: true, contractRejectsShortFk: true },
  mutations: {
    body: 'commitment_mismatch',
    header: 'commitment_mismatch',
    fk: 'commitment_mismatch',
    commitment: 'stamp_invalid',
    stampTag: 'stamp_invalid',
    kid: 'unknown_key',
    serverTime: 'stamp_invalid',
    otherReporter: 'not_a_party',
    truncated: 'malformed',
  },
  identity: { validSignature: true, forgedSignature: false },
  attachment: { plaintext: 'identical', digestLength: 32 },
});

// Values the documentation's examples take from the reader's own code (a session AEAD, the server's delivery data).
const READER_NAMES: Record<string, string> = {
  yourAead: "import('@franking-chat/sdk').Aead",
  body: 'Uint8Array',
  commitment: 'Uint8Array',
  messageId: 'string',
  conversationId: 'string',
  senderId: 'string',
  recipientId: 'string',
  reporterId: 'string',
  requestJson: 'unknown',
  sessionKey: 'Uint8Array',
  stampingKey: 'Uint8Array',
};
let docExamples: string[] = [];
let work: string;
let tarball: string;
let packedFiles: string[];

const run = (cmd: string, args: string[], cwd: string) =>
  execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, npm_config_update_notifier: 'false' } });

beforeAll(() => {
  ensureSdkBuilt();
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'fc-sdk-package-'));
  const packed = JSON.parse(run('npm', ['pack', SDK_DIR, '--pack-destination', work, '--json'], ROOT)) as Array<{ filename: string; files: Array<{ path: string }> }>;
  tarball = path.join(work, packed[0]!.filename);
  packedFiles = packed[0]!.files.map((f) => f.path).sort();

  const consumer = path.join(work, 'consumer');
  fs.mkdirSync(consumer);
  fs.writeFileSync(path.join(consumer, 'package.json'), JSON.stringify({ name: 'sdk-consumer', private: true, type: 'module' }, null, 2));
  // Dependencies come from the npm cache when it has them (CI ran `npm ci` just before), else from the registry.
  run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error', tarball], consumer);
  for (const f of fs.readdirSync(FIXTURE)) fs.copyFileSync(path.join(FIXTURE, f), path.join(consumer, f));
  // The TypeScript examples of docs/SDK.md and client/README.md are compiled with the consumer, so they cannot drift
  // from the API. Each becomes a module; names an example leaves to the reader's own code are declared for it.
  const tsconfigPath = path.join(consumer, 'tsconfig.json');
  const tsconfig = JSON.parse(fs.readFileSync(tsconfigPath, 'utf8')) as { files: string[] };
  docExamples = [];
  for (const doc of ['docs/SDK.md', 'client/README.md']) {
    const blocks = [...fs.readFileSync(path.join(ROOT, doc), 'utf8').matchAll(/^```ts\n([\s\S]*?)^```/gm)].map((m) => m[1]!);
    blocks.forEach((code, i) => {
      const file = `doc-${path.basename(doc, '.md').toLowerCase()}-${i + 1}.ts`;
      const free = Object.entries(READER_NAMES).filter(([name]) => new RegExp(`\\b${name}\\b`).test(code) && !new RegExp(`\\b(?:const|let)\\s+${name}\\b`).test(code));
      fs.writeFileSync(path.join(consumer, file), `${free.map(([name, type]) => `declare const ${name}: ${type};`).join('\n')}\n${code}\nexport {};\n`);
      docExamples.push(file);
    });
  }
  tsconfig.files.push(...docExamples);
  fs.writeFileSync(tsconfigPath, JSON.stringify(tsconfig, null, 2));
});

afterAll(() => {
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

const consumerDir = () => path.join(work, 'consumer');

describe('npm pack', () => {
  it('packs the built ESM entry points, their declarations, the manifest and the README — nothing else', () => {
    expect(path.basename(tarball)).toBe(`franking-chat-sdk-${manifest.version}.tgz`);
    for (const entry of ['dist/index.js', 'dist/index.d.ts', 'dist/protocol.js', 'dist/protocol.d.ts', 'dist/transport/contract/index.js', 'dist/transport/contract/index.d.ts'])
      expect(packedFiles).toContain(entry);
    const stray = packedFiles.filter((f) => !(f === 'package.json' || f === 'README.md' || /^dist\/.+\.(js|d\.ts)$/.test(f)));
    expect(stray).toEqual([]);
    // Every module under client/ is built (the contract included); no source .ts and no build stamp ships.
    expect(packedFiles.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
  });

  it('declares exactly the packages its built code imports, and they install', () => {
    const installedDir = path.join(consumerDir(), 'node_modules/@franking-chat/sdk');
    const installed = JSON.parse(fs.readFileSync(path.join(installedDir, 'package.json'), 'utf8')) as typeof manifest;
    expect(installed.name).toBe('@franking-chat/sdk');
    // Every bare specifier in the shipped .js and .d.ts files, reduced to its package name.
    const imported = new Set<string>();
    const walk = (dir: string): string[] => fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
    for (const file of walk(path.join(installedDir, 'dist'))) {
      // Statements only (tsc starts each at a line), so a comment quoting an import is not counted.
      for (const m of fs.readFileSync(file, 'utf8').matchAll(/(?:^(?:import|export)\b[^;]*?\bfrom\s*|^import\s*|\bimport\(\s*)['"]([^'"./][^'"\n]*)['"]/gm)) {
        const spec = m[1]!;
        if (spec.startsWith('node:')) continue; // Node built-ins (a Node-only entry point may use them) are no dependency
        imported.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
      }
    }
    expect([...imported].sort()).toEqual(Object.keys(installed.dependencies).sort());
    for (const dep of Object.keys(installed.dependencies)) expect(fs.existsSync(path.join(consumerDir(), 'node_modules', dep, 'package.json'))).toBe(true);
  });

  it('every subpath of the exports map resolves to shipped files and loads in Node', () => {
    const installed = JSON.parse(fs.readFileSync(path.join(consumerDir(), 'node_modules/@franking-chat/sdk/package.json'), 'utf8')) as {
      exports: Record<string, string | { types: string; default?: string; node?: string }>;
    };
    const subpaths = Object.keys(installed.exports).filter((k) => k !== './package.json');
    expect(subpaths).toEqual(expect.arrayContaining(['.', './protocol', './contract']));
    for (const subpath of subpaths) {
      const target = installed.exports[subpath]!;
      expect(typeof target, subpath).toBe('object');
      // "default" for universal entry points; "node" only for a Node-only one (browsers then fail to resolve it).
      const { types, default: universal, node } = target as { types: string; default?: string; node?: string };
      const js = universal ?? node;
      expect(js, subpath).toBeDefined();
      expect(packedFiles, subpath).toContain(types.replace(/^\.\//, ''));
      expect(packedFiles, subpath).toContain(js!.replace(/^\.\//, ''));
    }
    const specifiers = subpaths.map((s) => `@franking-chat/sdk${s.slice(1)}`);
    const script = `const out = {}; for (const s of ${JSON.stringify(specifiers)}) out[s] = Object.keys(await import(s)).length; console.log(JSON.stringify(out));`;
    const loaded = JSON.parse(run(process.execPath, ['--input-type=module', '-e', script], consumerDir()).trim()) as Record<string, number>;
    for (const s of specifiers) expect(loaded[s], s).toBeGreaterThan(0);
  });

  it('loads from CommonJS too (require of ESM, Node >= 20.19): every entry point', () => {
    const script = `const sdk = require('@franking-chat/sdk'); const p = require('@franking-chat/sdk/protocol'); const c = require('@franking-chat/sdk/contract');
      console.log(JSON.stringify([typeof sdk.frankMessage, typeof sdk.ApiClient, typeof p.verifyReportItem, typeof p.Keyring, typeof c.SubmitReportRequest.safeParse]));`;
    const out = execFileSync(process.execPath, ['--no-warnings', '-e', script], { cwd: consumerDir(), encoding: 'utf8' });
    expect(JSON.parse(out.trim())).toEqual(['function', 'function', 'function', 'function', 'function']);
  });

  it('refuses deep imports that are not entry points (exports map)', () => {
    const out = run(process.execPath, ['--input-type=module', '-e', `import('@franking-chat/sdk/dist/franking/stamp.js').then(() => console.log('loaded'), (e) => console.log(e.code))`], consumerDir());
    expect(out.trim()).toBe('ERR_PACKAGE_PATH_NOT_EXPORTED');
  });
});

describe('installed package', () => {
  it('type-checks a strict TypeScript consumer (moduleResolution nodenext, library types checked too) and the documentation examples', () => {
    expect(docExamples.length).toBeGreaterThanOrEqual(4);
    const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    let output = '';
    try {
      output = run(process.execPath, [tsc, '-p', 'tsconfig.json'], consumerDir());
    } catch (e) {
      const err = e as { stdout?: string; stderr?: string };
      output = `${err.stdout ?? ''}${err.stderr ?? ''}` || String(e);
    }
    expect(output).toBe('');
    expect(fs.existsSync(path.join(consumerDir(), 'out', 'node-main.js'))).toBe(true);
  });

  it('Node: franking round trip and report verification; every one-byte mutation is rejected with its reason', () => {
    const out = run(process.execPath, ['out/node-main.js'], consumerDir());
    expect(JSON.parse(out.trim())).toEqual(expected('node'));
  });

  describe('Chromium: a page bundled by Vite from the installed package', () => {
    let browser: Browser | undefined;
    let server: http.Server | undefined;
    afterAll(async () => {
      await browser?.close();
      await new Promise((r) => (server ? server.close(r) : r(undefined)));
    });

    it('runs the same checks in the browser', async () => {
      const { build } = await import('vite');
      const warnings: string[] = [];
      await build({
        root: consumerDir(),
        configFile: false,
        logLevel: 'silent',
        build: { outDir: 'web', emptyOutDir: true, rollupOptions: { onwarn: (w) => void warnings.push(String(w.message)) } },
      });
      // A Node built-in reaching the browser bundle would show up here as an externalized module.
      expect(warnings.filter((w) => /externalized|node:/.test(w))).toEqual([]);

      const web = path.join(consumerDir(), 'web');
      server = http.createServer((req, res) => {
        const url = new URL(req.url ?? '/', 'http://127.0.0.1');
        const file = path.join(web, url.pathname === '/' ? 'index.html' : path.normalize(url.pathname));
        if (!file.startsWith(web) || !fs.existsSync(file) || !fs.statSync(file).isFile()) return void res.writeHead(404).end();
        const type = file.endsWith('.html') ? 'text/html' : file.endsWith('.js') ? 'text/javascript' : 'application/octet-stream';
        res.writeHead(200, { 'content-type': type }).end(fs.readFileSync(file));
      });
      await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
      const port = (server.address() as AddressInfo).port;

      browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`http://127.0.0.1:${port}/`);
      await page.waitForSelector('body:not([data-status="running"])', { timeout: 60_000 });
      const status = await page.getAttribute('body', 'data-status');
      const text = (await page.textContent('#result')) ?? '';
      expect(errors).toEqual([]);
      expect(status, text).toBe('done');
      expect(JSON.parse(text)).toEqual(expected('browser'));
    });
  });
});
