// The link-channel relay on a real server and database (docs/PROTOCOL-linking.md L8): a whole link between a new device
// without an account and a signed-in device, through the SDK's driver, ending with the new device signed in on a
// logged list; then the capability, the bounds, expiry, a second process on the same database, problem+json for bad
// input, and no frame in any log line. SQLite, or PostgreSQL with TEST_DATABASE=postgres.
import { randomBytes } from 'node:crypto';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeSignedDeviceList, linkDeviceList, signDeviceList, verifyListChain, verifyListStep, withCosignature } from '../../client/devices/index.ts';
import { joinExistingDeviceLink, LinkError, type LinkRelay, openNewDeviceLink } from '../../client/link/index.ts';
import { ApiClient } from '../../client/transport/api.ts';
import { ApiError } from '../../client/transport/api-error.ts';
import { userOperations } from '../../client/transport/contract/operations.ts';
import { createDb, type Db } from '../../server/db.ts';
import { LINK_RELAY_LIMITS, LinkService, linkStore } from '../../server/services/link/index.ts';
import { deviceLogin, keys, registerGenesis } from './_devices.ts';
import { api, b64, isProblem, startTestServer, type TestServer } from './_harness.ts';

let srv: TestServer;
beforeAll(async () => {
  srv = await startTestServer();
});
afterAll(async () => srv?.stop());

/** Every frame the SDK posts, to look for in the logs afterwards. */
const posted: Uint8Array[] = [];
function recording(c: ApiClient): LinkRelay {
  return {
    createLinkChannel: () => c.createLinkChannel(),
    joinLinkChannel: (id) => c.joinLinkChannel(id),
    postLinkFrame: (id, t, seq, frame) => (posted.push(frame), c.postLinkFrame(id, t, seq, frame)),
    readLinkFrames: (id, t, after) => c.readLinkFrames(id, t, after),
    closeLinkChannel: (id, t) => c.closeLinkChannel(id, t),
  };
}

const client = (token?: string) => new ApiClient({ baseUrl: srv.url, validateResponses: userOperations, ...(token ? { token } : {}) });

/** An account with its genesis list; device 1 signed in. */
async function account() {
  const { acc, phone, genesis } = await registerGenesis(srv.url, 'lnk', keys());
  const t = await deviceLogin(srv.url, acc.id, 1, phone);
  return { acc, phone, genesis, token: t.json.token as string };
}

/** A new device's keys (D1) with the seeds L7's proofs need. */
function newDevice() {
  const sig = ed25519.utils.randomSecretKey();
  const cred = ed25519.utils.randomSecretKey();
  const dh = x25519.utils.randomSecretKey();
  return {
    secrets: { identitySigningKey: ed25519.getPublicKey(sig), identityDhKey: x25519.getPublicKey(dh), credentialKey: ed25519.getPublicKey(cred), signingPrivateKey: sig, credentialPrivateKey: cred },
    identity: { signingPublicKey: ed25519.getPublicKey(sig), signingPrivateKey: sig, dhPublicKey: x25519.getPublicKey(dh), dhPrivateKey: dh },
  };
}

