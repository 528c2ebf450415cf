// Changing the device list (docs/PROTOCOL-devices.md D6): builders for the next version — link (D6.1), remove (D6.2),
// credential rotation (D6.3), recovery key set/replace/remove (D5.1), recovery (D6.5), reset (D6.6) — the new device's
// check before it counter-signs (D6.1 step 3), the re-application of one's own intent on top of a list that won a race
// (D6.4), and the difference between two versions (what D7.4 notices and D11.3 step 7 read). Every builder starts from
// a verified list and its result is checked by verifyListStep like any list from the outside.
import { equalBytes } from '../crypto/_bytes.ts';
import { defaultCryptoProvider } from '../crypto/noble.ts';
import type { CryptoProvider } from '../crypto/provider.ts';
import { cosignDeviceList, decodeDeviceList, type DeviceEntry, type DeviceList, MAX_DEVICES, type SignedDeviceList } from './device-list.ts';
import { DeviceError, DeviceListError } from './errors.ts';
import type { VerifiedDeviceList } from './verify-list.ts';

/** D6.4: a losing signer re-applies its intent at most this many times, then reports the conflict. */
export const MAX_LIST_CONFLICT_RETRIES = 3;

/** The public keys a new device brings (D1): IKsig, IKdh, CK. */
export interface NewDeviceKeys {
  readonly identitySigningKey: Uint8Array;
  readonly identityDhKey: Uint8Array;
  readonly credentialKey: Uint8Array;
}

/**
 * What a signer wants the next version to do (D5.1 "A change may …"): add at most one device, remove any devices,
 * rotate one device's credential key (the signer's own, D6.3), and set (a key), remove (null) or keep (undefined) the
 * recovery key.
 */
export interface ListIntent {
  readonly add?: NewDeviceKeys;
  readonly remove?: readonly number[];
  readonly rotateCredential?: { readonly deviceId: number; readonly credentialKey: Uint8Array };
  readonly recoveryKey?: Uint8Array | null;
}

export interface ListChangeOptions {
  /** The signer's clock, ms since the epoch: issuedAt and an added device's linkedAt (claims, D4.1). */
  readonly now: number;
  /** `change` (signed by a device, default) or `recovery` (signed by the recovery key, D6.5). */
  readonly kind?: 'change' | 'recovery';
}

/**
 * D6.1–D6.5: the body of version v + 1 from the verified version v and an intent. An added device takes
 * `deviceId = v.nextDeviceId` and `nextDeviceId` becomes one more; removing an id that is not listed is `unknown_device`
 * (DeviceError); a result of 9 devices is `too_many_devices` and one of none `malformed` (DeviceListError): the user
 * removes one first, and a change never removes every device.
 */
export function nextDeviceList(current: VerifiedDeviceList, intent: ListIntent, opts: ListChangeOptions): DeviceList {
  const prev = current.signed.list;
  const remove = new Set(intent.remove ?? []);
  for (const id of remove) if (!prev.devices.some((e) => e.deviceId === id)) throw new DeviceError('unknown_device', `device ${id} is not in version ${prev.listVersion}`);
  let devices: DeviceEntry[] = prev.devices.filter((e) => !remove.has(e.deviceId));
  const rotate = intent.rotateCredential;
  if (rotate !== undefined) {
    if (!devices.some((e) => e.deviceId === rotate.deviceId)) throw new DeviceError('unknown_device', `device ${rotate.deviceId} is not in the next version`);
    devices = devices.map((e) => (e.deviceId === rotate.deviceId ? { ...e, credentialKey: rotate.credentialKey } : e));
  }
  let nextDeviceId = prev.nextDeviceId;
  if (intent.add !== undefined) {
    devices.push({ deviceId: nextDeviceId, ...pickKeys(intent.add), linkedAt: opts.now });
    nextDeviceId += 1;
  }
  if (devices.length === 0) throw new DeviceListError('malformed', 'a list keeps at least one device (D5.1)');
  if (devices.length > MAX_DEVICES) throw new DeviceListError('too_many_devices', `${devices.length} devices (at most ${MAX_DEVICES}): remove one first`);
  return {
    accountId: prev.accountId,
    listVersion: prev.listVersion + 1,
    prevListHash: current.listHash,
    kind: opts.kind ?? 'change',
    issuedAt: opts.now,
    nextDeviceId,
    recoveryKey: intent.recoveryKey === undefined ? prev.recoveryKey : intent.recoveryKey,
    devices,
  };
}

