// End-to-end suite in a real browser (Debian's Chromium via playwright-core) against a real server process.
// Kept apart from the node/browser projects: `npm run test:e2e`.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { sdkAliases } from '../../scripts/sdk-aliases.ts';

export default defineConfig({
  root: path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..'),
  resolve: { alias: sdkAliases },
  test: {
    name: 'e2e',
    environment: 'node',
    include: ['test/e2e/**/*.e2e.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
});
