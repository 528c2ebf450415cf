// Cases (reports against one account, grouped), the intake signals routing needs (reporter track records,
// the accused's history, bursts), appeals and retention. Counters on ModerationCase are a projection of the
// reports in it, moved only in the transactions that change those reports (server/data/moderation.ts,
// server/data/reports.ts) or here, always with the event that explains the change.
import type { Db } from '../db.ts';
import { dbProvider } from '../db.ts';
import { ConflictError } from '../errors.ts';
import { isUniqueViolation } from './_prisma-errors.ts';
import { appendEventOp, type ModerationEventInput } from './moderation-events.ts';

export interface CaseRow {
  id: string;
  accusedId: string;
  openFor: string | null;
  status: string;
  queue: string;
  priority: number;
  brigade: boolean;
  reportCount: number;
  openReports: number;
  legalHold: boolean;
  closedAt: Date | null;
  purgeAfter: Date | null;
  purgedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface AppealRow {
  id: string;
  reportId: string;
  appellantId: string;
  statement: string;
  status: string;
  originalAction: string;
  originalDeciderId: string;
  assigneeId: string | null;
  decidedBy: string | null;
  decidedAt: Date | null;
  createdAt: Date;
}

/** Upheld = a decision other than dismiss; an overturned appeal turns the outcome into dismissed. */
export const UPHELD_OUTCOMES = ['warned', 'suspended', 'banned'] as const;

const caseEvent = (caseId: string, type: string, actorId: string | null, payload: Record<string, unknown>): ModerationEventInput => ({
  subjectType: 'case', subjectId: caseId, type, actorId, payload,
});

export function moderationCasesRepo(db: Db) {
  return {
    async openCaseFor(accusedId: string): Promise<CaseRow | null> {
      return db.moderationCase.findUnique({ where: { openFor: accusedId } });
    },

    /** The open case of the account, created if there is none (race-safe: openFor is unique). */
    async ensureOpenCase(accusedId: string, id: string, queue: string, priority: number, at: Date): Promise<{ row: CaseRow; created: boolean }> {
      const existing = await db.moderationCase.findUnique({ where: { openFor: accusedId } });
      if (existing) return { row: existing, created: false };
      try {
        const [row] = await db.$transaction([
          db.moderationCase.create({ data: { id, accusedId, openFor: accusedId, queue, priority, createdAt: at } }),
          appendEventOp(db, caseEvent(id, 'case_opened', null, { accusedId, queue, priority })),
        ]);
        return { row, created: true };
      } catch (e) {
        if (!isUniqueViolation(e)) throw e;
        const winner = await db.moderationCase.findUnique({ where: { openFor: accusedId } });
        if (!winner) throw new ConflictError('stale_state', 'case changed meanwhile');
        return { row: winner, created: false };
      }
    },

    async find(id: string): Promise<CaseRow | null> {
      return db.moderationCase.findUnique({ where: { id } });
    },

    /** Decided reports per reporter and how many were upheld (the track record). */
    async reporterRecords(reporterIds: string[]): Promise<Map<string, { decided: number; upheld: number }>> {
      const out = new Map<string, { decided: number; upheld: number }>();
      if (!reporterIds.length) return out;
      const rows = await db.report.groupBy({ by: ['reporterId', 'outcome'], where: { reporterId: { in: reporterIds }, status: 'resolved' }, _count: { _all: true } });
      for (const r of rows) {
        const cur = out.get(r.reporterId) ?? { decided: 0, upheld: 0 };
        cur.decided += r._count._all;
        if ((UPHELD_OUTCOMES as readonly string[]).includes(r.outcome ?? '')) cur.upheld += r._count._all;
        out.set(r.reporterId, cur);
      }
      return out;
    },

    async accountCreated(ids: string[]): Promise<Map<string, { createdAt: Date; status: string }>> {
      if (!ids.length) return new Map();
      const rows = await db.account.findMany({ where: { id: { in: ids } }, select: { id: true, createdAt: true, status: true } });
      return new Map(rows.map((r) => [r.id, { createdAt: r.createdAt, status: r.status }]));
    },

    /** Earlier upheld reports against the account (its history). */
    async upheldAgainst(accusedId: string): Promise<number> {
      return db.report.count({ where: { accusedId, outcome: { in: [...UPHELD_OUTCOMES] } } });
    },

    /** Reporters of the reports against the account filed since `since` (burst detection). */
    async recentReporters(accusedId: string, since: Date): Promise<string[]> {
      const rows = await db.report.findMany({ where: { accusedId, createdAt: { gte: since } }, select: { reporterId: true }, take: 5000 });
      return rows.map((r) => r.reporterId);
    },

    /** Marks the case a suspected brigade: low priority, its own queue, every open report in it moved (with events). */
    async flagBrigade(caseId: string, queue: string, priority: number, evidence: Record<string, unknown>, at: Date): Promise<number> {
      return db.$transaction(async (tx) => {
        const { count } = await tx.moderationCase.updateMany({ where: { id: caseId, brigade: false }, data: { brigade: true, queue, priority } });
        if (count === 0) return 0;
        const open = await tx.report.findMany({ where: { caseId, status: { not: 'resolved' } }, select: { id: true } });
        await tx.report.updateMany({ where: { caseId, status: { not: 'resolved' } }, data: { queue, priority } });
        await tx.moderationEvent.create({ data: { ...caseEvent(caseId, 'brigade_suspected', null, { ...evidence, queue, priority, reportsMoved: open.length }), payload: JSON.stringify({ ...evidence, queue, priority, reportsMoved: open.length }), createdAt: at } });
        if (open.length)
          await tx.moderationEvent.createMany({
            data: open.map((r) => ({ subjectType: 'report', subjectId: r.id, type: 'routed', actorId: null, payload: JSON.stringify({ queue, priority, reason: 'brigade_suspected', caseId }), createdAt: at })),
          });
        return open.length;
      });
    },

    async caseReports(caseId: string, limit: number) {
      return db.report.findMany({
        where: { caseId }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }], take: limit,
        select: { id: true, reporterId: true, category: true, verdict: true, status: true, outcome: true, assigneeId: true, queue: true, priority: true, createdAt: true, decidedAt: true },
      });
    },

