// API contract: accounts (request and response schemas; docs/API.md). The server validates with these; the SDK types from them.
import { z } from 'zod';
import { b64Exact, Id, IsoTime } from './_common.ts';

export const AccountResponse = z
  .strictObject({
    userId: Id,
    role: z.enum(['user', 'moderator', 'admin']),
    status: z.enum(['active', 'suspended', 'banned']),
    suspendedUntil: IsoTime.nullable(),
    identitySigningKey: b64Exact(32),
    identityDhKey: b64Exact(32),
    oneTimePreKeys: z.number().int().meta({ description: 'one-time prekeys left in the directory' }),
    createdAt: IsoTime,
  })
  .meta({ id: 'Account' });

/** Handles are case-insensitive: GET /v1/accounts/lookup/{handle} answers the registered spelling. */
export const AccountLookupParams = z.strictObject({ handle: Id });
export const AccountLookup = z
  .strictObject({ userId: Id.meta({ description: 'the account id as registered (its canonical spelling)' }) })
  .meta({ id: 'AccountLookup' });
