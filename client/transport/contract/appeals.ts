// API contract: appeals against moderation decisions (EU DSA Art. 20; docs/MODERATION.md "Appeals").
import { z } from 'zod';
import { b64Exact, Id, IsoTime } from './_common.ts';
import { defineOperation } from './_operation.ts';
import { endpoints } from './endpoints.ts';

export const APPEAL_STATEMENT_MAX = 4000;
const Statement = z.string().trim().min(1).max(APPEAL_STATEMENT_MAX).meta({ description: 'why the decision is wrong; moderators only, never shown to the reporter' });

export const AppealRequest = z
  .strictObject({ noticeId: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).meta({ description: 'the warning/suspension/ban notice appealed' }), statement: Statement })
  .meta({ id: 'AppealRequest' });
export const SignedAppealRequest = z
  .strictObject({
    userId: Id,
    challenge: b64Exact(32).meta({ description: 'from POST /v1/auth/challenge' }),
    signature: b64Exact(64).meta({ description: 'Ed25519 over "franking-chat/v1/auth\\0" || challenge || utf8(userId), as for a token' }),
    noticeId: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
    statement: Statement,
  })
  .meta({ id: 'SignedAppealRequest' });
export const AppealReceipt = z
  .strictObject({ id: z.string(), noticeId: z.number().int(), status: z.enum(['pending', 'in_review', 'upheld', 'overturned']), createdAt: IsoTime })
  .meta({ id: 'AppealReceipt' });

export const appealOperations = {
  fileAppeal: defineOperation(endpoints.fileAppeal, {
    tag: 'accounts', rateLimit: 'report',
    summary: 'Appeal a warning, suspension or ban notice of yours within the appeal window (a different moderator reviews it)',
    body: AppealRequest, response: AppealReceipt,
  }),
  fileSignedAppeal: defineOperation(endpoints.fileSignedAppeal, {
    tag: 'accounts', rateLimit: 'auth', summary: 'Appeal without a token (suspended/banned accounts): prove the identity key with a signed challenge',
    body: SignedAppealRequest, response: AppealReceipt,
  }),
} as const;
