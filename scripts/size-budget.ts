// Browser size budget of the SDK (docs/BENCHMARKS.md "SDK package: browser size budget"): bundles each package entry
// point for the browser with esbuild (ESM, minified, every export of the entry kept, dependencies included), gzips it
// (level 9) and fails when
//   franking core (client/franking/index.ts, alone and with the XChaCha20-Poly1305 AEAD) > 25 KB gzip,   whole SDK (package ".", client/index.ts) > 120 KB gzip.
// 1 KB = 1000 bytes. The protocol and contract entry points are measured too (no budget). Same-run baselines: the
// dependency code alone (the @noble primitives the SDK uses, zod), bundled the same way, and per entry the share of
// the minified output that comes from each package. Writes bench/results/size.json.
//   npm run size:check
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const KB = 1000;

export interface SizeEntry {
  name: string;
  entry: string;
  budgetGzipBytes: number | null;
  minifiedBytes: number;
  gzipBytes: number;
  /** Bytes of minified output per source package ("sdk" = client/). */
  composition: Record<string, number>;
}

const ENTRIES: ReadonlyArray<{ name: string; entry: string; source?: string; budgetKB: number | null; enforced?: boolean }> = [
  { name: 'franking core', entry: 'client/franking/index.ts', budgetKB: 25 },
  // What an app that brings its own sessions but no AEAD ships: the franking layer plus the SDK's XChaCha20-Poly1305.
  {
    name: 'franking core + AEAD',
    entry: 'client/franking/index.ts + client/crypto/aead.ts',
    source: `export * from './client/franking/index.ts'; export { xchacha20poly1305Aead } from './client/crypto/aead.ts';`,
    budgetKB: 25,
  },
  // A franking-only app importing from the package's main entry: what tree-shaking leaves of "." (sideEffects: false).
  {
    name: 'franking via "." (app)',
    entry: 'client/index.ts: frankMessage, sealFranked, openFranked, xchacha20poly1305Aead, reportItemToJson',
    source: `export { frankMessage, sealFranked, openFranked, xchacha20poly1305Aead, reportItemToJson } from './client/index.ts';`,
    budgetKB: 25,
  },
  // Enforced like the others: the MLS cipher suite is built for suite 3 only on the SDK's providers
  // (client/group/_mls-crypto.ts), so no other MLS suite's curves (p256/p384/p521/x448/ed448) reach the bundle.
  { name: 'whole SDK (".")', entry: 'client/index.ts', budgetKB: 120 },
  { name: 'protocol ("./protocol")', entry: 'client/protocol.ts', budgetKB: null },
  { name: 'contract ("./contract")', entry: 'client/transport/contract/index.ts', budgetKB: null },
];

// Baselines: the third-party code each budget necessarily contains, bundled alone the same way.
const BASELINES: ReadonlyArray<{ name: string; source: string }> = [
  {
    name: 'noble HMAC-SHA256 + XChaCha20-Poly1305 (franking floor)',
    source: `export { hmac } from '@noble/hashes/hmac.js'; export { sha256 } from '@noble/hashes/sha2.js'; export { xchacha20poly1305 } from '@noble/ciphers/chacha.js';`,
  },
  {
    name: 'all @noble primitives the SDK uses',
    source: `export { hmac } from '@noble/hashes/hmac.js'; export { hkdf } from '@noble/hashes/hkdf.js'; export { sha256, sha512 } from '@noble/hashes/sha2.js';
export { xchacha20poly1305 } from '@noble/ciphers/chacha.js'; export { gcm } from '@noble/ciphers/aes.js'; export { ed25519, x25519 } from '@noble/curves/ed25519.js';
export { base64urlnopad } from '@scure/base';`,
  },
  { name: 'zod (whole "zod" import)', source: `export { z } from 'zod';` },
];

function packageOf(input: string): string {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
  if (m) return m[1]!;
  return input.startsWith('client/') ? 'sdk' : input.startsWith('<stdin>') ? 'entry stub' : input;
}

async function measure(options: { entry?: string; source?: string }): Promise<{ minifiedBytes: number; gzipBytes: number; composition: Record<string, number> }> {
  const result = await build({
    ...(options.entry ? { entryPoints: [path.join(ROOT, options.entry)] } : { stdin: { contents: options.source!, resolveDir: ROOT, loader: 'ts' } }),
    absWorkingDir: ROOT,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    treeShaking: true,
    write: false,
    metafile: true,
    logLevel: 'silent',
    legalComments: 'none',
  });
  const code = result.outputFiles[0]!.contents;
  const composition: Record<string, number> = {};
  for (const out of Object.values(result.metafile.outputs))
    for (const [input, { bytesInOutput }] of Object.entries(out.inputs)) {
      const pkg = packageOf(input);
      composition[pkg] = (composition[pkg] ?? 0) + bytesInOutput;
    }
  return { minifiedBytes: code.length, gzipBytes: gzipSync(code, { level: 9 }).length, composition };
}

