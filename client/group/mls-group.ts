// One member's view of one MLS group (RFC 9420) with franking (docs/PROTOCOL.md §12).
//
// Membership is whatever the Commits this client processed say — never what a server lists. Every Commit
// is checked against the roles in the group context (§12.5) before it is applied, every leaf credential
// against the account's identity key (§12.2). A message is franked ONCE and encrypted ONCE for the whole
// group: its commitment c travels in the MLS authenticated_data (§12.4), its header (version 2) binds the
// conversation (= MLS group id), the sender and the epoch (§12.3).
//
// The pieces: group-types.ts (what the application gets), group-tree.ts (the tree as people; the rules a Commit must
// pass), group-receive.ts (opening messages, applying Commits), group-commit.ts (building Commits),
// credential-upgrade.ts (D17.5), group-state.ts (persistence). This class keeps one member's state between them.
import { equalBytes, toBase64Url } from '../crypto/_bytes.ts';
import { sha256 } from '@noble/hashes/sha2.js';
import { SenderChain, type SenderChainState } from '../franking/chain.ts';
import type { FrankOptions, FrankInput } from '../franking/franking.ts';
import { groupCiphersuite } from './_mls-crypto.ts';
import { encodeGroupAd, epochTag } from './authenticated-data.ts';
import { ownChainDevice, upgradeDue } from './credential-upgrade.ts';
import type { DeviceSyncEntry } from './device-members.ts';
import { GroupError } from './group-errors.ts';
import { type BuiltCommit, buildCommit, checkedPackages, pinnedList, staleDevices, syncEntry } from './group-commit.ts';
import { checkGroup, openApplicationMessage, processLeaveRequest, processMemberCommit, signedByMemberOf } from './group-receive.ts';
import { decodePersistedGroup, encodePersistedGroup } from './group-state.ts';
import { credentialAccountId, describeChange, groupConfig, membersOf, peopleOf, syncView, wrap } from './group-tree.ts';
import type { DeviceRef, GroupEvent, GroupMember, GroupMessageReceived, GroupOptions, GroupPerson, GroupSent, MembershipChange, PendingCommit } from './group-types.ts';
import { type GroupIdentity, decodeKeyPackageMessage, generateGroupKeyPackage } from './key-packages.ts';
import { type GroupRoles, rolesExtension, rolesFromExtensions } from './roles.ts';
import { decodeGroupWire, groupIdOf } from './wire.ts';
import {
  type ClientState,
  type KeyPackage,
  type PrivateKeyPackage,
  type PrivateMessage,
  type Proposal,
  type PublicMessage,
  createApplicationMessage,
  createGroup,
  createProposal,
  emptyPskIndex,
  encodeMlsMessage,
  joinGroup,
} from './_ts-mls.ts';

/** Epochs whose tags and commit hashes are remembered for fork and replay detection. */
const HISTORY = 32;

export class MlsGroup {
  private pending: BuiltCommit | undefined;
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

  /** This member's sender chain: its leaf's credential decides the header version (ownChainDevice, D14.2, D17.5). */
  private static chainFor(conversationId: string, me: GroupIdentity, state: ClientState): SenderChain {
    return new SenderChain(conversationId, me.accountId, ownChainDevice(state));
  }

  /** A new group with this client as its creator (epoch 0, one member). */
  static async create(conversationId: string, me: GroupIdentity, opts: GroupOptions): Promise<MlsGroup> {
    const cs = await groupCiphersuite();
    const kp = await generateGroupKeyPackage(me);
    const state = await createGroup(groupIdOf(conversationId), kp.publicPackage, kp.privatePackage, [rolesExtension({ creator: me.accountId, admins: [] })], cs, groupConfig(opts));
    const g = new MlsGroup(state, me, conversationId, MlsGroup.chainFor(conversationId, me, state), opts);
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
      state = await joinGroup(m.welcome, mine.publicPackage, mine.privatePackage, emptyPskIndex, cs, undefined, undefined, groupConfig(opts));
    } catch (e) {
      throw wrap(e, 'decrypt_failed', 'Welcome refused');
    }
    const conversationId = new TextDecoder().decode(state.groupContext.groupId);
    rolesFromExtensions(state.groupContext.extensions); // a group without valid roles is not one of ours
    const g = new MlsGroup(state, me, conversationId, MlsGroup.chainFor(conversationId, me, state), opts);
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
    const deviceId = ownChainDevice(this.state);
    if (deviceId !== undefined && this.chain.senderDeviceId === undefined) this.chain = SenderChain.fromJSON({ ...this.chain.toJSON(), senderDeviceId: deviceId });
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

  private async receivePrivate(pm: PrivateMessage): Promise<GroupMessageReceived> {
    return openApplicationMessage(this.state, pm, this.tags, this.conversationId, (next) => {
      this.state = next;
    });
  }

