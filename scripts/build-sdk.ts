// Builds the SDK package (client/package.json, "@franking-chat/sdk") into client/dist: ESM JavaScript and .d.ts
// for every module under client/, compiled by tsc with client/tsconfig.build.json. The sources import each other
// with `.ts` specifiers (the app, tests and Vite use them directly); tsc rewrites those to `.js` in the emitted
// JavaScript (`rewriteRelativeImportExtensions`) but not in declarations, so this script rewrites the relative
// specifiers of the .d.ts files and then checks that no `.ts` specifier is left anywhere in the output.
//
//   npm run build:sdk            always rebuilds
//   ensureSdkBuilt()             rebuilds only when a source under client/ is newer than the last build
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const SDK_DIR = path.join(ROOT, 'client');
export const SDK_DIST = path.join(SDK_DIR, 'dist');
const STAMP = path.join(SDK_DIST, '.build-stamp');
const TSC = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

// Relative `.ts` specifiers of import and export statements (`… from '…'` of a statement that starts a line, as tsc
// emits them, `import '…'`, and `import('…')` types and calls). Anchored to statements so that a comment that
// quotes an import is left alone.
const RELATIVE_TS_SPECIFIER = /(^(?:import|export)\b[^;]*?\bfrom\s*|^import\s*|\bimport\(\s*)(['"])(\.{1,2}\/[^'"\n]+)\.ts\2/gm;

function walk(dir: string, out: string[] = []): string[] {
  if (!fs.existsSync(dir)) return out;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
}

/** Source files the package is built from: every .ts under client/ except the build output. */
export function sdkSources(): string[] {
  return walk(SDK_DIR).filter((f) => !f.startsWith(SDK_DIST + path.sep) && (f.endsWith('.ts') || f.endsWith('.json')));
}

export function buildSdk(): { files: number; ms: number } {
  const started = performance.now();
  fs.rmSync(SDK_DIST, { recursive: true, force: true });
  execFileSync(process.execPath, [TSC, '-p', path.join(SDK_DIR, 'tsconfig.build.json')], { cwd: ROOT, stdio: 'inherit' });
  const outputs = walk(SDK_DIST);
  for (const file of outputs.filter((f) => f.endsWith('.d.ts'))) {
    const text = fs.readFileSync(file, 'utf8');
    const rewritten = text.replace(RELATIVE_TS_SPECIFIER, (_m, lead: string, quote: string, spec: string) => `${lead}${quote}${spec}.js${quote}`);
    if (rewritten !== text) fs.writeFileSync(file, rewritten);
  }
  // A `.ts` specifier left in the output would make the package fail to load (JS) or to type-check (.d.ts).
  const leftovers = outputs.filter((f) => /\.(d\.ts|js)$/.test(f) && new RegExp(RELATIVE_TS_SPECIFIER.source).test(fs.readFileSync(f, 'utf8')));
  if (leftovers.length > 0) throw new Error(`build:sdk left .ts import specifiers in ${leftovers.map((f) => path.relative(ROOT, f)).join(', ')}`);
  const js = outputs.filter((f) => f.endsWith('.js')).length;
  if (js === 0) throw new Error('build:sdk emitted no JavaScript');
  fs.writeFileSync(STAMP, new Date().toISOString() + '\n');
  return { files: js, ms: performance.now() - started };
}

/** Rebuilds when client/dist is missing or older than any source; returns whether it built. */
export function ensureSdkBuilt(): boolean {
  const builtAt = fs.existsSync(STAMP) ? fs.statSync(STAMP).mtimeMs : 0;
  const stale = builtAt === 0 || sdkSources().some((f) => fs.statSync(f).mtimeMs > builtAt);
  if (stale) buildSdk();
  return stale;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { files, ms } = buildSdk();
  process.stdout.write(`build:sdk: ${files} modules (ESM + .d.ts) in ${path.relative(ROOT, SDK_DIST)}/ in ${(ms / 1000).toFixed(1)} s\n`);
}
