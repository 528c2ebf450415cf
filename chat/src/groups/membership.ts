// Who is in a group: every change is an MLS Commit (docs/PROTOCOL.md §12.5), sent to the relay first and applied
// only once it accepted it for its epoch; new members' key packages are verified against the key log first. The
// group's name travels as a franked group-info message (§12.11), sent through the sender like any message.
import { ApiError, type KeyPackageClaim, MlsGroup, type PendingCommit, verifyClaimedDevicePackages } from '@franking-chat/sdk';
import { equalBytes } from '@franking-chat/sdk/protocol';
import { DeviceLists } from '../engine/device-lists.ts';
import { ChatError, type GroupAction } from '../engine/errors.ts';
import { GROUP_NAME_MAX, HANDLE_PATTERN } from '../engine/limits.ts';
import type { Sender } from '../engine/sender.ts';
import type { GroupRecord } from '../storage.ts';
import { GROUP_YOU_LEFT, groupCreated } from '../wording.ts';
import type { GroupCollaborators } from './collaborators.ts';
import { systemNote } from './group-info.ts';
import type { GroupKeys } from './group-keys.ts';
import type { GroupStates } from './group-state.ts';

/** The device upkeep of groups runs at most this often (it may claim key packages). */
const DEVICE_SYNC_INTERVAL_MS = 20_000;
/** After linking a device, the groups are synced this often until it joined them all, for at most FOLLOW_MAX_MS. */
const FOLLOW_STEP_MS = 2_000;
const FOLLOW_MAX_MS = 120_000;

export class Membership {
  private lastDeviceSync = 0;

  constructor(
    private readonly c: Pick<GroupCollaborators, 'api' | 'device' | 'groups' | 'keys' | 'lists'>,
    private readonly keys: GroupKeys,
    private readonly states: GroupStates,
    private readonly sender: Sender,
    /** Catches up with the group inbox (after a Commit lost the race for its epoch). */
    private readonly syncNow: () => Promise<void>,
  ) {}

  private parseHandles(raw: string): string[] {
    const handles = [...new Set(raw.split(/[\s,;]+/).map((h) => h.trim().replace(/^@/, '')).filter(Boolean))];
    for (const h of handles) if (!HANDLE_PATTERN.test(h)) throw new ChatError('not_a_handle', { handle: h });
    return handles.filter((h) => h !== this.c.device.me());
  }

  private static checkName(title: string): void {
    if (!title) throw new ChatError('group_name_missing');
    if (title.length > GROUP_NAME_MAX) throw new ChatError('group_name_too_long');
  }

  /** Creates an MLS group: this user alone, then one Commit adding the members; its name travels franked. */
  async createGroup(name: string, membersRaw: string): Promise<GroupRecord> {
    const title = name.trim();
    Membership.checkName(title);
    const members = this.parseHandles(membersRaw);
    if (members.length === 0) throw new ChatError('group_members_missing');
    const g = await this.create(title, members);
    await this.sendGroupInfo(g.conversationId);
    return this.c.groups.get(g.conversationId) ?? g;
  }

  /** The group's name travels end-to-end encrypted and franked, like any message (new members learn it too). */
  private async sendGroupInfo(conversationId: string): Promise<void> {
    const g = this.c.groups.get(conversationId);
    if (!g || g.members.length < 2) return;
    await this.sender.sendGroupInfo(conversationId, { name: g.name });
  }

  /**
   * Renames the group (creator and admins): a franked, end-to-end encrypted group-info message like the first name,
   * marked as a rename; every member's client applies it only from a creator or admin (docs/PROTOCOL.md §12.11).
   */
  async renameGroup(conversationId: string, name: string): Promise<void> {
    const title = name.trim();
    const g = this.c.groups.get(conversationId);
    if (!g?.active) throw new ChatError('no_longer_member');
    Membership.checkName(title);
    if (title === g.name) return;
    const role = g.members.find((m) => m.accountId === this.c.device.me())?.role;
    if (role !== 'creator' && role !== 'admin') throw new ChatError('rename_not_allowed');
    await this.sender.sendGroupInfo(conversationId, { name: title, rename: true });
    const now = this.c.groups.get(conversationId);
    if (now) await this.c.groups.save({ ...now, name: title });
  }