  private async receivePublic(pub: PublicMessage, bytes: Uint8Array): Promise<GroupEvent> {
    checkGroup(this.state, pub.content.groupId);
    const epoch = Number(pub.content.epoch);
    if (pub.content.contentType === 'commit') {
      const hash = sha256(bytes);
      if (epoch < this.epoch) {
        const applied = this.commits.get(epoch);
        if (applied && equalBytes(applied, hash)) return { kind: 'duplicate', epoch };
        if (applied) {
          // §12.7: a second, different Commit for an epoch we already left is a fork only when a member of that epoch
          // signed it (checked against that epoch's tree and group context). Anything else is junk: dropped, no change.
          if (!(await signedByMemberOf(this.state, epoch, pub)))
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
      const r = await processLeaveRequest(this.state, pub);
      this.state = r.state;
      return r.event;
    }
    throw new GroupError('malformed', 'application data must be a PrivateMessage');
  }

  private async applyCommit(pub: PublicMessage, hash: Uint8Array): Promise<MembershipChange> {
    const before = this.state;
    const { state, committer } = await processMemberCommit(before, pub, this.opts);
    this.state = state;
    this.commits.set(Number(before.groupContext.epoch), hash);
    this.remember();
    return describeChange(before, state, committer, this.me.accountId);
  }

  // ---- Commits by this client ----

  private async commit(proposals: Proposal[], welcomeFor: string[], sync: readonly DeviceSyncEntry[] = []): Promise<PendingCommit> {
    this.checkCanSend();
    this.pending = await buildCommit(this.state, this.me, this.opts, proposals, welcomeFor, sync);
    return this.pending.commit;
  }

  /**
   * Adds people: the owners of these key packages (MLSMessage bytes from the directory), every device of a person
   * that has a package in this one Commit (docs/PROTOCOL-devices.md D14.3). Creator and admins only.
   */
  async add(keyPackages: readonly Uint8Array[]): Promise<PendingCommit> {
    const kps = await checkedPackages(this.opts, keyPackages);
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

  /**
   * D14.4 for one account whose device list changed (rules R1 and R2, any member may): one Commit that removes every
   * leaf of `accountId` whose device is no longer in its verified list and adds the devices of these key packages
   * (each a listed device of `accountId` without a leaf). The Commit names the list version it relies on (DeviceSyncAd).
   * After a list change of its own account a device calls this in every group (D14.5: the new device is added by
   * one of its own devices, never by external join).
   */
  async syncDevices(accountId: string, keyPackages: readonly Uint8Array[] = []): Promise<PendingCommit> {
    const pinned = await pinnedList(this.opts, accountId);
    const listed = syncView(pinned).listed;
    const leaves = this.members().filter((m) => m.accountId === accountId);
    if (leaves.length === 0) throw new GroupError('bad_state', `${accountId} is not a member: add the person`);
    const kps = await checkedPackages(this.opts, keyPackages);
    for (const { owner } of kps) if (owner.accountId !== accountId) throw new GroupError('bad_credential', `a key package for ${accountId} names ${owner.accountId}`);
    const proposals: Proposal[] = [
      ...leaves.filter((m) => !listed.has(m.deviceId)).map((m): Proposal => ({ proposalType: 'remove', remove: { removed: m.leaf } })),
      ...kps.map(({ keyPackage }): Proposal => ({ proposalType: 'add', add: { keyPackage } })),
    ];
    if (proposals.length === 0) throw new GroupError('bad_state', `the leaves of ${accountId} match its verified list`);
    return this.commit(proposals, kps.length > 0 ? [accountId] : [], [await syncEntry(this.opts, accountId)]);
  }

  /**
   * D14.4 R1 "before sending": the leaves whose device is not in its account's verified list (a removed device), by
   * account. Accounts without a pinned list are not judged.
   */
  async staleLeaves(): Promise<DeviceRef[]> {
    return staleDevices(this.opts, this.people());
  }

  /** R1 for every account with stale leaves, in one Commit (or null when there is none); any member may. */
  async removeStaleDevices(): Promise<PendingCommit | null> {
    const stale = await this.staleLeaves();
    if (stale.length === 0) return null;
    const sync = [];
    for (const a of new Set(stale.map((s) => s.accountId))) sync.push(await syncEntry(this.opts, a));
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
    await pinnedList(this.opts, this.me.accountId); // the Commit names this account's verified list (bad_state without one)
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
    return describeChange(before, state, this.me.accountId, this.me.accountId);
  }

  /** The relay refused the pending Commit (another one won the epoch): forget it; process the winner, then retry. */
  discardCommit(): void {
    this.pending = undefined;
  }

  // ---- Persistence ----

  /** Serialized group state (secret: keep it where the identity key is kept). */
  serialize(): Uint8Array {
    return encodePersistedGroup({ state: this.state, chain: this.chain, forkedAt: this.forkedAt, tags: this.tags, commits: this.commits });
  }

  static deserialize(bytes: Uint8Array, me: GroupIdentity, opts: GroupOptions): MlsGroup {
    try {
      const p = decodePersistedGroup(bytes, groupConfig(opts));
      const g = new MlsGroup(p.state, me, p.chain.conversationId, p.chain, opts);
      g.forkedAt = p.forkedAt;
      for (const [e, t] of p.tags) g.tags.set(e, t);
      for (const [e, h] of p.commits) g.commits.set(e, h);
      g.followOwnLeaf();
      return g;
    } catch (e) {
      throw wrap(e, 'malformed', 'group state');
    }
  }
}
