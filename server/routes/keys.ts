// Key directory: publish and fetch prekey bundles (client/session/prekeys.ts PreKeyBundle / FetchedPreKeyBundle).
import type { Services } from '../services/index.ts';
import { b64, bytes } from './_schemas.ts';
import { callerDevice, type Route, route } from './_route.ts';
import { keyOperations as ops } from '../../client/transport/contract/keys.ts';

export function keyRoutes(s: Services): Route[] {
  return [
    route(ops.publishBundle, async ({ principal, body }) => {
      // The calling device (docs/PROTOCOL-devices.md D8.1): the token names it; device 1 for an account without a list.
      const deviceId = callerDevice(principal);
      return s.keys.publish(principal.userId, {
        identitySigningKey: bytes(body.identitySigningKey),
        identityDhKey: bytes(body.identityDhKey),
        signedPreKey: { id: body.signedPreKey.id, publicKey: bytes(body.signedPreKey.publicKey), signature: bytes(body.signedPreKey.signature) },
        oneTimePreKeys: body.oneTimePreKeys.map((k) => ({ id: k.id, publicKey: bytes(k.publicKey) })),
      }, deviceId);
    }),
    route(ops.fetchBundle, async ({ params }) => {
      const b = await s.keys.fetch(params.userId);
      return {
        identitySigningKey: b64(b.identitySigningKey),
        identityDhKey: b64(b.identityDhKey),
        signedPreKey: { id: b.signedPreKey.id, publicKey: b64(b.signedPreKey.publicKey), signature: b64(b.signedPreKey.signature) },
        ...(b.oneTimePreKey ? { oneTimePreKey: { id: b.oneTimePreKey.id, publicKey: b64(b.oneTimePreKey.publicKey) } } : {}),
        ...(b.transparency ? { transparency: b.transparency } : {}),
      };
    }),
  ];
}

// ---- MLS key packages (docs/PROTOCOL.md §12.6) ----

export function keyPackageRoutes(s: Services): Route[] {
  return [
    // Per calling device (docs/PROTOCOL-devices.md D14.3): the token names it; device 1 for an account without a list.
    route(ops.publishKeyPackages, async ({ principal, body }) => {
      return s.keyPackages.publish(principal.userId, { keyPackages: body.keyPackages.map(bytes), lastResort: body.lastResort === undefined ? undefined : bytes(body.lastResort) }, callerDevice(principal));
    }),
    route(ops.countKeyPackages, async ({ principal }) => s.keyPackages.count(principal.userId, callerDevice(principal))),
    route(ops.claimKeyPackage, async ({ params }) => {
      const r = await s.keyPackages.claim(params.userId);
      return { keyPackage: b64(r.keyPackage), lastResort: r.lastResort, ...(r.transparency ? { transparency: r.transparency } : {}) };
    }),
    route(ops.claimDeviceKeyPackages, async ({ params }) => {
      const r = await s.keyPackages.claimDevices(params.userId);
      return { listVersion: r.listVersion, keyPackages: r.keyPackages.map((k) => ({ deviceId: k.deviceId, keyPackage: b64(k.keyPackage), lastResort: k.lastResort })) };
    }),
  ];
}
