// Members with real identities, key packages and a tiny in-memory "relay" that orders commits per epoch
// (first commit for an epoch wins, as server/services/relay/groups.ts does). Tests drive it, and can play
// a malicious relay by delivering whatever they like to whomever they like.
import { generateIdentity } from '../../client/session/identity.ts';
import {
  type GeneratedKeyPackage,
  type GroupIdentity,
  MlsGroup,
  type PendingCommit,
  generateCredentialKey,
  generateGroupKeyPackage,
} from '../../client/group/index.ts';

export interface Member {
  me: GroupIdentity;
  kps: Map<string, GeneratedKeyPackage>;
  group?: MlsGroup;
}

/** The key directory as every honest client sees it: accountId → identity signing key. */
export const directory = new Map<string, Uint8Array>();
export const opts = { resolveIdentity: (id: string) => directory.get(id) };

export function makeMember(accountId: string, publish = true): Member {
  const identity = generateIdentity();
  if (publish) directory.set(accountId, identity.signingPublicKey);
  return { me: { accountId, identity, credentialKey: generateCredentialKey() }, kps: new Map() };
}

export async function keyPackage(m: Member): Promise<Uint8Array> {
  const kp = await generateGroupKeyPackage(m.me);
  m.kps.set(kp.ref, kp);
  return kp.bytes;
}

export async function join(m: Member, welcome: Uint8Array): Promise<MlsGroup> {
  m.group = await MlsGroup.join(welcome, m.me, (ref) => m.kps.get(ref), opts);
  return m.group;
}

/** Creator makes the group and adds `others` in one commit; everybody ends in epoch 1. */
export async function makeGroup(conversationId: string, creator: Member, others: Member[]): Promise<void> {
  creator.group = await MlsGroup.create(conversationId, creator.me, opts);
  if (others.length === 0) return;
  const pending = await creator.group.add(await Promise.all(others.map(keyPackage)));
  creator.group.confirmCommit();
  for (const o of others) await join(o, pending.welcome as Uint8Array);
}

/** Commit by `by`, confirmed, delivered to `to` (every other current member by default). */
export async function deliverCommit(by: Member, pending: PendingCommit, to: Member[]): Promise<void> {
  by.group!.confirmCommit();
  for (const m of to) await m.group!.receive(pending.commit);
}

export const text = (s: string) => new TextEncoder().encode(s);
export const str = (b: Uint8Array) => new TextDecoder().decode(b);
