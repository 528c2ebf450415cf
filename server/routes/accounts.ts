// The caller's own account.
import type { z } from 'zod';
import type { Services } from '../services/index.ts';
import { b64 } from './_schemas.ts';
import { callerDevice, type Route, route } from './_route.ts';
import { type RegistrationInfo, accountOperations as ops } from '../../client/transport/contract/accounts.ts';

export function accountRoutes(s: Services): Route[] {
  return [
    // altcha types the algorithm as string; the response schema checks it is 'SHA-256' before it is sent.
    route(ops.getRegistrationInfo, async () => (await s.registration.info()) as z.input<typeof RegistrationInfo>),
    route(ops.lookupAccount, async ({ params }) => ({ userId: await s.accounts.lookup(params.handle) })),
    route(ops.getMe, async ({ principal }) => {
      const a = await s.accounts.get(principal.userId);
      // The calling device and the account's current logged list (docs/PROTOCOL-devices.md D8.2, D17.1: null = sign a genesis).
      const deviceId = callerDevice(principal);
      const list = await s.devices.current(a.id);
      return {
        userId: a.id, role: a.role, status: a.status, suspendedUntil: a.suspendedUntil?.toISOString() ?? null,
        identitySigningKey: b64(a.identitySigningKey), identityDhKey: b64(a.identityDhKey),
        oneTimePreKeys: await s.keys.count(a.id, deviceId), createdAt: a.createdAt.toISOString(),
        deviceId, deviceList: list ? b64(list.verified.bytes) : null,
      };
    }),
  ];
}
