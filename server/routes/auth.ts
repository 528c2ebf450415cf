// Accounts and challenge–response authentication (docs/API.md "Authentication").
import { z } from 'zod';
import type { Services } from '../services/index.ts';
import { IsoTime, Id, b64, b64Exact, bytes } from './_schemas.ts';
import { type Route, defineRoute } from './_route.ts';

export const RegisterRequest = z
  .strictObject({
    userId: Id,
    identitySigningKey: b64Exact(32).meta({ description: 'Ed25519 public key' }),
    identityDhKey: b64Exact(32).meta({ description: 'X25519 public key' }),
    signature: b64Exact(64).meta({ description: 'Ed25519 over "franking-chat/v1/register\\0" || identityDhKey || utf8(userId)' }),
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

export const registerSpec = {
  operationId: 'register', method: 'post', path: '/v1/accounts', tag: 'auth', auth: 'public', rateLimit: 'auth',
  summary: 'Register an account (one device) with its public identity keys',
  body: RegisterRequest, response: RegisterResponse, statuses: [201], errors: ['validation_failed', 'invalid_signature', 'user_exists', 'rate_limited'],
} as const;
export const challengeSpec = {
  operationId: 'createChallenge', method: 'post', path: '/v1/auth/challenge', tag: 'auth', auth: 'public', rateLimit: 'auth',
  summary: 'Get a single-use login challenge (valid 60 s)',
  body: ChallengeRequest, response: ChallengeResponse, errors: ['validation_failed', 'rate_limited'],
} as const;
export const tokenSpec = {
  operationId: 'createToken', method: 'post', path: '/v1/auth/token', tag: 'auth', auth: 'public', rateLimit: 'auth',
  summary: 'Exchange a signed challenge for a short-lived bearer token',
  body: TokenRequest, response: TokenResponse,
  errors: ['validation_failed', 'invalid_signature', 'challenge_invalid', 'account_suspended', 'account_banned', 'rate_limited'],
} as const;
export const logoutSpec = {
  operationId: 'logout', method: 'post', path: '/v1/auth/logout', tag: 'auth', auth: 'user',
  summary: 'Revoke the bearer token used for this request', response: OkResponse,
  errors: ['unauthorized', 'invalid_token', 'account_suspended', 'account_banned'],
} as const;

export function authRoutes(s: Services): Route[] {
  return [
    defineRoute(registerSpec, async ({ body }) => {
      const a = await s.accounts.register({
        userId: body.userId, identitySigningKey: bytes(body.identitySigningKey), identityDhKey: bytes(body.identityDhKey), signature: bytes(body.signature),
      });
      return { userId: a.id, createdAt: a.createdAt.toISOString() };
    }),
    defineRoute(challengeSpec, async ({ body }) => {
      const c = await s.accounts.challenge(body.userId);
      return { challenge: b64(c.challenge), expiresAt: c.expiresAt.toISOString() };
    }),
    defineRoute(tokenSpec, async ({ body }) => {
      const t = await s.accounts.issueToken({ userId: body.userId, challenge: bytes(body.challenge), signature: bytes(body.signature) });
      return { token: t.token, tokenType: 'Bearer' as const, expiresAt: t.expiresAt.toISOString() };
    }),
    defineRoute(logoutSpec, async ({ principal }) => {
      await s.accounts.revokeToken(principal.token);
      return { ok: true as const };
    }),
  ];
}
