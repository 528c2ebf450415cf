// Verifying device lists (docs/PROTOCOL-devices.md D5): one step (D5.1) with every check in the spec's order and its
// reason code, a chain from the pinned state (D5.2), the pinned state itself as plain JSON data (D5.3) and the pure
// part of when to refresh (D5.4). A list is trusted only as the end of a chain that starts at the account's genesis,
// every step signed by a device of the previous version (or its recovery key) and every added device counter-signing.
import { equalBytes, fromBase64Url, toBase64Url } from '../crypto/_bytes.ts';
import { defaultCryptoProvider } from '../crypto/noble.ts';
import type { CryptoProvider } from '../crypto/provider.ts';
import {
  type DecodedSignedDeviceList, decodeSignedDeviceList, type DeviceEntry, deviceListCosignatureInput, deviceListHash, deviceListSignatureInput, founderKeyOf,
  MAX_DEVICES, MAX_LIST_CHAIN,
} from './device-list.ts';
import { DeviceListError } from './errors.ts';

/** A list that passed D5.1: its decoded form, its exact signed bytes and its listHash (D4.4). */
export interface VerifiedDeviceList {
  readonly signed: DecodedSignedDeviceList;
  /** The SignedDeviceList bytes as received (canonical, so equal to their re-encoding). */
  readonly bytes: Uint8Array;
  readonly listHash: Uint8Array;
}

const fail = (code: DeviceListError['code'], message: string): never => {
  throw new DeviceListError(code, message);
};

const entryById = (devices: readonly DeviceEntry[], id: number): DeviceEntry | undefined => devices.find((e) => e.deviceId === id);

/**
 * D5.1: verifies `signed` (SignedDeviceList bytes) as the next version after `prev` (a verified list; null only for
 * version 1). Checks run in the spec's order and the first failure is the DeviceListError code.
 */
