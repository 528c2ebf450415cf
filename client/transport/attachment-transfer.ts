// Moving encrypted attachments to and from the server (docs/API.md "Attachments and groups"), for browsers
// and Node: encrypt while uploading, download while decrypting, and the reporter's evidence upload.
// Only ciphertext ever leaves the client; the descriptor (key included) goes into the franked header.
import { errorFromResponse } from './api-error.ts';
import { endpoints } from './contract/endpoints.ts';
import { operationUrl } from './invoke.ts';
import { type ByteSource, type EncryptOptions, type EngineOptions, decodeAttachmentParams } from '../attachments/attachment-params.ts';
import { decryptAttachment, decryptAttachmentToBytes } from '../attachments/attachment-decryptor.ts';
import { encryptAttachment, encryptAttachmentToBytes } from '../attachments/attachment-encryptor.ts';
import type { AttachmentDescriptor } from '../franking/header.ts';

export interface TransferTarget {
  /** Server origin, e.g. "http://127.0.0.1:3000" or "" in a page served by it. */
  baseUrl: string;
  token: string;
  fetch?: typeof fetch;
  /**
   * 'stream': a streaming request body (Node; browsers only over HTTP/2). 'blob': collect the ciphertext into a
   * Blob first (browsers keep large Blobs out of the JS heap). Default: 'stream' where `process` exists, else 'blob'.
   */
  uploadBody?: 'stream' | 'blob';
}

async function fail(res: Response): Promise<never> {
  throw await errorFromResponse(res);
}

function defaultBodyMode(): 'stream' | 'blob' {
  return typeof (globalThis as { process?: unknown }).process === 'object' ? 'stream' : 'blob';
}

async function put(t: TransferTarget, method: 'POST' | 'PUT', path: string, pieces: AsyncIterable<Uint8Array>): Promise<Response> {
  const doFetch = t.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => globalThis.fetch(input, init));
  const headers = { 'content-type': 'application/octet-stream', authorization: `Bearer ${t.token}` };
  if ((t.uploadBody ?? defaultBodyMode()) === 'blob') {
    const parts: BlobPart[] = [];
    for await (const p of pieces) parts.push(p as Uint8Array<ArrayBuffer>);
    return doFetch(t.baseUrl + path, { method, headers, body: new Blob(parts) });
  }
  const it = pieces[Symbol.asyncIterator]();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await it.next();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    async cancel() {
      await it.return?.();
    },
  });
  return doFetch(t.baseUrl + path, { method, headers, body, duplex: 'half' } as RequestInit);
}

/**
 * Encrypts `file` while uploading it as a blob of `conversationId`; returns the descriptor to put into the
 * franked header (`frankMessage({ …, attachments: [descriptor] })`).
 */
export async function uploadAttachment(
  t: TransferTarget, conversationId: string, file: ByteSource, mediaType: string, opts: EncryptOptions = {},
): Promise<AttachmentDescriptor> {
  const enc = encryptAttachment(file, opts);
  const res = await put(t, 'POST', operationUrl(endpoints.uploadBlob, { query: { conversationId } }), enc);
  if (!res.ok) await fail(res);
  const { blobId } = (await res.json()) as { blobId: string };
  const { blobLength: _blobLength, ...a } = await enc.result;
  return { ...a, blobId, mediaType };
}

async function fetchBlob(t: TransferTarget, blobId: string): Promise<Response> {
  const doFetch = t.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => globalThis.fetch(input, init));
  const res = await doFetch(t.baseUrl + operationUrl(endpoints.downloadBlob, { params: { blobId } }), { headers: { authorization: `Bearer ${t.token}` } });
  if (!res.ok || !res.body) await fail(res);
  return res;
}

/** Downloads and fully verifies an attachment (§11.5) before returning any of it: safe to display. */
export async function downloadAttachment(t: TransferTarget, d: AttachmentDescriptor, opts: EngineOptions = {}): Promise<Uint8Array> {
  const res = await fetchBlob(t, d.blobId);
  return decryptAttachmentToBytes(d, res.body as ReadableStream<Uint8Array>, opts);
}

/**
 * Streams the decrypted attachment (bounded memory, e.g. into a file). Chunks are provisional until the
 * iteration ends without an error (§11.5): do not display them before.
 */
export async function* downloadAttachmentStream(t: TransferTarget, d: AttachmentDescriptor, opts: EngineOptions = {}): AsyncGenerator<Uint8Array> {
  const res = await fetchBlob(t, d.blobId);
  yield* decryptAttachment(d, res.body as ReadableStream<Uint8Array>, opts);
}

/**
 * Evidence for a reported attachment whose blob the server no longer has: re-encrypts the displayed
 * plaintext under the descriptor's key and params, which reproduces the blob byte for byte (§11.5).
 */
export async function uploadReportEvidence(
  t: TransferTarget, reportId: string, position: number, index: number, d: AttachmentDescriptor, plaintext: Uint8Array,
): Promise<{ status: string; failure: string | null }> {
  const { blob } = await encryptAttachmentToBytes(plaintext, {
    key: d.key, salt: d.params.subarray(1), log2ChunkSize: decodeAttachmentParams(d.params).log2ChunkSize,
  });
  const res = await put(t, 'PUT', operationUrl(endpoints.uploadReportAttachment, { params: { reportId, position, index } }), (async function* () {
    yield blob;
  })());
  if (!res.ok) await fail(res);
  return (await res.json()) as { status: string; failure: string | null };
}
