// The conversations slice and the snapshot (chat/src/engine/state/): a shown message lands where sorting the whole
// conversation would put it (without sorting it per change), a reload from storage keeps the objects of unchanged
// messages (so only changed rows re-render), and another tab's notes are re-read once per burst (chat/src/tab-sync.ts),
// naming the messages that changed, so the other tab reads those records and keeps the rest as it was.
import { describe, expect, it } from 'vitest';
import { Conversations, byTime, placed } from '../../chat/src/engine/state/conversations.ts';
import { SnapshotStore } from '../../chat/src/engine/state/snapshot.ts';
import type { ChatStorage, MessageRecord } from '../../chat/src/storage.ts';
import { type ShownMessage, type TabChange, TabSync } from '../../chat/src/tab-sync.ts';

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

describe('SnapshotStore.set: what other tabs are told', () => {
  type Told = { conversations: string[]; messages: ShownMessage[] };
  it('names each message shown (with the id it replaced), a conversation dropped whole, nothing else; a reload tells nothing', () => {
    const told: Told[] = [];
    const snapshot = new SnapshotStore((change) => told.push(change));
    const conversations = new Conversations(snapshot, () => store);
    conversations.shown(msg('a', 1, 1));
    conversations.shown(msg('x', 1, 1, { conversationId: 'c2' }));
    conversations.shown(msg('b', 2, 2), { replaceId: 'a' });
    conversations.shown(msg('g', 3, 3, { kind: 'kt-gossip' })); // a protocol message is never shown: nothing changed
    expect(told).toEqual([
      { conversations: [], messages: [{ id: 'a', conversationId: 'c1' }] },
      { conversations: [], messages: [{ id: 'x', conversationId: 'c2' }] },
      { conversations: [], messages: [{ id: 'b', conversationId: 'c1', replaceId: 'a' }] },
    ]);
    snapshot.set({ contacts: [] });
    expect(told.at(-1)).toEqual({ conversations: [], messages: [] });
    conversations.forget('c2');
    expect(told.at(-1)).toEqual({ conversations: ['c2'], messages: [] });
    expect(snapshot.get().messages.c2).toBeUndefined();
    conversations.forget('c2'); // already gone: no change, no note
    const count = told.length;
    snapshot.reloaded({ messages: { c1: [msg('a', 1, 1)] } });
    snapshot.set({ phase: 'ready' });
    expect(told.length).toBe(count);
  });

  it('a reload that re-read some messages keeps the other conversations\' lists as the same objects', () => {
    const snapshot = new SnapshotStore(() => undefined);
    snapshot.reloaded({ messages: { c1: [msg('a', 1, 1)], c2: [msg('x', 1, 1, { conversationId: 'c2' })] } });
    const kept = snapshot.get().messages;
    snapshot.reloaded({ messages: { ...kept, c1: placed(kept.c1 ?? [], msg('b', 2, 2)) } });
    expect(snapshot.get().messages.c2).toBe(kept.c2);
    expect(snapshot.get().messages.c1?.[0]).toBe(kept.c1?.[0]);
    expect(snapshot.get().messages.c1?.map((m) => m.id)).toEqual(['a', 'b']);
  });
});

describe('placed: one message into a sorted conversation', () => {
  it('replaces the same id or replaceId, drops a message no longer stored, never shows a protocol message', () => {
    const list = [msg('a', 1, 1), msg('b', 3, 3)];
    expect(placed(list, msg('c', 2, 2)).map((m) => m.id)).toEqual(['a', 'c', 'b']);
    expect(placed(list, { ...msg('a', 4, 4), text: 'changed' }).map((m) => [m.id, m.text])).toEqual([['b', 'b'], ['a', 'changed']]);
    expect(placed(list, msg('d', 1, 1), 'a').map((m) => m.id)).toEqual(['d', 'b']);
    expect(placed(list, undefined, undefined, 'b').map((m) => m.id)).toEqual(['a']);
    expect(placed(list, msg('g', 2, 2, { kind: 'kt-gossip' })).map((m) => m.id)).toEqual(['a', 'b']);
    expect(list.map((m) => m.id)).toEqual(['a', 'b']); // the list itself is never changed
  });
});

describe('TabSync notes', () => {
  const waitFor = async (cond: () => boolean) => {
    for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
    expect(cond()).toBe(true);
  };
  const shown = (id: string, conversationId = 'c1', replaceId?: string): ShownMessage => ({ id, conversationId, ...(replaceId ? { replaceId } : {}) });
  const sorted = (c: TabChange | undefined) =>
    c === undefined || c === 'all' ? c : { conversations: [...c.conversations].sort(), messages: [...c.messages].sort((a, b) => a.id.localeCompare(b.id)) };

  it('one note per task names everything changed in it; notes during a re-read are re-read as their union', async () => {
    const reads: TabChange[] = [];
    let release: () => void = () => undefined;
    const receiver = new TabSync(async (change) => {
      reads.push(change);
      await new Promise<void>((r) => (release = r));
    });
    const sender = new TabSync(() => undefined);
    try {
      sender.changed({ conversations: [], messages: [shown('m1')] });
      sender.changed({ conversations: ['c9'], messages: [shown('m2', 'c2')] });
      await waitFor(() => reads.length === 1);
      expect(sorted(reads[0])).toEqual({ conversations: ['c9'], messages: [shown('m1'), shown('m2', 'c2')] });
      // Three notes while that re-read runs: one more re-read, of their union; a message named twice keeps the id it
      // replaced (its second note does not repeat it).
      sender.changed({ conversations: [], messages: [shown('m3', 'c1', 'pending-3')] });
      await new Promise((r) => setTimeout(r, 10));
      sender.changed({ conversations: [], messages: [] }); // contacts or groups only
      await new Promise((r) => setTimeout(r, 10));
      sender.changed({ conversations: ['c4'], messages: [shown('m3')] });
      await new Promise((r) => setTimeout(r, 10));
      expect(reads.length).toBe(1);
      release();
      await waitFor(() => reads.length === 2);
      expect(sorted(reads[1])).toEqual({ conversations: ['c4'], messages: [shown('m3', 'c1', 'pending-3')] });
      release();
      // A change of everything wins over what was named with it.
      sender.changed({ conversations: ['c5'], messages: [shown('m5')] });
      sender.changed('all');
      await waitFor(() => reads.length === 3);
      expect(reads[2]).toBe('all');
      release();
    } finally {
      sender.close();
      receiver.close();
    }
  });

  it('a note it cannot read (an older chat\'s "changed", or a malformed one) re-reads everything', async () => {
    const reads: TabChange[] = [];
    const receiver = new TabSync((change) => void reads.push(change));
    const old = new BroadcastChannel('franking-chat/tabs');
    try {
      old.postMessage('changed');
      await waitFor(() => reads.length === 1);
      old.postMessage({ kind: 'changed', conversations: [1, 2], messages: [] });
      await waitFor(() => reads.length === 2);
      old.postMessage({ kind: 'changed', conversations: [], messages: [{ id: 'm1' }] });
      await waitFor(() => reads.length === 3);
      old.postMessage({ kind: 'changed', conversations: ['c1'], messages: [shown('m1')] });
      await waitFor(() => reads.length === 4);
      expect(reads).toEqual(['all', 'all', 'all', { conversations: ['c1'], messages: [shown('m1')] }]);
    } finally {
      old.close();
      receiver.close();
    }
  });
});
