// API contract: device lists (docs/PROTOCOL-devices.md D8.1) and their last activity (D8.3); docs/API.md "Devices". The server validates with these;
// the SDK types from them.
import { z } from 'zod';
import { b64Exact, b64Max, Id, IsoTime, U32 } from './_common.ts';
import { defineOperation } from './_operation.ts';
import { endpoints } from './endpoints.ts';
import { OneTimePreKey, SignedPreKey } from './keys.ts';
import { KeyProofJson } from './transparency.ts';

/** The most list versions one answer carries (docs/PROTOCOL-devices.md D1 MAX_LIST_CHAIN); longer chains are fetched in pages. */
export const MAX_LISTS_PER_ANSWER = 4096;
/**
 * Largest SignedDeviceList a request may carry: format, vec16 of a body with up to 255 entries (a list of more than 8
 * devices decodes, so that it is refused by name: too_many_devices, D4.1), signer, signature and cosignature.
 */
export const MAX_SIGNED_DEVICE_LIST_BYTES = 1 + 2 + (1 + 65 + 8 + 32 + 1 + 8 + 4 + 33 + 1 + 255 * 108) + 1 + 4 + 64 + 1 + 64;

const SignedDeviceListB64 = b64Max(MAX_SIGNED_DEVICE_LIST_BYTES, 1).meta({ description: 'SignedDeviceList (docs/PROTOCOL-devices.md D4.2), base64url' });
const QueryVersion = z.string().regex(/^[1-9][0-9]{0,15}$/, 'expected a positive decimal integer').transform(Number).pipe(z.number().int().min(1).max(Number.MAX_SAFE_INTEGER));

export const DeviceListParams = z.strictObject({ accountId: Id });
export const DeviceListQuery = z.strictObject({ from: QueryVersion.optional().meta({ description: 'first list version to return (default 1)' }) });
export const DeviceLinkedAt = z.strictObject({ deviceId: U32, acceptedAt: IsoTime }).meta({ id: 'DeviceLinkedAt' });
export const DeviceListResponse = z
  .strictObject({
    accountId: Id,
    lists: z.array(SignedDeviceListB64).max(MAX_LISTS_PER_ANSWER).meta({ description: 'versions from…current, ascending; empty for an account without a list (D17.2)' }),
    proofs: z.array(KeyProofJson).max(MAX_LISTS_PER_ANSWER).meta({ description: 'the inclusion proof of each list\'s device-list leaf (D7.3), all against one head' }),
    linkedAt: z.array(DeviceLinkedAt).max(8).meta({ description: 'per current device: when the list that added it was logged' }),
  })
  .meta({ id: 'DeviceLists' });
export const PutDeviceListRequest = z.strictObject({ list: SignedDeviceListB64 }).meta({ id: 'PutDeviceListRequest' });
export const DeviceListAccepted = z
  .strictObject({ listVersion: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER), listHash: b64Exact(32), leafIndex: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER) })
  .meta({ id: 'DeviceListAccepted' });

const PathDeviceId = z.string().regex(/^[1-9][0-9]{0,9}$/, 'expected a device id (decimal, ≥ 1)').transform(Number).pipe(U32.min(1));
export const DeviceBundleParams = z.strictObject({ accountId: Id, deviceId: PathDeviceId });
export const FetchedDeviceBundle = z
  .strictObject({
    deviceId: U32,
    listVersion: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).meta({ description: 'the current list version whose entry holds the identity keys; 0 for an account without a list (D17.2)' }),
    listHash: b64Exact(32).meta({ description: 'the current list\'s listHash (32 zero bytes for an account without a list)' }),
    identitySigningKey: b64Exact(32),
    identityDhKey: b64Exact(32),
    signedPreKey: SignedPreKey,
    oneTimePreKey: OneTimePreKey.optional().meta({ description: 'at most one; never handed out twice' }),
    transparency: KeyProofJson.optional().meta({ description: 'an account without a list only: its identity binding\'s proof (docs/TRANSPARENCY.md §6.1); a listed device\'s keys are proven by its list (GET /v1/devices)' }),
  })
  .meta({ id: 'FetchedDevicePreKeyBundle' });

/** One current device of the caller's account and when it was last active (docs/PROTOCOL-devices.md D8.3). */
export const DeviceLastSeen = z
  .strictObject({
    deviceId: U32,
    lastSeenAt: IsoTime.nullable().meta({ description: 'the start of the 10-minute window the device last made an authenticated request or held a push socket in; null: not seen since the server began recording it' }),
  })
  .meta({ id: 'DeviceLastSeen' });
export const DeviceActivityResponse = z
  .strictObject({ devices: z.array(DeviceLastSeen).max(8).meta({ description: 'the account\'s current devices, ascending by id; empty for an account without a list (D17.2)' }) })
  .meta({ id: 'DeviceActivity' });

export const deviceOperations = {
  fetchDeviceBundle: defineOperation(endpoints.fetchDeviceBundle, {
    tag: 'devices', summary: 'One device\'s prekey bundle (identity keys = its entry in the current list), consuming at most one of its one-time prekeys',
    params: DeviceBundleParams, response: FetchedDeviceBundle,
  }),
  fetchDeviceLists: defineOperation(endpoints.fetchDeviceLists, {
    tag: 'devices', summary: 'An account\'s device lists from version `from` to the current one, each with its key-log inclusion proof against one head',
    params: DeviceListParams, query: DeviceListQuery, response: DeviceListResponse,
  }),
  putDeviceList: defineOperation(endpoints.putDeviceList, {
    tag: 'devices', summary: 'Submit the next version of the caller\'s device list, signed by a current device (logged before the answer)', body: PutDeviceListRequest, response: DeviceListAccepted,
  }),
  fetchRecoveryDeviceLists: defineOperation(endpoints.fetchRecoveryDeviceLists, {
    tag: 'devices', rateLimit: 'auth',
    summary: 'The same answer as fetchDeviceLists without a token, for a new device restoring the account from its recovery kit (docs/PROTOCOL-devices.md D6.5, D8.1)',
    params: DeviceListParams, query: DeviceListQuery, response: DeviceListResponse,
  }),
  deviceActivity: defineOperation(endpoints.deviceActivity, {
    tag: 'devices', summary: 'When each current device of the caller\'s own account was last active, coarse (docs/PROTOCOL-devices.md D8.3); no other account\'s',
    response: DeviceActivityResponse,
  }),
  recoverDeviceList: defineOperation(endpoints.recoverDeviceList, {
    tag: 'devices', rateLimit: 'auth', summary: 'Submit a recovery list (kind recovery, signed by the recovery key) without a token', body: PutDeviceListRequest, response: DeviceListAccepted,
  }),
  resetDeviceList: defineOperation(endpoints.resetDeviceList, {
    tag: 'devices', rateLimit: 'auth',
    summary: 'Submit a reset list (kind reset, signed by its one new device) without a token; accepted only under a live handle release naming that device (docs/PROTOCOL-devices.md D6.6, D8.1)',
    body: PutDeviceListRequest, response: DeviceListAccepted,
  }),
} as const;
