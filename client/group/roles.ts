// Group roles and who may change membership (docs/PROTOCOL.md §12.5). The roles live in the MLS group
// context as a private-use extension, so they are part of every member's authenticated group state, change
// only by a Commit, and are checked by every client on every Commit — the server is never asked.
import { Reader, Writer } from '../crypto/_bytes.ts';
import { isValidId } from '../franking/ids.ts';
import { GroupError } from './group-errors.ts';
import type { Extension, ProposalWithSender } from './_ts-mls.ts';

/** RFC 9420 §17.3: 0xF000–0xFFFF are for private use. */
export const ROLES_EXTENSION_TYPE = 0xf0a1;
export const ROLES_VERSION = 1;

export interface GroupRoles {
  creator: string;
  /** Sorted, unique, never containing the creator. */
  admins: string[];
}

export type MemberRole = 'creator' | 'admin' | 'member';

/** §12.5: u8 version (1) ‖ u8 len ‖ creator ‖ u8 count ‖ count × (u8 len ‖ adminId), admins sorted ascending. */
export function encodeRoles(r: GroupRoles): Uint8Array {
  const admins = normalizeAdmins(r);
  const w = new Writer(3 + r.creator.length + admins.reduce((n, a) => n + 1 + a.length, 0)).u8(ROLES_VERSION).ascii8(r.creator).u8(admins.length);
  for (const a of admins) w.ascii8(a);
  return w.finish();
}

function normalizeAdmins(r: GroupRoles): string[] {
  if (!isValidId(r.creator)) throw new GroupError('malformed', 'roles.creator: invalid id');
  const admins = [...new Set(r.admins)].filter((a) => a !== r.creator).sort();
  for (const a of admins) if (!isValidId(a)) throw new GroupError('malformed', 'roles.admins: invalid id');
  if (admins.length > 255) throw new GroupError('malformed', 'roles.admins: at most 255');
  return admins;
}

export function decodeRoles(bytes: Uint8Array): GroupRoles {
  try {
    const r = new Reader(bytes);
    if (r.u8('version') !== ROLES_VERSION) throw new GroupError('malformed', 'roles: unsupported version');
    const creator = r.ascii8('creator');
    const n = r.u8('count');
    const admins: string[] = [];
    for (let i = 0; i < n; i++) admins.push(r.ascii8(`admins[${i}]`));
    r.end('roles');
    const roles = { creator, admins };
    // One encoding per value: reject unsorted, duplicate or creator-containing lists.
    const canonical = encodeRoles(roles);
    if (canonical.length !== bytes.length || canonical.some((b, i) => b !== bytes[i])) throw new GroupError('malformed', 'roles: not canonical');
    return roles;
  } catch (e) {
    if (GroupError.is(e)) throw e;
    throw new GroupError('malformed', `roles: ${(e as Error).message}`);
  }
}

export const rolesExtension = (r: GroupRoles): Extension => ({ extensionType: ROLES_EXTENSION_TYPE, extensionData: encodeRoles(r) });

export function rolesFromExtensions(extensions: readonly Extension[]): GroupRoles {
  const found = extensions.filter((e) => e.extensionType === ROLES_EXTENSION_TYPE);
  if (found.length !== 1) throw new GroupError('malformed', 'group context: expected exactly one roles extension');
  return decodeRoles((found[0] as Extension).extensionData);
}

/** A member's role; admins that are no longer members have none. */
export function roleOf(roles: GroupRoles, accountId: string): MemberRole {
  if (accountId === roles.creator) return 'creator';
  return roles.admins.includes(accountId) ? 'admin' : 'member';
}

const isAdmin = (roles: GroupRoles, id: string) => roleOf(roles, id) !== 'member';

/** The person and device of a leaf (a version 1 credential is device 1, docs/PROTOCOL-devices.md D14.1). */
export interface LeafOwner {
  accountId: string;
  deviceId: number;
}

/** What a receiver verified for an account a Commit's DeviceSyncAd names (D14.4): its list at (at least) that version. */
export interface DeviceSyncView {
  /** device ids of the verified list */
  listed: ReadonlySet<number>;
  /** device ids listed since the account's newest genesis or reset (D5.3; rule R2) */
  sinceReset: ReadonlySet<number>;
}

export interface CommitCheck {
  roles: GroupRoles;
  /** the committer's account: roles belong to the person, any leaf of an admin's account acts as admin (D14.4) */
  committer: string;
  proposals: readonly ProposalWithSender[];
  /** the owner of a leaf of the tree before the Commit */
  ownerAt: (leaf: number) => LeafOwner | undefined;
  /** the owner an added key package names */
  addedOwner: (p: Extract<ProposalWithSender['proposal'], { proposalType: 'add' }>) => LeafOwner;
  /** every leaf before the Commit, by account: its device ids */
  leavesBefore: ReadonlyMap<string, readonly number[]>;
  /** accounts named in the Commit's DeviceSyncAd, with their verified lists (empty: the Commit names none) */
  sync: ReadonlyMap<string, DeviceSyncView>;
}

