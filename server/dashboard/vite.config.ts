// Moderator dashboard build: `npm run build:dashboard` → dist/dashboard, served by the server at /dashboard
// (server/web-static.ts). No inline scripts or styles, so the strict CSP there holds.
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';
import { sdkAliases } from '../../scripts/sdk-aliases.ts';

const here = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root: here,
  base: '/dashboard/',
  plugins: [react()],
  resolve: { alias: sdkAliases },
  build: {
    outDir: fileURLToPath(new URL('../../dist/dashboard', import.meta.url)),
    emptyOutDir: true,
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    // No public source maps: the server refuses *.map anyway (server/web-static.ts).
    sourcemap: false,
  },
  logLevel: 'warn',
});
