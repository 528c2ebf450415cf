// The caller's block list (docs/API.md "Blocking, handles, quotas"; contract in client/transport/contract/blocks.ts).
import type { Services } from '../services/index.ts';
import { type Route, route } from './_route.ts';
import { blockOperations as ops } from '../../client/transport/contract/blocks.ts';

export function blockRoutes(s: Services): Route[] {
  return [
    route(ops.listBlocks, async ({ principal }) => ({
      blocked: (await s.blocks.list(principal.userId)).map((b) => ({ userId: b.userId, blockedAt: b.blockedAt.toISOString() })),
    })),
    route(ops.blockAccount, async ({ principal, params }) => {
      const b = await s.blocks.block(principal.userId, params.userId);
      return { userId: b.userId, blockedAt: b.blockedAt.toISOString() };
    }),
    route(ops.unblockAccount, async ({ principal, params }) => {
      await s.blocks.unblock(principal.userId, params.userId);
      return { ok: true as const };
    }),
  ];
}
