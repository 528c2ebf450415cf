// Each group's MLS state as stored, and its record (members and roles as verified Commits say) with the notes a
// membership change shows. Read afresh on every use: other tabs may have advanced it (docs/PROTOCOL.md §12).
import { ApiError, GroupError, type MembershipChange, MlsGroup } from '@franking-chat/sdk';
import { ChatError, type GroupAction } from '../engine/errors.ts';
import type { WriteOp } from '../engine/state/snapshot.ts';
import type { GroupRecord, MessageRecord } from '../storage.ts';
import {
  NEW_GROUP_NAME, groupAdded, groupDeviceAdded, groupDeviceRemoved, groupLeaveCommitted, groupMemberLeft, groupRemoved, groupRemovedYou, groupRoleChanged,
} from '../wording.ts';
import type { GroupCollaborators } from './collaborators.ts';
import { systemNote } from './group-info.ts';
import type { GroupKeys } from './group-keys.ts';

export class GroupStates {
  /** Members who asked to leave, per group, so their removal reads "left" rather than "removed". */
  readonly leaving = new Map<string, Set<string>>();

  constructor(private readonly c: Pick<GroupCollaborators, 'device' | 'groups' | 'conversations' | 'standing'>, private readonly keys: GroupKeys) {}

  /**
   * The group state as stored, read afresh on every use: other tabs of this chat may have advanced it (they
   * share IndexedDB and the cross-tab lock), and an MLS key must never be used twice from a stale copy.
   */
  async load(conversationId: string): Promise<MlsGroup | undefined> {
    const rec = await this.c.device.store().group(conversationId);
    if (!rec?.mls) return undefined;
    return MlsGroup.deserialize(rec.mls, await this.keys.me(), this.keys.opts);
  }

  async mustLoad(conversationId: string): Promise<MlsGroup> {
    const g = await this.load(conversationId);
    if (!g) throw new ChatError('group_unavailable');
    return g;
  }

  /** The record after a change of the MLS state: members and roles from MLS, the state itself. */
  recordOf(conversationId: string, g: MlsGroup, patch: Partial<GroupRecord> = {}): GroupRecord {
    const old = this.c.groups.get(conversationId);
    // docs/PROTOCOL-devices.md D14.6: people, not leaves (a person with three devices is one member).
    const members = g.people().map((m) => ({ accountId: m.accountId, role: m.role }));
    return {
      conversationId, name: old?.name ?? NEW_GROUP_NAME, createdBy: g.roles.creator, members, active: g.active && !old?.left,
      addedAt: old?.addedAt ?? Date.now(), lastActivity: Date.now(), unread: old?.unread ?? 0,
      ...(g.fork !== undefined ? { forkedAt: g.fork } : {}),
      ...patch, mls: g.serialize(),
    };
  }

  /** Stores the record with the notes (and any other writes) in one transaction, then shows them. */
  async save(g: GroupRecord, notes: MessageRecord[] = [], extra: WriteOp[] = []): Promise<void> {
    const { groups, conversations } = this.c;
    await this.c.device.store().write([groups.op(g), ...notes.map((n) => conversations.op(n)), ...extra]);
    groups.shown(g);
    for (const n of notes) conversations.shown(n);
  }

  /** A membership change as the conversation shows it, naming the member who signed the Commit. */
  describe(conversationId: string, c: MembershipChange): MessageRecord[] {
    const me = this.c.device.me();
    const who = (id: string) => (id === me ? 'You' : id);
    const whom = (id: string) => (id === me ? 'you' : id);
    const notes: MessageRecord[] = [];
    if (c.added.length) notes.push(systemNote(conversationId, groupAdded(who(c.by), c.added.map(whom))));
    const leavers = this.leaving.get(conversationId);
    for (const r of c.removed) {
      if (r === me && c.selfRemoved && this.c.groups.get(conversationId)?.left) notes.push(systemNote(conversationId, groupLeaveCommitted(c.by)));
      else if (r === me && c.selfRemoved && c.by !== me) notes.push(systemNote(conversationId, groupRemovedYou(c.by)));
      else if (leavers?.delete(r)) notes.push(systemNote(conversationId, groupMemberLeft(r, who(c.by) === 'You' ? 'you' : c.by)));
      else notes.push(systemNote(conversationId, groupRemoved(who(c.by), whom(r))));
    }
    // D14.4 R1/R2: a device of a person who stays ("alice added a device"); a new person's devices are not lines.
    const persons = (refs: MembershipChange['devicesAdded'], skip: readonly string[]) => [...new Set(refs.map((d) => d.accountId))].filter((a) => !skip.includes(a));
    for (const a of persons(c.devicesAdded, c.added)) notes.push(systemNote(conversationId, groupDeviceAdded(who(a))));
    for (const a of persons(c.devicesRemoved, c.removed)) notes.push(systemNote(conversationId, groupDeviceRemoved(who(a))));
    for (const r of c.roles) notes.push(systemNote(conversationId, groupRoleChanged(who(c.by), whom(r.accountId), r.role === 'admin')));
    return notes;
  }

  /** A failed group action as a ChatError naming the action. */
  error(e: unknown, action: GroupAction): ChatError {
    if (this.c.standing.noteBlocked(e)) return new ChatError('group_restricted', { action });
    if (GroupError.is(e, 'not_authorized')) return new ChatError('group_not_authorized', { action });
    if (GroupError.is(e, 'bad_credential')) return new ChatError('group_bad_credential', { action });
    if (GroupError.is(e, 'fork')) return new ChatError('group_fork', { action });
    if (GroupError.is(e)) return new ChatError('group_failed', { action, detail: e.message });
    if (ApiError.is(e, 'not_found')) return new ChatError('group_handle_unknown', { action });
    if (ApiError.is(e, 'network_error')) return new ChatError('group_unreachable', { action });
    if (ApiError.is(e)) return new ChatError('group_failed', { action, detail: e.detail });
    if (ChatError.is(e)) return e;
    return e instanceof Error ? new ChatError('unexpected', { detail: e.message }) : new ChatError('group_failed', { action });
  }
}
