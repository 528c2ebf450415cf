// The SDK's attachment transfer helpers against a real server: encrypt-while-uploading (streaming request
// body), download-and-verify, streamed download, and the reporter's evidence re-upload.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { downloadAttachment, downloadAttachmentStream, uploadAttachment, uploadReportEvidence } from '../../client/transport/attachment-transfer.ts';
import { ApiError } from '../../client/transport/api.ts';
import { type TestUser, api, createUser, directConversation } from '../server/_harness.ts';
import { receive, sendWithAttachments, itemJson, startBlobServer } from './_server.ts';

let srv: Awaited<ReturnType<typeof startBlobServer>>;
let alice: TestUser;
let bob: TestUser;
let conv: string;
beforeAll(async () => {
  srv = await startBlobServer();
  [alice, bob] = await Promise.all([createUser(srv.url, 'x-alice'), createUser(srv.url, 'x-bob')]);
  conv = await directConversation(srv.url, alice, bob);
});
afterAll(async () => srv?.stop());

describe('attachment transfer helpers', () => {
  it.each(['stream', 'blob'] as const)('upload (%s body), send, download and verify, report with re-created evidence', async (uploadBody) => {
    const file = new Uint8Array(randomBytes(2 * 1024 * 1024 + 7));
    const pieces = (async function* () {
      for (let off = 0; off < file.length; off += 100_000) yield file.subarray(off, off + 100_000);
    })();
    const d = await uploadAttachment({ baseUrl: srv.url, token: alice.token, uploadBody }, conv, pieces, 'image/jpeg');
    expect(d).toMatchObject({ scheme: 1, size: file.length, mediaType: 'image/jpeg' });
    const { res, franked, aeadKey } = await sendWithAttachments(srv.url, alice, conv, [bob], 1, 'photo', [d]);
    const { env, opened } = await receive(srv.url, bob, res.json.messageId, aeadKey);
    const got = opened.header.attachments[0] as typeof d;
    const bobT = { baseUrl: srv.url, token: bob.token };
    const streamed: Uint8Array[] = [];
    for await (const p of downloadAttachmentStream({ baseUrl: srv.url, token: alice.token }, got)) streamed.push(p); // uploader re-fetch
    expect(Buffer.concat(streamed).equals(Buffer.from(file))).toBe(true);
    const shown = await downloadAttachment(bobT, got);
    expect(Buffer.from(shown).equals(Buffer.from(file))).toBe(true);
    // gone after bob's download (recorded just after the last byte left the server); then a typed error
    let again: unknown = null;
    for (let i = 0; i < 100 && !ApiError.is(again, 'not_found'); i++) {
      again = await downloadAttachment(bobT, got).then(() => null, (e: unknown) => e);
      if (!ApiError.is(again, 'not_found')) await new Promise((r) => setTimeout(r, 30));
    }
    expect(ApiError.is(again, 'not_found')).toBe(true);
    const r = await api<{ id: string }>(srv.url, 'POST', '/v1/reports', { category: 'other', reported: itemJson(env.stamp, franked, 'photo') }, bob.token);
    expect(await uploadReportEvidence(bobT, r.json.id, 0, 0, got, shown)).toMatchObject({ status: 'verified', failure: null });
  });
});
