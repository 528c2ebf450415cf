// Reports and their revealed items. ReportItem.body is the only column where plaintext lives, and only
// because a participant chose to reveal it to moderators.
import type { Bytes } from './_bytes.ts';
import type { Db } from '../db.ts';
import { ConflictError } from '../errors.ts';
import { isUniqueViolation } from './_prisma-errors.ts';
import { appendEventOp, type ModerationEventInput } from './moderation-events.ts';

export interface ReportItemRow {
  position: number;
  isReported: boolean;
  messageId: string;
  conversationId: string;
  senderId: string;
  recipientId: string;
  stampRole: string;
  serverTime: bigint;
  kid: string;
  tag: Bytes;
  commitment: Bytes;
  fk: Bytes;
  header: Bytes;
  body: Bytes;
  verdict: string;
  detail: string | null;
  headerJson: string | null;
  /** docs/PROTOCOL-devices.md D12.2: as the reporter's app states it; null when not stated. */
  deliveredToDeviceId?: bigint | null;
}

export interface ReportRow {
  id: string;
  reporterId: string;
  accusedId: string;
  conversationId: string;
  messageId: string;
  category: string;
  comment: string | null;
  status: string;
  outcome: string | null;
  verdict: string;
  contextSummary: string;
  /** docs/PROTOCOL-devices.md D12.2: the device whose token filed the report; null before devices. */
  reportedFromDeviceId?: bigint | null;
  createdAt: Date;
  updatedAt: Date;
}

export type ReportSummaryRow = Omit<ReportRow, 'comment' | 'contextSummary'>;
export interface ReportItemVerdictRow {
  position: number;
  isReported: boolean;
  messageId: string;
  senderId: string;
  serverTime: bigint;
  verdict: string;
  detail: string | null;
  deliveredToDeviceId: bigint | null;
}

const summary = {
  id: true, reporterId: true, accusedId: true, conversationId: true, messageId: true, category: true,
  status: true, outcome: true, verdict: true, createdAt: true, updatedAt: true,
} as const;

export function reportsRepo(db: Db) {
  return {
    /**
     * Report, items and the `report_filed` event in one transaction. Returns null when this reporter
     * already reported this message (unique (reporterId, messageId)), including under a concurrent race.
     */
    async create(
      report: Omit<ReportRow, 'status' | 'outcome' | 'createdAt' | 'updatedAt'>,
      items: ReportItemRow[],
      event: ModerationEventInput,
      routing?: { caseId: string; queue: string; priority: number; events: ModerationEventInput[] },
    ): Promise<ReportRow | null> {
      if (!routing) {
        try {
          const [row] = await db.$transaction([
            db.report.create({ data: { ...report, items: { create: items } } }),
            appendEventOp(db, event),
          ]);
          return row;
        } catch (e) {
          if (isUniqueViolation(e)) return null;
          throw e;
        }
      }
      try {
        return await db.$transaction(async (tx) => {
          // The case must still be open: a case that closed meanwhile makes the caller route again.
          const { count } = await tx.moderationCase.updateMany({
            where: { id: routing.caseId, status: 'open' }, data: { reportCount: { increment: 1 }, openReports: { increment: 1 } },
          });
          if (count !== 1) throw new ConflictError('stale_state', 'the case closed meanwhile');
          const row = await tx.report.create({ data: { ...report, caseId: routing.caseId, queue: routing.queue, priority: routing.priority, items: { create: items } } });
          for (const e of [event, ...routing.events])
            await tx.moderationEvent.create({ data: { subjectType: e.subjectType, subjectId: e.subjectId, type: e.type, actorId: e.actorId, payload: JSON.stringify(e.payload), createdAt: row.createdAt } });
          return row;
        });
      } catch (e) {
        if (isUniqueViolation(e)) return null;
        throw e;
      }
    },

    async findByReporterAndMessage(reporterId: string, messageId: string): Promise<ReportRow | null> {
      return db.report.findUnique({ where: { reporterId_messageId: { reporterId, messageId } } });
    },

    async find(id: string): Promise<ReportRow | null> {
      return db.report.findUnique({ where: { id } });
    },

    async itemVerdicts(reportId: string): Promise<ReportItemVerdictRow[]> {
      return db.reportItem.findMany({
        where: { reportId },
        orderBy: { position: 'asc' },
        select: { position: true, isReported: true, messageId: true, senderId: true, serverTime: true, verdict: true, detail: true, deliveredToDeviceId: true },
      });
    },

    async listByReporter(reporterId: string, limit: number): Promise<ReportSummaryRow[]> {
      return db.report.findMany({ where: { reporterId }, orderBy: { createdAt: 'desc' }, take: limit, select: summary });
    },
  };
}
export type ReportsRepo = ReturnType<typeof reportsRepo>;
