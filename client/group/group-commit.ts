// Commits this client builds (docs/PROTOCOL.md §12.5, §12.7; docs/PROTOCOL-devices.md D14.3, D14.4, D17.5): the key
// packages it adds checked as every member will check them, the verified lists a DeviceSyncAd names, and the Commit
// itself — checked against the roles first, carrying a migrated device's version 2 credential when it has an
// UpdatePath. MlsGroup holds the result until the relay has ordered it.
import { fromBase64Url } from '../crypto/_bytes.ts';
import { sha256 } from '@noble/hashes/sha2.js';
import type { PinnedDeviceList } from '../devices/verify-list.ts';
import { groupCiphersuite } from './_mls-crypto.ts';
import { decodeLeafCredential } from './credential.ts';
import { commitHasPath, ownLeaf, restoreHistory, upgradeDue, upgradeState } from './credential-upgrade.ts';
import { type DeviceSyncEntry, encodeDeviceSyncAd } from './device-members.ts';
import { GroupError } from './group-errors.ts';
import { groupAuthService, ownerOf, refusalOf, syncView, wrap } from './group-tree.ts';
import type { DeviceRef, GroupOptions, GroupPerson, PendingCommit } from './group-types.ts';
import { type GroupIdentity, decodeKeyPackageMessage } from './key-packages.ts';
import type { DeviceSyncView, LeafOwner } from './roles.ts';
import { type ClientState, type KeyPackage, type LeafNode, type MLSMessage, type Proposal, createCommit, encodeMlsMessage } from './_ts-mls.ts';

/** A Commit built on `state`, not yet applied: the state after it, what goes to the relay, and its hash (§12.7). */
export interface BuiltCommit {
  state: ClientState;
  commit: PendingCommit;
  commitHash: Uint8Array;
}

/** The pinned, verified device list of `accountId` (D5.3), or `bad_state` when this client holds none. */
export async function pinnedList(opts: GroupOptions, accountId: string): Promise<PinnedDeviceList> {
  const pinned = opts.resolveDeviceList ? await opts.resolveDeviceList(accountId) : undefined;
  if (!pinned || pinned.accountId !== accountId) throw new GroupError('bad_state', `no verified device list of ${accountId}`);
  return pinned;
}

/** The DeviceSyncAd entry (D14.4) stating the pinned list of `accountId`. */
export async function syncEntry(opts: GroupOptions, accountId: string): Promise<DeviceSyncEntry> {
  const pinned = await pinnedList(opts, accountId);
  return { accountId, listVersion: pinned.listVersion, listHash: fromBase64Url(pinned.listHash, 'listHash') };
}

/**
 * §12.5 / D14.4 checked as receivers will, then `createCommit` (RFC 9420 §12.4): `sync` names the lists the Commit
 * relies on (DeviceSyncAd in its authenticated_data). D17.5: when `me`'s leaf is due for its version 2 credential and the
 * Commit has an UpdatePath, the UpdatePath leaf carries it (see credential-upgrade.ts) and the DeviceSyncAd names `me`'s
 * own list too.
 */
export async function buildCommit(
  state: ClientState,
  me: GroupIdentity,
  opts: GroupOptions,
  proposals: Proposal[],
  welcomeFor: string[],
  sync: readonly DeviceSyncEntry[] = [],
): Promise<BuiltCommit> {
  // D17.5: a migrated device's Commit with an UpdatePath carries its version 2 credential and names its own list (a
  // member that still holds the legacy view of this account refreshes it first); without its own verified list, no upgrade.
  const own = upgradeDue(state, me) && commitHasPath(state, proposals) ? await syncEntry(opts, me.accountId).catch(() => undefined) : undefined;
  const upgrading = own !== undefined;
  const named = own && !sync.some((e) => e.accountId === me.accountId) ? [...sync, own] : sync;
  const views = new Map<string, DeviceSyncView>();
  for (const e of named) views.set(e.accountId, syncView(await pinnedList(opts, e.accountId)));
  const refusal = refusalOf(state, me.accountId, proposals.map((proposal) => ({ proposal, senderLeafIndex: undefined })), views);
  if (refusal) throw new GroupError('not_authorized', refusal);
  const cs = await groupCiphersuite();
  let r;
  try {
    r = await createCommit({ state: upgrading ? upgradeState(state, me) : state, cipherSuite: cs }, {
      extraProposals: proposals, wireAsPublicMessage: true, ratchetTreeExtension: true,
      ...(named.length > 0 && { authenticatedData: encodeDeviceSyncAd([...named].sort((x, y) => (x.accountId < y.accountId ? -1 : 1))) }),
    });
  } catch (e) {
    throw wrap(e, 'malformed', 'commit not possible');
  }
  const commit = encodeMlsMessage(r.commit as MLSMessage);
  const pending: PendingCommit = {
    commit, welcomeFor, epoch: Number(state.groupContext.epoch),
    ...(r.welcome ? { welcome: encodeMlsMessage({ version: 'mls10', wireformat: 'mls_welcome', welcome: r.welcome }) } : {}),
  };
  const next = upgrading ? restoreHistory(r.newState, state) : r.newState;
  if (upgrading && decodeLeafCredential((ownLeaf(next) as LeafNode).credential).version !== 2) throw new GroupError('bad_state', 'the commit did not carry the upgraded credential');
  return { state: next, commit: pending, commitHash: sha256(commit) };
}

/** The key packages decoded and their leaves checked as every member will (D14.1 / §12.2; ts-mls checks again). */
export async function checkedPackages(opts: GroupOptions, keyPackages: readonly Uint8Array[]): Promise<Array<{ keyPackage: KeyPackage; owner: LeafOwner }>> {
  const auth = groupAuthService(opts);
  const out: Array<{ keyPackage: KeyPackage; owner: LeafOwner }> = [];
  for (const bytes of keyPackages) {
    const keyPackage = decodeKeyPackageMessage(bytes);
    const owner = ownerOf(keyPackage.leafNode.credential);
    if (!(await auth.validateCredential(keyPackage.leafNode.credential, keyPackage.leafNode.signaturePublicKey)))
      throw new GroupError('bad_credential', `the key package of ${owner.accountId} device ${owner.deviceId} is not a device of its verified list, or not bound to the identity key this client knows for it`);
    out.push({ keyPackage, owner });
  }
  return out;
}

/** D14.4 R1: the devices of `people` that their account's pinned list no longer has. Accounts without a list are not judged. */
export async function staleDevices(opts: GroupOptions, people: readonly GroupPerson[]): Promise<DeviceRef[]> {
  if (!opts.resolveDeviceList) return [];
  const out: DeviceRef[] = [];
  for (const p of people) {
    const pinned = await opts.resolveDeviceList(p.accountId);
    if (!pinned || pinned.accountId !== p.accountId) continue;
    const listed = syncView(pinned).listed;
    for (const d of p.devices) if (!listed.has(d.deviceId)) out.push({ accountId: p.accountId, deviceId: d.deviceId });
  }
  return out;
}
