// The contacts slice: 1:1 conversations, most recently active first, and their writes to storage.
import type { ChatStorage, ContactRecord } from '../../storage.ts';
import type { SnapshotStore, WriteOp } from './snapshot.ts';

export class Contacts {
  constructor(private readonly snapshot: SnapshotStore, private readonly store: () => ChatStorage) {}

  list(): ContactRecord[] {
    return this.snapshot.get().contacts;
  }

  get(peerId: string): ContactRecord | undefined {
    return this.list().find((c) => c.peerId === peerId);
  }

  byConversation(conversationId: string): ContactRecord | undefined {
    return this.list().find((c) => c.conversationId === conversationId);
  }

  /** The write that stores `c` (for a transaction with other writes); then call `shown(c)`. */
  op(c: ContactRecord): WriteOp {
    return { store: 'contacts', value: c };
  }

  /** `c` is stored: show it (in memory only). */
  shown(c: ContactRecord): void {
    const others = this.list().filter((x) => x.peerId !== c.peerId);
    this.snapshot.set({ contacts: [c, ...others].sort((a, b) => b.lastActivity - a.lastActivity) });
  }

  async save(c: ContactRecord): Promise<void> {
    await this.store().write([this.op(c)]);
    this.shown(c);
  }

  /** The contact left this device (its storage was deleted by the caller). */
  removed(peerId: string): void {
    this.snapshot.set({ contacts: this.list().filter((c) => c.peerId !== peerId) });
  }

  async markRead(peerId: string): Promise<void> {
    const c = this.get(peerId);
    if (!c || c.unread === 0) return;
    await this.save({ ...c, unread: 0 });
  }
}
