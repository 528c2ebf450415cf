// Key transparency for MLS key packages (docs/TRANSPARENCY.md §6.4). A key package claimed from the key directory
// is added to a group only once the credential key inside it — its leaf signature key, which the log binds as the
// account's "mls-credential" key — is proven in the log for the account that was asked for, against a signed head
// consistent with every head this client has seen. Otherwise a directory could hand out a package of its own
// making (a credential key nobody published) and read the group from then on.
import type { ProvenBinding, TransparencyClient } from '../transparency/client.ts';
import { TransparencyError } from '../transparency/errors.ts';
import { keyProofFromJson } from '../transparency/http-source.ts';
import { KIND_MLS_CREDENTIAL } from '../transparency/leaf.ts';
import { equalBytes } from '../crypto/_bytes.ts';
import type { PinnedDeviceList } from '../devices/verify-list.ts';
import { credentialAccountId, decodeLeafCredential } from './credential.ts';
import { listedDevices } from './device-members.ts';
import { decodeKeyPackageMessage, verifyKeyPackageSignature } from './key-packages.ts';
import type { KeyPackage } from './_ts-mls.ts';

/** What a key-package claim returns (ApiClient.claimKeyPackage): the package bytes and the unchecked proof JSON. */
export interface KeyPackageClaim {
  /** MLSMessage(mls_key_package) bytes as handed out. */
  keyPackage: Uint8Array;
  /** The claim response's `transparency` member (KeyProofJson), unchecked; absent when the server sent none. */
  transparency?: unknown;
}

/** A claimed key package whose credential key is proven in the log for `accountId`: safe to pass to MlsGroup.add. */
export interface ProvenKeyPackage {
  /** the account that was asked for, and that the package's credential names */
  accountId: string;
  /** the same bytes as the claim's `keyPackage` */
  keyPackage: Uint8Array;
  /** the leaf signature key (32 bytes) the proof covers */
  credentialKey: Uint8Array;
  /** the log entry and the signed head (now this client's newest, if larger) the proof was checked against */
  proven: ProvenBinding;
}

const messageOf = (e: unknown) => (e instanceof Error ? e.message : String(e));

/**
 * Verifies a claimed key package before it is added to a group: the package parses; its credential names
 * `accountId` (the account that was asked for, never one read from the package); a proof came with it; and the
 * proof is an inclusion proof of (accountId, "mls-credential", the package's leaf signature key) against a validly
 * signed head that is consistent with the newest head `kt` holds (TransparencyClient.verifyKey).
 *
 * Throws TransparencyError: `malformed` (package or proof does not parse: truncated, oversized, wrong shape),
 * `binding_mismatch` (another account, kind or key; or the proven entry is a revocation), `missing_proof`,
 * `inclusion_failed`, `bad_signature`, `consistency_failed` / `split_view` (a forked head), `witness_missing`.
 * Errors of `kt`'s log source (the network) pass through unchanged.
 */
export async function verifyClaimedKeyPackage(kt: TransparencyClient, accountId: string, claimed: KeyPackageClaim): Promise<ProvenKeyPackage> {
  let kp: KeyPackage;
  let named: string;
  try {
    kp = decodeKeyPackageMessage(claimed.keyPackage);
    named = credentialAccountId(kp.leafNode.credential);
  } catch (e) {
    throw new TransparencyError('malformed', `the key package handed out for ${accountId} does not parse: ${messageOf(e)}`);
  }
  // The directory must not answer "bob" with a package of carol's, however well carol's key is proven.
  if (named !== accountId) throw new TransparencyError('binding_mismatch', `the key package handed out for ${accountId} names another account (${named.slice(0, 64)})`);
  if (claimed.transparency === undefined || claimed.transparency === null)
    throw new TransparencyError('missing_proof', `the key package of ${accountId} came without proof that its credential key is in the key log`);
  const credentialKey = kp.leafNode.signaturePublicKey;
  // keyProofFromJson: strict shape, lengths and bounds first (malformed); verifyKey: leaf = exactly this binding,
  // a publish, audit path to the signed root, head signature once, consistency with every head seen (§6.1).
  const proven = await kt.verifyKey(keyProofFromJson(claimed.transparency), { accountId, kind: KIND_MLS_CREDENTIAL, key: credentialKey });
  return { accountId, keyPackage: claimed.keyPackage, credentialKey, proven };
}

