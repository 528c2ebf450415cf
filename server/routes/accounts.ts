// The caller's own account.
import { z } from 'zod';
import type { Services } from '../services/index.ts';
import { IsoTime, Id, b64, b64Exact } from './_schemas.ts';
import { type Route, defineRoute } from './_route.ts';

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

export const meSpec = {
  operationId: 'getMe', method: 'get', path: '/v1/accounts/me', tag: 'accounts', auth: 'user',
  summary: 'The authenticated account, its standing and remaining one-time prekeys', response: AccountResponse,
  errors: ['unauthorized', 'invalid_token', 'account_suspended', 'account_banned'],
} as const;

export function accountRoutes(s: Services): Route[] {
  return [
    defineRoute(meSpec, async ({ principal }) => {
      const a = await s.accounts.get(principal.userId);
      return {
        userId: a.id, role: a.role, status: a.status, suspendedUntil: a.suspendedUntil?.toISOString() ?? null,
        identitySigningKey: b64(a.identitySigningKey), identityDhKey: b64(a.identityDhKey),
        oneTimePreKeys: await s.keys.count(a.id), createdAt: a.createdAt.toISOString(),
      };
    }),
  ];
}
