// The ratchet tree read as the group's people (docs/PROTOCOL.md §12, docs/PROTOCOL-devices.md D14): each leaf's
// decoded credential, the members and people it makes, what a Commit changed, the rules a Commit must pass before it
// is applied (§12.5 with devices, D14.4; credential changes, D17.5), and the AuthenticationService every leaf goes
// through (§12.2, D14.1).
import type { PinnedDeviceList } from '../devices/verify-list.ts';
import { type LeafCredential, decodeLeafCredential, identityAuthenticationService } from './credential.ts';
import { credentialChangeRefusal } from './credential-upgrade.ts';
import { deviceAuthenticationService, listedDevices } from './device-members.ts';
import { GroupError } from './group-errors.ts';
import type { DeviceRef, GroupMember, GroupOptions, GroupPerson, MembershipChange } from './group-types.ts';
import { type DeviceSyncView, type LeafOwner, commitRefusal, roleOf, rolesFromExtensions } from './roles.ts';
import { type AuthenticationService, type ClientConfig, type ClientState, type LeafNode, type ProposalWithSender, clientConfig } from './_ts-mls.ts';

/** The AuthenticationService of a group: every leaf against its account's device list (D14.1), or §12.2 alone. */
export function groupAuthService(opts: GroupOptions): AuthenticationService {
  return opts.resolveDeviceList ? deviceAuthenticationService(opts.resolveDeviceList, opts.resolveIdentity) : identityAuthenticationService(opts.resolveIdentity);
}

export function groupConfig(opts: GroupOptions): ClientConfig {
  return clientConfig(groupAuthService(opts));
}

/** A ts-mls failure as a GroupError: `code`, or `bad_credential` for an AuthenticationService refusal. */
export const wrap = (e: unknown, code: 'decrypt_failed' | 'malformed', what: string): GroupError => {
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
export function memberCredential(credential: LeafNode['credential']): LeafCredential {
  let c = decodedCredentials.get(credential);
  if (c === undefined) decodedCredentials.set(credential, (c = decodeLeafCredential(credential))); // checks the credential type (§12.2)
  return c;
}
export const credentialAccountId = (credential: LeafNode['credential']): string => memberCredential(credential).accountId;
export const ownerOf = (credential: LeafNode['credential']): LeafOwner => {
  const c = memberCredential(credential);
  return { accountId: c.accountId, deviceId: c.deviceId };
};

export function leafAt(state: { ratchetTree: ClientState['ratchetTree'] }, leaf: number): LeafNode | undefined {
  const n = state.ratchetTree[leaf * 2];
  return n?.nodeType === 'leaf' ? n.leaf : undefined;
}

export function membersOf(state: ClientState): GroupMember[] {
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
export function leavesByAccount(state: ClientState): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const m of membersOf(state)) out.set(m.accountId, [...(out.get(m.accountId) ?? []), m.deviceId]);
  return out;
}

export function peopleOf(members: readonly GroupMember[]): GroupPerson[] {
  const out = new Map<string, GroupPerson>();
  for (const m of members) {
    const p = out.get(m.accountId) ?? { accountId: m.accountId, role: m.role, devices: [] };
    p.devices.push({ deviceId: m.deviceId, leaf: m.leaf, credentialVersion: m.credentialVersion });
    out.set(m.accountId, p);
  }
  for (const p of out.values()) p.devices.sort((a, b) => a.deviceId - b.deviceId);
  return [...out.values()];
}

export function syncView(pinned: PinnedDeviceList): DeviceSyncView {
  return { listed: new Set(listedDevices(pinned).map((e) => e.deviceId)), sinceReset: new Set(pinned.deviceIdsSinceReset) };
}

/** What a Commit changed, from the trees before and after it; `me` is this client's account. */
export function describeChange(before: ClientState, after: ClientState, by: string, me: string): MembershipChange {
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
    removed: selfRemoved ? [me] : [...a.keys()].filter((id) => !b.has(id)),
    roles: [...b].filter(([id, role]) => a.has(id) && a.get(id) !== role).map(([accountId, role]) => ({ accountId, role })),
    devicesAdded: ma.filter((m) => !ka.has(key(m))).map(({ accountId, deviceId }) => ({ accountId, deviceId })),
    devicesRemoved: selfRemoved ? [] : mb.filter((m) => !kb.has(key(m))).map(({ accountId, deviceId }) => ({ accountId, deviceId })),
    selfRemoved,
  };
}

/** §12.5 with devices (D14.4) on the tree `state` before the Commit. */
export function refusalOf(state: ClientState, committer: string, proposals: readonly ProposalWithSender[], sync: ReadonlyMap<string, DeviceSyncView>): string | null {
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

