// The caller's own account.
import type { z } from 'zod';
import type { Services } from '../services/index.ts';
import { b64 } from './_schemas.ts';
import { type Route, defineRoute } from './_route.ts';

import { AccountLookup, AccountLookupParams, AccountResponse, RegistrationInfo } from '../../client/transport/contract/accounts.ts';
/** Registration gate (docs/MODERATION.md "Registration gate"): which proof POST /v1/accounts needs, and a fresh challenge for pow. */
export const registrationInfoSpec = {
  operationId: 'getRegistrationInfo', method: 'get', path: '/v1/accounts/registration', tag: 'auth', auth: 'public', rateLimit: 'auth',
  summary: 'The registration gate (open, invite, pow) and, for pow, a fresh signed proof-of-work challenge',
  response: RegistrationInfo, errors: ['rate_limited'],
} as const;
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
    // altcha types the algorithm as string; the response schema checks it is 'SHA-256' before it is sent.
    defineRoute(registrationInfoSpec, async () => (await s.registration.info()) as z.input<typeof RegistrationInfo>),
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
