// The caller's own account.
import type { Services } from '../services/index.ts';
import { b64 } from './_schemas.ts';
import { type Route, defineRoute } from './_route.ts';

import { AccountLookup, AccountLookupParams, AccountResponse } from '../../client/transport/contract/accounts.ts';
export const meSpec = {
  operationId: 'getMe', method: 'get', path: '/v1/accounts/me', tag: 'accounts', auth: 'user',
  summary: 'The authenticated account, its standing and remaining one-time prekeys', response: AccountResponse,
  errors: ['unauthorized', 'invalid_token', 'account_suspended', 'account_banned'],
} as const;

export const lookupSpec = {
  operationId: 'lookupAccount', method: 'get', path: '/v1/accounts/lookup/{handle}', tag: 'accounts', auth: 'user',
  summary: 'Find an account by handle in any letter case ("ALICE" finds alice); answers the registered id',
  params: AccountLookupParams, response: AccountLookup,
  errors: ['validation_failed', 'not_found', 'unauthorized', 'invalid_token', 'account_suspended', 'account_banned'],
} as const;

export function accountRoutes(s: Services): Route[] {
  return [
    defineRoute(lookupSpec, async ({ params }) => ({ userId: await s.accounts.lookup(params.handle) })),
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
