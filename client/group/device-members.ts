// Group members that are devices of multi-device accounts (docs/PROTOCOL-devices.md D14): which leaf a member admits
// (D14.1 — the leaf's credential names an entry of the account's verified, pinned device list and its signature_key
// is that entry's credentialKey), the DeviceSyncAd a Commit under rule R1 or R2 carries (D14.4), and the checks of a
// person's claimed key packages before they are added in one Commit (D14.3).
import { Reader, Writer, equalBytes, fromBase64Url } from '../crypto/_bytes.ts';
import { defaultCryptoProvider } from '../crypto/noble.ts';
import type { CryptoProvider } from '../crypto/provider.ts';
import type { DeviceEntry } from '../devices/device-list.ts';
import { type PinnedDeviceList, type VerifiedDeviceList, pinnedVerifiedList } from '../devices/verify-list.ts';
import { isValidId } from '../franking/ids.ts';
import { verifyWithIdentity } from '../session/identity.ts';
import { type IdentityResolver, type LeafCredential, credentialBindingInput, decodeLeafCredential } from './credential.ts';
import { GroupError } from './group-errors.ts';
import type { AuthenticationService, Credential } from './_ts-mls.ts';

/** A list version a Commit names (D14.4 DeviceSyncAd): the receiver refreshes the account to at least it. */
export interface DeviceListWant {
  listVersion: number;
  listHash: Uint8Array;
}

/**
 * The pinned, verified device list this client holds for an account (D5.3), or undefined when it holds none (a
 * legacy single-device account, D17.2). With `want`, the resolver first refreshes the account to at least that
 * version (D5.4, D14.4) by verifyListChain; it returns what it then holds (the caller checks the version and hash).
 */
export type DeviceListResolver = (accountId: string, want?: DeviceListWant) => PinnedDeviceList | undefined | Promise<PinnedDeviceList | undefined>;

/** Why a leaf is refused (D14.1; all are `bad_credential` to the group). */
export type LeafRefusal =
  | 'malformed' // the credential does not decode (either version)
  | 'bad_binding' // version 1: the identity key's binding over the leaf key does not verify (§12.2)
  | 'no_list' // version 2 for an account without a pinned verified list
  | 'unknown_device' // (accountId, deviceId) is not an entry of the verified list: a ghost, or a removed device
  | 'key_mismatch' // the leaf's signature_key is not the entry's credentialKey
  | 'identity_mismatch'; // version 1: the identity key is not device 1's IKsig

export type LeafVerdict =
  | { ok: true; accountId: string; deviceId: number; version: 1 | 2 }
  | { ok: false; reason: LeafRefusal; accountId?: string; deviceId?: number };

const deviceOf = (list: VerifiedDeviceList, deviceId: number): DeviceEntry | undefined => list.signed.list.devices.find((e) => e.deviceId === deviceId);

/**
 * The pinned list decoded and re-hashed once per pinned state object (D5.3 states are immutable data; a refresh makes a
 * new one): a Welcome of a 1,024-leaf group asks for every leaf's list.
 */
const decodedPins = new WeakMap<PinnedDeviceList, { crypto: CryptoProvider | undefined; list: VerifiedDeviceList }>();
function verifiedPin(pinned: PinnedDeviceList, crypto?: CryptoProvider): VerifiedDeviceList {
  const hit = decodedPins.get(pinned);
  if (hit && hit.crypto === crypto) return hit.list;
  const list = pinnedVerifiedList(pinned, crypto);
  decodedPins.set(pinned, { crypto, list });
  return list;
}

/**
 * D14.1: whether a leaf with `credential` and `signatureKey` is admitted against `pinned` (the account's pinned
 * verified list; undefined: none). A version 2 credential must name an entry of the list whose credentialKey is the
 * leaf key. A version 1 credential is admitted as device 1 only: device 1 listed, its IKsig the credential's identity
 * key, its credentialKey the leaf key, and the §12.2 binding valid. Without a list a version 1 credential is for the
 * caller to judge by §12.2 (reason `no_list`).
 */