/**
 * §12.5 with devices (docs/PROTOCOL-devices.md D14.4): decides whether `committer` may commit `proposals`. Returns
 * null if allowed, else the reason. Membership is counted in people (accounts), roles are account ids:
 * - add of a person (an account without a leaf before): creator or admin; an add of a device of an account that has a
 *   leaf (R2, device sync): any member, if the Commit names the account's list (DeviceSyncAd) and the account has a
 *   leaf whose device is listed since its newest genesis or reset; a device never gets a second leaf;
 * - remove: a leaf whose device is not in the account's list the Commit names (R1, stale leaf): any member; otherwise
 *   all leaves of the account at once — proposed by a leaf of that same account (leaving), any member commits them;
 *   else creator or admin; nobody removes the creator, and nobody removes an admin: the creator demotes the admin in a
 *   Commit of its own first (a Remove and a roles change in one Commit carry an UpdatePath that ts-mls 1.6.4 encrypts
 *   under the old group context and receivers decrypt under the new one, so no receiver could process it);
 * - roles (group_context_extensions): creator only, the creator unchanged, every admin a member after the Commit;
 * - update (and commits without proposals): anyone; psk, reinit, external_init and custom proposals: never.
 */
export function commitRefusal(c: CommitCheck): string | null {
  const { roles, committer } = c;
  const adds = new Map<string, number[]>();
  const removes = new Map<string, Array<{ deviceId: number; leaving: boolean }>>();
  let newRoles: GroupRoles | undefined;
  for (const { proposal, senderLeafIndex } of c.proposals) {
    switch (proposal.proposalType) {
      case 'add': {
        let owner: LeafOwner;
        try {
          owner = c.addedOwner(proposal);
        } catch (e) {
          return (e as Error).message;
        }
        adds.set(owner.accountId, [...(adds.get(owner.accountId) ?? []), owner.deviceId]);
        break;
      }
      case 'remove': {
        const target = c.ownerAt(proposal.remove.removed);
        if (target === undefined) return 'remove of an empty leaf';
        const proposer = senderLeafIndex === undefined ? undefined : c.ownerAt(senderLeafIndex);
        removes.set(target.accountId, [...(removes.get(target.accountId) ?? []), { deviceId: target.deviceId, leaving: proposer?.accountId === target.accountId }]);
        break;
      }
      case 'group_context_extensions': {
        if (committer !== roles.creator) return 'only the creator changes roles';
        try {
          newRoles = rolesFromExtensions(proposal.groupContextExtensions.extensions);
        } catch (e) {
          return (e as Error).message;
        }
        if (newRoles.creator !== roles.creator) return 'the creator cannot change';
        break;
      }
      case 'update':
        break;
      default:
        return `proposal type ${String(proposal.proposalType)} is not used in these groups`;
    }
  }
  for (const [account, removed] of removes) {
    const before = c.leavesBefore.get(account) ?? [];
    const view = c.sync.get(account);
    const all = before.every((d) => removed.some((r) => r.deviceId === d));
    if (all && account === roles.creator) return 'the creator cannot be removed';
    // R1: every removed leaf is a device the account's verified list (named by the Commit) no longer has.
    if (view && removed.every((r) => !view.listed.has(r.deviceId))) continue;
    if (!all) return `a Remove of some of ${account}'s devices is allowed only for devices no longer in its verified list (R1)`;
    if (removed.every((r) => r.leaving)) continue;
    if (!isAdmin(roles, committer)) return `${committer} may not remove members (creator and admins only)`;
    if (roleOf(roles, account) === 'admin') return 'an admin is demoted by the creator before being removed';
  }
  for (const [account, devices] of adds) {
    if (new Set(devices).size !== devices.length) return `two leaves for one device of ${account}`;
    const before = (c.leavesBefore.get(account) ?? []).filter((d) => !(removes.get(account) ?? []).some((r) => r.deviceId === d));
    if (devices.some((d) => before.includes(d))) return `a device of ${account} already has a leaf`;
    if (before.length === 0) {
      if (!isAdmin(roles, committer)) return `${committer} may not add members (creator and admins only)`;
      continue;
    }
    // R2, device sync: the account is a member; the Commit names its list, and it has a leaf of its current founder epoch.
    const view = c.sync.get(account);
    if (!view) return `adding a device of ${account}, a member, needs its list version in the commit (R2)`;
    if (!before.some((d) => view.sinceReset.has(d))) return `${account} was reset: only a creator's or admin's Add of the person brings it back (R2)`;
    if (devices.some((d) => !view.listed.has(d))) return `a device of ${account} that is not in its verified list`;
  }
  if (newRoles) {
    const after = new Set(c.leavesBefore.keys());
    for (const [account, removed] of removes) if ((c.leavesBefore.get(account) ?? []).every((d) => removed.some((r) => r.deviceId === d))) after.delete(account);
    for (const account of adds.keys()) after.add(account);
    if (newRoles.admins.some((a) => !after.has(a))) return 'an admin must be a member';
  }
  return null;
}