const pickKeys = (k: NewDeviceKeys): NewDeviceKeys => ({ identitySigningKey: k.identitySigningKey, identityDhKey: k.identityDhKey, credentialKey: k.credentialKey });

/** D6.1 step 2: version v + 1 that adds the new device (it must then counter-sign it, cosignLinkedList). */
export function linkDeviceList(current: VerifiedDeviceList, newDevice: NewDeviceKeys, now: number): DeviceList {
  return nextDeviceList(current, { add: newDevice }, { now });
}

/** D6.2: version v + 1 without the given devices (the signer may remove itself: "sign out this device"). */
export function removeDevicesList(current: VerifiedDeviceList, deviceIds: readonly number[], now: number): DeviceList {
  return nextDeviceList(current, { remove: deviceIds }, { now });
}

/** D6.3: version v + 1 with `deviceId`'s credential key replaced; only that device may sign it (D5.1 step 8). */
export function rotateCredentialList(current: VerifiedDeviceList, deviceId: number, credentialKey: Uint8Array, now: number): DeviceList {
  return nextDeviceList(current, { rotateCredential: { deviceId, credentialKey } }, { now });
}

/** D2.4: version v + 1 that sets or replaces (a key) or removes (null) the recovery key. */
export function recoveryKeyList(current: VerifiedDeviceList, recoveryKey: Uint8Array | null, now: number): DeviceList {
  return nextDeviceList(current, { recoveryKey }, { now });
}

/**
 * D6.5: a `recovery` version signed by the recovery key: normally removes every lost device and adds the new one
 * (which counter-signs), and may replace the recovery key (recommended after use).
 */
export function recoveryDeviceList(
  current: VerifiedDeviceList,
  change: { readonly remove: readonly number[]; readonly add?: NewDeviceKeys; readonly recoveryKey?: Uint8Array | null },
  now: number,
): DeviceList {
  if (current.signed.list.recoveryKey === null) throw new DeviceListError('not_a_signer', `version ${current.signed.list.listVersion} has no recovery key`);
  return nextDeviceList(current, change, { now, kind: 'recovery' });
}

/**
 * D6.6: a reset version: one new device with `deviceId = v.nextDeviceId`, self-signed, optionally with a new recovery
 * key. Every verifier treats it as a new identity under the same account id (a new founder key).
 */
export function resetDeviceList(current: VerifiedDeviceList, newDevice: NewDeviceKeys, now: number, recoveryKey: Uint8Array | null = null): DeviceList {
  const prev = current.signed.list;
  const deviceId = prev.nextDeviceId;
  return {
    accountId: prev.accountId,
    listVersion: prev.listVersion + 1,
    prevListHash: current.listHash,
    kind: 'reset',
    issuedAt: now,
    nextDeviceId: deviceId + 1,
    recoveryKey,
    devices: [{ deviceId, ...pickKeys(newDevice), linkedAt: now }],
  };
}

/** The keys the new device holds, to check the list it is asked to counter-sign (D6.1 step 3). */
export interface LinkingDevice extends NewDeviceKeys {
  /** The Ed25519 seed of IKsig: it counter-signs. */
  readonly signingPrivateKey: Uint8Array;
}

/**
 * D6.1 step 3, on the new device: decodes the list body it was sent, checks it is of the account it asked to join
 * (`wrong_account`), a `change` or `recovery`, and that its newest id (`nextDeviceId − 1`) is the one entry holding
 * this device's IKsig, with this device's IKdh and CK (`link_mismatch`) — then returns the cosignature (D4.3). The
 * signer's D5.1 step 9 and every verifier check that it is the only added device.
 */
