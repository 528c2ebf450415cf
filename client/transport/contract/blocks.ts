// API contract: the caller's block list (issue 15). While B is on A's list, the relay does not deliver B's
// messages to A (B's sends still succeed: B is not told). Only A sees the list.
import { z } from 'zod';
import { Id, IsoTime } from './_common.ts';

export const MAX_BLOCKS = 10_000;

export const BlockParams = z.strictObject({ userId: Id });
export const BlockEntry = z.strictObject({ userId: Id, blockedAt: IsoTime }).meta({ id: 'BlockEntry' });
export const BlockList = z.strictObject({ blocked: z.array(BlockEntry) }).meta({ id: 'BlockList' });
