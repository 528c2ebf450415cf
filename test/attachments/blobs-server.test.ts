// Blob storage on a real server and database: streaming upload to BLOB_DIR, members-only download, size
// limits, per-account quota, deletion after every recipient fetched (and after a removed member stops
// counting), TTL sweep, and no attachment key or plaintext anywhere on the server.
import fs from 'node:fs';
import { Readable } from 'node:stream';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decryptAttachmentToBytes, encryptAttachment, encryptAttachmentToBytes } from '../../client/protocol.ts';
import { type TestUser, createUser, directConversation } from '../server/_harness.ts';
import { downloadBlob, eventuallyGone, startBlobServer, uploadBlob } from './_server.ts';
import { ServerMember } from '../groups/_server-member.ts';

let srv: Awaited<ReturnType<typeof startBlobServer>>;
let base: string;
let alice: TestUser;
let bob: TestUser;
let carol: TestUser;
let mallory: TestUser;
let direct: string;

const QUOTA = 3 * 1024 * 1024;
const MAX = 2 * 1024 * 1024;

beforeAll(async () => {
  srv = await startBlobServer({ maxBytes: MAX, quotaBytes: QUOTA });
  base = srv.url;
  [alice, bob, carol, mallory] = await Promise.all(['b-alice', 'b-bob', 'b-carol', 'b-mallory'].map((id) => createUser(base, id))) as [TestUser, TestUser, TestUser, TestUser];
  direct = await directConversation(base, alice, bob);
});
afterAll(async () => srv?.stop());

const filesIn = (dir: string) => fs.readdirSync(dir).filter((f) => f.startsWith('b_'));

