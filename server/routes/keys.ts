// Key directory: publish and fetch prekey bundles (client/session/prekeys.ts PreKeyBundle / FetchedPreKeyBundle).
import type { Services } from '../services/index.ts';
import { b64, bytes } from './_schemas.ts';
import { type Route, defineRoute } from './_route.ts';

import {
  ClaimedKeyPackage, ClaimKeyPackageParams, FetchBundleParams, FetchedBundle, KeyPackageCount, PublishBundleRequest, PublishBundleResponse, PublishKeyPackagesRequest,
} from '../../client/transport/contract/keys.ts';
export const publishSpec = {
  operationId: 'publishBundle', method: 'put', path: '/v1/keys', tag: 'keys', auth: 'user',
  summary: 'Publish the signed prekey (signature verified) and add one-time prekeys',
  body: PublishBundleRequest, response: PublishBundleResponse,
  errors: ['validation_failed', 'unauthorized', 'invalid_token', 'account_suspended', 'account_banned', 'identity_mismatch', 'invalid_signature', 'too_many_prekeys'],
} as const;
export const fetchSpec = {
  operationId: 'fetchBundle', method: 'get', path: '/v1/keys/{userId}', tag: 'keys', auth: 'user',
  summary: "Fetch a user's prekey bundle, consuming at most one one-time prekey",
  params: FetchBundleParams, response: FetchedBundle,
  errors: ['validation_failed', 'unauthorized', 'invalid_token', 'account_suspended', 'account_banned', 'not_found'],
} as const;

export function keyRoutes(s: Services): Route[] {
  return [
    defineRoute(publishSpec, async ({ principal, body }) => {
      return s.keys.publish(principal.userId, {
        identitySigningKey: bytes(body.identitySigningKey),
        identityDhKey: bytes(body.identityDhKey),
        signedPreKey: { id: body.signedPreKey.id, publicKey: bytes(body.signedPreKey.publicKey), signature: bytes(body.signedPreKey.signature) },
        oneTimePreKeys: body.oneTimePreKeys.map((k) => ({ id: k.id, publicKey: bytes(k.publicKey) })),
      });
    }),
    defineRoute(fetchSpec, async ({ params }) => {
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
export const publishKeyPackagesSpec = {
  operationId: 'publishKeyPackages', method: 'put', path: '/v1/key-packages', tag: 'keys', auth: 'user',
  summary: 'Add MLS key packages (credential bound to your identity key, signature verified) and optionally replace the last-resort package',
  body: PublishKeyPackagesRequest, response: KeyPackageCount,
  errors: ['validation_failed', 'invalid_key_package', 'unauthorized', 'invalid_token', 'account_suspended', 'account_banned'],
} as const;
export const countKeyPackagesSpec = {
  operationId: 'countKeyPackages', method: 'get', path: '/v1/key-packages', tag: 'keys', auth: 'user',
  summary: 'How many of your one-time key packages are left, and whether a last-resort package is published',
  response: KeyPackageCount, errors: ['unauthorized', 'invalid_token', 'account_suspended', 'account_banned'],
} as const;
export const claimKeyPackageSpec = {
  operationId: 'claimKeyPackage', method: 'post', path: '/v1/key-packages/{userId}/claim', tag: 'keys', auth: 'user',
  summary: "Claim one of a user's key packages to add them to a group (with the inclusion proof of its credential key): a one-time package is never handed out twice",
  params: ClaimKeyPackageParams, response: ClaimedKeyPackage,
  errors: ['validation_failed', 'not_found', 'unauthorized', 'invalid_token', 'account_suspended', 'account_banned'],
} as const;

export function keyPackageRoutes(s: Services): Route[] {
  return [
    defineRoute(publishKeyPackagesSpec, async ({ principal, body }) =>
      s.keyPackages.publish(principal.userId, { keyPackages: body.keyPackages.map(bytes), lastResort: body.lastResort === undefined ? undefined : bytes(body.lastResort) })),
    defineRoute(countKeyPackagesSpec, async ({ principal }) => s.keyPackages.count(principal.userId)),
    defineRoute(claimKeyPackageSpec, async ({ params }) => {
      const r = await s.keyPackages.claim(params.userId);
      return { keyPackage: b64(r.keyPackage), lastResort: r.lastResort, ...(r.transparency ? { transparency: r.transparency } : {}) };
    }),
  ];
}
