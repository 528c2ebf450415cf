// Device lists (docs/PROTOCOL-devices.md D8.1): fetch with proofs, submit the next version (a current device's token),
// the recovery submission without a token (rate limit auth; its authority is the recovery signature, D5.1), and the
// account's own devices' last activity (D8.3), and the reset submission without a token (rate limit auth; its
// authority is the operator's handle release, D6.6).
import type { Services } from '../services/index.ts';
import { b64, bytes } from './_schemas.ts';
import { callerDevice, type Route, route } from './_route.ts';
import { deviceOperations as ops } from '../../client/transport/contract/devices.ts';

export function deviceRoutes(s: Services): Route[] {
  return [
    route(ops.fetchDeviceLists, async ({ params, query }) => s.devices.fetch(params.accountId, query.from ?? 1)),
    // D8.1: the lists are public key material already in the key log; without a token only under rate limit auth (D6.5).
    route(ops.fetchRecoveryDeviceLists, async ({ params, query }) => s.devices.fetch(params.accountId, query.from ?? 1)),
    route(ops.putDeviceList, async ({ body, principal }) => s.devices.submit(bytes(body.list), { accountId: principal.userId, deviceId: callerDevice(principal) })),
    // D8.3: the caller's own account only (the path names no account), current devices, coarse times.
    route(ops.deviceActivity, async ({ principal }) => ({ devices: await s.deviceActivity.list(principal.userId) })),
    route(ops.recoverDeviceList, async ({ body }) => s.devices.submit(bytes(body.list), null)),
    // D6.6: a reset list without a token; its authority is the operator's live release of the handle for its device.
    route(ops.resetDeviceList, async ({ body }) => s.devices.submit(bytes(body.list), 'reset')),
    route(ops.fetchDeviceBundle, async ({ params }) => {
      const b = await s.keys.fetchDevice(params.accountId, params.deviceId);
      return {
        deviceId: b.deviceId, listVersion: b.listVersion, listHash: b64(b.listHash),
        identitySigningKey: b64(b.identitySigningKey), identityDhKey: b64(b.identityDhKey),
        signedPreKey: { id: b.signedPreKey.id, publicKey: b64(b.signedPreKey.publicKey), signature: b64(b.signedPreKey.signature) },
        ...(b.oneTimePreKey ? { oneTimePreKey: { id: b.oneTimePreKey.id, publicKey: b64(b.oneTimePreKey.publicKey) } } : {}),
        ...(b.transparency ? { transparency: b.transparency } : {}),
      };
    }),
  ];
}
