// The SDK client's group roster and attachment methods against the real server: create a group, read the
// roster, name an admin, remove a member (who then cannot read the roster), leave; upload an attachment
// (encrypted while uploading), download it verified as a recipient, with a token refresh on the way.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, ApiError } from '../../client/transport/api.ts';
import { generateIdentity } from '../../client/session/identity.ts';
import { type TestServer, startTestServer } from '../server/_harness.ts';

let server: TestServer;

async function newUser(id: string, opts: { refresh?: boolean } = {}) {
  const identity = generateIdentity();
  const api: ApiClient = new ApiClient({
    baseUrl: server.url,
    ...(opts.refresh ? { refreshToken: async () => (await new ApiClient({ baseUrl: server.url }).login(id, identity)).token } : {}),
  });
  await api.registerIdentity(id, identity);
  await api.login(id, identity);
  return { id, api };
}

beforeAll(async () => {
  server = await startTestServer({}, { logLevel: 'warn' });
});
afterAll(async () => {
  await server?.stop();
});

describe('ApiClient groups and attachments', () => {
  it('manages a group roster: creator, admins, removal, leaving', async () => {
    const [a, b, c] = await Promise.all([newUser('g-alice'), newUser('g-bob'), newUser('g-carol')]);
    const conv = await a.api.createConversation({ kind: 'group', memberIds: [b.id, c.id] });
    const roster = await b.api.roster(conv.id);
    expect(roster.createdBy).toBe(a.id);
    expect(Object.fromEntries(roster.members.map((m) => [m.accountId, m.role]))).toEqual({ 'g-alice': 'creator', 'g-bob': 'member', 'g-carol': 'member' });

    await expect(b.api.removeMember(conv.id, c.id)).rejects.toMatchObject({ code: 'not_group_admin' });
    expect((await a.api.setMemberRole(conv.id, b.id, 'admin')).members.find((m) => m.accountId === b.id)?.role).toBe('admin');
    const after = await b.api.removeMember(conv.id, c.id);
    expect('members' in after && after.members.map((m) => m.accountId).sort()).toEqual(['g-alice', 'g-bob']);
    const gone = await c.api.roster(conv.id).catch((e: unknown) => e);
    expect(ApiError.is(gone, 'not_found')).toBe(true);

    expect(await b.api.removeMember(conv.id, b.id)).toEqual({ left: true });
    expect((await a.api.addMembers(conv.id, [c.id])).members.map((m) => m.accountId).sort()).toEqual(['g-alice', 'g-carol']);
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
    // The only recipient fetched it: the blob is gone.
    await expect(b.api.downloadAttachment(d)).rejects.toMatchObject({ code: 'not_found' });
  });
});
