// API contract: notices (request and response schemas; docs/API.md). The server validates with these; the SDK types from them.
import { z } from 'zod';
import { b64Exact, Id, IsoTime } from './_common.ts';

export const Notice = z
  .strictObject({
    id: z.number().int(),
    kind: z.enum(['warning', 'suspension', 'ban', 'report_outcome']),
    reasonCategory: z.string().meta({ description: 'the category of the report the decision was about' }),
    reportId: Id.nullable().meta({ description: 'report_outcome: your report' }),
    outcome: z.enum(['dismissed', 'warned', 'suspended', 'banned']).nullable(),
    until: IsoTime.nullable().meta({ description: 'suspension: when it ends (null = indefinitely)' }),
    createdAt: IsoTime,
  })
  .meta({ id: 'Notice' });
export const NoticeList = z.strictObject({ notices: z.array(Notice) }).meta({ id: 'NoticeList' });
export const NoticesQuery = z.strictObject({
  after: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(0),
  limit: z.coerce.number().int().min(1).max(100).default(50),
});
export const SignedNoticesRequest = z
  .strictObject({
    userId: Id,
    challenge: b64Exact(32).meta({ description: 'from POST /v1/auth/challenge' }),
    signature: b64Exact(64).meta({ description: 'Ed25519 over "franking-chat/v1/auth\\0" || challenge || utf8(userId), as for a token' }),
    after: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(0),
  })
  .meta({ id: 'SignedNoticesRequest' });
