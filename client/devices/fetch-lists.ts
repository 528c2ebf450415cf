// Fetching an account's device lists and proving them in the key log (docs/PROTOCOL-devices.md D5.2, D5.4, D7.3):
// every list of the answer must be proven — the leaf (accountId, "device-list", u64 listVersion ‖ listHash) included
// under a signed head the log client accepts — before the chain is verified step by step from the pinned state.
// A list the log does not hold is never used (`not_logged`), so a database row the operator writes is never a device.
import type { DeviceListsJson } from '../transport/api.ts';
import type { KeyProof } from '../transparency/client.ts';
import { keyProofFromJson } from '../transparency/http-source.ts';
import { deviceListBindingKey, KIND_DEVICE_LIST } from '../transparency/leaf.ts';
import { type CryptoProvider, defaultCryptoProvider } from '../crypto/index.ts';
import { fromBase64Url, toBase64Url } from '../crypto/_bytes.ts';
import { decodeSignedDeviceList, deviceListHash } from './device-list.ts';
import { DeviceListError } from './errors.ts';
import { type ListChainResult, type PinnedDeviceList, verifyListChain } from './verify-list.ts';

/** Where the lists come from: `ApiClient.deviceLists` (GET /v1/devices/{accountId}?from=N, D8.1). */
export interface DeviceListSource {
  deviceLists(accountId: string, from?: number): Promise<DeviceListsJson>;
}

/** The log client's inclusion check (`TransparencyClient.verifyKey`): throws a TransparencyError when the proof fails. */
export interface DeviceListProofChecker {
  verifyKey(p: KeyProof, expected: { accountId: string; kind: string; key: Uint8Array }): Promise<unknown>;
}

export interface FetchVerifiedDeviceListsOptions {
  readonly crypto?: CryptoProvider;
}

/**
 * D5.4 refresh: fetches the lists newer than `pinned` (from its own version, so that the pinned list is the answer's
 * first entry, or from 1), proves each one in the key log, then verifies the chain (D5.2). Returns the new pinned
 * state; throws DeviceListError (`not_logged`, `wrong_account`, a D5.1 code, `fork`, `stale_list`) or the log client's
 * TransparencyError. An answer for another account, or with proofs against more than one head, is refused.
 */
export async function fetchVerifiedDeviceLists(
  source: DeviceListSource,
  kt: DeviceListProofChecker,
  accountId: string,
  pinned: PinnedDeviceList | null,
  opts: FetchVerifiedDeviceListsOptions = {},
): Promise<ListChainResult> {
  const crypto = opts.crypto ?? defaultCryptoProvider();
  const answer = await source.deviceLists(accountId, pinned === null ? 1 : pinned.listVersion);
  if (answer.accountId !== accountId) throw new DeviceListError('wrong_account', `the answer is for ${answer.accountId}, not ${accountId}`);
  const lists = answer.lists.map((l, i) => fromBase64Url(l, `lists[${i}]`));
  if (answer.proofs.length !== lists.length) throw new DeviceListError('not_logged', `${lists.length} lists but ${answer.proofs.length} key-log proofs`);
  // D7.3: one proof per list, all against one signed head; each is checked before the chain uses it.
  const proven = new Set<string>();
  let treeSize: number | undefined;
  for (const [i, bytes] of lists.entries()) {
    const proof = keyProofFromJson(answer.proofs[i]);
    if (treeSize !== undefined && proof.head.treeSize !== treeSize) throw new DeviceListError('not_logged', 'the proofs of one answer are against different signed heads');
    treeSize = proof.head.treeSize;
    const version = decodeSignedDeviceList(bytes).list.listVersion; // strict decode; the chain check verifies the rest
    const hash = deviceListHash(bytes, crypto);
    await kt.verifyKey(proof, { accountId, kind: KIND_DEVICE_LIST, key: deviceListBindingKey(version, hash) });
    proven.add(`${version}:${toBase64Url(hash)}`);
  }
  return verifyListChain(pinned, lists, answer.proofs, accountId, {
    crypto,
    verifyProof: (_account, version, hash) => proven.has(`${version}:${toBase64Url(hash)}`),
  });
}
