// Receiving in a group (docs/PROTOCOL.md §12.4, §12.5, §12.7; docs/PROTOCOL-devices.md D14): an application message
// opened and its franking checked, a leave request, a member's Commit authorised and applied. Each step works on the
// ts-mls state it is given and returns the next one; MlsGroup keeps the state, the epochs seen and the fork status.
import { equalBytes } from '../crypto/_bytes.ts';
import { type OpenedMessage, openFrankedPayload } from '../franking/franking.ts';
import { FrankingError } from '../franking/errors.ts';
import { DEVICE_GROUP_HEADER_VERSION, GROUP_HEADER_VERSION } from '../franking/labels.ts';
import { groupCiphersuite } from './_mls-crypto.ts';
import { decodeGroupAd } from './authenticated-data.ts';
import { credentialChangeRefusal } from './credential-upgrade.ts';
import { decodeDeviceSyncAd, resolveSyncAd } from './device-members.ts';
import { GroupError } from './group-errors.ts';
import { credentialAccountId, leafAt, memberCredential, refusalOf, syncView, wrap } from './group-tree.ts';
import type { GroupEvent, GroupMessageReceived, GroupOptions } from './group-types.ts';
import type { DeviceSyncView } from './roles.ts';
import {
  type ClientState,
  type PrivateMessage,
  type ProposalWithSender,
  type PublicMessage,
  emptyPskIndex,
  processPublicMessage,
  unprotectPrivateMessage,
  verifyFramedContentSignature,
} from './_ts-mls.ts';

export function checkGroup(state: ClientState, groupId: Uint8Array): void {
  if (!equalBytes(groupId, state.groupContext.groupId)) throw new GroupError('wrong_group', 'message for another group');
}

/**
 * §12.4 recipient steps for an application message of `state`'s group. `tags` are the epoch tags this client holds
 * (epoch → tag). `keep` receives the state once MLS has opened the message: its key is spent even when the franking
 * checks after it drop the message.
 */