export function verifyDeviceLeaf(credential: Credential, signatureKey: Uint8Array, pinned: PinnedDeviceList | undefined, crypto?: CryptoProvider): LeafVerdict {
  let c: LeafCredential;
  try {
    c = decodeLeafCredential(credential);
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  const who = { accountId: c.accountId, deviceId: c.deviceId };
  if (pinned === undefined || pinned.accountId !== c.accountId) return { ok: false, reason: 'no_list', ...who };
  const list = verifiedPin(pinned, crypto);
  const entry = deviceOf(list, c.deviceId);
  if (!entry) return { ok: false, reason: 'unknown_device', ...who };
  if (!equalBytes(entry.credentialKey, signatureKey)) return { ok: false, reason: 'key_mismatch', ...who };
  if (c.version === 1) {
    if (!equalBytes(entry.identitySigningKey, c.identitySigningKey)) return { ok: false, reason: 'identity_mismatch', ...who };
    if (!verifyWithIdentity(c.identitySigningKey, credentialBindingInput(c.accountId, signatureKey), c.binding, crypto ?? defaultCryptoProvider())) return { ok: false, reason: 'bad_binding', ...who };
  }
  return { ok: true, ...who, version: c.version };
}

/** Whether `deviceId` is an entry of the pinned list (R1: a leaf whose device is not is stale). */
export function isListedDevice(pinned: PinnedDeviceList, deviceId: number, crypto?: CryptoProvider): boolean {
  return deviceOf(verifiedPin(pinned, crypto), deviceId) !== undefined;
}

/** The devices of the pinned list, ascending. */
export function listedDevices(pinned: PinnedDeviceList, crypto?: CryptoProvider): readonly DeviceEntry[] {
  return verifiedPin(pinned, crypto).signed.list.devices;
}

/**
 * ts-mls AuthenticationService for groups with devices (D14.1): every leaf this client admits (Welcome trees, Adds,
 * Updates, Commit paths) goes through verifyDeviceLeaf against the account's pinned list. A version 1 credential of
 * an account without any pinned list (a legacy account, D17.2) is judged by §12.2 with `resolveIdentity`.
 */
export function deviceAuthenticationService(resolveList: DeviceListResolver, resolveIdentity: IdentityResolver, crypto?: CryptoProvider): AuthenticationService {
  return {
    async validateCredential(credential: Credential, signaturePublicKey: Uint8Array): Promise<boolean> {
      try {
        const c = decodeLeafCredential(credential);
        const pinned = await resolveList(c.accountId);
        const verdict = verifyDeviceLeaf(credential, signaturePublicKey, pinned, crypto);
        if (verdict.ok) return true;
        if (verdict.reason !== 'no_list' || c.version !== 1) return false;
        // §12.2 for an account that never had a list: binding, and the identity key this client knows.
        if (!verifyWithIdentity(c.identitySigningKey, credentialBindingInput(c.accountId, signaturePublicKey), c.binding, crypto)) return false;
        const known = await resolveIdentity(c.accountId);
        return known !== undefined && equalBytes(known, c.identitySigningKey);
      } catch {
        return false;
      }
    },
  };
}

// ---- DeviceSyncAd (D14.4) ----

export const DEVICE_SYNC_AD_VERSION = 1;

export interface DeviceSyncEntry {
  accountId: string;
  listVersion: number;
  listHash: Uint8Array;
}

/** D14.4: `u8 version = 0x01 ‖ u8 count ‖ count × (id accountId ‖ u64 listVersion ‖ fixed<32> listHash)`, ascending accountId. */
export function encodeDeviceSyncAd(entries: readonly DeviceSyncEntry[]): Uint8Array {
  checkSyncEntries(entries);
  const w = new Writer(2 + entries.reduce((n, e) => n + 1 + e.accountId.length + 8 + 32, 0)).u8(DEVICE_SYNC_AD_VERSION).u8(entries.length);
  for (const e of entries) w.ascii8(e.accountId).u64(e.listVersion).fixed(e.listHash, 32, 'listHash');
  return w.finish();
}

function checkSyncEntries(entries: readonly DeviceSyncEntry[]): void {
  if (entries.length < 1 || entries.length > 255) throw new GroupError('malformed', 'DeviceSyncAd: 1 to 255 entries');
  for (const [i, e] of entries.entries()) {
    if (!isValidId(e.accountId)) throw new GroupError('malformed', 'DeviceSyncAd: invalid accountId');
    if (!Number.isSafeInteger(e.listVersion) || e.listVersion < 1) throw new GroupError('malformed', 'DeviceSyncAd: listVersion ≥ 1');
    if (i > 0 && !((entries[i - 1] as DeviceSyncEntry).accountId < e.accountId)) throw new GroupError('malformed', 'DeviceSyncAd: accounts strictly ascending');
  }
}

export function decodeDeviceSyncAd(bytes: Uint8Array): DeviceSyncEntry[] {
  try {
    const r = new Reader(bytes);
    if (r.u8('version') !== DEVICE_SYNC_AD_VERSION) throw new GroupError('malformed', 'DeviceSyncAd: unsupported version');
    const entries: DeviceSyncEntry[] = [];
    for (let n = r.u8('count'), i = 0; i < n; i++) entries.push({ accountId: r.ascii8('accountId'), listVersion: r.u64('listVersion'), listHash: r.fixed(32, 'listHash').slice() });
    r.end('DeviceSyncAd');
    checkSyncEntries(entries);
    return entries;
  } catch (e) {
    if (GroupError.is(e)) throw e;
    throw new GroupError('malformed', `DeviceSyncAd: ${(e as Error).message}`);
  }
}

/**
 * D14.4: refreshes each account a DeviceSyncAd names to at least its version and checks the hash at that version
 * against the pinned chain. Returns the pinned states by account; throws `not_authorized` when any cannot be proven
 * (the Commit is then refused, state unchanged, and retried later).
 */
export async function resolveSyncAd(entries: readonly DeviceSyncEntry[], resolveList: DeviceListResolver): Promise<Map<string, PinnedDeviceList>> {
  const out = new Map<string, PinnedDeviceList>();
  for (const e of entries) {
    let pinned: PinnedDeviceList | undefined;
    try {
      pinned = await resolveList(e.accountId, { listVersion: e.listVersion, listHash: e.listHash });
    } catch (err) {
      throw new GroupError('not_authorized', `the device list of ${e.accountId} at version ${e.listVersion} could not be proven: ${(err as Error).message}`);
    }
    const known = pinned?.accountId === e.accountId ? pinned.listHashes[e.listVersion - 1] : undefined;
    if (!pinned || known === undefined || !equalBytes(fromBase64Url(known, 'listHash'), e.listHash))
      throw new GroupError('not_authorized', `the device list of ${e.accountId} at version ${e.listVersion} named by the commit is not the one this client verified`);
    out.set(e.accountId, pinned);
  }
  return out;
}
