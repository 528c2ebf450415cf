// The group's name as a franked message (docs/PROTOCOL.md §12.11), and the small records a group conversation shows.
import { type MemberRole, inspectGroupWire, toBase64Url } from '@franking-chat/sdk';
import type { MessageRecord } from '../storage.ts';
import { fromUtf8 } from '../utf8.ts';

/** Content type of the franked message that carries a group's name (body: JSON {"name": …}). */
export const GROUP_INFO_TYPE = 'application/vnd.franking-chat.group-info+json';

/**
 * docs/PROTOCOL.md §12.11: the group's name is set only by its creator and admins, by the roles in the receiver's
 * MLS group state when it opens the group-info message (the same roles that authorise Commits, §12.5). A
 * group-info from anyone else is refused by every receiver: the name stays, and the refusal is shown.
 */
export function mayNameGroup(role: MemberRole | undefined): boolean {
  return role === 'creator' || role === 'admin';
}

/** A group-info body: the name, and whether it renames the group (`"rename": true`) rather than announcing its name. */
export function groupInfo(body: Uint8Array): { name: string; rename: boolean } | null {
  try {
    const v = JSON.parse(fromUtf8(body)) as unknown;
    if (v && typeof v === 'object' && typeof (v as { name?: unknown }).name === 'string')
      return { name: (v as { name: string }).name.slice(0, 60), rename: (v as { rename?: unknown }).rename === true };
  } catch {
    /* not a group-info body */
  }
  return null;
}

/** The franking commitment in an application message's authenticated data (base64url; '' when it has none). */
export function commitmentOf(bytes: Uint8Array): string {
  try {
    const info = inspectGroupWire(bytes);
    return info.kind === 'application' ? toBase64Url(info.commitment) : '';
  } catch {
    return '';
  }
}

export function systemNote(conversationId: string, text: string): MessageRecord {
  return {
    id: `note:${conversationId}:${Date.now()}:${Math.random().toString(36).slice(2)}`, conversationId, peerId: '', direction: 'system', senderId: '',
    text, sentAt: Date.now(), serverTime: Date.now(), seq: null, group: true,
  };
}