export async function openApplicationMessage(
  state: ClientState,
  pm: PrivateMessage,
  tags: ReadonlyMap<number, Uint8Array>,
  conversationId: string,
  keep: (next: ClientState) => void,
): Promise<GroupMessageReceived> {
  checkGroup(state, pm.groupId);
  const current = Number(state.groupContext.epoch);
  if (pm.contentType !== 'application') throw new GroupError('malformed', 'handshake messages are PublicMessages here (§12.8)');
  const epoch = Number(pm.epoch);
  const ad = decodeGroupAd(pm.authenticatedData);
  // §12.7: authenticate before acting. Nothing below changes the group state or status until MLS has opened and
  // verified the message; a future epoch is not authenticated (its keys are unknown here), so it is only reported.
  if (epoch > current) throw new GroupError('future_epoch', `message from epoch ${epoch}; this client is at ${current}: a commit is missing`);
  const myTag = tags.get(epoch);
  // Same epoch number, another epoch authenticator: the sender holds another state of this epoch — or anyone (the
  // relay) edited the tag. No member's keys of this client's state open it, so it proves nothing: dropped, no fork.
  if (myTag && !equalBytes(myTag, ad.epochTag))
    throw new GroupError('decrypt_failed', `the message names another state of epoch ${epoch} than this client's: it cannot be authenticated, so it is dropped (not a proven fork)`);
  const cs = await groupCiphersuite();
  let content: Awaited<ReturnType<typeof unprotectPrivateMessage>>['content'];
  let tree: ClientState['ratchetTree'];
  try {
    if (epoch < current) {
      const past = state.historicalReceiverData.get(pm.epoch);
      if (!past) throw new GroupError('stale_epoch', `epoch ${epoch} is too old: its keys are gone`);
      const r = await unprotectPrivateMessage(past.senderDataSecret, pm, past.secretTree, past.ratchetTree, past.groupContext, state.clientConfig.keyRetentionConfig, cs);
      content = r.content;
      tree = past.ratchetTree;
      const historical = new Map(state.historicalReceiverData);
      historical.set(pm.epoch, { ...past, secretTree: r.tree });
      keep({ ...state, historicalReceiverData: historical });
    } else {
      const r = await unprotectPrivateMessage(state.keySchedule.senderDataSecret, pm, state.secretTree, state.ratchetTree, state.groupContext, state.clientConfig.keyRetentionConfig, cs);
      content = r.content;
      tree = state.ratchetTree;
      keep({ ...state, secretTree: r.tree });
    }
  } catch (e) {
    throw wrap(e, 'decrypt_failed', 'group message refused');
  }
  if (content.content.contentType !== 'application' || content.content.sender.senderType !== 'member') throw new GroupError('malformed', 'expected an application message from a member');
  const leaf = leafAt({ ratchetTree: tree }, content.content.sender.leafIndex);
  if (!leaf) throw new GroupError('decrypt_failed', 'sender leaf is empty');
  const senderCredential = memberCredential(leaf.credential);
  const senderId = senderCredential.accountId;
  // MLS authenticated the AD (and so c) with the content; only now open the commitment (§6, §12.4).
  let opened: OpenedMessage;
  try {
    opened = openFrankedPayload(content.content.applicationData, ad.commitment, { conversationId, senderId });
  } catch (e) {
    if (e instanceof FrankingError) throw new GroupError(e.code === 'commitment_mismatch' ? 'commitment_mismatch' : e.code === 'header_mismatch' ? 'header_mismatch' : 'malformed', e.message);
    throw e;
  }
  if (opened.header.version !== (senderCredential.version === 2 ? DEVICE_GROUP_HEADER_VERSION : GROUP_HEADER_VERSION))
    throw new GroupError('header_mismatch', `header version ${opened.header.version} from a version ${senderCredential.version} credential`);
  if (opened.header.epoch !== epoch) throw new GroupError('header_mismatch', `header.epoch ${String(opened.header.epoch)} differs from the MLS epoch ${epoch}`);
  // docs/PROTOCOL-devices.md D14.2: the header names the device whose leaf sent it.
  if (senderCredential.version === 2 && opened.header.senderDeviceId !== senderCredential.deviceId)
    throw new GroupError('header_mismatch', `header.senderDeviceId ${String(opened.header.senderDeviceId)} is not the sender leaf's device ${senderCredential.deviceId}`);
  return { kind: 'message', epoch, senderId, opened };
}

/**
 * Whether a member of past epoch `epoch` signed this PublicMessage (RFC 9420 §6.1 FramedContentTBS, with that
 * epoch's group context and the sender leaf of that epoch's tree, both kept as historical receiver data).
 * False when that epoch's data is gone: an unverifiable message proves nothing.
 */
export async function signedByMemberOf(state: ClientState, epoch: number, pub: PublicMessage): Promise<boolean> {
  const past = state.historicalReceiverData.get(BigInt(epoch));
  const sender = pub.content.sender;
  if (!past || sender.senderType !== 'member') return false;
  const leaf = leafAt(past, sender.leafIndex);
  if (!leaf) return false;
  const cs = await groupCiphersuite();
  return verifyFramedContentSignature(leaf.signaturePublicKey, 'mls_public_message', pub.content, pub.auth, past.groupContext, cs.signature).catch(() => false);
}

/**
 * A proposal of the current epoch: only "I leave" proposals are used (§12.5), a Remove of a leaf of the proposer's
 * own account (D14.4: a device proposes the Remove of every leaf of its account). Returns the state with it pending.
 */
