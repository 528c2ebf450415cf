/* global process */
// Builds the web apps (chat page → dist/chat, moderator dashboard → dist/dashboard) with Vite when their
// output is missing or older than their sources (including the client/ SDK they bundle). `--force` always
// builds. Run by `npm start` so the quick start stays `npm install && npm start`.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const APPS = [
  { name: 'chat', config: 'chat/vite.config.ts', out: 'dist/chat/index.html', sources: ['chat', 'client'] },
  { name: 'dashboard', config: 'server/dashboard/vite.config.ts', out: 'dist/dashboard/index.html', sources: ['server/dashboard', 'client'] },
];

function newestMtime(dir) {
  let newest = 0;
  const walk = (p) => {
    const st = fs.statSync(p);
    if (st.isDirectory()) {
      for (const e of fs.readdirSync(p)) if (e !== 'node_modules' && e !== 'dist' && !e.startsWith('.')) walk(path.join(p, e));
    } else newest = Math.max(newest, st.mtimeMs);
  };
  if (fs.existsSync(dir)) walk(dir);
  return newest;
}

export async function buildWeb({ force = false, strict = force, only } = {}) {
  const built = [];
  for (const app of APPS) {
    if (only && !only.includes(app.name)) continue;
    const config = path.join(root, app.config);
    if (!fs.existsSync(config)) continue;
    const out = path.join(root, app.out);
    const stale = !fs.existsSync(out) || app.sources.some((s) => newestMtime(path.join(root, s)) > fs.statSync(out).mtimeMs);
    if (!force && !stale) continue;
    const { build } = await import('vite');
    process.stdout.write(`building ${app.name} (${app.config})…\n`);
    try {
      await build({ configFile: config, logLevel: 'warn' });
      built.push(app.name);
    } catch (e) {
      // `npm start` still starts the server (that page then answers 503 "not built"); `npm run build` fails.
      if (strict) throw e;
      process.stderr.write(`warning: could not build ${app.name}: ${String(e?.message ?? e).split('\n')[0]}\n`);
    }
  }
  return built;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const only = args.filter((a) => !a.startsWith('--'));
  await buildWeb({ force: args.includes('--force'), ...(only.length ? { only } : {}) });
}
