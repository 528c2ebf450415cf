// API contract: notices (request and response schemas; docs/API.md). The server validates with these; the SDK types from them.
import { z } from 'zod';
import { b64Exact, Id, IsoTime } from './_common.ts';
import { defineOperation } from './_operation.ts';
import { endpoints } from './endpoints.ts';

/**
 * Statement of reasons (EU DSA Art. 17) sent with a warning, suspension or ban. Field names follow the DSA
 * Transparency Database's statement-of-reasons API where one applies (docs/MODERATION.md).
 */
export const StatementOfReasons = z
  .strictObject({
    decision_account: z.enum(['DECISION_ACCOUNT_SUSPENDED', 'DECISION_ACCOUNT_TERMINATED']).nullable(),
    decision_ground: z.literal('DECISION_GROUND_INCOMPATIBLE_CONTENT'),
    incompatible_content_ground: z.string().meta({ description: 'the policy relied on' }),
    incompatible_content_explanation: z.string(),
    category: z.string().meta({ description: 'STATEMENT_CATEGORY_*' }),
    content_type: z.array(z.string()),
    application_date: IsoTime,
    end_date_account_restriction: IsoTime.nullable(),
    decision_facts: z.string().meta({ description: 'the statement in words, from the admin-edited template' }),
    source_type: z.literal('SOURCE_ARTICLE_16'),
    automated_detection: z.enum(['Yes', 'No']),
    automated_decision: z.enum(['AUTOMATED_DECISION_FULLY', 'AUTOMATED_DECISION_NOT_AUTOMATED']),
    puid: z.string(),
    policy: z.strictObject({ id: z.string(), name: z.string() }),
    action: z.enum(['warn', 'suspend', 'ban']),
    messages: z.array(z.strictObject({ messageId: Id, sentAt: IsoTime.nullable() })),
    decided_by_person: z.boolean(),
    appeal: z.strictObject({ until: IsoTime, how: z.string() }),
    ban_evasion: z
      .strictObject({ original_decision: z.string(), original_account: Id, original_action: z.enum(['suspended', 'banned']), original_date: IsoTime })
      .optional()
      .meta({ description: 'a ban for ban evasion: the decision being evaded (its statement id, or "event <id>")' }),
  })
  .meta({ id: 'StatementOfReasons' });
export const AppealDecisionStatement = z
  .strictObject({ appealId: z.string(), result: z.enum(['upheld', 'overturned']), decided_by_person: z.boolean(), decision_facts: z.string() })
  .meta({ id: 'AppealDecisionStatement' });

export const Notice = z
  .strictObject({
    id: z.number().int(),
    kind: z.enum(['warning', 'suspension', 'ban', 'report_outcome', 'appeal_outcome']),
    reasonCategory: z.string().meta({ description: 'the category of the report the decision was about' }),
    reportId: Id.nullable().meta({ description: 'report_outcome: your report' }),
    outcome: z.enum(['dismissed', 'warned', 'suspended', 'banned']).nullable(),
    until: IsoTime.nullable().meta({ description: 'suspension: when it ends (null = indefinitely)' }),
    createdAt: IsoTime,
    statement: z.union([StatementOfReasons, AppealDecisionStatement]).nullable().optional()
      .meta({ description: 'warning/suspension/ban: the statement of reasons; appeal_outcome: the appeal decision' }),
    appealResult: z.enum(['upheld', 'overturned']).nullable().optional()
      .meta({ description: 'appeal_outcome, and report_outcome when an appeal changed the outcome of your report' }),
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

export const noticeOperations = {
  myNotices: defineOperation(endpoints.myNotices, {
    tag: 'accounts', summary: 'Moderation notices for the caller (oldest first after `after`): warnings, suspensions, bans, report outcomes',
    query: NoticesQuery, response: NoticeList,
  }),
  signedNotices: defineOperation(endpoints.signedNotices, {
    tag: 'accounts', rateLimit: 'auth',
    summary: 'Notices for an account that cannot hold a token (suspended/banned): prove the identity key with a signed challenge',
    body: SignedNoticesRequest, response: NoticeList,
  }),
} as const;
