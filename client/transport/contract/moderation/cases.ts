// API contract, moderator API (operations and schemas; handlers in server/routes/mod-cases.ts).
// Cases, legal holds, signed evidence packages and the moderation service's public key (docs/MODERATION.md
// "Cases and brigading", "Evidence packages", "Retention and legal hold").
import { z } from 'zod';
import { Id, IsoTime } from '../_common.ts';
import { defineOperation } from '../_operation.ts';
import { ModerationEvent } from './event.ts';
import { EVIDENCE_KEY_PATH } from './vocabulary.ts';

const CaseParams = z.strictObject({ caseId: z.string().regex(/^c_[A-Za-z0-9_-]{12}$/, 'a case id') });
const Case = z
  .strictObject({
    id: z.string(), accusedId: z.string(), openFor: z.string().nullable(), status: z.enum(['open', 'closed']), queue: z.string(), priority: z.number().int(),
    brigade: z.boolean(), reportCount: z.number().int(), openReports: z.number().int(), legalHold: z.boolean(), closedAt: IsoTime.nullable(),
    purgeAfter: IsoTime.nullable(), purgedAt: IsoTime.nullable(), createdAt: IsoTime, updatedAt: IsoTime,
  })
  .meta({ id: 'ModerationCase' });
export const CaseDetail = z
  .strictObject({
    case: Case,
    accused: z.strictObject({ id: z.string(), status: z.string(), suspendedUntil: IsoTime.nullable(), createdAt: IsoTime.nullable() }),
    open: z.number().int(),
    byOutcome: z.record(z.string(), z.number().int()),
    byCategory: z.record(z.string(), z.number().int()),
    reporters: z.array(z.strictObject({
      id: z.string(), accountCreatedAt: IsoTime.nullable(), decided: z.number().int(), upheld: z.number().int(), upheldShare: z.number().nullable(),
    })),
    reports: z.array(z.strictObject({
      id: Id, reporterId: Id, category: z.string(), verdict: z.string(), status: z.string(), outcome: z.string().nullable(), assigneeId: z.string().nullable(),
      queue: z.string(), priority: z.number().int(), createdAt: IsoTime, decidedAt: IsoTime.nullable(),
    })),
    reportsShown: z.number().int(),
    events: z.array(ModerationEvent),
  })
  .meta({ id: 'CaseDetail' });
export const CasesQuery = z.strictObject({
  status: z.enum(['open', 'closed']).optional(),
  brigade: z.enum(['true', 'false']).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export const HoldRequest = z.strictObject({ hold: z.boolean(), reason: z.string().trim().min(3).max(500) }).meta({ id: 'LegalHoldRequest' });
export const EvidenceRequest = z
  .strictObject({
    purpose: z.string().trim().min(3).max(500).meta({ description: 'why the package leaves, as the exporting admin states it (e.g. "lawful request: police investigation"); signed into the package and recorded in the audit log' }),
    requestReference: z.string().trim().min(1).max(200).optional().meta({ description: "the requester's reference (case or order number), when there is one; signed into the package (null when absent) and audited" }),
  })
  .meta({ id: 'EvidenceRequest' });
const ReportParams = z.strictObject({ reportId: Id });
export const PublicKeyDocument = z
  .strictObject({ alg: z.literal('Ed25519'), keyId: z.string(), publicKey: z.string(), createdAt: z.string(), use: z.string(), format: z.string() })
  .meta({ id: 'ModerationPublicKey' });
const read = ['unauthorized', 'invalid_token', 'forbidden', 'account_suspended', 'account_banned', 'validation_failed', 'not_found'] as const;

export const modCaseOperations = {
  moderationCases: defineOperation({
    operationId: 'moderationCases', method: 'get', path: '/v1/mod/cases', tag: 'moderation', auth: 'triage',
    summary: 'Cases (reports against one account), priority then age', query: CasesQuery, response: z.strictObject({ cases: z.array(Case) }).meta({ id: 'CaseList' }), errors: read,
  }),
  moderationCase: defineOperation({
    operationId: 'moderationCase', method: 'get', path: '/v1/mod/cases/{caseId}', tag: 'moderation', auth: 'triage',
    summary: 'A case: its reports, reporters with their track records, counts and events', params: CaseParams, response: CaseDetail, errors: read,
  }),
  setLegalHold: defineOperation({
    operationId: 'setLegalHold', method: 'post', path: '/v1/mod/cases/{caseId}/hold', tag: 'moderation', auth: 'admin',
    summary: 'Set or lift a legal hold: held cases keep their revealed content past retention', params: CaseParams, body: HoldRequest, response: Case, errors: [...read, 'csrf_failed'],
  }),
  exportReportEvidence: defineOperation({
    operationId: 'exportReportEvidence', method: 'post', path: '/v1/mod/reports/{reportId}/evidence', tag: 'moderation', auth: 'admin',
    summary: 'Signed evidence package of one report (application/json file; verify with npm run evidence:verify)',
    params: ReportParams, body: EvidenceRequest, response: z.null(), errors: [...read, 'csrf_failed', 'evidence_purged'],
  }),
  exportCaseEvidence: defineOperation({
    operationId: 'exportCaseEvidence', method: 'post', path: '/v1/mod/cases/{caseId}/evidence', tag: 'moderation', auth: 'admin',
    summary: 'Signed evidence package of a case (every report in it)', params: CaseParams, body: EvidenceRequest, response: z.null(), errors: [...read, 'csrf_failed', 'evidence_purged'],
  }),
  moderationPublicKey: defineOperation({
    operationId: 'moderationPublicKey', method: 'get', path: EVIDENCE_KEY_PATH, tag: 'moderation', auth: 'public',
    summary: 'The Ed25519 public key that signs evidence packages', response: PublicKeyDocument, errors: [],
  }),
} as const;
