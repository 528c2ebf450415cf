// The chat page (served by the server at /). Separate root and output from the moderator dashboard.
// The SDK (client/) is bundled as-is: pure-JS crypto from @noble/*, no Node polyfills.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';
import { sdkAliases } from '../scripts/sdk-aliases.ts';

const here = path.dirname(fileURLToPath(import.meta.url));

export default defineConfig({
  root: here,
  base: '/',
  plugins: [react()],
  resolve: { alias: sdkAliases },
  build: {
    outDir: path.resolve(here, '../dist/chat'),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    // One bundle: React plus the SDK's pure-JS crypto (@noble/*) is ~350 kB minified, ~115 kB gzipped.
    chunkSizeWarningLimit: 800,
  },
  server: {
    // `npx vite --config chat/vite.config.ts` during development: API and push channel from `npm start`.
    proxy: { '/v1': { target: 'http://127.0.0.1:3000', ws: true } },
  },
});
