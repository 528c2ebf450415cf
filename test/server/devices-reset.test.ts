// The reset of an account with no device and no kit (docs/PROTOCOL-devices.md D6.6, D8.1; docs/MODERATION.md
// "Account reset"): an admin releases the handle for one new device's reset code, with a reason and an expiry; the new
// device submits its self-signed reset list without a token (PUT /v1/devices/reset), which the server accepts only
// under that live release and which uses it up; the old devices' sockets close (4401 device_removed) and their tokens end; a contact's verification of the chain
// names the reset. SQLite, or PostgreSQL with TEST_DATABASE=postgres.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkOwnDeviceLists, fetchVerifiedDeviceLists, pinnedVerifiedList, resetCode } from '../../client/index.ts';
import { initialMonitorState, monitorOwnKeys } from '../../client/transparency/index.ts';
import { ApiClient } from '../../client/transport/api.ts';
import { userOperations } from '../../client/transport/contract/operations.ts';
import { ktClient } from '../transparency/_kt.ts';
import { openPush } from '../cluster/_socket.ts';
import { cheapPasswordHashing, createStaff, modApi, type Staff } from '../moderation/_mod.ts';
import { Account, deviceLogin, keys, type Keys, newId, registerGenesis } from './_devices.ts';
import { api, type ApiResult, b64, startTestServer, type TestServer } from './_harness.ts';

cheapPasswordHashing();
let srv: TestServer;
let admin: Staff;
beforeAll(async () => {
  srv = await startTestServer();
  admin = await createStaff(srv, newId('adm'), 'admin');
});
afterAll(async () => srv?.stop());

/** An account with a phone (device 1) and no recovery kit. */
const account = () => registerGenesis(srv.url, 'rst', keys());
const codeOf = (acc: Account, k: Keys) => resetCode(acc.id, { identitySigningKey: k.entry(0).identitySigningKey, identityDhKey: k.dh });
const submit = (list: Uint8Array) => api(srv.url, 'PUT', '/v1/devices/reset', { list: b64(list) });
const release = (staff: Staff, accountId: string, fingerprint: string, extra: Record<string, unknown> = {}) =>
  modApi(srv.url, staff, 'POST', `/v1/mod/accounts/${accountId}/handle-release`, { fingerprint, reason: 'passport checked by support', ...extra });
const events = async (accountId: string) =>
  ((await modApi<{ events: Array<{ type: string; actorId: string | null; payload: Record<string, unknown> }> }>(srv.url, admin, 'GET', `/v1/mod/events?subjectType=account&subjectId=${accountId}`)).json.events);

function refused(r: ApiResult, status: number, code: string): void {
  expect(r.status, JSON.stringify(r.json)).toBe(status);
  expect(r.contentType).toContain('application/problem+json');
  expect(r.json.code).toBe(code);
}

