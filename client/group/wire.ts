// Reading the clear parts of group wire messages (docs/PROTOCOL.md §12.8) — what the relay needs to route,
// order and stamp them without any group key: the MLS group_id, epoch and content type, the franking
// commitment in a PrivateMessage's authenticated_data, and the proposals of a Commit (sent as PublicMessage
// so that the relay can follow the roster, as MIMI's hub does). Clients never take membership from this.
import { fromUtf8, toBase64Url } from '../crypto/_bytes.ts';
import { decodeLeafCredential } from './credential.ts';
import { decodeGroupAd } from './authenticated-data.ts';
import { GroupError } from './group-errors.ts';
import { groupCiphersuite } from './_mls-crypto.ts';
import { type MLSMessage, type Proposal, decodeMlsMessage, makeProposalRef } from './_ts-mls.ts';

export function decodeGroupWire(bytes: Uint8Array): MLSMessage {
  let decoded: [MLSMessage, number] | undefined;
  try {
    decoded = decodeMlsMessage(bytes, 0);
  } catch {
    decoded = undefined;
  }
  if (!decoded || decoded[1] !== bytes.length) throw new GroupError('malformed', 'expected exactly one MLSMessage');
  return decoded[0];
}

/** MLS group_id ↔ conversation id: the group id is the UTF-8 (ASCII) bytes of the conversation id (§12.3). */
export const groupIdOf = (conversationId: string): Uint8Array => new TextEncoder().encode(conversationId);
const conversationOf = (groupId: Uint8Array): string => {
  try {
    return fromUtf8(groupId);
  } catch {
    throw new GroupError('malformed', 'group_id is not UTF-8');
  }
};

export type RosterChange =
  /** The added leaf's account and device (a version 1 credential is device 1, docs/PROTOCOL-devices.md D14.2). */
  | { op: 'add'; accountId: string; deviceId: number }
  | { op: 'remove'; leaf: number }
  | { op: 'remove_ref'; ref: string };

export type GroupWireInfo =
  | { kind: 'application'; conversationId: string; epoch: number; commitment: Uint8Array }
  | { kind: 'commit'; conversationId: string; epoch: number; senderLeaf: number; changes: RosterChange[] }
  | { kind: 'proposal'; conversationId: string; epoch: number; senderLeaf: number; removes: number[] }
  | { kind: 'welcome' };

const memberLeaf = (sender: { senderType: string; leafIndex?: number }): number => {
  if (sender.senderType !== 'member' || typeof sender.leafIndex !== 'number') throw new GroupError('malformed', 'handshake messages come from members');
  return sender.leafIndex;
};

/**
 * The routing view of a group wire message. Application messages must be PrivateMessages carrying the
 * group AD (§12.4); Commits and Proposals must be PublicMessages; Welcomes are opaque.
 */
export function inspectGroupWire(bytes: Uint8Array): GroupWireInfo {
  const m = decodeGroupWire(bytes);
  if (m.wireformat === 'mls_welcome') return { kind: 'welcome' };
  if (m.wireformat === 'mls_private_message') {
    const pm = m.privateMessage;
    if (pm.contentType !== 'application') throw new GroupError('malformed', 'handshake messages are sent as PublicMessage (§12.8)');
    return { kind: 'application', conversationId: conversationOf(pm.groupId), epoch: Number(pm.epoch), commitment: decodeGroupAd(pm.authenticatedData).commitment };
  }
  if (m.wireformat === 'mls_public_message') {
    const c = m.publicMessage.content;
    const base = { conversationId: conversationOf(c.groupId), epoch: Number(c.epoch), senderLeaf: memberLeaf(c.sender as { senderType: string; leafIndex?: number }) };
    if (c.contentType === 'commit') {
      const changes: RosterChange[] = [];
      for (const p of c.commit.proposals) {
        if (p.proposalOrRefType === 'reference') changes.push({ op: 'remove_ref', ref: toBase64Url(p.reference) });
        else changes.push(...changeOf(p.proposal));
      }
      return { kind: 'commit', ...base, changes };
    }
    if (c.contentType === 'proposal') return { kind: 'proposal', ...base, removes: c.proposal.proposalType === 'remove' ? [c.proposal.remove.removed] : [] };
    throw new GroupError('malformed', 'application messages are sent as PrivateMessage (§12.8)');
  }
  throw new GroupError('malformed', `unexpected wire format ${m.wireformat}`);
}

function changeOf(p: Proposal): RosterChange[] {
  if (p.proposalType === 'add') {
    const c = decodeLeafCredential(p.add.keyPackage.leafNode.credential);
    return [{ op: 'add', accountId: c.accountId, deviceId: c.deviceId }];
  }
  if (p.proposalType === 'remove') return [{ op: 'remove', leaf: p.remove.removed }];
  return [];
}

/** RFC 9420 §5.2 ProposalRef of a PublicMessage proposal: how a Commit refers to it. */
export async function publicProposalRef(bytes: Uint8Array): Promise<string> {
  const m = decodeGroupWire(bytes);
  if (m.wireformat !== 'mls_public_message' || m.publicMessage.content.contentType !== 'proposal') throw new GroupError('malformed', 'expected a PublicMessage proposal');
  const ref = await makeProposalRef({ wireformat: 'mls_public_message', content: m.publicMessage.content, auth: m.publicMessage.auth }, (await groupCiphersuite()).hash);
  return toBase64Url(ref);
}
