// Moderation reads and writes over Report (projection columns), ReportItem, ModerationEvent, Account and
// Notice. Writes append events and move the projection in ONE transaction, guarded by the projection version
// (Report.eventCount), so two moderators can never both win a claim and the cache never drifts from the log.
import type { Db } from '../db.ts';
import { ConflictError } from '../errors.ts';
import type { Outcome, ReportStatus } from '../../client/transport/contract/moderation/vocabulary.ts';
import type { AccountStatus } from './accounts.ts';
import type { ModerationEventInput, ModerationEventRow, SubjectType } from './moderation-events.ts';

export interface QueueFilter {
  status?: 'received' | 'in_review' | 'resolved';
  assigneeId?: string;
  category?: string;
  verdict?: 'verified' | 'unverified';
  accusedId?: string;
  /** named queue set by routing (or escalation) */
  queue?: string;
  caseId?: string;
  /** keyset cursor: the last row of the previous page (priority only for ordering 'priority') */
  after?: { createdAt: Date; id: string; priority?: number };
  direction: 'asc' | 'desc';
  /** 'priority': priority high→low, then longest waiting first (open work); 'time': createdAt in `direction` */
  ordering: 'priority' | 'time';
  limit: number;
}

export interface QueueRow {
  id: string;
  reporterId: string;
  accusedId: string;
  category: string;
  verdict: string;
  status: string;
  outcome: string | null;
  assigneeId: string | null;
  claimedAt: Date | null;
  decidedAt: Date | null;
  createdAt: Date;
  queue: string;
  priority: number;
  caseId: string | null;
}

const queueFields = {
  id: true, reporterId: true, accusedId: true, category: true, verdict: true, status: true, outcome: true,
  assigneeId: true, claimedAt: true, decidedAt: true, createdAt: true, queue: true, priority: true, caseId: true,
} as const;

export interface NoticeInput {
  accountId: string;
  kind: 'warning' | 'suspension' | 'ban' | 'report_outcome' | 'appeal_outcome';
  reasonCategory: string;
  reportId: string | null;
  outcome: string | null;
  until: Date | null;
  /** JSON statement of reasons (warning | suspension | ban | appeal_outcome) */
  statement?: string | null;
  appealResult?: string | null;
}

export interface NoticeRow extends NoticeInput {
  id: number;
  createdAt: Date;
}

/**
 * A report's workflow state as stored in its projection columns; server/services/moderation/state.ts folds the
 * event log into it (docs/MODERATION.md "The event log and the derived queue state").
 */
export interface ReportState {
  status: ReportStatus;
  outcome: Outcome | null;
  assigneeId: string | null;
  claimedAt: Date | null;
  decidedAt: Date | null;
  decidedBy: string | null;
  /** number of state-changing events folded in: the optimistic-concurrency version of the projection */
  eventCount: number;
}

export interface StateWrite {
  reportId: string;
  expectedEventCount: number;
  /** the time the rules were applied with: every event of this write carries it, so the fold reproduces claimedAt/decidedAt */
  at: Date;
  next: ReportState;
  events: ModerationEventInput[];
  /** enforcement applied with the decision: the accused account's new standing */
  accountStatus?: { accountId: string; status: AccountStatus; suspendedUntil: Date | null; event: ModerationEventInput };
  notices?: NoticeInput[];
  /** routing / decision columns moved with the events (queue, priority, cited policy, handling time) */
  reportFields?: { queue?: string; priority?: number; policyId?: string; decisionAction?: string; handlingMs?: bigint; firstActionAt?: Date; automated?: boolean };
  /** the report (or its appeal) stops being open work in its case: the case closes when none is left */
  resolveInCase?: { caseId: string; retentionMs: number };
  /** the appeal decided in this write */
  appeal?: { id: string; status: 'upheld' | 'overturned'; decidedBy: string };
}

export type ReportStateRow = ReportState & {
  reporterId: string; accusedId: string; category: string; caseId: string | null; queue: string; priority: number; policyId: string | null;
  firstActionAt: Date | null; createdAt: Date; messageId: string; conversationId: string; contentPurgedAt: Date | null;
};

const parseEvent = (r: { id: number; subjectType: string; subjectId: string; type: string; actorId: string | null; payload: string; createdAt: Date }): ModerationEventRow => ({
  ...r, subjectType: r.subjectType as SubjectType, payload: JSON.parse(r.payload) as Record<string, unknown>,
});