  /** Adds members by MLS Commit (creator and admins; every member's client checks it). */
  async addMembers(conversationId: string, membersRaw: string): Promise<void> {
    const members = this.parseHandles(membersRaw);
    if (members.length === 0) throw new ChatError('members_to_add_missing');
    await this.add(conversationId, members);
    await this.sendGroupInfo(conversationId);
  }

  /** Sends a Commit; applies it only when the relay accepted it first for its epoch. On stale_epoch: catch up, let the user retry. */
  async commit(conversationId: string, g: MlsGroup, pending: PendingCommit, action: GroupAction): Promise<void> {
    try {
      await this.c.api.sendGroupMessage(conversationId, pending.commit, pending.welcome);
    } catch (e) {
      g.discardCommit();
      if (ApiError.is(e, 'stale_epoch')) {
        await this.syncNow().catch(() => undefined);
        throw new ChatError('group_changed', { action });
      }
      throw this.states.error(e, action);
    }
    const change = g.confirmCommit();
    await this.states.save(this.states.recordOf(conversationId, g), this.states.describe(conversationId, change));
  }

  /**
   * docs/PROTOCOL-devices.md D14.3: a person with a device list is added with every device that has a key package,
   * each checked against the person's verified list (its key-log proof covers every credential key in it).
   */
  private async claimDevices(id: string, action: GroupAction): Promise<Uint8Array[] | null> {
    let list;
    try {
      list = await this.c.lists.current(id);
    } catch (e) {
      if (ChatError.is(e, 'contact_not_found')) throw new ChatError('member_not_registered', { action, handle: id });
      if (ChatError.is(e)) throw new ChatError('member_key_refused', { action, cause: e });
      throw this.states.error(e, action);
    }
    if (!list) return null;
    const claimed = await this.claimRetrying(id, action, () => this.c.api.claimDeviceKeyPackages(id));
    let pinned = await this.c.lists.pinned(id);
    if (pinned && pinned.listVersion < claimed.listVersion) pinned = (await this.c.lists.refresh(id).catch(() => null)) ?? pinned;
    try {
      if (!pinned) throw new Error(`no verified device list of ${id}`);
      const proven = await verifyClaimedDevicePackages(id, pinned, claimed.listVersion, claimed.keyPackages);
      // Every device with a package, in one Commit (D14.3); the relay routes per device leaf (D14.2).
      return proven.sort((a, b) => a.deviceId - b.deviceId).map((k) => k.keyPackage);
    } catch {
      // Not packages of the verified list. D17.5: a migrated account's version 1 package is its device 1's — usable
      // only with its credential key proven in the key log (docs/TRANSPARENCY.md §6.4), which the single-device
      // claim checks and, when it is not, says why in plain words.
      return null;
    }
  }

