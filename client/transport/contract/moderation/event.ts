// One entry of the append-only moderation event log as the moderator API shows it (docs/MODERATION.md "The event log
// and the derived queue state"): the audit log, a report's or case's history, a subject's events.
import { z } from 'zod';
import { IsoTime } from '../_common.ts';

export const ModerationEvent = z.strictObject({
  id: z.number().int(), subjectType: z.string(), subjectId: z.string(), type: z.string(), actorId: z.string().nullable(),
  payload: z.record(z.string(), z.unknown()), createdAt: IsoTime,
});
