// Data access for the DSA Transparency Database export (docs/DSA-TRANSPARENCY-DB.md §7): the statements of reasons
// in a period (Notice rows of actioned accounts) and the submission state (which puids the database holds, and
// every batch posted with its outcome).
import type { Db } from '../db.ts';

export interface StatementNotice {
  id: number;
  kind: string;
  createdAt: Date;
  until: Date | null;
  statement: string;
}

export interface BatchOutcome {
  outcome: 'created' | 'already_present' | 'rejected' | 'failed';
  httpStatus: number | null;
  detail: unknown;
}

/** Notice kinds that carry a statement of reasons to the actioned account (server/services/moderation/commands.ts). */
export const STATEMENT_NOTICE_KINDS = ['warning', 'suspension', 'ban'] as const;

export function dsaSubmissionsRepo(db: Db) {
  return {
    /** Statements issued in [from, to), in issue order, a page at a time (keyset on the Notice id). */
    async statements(from: Date, to: Date, afterId: number, limit: number): Promise<StatementNotice[]> {
      const rows = await db.notice.findMany({
        where: { kind: { in: [...STATEMENT_NOTICE_KINDS] }, statement: { not: null }, createdAt: { gte: from, lt: to }, id: { gt: afterId } },
        orderBy: { id: 'asc' }, take: limit,
        select: { id: true, kind: true, createdAt: true, until: true, statement: true },
      });
      return rows.map((r) => ({ ...r, statement: r.statement as string }));
    },

    /** Which of these puids the Transparency Database already holds (by our records). */
    async submitted(puids: string[]): Promise<Set<string>> {
      if (!puids.length) return new Set();
      const rows = await db.dsaSubmission.findMany({ where: { puid: { in: puids } }, select: { puid: true } });
      return new Set(rows.map((r) => r.puid));
    },

    /** Written before the POST: a crash after it leaves a "sending" batch the next run can see. */
    async startBatch(id: string, endpoint: string, statementCount: number, now: Date): Promise<void> {
      await db.dsaSubmissionBatch.create({ data: { id, endpoint, statementCount, outcome: 'sending', startedAt: now } });
    },

    /** The batch's outcome and, in the same transaction, the puids the database now holds. */
    async finishBatch(id: string, o: BatchOutcome, held: Array<{ puid: string; noticeId: number; status: 'created' | 'already_present'; tdbUuid: string | null }>, now: Date): Promise<void> {
      await db.$transaction([
        db.dsaSubmissionBatch.update({ where: { id }, data: { outcome: o.outcome, httpStatus: o.httpStatus, detail: o.detail === undefined ? null : JSON.stringify(o.detail), finishedAt: now } }),
        ...held.map((h) => db.dsaSubmission.upsert({
          where: { puid: h.puid }, update: {},
          create: { puid: h.puid, noticeId: h.noticeId, batchId: id, status: h.status, tdbUuid: h.tdbUuid, submittedAt: now },
        })),
      ]);
    },

    async batches() {
      return db.dsaSubmissionBatch.findMany({ orderBy: { startedAt: 'asc' } });
    },
    async submissions() {
      return db.dsaSubmission.findMany({ orderBy: { noticeId: 'asc' } });
    },
  };
}
export type DsaSubmissionsRepo = ReturnType<typeof dsaSubmissionsRepo>;
