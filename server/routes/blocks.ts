// The caller's block list (issue 15; contract in client/transport/contract/blocks.ts).
import type { Services } from '../services/index.ts';
import { type Route, defineRoute } from './_route.ts';
import { BlockEntry, BlockList, BlockParams } from '../../client/transport/contract/blocks.ts';
import { OkResponse } from '../../client/transport/contract/auth.ts';

const authErrors = ['unauthorized', 'invalid_token', 'account_suspended', 'account_banned'] as const;

export const listBlocksSpec = {
  operationId: 'listBlocks', method: 'get', path: '/v1/blocks', tag: 'accounts', auth: 'user',
  summary: 'Accounts you blocked (newest first)', response: BlockList, errors: [...authErrors],
} as const;
export const blockSpec = {
  operationId: 'blockAccount', method: 'put', path: '/v1/blocks/{userId}', tag: 'accounts', auth: 'user',
  summary: "Block an account: from now on the server does not deliver its messages to you (it is not told). Idempotent",
  params: BlockParams, response: BlockEntry, errors: ['validation_failed', 'not_found', ...authErrors],
} as const;
export const unblockSpec = {
  operationId: 'unblockAccount', method: 'delete', path: '/v1/blocks/{userId}', tag: 'accounts', auth: 'user',
  summary: 'Unblock an account (messages sent while it was blocked are not delivered later). Idempotent',
  params: BlockParams, response: OkResponse, errors: ['validation_failed', ...authErrors],
} as const;

export function blockRoutes(s: Services): Route[] {
  return [
    defineRoute(listBlocksSpec, async ({ principal }) => ({
      blocked: (await s.blocks.list(principal.userId)).map((b) => ({ userId: b.userId, blockedAt: b.blockedAt.toISOString() })),
    })),
    defineRoute(blockSpec, async ({ principal, params }) => {
      const b = await s.blocks.block(principal.userId, params.userId);
      return { userId: b.userId, blockedAt: b.blockedAt.toISOString() };
    }),
    defineRoute(unblockSpec, async ({ principal, params }) => {
      await s.blocks.unblock(principal.userId, params.userId);
      return { ok: true as const };
    }),
  ];
}
