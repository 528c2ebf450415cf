// API contract: keys (request and response schemas; docs/API.md). The server validates with these; the SDK types from them.
import { z } from 'zod';
import { b64Exact, b64Max, Id, U32 } from './_common.ts';
import { KeyProofJson } from './transparency.ts';
import { defineOperation } from './_operation.ts';
import { endpoints } from './endpoints.ts';

export const SignedPreKey = z
  .strictObject({
    id: U32,
    publicKey: b64Exact(32),
    signature: b64Exact(64).meta({ description: 'Ed25519 over "franking-chat/v1/signed-prekey\\0" || u32be(id) || publicKey' }),
  })
  .meta({ id: 'SignedPreKey' });
export const OneTimePreKey = z.strictObject({ id: U32, publicKey: b64Exact(32) }).meta({ id: 'OneTimePreKey' });

export const PublishBundleRequest = z
  .strictObject({
    identitySigningKey: b64Exact(32),
    identityDhKey: b64Exact(32),
    signedPreKey: SignedPreKey,
    oneTimePreKeys: z.array(OneTimePreKey).max(200),
  })
  .meta({ id: 'PreKeyBundle' });
export const PublishBundleResponse = z.strictObject({ oneTimePreKeys: z.number().int() }).meta({ id: 'PublishBundleResponse' });

export const FetchBundleParams = z.strictObject({ userId: Id });
export const FetchedBundle = z
  .strictObject({
    identitySigningKey: b64Exact(32),
    identityDhKey: b64Exact(32),
    signedPreKey: SignedPreKey,
    oneTimePreKey: OneTimePreKey.optional().meta({ description: 'at most one; never handed out twice' }),
    // Key transparency (docs/TRANSPARENCY.md §6): the identity binding's inclusion proof against a signed head.
    transparency: KeyProofJson.optional(),
  })
  .meta({ id: 'FetchedPreKeyBundle' });

/** MLS key packages (docs/PROTOCOL.md §12.6): MLSMessage(mls_key_package) bytes, base64url. */
const KeyPackageBytes = b64Max(16 * 1024, 1);
export const PublishKeyPackagesRequest = z
  .strictObject({
    keyPackages: z.array(KeyPackageBytes).max(100).meta({ description: 'one-time key packages: each handed out once' }),
    lastResort: KeyPackageBytes.optional().meta({ description: 'replaces the last-resort package, handed out when no one-time package is left' }),
  })
  .meta({ id: 'PublishKeyPackagesRequest' });
export const KeyPackageCount = z.strictObject({ oneTime: z.number().int(), lastResort: z.boolean() }).meta({ id: 'KeyPackageCount' });
export const ClaimKeyPackageParams = z.strictObject({ userId: Id });
export const ClaimedKeyPackage = z
  .strictObject({
    keyPackage: KeyPackageBytes,
    lastResort: z.boolean(),
    // Key transparency (docs/TRANSPARENCY.md §6.4): the inclusion proof of the credential key inside `keyPackage`
    // (its leaf signature key) as the account's "mls-credential" binding. Absent when the log does not hold it:
    // clients then refuse the package.
    transparency: KeyProofJson.optional(),
  })
  .meta({ id: 'ClaimedKeyPackage', description: "one of the account's key packages; never the same one-time package twice" });

export const ClaimedDeviceKeyPackages = z
  .strictObject({
    listVersion: z.number().int().min(1).meta({ description: 'the version of the logged device list the packages were checked against' }),
    keyPackages: z
      .array(z.strictObject({ deviceId: z.number().int().min(1).max(0xffffffff), keyPackage: KeyPackageBytes, lastResort: z.boolean() }))
      .min(1)
      .max(8),
  })
  .meta({
    id: 'ClaimedDeviceKeyPackages',
    description: "one package per current device of an account with a device list (docs/PROTOCOL-devices.md D14.3); the list's key-log proof covers every credential key",
  });

export const keyOperations = {
  publishBundle: defineOperation(endpoints.publishBundle, {
    tag: 'keys', summary: 'Publish the signed prekey (signature verified) and add one-time prekeys', body: PublishBundleRequest, response: PublishBundleResponse,
  }),
  fetchBundle: defineOperation(endpoints.fetchBundle, {
    tag: 'keys', summary: "Fetch a user's prekey bundle, consuming at most one one-time prekey", params: FetchBundleParams, response: FetchedBundle,
  }),
  // MLS key packages (docs/PROTOCOL.md §12.6)
  publishKeyPackages: defineOperation(endpoints.publishKeyPackages, {
    tag: 'keys', summary: 'Add MLS key packages (credential bound to your identity key, signature verified) and optionally replace the last-resort package',
    body: PublishKeyPackagesRequest, response: KeyPackageCount,
  }),
  countKeyPackages: defineOperation(endpoints.countKeyPackages, {
    tag: 'keys', summary: 'How many of your one-time key packages are left, and whether a last-resort package is published', response: KeyPackageCount,
  }),
  claimKeyPackage: defineOperation(endpoints.claimKeyPackage, {
    tag: 'keys', summary: "Claim one of a user's key packages to add them to a group (with the inclusion proof of its credential key): a one-time package is never handed out twice",
    params: ClaimKeyPackageParams, response: ClaimedKeyPackage,
  }),
  claimDeviceKeyPackages: defineOperation(endpoints.claimDeviceKeyPackages, {
    tag: 'keys', summary: "Claim one key package per current device of a user with a device list, to add the person with all their devices in one Commit",
    params: ClaimKeyPackageParams, response: ClaimedDeviceKeyPackages,
  }),
} as const;
