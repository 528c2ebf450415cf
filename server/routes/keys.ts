// Key directory: publish and fetch prekey bundles (client/session/prekeys.ts PreKeyBundle / FetchedPreKeyBundle).
import type { Services } from '../services/index.ts';
import { b64, bytes } from './_schemas.ts';
import { type Route, defineRoute } from './_route.ts';

import { PublishBundleRequest, PublishBundleResponse, FetchBundleParams, FetchedBundle } from '../../client/transport/contract/keys.ts';
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
