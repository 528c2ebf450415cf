import { defineConfig } from 'vitest/config';
import { playwright } from '@vitest/browser-playwright';
import { sdkAliases } from './scripts/sdk-aliases.ts';

// Debian's Chromium, kept offline (see ../shared/BROWSER-TESTS.md): without the resolver rule it still looks up Google hosts.
export const CHROMIUM = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run', '--disable-quic',
  '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE 127.0.0.1',
];

export default defineConfig({
  resolve: { alias: sdkAliases },
  test: {
    projects: [
      {
        extends: true, // the root's resolve.alias: chat modules import the SDK by package name
        test: {
          name: 'node',
          environment: 'node',
          include: ['test/**/*.test.ts'],
          exclude: ['test/e2e/**', 'test/package/**', 'test/cluster/**', 'test/browser/**'],
          provide: { runtime: 'node' },
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        // Several real server PROCESSES on PostgreSQL + Redis (npm run test:cluster): one file at a time.
        test: {
          name: 'cluster',
          environment: 'node',
          include: ['test/cluster/**/*.test.ts'],
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'browser',
          // Suites that exercise only client/ code and vectors; they must pass unchanged in Chromium.
          include: ['test/browser/**/*.test.ts', 'test/client/**/*.test.ts'],
          provide: { runtime: 'browser' },
          testTimeout: 60_000,
          browser: {
            enabled: true,
            headless: true,
            screenshotFailures: false,
            instances: [{ browser: 'chromium' }],
            provider: playwright({ launchOptions: { executablePath: CHROMIUM, args: CHROMIUM_ARGS } }),
          },
        },
      },
    ],
  },
});
