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

/**
 * §12.5: decides whether the member `committer` may commit `proposals` in a group whose current roles are
 * `roles`. `accountAt(leaf)` names the member at a leaf of the current tree. Returns null if allowed, else
 * the reason. The rules:
 * - add: creator or admin;
 * - remove: a member's own Remove proposal (leaving) may be committed by anyone; otherwise creator or admin,
 *   only the creator removes an admin, and nobody removes the creator;
 * - roles (group_context_extensions): creator only, the creator unchanged, every admin a member;
 * - update (and commits without proposals): anyone; psk, reinit, external_init and custom proposals: never.
 */
export function commitRefusal(
  roles: GroupRoles,
  committer: string,
  proposals: readonly ProposalWithSender[],
  accountAt: (leaf: number) => string | undefined,
  membersAfter: () => readonly string[],
): string | null {
  for (const { proposal, senderLeafIndex } of proposals) {
    switch (proposal.proposalType) {
      case 'add':
        if (!isAdmin(roles, committer)) return `${committer} may not add members (creator and admins only)`;
        break;
      case 'remove': {
        const target = accountAt(proposal.remove.removed);
        if (target === undefined) return 'remove of an empty leaf';
        if (target === roles.creator) return 'the creator cannot be removed';
        const leaving = senderLeafIndex !== undefined && senderLeafIndex === proposal.remove.removed;
        if (leaving) break;
        if (!isAdmin(roles, committer)) return `${committer} may not remove members (creator and admins only)`;
        if (roleOf(roles, target) === 'admin' && committer !== roles.creator) return 'only the creator removes an admin';
        break;
      }
      case 'group_context_extensions': {
        if (committer !== roles.creator) return 'only the creator changes roles';
        let next: GroupRoles;
        try {
          next = rolesFromExtensions(proposal.groupContextExtensions.extensions);
        } catch (e) {
          return (e as Error).message;
        }
        if (next.creator !== roles.creator) return 'the creator cannot change';
        const members = new Set(membersAfter());
        if (next.admins.some((a) => !members.has(a))) return 'an admin must be a member';
        break;
      }
      case 'update':
        break;
      default:
        return `proposal type ${String(proposal.proposalType)} is not used in these groups`;
    }
  }
  return null;
}
