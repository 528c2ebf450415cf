/**
 * Who may import what, checked on the whole import graph by `npm run lint:deps` (layout: README.md "Layout"; SDK
 * entry points: docs/SDK.md "Entry points"). eslint.config.js checks the import lines of the same boundaries file by
 * file, as you type; this file is the graph-wide truth, and the only one for cycles and layers.
 *
 * - client/ is the SDK, a package of its own: it never imports the server, the apps, tests, benchmarks or scripts.
 * - The apps (chat/src, server/dashboard/src) use the SDK as an application would, by its public entry points only,
 *   and never import server code.
 * - `_` modules of client/ are the SDK's internals: nothing outside client/ imports them, except the white-box
 *   tests listed below, whose subject is such an internal.
 * - ts-mls is reached through client/group/_ts-mls.ts only: the SDK, the apps, the server, benchmarks and scripts
 *   use MLS through client/group; tests may drive ts-mls directly, by its root (ts-mls 2 exports nothing else).
 * - The server's layers: routes (HTTP edge) → services → data (Prisma); never upwards, and routes do not reach
 *   past the services into data.
 * - No import cycles.
 */

// The SDK's public entry points (client/package.json "exports"), the only SDK modules an app imports.
const SDK_ENTRIES = [
  '^client/index\\.ts$', // "@franking-chat/sdk"
  '^client/protocol\\.ts$', // "@franking-chat/sdk/protocol"
  '^client/transport/contract/index\\.ts$', // "@franking-chat/sdk/contract"
  '^client/transport/contract/moderation/index\\.ts$', // the moderation part of the contract (staff API)
];

// White-box tests: their subject is an internal primitive of the SDK (its vectors, its failure modes). Each import
// line of an internal carries the same reason as an `eslint-disable-next-line no-restricted-imports -- white-box: …`.
const WHITE_BOX_TESTS = [
  '^test/client/ed25519-edge-cases\\.test\\.ts$', // the strict Ed25519 rule (client/crypto/_ed25519-verify.ts)
  '^test/client/group-hpke\\.test\\.ts$', // the group suite's HPKE (client/group/_hpke.ts) against RFC 9180
  '^test/client/group-mls-interop\\.test\\.ts$', // the group suite (client/group/_mls-crypto.ts) against ts-mls' own
  '^test/client/providers\\.test\\.ts$', // the small-order encodings table (client/crypto/_ed25519.ts)
  '^test/client/session-primitives\\.test\\.ts$', // the session KDFs (client/session/_session-kdf.ts)
  '^test/client/session\\.test\\.ts$', // forges a message with the ratchet's own KDF
  '^test/client/session-cipher-v3\\.test\\.ts$', // KDF_CK₃ and its two inputs (client/session/_session-kdf.ts, PROTOCOL-sessions.md §S18.1)
  '^test/client/session-vectors\\.test\\.ts$', // the kdfChainV3 vector checked against the SDK's own KDF_CK₃
  '^bench/_wire-floor\\.ts$', // the wire floor times the SDK's own KDF_CK steps bare (docs/BENCHMARKS.md "Session cipher version 3")
  '^test/franking/sender-buffers\\.test\\.ts$', // Writer.over (client/crypto/_bytes.ts)
];

