// The conversations slice: every shown message by conversation, oldest first, and their writes to storage.
import type { ChatStorage, MessageRecord } from '../../storage.ts';
import type { SnapshotStore, WriteOp } from './snapshot.ts';

/**
 * A protocol message (docs/PROTOCOL.md §8.4): franked like any message, kept in storage so a report can close the
 * sender's chain over it, but never shown — not in the conversation, not as its preview, not offered for a report.
 */
export const isProtocolMessage = (m: MessageRecord): boolean => m.kind === 'kt-gossip';
export const byTime = (a: MessageRecord, b: MessageRecord): number =>
  (a.serverTime ?? Number.MAX_SAFE_INTEGER) - (b.serverTime ?? Number.MAX_SAFE_INTEGER) || a.sentAt - b.sentAt;

/**
 * A new list: `list` (sorted) without `m`'s id and `replaceId`, with `m` (unless it is a protocol message) after the
 * last message not later than it, as a stable sort would place it. Searched from the end, where a new or changed
 * message almost always belongs (no sort of the whole conversation per change).
 */
export function placed(list: readonly MessageRecord[], m: MessageRecord | undefined, replaceId?: string, id = m?.id): MessageRecord[] {
  const out = list.filter((x) => x.id !== id && x.id !== replaceId);
  if (!m || isProtocolMessage(m)) return out;
  let at = out.length;
  while (at > 0 && byTime(out[at - 1] as MessageRecord, m) > 0) at--;
  out.splice(at, 0, m);
  return out;
}

export class Conversations {
  constructor(private readonly snapshot: SnapshotStore, private readonly store: () => ChatStorage) {}

  messages(conversationId: string): readonly MessageRecord[] {
    return this.snapshot.get().messages[conversationId] ?? [];
  }

  /** Every shown message of every conversation. */
  all(): MessageRecord[] {
    return Object.values(this.snapshot.get().messages).flat();
  }

  /** Whether a message with this commitment (base64url) is already in the conversation (sent or received). */
  knownCommitment(conversationId: string, commitment: string): boolean {
    return commitment !== '' && this.messages(conversationId).some((m) => (m.item?.commitment ?? m.pending?.commitment) === commitment);
  }

  op(m: MessageRecord): WriteOp {
    return { store: 'messages', value: m };
  }

  /** `m` is stored (or only changed state in memory): show it, in place of `replaceId` when given. */
  shown(m: MessageRecord, opts: { replaceId?: string } = {}): void {
    if (isProtocolMessage(m)) return;
    const list = placed(this.messages(m.conversationId), m, opts.replaceId);
    const note = { id: m.id, conversationId: m.conversationId, ...(opts.replaceId !== undefined ? { replaceId: opts.replaceId } : {}) };
    this.snapshot.set({ messages: { ...this.snapshot.get().messages, [m.conversationId]: list } }, [note]);
  }

  /** The conversation's messages left this device (its storage was deleted by the caller). */
  forget(conversationId: string): void {
    if (!Object.hasOwn(this.snapshot.get().messages, conversationId)) return;
    const { [conversationId]: _gone, ...rest } = this.snapshot.get().messages;
    this.snapshot.set({ messages: rest });
  }

  async save(m: MessageRecord): Promise<void> {
    await this.store().write([this.op(m)]);
    this.shown(m);
  }

  /** What storage holds, grouped for display (protocol messages left out). */
  static grouped(messages: readonly MessageRecord[]): Record<string, MessageRecord[]> {
    const byConversation: Record<string, MessageRecord[]> = {};
    for (const m of messages) if (!isProtocolMessage(m)) (byConversation[m.conversationId] ??= []).push(m);
    for (const list of Object.values(byConversation)) list.sort(byTime);
    return byConversation;
  }
}