export function verifyListStep(prev: VerifiedDeviceList | null, signed: Uint8Array, accountId: string, crypto: CryptoProvider = defaultCryptoProvider()): VerifiedDeviceList {
  // Step 1: SignedDeviceList and DeviceList decode canonically (D4.1, D4.2).
  const s = decodeSignedDeviceList(signed);
  const list = s.list;
  const before = prev?.signed.list ?? null;

  // Step 2: the account asked for.
  if (list.accountId !== accountId) fail('wrong_account', `the list is of account ${list.accountId}, not ${accountId}`);

  // Step 3: version 1 without a previous list, else the previous version + 1.
  const expected = before === null ? 1 : before.listVersion + 1;
  if (list.listVersion !== expected) fail('version_not_next', `listVersion ${list.listVersion}, expected ${expected}`);

  // Step 4: the hash chain links to the previous list.
  if (prev !== null && !equalBytes(list.prevListHash, prev.listHash)) fail('prev_mismatch', `prevListHash of version ${list.listVersion} is not the listHash of version ${expected - 1}`);

  // Step 5: kind, signer kind and device count fit together.
  if ((list.kind === 'genesis') !== (before === null)) fail('kind_mismatch', `kind ${list.kind} ${before === null ? 'without' : 'with'} a previous list`);
  if (list.kind === 'genesis') {
    const only = list.devices[0] as DeviceEntry;
    if (list.devices.length !== 1 || only.deviceId !== 1 || list.nextDeviceId !== 2) fail('kind_mismatch', 'a genesis lists exactly device 1 and nextDeviceId 2');
  }
  if (list.kind === 'genesis' || list.kind === 'reset') {
    const only = list.devices[0] as DeviceEntry;
    if (list.devices.length !== 1) fail('kind_mismatch', `a ${list.kind} lists exactly one device, got ${list.devices.length}`);
    if (s.signerKind !== 'device' || s.signerDeviceId !== only.deviceId) fail('kind_mismatch', `a ${list.kind} is signed by its one device (${only.deviceId})`);
    if (list.kind === 'reset' && list.nextDeviceId !== only.deviceId + 1) fail('kind_mismatch', `a reset has nextDeviceId = deviceId + 1 = ${only.deviceId + 1}`);
  }
  if (list.kind === 'change' && s.signerKind !== 'device') fail('kind_mismatch', 'a change is signed by a device');
  if ((list.kind === 'recovery') !== (s.signerKind === 'recovery')) fail('kind_mismatch', `kind ${list.kind} with signerKind ${s.signerKind}`);

  // Step 6: the signer's key. Genesis and reset sign themselves; a change is signed by a device of the previous list
  // (so a removed device is no signer, D2.2); a recovery by the previous list's recovery key.
  let signerKey: Uint8Array;
  if (list.kind === 'genesis' || list.kind === 'reset') {
    signerKey = (entryById(list.devices, s.signerDeviceId) as DeviceEntry).identitySigningKey;
  } else if (list.kind === 'change') {
    const signer = entryById(before!.devices, s.signerDeviceId);
    if (signer === undefined) return fail('not_a_signer', `device ${s.signerDeviceId} is not in version ${before!.listVersion}`);
    signerKey = signer.identitySigningKey;
  } else {
    if (before!.recoveryKey === null) return fail('not_a_signer', `version ${before!.listVersion} has no recovery key`);
    signerKey = before!.recoveryKey;
  }

  // Step 7: the signature over the exact body (D4.3).
  if (!crypto.ed25519Verify(signerKey, deviceListSignatureInput(s.body), s.signature)) fail('bad_signature', 'the list signature does not verify under the signer key');

  // Step 8: kept devices unchanged, ids never reused.
  const added: DeviceEntry[] = [];
  if (list.kind === 'change' || list.kind === 'recovery') {
    const old = before!;
    if (list.nextDeviceId < old.nextDeviceId) fail('device_id_reused', `nextDeviceId decreased from ${old.nextDeviceId} to ${list.nextDeviceId}`);
    for (const e of list.devices) {
      const was = entryById(old.devices, e.deviceId);
      if (was === undefined) {
        if (e.deviceId < old.nextDeviceId) fail('device_id_reused', `device ${e.deviceId} is new but its id was used before (nextDeviceId ${old.nextDeviceId})`);
        added.push(e);
        continue;
      }
      const sameButCredential =
        equalBytes(e.identitySigningKey, was.identitySigningKey) && equalBytes(e.identityDhKey, was.identityDhKey) && e.linkedAt === was.linkedAt;
      if (!sameButCredential) fail('entry_changed', `device ${e.deviceId}: entry changed`);
      // A credential key rotates only in a list that device signs itself (D6.3).
      const ownRotation = s.signerKind === 'device' && s.signerDeviceId === e.deviceId;
      if (!equalBytes(e.credentialKey, was.credentialKey) && !ownRotation) fail('entry_changed', `device ${e.deviceId}: credentialKey changed in a list it did not sign`);
    }
  } else if (list.kind === 'reset') {
    const only = list.devices[0] as DeviceEntry;
    if (only.deviceId < before!.nextDeviceId) fail('device_id_reused', `reset device ${only.deviceId}: id used before (nextDeviceId ${before!.nextDeviceId})`);
  }

  // Step 9: at most one added device, and it counter-signed this exact body (D4.3); no stray cosignature.
  if (added.length > 1) fail('bad_cosignature', `${added.length} devices added in one version (at most one)`);
  const newcomer = added[0];
  if (newcomer === undefined) {
    if (s.cosignature !== null) fail('bad_cosignature', 'a cosignature on a list that adds no device');
  } else {
    if (s.cosignature === null) fail('bad_cosignature', `device ${newcomer.deviceId} is added without its cosignature`);
    if (!crypto.ed25519Verify(newcomer.identitySigningKey, deviceListCosignatureInput(s.body), s.cosignature!))
      fail('bad_cosignature', `the cosignature does not verify under device ${newcomer.deviceId}'s identity signing key`);
  }

  // Step 10: the device limit (D1).
  if (list.devices.length > MAX_DEVICES) fail('too_many_devices', `${list.devices.length} devices (at most ${MAX_DEVICES})`);

  return { signed: s, bytes: signed.slice(), listHash: deviceListHash(signed, crypto) };
}

