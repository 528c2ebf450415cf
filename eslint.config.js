// Flat ESLint config: recommended JS + typescript-eslint rules, and the import boundaries of docs/SDK.md
// "Entry points": client/ may not import Node built-ins, the server, the apps, tests or benchmarks; nothing outside
// client/ imports an SDK internal (a `_` module); only client/group/_ts-mls.ts imports ts-mls (tests may drive
// ts-mls by its root).
// npm run lint:deps (.dependency-cruiser.cjs) checks the same boundaries on the whole import graph, plus cycles
// and the server's layers.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const NODE_BUILTINS = ['fs', 'crypto', 'path', 'buffer', 'os', 'net', 'http', 'https', 'stream', 'url', 'util'];
const BROWSER_SAFE = { group: ['node:*'], message: 'client/ runs in browsers: no Node built-ins' };
// The SDK is a package of its own: the server imports the SDK's contract, never the other way round.
const SDK_STANDS_ALONE = {
  group: ['**/server/**', '**/server', '**/chat/**', '**/test/**', '**/bench/**', '**/scripts/**'],
  message: 'the SDK (client/) never imports the server, the apps, tests, benchmarks or scripts',
};
// The one door to ts-mls (client/group/_ts-mls.ts): ts-mls 2 exports only its root, and the upgrade is one file.
const TS_MLS_THROUGH_ADAPTER = { group: ['ts-mls', 'ts-mls/*'], message: 'import MLS types and functions from client/group/_ts-mls.ts, the SDK\'s one ts-mls adapter' };
// `_` modules are the SDK's internals (the noble convention): free to change without notice, never part of what an
// application imports. Outside client/, use an entry point: client/index.ts ("@franking-chat/sdk"),
// client/protocol.ts ("/protocol"), client/transport/contract/index.ts ("/contract"), client/crypto/node.ts
// ("/crypto/node"). A white-box test whose subject IS an internal (the vectors of an internal primitive) disables the
// rule on that import line with the reason, e.g. `// eslint-disable-next-line no-restricted-imports -- white-box: …`;
// .dependency-cruiser.cjs lists the same files.
const NO_SDK_INTERNALS = {
  // The repository's client/ (one or more "../" then client/), not test/client/'s own helpers.
  regex: '^((\\.\\./)+client|@franking-chat/sdk)/(.+/)?_[^/]*$',
  message: 'an SDK internal (`_` module): import it from an SDK entry point (client/index.ts, client/protocol.ts, client/transport/contract/index.ts, client/crypto/node.ts)',
};
// The apps, the server, benchmarks and scripts use MLS through the SDK (client/group), never ts-mls itself.
const MLS_THROUGH_SDK = { group: ['ts-mls', 'ts-mls/*'], message: 'MLS through the SDK (client/group): only its adapter, client/group/_ts-mls.ts, imports ts-mls' };
// The apps (chat/src, server/dashboard/src) import the SDK by package name, never by a path into client/.
const SDK_BY_PACKAGE_NAME = {
  regex: '^(\\.\\./)+client/',
  message: 'an app imports the SDK by package name: @franking-chat/sdk, @franking-chat/sdk/protocol, @franking-chat/sdk/contract',
};
// Tests may drive ts-mls directly (an attacker's MLS, interop with ts-mls' own provider), by its root: ts-mls 1.x
// module paths ("ts-mls/keyPackage.js") are gone in ts-mls 2.
const TS_MLS_ROOT_ONLY = { group: ['ts-mls/*'], message: 'ts-mls 2 exports only its root: import from "ts-mls" or from the SDK' };

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
  { files: ['**/*.cjs'], languageOptions: { sourceType: 'commonjs', globals: { module: 'writable', require: 'readonly', __dirname: 'readonly' } } },
  {
    files: ['client/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: NODE_BUILTINS.map((name) => ({ name, message: 'client/ runs in browsers: no Node built-ins' })),
          patterns: [BROWSER_SAFE, SDK_STANDS_ALONE, TS_MLS_THROUGH_ADAPTER],
        },
      ],
      'no-restricted-globals': ['error', { name: 'Buffer', message: 'client/ runs in browsers: use Uint8Array' }, { name: 'process', message: 'client/ runs in browsers' }],
    },
  },
  {
    // The one exception to "client/ imports no Node built-ins": the node:crypto provider, loaded only through its
    // own entry point (package subpath "./crypto/node"), never by any other SDK module (docs/PROTOCOL.md §13.2).
    files: ['client/crypto/node.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [SDK_STANDS_ALONE, TS_MLS_THROUGH_ADAPTER] }] },
  },
  {
    // The ts-mls adapter itself.
    files: ['client/group/_ts-mls.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: NODE_BUILTINS.map((name) => ({ name, message: 'client/ runs in browsers: no Node built-ins' })), patterns: [BROWSER_SAFE, SDK_STANDS_ALONE] },
      ],
    },
  },
  {
    files: ['{chat,server,bench,scripts}/**/*.{ts,tsx,mts,js,mjs,cjs}'],
    rules: { 'no-restricted-imports': ['error', { patterns: [NO_SDK_INTERNALS, MLS_THROUGH_SDK] }] },
  },
  {
    // The apps use the SDK as an application would: by package name (tsconfig.json "paths", scripts/sdk-aliases.ts),
    // hence only through its entry points. .dependency-cruiser.cjs checks where those names lead.
    files: ['chat/src/**/*.{ts,tsx}', 'server/dashboard/src/**/*.{ts,tsx}'],
    rules: { 'no-restricted-imports': ['error', { patterns: [NO_SDK_INTERNALS, MLS_THROUGH_SDK, SDK_BY_PACKAGE_NAME] }] },
  },
  {
    files: ['test/**/*.{ts,tsx,mts,js,mjs,cjs}'],
    rules: { 'no-restricted-imports': ['error', { patterns: [NO_SDK_INTERNALS, TS_MLS_ROOT_ONLY] }] },
  },
);
