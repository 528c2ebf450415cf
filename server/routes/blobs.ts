// Attachments (docs/PROTOCOL.md §11.8): ciphertext blob upload/download, and reported attachments —
// the reporter's evidence upload and the moderators' on-demand decrypted view. Uploads and downloads
// stream raw bytes (application/octet-stream), never JSON, and are never buffered whole in memory.
import type { Request, Response } from 'express';
import type { ReportAttachmentRow } from '../services/blobs/index.ts';
import { InputError } from '../errors.ts';
import type { Services } from '../services/index.ts';
import { type Route, route } from './_route.ts';
import { modAttachmentOperations as modOps } from '../../client/transport/contract/moderation/attachments.ts';
import { blobOperations as ops } from '../../client/transport/contract/blobs.ts';
const view = (a: ReportAttachmentRow) => ({
  position: a.position, index: a.index, blobId: a.blobId, status: a.status, failure: a.failure, mediaType: a.mediaType,
  size: Number(a.size), verifiedAt: a.verifiedAt?.toISOString() ?? null,
});

/**
 * Runs an upload handler; if it refuses the upload before reading all of it, the rest of the body is not
 * read: the problem response carries Connection: close and the socket is closed once it is sent.
 */
async function upload<T>(raw: { req: Request; res: Response }, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    if (!raw.req.complete && !raw.res.headersSent) {
      raw.res.setHeader('Connection', 'close');
      raw.res.once('finish', () => raw.req.socket.destroy());
    }
    throw e;
  }
}

function requireOctetStream(req: { is(t: string): string | false | null }): void {
  if (!req.is('application/octet-stream')) throw new InputError('unsupported_media_type', 'expected Content-Type: application/octet-stream');
}
function declaredLength(req: { get(h: string): string | undefined }): number | undefined {
  const raw = req.get('content-length');
  const n = raw === undefined ? NaN : Number(raw);
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

export function blobRoutes(s: Services): Route[] {
  return [
    route(ops.uploadBlob, async ({ principal, query, raw }) => {
      const b = await upload(raw, () => {
        requireOctetStream(raw.req);
        return s.blobs.upload(principal.userId, query.conversationId, raw.req, declaredLength(raw.req));
      });
      return { blobId: b.id, size: Number(b.size), expiresAt: b.expiresAt.toISOString() };
    }),
    route(ops.downloadBlob, async ({ principal, params, raw }) => {
      await s.blobs.download(principal.userId, params.blobId, raw.res);
      return null;
    }),
    route(ops.listReportAttachments, async ({ principal, params }) => ({
      attachments: (await s.blobs.listForReporter(principal.userId, params.reportId)).map(view),
    })),
    route(ops.uploadReportAttachment, async ({ principal, params, raw }) => {
      return view(await upload(raw, () => {
        requireOctetStream(raw.req);
        return s.blobs.uploadEvidence(principal.userId, params, raw.req);
      }));
    }),
    route(modOps.moderationReportAttachments, async ({ params }) => ({ attachments: (await s.blobs.listForModerator(params.reportId)).map(view) })),
    route(modOps.moderationReportAttachmentContent, async ({ principal, params, raw }) => {
      await s.blobs.openForModerator(principal.userId, params, raw.res);
      return null;
    }),
  ];
}