const TS_MLS = '(^|/)node_modules/ts-mls/';
const TS_MLS_ROOT = '(^|/)node_modules/ts-mls/dist/src/index\\.(d\\.ts|js)$';

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'An import cycle: split a shared type or helper into a module both sides import.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'sdk-stands-alone',
      severity: 'error',
      comment: 'The SDK (client/) is a package of its own: it never imports the server, the apps, tests, benchmarks or scripts.',
      from: { path: '^client/' },
      to: { path: '^(server|chat|test|bench|scripts)/' },
    },
    {
      name: 'apps-use-sdk-entries',
      severity: 'error',
      comment:
        'The chat and the dashboard import the SDK as an app would, by package name: @franking-chat/sdk, /protocol, /contract ' +
        '(client/index.ts, client/protocol.ts, client/transport/contract/index.ts). Missing something? Export it from an entry point.',
      from: { path: '^(chat/src|server/dashboard/src)/' },
      to: { path: '^client/', pathNot: SDK_ENTRIES },
    },
    {
      name: 'apps-not-server',
      severity: 'error',
      comment: 'The apps run in the browser and talk to the server over HTTP: the types they share are the contract (@franking-chat/sdk/contract), not server code.',
      from: { path: '^(chat/src|server/dashboard/src)/' },
      to: { path: '^server/', pathNot: '^server/dashboard/' },
    },
    {
      name: 'server-not-apps',
      severity: 'error',
      comment: 'The server serves the built apps; it never imports their source.',
      from: { path: '^server/', pathNot: '^server/dashboard/' },
      to: { path: '^(chat/|server/dashboard/src/)' },
    },
    {
      name: 'no-sdk-internals-outside',
      severity: 'error',
      comment:
        'A `_` module of client/ is an SDK internal: import it from an entry point (client/index.ts, client/protocol.ts, ' +
        'client/transport/contract/index.ts, client/crypto/node.ts). A test whose subject is the internal goes into WHITE_BOX_TESTS with its reason.',
      from: { path: '^(chat|server|test|bench|scripts)/', pathNot: WHITE_BOX_TESTS },
      to: { path: ['^client/_[^/]*$', '^client/.*/_[^/]*$'] },
    },
    {
      name: 'sdk-ts-mls-through-adapter',
      severity: 'error',
      comment: 'Inside the SDK only client/group/_ts-mls.ts imports ts-mls, so that a ts-mls upgrade is one file.',
      from: { path: '^client/', pathNot: '^client/group/_ts-mls\\.ts$' },
      to: { path: TS_MLS },
    },
    {
      name: 'mls-through-sdk',
      severity: 'error',
      comment: 'The apps, the server, benchmarks and scripts use MLS through the SDK (client/group), never ts-mls itself: a ts-mls upgrade is one file, client/group/_ts-mls.ts.',
      // bench/peers.ts measures ts-mls's own default provider beside the SDK (docs/BENCHMARKS.md "Peers"): a peer, not a use.
      from: { path: '^(chat|server|bench|scripts)/', pathNot: '^bench/peers\\.ts$' },
      to: { path: TS_MLS },
    },
    {
      name: 'ts-mls-root-only',
      severity: 'error',
      comment: 'A test drives ts-mls by its root only: ts-mls 2 exports nothing else (its module paths, ts-mls/keyPackage.js …, are the SDK adapter\'s business).',
      from: { path: '^(test/|bench/peers\\.ts$)' },
      to: { path: TS_MLS, pathNot: TS_MLS_ROOT },
    },
    {
      name: 'data-is-the-bottom-layer',
      severity: 'error',
      comment: 'server/data (Prisma access) serves the services; it never imports services or routes. Logic the data layer needs lives in data or in a shared module.',
      from: { path: '^server/data/' },
      to: { path: '^server/(services|routes)/' },
    },
    {
      name: 'services-below-routes',
      severity: 'error',
      comment: 'Services hold the logic and know nothing of HTTP: they never import routes (server/routes is the HTTP edge).',
      from: { path: '^server/services/' },
      to: { path: '^server/routes/' },
    },
    {
      name: 'routes-through-services',
      severity: 'error',
      comment: 'Thin handlers: a route calls a service, never the data layer (Prisma only in server/data, reached through services); a row type a route names comes through the service folder that returns it.',
      from: { path: '^server/routes/' },
      to: { path: '^server/data/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // node_modules stays in the graph (not followed) so that the ts-mls rules see which ts-mls module is imported.
    exclude: { path: '^(dist|generated|client/dist|test/package/fixture)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'], extensions: ['.ts', '.tsx', '.js', '.mjs', '.cjs', '.json'] },
  },
};