export async function processLeaveRequest(state: ClientState, pub: PublicMessage): Promise<{ state: ClientState; event: GroupEvent }> {
  const epoch = Number(pub.content.epoch);
  const current = Number(state.groupContext.epoch);
  if (pub.content.contentType !== 'proposal') throw new GroupError('malformed', 'expected a proposal');
  if (epoch !== current) throw new GroupError(epoch < current ? 'stale_epoch' : 'future_epoch', `proposal for epoch ${epoch}`);
  const p = pub.content.proposal;
  const sender = pub.content.sender;
  const proposerLeaf = sender.senderType === 'member' ? leafAt(state, sender.leafIndex) : undefined;
  const removedLeaf = p.proposalType === 'remove' ? leafAt(state, p.remove.removed) : undefined;
  if (p.proposalType !== 'remove' || !proposerLeaf || !removedLeaf || credentialAccountId(proposerLeaf.credential) !== credentialAccountId(removedLeaf.credential))
    throw new GroupError('not_authorized', 'only a member leaving may propose (the Remove of its own account\'s leaves)');
  const cs = await groupCiphersuite();
  let next: ClientState;
  try {
    next = (await processPublicMessage(state, pub, emptyPskIndex, cs)).newState;
  } catch (e) {
    throw wrap(e, 'decrypt_failed', 'proposal refused');
  }
  return { state: next, event: { kind: 'leave_request', epoch, accountId: credentialAccountId(removedLeaf.credential) } };
}

/**
 * A member's Commit for the current epoch of `state`, authorised (§12.5 with devices, D14.4; credential changes,
 * D17.5) and applied: the next state and the committer's account. Throws, state unchanged, when it is refused.
 */
export async function processMemberCommit(before: ClientState, pub: PublicMessage, opts: GroupOptions): Promise<{ state: ClientState; committer: string }> {
  const sender = pub.content.sender;
  if (sender.senderType !== 'member') throw new GroupError('not_authorized', 'only members commit (no external commits)');
  const committerLeaf = leafAt(before, sender.leafIndex);
  if (!committerLeaf) throw new GroupError('not_authorized', 'commit from an empty leaf');
  const committer = credentialAccountId(committerLeaf.credential);
  // docs/PROTOCOL-devices.md D14.4: a Commit under R1/R2 names the lists it relies on; each is refreshed to at least
  // that version and its hash checked before anything is authorised — else not_authorized, state unchanged.
  const sync = await syncViewsOf(opts, pub.content.authenticatedData);
  let refusal: string | null = null;
  // D17.5 (RFC 9420 §5.3.1): the committer's UpdatePath leaf replaces its credential only by the version 2 upgrade.
  const path = pub.content.contentType === 'commit' ? pub.content.commit.path : undefined;
  const changed = path ? credentialChangeRefusal(committerLeaf, path.leafNode) : null;
  // ts-mls calls this, once the Commit is authenticated, with the resolved proposal list before applying anything (RFC 9420 §12.4.2).
  const authorize = (incoming: { kind: 'commit'; proposals: ProposalWithSender[] } | { kind: 'proposal' }) => {
    if (incoming.kind !== 'commit') return 'reject' as const;
    refusal = changed ?? refusalOf(before, committer, incoming.proposals, sync);
    return refusal ? ('reject' as const) : ('accept' as const);
  };
  const cs = await groupCiphersuite();
  try {
    const r = await processPublicMessage(before, pub, emptyPskIndex, cs, authorize);
    if (r.actionTaken === 'reject') throw new GroupError(changed ? 'bad_credential' : 'not_authorized', `commit by ${committer} refused: ${refusal ?? 'not allowed'}`);
    return { state: r.newState, committer };
  } catch (e) {
    throw wrap(e, 'decrypt_failed', 'commit refused');
  }
}

async function syncViewsOf(opts: GroupOptions, authenticatedData: Uint8Array): Promise<Map<string, DeviceSyncView>> {
  const views = new Map<string, DeviceSyncView>();
  if (authenticatedData.length === 0) return views;
  const entries = decodeDeviceSyncAd(authenticatedData);
  if (!opts.resolveDeviceList) throw new GroupError('not_authorized', 'a commit naming device lists in a group of this client without device lists');
  for (const [account, pinned] of await resolveSyncAd(entries, opts.resolveDeviceList)) views.set(account, syncView(pinned));
  return views;
}
