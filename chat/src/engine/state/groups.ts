// The groups slice: group records (members and roles as verified Commits say, the MLS state), most recently active
// first, and their writes to storage.
import type { ChatStorage, GroupRecord } from '../../storage.ts';
import type { SnapshotStore, WriteOp } from './snapshot.ts';

export class Groups {
  constructor(private readonly snapshot: SnapshotStore, private readonly store: () => ChatStorage) {}

  list(): GroupRecord[] {
    return this.snapshot.get().groups;
  }

  get(conversationId: string): GroupRecord | undefined {
    return this.list().find((g) => g.conversationId === conversationId);
  }

  op(g: GroupRecord): WriteOp {
    return { store: 'groups', value: g };
  }

  shown(g: GroupRecord): void {
    const others = this.list().filter((x) => x.conversationId !== g.conversationId);
    this.snapshot.set({ groups: [g, ...others].sort((a, b) => b.lastActivity - a.lastActivity) });
  }

  async save(g: GroupRecord): Promise<void> {
    await this.store().write([this.op(g)]);
    this.shown(g);
  }

  async markRead(conversationId: string): Promise<void> {
    const g = this.get(conversationId);
    if (!g || g.unread === 0) return;
    await this.save({ ...g, unread: 0 });
  }
}
