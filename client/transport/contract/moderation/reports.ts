// API contract, moderator API (operations and schemas; handlers in server/routes/mod-reports.ts).
// Moderator queue and report workflow: queue (views, filters, keyset pagination), detail, exclusive claim,
// release, notes, decisions with enforcement, and the projection check (docs/MODERATION.md).
import { z } from 'zod';
import { Id, IsoTime } from '../_common.ts';
import { REASON_CODES } from '../../../franking/verify.ts';
import { REPORT_CATEGORIES } from '../reports.ts';
import { defineOperation } from '../_operation.ts';
import { ModerationEvent } from './event.ts';
import { DECISION_ACTIONS, MAX_NOTE_LENGTH, OUTCOMES, POLICY_ID_PATTERN, QUEUE_VIEWS, REPORT_STATUSES } from './vocabulary.ts';

const QueueName = z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'a queue name');
const CaseId = z.string().regex(/^c_[A-Za-z0-9_-]{12}$/, 'a case id');
const PolicyId = z.string().regex(POLICY_ID_PATTERN, 'a policy id');
const Status = z.enum(REPORT_STATUSES);
const Outcome = z.enum(OUTCOMES).nullable();
export const QueueQuery = z.strictObject({
  view: z.enum(QUEUE_VIEWS).default('open'),
  category: z.enum(REPORT_CATEGORIES).optional(),
  verdict: z.enum(['verified', 'unverified']).optional(),
  accusedId: Id.optional(),
  assigneeId: z.string().max(80).optional(),
  queue: QueueName.optional().meta({ description: 'a named queue set by routing (or "escalation")' }),
  caseId: CaseId.optional(),
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
const QueueItem = z.strictObject({
  id: Id, reporterId: Id, accusedId: Id, category: z.string(), verdict: z.enum(['verified', 'unverified']), status: Status, outcome: Outcome,
  assigneeId: z.string().nullable(), claimedAt: IsoTime.nullable(), decidedAt: IsoTime.nullable(), createdAt: IsoTime,
  queue: z.string(), priority: z.number().int(), caseId: z.string().nullable(),
  reportsAgainstAccused: z.number().int().optional(),
  preview: z.string().nullable().optional().meta({ description: 'first 140 characters of the reported message, when it is verified text' }),
});
export const QueueResponse = z
  .strictObject({ reports: z.array(QueueItem), nextCursor: z.string().nullable().meta({ description: 'pass as ?cursor= for the next page' }) })
  .meta({ id: 'ModerationQueue' });
const Message = z.strictObject({
  position: z.number().int(), isReported: z.boolean(), messageId: Id, senderId: Id, role: z.string(), serverTime: z.number().int(),
  verdict: z.enum(REASON_CODES), verdictText: z.string(), detail: z.string().nullable(), seq: z.number().int().nullable(), sentAt: z.number().nullable(),
  conversationId: Id, epoch: z.number().int().nullable().meta({ description: 'MLS epoch of a group message (docs/PROTOCOL.md §12.9); null for 1:1' }),
  contentType: z.string().nullable(), text: z.string().nullable(),
  media: z.strictObject({ mediaType: z.string(), dataUrl: z.string(), bytes: z.number().int() }).nullable(),
  attachments: z.array(z.strictObject({ mediaType: z.string(), size: z.number(), blobId: z.string() })), bodyBytes: z.number().int(),
  senderDevice: z
    .strictObject({ deviceId: z.number().int(), linkedAt: IsoTime.nullable(), removedAt: IsoTime.nullable() })
    .nullable()
    .optional()
    .meta({ description: "the sending device from the verified header (versions 3/4) with the server's record of when it was linked and removed (docs/PROTOCOL-devices.md D12.3)" }),
  deliveredToDeviceId: z.number().int().nullable().optional().meta({ description: "as stated by the reporter's app (docs/PROTOCOL-devices.md D12.2)" }),
  senderResetAt: IsoTime.nullable().optional().meta({ description: "when the sender's account was reset after this message was stamped (the first such reset; docs/PROTOCOL-devices.md D6.6), null when it was not" }),
});
export const ReportDetailForModerator = z
  .strictObject({
    report: z.strictObject({
      id: Id, reporterId: Id, accusedId: Id, conversationId: Id, messageId: Id, category: z.string(), comment: z.string().nullable(),
      verdict: z.enum(['verified', 'unverified']), status: Status, outcome: Outcome, assigneeId: z.string().nullable(),
      claimedAt: IsoTime.nullable(), decidedAt: IsoTime.nullable(), decidedBy: z.string().nullable(), createdAt: IsoTime,
      queue: z.string(), priority: z.number().int(), caseId: z.string().nullable(),
      policy: z.strictObject({ id: z.string(), name: z.string() }).nullable(), contentPurgedAt: IsoTime.nullable(),
      reportedFromDeviceId: z.number().int().nullable().optional().meta({ description: 'the device whose token filed the report (docs/PROTOCOL-devices.md D12.2)' }),
    }),
    messages: z.array(Message),
    context: z.strictObject({
      complete: z.boolean(),
      senders: z.array(z.strictObject({
        senderId: z.string(), conversationId: z.string(),
        senderDeviceId: z.number().int().optional().meta({ description: 'the device chain (docs/PROTOCOL-devices.md D10.3); absent for a chain of version 1/2 headers (device 1)' }),
        firstSeq: z.number().int(), lastSeq: z.number().int(), missing: z.array(z.number().int()),
        chainIntact: z.boolean(), complete: z.boolean(), summary: z.string().meta({ description: 'describeSenderContext()' }),
      })),
      gaps: z.array(z.strictObject({
        conversationId: z.string(), senderId: z.string(),
        senderDeviceId: z.number().int().optional().meta({ description: 'the device chain of the run (docs/PROTOCOL-devices.md D10.3); absent for device 1 of a chain of version 1/2 headers' }),
        fromSeq: z.number().int(), toSeq: z.number().int(), count: z.number().int(),
        refusedWhileBlocked: z.number().int(), expiredUndelivered: z.number().int(), notIncluded: z.number().int(),
      })).meta({ description: 'each run of missing sequence numbers and what the server knows about it (docs/PROTOCOL.md §8.3.1)' }),
    }),
    events: z.array(ModerationEvent),
    accused: z.strictObject({
      id: Id, status: z.enum(['active', 'suspended', 'banned', 'unknown']), suspendedUntil: IsoTime.nullable(), createdAt: IsoTime.nullable(),
      reportsTotal: z.number().int(), recentReports: z.array(QueueItem), recentActions: z.array(ModerationEvent),
    }),
    reporter: z.strictObject({
      id: Id, reportsTotal: z.number().int(), dismissed: z.number().int(), decided: z.number().int(),
      upheldShare: z.number().nullable().meta({ description: "track record: share of the reporter's decided reports upheld" }),
    }),
  })
  .meta({ id: 'ModeratorReportDetail' });
export const ReportParams = z.strictObject({ reportId: Id });
export const StateResponse = z
  .strictObject({
    status: Status, outcome: Outcome, assigneeId: z.string().nullable(), claimedAt: IsoTime.nullable(), decidedAt: IsoTime.nullable(),
    decidedBy: z.string().nullable(), eventCount: z.number().int(),
  })
  .meta({ id: 'ReportQueueState' });
export const NoteRequest = z.strictObject({ text: z.string().trim().min(1).max(MAX_NOTE_LENGTH) }).meta({ id: 'NoteRequest' });
export const DecisionRequest = z
  .strictObject({
    action: z.enum(DECISION_ACTIONS),
    suspendHours: z.number().int().min(1).max(24 * 366).optional().meta({ description: "suspend only; absent = indefinitely" }),
    reasonCategory: z.enum(REPORT_CATEGORIES).optional().meta({ description: "told to the accused; default the report's category" }),
    note: z.string().max(MAX_NOTE_LENGTH).optional(),
    policyId: PolicyId.optional().meta({ description: 'the policy the decision cites: required (400 policy_required without it)' }),
  })
  .refine((d) => d.action === 'suspend' || d.suspendHours === undefined, { message: 'suspendHours is only for action suspend', path: ['suspendHours'] })
  .meta({ id: 'DecisionRequest' });
export const DecisionResponse = StateResponse.extend({
  accountStatus: z.enum(['active', 'suspended', 'banned']).nullable(), suspendedUntil: IsoTime.nullable(),
}).meta({ id: 'DecisionResult' });
export const BulkRequest = z
  .strictObject({
    reportIds: z.array(Id).min(1).max(100),
    op: z.enum(['claim', 'release', 'decide']),
    action: z.enum(DECISION_ACTIONS).optional().meta({ description: 'op decide only' }),
    suspendHours: z.number().int().min(1).max(24 * 366).optional(),
    reasonCategory: z.enum(REPORT_CATEGORIES).optional(),
    note: z.string().max(MAX_NOTE_LENGTH).optional(),
    policyId: PolicyId.optional().meta({ description: 'op decide: the cited policy (required)' }),
  })
  .refine((b) => (b.op === 'decide') === (b.action !== undefined), { message: 'action is required for op decide and only for it', path: ['action'] })
  .refine((b) => b.action === 'suspend' || b.suspendHours === undefined, { message: 'suspendHours is only for action suspend', path: ['suspendHours'] })
  .meta({ id: 'BulkRequest' });
export const BulkResponse = z
  .strictObject({
    results: z.array(z.strictObject({ reportId: Id, ok: z.boolean(), code: z.string().nullable(), status: Status.nullable(), outcome: Outcome })),
  })
  .meta({ id: 'BulkResult' });
export const ProjectionResponse = z
  .strictObject({ matches: z.boolean(), stored: StateResponse, derived: StateResponse })
  .meta({ id: 'ProjectionCheck' });
export const EscalateRequest = z.strictObject({ reason: z.string().trim().max(MAX_NOTE_LENGTH).optional() }).meta({ id: 'EscalateRequest' });
export const AssignRequest = z.strictObject({ to: z.string().regex(/^staff:[a-z0-9][a-z0-9._-]{1,31}$/, 'a staff actor id (staff:<login>)') }).meta({ id: 'AssignRequest' });
const authErrors = ['unauthorized', 'invalid_token', 'forbidden', 'account_suspended', 'account_banned'] as const;
const writeErrors = [...authErrors, 'csrf_failed', 'validation_failed', 'not_found'] as const;

export const modReportOperations = {
  moderationQueue: defineOperation({
    operationId: 'moderationQueue', method: 'get', path: '/v1/mod/queue', tag: 'moderation', auth: 'triage',
    summary: 'Report queue: open (oldest first) / claimed / mine / resolved / all, filters, keyset pagination',
    query: QueueQuery, response: QueueResponse, errors: [...authErrors, 'validation_failed'],
  }),
  moderationReport: defineOperation({
    operationId: 'moderationReport', method: 'get', path: '/v1/mod/reports/{reportId}', tag: 'moderation', auth: 'triage',
    summary: "A report with its revealed messages, per-message verdicts, context completeness, the accused's history and the event log",
    params: ReportParams, response: ReportDetailForModerator, errors: [...authErrors, 'validation_failed', 'not_found'],
  }),
  claimReport: defineOperation({
    operationId: 'claimReport', method: 'post', path: '/v1/mod/reports/{reportId}/claim', tag: 'moderation', auth: 'triage',
    summary: 'Take the exclusive claim on an open report (409 already_claimed if someone holds it)',
    params: ReportParams, response: StateResponse, errors: [...writeErrors, 'already_claimed', 'report_resolved', 'stale_state'],
  }),
  releaseReport: defineOperation({
    operationId: 'releaseReport', method: 'post', path: '/v1/mod/reports/{reportId}/release', tag: 'moderation', auth: 'triage',
    summary: 'Give a claimed report back to the queue (your own claim; admins can release anyone’s)',
    params: ReportParams, response: StateResponse, errors: [...writeErrors, 'not_claimed', 'report_resolved', 'stale_state'],
  }),
  addReportNote: defineOperation({
    operationId: 'addReportNote', method: 'post', path: '/v1/mod/reports/{reportId}/notes', tag: 'moderation', auth: 'triage',
    summary: 'Add a moderator note (appended to the event log; visible to moderators only)',
    params: ReportParams, body: NoteRequest, response: ModerationEvent, statuses: [201], errors: writeErrors,
  }),
  decideReport: defineOperation({
    operationId: 'decideReport', method: 'post', path: '/v1/mod/reports/{reportId}/decision', tag: 'moderation', auth: 'triage',
    summary: 'Decide: dismiss, warn, suspend (hours) or ban — enforced at once; the accused and the reporter get notices',
    params: ReportParams, body: DecisionRequest, response: DecisionResponse,
    errors: [...writeErrors, 'already_claimed', 'not_claimed', 'report_resolved', 'stale_state', 'policy_required', 'unknown_policy'],
  }),
  checkReportProjection: defineOperation({
    operationId: 'checkReportProjection', method: 'get', path: '/v1/mod/reports/{reportId}/projection', tag: 'moderation', auth: 'triage',
    summary: 'Recompute the queue state from the event log and compare it with the stored projection',
    params: ReportParams, response: ProjectionResponse, errors: [...authErrors, 'validation_failed', 'not_found'],
  }),
  escalateReport: defineOperation({
    operationId: 'escalateReport', method: 'post', path: '/v1/mod/reports/{reportId}/escalate', tag: 'moderation', auth: 'triage',
    summary: 'Send the report to the escalation queue (priority raised, claim released)',
    params: ReportParams, body: EscalateRequest, response: StateResponse, errors: [...writeErrors, 'already_claimed', 'report_resolved', 'stale_state'],
  }),
  assignReport: defineOperation({
    operationId: 'assignReport', method: 'post', path: '/v1/mod/reports/{reportId}/assign', tag: 'moderation', auth: 'moderator',
    summary: 'Assign the report to another staff member (your own claim, an unclaimed report, or — admins — anyone’s)',
    params: ReportParams, body: AssignRequest, response: StateResponse, errors: [...writeErrors, 'already_claimed', 'report_resolved', 'stale_state'],
  }),
  bulkReports: defineOperation({
    operationId: 'bulkReports', method: 'post', path: '/v1/mod/reports/bulk', tag: 'moderation', auth: 'triage',
    summary: 'Claim, release or decide up to 100 reports at once; per-report result (each its own transaction and rule check)',
    body: BulkRequest, response: BulkResponse, errors: [...authErrors, 'csrf_failed', 'validation_failed'],
  }),
} as const;
