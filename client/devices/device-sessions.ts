// Sessions per device (docs/PROTOCOL-devices.md D9): a device keeps one pairwise session per (peer account, peer
// device), and its keys come only from the pinned, verified list. Before X3DH to a device, the fetched bundle's
// identity must be that device's list entry byte for byte; before answering a prekey message, the prefix's identity
// must be the sending device's entry. These checks replace TRANSPARENCY.md §6.1's per-account identity proof: the
// list's key-log proof covers the keys.
import { equalBytes } from '../crypto/_bytes.ts';
import { defaultCryptoProvider } from '../crypto/noble.ts';
import type { CryptoProvider } from '../crypto/provider.ts';
import { decodeFetchedPreKeyBundle, type VerifiedPreKeyBundle } from '../session/prekeys.ts';
import { decodeSessionMessage } from '../session/session.ts';
import type { DeviceEntry, DeviceList } from './device-list.ts';
import { DeviceError } from './errors.ts';

/** The pinned list's entry for `deviceId`; `unknown_device` when the verified list does not hold it (D9, D11.3 step 2). */
export function listedDevice(list: DeviceList, deviceId: number): DeviceEntry {
  const entry = list.devices.find((e) => e.deviceId === deviceId);
  if (entry === undefined) throw new DeviceError('unknown_device', `device ${deviceId} is not in ${list.accountId}'s verified list (version ${list.listVersion})`);
  return entry;
}

const sameIdentity = (entry: DeviceEntry, signingKey: Uint8Array, dhKey: Uint8Array): boolean =>
  equalBytes(entry.identitySigningKey, signingKey) && equalBytes(entry.identityDhKey, dhKey);

/**
 * D9 "Initiating": checks a bundle fetched for `(list.accountId, deviceId)` before X3DH. The device must be in the
 * verified `list` (`unknown_device`), the bundle's `identitySigningKey ‖ identityDhKey` must equal its entry
 * (`binding_mismatch`), and its signed prekey must verify under that IKsig (SessionError `bad_signature`, §S4.3; a
 * bundle that does not decode is SessionError `malformed`). Returns the decoded bundle for Session.initiate.
 */
export function checkBundleForDevice(list: DeviceList, deviceId: number, bundle: unknown, crypto: CryptoProvider = defaultCryptoProvider()): VerifiedPreKeyBundle {
  const entry = listedDevice(list, deviceId);
  const decoded = decodeFetchedPreKeyBundle(bundle, crypto);
  if (!sameIdentity(entry, decoded.identity.signingKey, decoded.identity.dhKey))
    throw new DeviceError('binding_mismatch', `the bundle's identity keys are not device ${deviceId}'s keys in ${list.accountId}'s verified list`);
  return decoded;
}

/**
 * D9 "Responding": checks a prekey message that `(list.accountId, deviceId)` (the envelope's sender and
 * senderDeviceId) sent, before any session is made from it: the device must be in the sender's verified list
 * (`unknown_device`; refresh first when the copy states a newer sender list, D11.3 step 2) and the X3DH prefix's
 * `IKsig_A ‖ IKdh_A` must equal its entry (`binding_mismatch`). A ratchet message (no prefix) passes: its session
 * already binds the keys. SessionError `malformed` / `unsupported_version` for bytes that are no session message.
 */
export function checkPreKeyMessageSender(list: DeviceList, deviceId: number, message: Uint8Array): void {
  const entry = listedDevice(list, deviceId);
  const parsed = decodeSessionMessage(message);
  if (parsed.preKey === null) return;
  const { signingKey, dhKey } = parsed.preKey.identity;
  if (!sameIdentity(entry, signingKey, dhKey))
    throw new DeviceError('binding_mismatch', `the prekey message's identity keys are not device ${deviceId}'s keys in ${list.accountId}'s verified list`);
}

/**
 * D9: whether a session held with a peer device may still be used to send: the device is in the verified list and
 * the session's remote identity is its entry. A session with a device that left the list is deleted (copies already
 * received from it stay readable and reportable).
 */
export function sessionStillListed(list: DeviceList, deviceId: number, remote: { readonly signingKey: Uint8Array; readonly dhKey: Uint8Array }): boolean {
  const entry = list.devices.find((e) => e.deviceId === deviceId);
  return entry !== undefined && sameIdentity(entry, remote.signingKey, remote.dhKey);
}

/** D9: whether a session's remote identity is exactly this verified entry's `IKsig ‖ IKdh`. */
export function sessionMatchesEntry(entry: DeviceEntry, remote: { readonly signingKey: Uint8Array; readonly dhKey: Uint8Array }): boolean {
  return sameIdentity(entry, remote.signingKey, remote.dhKey);
}

/** The session record key of D9: `(peer accountId, peer deviceId)`; a legacy peer is its device 1 (D17). */
export function deviceSessionKey(accountId: string, deviceId: number): string {
  if (!Number.isInteger(deviceId) || deviceId < 1 || deviceId > 0xffff_ffff) throw new RangeError(`deviceId: expected u32 ≥ 1, got ${deviceId}`);
  // Ids match [A-Za-z0-9._:-] (PROTOCOL.md §2): a '#' never occurs in them, so the key is unambiguous.
  return `${accountId}#${deviceId}`;
}
