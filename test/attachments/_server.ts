// Attachment helpers on top of the server harness: a server with its own temporary BLOB_DIR, raw
// octet-stream upload/download, and a franked message carrying attachment descriptors sent through the relay.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  type AttachmentDescriptor, type FrankedMessage, frankMessage, openFranked, sealFranked, toBase64Url, xchacha20poly1305Aead,
} from '../../client/protocol.ts';
import type { BlobConfig, ServerConfig } from '../../server/config.ts';
import { type EnvelopeJson, type TestServer, type TestUser, api, startTestServer } from '../server/_harness.ts';

/** Who calls the HTTP API: a harness user or an MLS group member (ServerMember.user). */
export type Caller = Pick<TestUser, 'id' | 'token'>;

export async function startBlobServer(blobs: Partial<BlobConfig> = {}, overrides: Partial<ServerConfig> = {}): Promise<TestServer & { blobDir: string }> {
  const blobDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fc-blobs-'));
  const srv = await startTestServer({
    blobs: { dir: blobDir, maxBytes: 101 * 1024 * 1024, quotaBytes: 1024 * 1024 * 1024, ttlMs: 86_400_000, ...blobs },
    ...overrides,
  });
  return {
    ...srv,
    blobDir,
    async stop() {
      await srv.stop();
      fs.rmSync(blobDir, { recursive: true, force: true });
    },
  };
}

export type BodySource = Uint8Array | AsyncIterable<Uint8Array>;

function toBody(body: BodySource): { body: BodyInit; duplex?: 'half' } {
  if (body instanceof Uint8Array) return { body: body as Uint8Array<ArrayBuffer> };
  const it = body[Symbol.asyncIterator]();
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await it.next();
      if (done) controller.close();
      else controller.enqueue(value);
    },
  });
  return { body: stream, duplex: 'half' };
}

export async function rawRequest(base: string, method: string, urlPath: string, token: string | undefined, body?: BodySource, headers: Record<string, string> = {}) {
  const init: RequestInit & { duplex?: 'half' } = {
    method,
    headers: { ...(body !== undefined ? { 'content-type': 'application/octet-stream' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    ...(body !== undefined ? toBody(body) : {}),
  };
  const res = await fetch(base + urlPath, init);
  const bytes = new Uint8Array(await res.arrayBuffer());
  const type = res.headers.get('content-type') ?? '';
  const json = type.includes('json') && bytes.length ? (JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>) : null;
  return { status: res.status, headers: res.headers, bytes, json };
}

export async function uploadBlob(base: string, user: Caller, conversationId: string, blob: BodySource) {
  return rawRequest(base, 'POST', `/v1/blobs?conversationId=${encodeURIComponent(conversationId)}`, user.token, blob);
}

export async function downloadBlob(base: string, user: Caller, blobId: string) {
  return rawRequest(base, 'GET', `/v1/blobs/${blobId}`, user.token);
}

const te = new TextEncoder();

/**
 * A franked message with attachments sent through the relay. The session is a plain XChaCha20-Poly1305 AEAD
 * whose key the test shares between sender and recipients (the relay only sees ciphertext either way).
 */
export async function sendWithAttachments(
  base: string, from: TestUser, conversationId: string, to: TestUser[], seq: number, text: string,
  attachments: AttachmentDescriptor[], opts: { prevCommitment?: Uint8Array; aeadKey?: Uint8Array } = {},
) {
  const aeadKey = opts.aeadKey ?? new Uint8Array(randomBytes(32));
  const franked = frankMessage(
    { conversationId, senderId: from.id, seq, attachments, ...(opts.prevCommitment ? { prevCommitment: opts.prevCommitment } : {}) },
    te.encode(text),
  );
  const ciphertext = sealFranked(xchacha20poly1305Aead(aeadKey), franked);
  const res = await api<{ messageId: string; stamp: Record<string, unknown> }>(base, 'POST', '/v1/messages', {
    conversationId, commitment: toBase64Url(franked.commitment),
    envelopes: to.map((u) => ({ recipientId: u.id, ciphertext: toBase64Url(ciphertext) })),
  }, from.token);
  return { res, franked, aeadKey };
}

/** The recipient side: fetch its envelope for `messageId`, decrypt and open the commitment (§6). */
export async function receive(base: string, user: TestUser, messageId: string, aeadKey: Uint8Array) {
  const mail = await api<{ envelopes: EnvelopeJson[] }>(base, 'GET', '/v1/messages?limit=500', undefined, user.token);
  const env = mail.json.envelopes.find((e) => e.stamp.messageId === messageId);
  if (!env) throw new Error(`no envelope for ${messageId}`);
  const opened = openFranked(xchacha20poly1305Aead(aeadKey), Buffer.from(env.ciphertext, 'base64url'), Buffer.from(env.commitment, 'base64url'), {
    expect: { conversationId: env.stamp.conversationId as string, senderId: env.stamp.senderId as string },
  });
  return { env, opened };
}

export function itemJson(stamp: Record<string, unknown>, franked: Pick<FrankedMessage, 'commitment' | 'fk' | 'headerBytes'>, body: string) {
  return {
    stamp, commitment: toBase64Url(franked.commitment), fk: toBase64Url(franked.fk), header: toBase64Url(franked.headerBytes),
    body: toBase64Url(te.encode(body)),
  };
}

/** The server records a complete download after the last byte left it, so deletion trails the client by a moment. */
export async function eventuallyGone(base: string, user: Caller, blobId: string, timeoutMs = 3000): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if ((await downloadBlob(base, user, blobId)).status === 404) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return false;
}
