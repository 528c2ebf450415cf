// Attachment blobs (docs/PROTOCOL.md §11.8): streaming upload of ciphertext to a file, download by
// conversation members, deletion once every recipient fetched it or at its TTL; and reported attachments:
// the server checks the evidence against the descriptor in the verified report header (§11.5), keeps the
// verified ciphertext past every TTL and decrypts it on demand for moderators. The server holds an
// attachment key only inside a report item a participant chose to reveal.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { once } from 'node:events';
import {
  type AttachmentDescriptor, AttachmentError, type MessageHeader, attachmentBlobLength, decodeAttachmentParams, decodeHeader,
  decryptAttachment,
} from '../../../client/protocol.ts';
import type { BlobConfig } from '../../config.ts';
import type { BlobRow, BlobsRepo, ReportAttachmentRow } from '../../data/blobs.ts';
import type { ConversationsRepo } from '../../data/conversations.ts';
import type { ModerationEventsRepo } from '../../data/moderation-events.ts';
import { AppError, ConflictError, InputError, NotFoundError, StorageError } from '../../errors.ts';
import { RETRY_FULL_S } from '../../faults.ts';

/** fs error codes of a full disk or an exhausted quota: the server's problem (507), not the uploader's. */
const NO_SPACE = new Set(['ENOSPC', 'EDQUOT']);
const noSpace = (e: unknown) => NO_SPACE.has(String((e as { code?: unknown } | null)?.code));
const storageFull = (e: unknown) =>
  new StorageError('insufficient_storage', 'the server has no room to store this upload right now; try again later', { cause: e, extra: { retryAfterSeconds: RETRY_FULL_S } });

/**
 * The client went away during a download (closed tab, cancelled fetch): nothing to answer and nothing to log
 * as an error. Node reports it as a premature close of the response or a reset socket.
 */
const clientGone = (e: unknown, res: Writable) =>
  res.destroyed || ['ERR_STREAM_PREMATURE_CLOSE', 'ECONNRESET', 'EPIPE', 'ERR_STREAM_DESTROYED'].includes(String((e as { code?: unknown } | null)?.code));

/** Smallest scheme-1 blob: key commitment (32) + one empty chunk's tag (16). */
export const MIN_BLOB_BYTES = 48;
const READ_CHUNK = 1024 * 1024;
const SAFE_ID = /^[A-Za-z0-9_-]{1,80}$/;

/** Media types a moderator's browser may render inline; anything else is served as a download. */
const INLINE_TYPES = /^(image\/(png|jpeg|gif|webp|avif)|video\/(mp4|webm)|audio\/(mpeg|ogg|webm|wav)|text\/plain(;\s*charset=utf-8)?)$/i;

export const newBlobId = (): string => `b_${randomBytes(16).toString('base64url')}`;

export interface ReportedItem {
  position: number;
  header: MessageHeader;
}

export class BlobsService {
  constructor(
    private readonly deps: {
      blobs: BlobsRepo;
      conversations: ConversationsRepo;
      events: ModerationEventsRepo;
      config: BlobConfig;
    },
  ) {}

  private get dir(): string {
    return this.deps.config.dir;
  }
  private blobPath(id: string): string {
    if (!SAFE_ID.test(id)) throw new InputError('validation_failed', 'blobId: not a blob id');
    return path.join(this.dir, id);
  }
  private evidencePath(a: { reportId: string; position: number; index: number }): string {
    if (!SAFE_ID.test(a.reportId)) throw new InputError('validation_failed', 'reportId: not a report id');
    return path.join(this.dir, 'reported', `${a.reportId}.${a.position}.${a.index}`);
  }

