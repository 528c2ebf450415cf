// One member's view of one MLS group (RFC 9420) with franking (docs/PROTOCOL.md §12).
//
// Membership is whatever the Commits this client processed say — never what a server lists. Every Commit
// is checked against the roles in the group context (§12.5) before it is applied, every leaf credential
// against the account's identity key (§12.2). A message is franked ONCE and encrypted ONCE for the whole
// group: its commitment c travels in the MLS authenticated_data (§12.4), its header (version 2) binds the
// conversation (= MLS group id), the sender and the epoch (§12.3).
import { Reader, Writer, abytes, equalBytes, fromBase64Url, toBase64Url } from '../crypto/_bytes.ts';
import { sha256 } from '@noble/hashes/sha2.js';
import { SenderChain, type SenderChainState } from '../franking/chain.ts';
import { type FrankOptions, type FrankInput, type FrankedMessage, type OpenedMessage, openFrankedPayload } from '../franking/franking.ts';
import { FrankingError } from '../franking/errors.ts';
import { DEVICE_GROUP_HEADER_VERSION, GROUP_HEADER_VERSION } from '../franking/labels.ts';
import type { PinnedDeviceList } from '../devices/verify-list.ts';
import { groupCiphersuite } from './_mls-crypto.ts';
import { decodeGroupAd, encodeGroupAd, epochTag } from './authenticated-data.ts';
import { type IdentityResolver, type LeafCredential, decodeLeafCredential, identityAuthenticationService } from './credential.ts';
import { commitHasPath, credentialChangeRefusal, ownLeaf, restoreHistory, upgradeDue, upgradeState } from './credential-upgrade.ts';
import {
  type DeviceListResolver, type DeviceSyncEntry, decodeDeviceSyncAd, deviceAuthenticationService, encodeDeviceSyncAd, listedDevices, resolveSyncAd,
} from './device-members.ts';
import { GroupError } from './group-errors.ts';
import { type GroupIdentity, decodeKeyPackageMessage, generateGroupKeyPackage } from './key-packages.ts';
import { type DeviceSyncView, type GroupRoles, type LeafOwner, type MemberRole, commitRefusal, roleOf, rolesExtension, rolesFromExtensions } from './roles.ts';
import { decodeGroupWire, groupIdOf } from './wire.ts';
import {
  type AuthenticationService,
  type ClientConfig,
  type ClientState,
  type KeyPackage,
  type LeafNode,
  type MLSMessage,
  type PrivateKeyPackage,
  type PrivateMessage,
  type Proposal,
  type ProposalWithSender,
  type PublicMessage,
  clientConfig,
  createApplicationMessage,
  createCommit,
  createGroup,
  createProposal,
  decodeGroupState,
  emptyPskIndex,
  encodeGroupState,
  encodeMlsMessage,
  joinGroup,
  processPublicMessage,
  unprotectPrivateMessage,
  verifyFramedContentSignature,
} from './_ts-mls.ts';

/** One leaf of the group: a device of a person (docs/PROTOCOL-devices.md D14). */
export interface GroupMember {
  accountId: string;
  /** The device the leaf's credential names (1 for a version 1 credential, D14.1). */
  deviceId: number;
  /** 1: single-device credential bound to the identity key (§12.2); 2: account and device (D14.1). */
  credentialVersion: 1 | 2;
  leaf: number;
  /** The person's role: roles belong to the account, not the leaf (D14.4). */
  role: MemberRole;
  /** Version 1 credentials: the identity signing key the credential names (checked when the member was admitted). */
  identitySigningKey?: Uint8Array;
}

/** D14.6: a person of the group with its devices (what clients show: "alice · 3 devices"). */
export interface GroupPerson {
  accountId: string;
  role: MemberRole;
  /** Its leaves, ascending by deviceId. */
  devices: Array<{ deviceId: number; leaf: number; credentialVersion: 1 | 2 }>;
}

/** A device of a person, as a Commit adds or removes it. */
export interface DeviceRef {
  accountId: string;
  deviceId: number;
}

export interface GroupOptions {
  /** The identity key this client trusts for an account (key directory / pinned contact); see credential.ts. */
  resolveIdentity: IdentityResolver;
  /**
   * The pinned verified device list of an account (docs/PROTOCOL-devices.md D5.3), refreshed to at least `want` when
   * given. With it every leaf is checked against its account's list (D14.1): version 2 credentials, version 1 as
   * device 1, and version 1 of accounts without a list by `resolveIdentity` (§12.2). Without it: version 1 only.
   */
  resolveDeviceList?: DeviceListResolver;
}

/** A change of the group made by a Commit, and the member who signed it (§12.5). */
export interface MembershipChange {
  kind: 'membership';
  epoch: number;
  by: string;
  added: string[];
  removed: string[];
  /** Accounts whose role changed, with their new role. */
  roles: Array<{ accountId: string; role: MemberRole }>;
  /** Devices added to people who were members before (R2, D14.4); a new person's devices are in `devicesAdded` too. */
  devicesAdded: DeviceRef[];
  /** Devices removed while their person stays (R1, D14.4) or with their person. */
  devicesRemoved: DeviceRef[];
  /** This client was removed (or left): it can neither read nor send from now on. */
  selfRemoved: boolean;
}

export interface GroupMessageReceived {
  kind: 'message';
  epoch: number;
  senderId: string;
  opened: OpenedMessage;
}

