// API contract: blobs (request and response schemas; docs/API.md). The server validates with these; the SDK types from them.
import { z } from 'zod';
import { Id, IsoTime } from './_common.ts';

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