  /** Streams `body` into a temp file, refusing more than `limit` bytes; returns the temp path and size. */
  private async receive(body: Readable, limit: number, tooLarge: () => AppError): Promise<{ tmp: string; size: number }> {
    await fsp.mkdir(path.join(this.dir, 'tmp'), { recursive: true });
    const tmp = path.join(this.dir, 'tmp', `${randomBytes(12).toString('hex')}.part`);
    let size = 0;
    const out = fs.createWriteStream(tmp, { flags: 'wx' });
    // Every error of the file stream is caught here, also one that comes after destroy(): a write still queued behind
    // the file's open when a refusal destroys the stream fails later with ERR_STREAM_DESTROYED, and an 'error' event
    // without a listener would end the whole server process.
    let streamError: unknown = null;
    out.on('error', (e) => {
      streamError ??= e;
    });
    try {
      // Not pipeline(): on refusal the request must stay open so the problem response can be sent; the route
      // then closes the connection (server/routes/blobs.ts). Backpressure: wait for 'drain'.
      for await (const chunk of body.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > limit) throw tooLarge();
        if (streamError) throw streamError;
        if (!out.write(chunk)) await once(out, 'drain');
      }
      if (streamError) throw streamError;
      await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
    } catch (e) {
      // Wait for the stream to close before removing the file: an open still in flight would create it afterwards.
      const closed = out.closed ? Promise.resolve() : new Promise<void>((resolve) => out.once('close', () => resolve()));
      out.destroy();
      await closed;
      await fsp.rm(tmp, { force: true });
      if (AppError.is(e)) throw e;
      if (noSpace(e)) throw storageFull(e);
      throw new InputError('validation_failed', 'upload interrupted');
    }
    return { tmp, size };
  }

  private async membersOf(conversationId: string, userId: string): Promise<string[]> {
    const c = await this.deps.conversations.find(conversationId);
    if (!c || !c.memberIds.includes(userId)) throw new NotFoundError('conversation');
    return c.memberIds;
  }

  /** Upload: members only; the other members (now) are the recipients whose fetches end the blob's life. */
  async upload(uploaderId: string, conversationId: string, body: Readable, declaredLength: number | undefined, now = new Date()): Promise<BlobRow> {
    const members = await this.membersOf(conversationId, uploaderId);
    const { maxBytes, quotaBytes, ttlMs } = this.deps.config;
    if (declaredLength !== undefined && declaredLength > maxBytes) throw new InputError('payload_too_large', `blobs are limited to ${maxBytes} bytes`);
    const used = await this.deps.blobs.usage(uploaderId);
    if (used + (declaredLength ?? 0) > quotaBytes) throw new InputError('quota_exceeded', `attachment quota of ${quotaBytes} bytes per account reached`);
    const { tmp, size } = await this.receive(body, maxBytes, () => new InputError('payload_too_large', `blobs are limited to ${maxBytes} bytes`));
    try {
      if (size < MIN_BLOB_BYTES) throw new InputError('validation_failed', `a blob has at least ${MIN_BLOB_BYTES} bytes`);
      // Exact under concurrency and across processes: usage check, file move and row insert are one locked step.
      const row = { id: newBlobId(), uploaderId, conversationId, size: BigInt(size), expiresAt: new Date(now.getTime() + ttlMs) };
      const dest = this.blobPath(row.id);
      let refusedAt: number | null;
      try {
        refusedAt = await this.deps.blobs.createWithinQuota(row, members.filter((m) => m !== uploaderId), quotaBytes, async () => {
          try {
            await fsp.rename(tmp, dest);
          } catch (e) {
            if (noSpace(e)) throw storageFull(e);
            throw e;
          }
        });
      } catch (e) {
        await fsp.rm(dest, { force: true });
        throw e;
      }
      if (refusedAt !== null) throw new InputError('quota_exceeded', `attachment quota of ${quotaBytes} bytes per account reached`);
      return { ...row, createdAt: now };
    } finally {
      await fsp.rm(tmp, { force: true });
    }
  }

  /**
   * Download: current members of the blob's conversation who were recipients (or the uploader). A complete
   * transfer to a recipient is recorded; when none is left the blob is deleted.
   */
  async download(userId: string, blobId: string, res: Writable & { setHeader(n: string, v: string | number): unknown }): Promise<void> {
    const blob = await this.deps.blobs.find(blobId);
    if (!blob) throw new NotFoundError('blob');
    await this.membersOf(blob.conversationId, userId).catch(() => {
      throw new NotFoundError('blob');
    });
    const isRecipient = blob.uploaderId !== userId && (await this.deps.blobs.isRecipient(blobId, userId));
    if (blob.uploaderId !== userId && !isRecipient) throw new NotFoundError('blob');
    let file: fs.ReadStream;
    try {
      file = fs.createReadStream(this.blobPath(blobId), { highWaterMark: READ_CHUNK });
      await new Promise<void>((resolve, reject) => file.once('open', () => resolve()).once('error', reject));
    } catch {
      throw new NotFoundError('blob'); // deleted meanwhile (last fetch or TTL)
    }
    res.setHeader('Content-Type', 'application/octet-stream');
    res.setHeader('Content-Length', Number(blob.size));
    res.setHeader('Cache-Control', 'private, no-store');
    try {
      await pipeline(file, res);
    } catch (e) {
      if (clientGone(e, res)) return; // an aborted download is not a fetch: the blob stays for a retry
      throw e;
    }
    if (isRecipient && (await this.deps.blobs.markFetched(blobId, userId, new Date())) === 0) await this.remove(blobId);
  }

  private async remove(id: string): Promise<void> {
    if (await this.deps.blobs.delete(id)) await fsp.rm(this.blobPath(id), { force: true });
  }

  /** Group member removed: they will never fetch; blobs everyone else fetched are deleted now. */
  async forgetMember(conversationId: string, accountId: string): Promise<void> {
    for (const id of await this.deps.blobs.forgetRecipient(conversationId, accountId))
      if ((await this.deps.blobs.pendingRecipients(id)) === 0) await this.remove(id);
  }

  async sweep(now = new Date()): Promise<number> {
    let n = 0;
    for (const id of await this.deps.blobs.expired(now, 500)) {
      await this.remove(id);
      n++;
    }
    return n;
  }

  // ---------------------------------------------------------------------------------------------------
  // Reported attachments

  /** Verifies a ciphertext file against a descriptor (§11.5) without keeping any plaintext. */
  private async verifyFile(file: string, d: AttachmentDescriptor): Promise<void> {
    for await (const _ of decryptAttachment(d, fs.createReadStream(file, { highWaterMark: READ_CHUNK }))) {
      // plaintext discarded: verification only
    }
  }

  /** Moves (or links) a verified ciphertext to the evidence store, which no TTL or fetch deletes. */
  private async keepEvidence(source: string, key: { reportId: string; position: number; index: number }, move: boolean): Promise<void> {
    const dest = this.evidencePath(key);
    await fsp.mkdir(path.dirname(dest), { recursive: true });
    await fsp.rm(dest, { force: true });
    try {
      if (move) await fsp.rename(source, dest);
      else await fsp.link(source, dest).catch(() => fsp.copyFile(source, dest));
    } catch (e) {
      if (noSpace(e)) throw storageFull(e);
      throw e;
    }
  }

  private async verifyAndKeep(source: string, d: AttachmentDescriptor, key: { reportId: string; position: number; index: number }, move: boolean): Promise<string | null> {
    try {
      await this.verifyFile(source, d);
    } catch (e) {
      if (AttachmentError.is(e)) return e.code;
      if ((e as { code?: string }).code === 'ENOENT') return 'blob_unavailable';
      throw e;
    }
    await this.keepEvidence(source, key, move);
    return null;
  }

  /**
   * Report intake hook: one row per attachment of every verified item; blobs still stored are verified
   * now. Attachments whose blob is gone wait for the reporter's evidence upload.
   */
  async recordReport(reportId: string, items: ReportedItem[], now = new Date()): Promise<void> {
    const rows: Array<Omit<ReportAttachmentRow, 'createdAt' | 'verifiedAt' | 'failure'>> = [];
    for (const item of items)
      item.header.attachments.forEach((a, index) =>
        rows.push({ reportId, position: item.position, index, blobId: a.blobId, status: 'awaiting_upload', mediaType: a.mediaType, size: BigInt(a.size) }),
      );
    await this.deps.blobs.createReportAttachments(rows);
    for (const item of items)
      for (const [index, d] of item.header.attachments.entries()) {
        const key = { reportId, position: item.position, index };
        // Only a blob of the reported message's own conversation: one the recipient could have fetched.
        const blob = SAFE_ID.test(d.blobId) ? await this.deps.blobs.find(d.blobId) : null;
        if (!blob || blob.conversationId !== item.header.conversationId) continue;
        const failure = await this.verifyAndKeep(this.blobPath(d.blobId), d, key, false);
        if (failure === 'blob_unavailable') continue;
        await this.deps.blobs.setReportAttachmentStatus(key, failure ? 'failed' : 'verified', failure, now);
      }
  }

  private async descriptorOf(a: ReportAttachmentRow): Promise<AttachmentDescriptor> {
    const item = await this.deps.blobs.reportItemHeader(a.reportId, a.position);
    if (!item || item.verdict !== 'verified') throw new NotFoundError('attachment');
    const d = decodeHeader(item.header).attachments[a.index];
    if (!d) throw new NotFoundError('attachment');
    return d;
  }

  async listForReporter(reporterId: string, reportId: string): Promise<ReportAttachmentRow[]> {
    if ((await this.deps.blobs.reportOwner(reportId)) !== reporterId) throw new NotFoundError('report');
    return this.deps.blobs.reportAttachments(reportId);
  }

  /**
   * Evidence upload by the reporter when the blob is gone (or did not verify): the ciphertext it fetched,
   * or re-created by deterministic re-encryption (§11.5). Accepted only if it verifies against the
   * descriptor inside the verified, committed header — so it is exactly what the recipient displayed.
   */
  async uploadEvidence(reporterId: string, key: { reportId: string; position: number; index: number }, body: Readable, now = new Date()): Promise<ReportAttachmentRow> {
    if ((await this.deps.blobs.reportOwner(key.reportId)) !== reporterId) throw new NotFoundError('report');
    const row = await this.deps.blobs.reportAttachment(key.reportId, key.position, key.index);
    if (!row) throw new NotFoundError('attachment');
    if (row.status === 'verified') return row; // idempotent
    const d = await this.descriptorOf(row);
    let expected: number;
    try {
      expected = attachmentBlobLength(d.size, decodeAttachmentParams(d.params).log2ChunkSize);
    } catch {
      throw new InputError('attachment_invalid', 'the reported descriptor has unsupported parameters');
    }
    const { tmp } = await this.receive(body, expected, () => new InputError('attachment_invalid', 'trailing_data: more bytes than the descriptor allows'));
    try {
      const failure = await this.verifyAndKeep(tmp, d, key, true);
      if (failure) {
        await this.deps.blobs.setReportAttachmentStatus(key, 'failed', failure, now);
        throw new InputError('attachment_invalid', `${failure}: the upload does not verify against the reported descriptor`);
      }
      await this.deps.blobs.setReportAttachmentStatus(key, 'verified', null, now);
    } finally {
      await fsp.rm(tmp, { force: true });
    }
    return (await this.deps.blobs.reportAttachment(key.reportId, key.position, key.index)) as ReportAttachmentRow;
  }

  async listForModerator(reportId: string): Promise<ReportAttachmentRow[]> {
    if ((await this.deps.blobs.reportOwner(reportId)) === null) throw new NotFoundError('report');
    return this.deps.blobs.reportAttachments(reportId);
  }

  /**
   * Decrypts a verified reported attachment for a moderator, on demand: verified again in full before the
   * first byte is sent (verify before use), then streamed. Viewing is recorded in the audit log.
   */
  async openForModerator(
    actorId: string,
    key: { reportId: string; position: number; index: number },
    res: Writable & { setHeader(n: string, v: string | number): unknown },
  ): Promise<void> {
    const row = await this.deps.blobs.reportAttachment(key.reportId, key.position, key.index);
    if (!row) throw new NotFoundError('attachment');
    if (row.status !== 'verified') throw new ConflictError('attachment_not_verified', `attachment is ${row.status}${row.failure ? ` (${row.failure})` : ''}`);
    const d = await this.descriptorOf(row);
    const file = this.evidencePath(key);
    const failure = await this.verifyFile(file, d).then(
      () => null,
      (e: unknown) => (AttachmentError.is(e) ? e.code : 'blob_unavailable'),
    );
    if (failure) throw new ConflictError('attachment_not_verified', `stored evidence no longer verifies (${failure})`);
    await this.deps.events.append({
      subjectType: 'report', subjectId: key.reportId, type: 'attachment_viewed', actorId,
      payload: { position: key.position, index: key.index, mediaType: d.mediaType, size: d.size },
    });
    const inline = INLINE_TYPES.test(d.mediaType);
    res.setHeader('Content-Type', inline ? d.mediaType : 'application/octet-stream');
    res.setHeader('Content-Disposition', inline ? 'inline' : `attachment; filename="attachment-${key.position}-${key.index}"`);
    res.setHeader('Content-Length', d.size);
    res.setHeader('Cache-Control', 'private, no-store');
    // Whatever the file contains, it cannot run script or load anything in the moderator's origin.
    res.setHeader('Content-Security-Policy', "default-src 'none'; img-src 'self'; media-src 'self'; sandbox");
    res.setHeader('X-Attachment-Media-Type', d.mediaType);
    try {
      await pipeline(decryptAttachment(d, fs.createReadStream(file, { highWaterMark: READ_CHUNK })), res);
    } catch (e) {
      if (clientGone(e, res)) return;
      throw e;
    }
  }
}