export type GroupEvent =
  | GroupMessageReceived
  | MembershipChange
  | { kind: 'leave_request'; epoch: number; accountId: string }
  /** A handshake this client already applied (replayed or duplicated by the relay): nothing changed. */
  | { kind: 'duplicate'; epoch: number };

export interface GroupSent {
  /** MLSMessage(PrivateMessage) bytes: one ciphertext for every member. */
  message: Uint8Array;
  franked: FrankedMessage;
  commitment: Uint8Array;
  epoch: number;
}

export interface PendingCommit {
  /** MLSMessage(PublicMessage) bytes of the Commit: send to the relay, which orders it (§12.7). */
  commit: Uint8Array;
  /** MLSMessage(Welcome) bytes for the members it adds. */
  welcome?: Uint8Array;
  /** Accounts the Welcome is for. */
  welcomeFor: string[];
  epoch: number;
}

/** Epochs whose tags and commit hashes are remembered for fork and replay detection. */
const HISTORY = 32;
const STATE_VERSION = 1;

const wrap = (e: unknown, code: 'decrypt_failed' | 'malformed', what: string): GroupError => {
  if (GroupError.is(e)) return e;
  const message = (e as Error)?.message ?? String(e);
  // ts-mls' AuthenticationService refusal (credential.ts said no): name it for what it is.
  return new GroupError(/validate credential/i.test(message) ? 'bad_credential' : code, `${what}: ${message}`);
};

/**
 * A leaf credential decoded once per credential object: ts-mls never mutates the leaves of a ratchet tree (a changed
 * leaf is a new object), and every receive asks for its sender's account, every commit for the member list.
 */
const decodedCredentials = new WeakMap<LeafNode['credential'], LeafCredential>();
function memberCredential(credential: LeafNode['credential']): LeafCredential {
  let c = decodedCredentials.get(credential);
  if (c === undefined) decodedCredentials.set(credential, (c = decodeLeafCredential(credential))); // checks the credential type (§12.2)
  return c;
}
const credentialAccountId = (credential: LeafNode['credential']): string => memberCredential(credential).accountId;
const ownerOf = (credential: LeafNode['credential']): LeafOwner => {
  const c = memberCredential(credential);
  return { accountId: c.accountId, deviceId: c.deviceId };
};

function leafAt(state: { ratchetTree: ClientState['ratchetTree'] }, leaf: number): LeafNode | undefined {
  const n = state.ratchetTree[leaf * 2];
  return n?.nodeType === 'leaf' ? n.leaf : undefined;
}

function membersOf(state: ClientState): GroupMember[] {
  const roles = rolesFromExtensions(state.groupContext.extensions);
  const out: GroupMember[] = [];
  for (let i = 0; i * 2 < state.ratchetTree.length; i++) {
    const leaf = leafAt(state, i);
    if (!leaf || leaf.credential.credentialType !== 'basic') continue;
    const c = memberCredential(leaf.credential);
    out.push({
      accountId: c.accountId, deviceId: c.deviceId, credentialVersion: c.version, leaf: i, role: roleOf(roles, c.accountId),
      ...(c.version === 1 && { identitySigningKey: c.identitySigningKey.slice() }),
    });
  }
  return out;
}

/** Every leaf's device ids by account (the people of the group). */
function leavesByAccount(state: ClientState): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const m of membersOf(state)) out.set(m.accountId, [...(out.get(m.accountId) ?? []), m.deviceId]);
  return out;
}

function peopleOf(members: readonly GroupMember[]): GroupPerson[] {
  const out = new Map<string, GroupPerson>();
  for (const m of members) {
    const p = out.get(m.accountId) ?? { accountId: m.accountId, role: m.role, devices: [] };
    p.devices.push({ deviceId: m.deviceId, leaf: m.leaf, credentialVersion: m.credentialVersion });
    out.set(m.accountId, p);
  }
  for (const p of out.values()) p.devices.sort((a, b) => a.deviceId - b.deviceId);
  return [...out.values()];
}

function syncView(pinned: PinnedDeviceList): DeviceSyncView {
  return { listed: new Set(listedDevices(pinned).map((e) => e.deviceId)), sinceReset: new Set(pinned.deviceIdsSinceReset) };
}

export class MlsGroup {
  private pending: { state: ClientState; commit: PendingCommit; commitHash: Uint8Array } | undefined;
  /** epoch → epochTag, and epoch → hash of the Commit that ended it (§12.7). */
  private readonly tags = new Map<number, Uint8Array>();
  private readonly commits = new Map<number, Uint8Array>();
  private forkedAt: number | undefined;

  private constructor(
    private state: ClientState,
    readonly me: GroupIdentity,
    readonly conversationId: string,
    private chain: SenderChain,
    private readonly opts: GroupOptions,
  ) {}

  private static authService(opts: GroupOptions): AuthenticationService {
    return opts.resolveDeviceList ? deviceAuthenticationService(opts.resolveDeviceList, opts.resolveIdentity) : identityAuthenticationService(opts.resolveIdentity);
  }

  private static config(opts: GroupOptions): ClientConfig {
    return clientConfig(MlsGroup.authService(opts));
  }

  private static chainFor(conversationId: string, me: GroupIdentity): SenderChain {
    return new SenderChain(conversationId, me.accountId, me.deviceId);
  }