    async caseCounts(caseId: string) {
      const [byStatus, byCategory, reporters] = await Promise.all([
        db.report.groupBy({ by: ['status', 'outcome'], where: { caseId }, _count: { _all: true } }),
        db.report.groupBy({ by: ['category'], where: { caseId }, _count: { _all: true } }),
        db.report.groupBy({ by: ['reporterId'], where: { caseId }, _count: { _all: true }, orderBy: { reporterId: 'asc' }, take: 200 }),
      ]);
      return { byStatus, byCategory, reporters: reporters.map((r) => r.reporterId) };
    },

    async caseList(f: { status?: string; brigade?: boolean; limit: number }) {
      return db.moderationCase.findMany({
        where: { ...(f.status ? { status: f.status } : {}), ...(f.brigade !== undefined ? { brigade: f.brigade } : {}) },
        orderBy: [{ priority: 'desc' }, { createdAt: 'asc' }], take: f.limit,
      });
    },

    async setHold(caseId: string, hold: boolean, retentionMs: number, event: ModerationEventInput): Promise<CaseRow> {
      return db.$transaction(async (tx) => {
        const c = await tx.moderationCase.findUnique({ where: { id: caseId } });
        if (!c) throw new ConflictError('stale_state', 'case vanished');
        const purgeAfter = hold || c.status !== 'closed' || !c.closedAt ? null : new Date(c.closedAt.getTime() + retentionMs);
        const row = await tx.moderationCase.update({ where: { id: caseId }, data: { legalHold: hold, purgeAfter } });
        await tx.moderationEvent.create({ data: { subjectType: event.subjectType, subjectId: event.subjectId, type: event.type, actorId: event.actorId, payload: JSON.stringify(event.payload) } });
        return row;
      });
    },

    // ---- appeals ----

