// The package test (npm run test:package): packs client/ with `npm pack`, installs the tarball into an empty
// project and uses it from Node and from a Vite-built page in Debian's Chromium. Apart from the node/browser
// projects because it builds, installs and starts a browser.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  root: path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..'),
  test: {
    name: 'package',
    environment: 'node',
    include: ['test/package/**/*.test.ts'],
    testTimeout: 300_000,
    hookTimeout: 300_000,
    fileParallelism: false,
  },
});