  /** A new group with this client as its creator (epoch 0, one member). */
  static async create(conversationId: string, me: GroupIdentity, opts: GroupOptions): Promise<MlsGroup> {
    const cs = await groupCiphersuite();
    const kp = await generateGroupKeyPackage(me);
    const state = await createGroup(groupIdOf(conversationId), kp.publicPackage, kp.privatePackage, [rolesExtension({ creator: me.accountId, admins: [] })], cs, MlsGroup.config(opts));
    const g = new MlsGroup(state, me, conversationId, MlsGroup.chainFor(conversationId, me), opts);
    g.remember();
    return g;
  }

  /**
   * Joins from a Welcome (RFC 9420 §12.4.3). `privateKeyFor(ref)` returns the private half of one of this
   * client's published key packages. Every leaf credential in the tree goes through resolveIdentity.
   */
  static async join(
    welcomeBytes: Uint8Array,
    me: GroupIdentity,
    keyPackageFor: (ref: string) => { publicPackage: KeyPackage; privatePackage: PrivateKeyPackage } | undefined,
    opts: GroupOptions,
  ): Promise<MlsGroup> {
    const cs = await groupCiphersuite();
    const m = decodeGroupWire(welcomeBytes);
    if (m.wireformat !== 'mls_welcome') throw new GroupError('malformed', 'expected a Welcome');
    const mine = m.welcome.secrets.map((s) => keyPackageFor(toBase64Url(s.newMember))).find((k) => k !== undefined);
    if (!mine) throw new GroupError('not_a_member', 'the Welcome is not for any key package of this client');
    let state: ClientState;
    try {
      state = await joinGroup(m.welcome, mine.publicPackage, mine.privatePackage, emptyPskIndex, cs, undefined, undefined, MlsGroup.config(opts));
    } catch (e) {
      throw wrap(e, 'decrypt_failed', 'Welcome refused');
    }
    const conversationId = new TextDecoder().decode(state.groupContext.groupId);
    rolesFromExtensions(state.groupContext.extensions); // a group without valid roles is not one of ours
    const g = new MlsGroup(state, me, conversationId, MlsGroup.chainFor(conversationId, me), opts);
    g.remember();
    return g;
  }

  get epoch(): number {
    return Number(this.state.groupContext.epoch);
  }

  get roles(): GroupRoles {
    return rolesFromExtensions(this.state.groupContext.extensions);
  }

  get active(): boolean {
    return this.state.groupActiveState.kind === 'active';
  }

  /** The leaves as the processed Commits say — the only roster this client encrypts to. */
  members(): GroupMember[] {
    return membersOf(this.state);
  }

  /** D14.6: the people of the group (leaves grouped by account), in order of their first leaf. */
  people(): GroupPerson[] {
    return peopleOf(membersOf(this.state));
  }

  /** RFC 9420 §8.7 epoch authenticator: equal for two members iff they share this epoch's group state. */
  get epochAuthenticator(): Uint8Array {
    return this.state.keySchedule.epochAuthenticator.slice();
  }

  /** Set once this client saw proof that members hold different group states (§12.7); sending stops. */
  get fork(): number | undefined {
    return this.forkedAt;
  }

  get hasPendingCommit(): boolean {
    return this.pending !== undefined;
  }

  private remember(): void {
    this.tags.set(this.epoch, epochTag(this.state.keySchedule.epochAuthenticator));
    for (const e of this.tags.keys()) if (e < this.epoch - HISTORY) this.tags.delete(e);
    for (const e of this.commits.keys()) if (e < this.epoch - HISTORY) this.commits.delete(e);
  }

  /**
   * D17.5, D17.4: once this device's leaf carries its version 2 credential, its messages carry header version 4
   * naming the device; the sender chain goes on (same seq and previous commitment).
   */
  private followOwnLeaf(): void {
    const leaf = ownLeaf(this.state);
    if (!leaf || this.chain.senderDeviceId !== undefined) return;
    const c = memberCredential(leaf.credential);
    if (c.version === 2) this.chain = SenderChain.fromJSON({ ...this.chain.toJSON(), senderDeviceId: c.deviceId });
  }

  private checkCanSend(): void {
    if (!this.active) throw new GroupError('not_a_member', 'this client is no longer a member of the group');
    if (this.forkedAt !== undefined) throw new GroupError('fork', `members hold different states of epoch ${this.forkedAt}: not sending`);
    if (this.pending) throw new GroupError('bad_state', 'a commit is waiting for the relay: confirm or discard it first');
    // §12.7: a newer epoch announced by an unauthenticated message does not stop sending (anyone could announce one);
    // the relay refuses a message for a stale epoch (stale_epoch) and the client then fetches the missing Commits.
  }

  // ---- Application messages ----

  /** Franks `body` once (header v2 with this epoch) and encrypts it once for the whole group. */
  async send(body: Uint8Array, opts: Omit<FrankInput, 'conversationId' | 'senderId' | 'seq' | 'prevCommitment' | 'epoch'> & FrankOptions = {}): Promise<GroupSent> {
    this.checkCanSend();
    // docs/PROTOCOL-devices.md D14.4 "before sending": no key of an epoch this device sends in goes to a device its
    // account removed. With device lists, a stale leaf (by the lists as pinned now) stops sending until R1 removed it.
    const stale = await this.staleLeaves();
    if (stale.length > 0)
      throw new GroupError('bad_state', `${stale.map((d) => `${d.accountId} device ${d.deviceId}`).join(', ')} left ${stale.length === 1 ? 'its' : 'their'} account's device list: commit removeStaleDevices() first`);
    const epoch = this.epoch;
    const cs = await groupCiphersuite();
    const franked = this.chain.frank(body, { ...opts, epoch });
    const ad = encodeGroupAd(franked.commitment, this.tags.get(epoch) as Uint8Array);
    const r = await createApplicationMessage(this.state, franked.payload, cs, ad);
    this.state = r.newState;
    const message = encodeMlsMessage({ version: 'mls10', wireformat: 'mls_private_message', privateMessage: r.privateMessage });
    return { message, franked, commitment: franked.commitment, epoch };
  }

