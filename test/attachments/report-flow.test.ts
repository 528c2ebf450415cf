// Attachments through the whole system: sender encrypts and uploads, the franked header carries the
// descriptor, the recipient verifies and displays, reports it; the server checks the evidence against the
// committed descriptor and shows moderators exactly the displayed bytes — also when the sender attacks
// with a GCM multi-key collision (invisible salamanders) and when the reporter tries to swap the file.
// 1:1 messages go through the pairwise relay; group messages are real MLS group messages (docs/PROTOCOL.md §12).
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AttachmentDescriptor, AttachmentError, attachmentDigest, chunkNonce, decodeAttachmentParams, decryptAttachmentToBytes,
  deriveAttachmentKeys, encodeAttachmentParams, encryptAttachment, encryptAttachmentToBytes, encodeHeader,
} from '../../client/protocol.ts';
import { type TestUser, api, createUser, directConversation } from '../server/_harness.ts';
import { type Staff, cheapPasswordHashing, createStaff, modApi } from '../moderation/_mod.ts';
import { multiKeyCollision } from './_gcm-collision.ts';
import { type Caller, downloadBlob, eventuallyGone, itemJson, rawRequest, receive, sendWithAttachments, startBlobServer, uploadBlob } from './_server.ts';
import { type Received, ServerMember } from '../groups/_server-member.ts';

let srv: Awaited<ReturnType<typeof startBlobServer>>;
let base: string;
let alice: TestUser;
let bob: TestUser;
let carol: TestUser;
let staff: Staff;

beforeAll(async () => {
  cheapPasswordHashing();
  srv = await startBlobServer();
  base = srv.url;
  [alice, bob, carol] = await Promise.all(['r-alice', 'r-bob', 'r-carol'].map((id) => createUser(base, id))) as [TestUser, TestUser, TestUser];
  staff = await createStaff(srv, 'mod-att', 'moderator');
});
afterAll(async () => srv?.stop());

const te = new TextEncoder();
type Attachments = { attachments: Array<{ position: number; index: number; status: string; failure: string | null; mediaType: string; size: number }> };

async function modContent(reportId: string, position: number, index: number) {
  return rawRequest(base, 'GET', `/v1/mod/reports/${reportId}/attachments/${position}/${index}/content`, undefined, undefined, { cookie: staff.cookie });
}
async function report(reporter: Caller, reported: unknown, context: unknown[] = []) {
  const r = await api<{ id: string; verdict: string; items: Array<{ verdict: string }> }>(base, 'POST', '/v1/reports', { category: 'sexual', reported, context }, reporter.token);
  expect(r.status).toBe(201);
  return r.json;
}

/** An MLS group on the server: `alice` creates it and adds bob and carol by Commit; they join from the Welcome. */
let groups = 0;
async function mlsGroup() {
  const tag = ++groups;
  const [a, b, c] = await Promise.all(['alice', 'bob', 'carol'].map((n) => ServerMember.create(`rg${tag}-${n}`, base)));
  const conv = await (a as ServerMember).createGroup();
  await (a as ServerMember).add(conv, [(b as ServerMember).id, (c as ServerMember).id]);
  for (const m of [b, c] as ServerMember[]) expect((await m.sync()).map((r) => r.event.kind)).toEqual(['joined']);
  return { conv, alice: a as ServerMember, bob: b as ServerMember, carol: c as ServerMember };
}

/** A member's opened copy of group message `messageId` from its inbox, with its own recipient stamp. */
function groupCopy(inbox: Received[], messageId: string) {
  const r = inbox.find((x) => x.item.id === messageId);
  if (!r || r.event.kind !== 'message' || !r.item.stamp) throw new Error(`no opened copy of ${messageId}: ${JSON.stringify(r?.event)}`);
  return { stamp: r.item.stamp as unknown as Record<string, unknown>, opened: r.event.opened };
}
const groupItem = (copy: ReturnType<typeof groupCopy>) =>
  itemJson(copy.stamp, { commitment: copy.opened.commitment, fk: copy.opened.fk, headerBytes: copy.opened.headerBytes }, new TextDecoder().decode(copy.opened.body));

