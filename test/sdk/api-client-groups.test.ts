// The SDK client's MLS group and attachment methods against the real server: key packages, a Commit with its
// Welcome, the relay's routing roster, the group inbox with recipient stamps, removal; upload an attachment
// (encrypted while uploading), download it verified as a recipient, with a token refresh on the way.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, ApiError } from '../../client/transport/api.ts';
import { userOperations } from '../../client/transport/contract/operations.ts';
import { generateIdentity } from '../../client/session/identity.ts';
import { fromBase64Url } from '../../client/protocol.ts';
import { type GeneratedKeyPackage, MlsGroup, generateCredentialKey, generateGroupKeyPackage } from '../../client/group/index.ts';
import { type TestServer, startTestServer } from '../server/_harness.ts';

let server: TestServer;

async function newUser(id: string, opts: { refresh?: boolean } = {}) {
  const identity = generateIdentity();
  const api: ApiClient = new ApiClient({
    baseUrl: server.url,
    validateResponses: userOperations,
    ...(opts.refresh ? { refreshToken: async () => (await new ApiClient({ baseUrl: server.url, validateResponses: userOperations }).login(id, identity)).token } : {}),
  });
  await api.registerIdentity(id, identity);
  await api.login(id, identity);
  return { id, api, identity };
}

beforeAll(async () => {
  server = await startTestServer({}, { logLevel: 'warn' });
});
afterAll(async () => {
  await server?.stop();
});

describe('ApiClient groups and attachments', () => {
  it('runs an MLS group through the relay: key packages, Commit with Welcome, routing roster, inbox with stamps, removal', async () => {
    const [a, b, c] = await Promise.all([newUser('g-alice'), newUser('g-bob'), newUser('g-carol')]);
    const members = Object.fromEntries(
      await Promise.all([a, b, c].map(async (u) => [u.id, { accountId: u.id, identity: u.identity, credentialKey: generateCredentialKey() }] as const)),
    );
    const kps = new Map<string, GeneratedKeyPackage>();
    for (const u of [b, c]) {
      const kp = await generateGroupKeyPackage(members[u.id]!);
      kps.set(kp.ref, kp);
      expect(await u.api.publishKeyPackages([kp.bytes])).toEqual({ oneTime: 1, lastResort: false });
    }
    const opts = { resolveIdentity: (id: string) => members[id]?.identity.signingPublicKey };
    const conv = await a.api.createConversation({ kind: 'group' });
    expect(conv).toMatchObject({ kind: 'group', memberIds: [a.id], createdBy: a.id });
    const group = await MlsGroup.create(conv.id, members[a.id]!, opts);
    const claimed = await Promise.all([b, c].map((u) => a.api.claimKeyPackage(u.id)));
    expect(await a.api.claimKeyPackage(b.id).catch((e: unknown) => e)).toMatchObject({ code: 'not_found' }); // used up, no last resort
    const p = await group.add(claimed.map((k) => k.keyPackage));
    expect(await a.api.sendGroupMessage(conv.id, p.commit, p.welcome)).toMatchObject({ kind: 'commit', epoch: 1 });
    group.confirmCommit();
    const roster = await b.api.roster(conv.id);
    expect(roster).toMatchObject({ createdBy: a.id, epoch: 1 });
    expect(roster.members.map((m) => m.accountId).sort()).toEqual([a.id, b.id, c.id].sort());

    const [welcome] = await b.api.groupInbox();
    expect(welcome).toMatchObject({ kind: 'welcome', conversationId: conv.id, senderId: a.id });
    const bobGroup = await MlsGroup.join(fromBase64Url(welcome!.message), members[b.id]!, (ref) => kps.get(ref), opts);
    expect(await b.api.ackGroupInbox([welcome!.id])).toBe(1);

    const s = await group.send(new TextEncoder().encode('hi both'));
    const sent = await a.api.sendGroupMessage(conv.id, s.message);
    expect(sent.stamp).toMatchObject({ role: 'sender', recipientId: a.id });
    const [msg] = await b.api.groupInbox({ wait: 1 });
    expect(msg!.stamp).toMatchObject({ role: 'recipient', recipientId: b.id, messageId: sent.messageId });
    const ev = await bobGroup.receive(fromBase64Url(msg!.message));
    expect(ev.kind === 'message' && new TextDecoder().decode(ev.opened.body)).toBe('hi both');

    const rm = await group.remove([c.id]);
    await a.api.sendGroupMessage(conv.id, rm.commit);
    group.confirmCommit();
    const gone = await c.api.roster(conv.id).catch((e: unknown) => e);
    expect(ApiError.is(gone, 'not_found')).toBe(true);
    expect((await a.api.roster(conv.id)).members.map((m) => m.accountId).sort()).toEqual([a.id, b.id].sort());
  });

  it('uploads an encrypted attachment and downloads it verified as a recipient, refreshing an expired token', async () => {
    const a = await newUser('t-alice');
    const b = await newUser('t-bob', { refresh: true });
    const conv = await a.api.createConversation({ kind: 'direct', peerId: b.id });
    const file = new Uint8Array(70_000).map((_, i) => (i * 31) & 0xff);
    const d = await a.api.uploadAttachment(conv.id, file, 'application/octet-stream', { log2ChunkSize: 14 });
    expect(d).toMatchObject({ scheme: 1, size: file.length, mediaType: 'application/octet-stream' });
    b.api.token = 'A'.repeat(43); // well-formed, unknown: 401 invalid_token, then one refresh
    expect(await b.api.downloadAttachment(d)).toEqual(file);
    // The only recipient fetched it: the blob is gone. The server deletes it once the transfer has finished on its
    // side, which may be a moment after the client holds every byte, so the check waits for it (bounded).
    await expect
      .poll(async () => b.api.downloadAttachment(d).then(() => 'still there', (e: unknown) => (ApiError.is(e, 'not_found') ? 'gone' : e)), {
        timeout: 5000,
      })
      .toBe('gone');
  });
});