  /** A key-package claim; a user who just registered may still be publishing its packages: a few short retries. */
  private async claimRetrying<T>(id: string, action: GroupAction, claim: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await claim();
      } catch (e) {
        if (ApiError.is(e, 'not_found') && attempt < 4) {
          await new Promise((r) => setTimeout(r, 750));
          continue;
        }
        if (ApiError.is(e, 'not_found')) throw new ChatError('member_not_registered', { action, handle: id });
        throw this.states.error(e, action);
      }
    }
  }

  /** Claims one key package per member, each verified against the key log before any Commit is built. */
  private async claim(ids: string[], action: GroupAction): Promise<Uint8Array[]> {
    const out = [];
    for (const id of ids) {
      if (this.c.device.deviceId !== undefined) {
        const devices = await this.claimDevices(id, action);
        if (devices) {
          out.push(...devices);
          continue;
        }
      }
      const claimed: KeyPackageClaim = await this.claimRetrying(id, action, () => this.c.api.claimKeyPackage(id));
      // Refused keys never reach MlsGroup.add: nothing is committed, nobody is added. Both keys must be proven:
      // the group key, and (for someone who is not a contact) the identity key that signed its credential.
      try {
        await this.c.keys.verifyKeyPackage(id, claimed);
        if (id !== this.c.device.me() && !this.keys.contactSigningKey(id)) await this.keys.directoryIdentity(id);
      } catch (e) {
        if (ChatError.is(e)) throw new ChatError('member_key_refused', { action, cause: e });
        throw new ChatError('member_key_refused', { action, detail: ApiError.is(e) ? e.detail : e instanceof Error ? e.message : String(e) });
      }
      out.push(claimed.keyPackage);
    }
    return out;
  }

  private async create(name: string, members: string[]): Promise<GroupRecord> {
    let conversationId: string;
    try {
      conversationId = (await this.c.api.createConversation({ kind: 'group' })).id;
    } catch (e) {
      throw this.states.error(e, 'create');
    }
    return this.c.device.locked(async () => {
      const g = await MlsGroup.create(conversationId, await this.keys.me(), this.keys.opts);
      await this.states.save(this.states.recordOf(conversationId, g, { name, addedAt: Date.now() }), [systemNote(conversationId, groupCreated(name))]);
      const kps = await this.claim(members, 'add');
      await this.commit(conversationId, g, await g.add(kps).catch((e: unknown) => Promise.reject(this.states.error(e, 'add'))), 'add');
      return this.c.groups.get(conversationId) as GroupRecord;
    });
  }

  private async add(conversationId: string, members: string[]): Promise<void> {
    await this.c.device.locked(async () => {
      const g = await this.states.mustLoad(conversationId);
      const kps = await this.claim(members, 'add');
      await this.commit(conversationId, g, await g.add(kps).catch((e: unknown) => Promise.reject(this.states.error(e, 'add'))), 'add');
    });
  }

  /** Removes a member by Commit (creator/admins), or leaves the group when `accountId` is this user. */
  async remove(conversationId: string, accountId: string): Promise<void> {
    await this.c.device.locked(async () => {
      const g = await this.states.mustLoad(conversationId);
      if (accountId === this.c.device.me()) {
        if (g.roles.creator === accountId) throw new ChatError('creator_cannot_leave');
        // Leaving: a Remove proposal of our own leaf; another member commits it. We stop at once.
        try {
          await this.c.api.sendGroupMessage(conversationId, await g.proposeLeave());
        } catch (e) {
          throw this.states.error(e, 'leave');
        }
        const rec = this.c.groups.get(conversationId) as GroupRecord;
        await this.states.save({ ...rec, active: false, left: true, mls: g.serialize() }, [systemNote(conversationId, GROUP_YOU_LEFT)]);
        return;
      }
      // An admin is demoted in a Commit of its own before the Remove (docs/PROTOCOL.md §12.5).
      if (g.roles.admins.includes(accountId))
        await this.commit(conversationId, g, await g.setRole(accountId, 'member').catch((e: unknown) => Promise.reject(this.states.error(e, 'remove'))), 'remove');
      await this.commit(conversationId, g, await g.remove([accountId]).catch((e: unknown) => Promise.reject(this.states.error(e, 'remove'))), 'remove');
    });
  }

  async setAdmin(conversationId: string, accountId: string, admin: boolean): Promise<void> {
    await this.c.device.locked(async () => {
      const g = await this.states.mustLoad(conversationId);
      await this.commit(conversationId, g, await g.setRole(accountId, admin ? 'admin' : 'member').catch((e: unknown) => Promise.reject(this.states.error(e, 'admins'))), 'admins');
    });
  }

  /**
   * docs/PROTOCOL-devices.md D14.4–D14.5 upkeep, at most every DEVICE_SYNC_INTERVAL_MS: in every active group, leaves
   * of devices their account's verified list no longer holds are removed (R1: any member may, and sending waits for
   * it), and this account's listed devices without a leaf are added by this device (R2; a new device never joins by
   * itself) once they published a key package. A Commit that loses the race for its epoch is simply tried next time.
   * `now`: right after this account's own list changed (a removal, a verified new version), whatever the interval.
   */
  async syncDevices(opts: { now?: boolean } = {}): Promise<void> {
    const { device, groups } = this.c;
    const own = device.hasAccount ? device.ownList() : undefined;
    if (!own || device.deviceId === undefined) return;
    if (!opts.now && Date.now() - this.lastDeviceSync < DEVICE_SYNC_INTERVAL_MS) return;
    this.lastDeviceSync = Date.now();
    const me = device.me();
    const listed = DeviceLists.verified(own).signed.list.devices.map((e) => e.deviceId);
    for (const rec of groups.list()) {
      if (!rec.active || rec.forkedAt !== undefined) continue;
      await device.locked(async () => {
        const g = await this.states.load(rec.conversationId);
        if (!g?.active || g.fork !== undefined || g.hasPendingCommit) return;
        const stale = await g.removeStaleDevices();
        if (stale) return this.commit(rec.conversationId, g, stale, 'remove');
        const mine = g.people().find((p) => p.accountId === me);
        const missing = mine ? listed.filter((id) => !mine.devices.some((d) => d.deviceId === id)) : [];
        if (missing.length === 0) return;
        const claimed = await this.c.api.claimDeviceKeyPackages(me);
        const items = claimed.keyPackages.filter((k) => missing.includes(k.deviceId));
        if (items.length === 0) return;
        const kps = await verifyClaimedDevicePackages(me, own, claimed.listVersion, items);
        return this.commit(rec.conversationId, g, await g.syncDevices(me, kps.map((k) => k.keyPackage)), 'add');
      }).catch(() => undefined);
    }
  }

  /**
   * D14.4 R2 right after this device linked `deviceId` (D6.1): the new device can join only once it signed in and
   * published its key packages, which this device cannot observe; so the groups are synced again every
   * FOLLOW_STEP_MS for up to FOLLOW_MAX_MS, until every active group holds a leaf of that device (the periodic sync
   * would take up to DEVICE_SYNC_INTERVAL_MS more). `stopped` ends it early (signed out, device gone).
   */
  followNewDevice(deviceId: number, stopped: () => boolean): void {
    const started = Date.now();
    const step = async (): Promise<void> => {
      if (stopped() || Date.now() - started > FOLLOW_MAX_MS) return;
      await this.syncDevices({ now: true }).catch(() => undefined);
      if (!(await this.joinedEverywhere(deviceId))) setTimeout(() => void step(), FOLLOW_STEP_MS);
    };
    setTimeout(() => void step(), FOLLOW_STEP_MS);
  }

  /** Whether each active, unforked group holds a leaf of this account's device `deviceId`. */
  private async joinedEverywhere(deviceId: number): Promise<boolean> {
    const me = this.c.device.me();
    for (const rec of this.c.groups.list()) {
      if (!rec.active || rec.forkedAt !== undefined) continue;
      const g = await this.states.load(rec.conversationId);
      if (!g?.active || g.fork !== undefined) continue;
      if (!g.people().find((p) => p.accountId === me)?.devices.some((d) => d.deviceId === deviceId)) return false;
    }
    return true;
  }

  /** Whether the member's group key is bound to the identity key this user compares safety numbers with (null: not a contact). */
  async keyMatchesContact(conversationId: string, accountId: string): Promise<boolean | null> {
    const inGroup = (await this.states.load(conversationId))?.members().find((m) => m.accountId === accountId)?.identitySigningKey;
    const pinned = this.keys.contactSigningKey(accountId);
    if (!inGroup || !pinned) return null;
    return equalBytes(inGroup, pinned);
  }
}