describe('an honest attachment, reported', () => {
  it('the moderator sees exactly what the recipient displayed, even after the blob was deleted (evidence re-created)', async () => {
    const conv = await directConversation(base, alice, bob);
    const image = new Uint8Array(randomBytes(3 * 1024 * 1024 + 123));
    const enc = encryptAttachment(image);
    const up = await uploadBlob(base, alice, conv, enc);
    expect(up.status).toBe(201);
    const a = await enc.result;
    const descriptor: AttachmentDescriptor = { ...a, blobId: up.json?.blobId as string, mediaType: 'image/png' };
    const { res, franked, aeadKey } = await sendWithAttachments(base, alice, conv, [bob], 1, 'look at this', [descriptor]);
    expect(res.status).toBe(201);

    // Recipient: open the franked message, fetch the blob named in the committed header, verify, display.
    const { env, opened } = await receive(base, bob, res.json.messageId, aeadKey);
    const d = opened.header.attachments[0] as AttachmentDescriptor;
    const fetched = await downloadBlob(base, bob, d.blobId);
    const displayed = await decryptAttachmentToBytes(d, fetched.bytes);
    expect(Buffer.from(displayed).equals(Buffer.from(image))).toBe(true);
    expect(await eventuallyGone(base, alice, d.blobId)).toBe(true); // bob fetched it: deleted

    const filed = await report(bob, itemJson(env.stamp, franked, 'look at this'));
    expect(filed.verdict).toBe('verified');
    const list = await api<Attachments>(base, 'GET', `/v1/reports/${filed.id}/attachments`, undefined, bob.token);
    expect(list.json.attachments).toMatchObject([{ position: 0, index: 0, status: 'awaiting_upload', mediaType: 'image/png', size: image.length }]);
    expect((await modContent(filed.id, 0, 0)).status).toBe(409);

    // Bob kept only the plaintext: deterministic re-encryption under the descriptor's key and params rebuilds the blob.
    const rebuilt = await encryptAttachmentToBytes(displayed, {
      key: d.key, salt: d.params.subarray(1), log2ChunkSize: decodeAttachmentParams(d.params).log2ChunkSize,
    });
    const wrong = await rawRequest(base, 'PUT', `/v1/reports/${filed.id}/attachments/0/0`, bob.token, (await encryptAttachmentToBytes(new Uint8Array(100))).blob);
    expect(wrong.status).toBe(422);
    expect(wrong.json?.code).toBe('attachment_invalid');
    expect((await rawRequest(base, 'PUT', `/v1/reports/${filed.id}/attachments/0/0`, alice.token, rebuilt.blob)).status).toBe(404); // not alice's report
    const ok = await rawRequest(base, 'PUT', `/v1/reports/${filed.id}/attachments/0/0`, bob.token, rebuilt.blob);
    expect(ok.status).toBe(200);
    expect(ok.json).toMatchObject({ status: 'verified', failure: null });

    const modList = await modApi<Attachments>(base, staff, 'GET', `/v1/mod/reports/${filed.id}/attachments`);
    expect(modList.json.attachments[0]?.status).toBe('verified');
    const shown = await modContent(filed.id, 0, 0);
    expect(shown.status).toBe(200);
    expect(Buffer.from(shown.bytes).equals(Buffer.from(displayed))).toBe(true);
    expect(shown.headers.get('content-type')).toBe('image/png');
    expect(shown.headers.get('content-security-policy')).toContain('sandbox');
    expect(shown.headers.get('cache-control')).toContain('no-store');
    const events = await srv.services.moderationEvents.forSubject('report', filed.id);
    expect(events.map((e) => e.type)).toContain('attachment_viewed');
    // Not for chat users, not even the reporter.
    expect((await rawRequest(base, 'GET', `/v1/mod/reports/${filed.id}/attachments/0/0/content`, bob.token)).status).toBe(403);
    // Kept past every TTL: a sweep far in the future leaves the evidence.
    await srv.services.blobs.sweep(new Date(Date.now() + 365 * 86_400_000));
    expect((await modContent(filed.id, 0, 0)).status).toBe(200);
  });

  it('a group attachment (MLS): a blob still on the server is verified at intake and kept after the last member fetched it', async () => {
    const { conv, alice: ga, bob: gb, carol: gc } = await mlsGroup();
    const file = te.encode('a small text attachment\n'.repeat(50));
    const { blob, attachment } = await encryptAttachmentToBytes(file, { log2ChunkSize: 12 });
    const up = await uploadBlob(base, ga.user, conv, blob);
    expect(up.status).toBe(201);
    const descriptor = { ...attachment, blobId: up.json?.blobId as string, mediaType: 'text/html' };
    // One MLS application message: the descriptor is in the franked header, the commitment in the MLS AD.
    const sent = await ga.send(conv, 'see file', { attachments: [descriptor] });
    expect(sent.sent.stamp).toMatchObject({ role: 'sender', conversationId: conv });
    const copy = groupCopy(await gb.sync(), sent.sent.messageId);
    expect(copy.opened.header).toMatchObject({ version: 2, conversationId: conv, epoch: 1 });
    const shownToBob = copy.opened.header.attachments[0] as AttachmentDescriptor;
    expect(shownToBob.blobId).toBe(descriptor.blobId);
    await downloadBlob(base, gb.user, shownToBob.blobId);
    const filed = await report(gb.user, groupItem(copy));
    expect(filed.verdict).toBe('verified');
    const list = await api<Attachments>(base, 'GET', `/v1/reports/${filed.id}/attachments`, undefined, gb.user.token);
    expect(list.json.attachments[0]?.status).toBe('verified');
    await downloadBlob(base, gc.user, descriptor.blobId); // last recipient: the blob is deleted …
    expect(await eventuallyGone(base, ga.user, descriptor.blobId)).toBe(true);
    const shown = await modContent(filed.id, 0, 0); // … the evidence is not
    expect(Buffer.from(shown.bytes).equals(Buffer.from(file))).toBe(true);
    // text/html is never rendered in the moderator's origin
    expect(shown.headers.get('content-type')).toBe('application/octet-stream');
    expect(shown.headers.get('content-disposition')).toContain('attachment');
    expect(shown.headers.get('x-attachment-media-type')).toBe('text/html');
  });
});

