// The SDK's public entry points by package name, for the apps that bundle it from source (chat, dashboard) and for
// the tests and benches that load those apps' modules: `@franking-chat/sdk`, `…/protocol`, `…/contract`,
// `…/contract/moderation` (the dashboard's). The names and targets mirror client/package.json "exports"; tsconfig.json "paths" maps the same names for the type checker.
// An app importing the SDK this way sees exactly what an npm consumer sees (docs/ARCHITECTURE.md "Who may import what").
import { fileURLToPath } from 'node:url';

const client = (p: string) => fileURLToPath(new URL(`../client/${p}`, import.meta.url));

/** Vite / vitest `resolve.alias` entries: exact names only, so a deep `@franking-chat/sdk/x/y` import fails. */
export const sdkAliases = [
  { find: /^@franking-chat\/sdk$/, replacement: client('index.ts') },
  { find: /^@franking-chat\/sdk\/protocol$/, replacement: client('protocol.ts') },
  { find: /^@franking-chat\/sdk\/contract$/, replacement: client('transport/contract/index.ts') },
  { find: /^@franking-chat\/sdk\/contract\/moderation$/, replacement: client('transport/contract/moderation/index.ts') },
];
