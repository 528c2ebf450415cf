// What the UI reads (useSyncExternalStore): one immutable snapshot, replaced on every change. The slices beside this
// file (contacts, conversations, groups, reports, standing) each own their part of it and their storage writes.
import type { NoticeJson, PushState, ReportSummaryJson } from '@franking-chat/sdk';
import type { ChatStorage, ContactRecord, GroupRecord, MessageRecord } from '../../storage.ts';
import type { ShownMessage } from '../../tab-sync.ts';
import { EMPTY_KT_VIEW, type KtView } from '../../transparency.ts';

export interface Standing {
  code: 'account_banned' | 'account_suspended';
  detail: string;
  suspendedUntil: string | null;
}

export interface Snapshot {
  phase: 'loading' | 'welcome' | 'ready';
  me: string | null;
  /** A problem to show at the top of the page (cannot log in, storage unavailable...). */
  banner: string | null;
  connection: PushState | 'idle';
  standing: Standing | null;
  contacts: ContactRecord[];
  /** Groups this user is (or was) a member of, most recently active first. */
  groups: GroupRecord[];
  /** By conversation id, oldest first. */
  messages: Readonly<Record<string, readonly MessageRecord[]>>;
  reports: readonly ReportSummaryJson[];
  notices: readonly NoticeJson[];
  /** Accounts this user blocked (chat/src/blocking.ts). */
  blocked: readonly string[];
  /** Key transparency: contacts proven in the key log, alarms (docs/TRANSPARENCY.md). */
  kt: KtView;
}

export const EMPTY: Snapshot = {
  phase: 'loading', me: null, banner: null, connection: 'idle', standing: null, contacts: [], groups: [], messages: {}, reports: [], notices: [], blocked: [], kt: EMPTY_KT_VIEW,
};

/** One write to the chat's IndexedDB (several go in one transaction). */
export type WriteOp = Parameters<ChatStorage['write']>[0][number];

export class SnapshotStore {
  private state: Snapshot = EMPTY;
  private readonly listeners = new Set<() => void>();

  /**
   * @param changed Called after a change other tabs must learn about (messages, contacts, groups): the messages
   *   shown, when the change says which, else the conversations whose lists changed (none when only contacts or
   *   groups did).
   */
  constructor(private readonly changed: (change: { conversations: string[]; messages: ShownMessage[] }) => void) {}

  subscribe = (fn: () => void): (() => void) => {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  };

  get = (): Snapshot => this.state;

  /** @param shown With a `messages` patch: the messages it shows (new or changed), all it changed; absent, any list may have. */
  set(patch: Partial<Snapshot>, shown?: ShownMessage[]): void {
    const before = this.state.messages;
    this.state = { ...this.state, ...patch };
    for (const fn of this.listeners) fn();
    if (!patch.messages && !patch.contacts && !patch.groups) return;
    if (!patch.messages) this.changed({ conversations: [], messages: [] });
    else if (shown) this.changed({ conversations: [], messages: shown });
    else this.changed({ conversations: changedConversations(before, patch.messages), messages: [] });
  }

  /**
   * Replaces state read back from storage: not a change to announce to other tabs. A message that did not change keeps
   * its object (and a conversation its list), so a reload after another tab's send re-renders what changed only.
   */
  reloaded(patch: Partial<Snapshot>): void {
    if (patch.messages) patch = { ...patch, messages: keepUnchanged(this.state.messages, patch.messages) };
    this.state = { ...this.state, ...patch };
    for (const fn of this.listeners) fn();
  }

  reset(phase: Snapshot['phase']): void {
    this.state = { ...EMPTY, phase };
    this.set({});
  }
}

type Messages = Snapshot['messages'];

/** The conversations whose list is not the same object in both (a list is replaced, never mutated, on a change). */
function changedConversations(prev: Messages, next: Messages): string[] {
  const out: string[] = [];
  for (const id of Object.keys(next)) if (next[id] !== prev[id]) out.push(id);
  for (const id of Object.keys(prev)) if (!Object.hasOwn(next, id)) out.push(id);
  return out;
}

/** `next`, with each message equal to the one shown before replaced by that one (and unchanged lists by theirs). */
function keepUnchanged(prev: Messages, next: Messages): Messages {
  const out: Record<string, readonly MessageRecord[]> = {};
  for (const [conversationId, list] of Object.entries(next)) {
    const before = prev[conversationId] ?? [];
    if (list === before) {
      out[conversationId] = before; // not re-read (another tab's change named other messages)
      continue;
    }
    const byId = new Map(before.map((m) => [m.id, m]));
    const kept = list.map((m) => {
      const old = byId.get(m.id);
      return old && same(old, m) ? old : m;
    });
    out[conversationId] = kept.length === before.length && kept.every((m, i) => m === before[i]) ? before : kept;
  }
  return out;
}

/** Structural equality of values read from IndexedDB (plain objects, arrays, typed arrays, primitives). */
function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => Object.hasOwn(b, k) && same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}