describe('reset under the operator\'s handle release (D6.6)', () => {
  it('without a release every reset list is 403 reset_not_allowed and nothing is logged', async () => {
    const { acc } = await account();
    const size = srv.services.transparency.size;
    refused(await submit(acc.resetList(keys(), 2)), 403, 'reset_not_allowed');
    expect(srv.services.transparency.size).toBe(size);
  });

  it('a release is an admin decision: triage and moderators are 403 forbidden; bad codes and unknown accounts are refused', async () => {
    const { acc } = await account();
    const fresh = keys();
    for (const role of ['triage', 'moderator'] as const) refused(await release(await createStaff(srv, newId(role.slice(0, 3)), role), acc.id, codeOf(acc, fresh)), 403, 'forbidden');
    refused(await release(admin, acc.id, '1234'), 400, 'validation_failed');
    refused(await release(admin, acc.id, codeOf(acc, fresh), { reason: '' }), 400, 'validation_failed');
    refused(await release(admin, acc.id, codeOf(acc, fresh), { expiresInDays: 31 }), 400, 'validation_failed');
    refused(await release(admin, newId('nobody'), codeOf(acc, fresh)), 404, 'not_found');
    refused(await modApi(srv.url, admin, 'POST', `/v1/mod/accounts/${acc.id}/handle-release`, { fingerprint: codeOf(acc, fresh), reason: 'x' }, { csrf: null }), 403, 'csrf_failed');
    expect((await events(acc.id)).filter((e) => e.type === 'handle_released')).toEqual([]);
  });

  it('a release for another device\'s code, or an expired release, does not authorise the list', async () => {
    const { acc } = await account();
    const fresh = keys();
    expect((await release(admin, acc.id, codeOf(acc, keys()))).status).toBe(201);
    refused(await submit(acc.resetList(fresh, 2)), 403, 'reset_not_allowed');
    // An expired release, as the event log holds it (the state is derived from the events).
    await srv.services.moderationEvents.append({
      subjectType: 'account', subjectId: acc.id, type: 'handle_released', actorId: admin.id,
      payload: { fingerprint: codeOf(acc, fresh), reason: 'expired', expiresAt: new Date(Date.now() - 1000).toISOString() },
    });
    refused(await submit(acc.resetList(fresh, 2)), 403, 'reset_not_allowed');
    // A reset list on the recovery path or with a token is not a way around the release.
    expect((await api(srv.url, 'PUT', '/v1/devices/recovery', { list: b64(acc.resetList(fresh, 2)) })).status).toBe(401);
  });

  it('the released device\'s list is accepted once: old tokens end, the release is used up, the events record both, contacts see the reset', async () => {
    const { acc, phone } = await account();
    const phoneToken = ((await deviceLogin(srv.url, acc.id, 1, phone)).json as { token: string }).token;
    // A contact pins the account's chain before the reset.
    const kt = await ktClient(srv.url);
    const contact = new ApiClient({ baseUrl: srv.url, validateResponses: userOperations });
    const publicLists = { deviceLists: (id: string, from?: number) => contact.recoveryDeviceLists(id, from) };
    const before = (await fetchVerifiedDeviceLists(publicLists, kt, acc.id, null)).pinned;
    // The lost phone, still alive somewhere, runs its own-device monitoring (D7.4) from the same pin.
    const phoneMonitor = (await monitorOwnKeys(kt, initialMonitorState(acc.id), [], { ownDeviceLists: true })).state;

    const fresh = keys();
    const code = codeOf(acc, fresh);
    const spaced = (code.match(/\d{5}/g) as string[]).join(' '); // as support types it from the screen
    const r = await release(admin, acc.id, spaced, { expiresInDays: 7 });
    expect(r.status, JSON.stringify(r.json)).toBe(201);
    expect(r.json).toMatchObject({ userId: acc.id, fingerprint: code, releasedBy: `staff:${admin.id}` });
    expect(Date.parse(String(r.json.expiresAt)) - Date.now()).toBeGreaterThan(6.9 * 86_400_000);

    const phoneSocket = await openPush(srv.url, phoneToken);
    const list = acc.resetList(fresh, 2);
    const accepted = await submit(list);
    expect(accepted.status, JSON.stringify(accepted.json)).toBe(201);
    expect(accepted.json.listVersion).toBe(2);
    acc.accept(list);
    // D13.6: the old device's socket closes as for a removal, its token and sign-in are gone; the new device signs
    // in with its own key (D8.2).
    const closed = await phoneSocket.closed;
    expect([closed.code, closed.reason]).toEqual([4401, 'device_removed']);
    expect((await api(srv.url, 'GET', '/v1/accounts/me', undefined, phoneToken)).status).toBe(401);
    expect((await deviceLogin(srv.url, acc.id, 1, phone)).status).not.toBe(200);
    expect((await deviceLogin(srv.url, acc.id, 2, fresh)).status).toBe(200);

    // The contact's next verification from its pin meets the reset (D5.2): a new founder key.
    const after = await fetchVerifiedDeviceLists(publicLists, kt, acc.id, before);
    expect(after.resets).toEqual([2]);
    expect(pinnedVerifiedList(after.pinned).signed.list.kind).toBe('reset');
    // D7.4 on the old phone: the reset is the alarm account_reset, and the phone is signed out.
    const seen = await monitorOwnKeys(kt, phoneMonitor, [], { ownDeviceLists: true });
    const check = await checkOwnDeviceLists(seen.deviceListLeaves, { pinned: before, deviceId: 1, source: publicLists, logClient: kt });
    expect(check.alarms).toMatchObject([{ code: 'account_reset', listVersion: 2 }]);
    expect(check.signedOut).toBe(true);

    // Single use: the same release does not authorise a second reset, by another device or by the same one.
    const other = keys();
    refused(await submit(acc.resetList(other, 3)), 403, 'reset_not_allowed');
    refused(await submit(acc.resetList(fresh, 3)), 403, 'reset_not_allowed');
    // The event log: who released, why, for which code; and the reset that used it.
    const log = await events(acc.id);
    const released = log.find((e) => e.type === 'handle_released');
    const used = log.find((e) => e.type === 'account_reset');
    expect(released).toMatchObject({ actorId: `staff:${admin.id}`, payload: { fingerprint: code, reason: 'passport checked by support' } });
    expect(used).toMatchObject({ actorId: null, payload: { fingerprint: code, listVersion: 2, deviceId: 2 } });
    expect(log.indexOf(used as NonNullable<typeof used>)).toBeGreaterThan(log.indexOf(released as NonNullable<typeof released>));
  });

  it('a badly signed reset list is 400 even under a release, and only a reset list is taken on the reset path', async () => {
    const { acc, phone } = await account();
    const fresh = keys();
    expect((await release(admin, acc.id, codeOf(acc, fresh))).status).toBe(201);
    // Signed by the lost phone instead of the new device (D5.1 step 6: a reset is self-signed).
    const bad = acc.next({ kind: 'reset', devices: [fresh.entry(2)], nextDeviceId: 3 }, { id: 1, key: phone });
    refused(await submit(bad), 400, 'invalid_device_list');
    // Only a reset list is taken on this path: a change signed by the lost phone is not.
    refused(await submit(acc.next({ devices: [phone.entry(1), fresh.entry(2)], nextDeviceId: 3 }, { id: 1, key: phone }, fresh)), 401, 'unauthorized');
    // The release is still live: the right list goes through.
    expect((await submit(acc.resetList(fresh, 2))).status).toBe(201);
  });

  it('the reset path counts against rate limit auth per address (as sign-in and recovery do)', async () => {
    const low = await startTestServer({ rateLimits: { auth: 3, send: 1_000_000, report: 100_000, windowMs: 60_000 } });
    try {
      const body = { list: b64(new Account(newId('rl')).next({ devices: [keys().entry(1)], nextDeviceId: 2 }, { id: 1, key: keys() })) };
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push((await api(low.url, 'PUT', '/v1/devices/reset', body)).status);
      expect(statuses.slice(0, 3).every((st) => st !== 429)).toBe(true);
      expect(statuses[3]).toBe(429);
    } finally {
      await low.stop();
    }
  });
});