describe('a whole link through the relay (L1)', () => {
  it('N without an account and E signed in: same short code, E logs the cosigned list, N signs in and verifies its entry', async () => {
    const { acc, phone, genesis, token } = await account();
    const nDevice = newDevice();
    const n = await openNewDeviceLink(recording(client()), nDevice.secrets, 'Laptop', { pollMs: 20 });
    expect(n.text).toMatch(/^FCLINK1-[A-Za-z0-9_-]+$/);
    const eApi = client(token);
    const e = await joinExistingDeviceLink(recording(eApi), n.text, srv.url, { pollMs: 20 });

    // L4: both reach the short code; N has posted its device message with it.
    const [nCode, eCode] = await Promise.all([n.driver.next(), e.driver.next()]);
    expect(nCode.kind).toBe('short_code');
    expect(eCode).toEqual(nCode);
    const dev = await e.driver.next();
    expect(dev).toMatchObject({ kind: 'device', name: 'Laptop' });

    // The user confirmed on E: D6.1 steps 1–3.
    const v1 = verifyListStep(null, genesis, acc.id);
    const body = linkDeviceList(v1, nDevice.secrets, Date.now());
    const signed = signDeviceList(body, { kind: 'device', deviceId: 1, signingPrivateKey: phone.seed });
    const { encodeDeviceList } = await import('../../client/devices/index.ts');
    await e.driver.send([e.link.sendList(acc.id, encodeDeviceList(body))]);
    const listEvent = await n.driver.next();
    expect(listEvent).toMatchObject({ kind: 'list', accountId: acc.id });
    const cos = await e.driver.next();
    if (cos.kind !== 'cosign') throw new Error('expected cosign');
    const v2bytes = encodeSignedDeviceList(withCosignature(signed, cos.cosignature));
    const v2 = verifyListStep(v1, v2bytes, acc.id);
    await eApi.putDeviceList(v2bytes);

    const state = new TextEncoder().encode(JSON.stringify({ contacts: ['bob'], groups: [] }));
    await e.driver.send(e.link.sendWelcome({ listVersion: 2, listHash: v2.listHash, deviceId: 2 }, state, null));
    expect(await n.driver.next()).toMatchObject({ kind: 'welcome' });
    const complete = await n.driver.next();
    if (complete.kind !== 'complete') throw new Error('expected complete');
    expect(new TextDecoder().decode(complete.state)).toContain('bob');

    // N signs in with its own key (D8.2) and verifies its account's chain (D5.2) before using anything (L7).
    const nApi = client();
    await nApi.loginDevice(acc.id, 2, nDevice.identity);
    const lists = await nApi.deviceLists(acc.id);
    const chain = verifyListChain(null, lists.lists.map((l) => new Uint8Array(Buffer.from(l, 'base64url'))), lists.proofs, acc.id, { verifyProof: () => true });
    expect(chain.pinned.listVersion).toBe(2);
    await n.driver.send([n.link.done()]);
    expect(await e.driver.next()).toEqual({ kind: 'done' });
    await e.driver.close();
    await expect(n.driver.poll()).rejects.toSatisfy((x) => LinkError.is(x, 'expired'));

    // Nothing of any frame reached a log line: the relay never logs bodies.
    expect(posted.length).toBeGreaterThanOrEqual(8);
    const logs = srv.logs.text;
    expect(logs).toContain('/frames'); // the requests were logged, at debug level
    for (const f of posted) expect(logs).not.toContain(b64(f).slice(0, 40));
  });
});

