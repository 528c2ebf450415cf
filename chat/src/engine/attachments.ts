// Received attachments (docs/PROTOCOL.md §11): downloaded, verified whole (key commitment, every chunk, size,
// digest) and stored before they are shown; then offered as URLs to the page.
import { type ApiClient, ApiError, AttachmentError } from '@franking-chat/sdk';
import { decodeHeader, fromBase64Url } from '@franking-chat/sdk/protocol';
import type { AttachmentState } from '../storage.ts';
import { FILE_FAILED, FILE_GONE, FILE_MISMATCH, tooLargeToOpen } from '../wording.ts';
import type { Device } from './device.ts';
import { MAX_ATTACHMENT_BYTES } from './limits.ts';
import type { Conversations } from './state/conversations.ts';

function dataUrl(blob: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(r.result as string);
    r.onerror = () => reject(r.error ?? new Error('could not read the file'));
    r.readAsDataURL(blob);
  });
}

export class Attachments {
  /** Object URLs of verified attachments, by `${messageId}#${index}`. */
  private readonly fileUrls = new Map<string, Promise<string | null>>();

  constructor(private readonly device: Device, private readonly api: ApiClient, private readonly conversations: Conversations) {}

  /**
   * A verified attachment as a URL (null while it is not stored here): images as data: URLs (the page's CSP
   * allows `img-src 'self' data:` only), other files as object URLs for the download link.
   */
  url(messageId: string, index: number): Promise<string | null> {
    const key = `${messageId}#${index}`;
    let p = this.fileUrls.get(key);
    if (!p) {
      p = this.device.store().file(messageId, index).then((f) => (!f ? null : f.data.type.startsWith('image/') ? dataUrl(f.data) : URL.createObjectURL(f.data)));
      p.then((u) => u === null && this.fileUrls.delete(key), () => this.fileUrls.delete(key));
      this.fileUrls.set(key, p);
    }
    return p;
  }

  /** Downloads, verifies and stores a message's attachments; only then are they shown. */
  async fetch(messageId: string): Promise<void> {
    const store = this.device.store();
    const m = await store.message(messageId);
    if (!m?.item || !m.attachments) return;
    const descriptors = decodeHeader(fromBase64Url(m.item.header, 'header')).attachments;
    const states: AttachmentState[] = [...m.attachments];
    for (const [i, d] of descriptors.entries()) {
      const st = states[i];
      if (!st || st.status === 'ready') continue;
      if (d.size > MAX_ATTACHMENT_BYTES) {
        states[i] = { ...st, status: 'failed', error: tooLargeToOpen(d.size) };
        continue;
      }
      try {
        const bytes = await this.api.downloadAttachment(d);
        await store.write([{ store: 'files', value: { id: `${m.id}#${i}`, messageId: m.id, index: i, data: new Blob([bytes as Uint8Array<ArrayBuffer>], { type: d.mediaType }) } }]);
        states[i] = { mediaType: st.mediaType, size: st.size, status: 'ready' };
      } catch (e) {
        if (ApiError.is(e, 'network_error')) continue; // tried again on the next start
        states[i] = { ...st, status: 'failed', error: e instanceof AttachmentError ? FILE_MISMATCH : ApiError.is(e, 'not_found') ? FILE_GONE : FILE_FAILED };
      }
    }
    const latest = (await store.message(messageId)) ?? m;
    await this.conversations.save({ ...latest, attachments: states });
  }

  /** Downloads what was still loading when the page last closed. */
  async resume(): Promise<void> {
    for (const m of this.conversations.all()) {
      if (m.direction === 'in' && m.attachments?.some((a) => a.status === 'loading')) await this.fetch(m.id).catch(() => undefined);
    }
  }

  forget(): void {
    for (const u of this.fileUrls.values()) void u.then((url) => url?.startsWith('blob:') && URL.revokeObjectURL(url));
    this.fileUrls.clear();
  }
}
