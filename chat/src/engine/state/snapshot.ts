// What the UI reads (useSyncExternalStore): one immutable snapshot, replaced on every change. The slices beside this
// file (contacts, conversations, groups, reports, standing) each own their part of it and their storage writes.
import type { NoticeJson, PushState, ReportSummaryJson } from '@franking-chat/sdk';
import type { ChatStorage, ContactRecord, GroupRecord, MessageRecord } from '../../storage.ts';
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

  /** @param changed Called after a change other tabs must learn about (messages, contacts, groups). */
  constructor(private readonly changed: () => void) {}

  subscribe = (fn: () => void): (() => void) => {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  };

  get = (): Snapshot => this.state;

  set(patch: Partial<Snapshot>): void {
    this.state = { ...this.state, ...patch };
    for (const fn of this.listeners) fn();
    if (patch.messages || patch.contacts || patch.groups) this.changed();
  }

  /** Replaces state read back from storage: not a change to announce to other tabs. */
  reloaded(patch: Partial<Snapshot>): void {
    this.state = { ...this.state, ...patch };
    for (const fn of this.listeners) fn();
  }

  reset(phase: Snapshot['phase']): void {
    this.state = { ...EMPTY, phase };
    this.set({});
  }
}
