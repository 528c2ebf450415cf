// The report queue state machine (docs/MODERATION.md "Derived state"). Queue state is a left fold of the
// report's append-only event log: the Report row's status/outcome/assignee columns are a cache of
// foldReportEvents(log), written only in the transaction that appends the event that changes them, and
// checkable at any time (ModerationService.verifyProjection). Pure: no I/O, shared by writes and audits.
import type { ReportState } from '../../data/moderation.ts';
import { ConflictError } from '../../errors.ts';
import { DECISION_ACTIONS, type DecisionAction, type Outcome, type ReportStatus } from '../../../client/transport/contract/moderation/vocabulary.ts';

export { DECISION_ACTIONS, type DecisionAction, type Outcome, type ReportStatus };

export const OUTCOME_OF: Readonly<Record<DecisionAction, Outcome>> = { dismiss: 'dismissed', warn: 'warned', suspend: 'suspended', ban: 'banned' };

/** Every event type the moderation workflow writes for a report subject. */
export const REPORT_EVENT_TYPES = [
  'report_filed', 'routed', 'claimed', 'released', 'assigned', 'escalated', 'note', 'decision', 'action', 'outcome_sent',
  'appeal_filed', 'appeal_decided', 'action_reversed', 'evidence_exported', 'content_purged',
] as const;
/** The subset that changes queue state (and bumps the projection version). */
export const STATE_EVENT_TYPES: ReadonlySet<string> = new Set(['claimed', 'released', 'assigned', 'escalated', 'decision', 'appeal_decided']);
/** Escalated reports move to this queue (docs/MODERATION.md "Roles and escalation"). */
export const ESCALATION_QUEUE = 'escalation';

/** The state the fold produces: the shape of the report's stored projection (server/data/moderation.ts). */
export type { ReportState };

export interface StateEvent {
  type: string;
  actorId: string | null;
  payload: Record<string, unknown>;
  createdAt: Date;
}

export const INITIAL_STATE: ReportState = Object.freeze({
  status: 'received', outcome: null, assigneeId: null, claimedAt: null, decidedAt: null, decidedBy: null, eventCount: 0,
});

/**
 * Applies one event, enforcing the workflow rules: only an unclaimed open report can be claimed; only the
 * holder (or an admin, payload.forced) can release; only the holder can decide; nothing changes a resolved
 * report. Illegal transitions throw ConflictError with a stable code.
 */
export function applyReportEvent(state: ReportState, e: StateEvent): ReportState {
  if (!STATE_EVENT_TYPES.has(e.type)) return state;
  const next = { ...state, eventCount: state.eventCount + 1 };
  if (e.type === 'appeal_decided') {
    // DSA Art. 20: an appeal re-examines a resolved report; an overturn replaces the outcome (nothing upheld).
    if (state.status !== 'resolved') throw new ConflictError('report_resolved', 'only a decided report can have an appeal decided');
    return e.payload.result === 'overturned' ? { ...next, outcome: 'dismissed' } : next;
  }
  if (state.status === 'resolved') throw new ConflictError('report_resolved', 'this report is already resolved');
  switch (e.type) {
    case 'assigned': {
      // The holder hands over, an admin reassigns anyone's, or anyone assigns an unclaimed report.
      const to = e.payload.to;
      if (typeof to !== 'string' || !to) throw new TypeError('assigned: payload.to must be a staff actor id');
      if (state.assigneeId !== null && state.assigneeId !== e.actorId && e.payload.forced !== true)
        throw new ConflictError('already_claimed', `report is claimed by ${state.assigneeId}`);
      return { ...next, status: 'in_review', assigneeId: to, claimedAt: e.createdAt };
    }
    case 'escalated':
      if (state.assigneeId !== null && state.assigneeId !== e.actorId) throw new ConflictError('already_claimed', `report is claimed by ${state.assigneeId}`);
      return { ...next, status: 'received', assigneeId: null, claimedAt: null };
    case 'claimed':
      if (state.assigneeId !== null) throw new ConflictError('already_claimed', `report is claimed by ${state.assigneeId}`);
      return { ...next, status: 'in_review', assigneeId: e.actorId, claimedAt: e.createdAt };
    case 'released':
      if (state.assigneeId === null) throw new ConflictError('not_claimed', 'report is not claimed');
      if (state.assigneeId !== e.actorId && e.payload.forced !== true) throw new ConflictError('not_claimed', `report is claimed by ${state.assigneeId}`);
      return { ...next, status: 'received', assigneeId: null, claimedAt: null };
    case 'decision': {
      if (state.assigneeId === null) throw new ConflictError('not_claimed', 'claim the report before deciding');
      if (state.assigneeId !== e.actorId) throw new ConflictError('already_claimed', `report is claimed by ${state.assigneeId}`);
      const action = e.payload.action as DecisionAction;
      if (!(DECISION_ACTIONS as readonly string[]).includes(action)) throw new TypeError(`decision: unknown action ${String(action)}`);
      return { ...next, status: 'resolved', outcome: OUTCOME_OF[action], decidedAt: e.createdAt, decidedBy: e.actorId };
    }
    default:
      return state;
  }
}

/** The projection from the full log (oldest first, starting with report_filed). */
export function foldReportEvents(events: readonly StateEvent[]): ReportState {
  if (events[0]?.type !== 'report_filed') throw new RangeError('report log: expected report_filed as the first event');
  return events.slice(1).reduce(applyReportEvent, INITIAL_STATE);
}