  /** The sender chain (seq and previous commitment) of this member in this group, for persistence. */
  chainState(): SenderChainState {
    return this.chain.toJSON();
  }

  /**
   * Processes one group wire message from the relay. Returns what it did, or throws GroupError when the
   * message must be dropped (the group state is then unchanged).
   */
  async receive(bytes: Uint8Array): Promise<GroupEvent> {
    const m = decodeGroupWire(bytes);
    if (m.wireformat === 'mls_private_message') return this.receivePrivate(m.privateMessage);
    if (m.wireformat === 'mls_public_message') return this.receivePublic(m.publicMessage, bytes);
    throw new GroupError('malformed', `unexpected ${m.wireformat} in a group`);
  }

  private checkGroup(groupId: Uint8Array): void {
    if (!equalBytes(groupId, this.state.groupContext.groupId)) throw new GroupError('wrong_group', 'message for another group');
  }

  private async receivePrivate(pm: PrivateMessage): Promise<GroupMessageReceived> {
    this.checkGroup(pm.groupId);
    if (pm.contentType !== 'application') throw new GroupError('malformed', 'handshake messages are PublicMessages here (§12.8)');
    const epoch = Number(pm.epoch);
    const ad = decodeGroupAd(pm.authenticatedData);
    // §12.7: authenticate before acting. Nothing below changes the group state or status until MLS has opened and
    // verified the message; a future epoch is not authenticated (its keys are unknown here), so it is only reported.
    if (epoch > this.epoch) throw new GroupError('future_epoch', `message from epoch ${epoch}; this client is at ${this.epoch}: a commit is missing`);
    const myTag = this.tags.get(epoch);
    // Same epoch number, another epoch authenticator: the sender holds another state of this epoch — or anyone (the
    // relay) edited the tag. No member's keys of this client's state open it, so it proves nothing: dropped, no fork.
    if (myTag && !equalBytes(myTag, ad.epochTag))
      throw new GroupError('decrypt_failed', `the message names another state of epoch ${epoch} than this client's: it cannot be authenticated, so it is dropped (not a proven fork)`);
    const cs = await groupCiphersuite();
    let content: Awaited<ReturnType<typeof unprotectPrivateMessage>>['content'];
    let tree: ClientState['ratchetTree'];
    try {
      if (epoch < this.epoch) {
        const past = this.state.historicalReceiverData.get(pm.epoch);
        if (!past) throw new GroupError('stale_epoch', `epoch ${epoch} is too old: its keys are gone`);
        const r = await unprotectPrivateMessage(past.senderDataSecret, pm, past.secretTree, past.ratchetTree, past.groupContext, this.state.clientConfig.keyRetentionConfig, cs);
        content = r.content;
        tree = past.ratchetTree;
        const historical = new Map(this.state.historicalReceiverData);
        historical.set(pm.epoch, { ...past, secretTree: r.tree });
        this.state = { ...this.state, historicalReceiverData: historical };
      } else {
        const r = await unprotectPrivateMessage(this.state.keySchedule.senderDataSecret, pm, this.state.secretTree, this.state.ratchetTree, this.state.groupContext, this.state.clientConfig.keyRetentionConfig, cs);
        content = r.content;
        tree = this.state.ratchetTree;
        this.state = { ...this.state, secretTree: r.tree };
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
      opened = openFrankedPayload(content.content.applicationData, ad.commitment, { conversationId: this.conversationId, senderId });
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

  private async receivePublic(pub: PublicMessage, bytes: Uint8Array): Promise<GroupEvent> {
    this.checkGroup(pub.content.groupId);
    const epoch = Number(pub.content.epoch);
    if (pub.content.contentType === 'commit') {
      const hash = sha256(bytes);
      if (epoch < this.epoch) {
        const applied = this.commits.get(epoch);
        if (applied && equalBytes(applied, hash)) return { kind: 'duplicate', epoch };
        if (applied) {
          // §12.7: a second, different Commit for an epoch we already left is a fork only when a member of that epoch
          // signed it (checked against that epoch's tree and group context). Anything else is junk: dropped, no change.
          if (!(await this.signedByMemberOf(epoch, pub)))
            throw new GroupError('decrypt_failed', `a commit for past epoch ${epoch} that no member of that epoch signed: dropped`);
          this.forkedAt ??= epoch;
          throw new GroupError('fork', `a different commit for epoch ${epoch} than the one this client applied`);
        }
        throw new GroupError('stale_epoch', `commit for epoch ${epoch}; this client is at ${this.epoch}`);
      }
      if (epoch > this.epoch) throw new GroupError('future_epoch', `commit for epoch ${epoch}; this client is at ${this.epoch}: a commit is missing`);
      return this.applyCommit(pub, hash);
    }
    if (pub.content.contentType === 'proposal') {
      if (epoch !== this.epoch) throw new GroupError(epoch < this.epoch ? 'stale_epoch' : 'future_epoch', `proposal for epoch ${epoch}`);
      const p = pub.content.proposal;
      const sender = pub.content.sender;
      // Only "I leave" proposals are used (§12.5): a Remove of a leaf of the proposer's own account (D14.4: a device
      // proposes the Remove of every leaf of its account).
      const proposerLeaf = sender.senderType === 'member' ? leafAt(this.state, sender.leafIndex) : undefined;
      const removedLeaf = p.proposalType === 'remove' ? leafAt(this.state, p.remove.removed) : undefined;
      if (p.proposalType !== 'remove' || !proposerLeaf || !removedLeaf || credentialAccountId(proposerLeaf.credential) !== credentialAccountId(removedLeaf.credential))
        throw new GroupError('not_authorized', 'only a member leaving may propose (the Remove of its own account\'s leaves)');
      const cs = await groupCiphersuite();
      try {
        const r = await processPublicMessage(this.state, pub, emptyPskIndex, cs);
        this.state = r.newState;
      } catch (e) {
        throw wrap(e, 'decrypt_failed', 'proposal refused');
      }
      return { kind: 'leave_request', epoch, accountId: credentialAccountId(removedLeaf.credential) };
    }
    throw new GroupError('malformed', 'application data must be a PrivateMessage');
  }

  /**
   * Whether a member of past epoch `epoch` signed this PublicMessage (RFC 9420 §6.1 FramedContentTBS, with that
   * epoch's group context and the sender leaf of that epoch's tree, both kept as historical receiver data).
   * False when that epoch's data is gone: an unverifiable message proves nothing.
   */
  private async signedByMemberOf(epoch: number, pub: PublicMessage): Promise<boolean> {
    const past = this.state.historicalReceiverData.get(BigInt(epoch));
    const sender = pub.content.sender;
    if (!past || sender.senderType !== 'member') return false;
    const leaf = leafAt(past, sender.leafIndex);
    if (!leaf) return false;
    const cs = await groupCiphersuite();
    return verifyFramedContentSignature(leaf.signaturePublicKey, 'mls_public_message', pub.content, pub.auth, past.groupContext, cs.signature).catch(() => false);
  }

  private async applyCommit(pub: PublicMessage, hash: Uint8Array): Promise<MembershipChange> {
    const before = this.state;
    const sender = pub.content.sender;
    if (sender.senderType !== 'member') throw new GroupError('not_authorized', 'only members commit (no external commits)');
    const committerLeaf = leafAt(before, sender.leafIndex);
    if (!committerLeaf) throw new GroupError('not_authorized', 'commit from an empty leaf');
    const committer = credentialAccountId(committerLeaf.credential);
    // docs/PROTOCOL-devices.md D14.4: a Commit under R1/R2 names the lists it relies on; each is refreshed to at least
    // that version and its hash checked before anything is authorised — else not_authorized, state unchanged.
    const sync = await this.syncViewsOf(pub.content.authenticatedData);
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
    let next: ClientState;
    try {
      const r = await processPublicMessage(before, pub, emptyPskIndex, cs, authorize);
      if (r.actionTaken === 'reject') throw new GroupError(changed ? 'bad_credential' : 'not_authorized', `commit by ${committer} refused: ${refusal ?? 'not allowed'}`);
      next = r.newState;
    } catch (e) {
      throw wrap(e, 'decrypt_failed', 'commit refused');
    }
    this.state = next;
    this.commits.set(Number(before.groupContext.epoch), hash);
    this.remember();
    return this.describe(before, next, committer);
  }

  private async syncViewsOf(authenticatedData: Uint8Array): Promise<Map<string, DeviceSyncView>> {
    const views = new Map<string, DeviceSyncView>();
    if (authenticatedData.length === 0) return views;
    const entries = decodeDeviceSyncAd(authenticatedData);
    if (!this.opts.resolveDeviceList) throw new GroupError('not_authorized', 'a commit naming device lists in a group of this client without device lists');
    for (const [account, pinned] of await resolveSyncAd(entries, this.opts.resolveDeviceList)) views.set(account, syncView(pinned));
    return views;
  }

  private describe(before: ClientState, after: ClientState, by: string): MembershipChange {
    const selfRemoved = after.groupActiveState.kind !== 'active';
    const mb = membersOf(before);
    const ma = selfRemoved ? [] : membersOf(after);
    const a = new Map(mb.map((m) => [m.accountId, m.role]));
    const b = new Map(ma.map((m) => [m.accountId, m.role]));
    const key = (m: DeviceRef) => `${m.accountId}\0${m.deviceId}`;
    const ka = new Set(mb.map(key));
    const kb = new Set(ma.map(key));
    return {
      kind: 'membership', epoch: Number(after.groupContext.epoch), by,
      added: [...b.keys()].filter((id) => !a.has(id)),
      removed: selfRemoved ? [this.me.accountId] : [...a.keys()].filter((id) => !b.has(id)),
      roles: [...b].filter(([id, role]) => a.has(id) && a.get(id) !== role).map(([accountId, role]) => ({ accountId, role })),
      devicesAdded: ma.filter((m) => !ka.has(key(m))).map(({ accountId, deviceId }) => ({ accountId, deviceId })),
      devicesRemoved: selfRemoved ? [] : mb.filter((m) => !kb.has(key(m))).map(({ accountId, deviceId }) => ({ accountId, deviceId })),
      selfRemoved,
    };
  }

  // ---- Commits by this client ----

  private async commit(proposals: Proposal[], welcomeFor: string[], sync: readonly DeviceSyncEntry[] = []): Promise<PendingCommit> {
    this.checkCanSend();
    const views = new Map<string, DeviceSyncView>();
    for (const e of sync) views.set(e.accountId, syncView(await this.pinnedList(e.accountId)));
    const refusal = refusalOf(this.state, this.me.accountId, proposals.map((proposal) => ({ proposal, senderLeafIndex: undefined })), views);
    if (refusal) throw new GroupError('not_authorized', refusal);
    const cs = await groupCiphersuite();
    // docs/PROTOCOL-devices.md D17.5: a migrated device's next Commit with an UpdatePath carries its version 2 credential.
    const upgrading = upgradeDue(this.state, this.me) && commitHasPath(this.state, proposals);
    let r;
    try {
      r = await createCommit({ state: upgrading ? upgradeState(this.state, this.me) : this.state, cipherSuite: cs }, {
        extraProposals: proposals, wireAsPublicMessage: true, ratchetTreeExtension: true,
        ...(sync.length > 0 && { authenticatedData: encodeDeviceSyncAd([...sync].sort((x, y) => (x.accountId < y.accountId ? -1 : 1))) }),
      });
    } catch (e) {
      throw wrap(e, 'malformed', 'commit not possible');
    }
    const commit = encodeMlsMessage(r.commit as MLSMessage);
    const pending: PendingCommit = {
      commit, welcomeFor, epoch: this.epoch,
      ...(r.welcome ? { welcome: encodeMlsMessage({ version: 'mls10', wireformat: 'mls_welcome', welcome: r.welcome }) } : {}),
    };
    const next = upgrading ? restoreHistory(r.newState, this.state) : r.newState;
    if (upgrading && decodeLeafCredential((ownLeaf(next) as LeafNode).credential).version !== 2) throw new GroupError('bad_state', 'the commit did not carry the upgraded credential');
    this.pending = { state: next, commit: pending, commitHash: sha256(commit) };
    return pending;
  }

  /** The key packages decoded and their leaves checked as every member will (D14.1 / §12.2; ts-mls checks again). */
  private async checkedPackages(keyPackages: readonly Uint8Array[]): Promise<Array<{ keyPackage: KeyPackage; owner: LeafOwner }>> {
    const auth = MlsGroup.authService(this.opts);
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

  /**
   * Adds people: the owners of these key packages (MLSMessage bytes from the directory), every device of a person
   * that has a package in this one Commit (docs/PROTOCOL-devices.md D14.3). Creator and admins only.
   */
  async add(keyPackages: readonly Uint8Array[]): Promise<PendingCommit> {
    const kps = await this.checkedPackages(keyPackages);
    const present = new Set(this.members().map((m) => m.accountId));
    for (const { owner } of kps) if (present.has(owner.accountId)) throw new GroupError('bad_state', `${owner.accountId} is already a member`);
    return this.commit(kps.map(({ keyPackage }) => ({ proposalType: 'add', add: { keyPackage } })), [...new Set(kps.map((k) => k.owner.accountId))]);
  }

  /** D14.3: adds one person with all its devices that have a package, in one Commit; every package must name `accountId`. */
  async addPerson(accountId: string, keyPackages: readonly Uint8Array[]): Promise<PendingCommit> {
    if (keyPackages.length === 0) throw new GroupError('bad_state', `no key package for ${accountId}`);
    for (const bytes of keyPackages) {
      const named = credentialAccountId(decodeKeyPackageMessage(bytes).leafNode.credential);
      if (named !== accountId) throw new GroupError('bad_credential', `a key package handed out for ${accountId} names ${named}`);
    }
    return this.add(keyPackages);
  }

  private async pinnedList(accountId: string): Promise<PinnedDeviceList> {
    const pinned = this.opts.resolveDeviceList ? await this.opts.resolveDeviceList(accountId) : undefined;
    if (!pinned || pinned.accountId !== accountId) throw new GroupError('bad_state', `no verified device list of ${accountId}`);
    return pinned;
  }

  /**
   * D14.4 for one account whose device list changed (rules R1 and R2, any member may): one Commit that removes every
   * leaf of `accountId` whose device is no longer in its verified list and adds the devices of these key packages
   * (each a listed device of `accountId` without a leaf). The Commit names the list version it relies on (DeviceSyncAd).
   * After a list change of its own account a device calls this in every group (D14.5: the new device is added by
   * one of its own devices, never by external join).
   */
  async syncDevices(accountId: string, keyPackages: readonly Uint8Array[] = []): Promise<PendingCommit> {
    const pinned = await this.pinnedList(accountId);
    const listed = syncView(pinned).listed;
    const leaves = this.members().filter((m) => m.accountId === accountId);
    if (leaves.length === 0) throw new GroupError('bad_state', `${accountId} is not a member: add the person`);
    const kps = await this.checkedPackages(keyPackages);
    for (const { owner } of kps) if (owner.accountId !== accountId) throw new GroupError('bad_credential', `a key package for ${accountId} names ${owner.accountId}`);
    const proposals: Proposal[] = [
      ...leaves.filter((m) => !listed.has(m.deviceId)).map((m): Proposal => ({ proposalType: 'remove', remove: { removed: m.leaf } })),
      ...kps.map(({ keyPackage }): Proposal => ({ proposalType: 'add', add: { keyPackage } })),
    ];
    if (proposals.length === 0) throw new GroupError('bad_state', `the leaves of ${accountId} match its verified list`);
    return this.commit(proposals, kps.length > 0 ? [accountId] : [], [{ accountId, listVersion: pinned.listVersion, listHash: fromBase64Url(pinned.listHash, 'listHash') }]);
  }

  /**
   * D14.4 R1 "before sending": the leaves whose device is not in its account's verified list (a removed device), by
   * account. Accounts without a pinned list are not judged.
   */
  async staleLeaves(): Promise<DeviceRef[]> {
    if (!this.opts.resolveDeviceList) return [];
    const out: DeviceRef[] = [];
    for (const p of this.people()) {
      const pinned = await this.opts.resolveDeviceList(p.accountId);
      if (!pinned || pinned.accountId !== p.accountId) continue;
      const listed = syncView(pinned).listed;
      for (const d of p.devices) if (!listed.has(d.deviceId)) out.push({ accountId: p.accountId, deviceId: d.deviceId });
    }
    return out;
  }

  /** R1 for every account with stale leaves, in one Commit (or null when there is none); any member may. */
  async removeStaleDevices(): Promise<PendingCommit | null> {
    const stale = await this.staleLeaves();
    if (stale.length === 0) return null;
    const accounts = [...new Set(stale.map((s) => s.accountId))];
    const sync: DeviceSyncEntry[] = [];
    for (const a of accounts) {
      const pinned = await this.pinnedList(a);
      sync.push({ accountId: a, listVersion: pinned.listVersion, listHash: fromBase64Url(pinned.listHash, 'listHash') });
    }
    const members = this.members();
    const proposals: Proposal[] = stale.map((s) => ({ proposalType: 'remove', remove: { removed: (members.find((m) => m.accountId === s.accountId && m.deviceId === s.deviceId) as GroupMember).leaf } }));
    return this.commit(proposals, [], sync);
  }

  /**
   * Removes people with all their devices (creator and admins). An admin is demoted first, by the creator's
   * `setRole(id, 'member')` in a Commit of its own (docs/PROTOCOL.md §12.5): `bad_state` before anything is built.
   */
  async remove(accountIds: readonly string[]): Promise<PendingCommit> {
    const admin = accountIds.find((id) => this.roles.admins.includes(id));
    if (admin !== undefined) throw new GroupError('bad_state', `${admin} is an admin: demote first (setRole 'member'), then remove (§12.5)`);
    const members = this.members();
    const proposals: Proposal[] = accountIds.flatMap((id) => {
      const leaves = members.filter((x) => x.accountId === id);
      if (leaves.length === 0) throw new GroupError('bad_state', `${id} is not a member`);
      return leaves.map((m): Proposal => ({ proposalType: 'remove', remove: { removed: m.leaf } }));
    });
    return this.commit(proposals, []);
  }

  /** Names or demotes an admin (creator only): a GroupContextExtensions commit. */
  async setRole(accountId: string, role: 'admin' | 'member'): Promise<PendingCommit> {
    const roles = this.roles;
    if (!this.members().some((m) => m.accountId === accountId)) throw new GroupError('bad_state', `${accountId} is not a member`);
    const admins = role === 'admin' ? [...roles.admins, accountId] : roles.admins.filter((a) => a !== accountId);
    return this.commit([{ proposalType: 'group_context_extensions', groupContextExtensions: { extensions: [rolesExtension({ creator: roles.creator, admins })] } }], []);
  }

  /**
   * A Commit without proposals: fresh keys on this member's path (RFC 9420 §12.4 "path-only" Commit), for
   * post-compromise security. Any member may.
   */
  async update(): Promise<PendingCommit> {
    return this.commit([], []);
  }

  /**
   * docs/PROTOCOL-devices.md D17.5: this device is device 1 of its account's list (`me.deviceId` = 1) and its leaf
   * still carries the version 1 credential. Its next Commit with an UpdatePath (a path-only `update()`, a Remove, …)
   * replaces it by the version 2 credential with the same signature key; `upgradeCredential()` makes that Commit now.
   */
  get credentialUpgradeDue(): boolean {
    return upgradeDue(this.state, this.me);
  }

  /**
   * D17.5: a path-only Commit whose UpdatePath leaf carries this device's version 2 credential (same account,
   * device 1, same signature key). After it is confirmed, messages carry header version 4 naming device 1, the sender
   * chain continuing (D17.4). `bad_state` when no upgrade is due (see `credentialUpgradeDue`).
   */
  async upgradeCredential(): Promise<PendingCommit> {
    if (!this.credentialUpgradeDue) throw new GroupError('bad_state', 'no credential upgrade due: the leaf is not a version 1 credential of device 1 with this device\'s credential key');
    return this.commit([], []);
  }

  /** Commits the leave requests (self-Remove proposals) received in this epoch; any member may. */
  async commitLeaves(): Promise<PendingCommit> {
    if (Object.keys(this.state.unappliedProposals).length === 0) throw new GroupError('bad_state', 'no leave request to commit');
    return this.commit([], []);
  }

  /** Asks to leave: a Remove proposal of this member's own leaf, committed by the next member who commits (§12.5). */
  async proposeLeave(): Promise<Uint8Array> {
    const mine = this.members().filter((m) => m.accountId === this.me.accountId);
    if (mine.length > 1) throw new GroupError('bad_state', 'this account has several devices in the group: proposeLeaveAll');
    return (await this.proposeLeaveAll())[0] as Uint8Array;
  }

  /**
   * D14.4 leaving: Remove proposals of every leaf of this account (this device's and its other devices'), committed
   * together by the next member who commits.
   */
  async proposeLeaveAll(): Promise<Uint8Array[]> {
    this.checkCanSend();
    const mine = this.members().filter((m) => m.accountId === this.me.accountId);
    if (mine.length === 0) throw new GroupError('not_a_member', 'not a member');
    if ((mine[0] as GroupMember).role === 'creator') throw new GroupError('not_authorized', 'the creator cannot leave its group');
    const cs = await groupCiphersuite();
    const out: Uint8Array[] = [];
    for (const m of mine) {
      const r = await createProposal(this.state, true, { proposalType: 'remove', remove: { removed: m.leaf } }, cs);
      this.state = r.newState;
      out.push(encodeMlsMessage(r.message));
    }
    return out;
  }

  /** The relay accepted the pending Commit (it was first for its epoch): apply it. */
  confirmCommit(): MembershipChange {
    if (!this.pending) throw new GroupError('bad_state', 'no pending commit');
    const before = this.state;
    const { state, commitHash } = this.pending;
    this.pending = undefined;
    this.commits.set(Number(before.groupContext.epoch), commitHash);
    this.state = state;
    this.remember();
    this.followOwnLeaf();
    return this.describe(before, state, this.me.accountId);
  }

  /** The relay refused the pending Commit (another one won the epoch): forget it; process the winner, then retry. */
  discardCommit(): void {
    this.pending = undefined;
  }

  // ---- Persistence ----

  /** Serialized group state (secret: keep it where the identity key is kept). */
  serialize(): Uint8Array {
    const mls = encodeGroupState(this.state);
    const chain = new TextEncoder().encode(JSON.stringify(this.chain.toJSON()));
    const w = new Writer(1 + 4 + mls.length + 4 + chain.length + 4 + 1 + (this.tags.size + this.commits.size) * 40 + 8 + 8)
      .u8(STATE_VERSION).u32(mls.length).raw(mls).u32(chain.length).raw(chain)
      // The u64 after the chain once held the highest epoch seen on the wire; kept for the format, no longer read.
      .u64(this.epoch).u64(this.forkedAt === undefined ? 0 : this.forkedAt + 1).u32(this.tags.size);
    for (const [e, t] of this.tags) w.u64(e).fixed(t, 16, 'tag');
    w.u32(this.commits.size);
    for (const [e, h] of this.commits) w.u64(e).fixed(h, 32, 'hash');
    return w.finish();
  }

  static deserialize(bytes: Uint8Array, me: GroupIdentity, opts: GroupOptions): MlsGroup {
    try {
      const r = new Reader(abytes(bytes, undefined, 'state'));
      if (r.u8('version') !== STATE_VERSION) throw new GroupError('malformed', 'group state: unsupported version');
      const mls = r.fixed(r.u32('mls'), 'mls');
      const decoded = decodeGroupState(mls, 0);
      if (!decoded) throw new GroupError('malformed', 'group state: MLS state does not parse');
      const chain = SenderChain.fromJSON(JSON.parse(new TextDecoder().decode(r.fixed(r.u32('chain'), 'chain'))) as SenderChainState);
      const state: ClientState = { ...decoded[0], clientConfig: MlsGroup.config(opts) };
      const g = new MlsGroup(state, me, chain.conversationId, chain, opts);
      r.u64('seenEpoch'); // unused since unauthenticated epochs stopped blocking sends (§12.7)
      const fork = r.u64('fork');
      if (fork) g.forkedAt = fork - 1;
      for (let i = r.u32('tags'); i > 0; i--) g.tags.set(r.u64('epoch'), r.fixed(16, 'tag').slice());
      for (let i = r.u32('commits'); i > 0; i--) g.commits.set(r.u64('epoch'), r.fixed(32, 'hash').slice());
      r.end('group state');
      g.followOwnLeaf();
      return g;
    } catch (e) {
      throw wrap(e, 'malformed', 'group state');
    }
  }
}

/** §12.5 with devices (D14.4) on the tree `state` before the Commit. */
function refusalOf(state: ClientState, committer: string, proposals: readonly ProposalWithSender[], sync: ReadonlyMap<string, DeviceSyncView>): string | null {
  // D17.5: an Update proposal's leaf replaces its sender's credential only by the version 2 upgrade.
  for (const { proposal, senderLeafIndex } of proposals) {
    if (proposal.proposalType !== 'update') continue;
    const before = senderLeafIndex === undefined ? undefined : leafAt(state, senderLeafIndex);
    const why = before ? credentialChangeRefusal(before, proposal.update.leafNode) : 'an Update without a sender leaf';
    if (why) return why;
  }
  return commitRefusal({
    roles: rolesFromExtensions(state.groupContext.extensions), committer, proposals, sync,
    ownerAt: (leaf) => { const l = leafAt(state, leaf); return l ? ownerOf(l.credential) : undefined; },
    addedOwner: (p) => ownerOf(p.add.keyPackage.leafNode.credential),
    leavesBefore: leavesByAccount(state),
  });
}
