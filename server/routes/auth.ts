// Accounts and challenge–response authentication (docs/API.md "Authentication").
import type { Services } from '../services/index.ts';
import { b64, bytes } from './_schemas.ts';
import { type Route, route } from './_route.ts';
import { authOperations as ops } from '../../client/transport/contract/auth.ts';

export function authRoutes(s: Services): Route[] {
  return [
    route(ops.register, async ({ body, raw }) => {
      // Gate and per-address limit first (docs/MODERATION.md "Registration gate"); the address as Express sees it (TRUST_PROXY).
      // A genesis device list (docs/PROTOCOL-devices.md D8.2) or, for an account without one, bare identity keys.
      const a = await s.registration.admit(body.userId, { invite: body.invite, pow: body.pow }, raw.req.ip ?? raw.req.socket.remoteAddress ?? '', () => s.accounts.register(
        'list' in body
          ? { userId: body.userId, list: bytes(body.list) }
          : { userId: body.userId, identitySigningKey: bytes(body.identitySigningKey), identityDhKey: bytes(body.identityDhKey), signature: bytes(body.signature) },
      ));
      return { userId: a.id, createdAt: a.createdAt.toISOString() };
    }),
    route(ops.createChallenge, async ({ body }) => {
      const c = await s.accounts.challenge(body.userId);
      return { challenge: b64(c.challenge), expiresAt: c.expiresAt.toISOString() };
    }),
    route(ops.createToken, async ({ body }) => {
      const t = await s.accounts.issueToken({
        userId: body.userId, challenge: bytes(body.challenge), signature: bytes(body.signature), ...(body.deviceId !== undefined ? { deviceId: body.deviceId } : {}),
      });
      return { token: t.token, tokenType: 'Bearer' as const, expiresAt: t.expiresAt.toISOString() };
    }),
    route(ops.logout, async ({ principal }) => {
      await s.accounts.revokeToken(principal.token);
      return { ok: true as const };
    }),
  ];
}
