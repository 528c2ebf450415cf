// The conversations slice and the snapshot (chat/src/engine/state/): a shown message lands where sorting the whole
// conversation would put it (without sorting it per change), a reload from storage keeps the objects of unchanged
// messages (so only changed rows re-render), and another tab's notes are re-read once per burst (chat/src/tab-sync.ts).
import { describe, expect, it } from 'vitest';
import { Conversations, byTime } from '../../chat/src/engine/state/conversations.ts';
import { SnapshotStore } from '../../chat/src/engine/state/snapshot.ts';
import type { ChatStorage, MessageRecord } from '../../chat/src/storage.ts';
import { TabSync } from '../../chat/src/tab-sync.ts';

const store = { write: async () => undefined } as unknown as ChatStorage;

function msg(id: string, serverTime: number | null, sentAt: number, patch: Partial<MessageRecord> = {}): MessageRecord {
  return { id, conversationId: 'c1', peerId: 'bob', direction: 'in', senderId: 'bob', text: id, sentAt, serverTime, seq: 1, ...patch };
}

/** A small deterministic generator (the test must not depend on Math.random). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

describe('Conversations.shown', () => {
  it('keeps every conversation in the order a stable sort by time gives, for new, changed and replaced messages', () => {
    const snapshot = new SnapshotStore(() => undefined);
    const conversations = new Conversations(snapshot, () => store);
    const next = rng(7);
    // The reference: the former implementation (filter, push, stable sort of the whole list).
    let reference: MessageRecord[] = [];
    for (let i = 0; i < 400; i++) {
      const r = next();
      const existing = reference[Math.floor(next() * reference.length)];
      // Ties on purpose (few distinct times), pending messages (serverTime null), changes of existing ones.
      const m = r < 0.3 && existing
        ? { ...existing, serverTime: Math.floor(next() * 20), text: `changed ${i}` }
        : msg(`m${i}`, r < 0.5 ? null : Math.floor(next() * 20), Math.floor(next() * 10));
      const replaceId = r > 0.95 && existing && existing.id !== m.id ? existing.id : undefined;
      conversations.shown(m, replaceId ? { replaceId } : {});
      reference = reference.filter((x) => x.id !== m.id && x.id !== replaceId);
      reference.push(m);
      reference.sort(byTime);
      expect(conversations.messages('c1').map((x) => x.id)).toEqual(reference.map((x) => x.id));
    }
  });
});

describe('SnapshotStore.reloaded', () => {
  it('keeps unchanged messages and lists as they were, and takes changed ones from storage', () => {
    const snapshot = new SnapshotStore(() => undefined);
    const a = msg('a', 1, 1);
    const b = msg('b', 2, 2, { item: { commitment: 'c', fk: 'f', header: 'h', body: 'b', stamp: { role: 'r' } } as unknown as MessageRecord['item'] });
    const other = [msg('x', 1, 1, { conversationId: 'c2' })];
    snapshot.reloaded({ messages: { c1: [a, b], c2: other } });
    const before = snapshot.get().messages;

    // Storage hands back copies (structured clones): equal ones keep their objects, whole lists too.
    snapshot.reloaded({ messages: { c1: [structuredClone(a), structuredClone(b)], c2: structuredClone(other) } });
    const same = snapshot.get().messages;
    expect(same.c1).toBe(before.c1);
    expect(same.c2).toBe(before.c2);

    // One message changed (another tab's send was answered), one arrived: those are new, the rest kept.
    const sent = { ...structuredClone(b), state: 'sent' as const };
    const c = msg('c', 3, 3);
    snapshot.reloaded({ messages: { c1: [structuredClone(a), sent, c], c2: structuredClone(other) } });
    const after = snapshot.get().messages;
    expect(after.c1?.[0]).toBe(a);
    expect(after.c1?.[1]).toBe(sent);
    expect(after.c1?.[1]?.state).toBe('sent');
    expect(after.c1?.[2]).toBe(c);
    expect(after.c2).toBe(before.c2);

    // A nested change (the stamp inside the item) is a change; a conversation gone from storage is gone.
    const restamped = structuredClone(sent);
    (restamped.item as unknown as { stamp: { role: string } }).stamp.role = 'other';
    snapshot.reloaded({ messages: { c1: [structuredClone(a), restamped, structuredClone(c)] } });
    expect(snapshot.get().messages.c1?.[1]).toBe(restamped);
    expect(snapshot.get().messages.c1?.[2]).toBe(c);
    expect(snapshot.get().messages.c2).toBeUndefined();
  });
});

describe('TabSync', () => {
  it('re-reads once more after the running re-read for a burst of notes, never two at once', async () => {
    let running = 0;
    let overlapped = false;
    let reads = 0;
    let release: () => void = () => undefined;
    const receiver = new TabSync(async () => {
      reads++;
      running++;
      if (running > 1) overlapped = true;
      await new Promise<void>((r) => (release = r));
      running--;
    });
    const sender = new TabSync(() => undefined);
    const waitFor = async (cond: () => boolean) => {
      for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
      expect(cond()).toBe(true);
    };
    try {
      sender.changed();
      await waitFor(() => reads === 1);
      // Three more notes (separate tasks) while the first re-read runs: one more re-read, after it.
      for (let i = 0; i < 3; i++) {
        sender.changed();
        await new Promise((r) => setTimeout(r, 10));
      }
      expect(reads).toBe(1);
      release();
      await waitFor(() => reads === 2);
      release();
      await new Promise((r) => setTimeout(r, 30));
      expect(reads).toBe(2);
      expect(overlapped).toBe(false);
      // A later note re-reads again.
      sender.changed();
      await waitFor(() => reads === 3);
      release();
    } finally {
      sender.close();
      receiver.close();
    }
  });
});
