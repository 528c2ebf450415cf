// Append-only moderation / audit log (STYLE §10). Rows are only ever inserted; queue state and the audit
// trail are derived from them. The moderation workflow (docs/MODERATION.md "The event log and the derived queue state")
// adds event types, never UPDATE/DELETE.
import type { Db } from '../db.ts';

/** moderator: dashboard staff accounts (created, role changed, locked, ...). */
export type SubjectType = 'report' | 'account' | 'moderator' | 'policy' | 'template' | 'routing_rule' | 'case' | 'appeal';

export interface ModerationEventInput {
  subjectType: SubjectType;
  subjectId: string;
  type: string;
  /** null = the system (e.g. report intake) */
  actorId: string | null;
  payload: Record<string, unknown>;
}

export interface ModerationEventRow extends ModerationEventInput {
  id: number;
  createdAt: Date;
}

/** The insert as a PrismaPromise, so callers can put it in the same transaction as the state change it records. */
export function appendEventOp(db: Db, e: ModerationEventInput) {
  return db.moderationEvent.create({
    data: { subjectType: e.subjectType, subjectId: e.subjectId, type: e.type, actorId: e.actorId, payload: JSON.stringify(e.payload) },
  });
}

export function moderationEventsRepo(db: Db) {
  return {
    async append(e: ModerationEventInput): Promise<void> {
      await appendEventOp(db, e);
    },
    async forSubject(subjectType: SubjectType, subjectId: string, limit = 200): Promise<ModerationEventRow[]> {
      const rows = await db.moderationEvent.findMany({ where: { subjectType, subjectId }, orderBy: { id: 'asc' }, take: limit });
      return rows.map((r) => ({ ...r, subjectType: r.subjectType as SubjectType, payload: JSON.parse(r.payload) as Record<string, unknown> }));
    },
  };
}
export type ModerationEventsRepo = ReturnType<typeof moderationEventsRepo>;
