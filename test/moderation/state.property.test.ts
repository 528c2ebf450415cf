// Property tests for the queue state machine (server/services/moderation/state.ts): whatever sequence of
// claims, releases, notes and decisions moderators attempt, the accepted events fold to the same state as
// applying them one by one, a report never has two holders, and resolution is final.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../server/errors.ts';
import { INITIAL_STATE, type ReportState, type StateEvent, applyReportEvent, foldReportEvents } from '../../server/services/moderation/index.ts';

const actors = ['staff:a', 'staff:b', 'staff:c'];
const attempt = fc.record({
  type: fc.constantFrom('claimed', 'released', 'note', 'decision', 'outcome_sent'),
  actorId: fc.constantFrom(...actors),
  forced: fc.boolean(),
  action: fc.constantFrom('dismiss', 'warn', 'suspend', 'ban'),
});

describe('report state machine', () => {
  it('accepted events fold to the incremental state; one holder at most; resolved is absorbing', () => {
    fc.assert(
      fc.property(fc.array(attempt, { maxLength: 40 }), (attempts) => {
        let state: ReportState = INITIAL_STATE;
        const accepted: StateEvent[] = [{ type: 'report_filed', actorId: 'u', payload: {}, createdAt: new Date(0) }];
        attempts.forEach((a, i) => {
          const e: StateEvent = {
            type: a.type, actorId: a.actorId, createdAt: new Date(1000 * (i + 1)),
            payload: a.type === 'decision' ? { action: a.action } : a.type === 'released' && a.forced ? { forced: true } : {},
          };
          const before = state;
          try {
            state = applyReportEvent(state, e);
            accepted.push(e);
          } catch (err) {
            expect(AppError.is(err)).toBe(true);
            expect(['already_claimed', 'not_claimed', 'report_resolved']).toContain((err as AppError).code);
            expect(state).toBe(before);
            return;
          }
          if (before.status === 'resolved') expect(['note', 'outcome_sent']).toContain(e.type);
          if (e.type === 'claimed') expect(before.assigneeId).toBeNull();
          if (e.type === 'decision') expect(before.assigneeId).toBe(e.actorId);
          if (e.type === 'released' && !a.forced) expect(before.assigneeId).toBe(e.actorId);
        });
        expect(foldReportEvents(accepted)).toEqual(state);
        expect(state.eventCount).toBe(accepted.filter((e) => ['claimed', 'released', 'decision'].includes(e.type)).length);
        expect(state.status === 'in_review').toBe(state.assigneeId !== null && state.outcome === null);
        if (state.status === 'resolved') expect(state.outcome).not.toBeNull();
      }),
      { numRuns: 2000 },
    );
  });

  it('a log that does not start with report_filed is refused', () => {
    expect(() => foldReportEvents([])).toThrow(RangeError);
    expect(() => foldReportEvents([{ type: 'claimed', actorId: 'x', payload: {}, createdAt: new Date() }])).toThrow(RangeError);
  });
});
