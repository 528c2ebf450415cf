// The queue's state that the shell keeps across pages (the order j/k follow on the detail page, the view in the
// address) and the undo window both the queue and the report page wait before a dismissal is sent.
import type { QueueItem } from './api.ts';

/** Seconds a dismissal waits for Undo before it is sent. */
export const UNDO_SECONDS = 5;

export const VIEWS = [['open', 'Open'], ['claimed', 'Claimed'], ['mine', 'Mine'], ['resolved', 'Resolved'], ['all', 'All']] as const;
export type View = (typeof VIEWS)[number][0];

export interface QueueState {
  view: View;
  category: string;
  verdict: string;
  accusedId: string;
  assigneeId: string;
  /** named queue (routing); '' = all queues */
  queue: string;
  /** cursors of the pages before the current one ('' = first page) */
  cursors: string[];
  items: QueueItem[];
  nextCursor: string | null;
  selected: number;
  /** ids checked for a bulk action */
  checked: string[];
}

/** The queue view named in the address (?view=resolved), so tabs survive a reload and can be linked. */
export function viewFromUrl(search = typeof location === 'undefined' ? '' : location.search): View {
  const v = new URLSearchParams(search).get('view');
  return VIEWS.some(([x]) => x === v) ? (v as View) : 'open';
}

export const initialQueueState: QueueState = { view: 'open', category: '', verdict: '', accusedId: '', assigneeId: '', queue: '', cursors: [''], items: [], nextCursor: null, selected: 0, checked: [] };
