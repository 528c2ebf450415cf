// API contract: blobs (request and response schemas; docs/API.md). The server validates with these; the SDK types from them.
import { z } from 'zod';
import { Id, IsoTime } from './_common.ts';
import { defineOperation } from './_operation.ts';
import { endpoints } from './endpoints.ts';


export const BlobUploadQuery = z.strictObject({ conversationId: Id.meta({ description: 'only members of this conversation may fetch the blob' }) });
export const BlobParams = z.strictObject({ blobId: Id });
export const BlobUploaded = z
  .strictObject({ blobId: Id, size: z.number().int(), expiresAt: IsoTime })
  .meta({ id: 'BlobUploaded', description: 'put blobId into the AttachmentDescriptor before franking' });
export const ReportIdParams = z.strictObject({ reportId: Id });
export const AttachmentParams = z.strictObject({
  reportId: Id,
  position: z.coerce.number().int().min(0).max(50).meta({ description: 'report item position (0 = the reported message)' }),
  index: z.coerce.number().int().min(0).max(15).meta({ description: 'attachment index in that item header' }),
});
export const ReportAttachment = z
  .strictObject({
    position: z.number().int(),
    index: z.number().int(),
    blobId: Id,
    status: z.enum(['awaiting_upload', 'verified', 'failed']).meta({ description: 'awaiting_upload: the blob is gone; PUT the ciphertext as evidence' }),
    failure: z.string().nullable().meta({ description: 'AttachmentError code of the last failed verification' }),
    mediaType: z.string(),
    size: z.number().int().meta({ description: 'plaintext bytes' }),
    verifiedAt: IsoTime.nullable(),
  })
  .meta({ id: 'ReportAttachment' });
export const ReportAttachmentList = z.strictObject({ attachments: z.array(ReportAttachment) }).meta({ id: 'ReportAttachmentList' });

export const blobOperations = {
  uploadBlob: defineOperation(endpoints.uploadBlob, {
    tag: 'attachments', rateLimit: 'send',
    summary: 'Upload an encrypted attachment (raw application/octet-stream body, streamed to disk); members of the conversation may fetch it',
    query: BlobUploadQuery, response: BlobUploaded,
    rawBody: { contentType: 'application/octet-stream', description: 'the attachment ciphertext (docs/PROTOCOL.md §11.8), streamed; at most BLOB_MAX_BYTES' },
  }),
  downloadBlob: defineOperation(endpoints.downloadBlob, {
    tag: 'attachments', summary: 'Download a blob (application/octet-stream). Deleted once every recipient has fetched it completely, or at its TTL',
    params: BlobParams, response: z.null(),
  }),
  listReportAttachments: defineOperation(endpoints.listReportAttachments, {
    tag: 'reports', summary: 'Attachments of your report and their verification status', params: ReportIdParams, response: ReportAttachmentList,
  }),
  uploadReportAttachment: defineOperation(endpoints.uploadReportAttachment, {
    tag: 'reports', rateLimit: 'report',
    summary: 'Evidence for a reported attachment whose blob is gone: the ciphertext blob (kept, or re-created by deterministic re-encryption)',
    params: AttachmentParams, response: ReportAttachment,
    rawBody: { contentType: 'application/octet-stream', description: 'the ciphertext blob of the reported attachment (kept, or re-created by deterministic re-encryption)' },
  }),
} as const;