    async appeal(id: string): Promise<AppealRow | null> {
      return db.appeal.findUnique({ where: { id } });
    },
    async appealForReport(reportId: string): Promise<AppealRow | null> {
      return db.appeal.findUnique({ where: { reportId } });
    },
    async appeals(f: { status?: string[]; limit: number }): Promise<AppealRow[]> {
      return db.appeal.findMany({ where: f.status ? { status: { in: f.status } } : {}, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }], take: f.limit });
    },

    /** Files the appeal and re-opens the report's case (content stays while the appeal is open). */
    async fileAppeal(a: Omit<AppealRow, 'status' | 'assigneeId' | 'decidedBy' | 'decidedAt'>, caseId: string | null, events: ModerationEventInput[]): Promise<AppealRow> {
      try {
        return await db.$transaction(async (tx) => {
          const row = await tx.appeal.create({ data: a });
          if (caseId) {
            await tx.moderationCase.update({ where: { id: caseId }, data: { openReports: { increment: 1 }, status: 'open', closedAt: null, purgeAfter: null } });
            events = [...events, caseEvent(caseId, 'case_reopened', a.appellantId, { reason: 'appeal', appealId: a.id })];
          }
          for (const e of events) await tx.moderationEvent.create({ data: { subjectType: e.subjectType, subjectId: e.subjectId, type: e.type, actorId: e.actorId, payload: JSON.stringify(e.payload), createdAt: a.createdAt } });
          return row;
        });
      } catch (e) {
        if (isUniqueViolation(e)) throw new ConflictError('appeal_exists', 'this decision was already appealed');
        throw e;
      }
    },

    /** Exclusive claim on a pending appeal (compare-and-set on status). */
    async claimAppeal(id: string, assigneeId: string, event: ModerationEventInput): Promise<boolean> {
      return db.$transaction(async (tx) => {
        const { count } = await tx.appeal.updateMany({ where: { id, status: 'pending' }, data: { status: 'in_review', assigneeId } });
        if (count === 1) await tx.moderationEvent.create({ data: { subjectType: event.subjectType, subjectId: event.subjectId, type: event.type, actorId: event.actorId, payload: JSON.stringify(event.payload) } });
        return count === 1;
      });
    },

    // ---- retention ----

    /**
     * One batch of closed, unheld cases past purgeAfter: content of their reports deleted, events appended,
     * case marked purged — in one transaction. PostgreSQL: FOR UPDATE SKIP LOCKED, so several processes
     * sweeping at once each take different cases; SQLite: one writer at a time (the transaction).
     */
    async purgeBatch(now: Date, limit: number): Promise<Array<{ caseId: string; reports: number; items: number; attachments: Array<{ reportId: string; position: number; index: number }> }>> {
      return db.$transaction(async (tx) => {
        let ids: string[];
        if (dbProvider(db) === 'postgres') {
          const rows = await tx.$queryRawUnsafe<Array<{ id: string }>>(
            `SELECT id FROM "ModerationCase" WHERE "purgeAfter" <= $1 AND "legalHold" = false AND "purgedAt" IS NULL AND status = 'closed' ORDER BY "purgeAfter" LIMIT ${Math.trunc(limit)} FOR UPDATE SKIP LOCKED`,
            now,
          );
          ids = rows.map((r) => r.id);
        } else {
          ids = (await tx.moderationCase.findMany({ where: { purgeAfter: { lte: now }, legalHold: false, purgedAt: null, status: 'closed' }, select: { id: true }, take: limit })).map((r) => r.id);
        }
        const out: Array<{ caseId: string; reports: number; items: number; attachments: Array<{ reportId: string; position: number; index: number }> }> = [];
        for (const caseId of ids) {
          const reports = (await tx.report.findMany({ where: { caseId, contentPurgedAt: null }, select: { id: true } })).map((r) => r.id);
          let items = 0;
          const attachments = reports.length
            ? await tx.reportAttachment.findMany({ where: { reportId: { in: reports } }, select: { reportId: true, position: true, index: true } })
            : [];
          for (const reportId of reports) {
            const n = await tx.reportItem.updateMany({
              where: { reportId },
              data: { body: new Uint8Array(0), fk: new Uint8Array(0), header: new Uint8Array(0), headerJson: null, detail: null },
            });
            await tx.reportAttachment.deleteMany({ where: { reportId } });
            items += n.count;
            await tx.moderationEvent.create({ data: { subjectType: 'report', subjectId: reportId, type: 'content_purged', actorId: null, payload: JSON.stringify({ caseId, items: n.count, reason: 'retention' }), createdAt: now } });
          }
          if (reports.length) await tx.report.updateMany({ where: { id: { in: reports } }, data: { contentPurgedAt: now, comment: null } });
          await tx.moderationCase.update({ where: { id: caseId }, data: { purgedAt: now } });
          await tx.moderationEvent.create({ data: { subjectType: 'case', subjectId: caseId, type: 'case_content_purged', actorId: null, payload: JSON.stringify({ reports: reports.length, items }), createdAt: now } });
          out.push({ caseId, reports: reports.length, items, attachments });
        }
        return out;
      });
    },
  };
}
export type ModerationCasesRepo = ReturnType<typeof moderationCasesRepo>;
