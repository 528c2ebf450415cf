// A migrated device's leaf moves from a version 1 credential to version 2 (docs/PROTOCOL-devices.md D17.5), and the
// rule every member applies to a leaf whose credential a Commit replaces (RFC 9420 §5.3.1: the application decides
// whether the new credential is valid for the same client).
//
// ts-mls 1.6.4 builds a Commit's UpdatePath leaf from the committer's current leaf (same credential, same signature
// key; it has no option to present another credential). The upgrade therefore hands createCommit a copy of the state
// whose own leaf already names the version 2 credential: the UpdatePath leaf it signs carries it, and the leaf's
// signature_key and every other field stay those of the tree. The copy is used for that one createCommit call only,
// and only for a Commit that has an UpdatePath (one that adds or changes roles only has none: the tree would then keep
// the copied leaf with its old signature, so `upgradeState` is not used for it).
import { equalBytes } from '../crypto/_bytes.ts';
import { decodeLeafCredential, makeDeviceCredential } from './credential.ts';
import type { GroupIdentity } from './key-packages.ts';
import type { ClientState, LeafNode, Proposal } from './_ts-mls.ts';

/**
 * D17.5, as every member checks a leaf a Commit replaces (its UpdatePath leaf, or an Update proposal's): null if
 * `after` may follow `before`, else the reason. The same credential may keep or change its signature_key (a version 2
 * key rotation, D6.3; a version 1 credential's binding covers its key, which the AuthenticationService checks). A
 * changed credential is accepted only as the upgrade: version 1 to version 2, the same account, device 1, the same
 * signature_key. Any other change — another account, another device, another key, back to version 1 — is refused.
 */
export function credentialChangeRefusal(before: LeafNode, after: LeafNode): string | null {
  if (before.credential.credentialType !== 'basic' || after.credential.credentialType !== 'basic') return 'only basic credentials are used (§12.2)';
  if (equalBytes(before.credential.identity, after.credential.identity)) return null;
  let old, next;
  try {
    old = decodeLeafCredential(before.credential);
    next = decodeLeafCredential(after.credential);
  } catch {
    return 'the new credential does not decode';
  }
  if (next.accountId !== old.accountId) return `a leaf of ${old.accountId} cannot become ${next.accountId}'s`;
  if (old.version !== 1 || next.version !== 2) return `a version ${old.version} credential is replaced only by the version 2 upgrade of a version 1 credential (D17.5)`;
  if (next.deviceId !== 1) return `a version 1 credential is device 1: it cannot become device ${next.deviceId}`;
  if (!equalBytes(before.signaturePublicKey, after.signaturePublicKey)) return 'the upgraded credential must keep the leaf\'s signature key (D17.5)';
  return null;
}

/** This client's own leaf in `state`. */
export function ownLeaf(state: ClientState): LeafNode | undefined {
  const n = state.ratchetTree[state.privatePath.leafIndex * 2];
  return n?.nodeType === 'leaf' ? n.leaf : undefined;
}

/**
 * The device this client's messages name (header version 4, D14.2) — its leaf's version 2 credential's — or undefined
 * while the leaf has a version 1 credential (version 2 headers), even on a migrated device that joined by a version 1
 * key package it published before the migration (D17.5).
 */
export function ownChainDevice(state: ClientState): number | undefined {
  const leaf = ownLeaf(state);
  if (!leaf || leaf.credential.credentialType !== 'basic') return undefined;
  const c = decodeLeafCredential(leaf.credential);
  return c.version === 2 ? c.deviceId : undefined;
}

/**
 * Whether this client's leaf still has the version 1 credential of a device that is device 1 of its account's list
 * now (D17.1 migration: `me.deviceId` = 1, and the list's credentialKey for device 1 is the leaf's key).
 */
export function upgradeDue(state: ClientState, me: GroupIdentity): boolean {
  const leaf = ownLeaf(state);
  if (!leaf || me.deviceId !== 1 || leaf.credential.credentialType !== 'basic') return false;
  return decodeLeafCredential(leaf.credential).version === 1 && equalBytes(leaf.signaturePublicKey, me.credentialKey.publicKey);
}

/** Whether a Commit of these proposals (and the pending ones by reference) carries an UpdatePath (RFC 9420 §12.4). */
export function commitHasPath(state: ClientState, proposals: readonly Proposal[]): boolean {
  const all = [...proposals, ...Object.values(state.unappliedProposals).map((p) => p.proposal)];
  return all.length === 0 || all.some((p) => p.proposalType === 'remove' || p.proposalType === 'update');
}

/** A copy of `state` whose own leaf names `me`'s version 2 credential (device 1), for createCommit only (see top). */
export function upgradeState(state: ClientState, me: GroupIdentity): ClientState {
  const i = state.privatePath.leafIndex * 2;
  const leaf = ownLeaf(state) as LeafNode;
  const ratchetTree = state.ratchetTree.slice();
  ratchetTree[i] = { nodeType: 'leaf', leaf: { ...leaf, credential: makeDeviceCredential(me.accountId, 1) } };
  return { ...state, ratchetTree };
}

/**
 * After createCommit on an `upgradeState` copy: the epoch it left is kept (historical receiver data, for late
 * messages of that epoch) with the tree as it was, not the copy.
 */
export function restoreHistory(newState: ClientState, before: ClientState): ClientState {
  const past = newState.historicalReceiverData.get(before.groupContext.epoch);
  if (!past) return newState;
  const historicalReceiverData = new Map(newState.historicalReceiverData);
  historicalReceiverData.set(before.groupContext.epoch, { ...past, ratchetTree: before.ratchetTree });
  return { ...newState, historicalReceiverData };
}
