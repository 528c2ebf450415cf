// API contract: auth (request and response schemas; docs/API.md). The server validates with these; the SDK types from them.
import { z } from 'zod';
import { b64Exact, b64Max, Id, IsoTime, U32 } from './_common.ts';
import { MAX_SIGNED_DEVICE_LIST_BYTES } from './devices.ts';
import { PowPayload } from './accounts.ts';
import { defineOperation } from './_operation.ts';
import { endpoints } from './endpoints.ts';

const gate = {
  invite: z.string().max(64).optional().meta({ description: 'registration gate "invite": a single-use code from an admin' }),
  pow: PowPayload.optional().meta({ description: 'registration gate "pow": the solved challenge from GET /v1/accounts/registration' }),
};
/** One device, bare identity keys (accounts without a device list, docs/PROTOCOL-devices.md D17). */
export const RegisterKeysRequest = z
  .strictObject({
    userId: Id,
    identitySigningKey: b64Exact(32).meta({ description: 'Ed25519 public key' }),
    identityDhKey: b64Exact(32).meta({ description: 'X25519 public key' }),
    signature: b64Exact(64).meta({ description: 'Ed25519 over "franking-chat/v1/register\\0" || identityDhKey || utf8(userId)' }),
    ...gate,
  })
  .meta({ id: 'RegisterKeysRequest' });
/** A genesis device list (docs/PROTOCOL-devices.md D8.2): device 1's self-signed list of kind genesis for userId. */
export const RegisterListRequest = z
  .strictObject({ userId: Id, list: b64Max(MAX_SIGNED_DEVICE_LIST_BYTES, 1).meta({ description: 'SignedDeviceList of kind genesis (docs/PROTOCOL-devices.md D4.2), base64url' }), ...gate })
  .meta({ id: 'RegisterListRequest' });
export const RegisterRequest = z.union([RegisterKeysRequest, RegisterListRequest]).meta({ id: 'RegisterRequest' });
export const RegisterResponse = z.strictObject({ userId: Id, createdAt: IsoTime }).meta({ id: 'RegisterResponse' });

export const ChallengeRequest = z.strictObject({ userId: Id, deviceId: U32.min(1).optional().meta({ description: 'the device signing in (docs/PROTOCOL-devices.md D8.2); informative' }) }).meta({ id: 'ChallengeRequest' });
export const ChallengeResponse = z.strictObject({ challenge: b64Exact(32), expiresAt: IsoTime }).meta({ id: 'ChallengeResponse' });

export const TokenRequest = z
  .strictObject({
    userId: Id,
    deviceId: U32.min(1).optional().meta({ description: 'the device signing in (docs/PROTOCOL-devices.md D8.2); absent for an account without a device list (device 1)' }),
    challenge: b64Exact(32),
    signature: b64Exact(64).meta({
      description: 'Ed25519 over "franking-chat/v1/auth\\0" || challenge || utf8(userId); with deviceId, by that device\'s IKsig over "franking-chat/v1/device-auth\\0" || challenge || u32 deviceId || utf8(userId)',
    }),
  })
  .meta({ id: 'TokenRequest' });
export const TokenResponse = z
  .strictObject({ token: z.string(), tokenType: z.literal('Bearer'), expiresAt: IsoTime })
  .meta({ id: 'TokenResponse' });
export const OkResponse = z.strictObject({ ok: z.literal(true) }).meta({ id: 'Ok' });

export const authOperations = {
  register: defineOperation(endpoints.register, {
    tag: 'auth', rateLimit: 'auth', summary: 'Register an account (one device) with its public identity keys', body: RegisterRequest, response: RegisterResponse,
  }),
  createChallenge: defineOperation(endpoints.createChallenge, {
    tag: 'auth', rateLimit: 'auth', summary: 'Get a single-use login challenge (valid 60 s)', body: ChallengeRequest, response: ChallengeResponse,
  }),
  createToken: defineOperation(endpoints.createToken, {
    tag: 'auth', rateLimit: 'auth', summary: 'Exchange a signed challenge for a short-lived bearer token', body: TokenRequest, response: TokenResponse,
  }),
  logout: defineOperation(endpoints.logout, { tag: 'auth', summary: 'Revoke the bearer token used for this request', response: OkResponse }),
} as const;