describe('upload and download', () => {
  it('streams a blob up, members fetch it byte for byte, non-members see nothing', async () => {
    const plaintext = new Uint8Array(300_000).map((_, i) => i % 251);
    const enc = encryptAttachment((async function* () {
      for (let off = 0; off < plaintext.length; off += 65_536) yield plaintext.subarray(off, off + 65_536);
    })(), { log2ChunkSize: 16 });
    const up = await uploadBlob(base, alice, direct, enc);
    expect(up.status).toBe(201);
    const attachment = await enc.result;
    const blobId = up.json?.blobId as string;
    expect(up.json?.size).toBe(attachment.blobLength);
    expect(fs.statSync(path.join(srv.blobDir, blobId)).size).toBe(attachment.blobLength);

    expect((await downloadBlob(base, mallory, blobId)).status).toBe(404);
    const mine = await downloadBlob(base, alice, blobId); // the uploader may re-fetch; it does not count as delivery
    expect(mine.status).toBe(200);
    const got = await downloadBlob(base, bob, blobId);
    expect(got.status).toBe(200);
    expect(got.headers.get('content-type')).toBe('application/octet-stream');
    const out = await decryptAttachmentToBytes(attachment, got.bytes);
    expect(Buffer.from(out).equals(Buffer.from(plaintext))).toBe(true);
    // bob was the only recipient: the blob is gone, row and file.
    expect(await eventuallyGone(base, alice, blobId)).toBe(true);
    expect(fs.existsSync(path.join(srv.blobDir, blobId))).toBe(false);
  });

  it('refuses non-members, wrong content types, tiny and oversized blobs, and enforces the quota', async () => {
    const { blob } = await encryptAttachmentToBytes(new Uint8Array(1000));
    expect((await uploadBlob(base, mallory, direct, blob)).status).toBe(404);
    const wrongType = await fetch(`${base}/v1/blobs?conversationId=${direct}`, { method: 'POST', headers: { authorization: `Bearer ${alice.token}`, 'content-type': 'application/json' }, body: '{}' });
    expect(wrongType.status).toBe(415);
    const tiny = await uploadBlob(base, alice, direct, new Uint8Array(47));
    expect(tiny.status).toBe(400);
    const huge = await uploadBlob(base, alice, direct, new Uint8Array(MAX + 1));
    expect(huge.status).toBe(413);
    expect(huge.json?.code).toBe('payload_too_large');
    // Streamed without a Content-Length: the limit is enforced while receiving.
    const streamed = await uploadBlob(base, alice, direct, (async function* () {
      for (let i = 0; i < 40; i++) yield new Uint8Array(64 * 1024);
    })());
    expect(streamed.status).toBe(413);
    // Quota: 3 MiB per account of live blobs; each of these is 1.5 MiB.
    const big = (await encryptAttachmentToBytes(new Uint8Array(1536 * 1024 - 200))).blob;
    const [gCarol, gBob] = await Promise.all([ServerMember.create('bq-carol', base), ServerMember.create('bq-bob', base)]);
    const group = await gCarol.createGroup();
    await gCarol.add(group, [gBob.id]); // an MLS group: bob joins by the creator's Commit
    expect((await uploadBlob(base, gCarol.user, group, big)).status).toBe(201);
    expect((await uploadBlob(base, gCarol.user, group, big)).status).toBe(201);
    const over = await uploadBlob(base, gCarol.user, group, big);
    expect(over.status).toBe(413);
    expect(over.json?.code).toBe('quota_exceeded');
    expect(fs.readdirSync(path.join(srv.blobDir, 'tmp'))).toEqual([]); // refused uploads leave no partial files
  });

  it('a group blob is for members only and lives until every member fetched it; a removed member stops counting', async () => {
    const [gAlice, gBob, gMallory] = await Promise.all(['bg-alice', 'bg-bob', 'bg-mallory'].map((id) => ServerMember.create(id, base))) as [ServerMember, ServerMember, ServerMember];
    const g = await gAlice.createGroup();
    await gAlice.add(g, [gBob.id, gMallory.id]); // members join by MLS Commit; the relay follows the roster from it
    const { blob } = await encryptAttachmentToBytes(new Uint8Array(5000));
    const up = await uploadBlob(base, gAlice.user, g, blob);
    expect(up.status).toBe(201);
    const blobId = up.json?.blobId as string;
    // Not a member of the group: neither fetch nor upload.
    expect((await downloadBlob(base, carol, blobId)).status).toBe(404);
    expect((await uploadBlob(base, carol, g, blob)).status).toBe(404);
    expect((await downloadBlob(base, gBob.user, blobId)).status).toBe(200);
    expect(fs.existsSync(path.join(srv.blobDir, blobId))).toBe(true); // mallory has not fetched yet
    const removed = await gAlice.commit(g, await gAlice.group(g).remove([gMallory.id])); // an MLS Commit removing mallory
    expect(removed.change).toMatchObject({ removed: [gMallory.id], by: gAlice.id });
    expect(await eventuallyGone(base, gAlice.user, blobId)).toBe(true); // nobody left to wait for
    // The row goes first, the file is unlinked right after it: wait (bounded) for the file as well.
    await expect.poll(() => fs.existsSync(path.join(srv.blobDir, blobId)), { timeout: 5000 }).toBe(false);
    expect((await downloadBlob(base, gMallory.user, blobId)).status).toBe(404);
    // A removed member cannot upload into the group either.
    expect((await uploadBlob(base, gMallory.user, g, blob)).status).toBe(404);
  });

  it('the TTL sweep deletes unfetched blobs', async () => {
    const short = await startBlobServer({ ttlMs: 1 });
    try {
      const [a, b] = await Promise.all([createUser(short.url, 't-a'), createUser(short.url, 't-b')]);
      const conv = await directConversation(short.url, a, b);
      const { blob } = await encryptAttachmentToBytes(new Uint8Array(100));
      const up = await uploadBlob(short.url, a, conv, blob);
      await new Promise((r) => setTimeout(r, 5));
      const swept = await short.services.sweep();
      expect(swept.blobs).toBe(1);
      expect(filesIn(short.blobDir)).toEqual([]);
      expect((await downloadBlob(short.url, b, up.json?.blobId as string)).status).toBe(404);
    } finally {
      await short.stop();
    }
  });

  it('the server never stores an attachment key or plaintext for unreported attachments', async () => {
    const secret = new TextEncoder().encode('CANARY-ATTACHMENT-PLAINTEXT-'.repeat(10));
    const { blob, attachment } = await encryptAttachmentToBytes(secret);
    await uploadBlob(base, alice, direct, blob);
    const keyHex = Buffer.from(attachment.key).toString('hex');
    const keyB64 = Buffer.from(attachment.key).toString('base64url');
    const dump = JSON.stringify(await srv.services.db.blob.findMany(), (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v));
    for (const needle of ['CANARY-ATTACHMENT', keyHex, keyB64]) {
      expect(dump).not.toContain(needle);
      expect(srv.logs.text).not.toContain(needle);
    }
    for (const f of filesIn(srv.blobDir)) expect(Buffer.from(fs.readFileSync(path.join(srv.blobDir, f))).includes(Buffer.from('CANARY'))).toBe(false);
  });
});

describe('a refused upload', () => {
  it('leaves no stream error behind: a write queued behind the file open fails after the refusal, and is caught', async () => {
    // The upload path (server/services/blobs/blobs.ts receive()) destroys its temp-file stream on refusal while the
    // file's open may still be in flight: a chunk written before the open then fails with ERR_STREAM_DESTROYED (unheard,
    // an uncaught exception that ends the server process; CI saw it once), and an open that completes after the
    // cleanup leaves a temp file behind (this check failed before the cleanup waited for the stream to close).
    const uncaught: unknown[] = [];
    const onUncaught = (e: unknown) => uncaught.push(e);
    process.on('uncaughtException', onUncaught);
    try {
      for (let i = 0; i < 40; i++) {
        const body = Readable.from([Buffer.alloc(4096, 1), Buffer.alloc(MAX, 2)]);
        await expect(srv.services.blobs.upload(alice.id, direct, body, undefined)).rejects.toMatchObject({ code: 'payload_too_large' });
      }
      await new Promise((r) => setTimeout(r, 300));
      expect(uncaught).toEqual([]);
      expect(fs.readdirSync(path.join(srv.blobDir, 'tmp'))).toEqual([]); // no temp file left behind either
    } finally {
      process.off('uncaughtException', onUncaught);
    }
  });
});