/** One item of a device-aware claim (docs/PROTOCOL-devices.md D14.3): the device it is for and its package bytes. */
export interface DeviceKeyPackageClaim {
  deviceId: number;
  /** MLSMessage(mls_key_package) bytes as handed out. */
  keyPackage: Uint8Array;
}

/** A claimed package whose key is a device entry of the account's verified list: safe to pass to MlsGroup.addPerson. */
export interface DeviceProvenKeyPackage {
  accountId: string;
  deviceId: number;
  keyPackage: Uint8Array;
  credentialKey: Uint8Array;
}

/**
 * D14.3: checks the packages a claim returned for `accountId` (one per current device, with the list version the
 * directory answered) against `pinned`, the account's verified list refreshed to at least `listVersion` (D5.2) — the
 * list's key-log proof covers every credential key in it, so no per-package proof is needed. For each item, in this
 * order: one MLSMessage(mls_key_package) of suite 0x0003 with a version 2 credential (`malformed`); the credential
 * names `accountId` and the item's deviceId (`binding_mismatch`); that device is in the list and the package's leaf
 * signature_key is its credentialKey (`binding_mismatch`); the KeyPackage signature verifies (`bad_signature`).
 * A pin older than `listVersion` is `binding_mismatch` too (refresh first); two items for one device are `malformed`.
 */
export async function verifyClaimedDevicePackages(
  accountId: string,
  pinned: PinnedDeviceList,
  listVersion: number,
  items: readonly DeviceKeyPackageClaim[],
): Promise<DeviceProvenKeyPackage[]> {
  if (pinned.accountId !== accountId) throw new TransparencyError('binding_mismatch', `the pinned list is of ${pinned.accountId}, not ${accountId}`);
  if (pinned.listVersion < listVersion) throw new TransparencyError('binding_mismatch', `the claim answers from list version ${listVersion} of ${accountId}; this client holds ${pinned.listVersion}: refresh first`);
  const devices = listedDevices(pinned);
  const seen = new Set<number>();
  const out: DeviceProvenKeyPackage[] = [];
  for (const item of items) {
    if (seen.has(item.deviceId)) throw new TransparencyError('malformed', `two key packages for device ${item.deviceId} of ${accountId}`);
    seen.add(item.deviceId);
    let kp: KeyPackage;
    let named: { accountId: string; deviceId: number; version: number };
    try {
      kp = decodeKeyPackageMessage(item.keyPackage);
      named = decodeLeafCredential(kp.leafNode.credential);
    } catch (e) {
      throw new TransparencyError('malformed', `the key package handed out for ${accountId} device ${item.deviceId} does not parse: ${messageOf(e)}`);
    }
    if (named.version !== 2) throw new TransparencyError('malformed', `the key package for ${accountId} device ${item.deviceId} has no version 2 credential`);
    if (named.accountId !== accountId || named.deviceId !== item.deviceId)
      throw new TransparencyError('binding_mismatch', `the key package handed out for ${accountId} device ${item.deviceId} names ${named.accountId.slice(0, 64)} device ${named.deviceId}`);
    const entry = devices.find((d) => d.deviceId === item.deviceId);
    const credentialKey = kp.leafNode.signaturePublicKey;
    if (!entry || !equalBytes(entry.credentialKey, credentialKey))
      throw new TransparencyError('binding_mismatch', `device ${item.deviceId} of ${accountId} is not in its verified list with this key`);
    if (!(await verifyKeyPackageSignature(kp))) throw new TransparencyError('bad_signature', `the key package of ${accountId} device ${item.deviceId} is not signed by its key`);
    out.push({ accountId, deviceId: item.deviceId, keyPackage: item.keyPackage, credentialKey });
  }
  return out;
}