/**
 * Rows strictly after the cursor in (createdAt, id) order: `createdAt > t OR (createdAt = t AND id > i)`,
 * written as `createdAt >= t AND (createdAt > t OR id > i)` (the same set) so that the bound on createdAt is an
 * index range condition and a deep page starts where the cursor is instead of filtering every row before it.
 */
function afterKey(cmp: 'gt' | 'lt', after: { createdAt: Date; id: string }) {
  const inclusive = cmp === 'gt' ? 'gte' : 'lte';
  return { createdAt: { [inclusive]: after.createdAt }, OR: [{ createdAt: { [cmp]: after.createdAt } }, { id: { [cmp]: after.id } }] };
}

export function moderationRepo(db: Db) {
  return {
    async queue(f: QueueFilter): Promise<QueueRow[]> {
      const cmp = f.direction === 'asc' ? 'gt' : 'lt';
      const base = {
        ...(f.status ? { status: f.status } : {}),
        ...(f.assigneeId ? { assigneeId: f.assigneeId } : {}),
        ...(f.category ? { category: f.category } : {}),
        ...(f.verdict ? { verdict: f.verdict } : {}),
        ...(f.accusedId ? { accusedId: f.accusedId } : {}),
        ...(f.queue ? { queue: f.queue } : {}),
        ...(f.caseId ? { caseId: f.caseId } : {}),
      };
      if (f.ordering === 'priority') {
        const orderBy = [{ priority: 'desc' as const }, { createdAt: 'asc' as const }, { id: 'asc' as const }];
        if (!f.after) return db.report.findMany({ where: base, orderBy, take: f.limit, select: queueFields });
        // Keyset over (priority DESC, createdAt, id) in two index range scans instead of one OR (which planners
        // turn into a scan and a sort): the rest of the cursor's priority, then the lower priorities.
        const p = f.after.priority ?? 0;
        const same = await db.report.findMany({
          where: { ...base, priority: p, ...afterKey('gt', f.after) },
          orderBy, take: f.limit, select: queueFields,
        });
        if (same.length >= f.limit) return same;
        const lower = await db.report.findMany({ where: { ...base, priority: { lt: p } }, orderBy, take: f.limit - same.length, select: queueFields });
        return [...same, ...lower];
      }
      return db.report.findMany({
        where: {
          ...base,
          ...(f.after ? afterKey(cmp, f.after) : {}),
        },
        orderBy: [{ createdAt: f.direction }, { id: f.direction }],
        take: f.limit,
        select: queueFields,
      });
    },

    /** The reported item of each report (revealed content only: the queue's text preview). */
    async reportedItems(reportIds: string[]): Promise<Array<{ reportId: string; body: Uint8Array; headerJson: string | null; verdict: string }>> {
      if (!reportIds.length) return [];
      return db.reportItem.findMany({ where: { reportId: { in: reportIds }, isReported: true }, select: { reportId: true, body: true, headerJson: true, verdict: true } });
    },

    /** Reports against each of these accounts (for "3 earlier reports" in the queue). */
    async reportCounts(accusedIds: string[]): Promise<Map<string, number>> {
      if (!accusedIds.length) return new Map();
      const rows = await db.report.groupBy({ by: ['accusedId'], where: { accusedId: { in: accusedIds } }, _count: { _all: true } });
      return new Map(rows.map((r) => [r.accusedId, r._count._all]));
    },

    async report(id: string) {
      return db.report.findUnique({ where: { id } });
    },

    async state(id: string): Promise<ReportStateRow | null> {
      const r = await db.report.findUnique({
        where: { id },
        select: {
          status: true, outcome: true, assigneeId: true, claimedAt: true, decidedAt: true, decidedBy: true, eventCount: true, reporterId: true, accusedId: true,
          category: true, caseId: true, queue: true, priority: true, policyId: true, firstActionAt: true, createdAt: true, messageId: true, conversationId: true, contentPurgedAt: true,
        },
      });
      return r as ReportStateRow | null;
    },

    async items(reportId: string) {
      return db.reportItem.findMany({
        where: { reportId },
        orderBy: { position: 'asc' },
        select: {
          position: true, isReported: true, messageId: true, conversationId: true, senderId: true, recipientId: true, stampRole: true, serverTime: true, verdict: true, detail: true, headerJson: true, header: true, body: true,
          deliveredToDeviceId: true,
        },
      });
    },

    /** docs/PROTOCOL-devices.md D12.3: the server's records of the named devices (when linked, when removed). */
    async deviceRecords(keys: ReadonlyArray<{ accountId: string; deviceId: number }>) {
      if (keys.length === 0) return [];
      const rows = await db.deviceRecord.findMany({ where: { OR: keys.map((k) => ({ accountId: k.accountId, deviceId: BigInt(k.deviceId) })) } });
      return rows.map((r) => ({ accountId: r.accountId, deviceId: Number(r.deviceId), addedInVersion: r.addedInVersion, acceptedAt: r.acceptedAt, removedInVersion: r.removedInVersion, removedAt: r.removedAt }));
    },

    /** docs/PROTOCOL-devices.md D6.6: when each named account was reset (its `account_reset` events), oldest first. */
    async resetTimes(accountIds: readonly string[]): Promise<Array<{ accountId: string; at: Date }>> {
      if (accountIds.length === 0) return [];
      const rows = await db.moderationEvent.findMany({
        where: { subjectType: 'account', subjectId: { in: [...new Set(accountIds)] }, type: 'account_reset' },
        orderBy: { id: 'asc' },
        select: { subjectId: true, createdAt: true },
      });
      return rows.map((r) => ({ accountId: r.subjectId, at: r.createdAt }));
    },

    /** Every column of the revealed items (evidence export). */
    async fullItems(reportId: string) {
      return db.reportItem.findMany({ where: { reportId }, orderBy: { position: 'asc' } });
    },

    async events(subjectType: SubjectType, subjectId: string, limit = 500): Promise<ModerationEventRow[]> {
      return (await db.moderationEvent.findMany({ where: { subjectType, subjectId }, orderBy: { id: 'asc' }, take: limit })).map(parseEvent);
    },

    async recentEvents(subjectType: SubjectType, subjectId: string, limit: number): Promise<ModerationEventRow[]> {
      return (await db.moderationEvent.findMany({ where: { subjectType, subjectId }, orderBy: { id: 'desc' }, take: limit })).map(parseEvent);
    },

    async accusedHistory(accusedId: string, excludeId: string, limit: number): Promise<{ total: number; recent: QueueRow[] }> {
      const [total, recent] = await Promise.all([
        db.report.count({ where: { accusedId, id: { not: excludeId } } }),
        db.report.findMany({ where: { accusedId, id: { not: excludeId } }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take: limit, select: queueFields }),
      ]);
      return { total, recent };
    },

    async reporterStats(reporterId: string): Promise<{ total: number; dismissed: number; decided: number }> {
      const rows = await db.report.groupBy({ by: ['outcome'], where: { reporterId }, _count: { _all: true } });
      return {
        total: rows.reduce((n, r) => n + r._count._all, 0),
        dismissed: rows.find((r) => r.outcome === 'dismissed')?._count._all ?? 0,
        decided: rows.reduce((n, r) => n + (r.outcome ? r._count._all : 0), 0),
      };
    },

    /**
     * Append events and move the projection atomically. The conditional update on eventCount makes every
     * state change a compare-and-set: a concurrent writer that changed the report first makes this one fail
     * with stale_state (the service re-reads and re-applies the rules, which then give the precise error).
     */
    async writeState(w: StateWrite): Promise<void> {
      await db.$transaction(async (tx) => {
        const { count } = await tx.report.updateMany({
          where: { id: w.reportId, eventCount: w.expectedEventCount },
          data: {
            status: w.next.status, outcome: w.next.outcome, assigneeId: w.next.assigneeId, claimedAt: w.next.claimedAt,
            decidedAt: w.next.decidedAt, decidedBy: w.next.decidedBy, eventCount: w.next.eventCount,
          },
        });
        if (count !== 1) throw new ConflictError('stale_state', 'the report changed meanwhile');
        if (w.reportFields && Object.keys(w.reportFields).length) await tx.report.update({ where: { id: w.reportId }, data: w.reportFields });
        if (w.appeal) {
          const { count: n } = await tx.appeal.updateMany({
            where: { id: w.appeal.id, status: { in: ['pending', 'in_review'] } },
            data: { status: w.appeal.status, decidedBy: w.appeal.decidedBy, decidedAt: w.at },
          });
          if (n !== 1) throw new ConflictError('appeal_decided', 'this appeal is already decided');
        }
        for (const e of w.events)
          await tx.moderationEvent.create({ data: { subjectType: e.subjectType, subjectId: e.subjectId, type: e.type, actorId: e.actorId, payload: JSON.stringify(e.payload), createdAt: w.at } });
        const a = w.accountStatus;
        if (a) {
          await tx.account.update({ where: { id: a.accountId }, data: { status: a.status, suspendedUntil: a.suspendedUntil } });
          // Same effect as EnforcementService.setStatus: standing changes end the account's bearer sessions.
          if (a.status !== 'active') await tx.session.deleteMany({ where: { accountId: a.accountId } });
          await tx.moderationEvent.create({ data: { subjectType: a.event.subjectType, subjectId: a.event.subjectId, type: a.event.type, actorId: a.event.actorId, payload: JSON.stringify(a.event.payload), createdAt: w.at } });
        }
        if (w.notices?.length) for (const n of w.notices) await tx.notice.create({ data: n });
        const rc = w.resolveInCase;
        if (rc) {
          const c = await tx.moderationCase.update({ where: { id: rc.caseId }, data: { openReports: { decrement: 1 } }, select: { openReports: true, status: true, legalHold: true } });
          if (c.openReports <= 0 && c.status === 'open') {
            const purgeAfter = c.legalHold ? null : new Date(w.at.getTime() + rc.retentionMs);
            await tx.moderationCase.update({ where: { id: rc.caseId }, data: { status: 'closed', openFor: null, closedAt: w.at, purgeAfter, openReports: 0 } });
            await tx.moderationEvent.create({
              data: { subjectType: 'case', subjectId: rc.caseId, type: 'case_closed', actorId: null, payload: JSON.stringify({ purgeAfter: purgeAfter?.toISOString() ?? null, legalHold: c.legalHold }), createdAt: w.at },
            });
          }
        }
      });
    },

    /** Events that do not change queue state (notes): appended without the version check. */
    async appendEvent(e: ModerationEventInput): Promise<ModerationEventRow> {
      return parseEvent(await db.moderationEvent.create({ data: { subjectType: e.subjectType, subjectId: e.subjectId, type: e.type, actorId: e.actorId, payload: JSON.stringify(e.payload) } }));
    },

    /** The audit log, newest first, keyset on id. */
    async audit(f: { before?: number; type?: string; actorId?: string; subjectType?: SubjectType; subjectId?: string; limit: number }): Promise<ModerationEventRow[]> {
      const rows = await db.moderationEvent.findMany({
        where: {
          ...(f.before !== undefined ? { id: { lt: f.before } } : {}),
          ...(f.type ? { type: f.type } : {}),
          ...(f.actorId ? { actorId: f.actorId } : {}),
          ...(f.subjectType ? { subjectType: f.subjectType } : {}),
          ...(f.subjectId ? { subjectId: f.subjectId } : {}),
        },
        orderBy: { id: 'desc' },
        take: f.limit,
      });
      return rows.map(parseEvent);
    },

    async statusCounts(): Promise<Record<string, number>> {
      const rows = await db.report.groupBy({ by: ['status'], _count: { _all: true } });
      return Object.fromEntries(rows.map((r) => [r.status, r._count._all]));
    },

    async filedSince(since: Date): Promise<Date[]> {
      return (await db.report.findMany({ where: { createdAt: { gte: since } }, select: { createdAt: true } })).map((r) => r.createdAt);
    },

    async decidedSince(since: Date): Promise<Array<{ createdAt: Date; decidedAt: Date; outcome: string | null; decidedBy: string | null }>> {
      const rows = await db.report.findMany({ where: { decidedAt: { gte: since } }, select: { createdAt: true, decidedAt: true, outcome: true, decidedBy: true } });
      return rows.filter((r): r is typeof r & { decidedAt: Date } => r.decidedAt !== null);
    },

    async accountStanding(id: string) {
      return db.account.findUnique({ where: { id }, select: { id: true, status: true, suspendedUntil: true, createdAt: true } });
    },

    async notice(id: number): Promise<NoticeRow | null> {
      return (await db.notice.findUnique({ where: { id } })) as NoticeRow | null;
    },

    async notices(accountId: string, afterId: number, limit: number): Promise<NoticeRow[]> {
      return (await db.notice.findMany({ where: { accountId, id: { gt: afterId } }, orderBy: { id: 'asc' }, take: limit })) as NoticeRow[];
    },
  };
}
export type ModerationRepo = ReturnType<typeof moderationRepo>;
