// API contract: accounts (request and response schemas; docs/API.md). The server validates with these; the SDK types from them.
import { z } from 'zod';
import { b64Exact, b64Max, Id, IsoTime, U32 } from './_common.ts';
import { MAX_SIGNED_DEVICE_LIST_BYTES } from './devices.ts';
import { defineOperation } from './_operation.ts';
import { endpoints } from './endpoints.ts';

export const AccountResponse = z
  .strictObject({
    userId: Id,
    role: z.enum(['user', 'moderator', 'admin']),
    status: z.enum(['active', 'suspended', 'banned']),
    suspendedUntil: IsoTime.nullable(),
    identitySigningKey: b64Exact(32),
    identityDhKey: b64Exact(32),
    oneTimePreKeys: z.number().int().meta({ description: 'one-time prekeys left in the directory (of the calling device)' }),
    createdAt: IsoTime,
    deviceId: U32.min(1).meta({ description: 'the device the token names (docs/PROTOCOL-devices.md D8.2); 1 for an account without a device list' }),
    deviceList: b64Max(MAX_SIGNED_DEVICE_LIST_BYTES, 1).nullable().meta({ description: 'the current logged SignedDeviceList; null for an account without a list, which signs its genesis first (docs/PROTOCOL-devices.md D17.1)' }),
  })
  .meta({ id: 'Account' });

/** Handles are case-insensitive: GET /v1/accounts/lookup/{handle} answers the registered spelling. */
export const AccountLookupParams = z.strictObject({ handle: Id });
export const AccountLookup = z
  .strictObject({ userId: Id.meta({ description: 'the account id as registered (its canonical spelling)' }) })
  .meta({ id: 'AccountLookup' });

// Registration gate (docs/API.md "Registration gate"): the operator chooses open, invite or pow.
const Hex = (max: number) => z.string().max(max).regex(/^[0-9a-f]*$/, 'expected lower-case hex');
/** An altcha v2 challenge as the server issued it (HMAC-signed; echoed back unchanged with the solution). */
export const PowChallenge = z
  .strictObject({
    parameters: z.strictObject({
      algorithm: z.literal('SHA-256'),
      nonce: Hex(64),
      salt: Hex(64),
      cost: z.number().int().min(1).max(16),
      keyLength: z.number().int().min(1).max(64),
      keyPrefix: Hex(128),
      keySignature: Hex(128).optional(),
      expiresAt: z.number().int().min(1).optional().meta({ description: 'unix seconds' }),
    }),
    signature: Hex(128),
  })
  .meta({ id: 'PowChallenge' });
export const PowSolution = z
  .strictObject({
    counter: z.number().int().min(0).max(0xffff_ffff),
    derivedKey: Hex(128),
    time: z.number().min(0).optional().meta({ description: 'milliseconds the solver took (informational)' }),
  })
  .meta({ id: 'PowSolution' });
export const PowPayload = z.strictObject({ challenge: PowChallenge, solution: PowSolution }).meta({ id: 'PowPayload' });
export const RegistrationInfo = z
  .strictObject({
    gate: z.enum(['open', 'invite', 'pow']),
    pow: z
      .strictObject({
        challenge: PowChallenge,
        maxNumber: z.number().int().meta({ description: 'the secret counter is at most this: progress = counters tried / maxNumber' }),
        expiresAt: IsoTime,
      })
      .nullable(),
  })
  .meta({ id: 'RegistrationInfo' });

export const accountOperations = {
  /** Registration gate (docs/MODERATION.md "Registration gate"): which proof POST /v1/accounts needs, and a fresh challenge for pow. */
  getRegistrationInfo: defineOperation(endpoints.getRegistrationInfo, {
    tag: 'auth', rateLimit: 'auth', summary: 'The registration gate (open, invite, pow) and, for pow, a fresh signed proof-of-work challenge', response: RegistrationInfo,
  }),
  lookupAccount: defineOperation(endpoints.lookupAccount, {
    tag: 'accounts', summary: 'Find an account by handle in any letter case ("ALICE" finds alice); answers the registered id', params: AccountLookupParams, response: AccountLookup,
  }),
  getMe: defineOperation(endpoints.getMe, { tag: 'accounts', summary: 'The authenticated account, its standing and remaining one-time prekeys', response: AccountResponse }),
} as const;
