// Accounts and challenge–response authentication (docs/API.md "Authentication").
import type { Services } from '../services/index.ts';
import { b64, bytes } from './_schemas.ts';
import { type Route, defineRoute } from './_route.ts';

import { RegisterRequest, RegisterResponse, ChallengeRequest, ChallengeResponse, TokenRequest, TokenResponse, OkResponse } from '../../client/transport/contract/auth.ts';
export const registerSpec = {
  operationId: 'register', method: 'post', path: '/v1/accounts', tag: 'auth', auth: 'public', rateLimit: 'auth',
  summary: 'Register an account (one device) with its public identity keys',
  body: RegisterRequest, response: RegisterResponse, statuses: [201],
  errors: ['validation_failed', 'id_reserved', 'handle_reserved', 'invalid_signature', 'user_exists', 'rate_limited', 'invite_required', 'invite_invalid', 'pow_required', 'pow_invalid', 'pow_expired', 'pow_replayed'],
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
    defineRoute(registerSpec, async ({ body, raw }) => {
      // Gate and per-address limit first (docs/MODERATION.md "Registration gate"); the address as Express sees it (TRUST_PROXY).
      const a = await s.registration.admit(body.userId, { invite: body.invite, pow: body.pow }, raw.req.ip ?? raw.req.socket.remoteAddress ?? '', () => s.accounts.register({
        userId: body.userId, identitySigningKey: bytes(body.identitySigningKey), identityDhKey: bytes(body.identityDhKey), signature: bytes(body.signature),
      }));
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
