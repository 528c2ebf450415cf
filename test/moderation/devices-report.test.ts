// What the moderator API says about devices (docs/PROTOCOL-devices.md D12.2, D12.3, D10.3), through the real staff
// session: alice's device 2 (linked after her genesis) sends, bob's device 1 receives, bob's device 2 reports. Each
// message names the sending device from its verified header with the day the server accepted the list that linked it
// (and, after a removal, when it was removed); the report names the device it was filed from and each item the device
// it was delivered to; context completeness is per device chain. The answer is checked against the contract.
// SQLite, or PostgreSQL with TEST_DATABASE=postgres.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReportDetailForModerator } from '../../client/transport/contract/moderation/reports.ts';
import { multiDeviceReport } from '../server/_device-report.ts';
import { api, b64, startTestServer, type TestServer } from '../server/_harness.ts';
import { cheapPasswordHashing, createStaff, modApi, type Staff } from './_mod.ts';

cheapPasswordHashing();
let srv: TestServer;
let mod: Staff;
beforeAll(async () => {
  srv = await startTestServer();
  mod = await createStaff(srv, 'devmod', 'moderator');
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
});
