// Reported attachments for moderators (docs/PROTOCOL.md §11.8): verification status, and the decrypted content
// on demand (the dashboard shows it blurred until the moderator asks; viewing is audited).
import { z } from 'zod';
import { defineOperation } from '../_operation.ts';
import { AttachmentParams, ReportAttachmentList, ReportIdParams } from '../blobs.ts';

const authErrors = ['unauthorized', 'invalid_token', 'account_suspended', 'account_banned'] as const;

export const modAttachmentOperations = {
  moderationReportAttachments: defineOperation({
    operationId: 'moderationReportAttachments', method: 'get', path: '/v1/mod/reports/{reportId}/attachments', tag: 'moderation', auth: 'moderator',
    summary: 'Attachments of a report with verification status (show them blurred until the moderator asks)',
    params: ReportIdParams, response: ReportAttachmentList, errors: ['validation_failed', 'not_found', 'forbidden', ...authErrors],
  }),
  moderationReportAttachmentContent: defineOperation({
    operationId: 'moderationReportAttachmentContent', method: 'get', path: '/v1/mod/reports/{reportId}/attachments/{position}/{index}/content',
    tag: 'moderation', auth: 'moderator',
    summary: 'The decrypted, verified attachment (decrypted on demand; sandboxed; viewing is recorded in the audit log)',
    params: AttachmentParams, response: z.null(), errors: ['validation_failed', 'not_found', 'attachment_not_verified', 'forbidden', ...authErrors],
  }),
} as const;
