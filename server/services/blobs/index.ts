// Attachment blobs and reported attachments (docs/PROTOCOL.md §11.8).
export { BlobsService } from './blobs.ts';
export type { ReportAttachmentRow } from '../../data/blobs.ts';
