// Flat ESLint config: recommended JS + typescript-eslint rules; client/ may not import Node built-ins.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'generated/', 'data/', 'dist/', 'client/dist/', 'test-artifacts/', 'server/public/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-syntax': [
        'error',
        { selector: "CallExpression[callee.property.name=/^(skip|only|todo)$/][callee.object.name=/^(it|test|describe)$/]", message: 'no skipped/focused/todo tests' },
      ],
    },
  },
  {
    files: ['client/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ['fs', 'crypto', 'path', 'buffer', 'os', 'net', 'http', 'https', 'stream', 'url', 'util'].map((name) => ({
            name,
            message: 'client/ runs in browsers: no Node built-ins',
          })),
          patterns: [
            { group: ['node:*'], message: 'client/ runs in browsers: no Node built-ins' },
            // The SDK is a package of its own: the server imports the SDK's contract, never the other way round.
            { group: ['**/server/**', '**/server', '**/chat/**', '**/test/**', '**/bench/**'], message: 'the SDK (client/) never imports the server, the apps, tests or benchmarks' },
          ],
        },
      ],
      'no-restricted-globals': ['error', { name: 'Buffer', message: 'client/ runs in browsers: use Uint8Array' }, { name: 'process', message: 'client/ runs in browsers' }],
    },
  },
  {
    // The one exception to "client/ imports no Node built-ins": the node:crypto provider, loaded only through its
    // own entry point (package subpath "./crypto/node"), never by any other SDK module (docs/PROTOCOL.md §13.2).
    files: ['client/crypto/node.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/server/**', '**/server', '**/chat/**', '**/test/**', '**/bench/**'], message: 'the SDK never imports the server, apps, tests or benchmarks' }] }],
    },
  },
);