describe('invisible salamanders through the system', () => {
  const BENIGN = 'A harmless picture of a cat.';
  const ABUSIVE = 'ABUSIVE CONTENT shown to the recipient.';

  it('one blob, two descriptors in a group (MLS): the recipient shows only the committed file, and the moderator sees that same file', async () => {
    const { conv, alice: ga, bob: gb } = await mlsGroup();
    const params = encodeAttachmentParams({ log2ChunkSize: 16, salt: randomBytes(16) });
    const [kBenign, kAbusive] = [new Uint8Array(randomBytes(32)), new Uint8Array(randomBytes(32))];
    const derived = [kBenign, kAbusive].map((k) => deriveAttachmentKeys(k, params));
    const pad = (s: string) => {
      const b = new Uint8Array(64).fill(0x20);
      b.set(te.encode(s));
      return b;
    };
    const collision = multiKeyCollision(derived.map((x) => x.chunkKey), chunkNonce(0, true), [pad(BENIGN), pad(ABUSIVE)]);
    // The sender must pick ONE key commitment for the blob; it picks the abusive key.
    const blob = new Uint8Array(32 + collision.sealed.length);
    blob.set((derived[1] as { keyCommitment: Uint8Array }).keyCommitment);
    blob.set(collision.sealed, 32);
    const up = await uploadBlob(base, ga.user, conv, blob);
    const common = { scheme: 1, params, size: collision.sealed.length - 16, blobId: up.json?.blobId as string, mediaType: 'text/plain',
      ciphertextDigest: (await attachmentDigest(params, blob)).digest };
    // Two MLS group messages (seq 1 and 2 of alice's chain in the group), one descriptor each.
    const m1 = await ga.send(conv, 'pic', { attachments: [{ ...common, key: kAbusive }] });
    const m2 = await ga.send(conv, 'pic again', { attachments: [{ ...common, key: kBenign }] });

    // Recipient bob: both messages open their commitments; attachment 1 displays, attachment 2 is refused.
    const inbox = await gb.sync();
    const r1 = groupCopy(inbox, m1.sent.messageId);
    const r2 = groupCopy(inbox, m2.sent.messageId);
    expect([r1.opened.header.seq, r2.opened.header.seq]).toEqual([1, 2]);
    const bytes = (await downloadBlob(base, gb.user, common.blobId)).bytes;
    const displayed = await decryptAttachmentToBytes(r1.opened.header.attachments[0] as AttachmentDescriptor, bytes);
    expect(new TextDecoder().decode(displayed)).toContain(ABUSIVE);
    const refused = await decryptAttachmentToBytes(r2.opened.header.attachments[0] as AttachmentDescriptor, bytes).catch((e: unknown) => e);
    expect(AttachmentError.is(refused, 'key_commitment_mismatch')).toBe(true);

    // Bob reports message 1 with message 2 as context: the server checks both against the stored blob.
    const filed = await report(gb.user, groupItem(r1), [groupItem(r2)]);
    expect(filed.items.map((i) => i.verdict)).toEqual(['verified', 'verified']);
    const list = await modApi<Attachments>(base, staff, 'GET', `/v1/mod/reports/${filed.id}/attachments`);
    expect(list.json.attachments.map((x) => [x.position, x.status, x.failure])).toEqual([[0, 'verified', null], [1, 'failed', 'key_commitment_mismatch']]);
    const shown = await modContent(filed.id, 0, 0);
    expect(Buffer.from(shown.bytes).equals(Buffer.from(displayed))).toBe(true); // the abusive file, as displayed
    expect((await modContent(filed.id, 1, 0)).status).toBe(409); // never the benign decryption
    // Evidence for the refused one cannot be forced in either: the same blob fails the same check.
    const forced = await rawRequest(base, 'PUT', `/v1/reports/${filed.id}/attachments/1/0`, gb.user.token, blob);
    expect(forced.json?.code).toBe('attachment_invalid');
    expect(String(forced.json?.detail)).toContain('key_commitment_mismatch');
  });

  it('a reporter cannot swap in another key or blob: the edited header no longer opens the commitment', async () => {
    const conv = await directConversation(base, carol, alice);
    const { blob, attachment } = await encryptAttachmentToBytes(te.encode('what carol really received'));
    const up = await uploadBlob(base, alice, conv, blob);
    const descriptor = { ...attachment, blobId: up.json?.blobId as string, mediaType: 'text/plain' };
    const { res, franked, aeadKey } = await sendWithAttachments(base, alice, conv, [carol], 1, 'hi', [descriptor]);
    const { env, opened } = await receive(base, carol, res.json.messageId, aeadKey);
    const other = await encryptAttachmentToBytes(te.encode('a file alice never sent'));
    const otherUp = await uploadBlob(base, carol, conv, other.blob);
    const forgedHeader = encodeHeader({
      ...opened.header,
      attachments: [{ ...other.attachment, blobId: otherUp.json?.blobId as string, mediaType: 'text/plain' }],
    });
    const filed = await report(carol, itemJson(env.stamp, { ...franked, headerBytes: forgedHeader }, 'hi'));
    expect(filed.verdict).toBe('unverified');
    expect(filed.items[0]?.verdict).toBe('commitment_mismatch');
    const list = await modApi<Attachments>(base, staff, 'GET', `/v1/mod/reports/${filed.id}/attachments`);
    expect(list.json.attachments).toEqual([]); // unverified items never get their attachments opened
  });
});