/**
 * D5.3: what a client keeps per account, as plain JSON data (base64url bytes): the newest verified list, the listHash
 * of every version since the genesis (index v − 1 is version v), the founder key and the device ids listed since the
 * newest genesis or reset (ascending).
 */
export interface PinnedDeviceList {
  readonly accountId: string;
  readonly listVersion: number;
  /** base64url listHash of the newest verified list. */
  readonly listHash: string;
  /** base64url IKsig ‖ IKdh of the device that signed the newest genesis or reset (D1). */
  readonly founderKey: string;
  /** base64url SignedDeviceList bytes of the newest verified list. */
  readonly list: string;
  /** base64url listHash of versions 1 … listVersion, in order. */
  readonly listHashes: readonly string[];
  /** Every deviceId listed since the newest genesis or reset, ascending (D14.4 R2). */
  readonly deviceIdsSinceReset: readonly number[];
}

/** The pinned newest list as a VerifiedDeviceList; throws DeviceListError `malformed` if the stored state is inconsistent. */
export function pinnedVerifiedList(pinned: PinnedDeviceList, crypto: CryptoProvider = defaultCryptoProvider()): VerifiedDeviceList {
  let bytes: Uint8Array;
  try {
    bytes = fromBase64Url(pinned.list, 'pinned.list');
  } catch {
    throw new DeviceListError('malformed', 'pinned state: list is not base64url');
  }
  const signed = decodeSignedDeviceList(bytes);
  const listHash = deviceListHash(bytes, crypto);
  if (toBase64Url(listHash) !== pinned.listHash || signed.list.listVersion !== pinned.listVersion || signed.list.accountId !== pinned.accountId)
    throw new DeviceListError('malformed', 'pinned state: the stored list does not match its version, hash or account');
  return { signed, bytes, listHash };
}

function advancePin(pinned: PinnedDeviceList | null, v: VerifiedDeviceList): PinnedDeviceList {
  const list = v.signed.list;
  const restart = list.kind === 'genesis' || list.kind === 'reset';
  const ids = new Set(restart || pinned === null ? [] : pinned.deviceIdsSinceReset);
  for (const e of list.devices) ids.add(e.deviceId);
  return {
    accountId: list.accountId,
    listVersion: list.listVersion,
    listHash: toBase64Url(v.listHash),
    founderKey: restart ? toBase64Url(founderKeyOf(list.devices[0] as DeviceEntry)) : (pinned as PinnedDeviceList).founderKey,
    list: toBase64Url(v.bytes),
    listHashes: [...(pinned?.listHashes ?? []), toBase64Url(v.listHash)],
    deviceIdsSinceReset: [...ids].sort((a, b) => a - b),
  };
}

/**
 * The key-log check of one list (D5.2): whether `proof` proves the `device-list` leaf of `accountId` with key
 * `u64 listVersion ‖ listHash` (D7.1, D7.3). Key transparency is wired in later (D7): until then the caller injects
 * this function (e.g. a TransparencyClient check). False for a proof that does not verify; it may also throw its own
 * error (a TransparencyError), which verifyListChain lets through.
 */
export type ListProofVerifier = (accountId: string, listVersion: number, listHash: Uint8Array, proof: unknown) => boolean;

export interface VerifyListChainOptions {
  /** D7.3 inclusion check, injected until D7 is implemented in the SDK. */
  readonly verifyProof: ListProofVerifier;
  readonly crypto?: CryptoProvider;
}

export interface ListChainResult {
  /** The new pinned state (the old one, unchanged, when the answer held nothing newer). */
  readonly pinned: PinnedDeviceList;
  /** The lists verified by this call, in order (newer than the pinned version). */
  readonly verified: readonly VerifiedDeviceList[];
  /** Versions of the reset lists met in this call (D6.6 consequences: a new founder key, the safety number changes). */
  readonly resets: readonly number[];
}

