// API contract: auth (request and response schemas; docs/API.md). The server validates with these; the SDK types from them.
import { z } from 'zod';
import { b64Exact, Id, IsoTime } from './_common.ts';
import { PowPayload } from './accounts.ts';
import { defineOperation } from './_operation.ts';
import { endpoints } from './endpoints.ts';

export const RegisterRequest = z
  .strictObject({
    userId: Id,
    identitySigningKey: b64Exact(32).meta({ description: 'Ed25519 public key' }),
    identityDhKey: b64Exact(32).meta({ description: 'X25519 public key' }),
    signature: b64Exact(64).meta({ description: 'Ed25519 over "franking-chat/v1/register\\0" || identityDhKey || utf8(userId)' }),
    invite: z.string().max(64).optional().meta({ description: 'registration gate "invite": a single-use code from an admin' }),
    pow: PowPayload.optional().meta({ description: 'registration gate "pow": the solved challenge from GET /v1/accounts/registration' }),
  })
  .meta({ id: 'RegisterRequest' });
export const RegisterResponse = z.strictObject({ userId: Id, createdAt: IsoTime }).meta({ id: 'RegisterResponse' });

export const ChallengeRequest = z.strictObject({ userId: Id }).meta({ id: 'ChallengeRequest' });
export const ChallengeResponse = z.strictObject({ challenge: b64Exact(32), expiresAt: IsoTime }).meta({ id: 'ChallengeResponse' });

export const TokenRequest = z
  .strictObject({
    userId: Id,
    challenge: b64Exact(32),
    signature: b64Exact(64).meta({ description: 'Ed25519 over "franking-chat/v1/auth\\0" || challenge || utf8(userId)' }),
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