const kb = (bytes: number) => `${(bytes / KB).toFixed(1)} KB`;

export async function sizeBudget(): Promise<{ entries: SizeEntry[]; baselines: Array<{ name: string; minifiedBytes: number; gzipBytes: number }>; failures: string[] }> {
  const entries: SizeEntry[] = [];
  for (const e of ENTRIES) {
    const m = await measure(e.source ? { source: e.source } : { entry: e.entry });
    entries.push({ name: e.name, entry: e.entry, budgetGzipBytes: e.budgetKB === null ? null : e.budgetKB * KB, ...m });
  }
  const baselines = [];
  for (const b of BASELINES) {
    const { minifiedBytes, gzipBytes } = await measure({ source: b.source });
    baselines.push({ name: b.name, minifiedBytes, gzipBytes });
  }
  const enforced = (name: string) => ENTRIES.find((x) => x.name === name)?.enforced !== false;
  const overBudget = entries
    .filter((e) => e.budgetGzipBytes !== null && e.gzipBytes > e.budgetGzipBytes)
    .map((e) => ({ name: e.name, message: `${e.name}: ${kb(e.gzipBytes)} gzip exceeds the budget of ${kb(e.budgetGzipBytes!)}` }));
  for (const o of overBudget.filter((x) => !enforced(x.name))) process.stderr.write(`size:check OVER BUDGET (reported, not enforced): ${o.message}\n`);
  const failures = overBudget.filter((x) => enforced(x.name)).map((x) => x.message);
  // Structure, not just size: the app entry and the franking core use the zod contract by type only (ApiClient),
  // so zod (~93 KB gzip on its own) must never reach them; only "./contract" bundles it.
  for (const e of entries.filter((x) => x.budgetGzipBytes !== null && x.composition.zod))
    failures.push(`${e.name}: bundles zod (${kb(e.composition.zod!)} minified); import the contract by type only outside "./contract"`);
  return { entries, baselines, failures };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { entries, baselines, failures } = await sizeBudget();
  const rows = entries.map((e) => {
    const parts = Object.entries(e.composition)
      .sort((a, b) => b[1] - a[1])
      .map(([pkg, bytes]) => `${pkg} ${kb(bytes)}`)
      .join(', ');
    const budget = e.budgetGzipBytes === null ? 'no budget' : `budget ${kb(e.budgetGzipBytes)} (${((100 * e.gzipBytes) / e.budgetGzipBytes).toFixed(0)} %)`;
    return `  ${e.name.padEnd(26)} ${kb(e.gzipBytes).padStart(9)} gzip  ${kb(e.minifiedBytes).padStart(9)} min   ${budget}\n      minified by package: ${parts}`;
  });
  process.stdout.write(`size:check — esbuild ESM, browser, minified, gzip -9 (1 KB = 1000 B)\n${rows.join('\n')}\n  baselines:\n`);
  for (const b of baselines) process.stdout.write(`  ${b.name.padEnd(58)} ${kb(b.gzipBytes).padStart(9)} gzip  ${kb(b.minifiedBytes).padStart(9)} min\n`);
  const esbuildVersion = (JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules/esbuild/package.json'), 'utf8')) as { version: string }).version;
  const results = {
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model ?? 'unknown', node: process.version },
    tool: `esbuild ${esbuildVersion} (format esm, platform browser, target es2022, minify) + gzip level 9`,
    unit: 'bytes (budgets in KB of 1000 bytes)',
    entries,
    baselines,
    ok: failures.length === 0,
    overBudget: entries.filter((e) => e.budgetGzipBytes !== null && e.gzipBytes > e.budgetGzipBytes).map((e) => e.name),
  };
  fs.mkdirSync(path.join(ROOT, 'bench/results'), { recursive: true });
  fs.writeFileSync(path.join(ROOT, 'bench/results/size.json'), JSON.stringify(results, null, 2) + '\n');
  process.stdout.write('  → bench/results/size.json\n');
  if (failures.length) {
    for (const f of failures) process.stderr.write(`size:check FAILED: ${f}\n`);
    process.exitCode = 1;
  }
}