export function cosignLinkedList(body: Uint8Array, accountId: string, device: LinkingDevice, crypto: CryptoProvider = defaultCryptoProvider()): Uint8Array {
  const list = decodeDeviceList(body);
  if (list.accountId !== accountId) throw new DeviceListError('wrong_account', `the list is of account ${list.accountId}, not ${accountId}`);
  if (list.kind !== 'change' && list.kind !== 'recovery') throw new DeviceError('link_mismatch', `a ${list.kind} list does not link a device`);
  const mine = list.devices.filter((e) => equalBytes(e.identitySigningKey, device.identitySigningKey));
  const entry = mine[0];
  if (entry === undefined) throw new DeviceError('link_mismatch', 'the list has no entry with this device’s identity signing key');
  if (entry.deviceId !== list.nextDeviceId - 1) throw new DeviceError('link_mismatch', `this device is entry ${entry.deviceId}, not the newly added ${list.nextDeviceId - 1}`);
  if (!equalBytes(entry.identityDhKey, device.identityDhKey) || !equalBytes(entry.credentialKey, device.credentialKey))
    throw new DeviceError('link_mismatch', `entry ${entry.deviceId} holds other keys than this device’s`);
  if (!equalBytes(crypto.ed25519PublicKey(device.signingPrivateKey), device.identitySigningKey))
    throw new RangeError('signingPrivateKey: expected the seed of identitySigningKey');
  return cosignDeviceList(list, device.signingPrivateKey, crypto);
}

/** The signed list with the new device's cosignature attached (D4.2: present exactly when the list adds a device). */
export function withCosignature(signed: SignedDeviceList, cosignature: Uint8Array): SignedDeviceList {
  return { ...signed, cosignature: cosignature.slice() };
}

/**
 * D6.4: after `409 device_list_conflict`, the intent re-decided on top of the verified winner: a device the winner
 * removed is not removed again (nor re-added), a device the winner added stays, a device the winner already linked
 * with these keys is not added twice, a rotation of a device the winner removed is dropped. Null when nothing is left
 * to do. A re-applied addition gets a new body (another id or version), so the new device counter-signs again.
 */
export function reapplyListIntent(winner: VerifiedDeviceList, intent: ListIntent): ListIntent | null {
  const devices = winner.signed.list.devices;
  const listed = (id: number) => devices.some((e) => e.deviceId === id);
  const remove = (intent.remove ?? []).filter(listed);
  const add = intent.add !== undefined && !devices.some((e) => equalBytes(e.identitySigningKey, intent.add!.identitySigningKey)) ? intent.add : undefined;
  const r = intent.rotateCredential;
  const rotate = r !== undefined && devices.some((e) => e.deviceId === r.deviceId && !equalBytes(e.credentialKey, r.credentialKey)) ? r : undefined;
  const recoveryKey = intent.recoveryKey === undefined || sameKey(intent.recoveryKey, winner.signed.list.recoveryKey) ? undefined : intent.recoveryKey;
  if (remove.length === 0 && add === undefined && rotate === undefined && recoveryKey === undefined) return null;
  return {
    ...(add !== undefined && { add }),
    ...(remove.length > 0 && { remove }),
    ...(rotate !== undefined && { rotateCredential: rotate }),
    ...(recoveryKey !== undefined && { recoveryKey }),
  };
}

const sameKey = (a: Uint8Array | null, b: Uint8Array | null): boolean => (a === null || b === null ? a === b : equalBytes(a, b));

/** What one version changed against the previous one (D7.4 notices; D11.3 step 7 asks whether a device was removed). */
export interface ListChange {
  readonly added: readonly number[];
  readonly removed: readonly number[];
  /** Kept devices whose credential key changed (D6.3). */
  readonly rotated: readonly number[];
  readonly recoveryKeyChanged: boolean;
}

/** The difference between two consecutive versions of one account's list (ids ascending). */
export function diffDeviceLists(prev: DeviceList, next: DeviceList): ListChange {
  const before = new Map(prev.devices.map((e) => [e.deviceId, e]));
  const after = new Set(next.devices.map((e) => e.deviceId));
  return {
    added: next.devices.filter((e) => !before.has(e.deviceId)).map((e) => e.deviceId),
    removed: prev.devices.filter((e) => !after.has(e.deviceId)).map((e) => e.deviceId),
    rotated: next.devices.filter((e) => before.has(e.deviceId) && !equalBytes(before.get(e.deviceId)!.credentialKey, e.credentialKey)).map((e) => e.deviceId),
    recoveryKeyChanged: !sameKey(prev.recoveryKey, next.recoveryKey),
  };
}