/**
 * D5.2 with D5.3: verifies `lists` (SignedDeviceList bytes, consecutive versions) from `pinned` (null: the chain
 * starts at version 1), each by verifyListStep and then its key-log proof (`proofs[i]`, D7.3; `not_logged` without
 * one). A list of a version the pin already covers is refused — `stale_list` if it is the remembered older version
 * (a replay), `fork` if it differs from the remembered list of its version — except the pinned newest list itself as
 * the first element, which is skipped. Nothing is pinned unless every list passes: the caller keeps its old state on
 * any DeviceListError (D5.4).
 */
export function verifyListChain(
  pinned: PinnedDeviceList | null,
  lists: readonly Uint8Array[],
  proofs: readonly unknown[],
  accountId: string,
  opts: VerifyListChainOptions,
): ListChainResult {
  const crypto = opts.crypto ?? defaultCryptoProvider();
  if (lists.length > MAX_LIST_CHAIN) throw new DeviceListError('malformed', `${lists.length} lists in one answer (at most ${MAX_LIST_CHAIN})`);
  if (pinned !== null && pinned.accountId !== accountId) throw new DeviceListError('wrong_account', `pinned state of ${pinned.accountId}, not ${accountId}`);
  let previous = pinned === null ? null : pinnedVerifiedList(pinned, crypto);
  let state = pinned;
  const verified: VerifiedDeviceList[] = [];
  const resets: number[] = [];
  for (const [i, bytes] of lists.entries()) {
    if (state !== null && verified.length === 0) {
      // D5.3: nothing at or below the pinned version is accepted again; the pinned newest list itself is a no-op.
      // After D5.1 steps 1–2 (decodes, names this account), so that another account's list is never called a fork.
      const early = decodeSignedDeviceList(bytes).list;
      if (early.accountId !== accountId) throw new DeviceListError('wrong_account', `the list is of account ${early.accountId}, not ${accountId}`);
      const version = early.listVersion;
      if (version <= state.listVersion) {
        const known = state.listHashes[version - 1];
        const same = known !== undefined && known === toBase64Url(deviceListHash(bytes, crypto));
        if (same && version === state.listVersion && i === 0) continue;
        throw new DeviceListError(same ? 'stale_list' : 'fork', same ? `version ${version} is older than the pinned version ${state.listVersion}` : `another list for version ${version}, which is pinned`);
      }
    }
    const step = verifyListStep(previous, bytes, accountId, crypto);
    const list = step.signed.list;
    if (i >= proofs.length || proofs[i] === undefined || proofs[i] === null) throw new DeviceListError('not_logged', `no key-log proof for version ${list.listVersion}`);
    if (!opts.verifyProof(accountId, list.listVersion, step.listHash, proofs[i])) throw new DeviceListError('not_logged', `the key-log proof of version ${list.listVersion} does not verify`);
    if (list.kind === 'reset') resets.push(list.listVersion);
    state = advancePin(state, step);
    verified.push(step);
    previous = step;
  }
  if (state === null) throw new DeviceListError('version_not_next', 'no list: a chain without a pinned state starts at version 1');
  return { pinned: state, verified, resets };
}

/** D5.4: at most this long between refreshes otherwise. */
export const LIST_REFRESH_INTERVAL_MS = 24 * 60 * 60 * 1000;

/** D5.4's occasions to refresh an account's list. */
export type ListRefreshTrigger =
  | { readonly kind: 'first_send' }
  | { readonly kind: 'device_mismatch' }
  | { readonly kind: 'stated_version'; readonly listVersion: number }
  | { readonly kind: 'devices_push' }
  | { readonly kind: 'timer'; readonly lastRefreshAt: number; readonly now: number };

/** D5.4, the pure part: whether this trigger calls for fetching the account's list chain from the pinned version. */
export function needsListRefresh(pinned: PinnedDeviceList | null, trigger: ListRefreshTrigger): boolean {
  switch (trigger.kind) {
    case 'first_send':
      return pinned === null;
    case 'device_mismatch':
    case 'devices_push':
      return true;
    case 'stated_version':
      return pinned === null || trigger.listVersion > pinned.listVersion;
    case 'timer':
      return trigger.now - trigger.lastRefreshAt >= LIST_REFRESH_INTERVAL_MS;
  }
}
