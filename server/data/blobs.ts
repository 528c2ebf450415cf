// Attachment blobs and reported attachments (docs/PROTOCOL.md §11.8). Only metadata lives here: the
// ciphertext is a file in BLOB_DIR, and no attachment key is ever stored in these tables (a reported
// attachment's key stays inside the stored ReportItem.header).
import { type Db, dbProvider } from '../db.ts';
import { lockAccounts } from './_quota-lock.ts';

export interface BlobRow {
  id: string;
  uploaderId: string;
  conversationId: string;
  size: bigint;
  createdAt: Date;
  expiresAt: Date;
}

export type ReportAttachmentStatus = 'awaiting_upload' | 'verified' | 'failed';

export interface ReportAttachmentRow {
  reportId: string;
  position: number;
  index: number;
  blobId: string;
  status: ReportAttachmentStatus;
  failure: string | null;
  mediaType: string;
  size: bigint;
  verifiedAt: Date | null;
  createdAt: Date;
}

export function blobsRepo(db: Db) {
  return {
    async create(row: Omit<BlobRow, 'createdAt'>, recipientIds: string[]): Promise<void> {
      await db.blob.create({ data: { ...row, recipients: { create: recipientIds.map((accountId) => ({ accountId })) } } });
    },

    /**
     * The quota-exact create (docs/SCALING.md "Quotas"): in ONE transaction, locks the uploader, sums its live
     * blobs, and — only if `row.size` more fit under `quotaBytes` — runs `place` (moves the file into place) and
     * inserts the row. Returns the usage it saw when refusing, or null when stored. If anything after `place`
     * fails the transaction rolls back and the caller removes the file.
     */
    async createWithinQuota(row: Omit<BlobRow, 'createdAt'>, recipientIds: string[], quotaBytes: number, place: () => Promise<void>): Promise<number | null> {
      return db.$transaction(async (tx) => {
        await lockAccounts(tx, dbProvider(db), 'blobs', [row.uploaderId]);
        const r = await tx.blob.aggregate({ where: { uploaderId: row.uploaderId }, _sum: { size: true } });
        const used = Number(r._sum.size ?? 0n);
        if (used + Number(row.size) > quotaBytes) return used;
        await place();
        await tx.blob.create({ data: { ...row, recipients: { create: recipientIds.map((accountId) => ({ accountId })) } } });
        return null;
      }, { maxWait: 10_000, timeout: 30_000 });
    },

    async find(id: string): Promise<BlobRow | null> {
      return db.blob.findUnique({ where: { id } });
    },

    async isRecipient(blobId: string, accountId: string): Promise<boolean> {
      return (await db.blobRecipient.count({ where: { blobId, accountId } })) === 1;
    },

    /** Bytes of live blobs uploaded by this account (the quota counts them). */
    async usage(uploaderId: string): Promise<number> {
      const r = await db.blob.aggregate({ where: { uploaderId }, _sum: { size: true } });
      return Number(r._sum.size ?? 0n);
    },

    /** Records a complete download; returns how many recipients have still not fetched the blob. */
    async markFetched(blobId: string, accountId: string, now: Date): Promise<number> {
      await db.blobRecipient.updateMany({ where: { blobId, accountId, fetchedAt: null }, data: { fetchedAt: now } });
      return db.blobRecipient.count({ where: { blobId, fetchedAt: null } });
    },

    /** A removed member will never fetch: forget them so "everyone fetched" can still happen. Returns affected blob ids. */
    async forgetRecipient(conversationId: string, accountId: string): Promise<string[]> {
      const rows = await db.blobRecipient.findMany({ where: { accountId, fetchedAt: null, blob: { conversationId } }, select: { blobId: true } });
      await db.blobRecipient.deleteMany({ where: { accountId, fetchedAt: null, blob: { conversationId } } });
      return rows.map((r) => r.blobId);
    },

    async pendingRecipients(blobId: string): Promise<number> {
      return db.blobRecipient.count({ where: { blobId, fetchedAt: null } });
    },

    /** Deletes the row (recipients cascade); true if this call deleted it. */
    async delete(id: string): Promise<boolean> {
      const { count } = await db.blob.deleteMany({ where: { id } });
      return count === 1;
    },

    async expired(now: Date, limit: number): Promise<string[]> {
      const rows = await db.blob.findMany({ where: { expiresAt: { lte: now } }, select: { id: true }, take: limit });
      return rows.map((r) => r.id);
    },

    // ---- reported attachments ----

    async createReportAttachments(rows: Array<Omit<ReportAttachmentRow, 'createdAt' | 'verifiedAt' | 'failure'>>): Promise<void> {
      if (rows.length) await db.reportAttachment.createMany({ data: rows });
    },

    async setReportAttachmentStatus(key: { reportId: string; position: number; index: number }, status: ReportAttachmentStatus, failure: string | null, now: Date): Promise<void> {
      await db.reportAttachment.update({
        where: { reportId_position_index: key },
        data: { status, failure, verifiedAt: status === 'verified' ? now : null },
      });
    },

    async reportAttachments(reportId: string): Promise<ReportAttachmentRow[]> {
      const rows = await db.reportAttachment.findMany({ where: { reportId }, orderBy: [{ position: 'asc' }, { index: 'asc' }] });
      return rows.map((r) => ({ ...r, status: r.status as ReportAttachmentStatus }));
    },

    async reportAttachment(reportId: string, position: number, index: number): Promise<ReportAttachmentRow | null> {
      const r = await db.reportAttachment.findUnique({ where: { reportId_position_index: { reportId, position, index } } });
      return r ? { ...r, status: r.status as ReportAttachmentStatus } : null;
    },

    /** The stored header of a verified report item (holds the attachment descriptors, keys included). */
    async reportItemHeader(reportId: string, position: number): Promise<{ header: Uint8Array; verdict: string } | null> {
      return db.reportItem.findUnique({ where: { reportId_position: { reportId, position } }, select: { header: true, verdict: true } });
    },

    async reportOwner(reportId: string): Promise<string | null> {
      const r = await db.report.findUnique({ where: { id: reportId }, select: { reporterId: true } });
      return r?.reporterId ?? null;
    },
  };
}
export type BlobsRepo = ReturnType<typeof blobsRepo>;