describe('the relay (L8)', () => {
  it('creation is public and capability-shaped: a 128-bit id, a 256-bit token, ten minutes', async () => {
    const r = await api<{ channelId: string; token: string; expiresAt: string }>(srv.url, 'POST', '/v1/link-channels', {});
    expect(r.status).toBe(201);
    expect(Buffer.from(r.json.channelId, 'base64url')).toHaveLength(16);
    expect(Buffer.from(r.json.token, 'base64url')).toHaveLength(32);
    const ttl = Date.parse(r.json.expiresAt) - Date.now();
    expect(ttl).toBeGreaterThan(590_000);
    expect(ttl).toBeLessThanOrEqual(600_000);
  });

  it('joining needs an account; once per channel (409 link_channel_taken); unknown channel 404', async () => {
    const c = await client().createLinkChannel();
    expect((await api(srv.url, 'POST', `/v1/link-channels/${c.channelId}/join`)).status).toBe(401);
    const { token } = await account();
    const second = await account();
    await client(token).joinLinkChannel(c.channelId);
    const again = await api(srv.url, 'POST', `/v1/link-channels/${c.channelId}/join`, undefined, second.token);
    expect(again.status).toBe(409);
    expect(again.json.code).toBe('link_channel_taken');
    expect(again.contentType).toContain('application/problem+json');
    const unknown = await api(srv.url, 'POST', `/v1/link-channels/${b64(randomBytes(16))}/join`, undefined, token);
    expect(unknown.status).toBe(404);
    // The SDK names it for the user.
    await expect(joinExistingDeviceLink(client(second.token), `FCLINK1-${b64(Uint8Array.of(1, ...Buffer.from(c.channelId, 'base64url'), ...randomBytes(32), ...randomBytes(16), 0))}`, srv.url))
      .rejects.toSatisfy((x) => LinkError.is(x, 'channel_taken'));
  });

  it('each side reads only the other side; seq must be exactly the next; a wrong token is 404 like an unknown channel', async () => {
    const c = await client().createLinkChannel();
    const { token } = await account();
    const j = await client(token).joinLinkChannel(c.channelId);
    const post = (tok: string, seq: number, frame: Uint8Array) => api(srv.url, 'POST', `/v1/link-channels/${c.channelId}/frames`, { token: tok, seq, frame: b64(frame) });
    expect((await post(j.token, 1, Uint8Array.of(1, 2))).status).toBe(201);
    expect((await post(j.token, 1, Uint8Array.of(9))).json.code).toBe('link_sequence');
    expect((await post(j.token, 3, Uint8Array.of(9))).json.code).toBe('link_sequence');
    expect((await post(c.token, 1, Uint8Array.of(3))).status).toBe(201);
    const nRead = await client().readLinkFrames(c.channelId, c.token, 0);
    expect(nRead).toMatchObject({ joined: true, frames: [{ seq: 1, frame: b64(Uint8Array.of(1, 2)) }] });
    const eRead = await client().readLinkFrames(c.channelId, j.token, 0);
    expect(eRead.frames).toEqual([{ seq: 1, frame: b64(Uint8Array.of(3)) }]);
    expect((await client().readLinkFrames(c.channelId, j.token, 1)).frames).toEqual([]);
    const wrong = await api(srv.url, 'POST', `/v1/link-channels/${c.channelId}/read`, { token: b64(randomBytes(32)), after: 0 });
    expect(wrong.status).toBe(404);
    expect(wrong.json.code).toBe('not_found');
    // Close deletes it for both sides.
    await client().closeLinkChannel(c.channelId, j.token);
    await expect(client().readLinkFrames(c.channelId, c.token, 0)).rejects.toBeInstanceOf(ApiError);
    expect((await api(srv.url, 'POST', `/v1/link-channels/${c.channelId}/read`, { token: c.token, after: 0 })).status).toBe(404);
  });

  it('bad input is problem+json, never a 500', async () => {
    const c = await client().createLinkChannel();
    const cases: Array<[string, unknown]> = [
      [`/v1/link-channels/${c.channelId}/frames`, { token: c.token, seq: 0, frame: 'AA' }],
      [`/v1/link-channels/${c.channelId}/frames`, { token: c.token, seq: 1, frame: '' }],
      [`/v1/link-channels/${c.channelId}/frames`, { token: c.token, seq: 1, frame: 'A' }],
      [`/v1/link-channels/${c.channelId}/frames`, { token: 'short', seq: 1, frame: 'AA' }],
      [`/v1/link-channels/${c.channelId}/frames`, { token: c.token, seq: 1, frame: 'AA', extra: 1 }],
      [`/v1/link-channels/${c.channelId}/read`, { token: c.token, after: -1 }],
      ['/v1/link-channels/not-a-channel/read', { token: c.token, after: 0 }],
      [`/v1/link-channels/${c.channelId}/frames`, { token: c.token, seq: 1, frame: 'A'.repeat(87_410) }],
    ];
    for (const [path, body] of cases) {
      const r = await api(srv.url, 'POST', path, body);
      expect(r.status, `${path} ${JSON.stringify(body).slice(0, 80)}`).toBeGreaterThanOrEqual(400);
      expect(r.status).toBeLessThan(500);
      expect(isProblem(r)).toBe(true);
    }
    // The largest frame passes (L2 LINK_MAX_FRAME).
    const big = await api(srv.url, 'POST', `/v1/link-channels/${c.channelId}/frames`, { token: c.token, seq: 1, frame: b64(randomBytes(LINK_RELAY_LIMITS.maxFrameBytes)) });
    expect(big.status, JSON.stringify(big.json)).toBe(201);
  });

  it('bounds: frames per side and bytes per channel (413 quota_exceeded), expiry (404), lazy deletion of expired channels', async () => {
    const db = srv.services.db;
    const small = new LinkService(linkStore(db), { ...LINK_RELAY_LIMITS, maxFrames: 2, maxChannelBytes: 10 });
    const c = await small.create();
    await small.post(c.channelId, c.token, 1, new Uint8Array(4));
    await small.post(c.channelId, c.token, 2, new Uint8Array(4));
    await expect(small.post(c.channelId, c.token, 3, new Uint8Array(1))).rejects.toMatchObject({ code: 'quota_exceeded' });
    const d = await small.create();
    await small.post(d.channelId, d.token, 1, new Uint8Array(8));
    await expect(small.post(d.channelId, d.token, 2, new Uint8Array(3))).rejects.toMatchObject({ code: 'quota_exceeded' });

    const later = new Date(Date.now() + LINK_RELAY_LIMITS.ttlMs + 1000);
    await expect(small.read(c.channelId, c.token, 0, later)).rejects.toMatchObject({ code: 'not_found' });
    await expect(small.post(d.channelId, d.token, 2, new Uint8Array(1), later)).rejects.toMatchObject({ code: 'not_found' });
    await expect(small.join(c.channelId, later)).rejects.toMatchObject({ code: 'not_found' });
    // The next creation (by any process) deletes expired channels and their frames.
    await small.create(later);
    expect(await db.linkChannel.count({ where: { id: { in: [c.channelId, d.channelId] } } })).toBe(0);
    expect(await db.linkFrame.count({ where: { channelId: { in: [c.channelId, d.channelId] } } })).toBe(0);
  });

  it('two posts of one seq at once: exactly one is filed', async () => {
    const c = await client().createLinkChannel();
    const results = await Promise.allSettled(Array.from({ length: 6 }, (_, i) => client().postLinkFrame(c.channelId, c.token, 1, Uint8Array.of(i + 1))));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect((r.reason as ApiError).code).toBe('link_sequence');
    expect(await srv.services.db.linkFrame.count({ where: { channelId: c.channelId } })).toBe(1);
  });
});

describe('across processes (docs/SCALING.md)', () => {
  // Another process holds its own database connection and no memory of this one: a second client of the same database
  // with its own LinkService stands for it (a whole second server on PostgreSQL would also need Redis).
  let otherDb: Db;
  beforeAll(async () => {
    otherDb = await createDb(srv.config.databaseUrl);
  });
  afterAll(async () => otherDb?.$disconnect());

  it('a channel created by one process is joined, written and read through another', async () => {
    const c = await client().createLinkChannel();
    const other = new LinkService(linkStore(otherDb));
    const j = await other.join(c.channelId);
    await other.post(c.channelId, j.token, 1, Uint8Array.of(7));
    expect((await client().readLinkFrames(c.channelId, c.token, 0)).frames).toEqual([{ seq: 1, frame: b64(Uint8Array.of(7)) }]);
    await expect(other.post(c.channelId, j.token, 1, Uint8Array.of(8))).rejects.toMatchObject({ code: 'link_sequence' });
    await expect(other.join(c.channelId)).rejects.toMatchObject({ code: 'link_channel_taken' });
  });
});
