// API contract: the caller's block list (docs/API.md "Blocking, handles, quotas"). While B is on A's list, the relay does not deliver B's
// messages to A (B's sends still succeed: B is not told). Only A sees the list.
import { z } from 'zod';
import { Id, IsoTime } from './_common.ts';
import { defineOperation } from './_operation.ts';
import { endpoints } from './endpoints.ts';
import { OkResponse } from './auth.ts';

export const MAX_BLOCKS = 10_000;

export const BlockParams = z.strictObject({ userId: Id });
export const BlockEntry = z.strictObject({ userId: Id, blockedAt: IsoTime }).meta({ id: 'BlockEntry' });
export const BlockList = z.strictObject({ blocked: z.array(BlockEntry) }).meta({ id: 'BlockList' });

export const blockOperations = {
  listBlocks: defineOperation(endpoints.listBlocks, { tag: 'accounts', summary: 'Accounts you blocked (newest first)', response: BlockList }),
  blockAccount: defineOperation(endpoints.blockAccount, {
    tag: 'accounts', summary: 'Block an account: from now on the server does not deliver its messages to you (it is not told). Idempotent',
    params: BlockParams, response: BlockEntry,
  }),
  unblockAccount: defineOperation(endpoints.unblockAccount, {
    tag: 'accounts', summary: 'Unblock an account (messages sent while it was blocked are not delivered later). Idempotent', params: BlockParams, response: OkResponse,
  }),
} as const;
