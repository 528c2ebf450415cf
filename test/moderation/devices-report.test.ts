// What the moderator API says about devices (docs/PROTOCOL-devices.md D12.2, D12.3, D10.3), through the real staff
// session: alice's device 2 (linked after her genesis) sends, bob's device 1 receives, bob's device 2 reports. Each
// message names the sending device from its verified header with the day the server accepted the list that linked it
// (and, after a removal, when it was removed); the report names the device it was filed from and each item the device
// it was delivered to; context completeness is per device chain. The answer is checked against the contract.
// SQLite, or PostgreSQL with TEST_DATABASE=postgres.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nobleCryptoProvider } from '../../client/crypto/noble.ts';
import { encodeSignedDeviceList, resetCode, resetDeviceList, signDeviceList } from '../../client/index.ts';
import { ReportDetailForModerator } from '../../client/transport/contract/moderation/reports.ts';
// eslint-disable-next-line no-restricted-imports -- test/client's own fan-out world: a device's keys made the same way as the report's
import { keysOf, makeDevice } from '../client/_fanout-world.ts';
import { multiDeviceReport } from '../server/_device-report.ts';
import { api, b64, startTestServer, type TestServer } from '../server/_harness.ts';
import { cheapPasswordHashing, createStaff, modApi, type Staff } from './_mod.ts';

cheapPasswordHashing();
let srv: TestServer;
let mod: Staff;
let admin: Staff;
beforeAll(async () => {
  srv = await startTestServer();
  mod = await createStaff(srv, 'devmod', 'moderator');
  admin = await createStaff(srv, 'devadmin', 'admin');
});
afterAll(() => srv?.stop());

describe('the moderator\'s report detail with devices', () => {
  it('names the sending device and when it was linked, the device the report came from and the device each item was delivered to', async () => {
    const r = await multiDeviceReport(srv.url);
    const detail = await modApi(srv.url, mod, 'GET', `/v1/mod/reports/${r.reportId}`);
    expect(detail.status, JSON.stringify(detail.json)).toBe(200);
    const d = ReportDetailForModerator.parse(detail.json);
    expect(d.report.reportedFromDeviceId).toBe(2);
    expect(d.messages.map((m) => [m.isReported, m.senderId, m.senderDevice, m.deliveredToDeviceId])).toEqual([
      [false, r.alice.acc.accountId, { deviceId: 2, linkedAt: r.aliceDevice2LinkedAt, removedAt: null }, 1],
      [true, r.alice.acc.accountId, { deviceId: 2, linkedAt: r.aliceDevice2LinkedAt, removedAt: null }, 1],
    ]);
    // D10.3: one chain per sending device; this one is device 2's, complete.
    expect(d.context.senders.map((s) => [s.senderId, s.senderDeviceId, s.complete, s.summary.startsWith('device 2: ')])).toEqual([[r.alice.acc.accountId, 2, true, true]]);

    // alice removes her device 2: the report still says when it was linked, and now when it was removed.
    r.alice.acc.remove(1, [2], Date.now());
    expect((await api(srv.url, 'PUT', '/v1/devices', { list: b64(r.alice.acc.current.bytes) }, r.alice.tokens.get(1)!)).status).toBe(201);
    const after = ReportDetailForModerator.parse((await modApi(srv.url, mod, 'GET', `/v1/mod/reports/${r.reportId}`)).json);
    const removedAt = (await srv.services.devices.records(r.alice.acc.accountId)).find((x) => x.deviceId === 2)?.removedAt?.toISOString();
    expect(removedAt).toBeTypeOf('string');
    expect(after.messages.map((m) => m.senderDevice)).toEqual([
      { deviceId: 2, linkedAt: r.aliceDevice2LinkedAt, removedAt }, { deviceId: 2, linkedAt: r.aliceDevice2LinkedAt, removedAt },
    ]);
  });

  it('after the sender\'s account is reset (D6.6), each message from before says so, with the day; later reports of the new identity do not', async () => {
    const r = await multiDeviceReport(srv.url, ['before the reset', 'reported before the reset']);
    const fresh = makeDevice(r.alice.acc.accountId, r.alice.acc.current.signed.list.nextDeviceId, nobleCryptoProvider, 'reset');
    const before = ReportDetailForModerator.parse((await modApi(srv.url, mod, 'GET', `/v1/mod/reports/${r.reportId}`)).json);
    expect(before.messages.map((m) => m.senderResetAt)).toEqual([null, null]);

    // The operator releases the handle for the new browser's code; the new browser submits its self-signed reset list.
    const code = resetCode(r.alice.acc.accountId, keysOf(fresh));
    expect((await modApi(srv.url, admin, 'POST', `/v1/mod/accounts/${r.alice.acc.accountId}/handle-release`, { fingerprint: code, reason: 'identity checked by support' })).status).toBe(201);
    const list = resetDeviceList(r.alice.acc.current, keysOf(fresh), Date.now());
    const signed = signDeviceList(list, { kind: 'device', deviceId: fresh.deviceId, signingPrivateKey: fresh.identity.signingPrivateKey }, { crypto: nobleCryptoProvider });
    const put = await api(srv.url, 'PUT', '/v1/devices/reset', { list: b64(encodeSignedDeviceList(signed)) });
    expect(put.status, JSON.stringify(put.json)).toBe(201);

    const after = ReportDetailForModerator.parse((await modApi(srv.url, mod, 'GET', `/v1/mod/reports/${r.reportId}`)).json);
    const events = await modApi<{ events: Array<{ type: string; createdAt: string }> }>(srv.url, admin, 'GET', `/v1/mod/events?subjectType=account&subjectId=${r.alice.acc.accountId}`);
    const resetAt = events.json.events.find((e) => e.type === 'account_reset')?.createdAt;
    expect(resetAt).toBeTypeOf('string');
    // Both items are alice's, stamped before the reset: both carry its time; the report still verifies (stamps name the account).
    expect(after.messages.map((m) => [m.senderId, m.verdict, m.senderResetAt])).toEqual([
      [r.alice.acc.accountId, 'verified', resetAt], [r.alice.acc.accountId, 'verified', resetAt],
    ]);
    // An account that was not reset shows nothing, even in the same world (the other report's people are others).
    const other = await multiDeviceReport(srv.url);
    const unaffected = ReportDetailForModerator.parse((await modApi(srv.url, mod, 'GET', `/v1/mod/reports/${other.reportId}`)).json);
    expect(unaffected.messages.map((m) => m.senderResetAt)).toEqual([null, null]);
  });
});
