// A browser that holds nothing takes the account back (chat/src/engine/new-device.ts; docs/PROTOCOL-devices.md D6.5,
// D6.6), against a real server: the new device's keys and signed list are stored before the list is submitted, so a
// browser that dies after the server logged it finishes at its next start, and one whose list the server never logged
// discards it (the kit then works again); a refusal discards at once. A reset keeps its keys (and so its reset code)
// until support releases the handle. The store is the engine's PendingDeviceStore over a Map that outlives each
// "browser run" (IndexedDB in the app); each run is a new NewDevice with a new API client.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, recoveryKeyFromKit, resetCode } from '@franking-chat/sdk';
import { ChatError } from '../../chat/src/engine/errors.ts';
import { encodeKit, NewDevice, type PendingDevice, type PendingDeviceRecord, type PendingDeviceStore } from '../../chat/src/engine/new-device.ts';
import { Account, deviceLogin, keys, newId } from '../server/_devices.ts';
import { api, b64, startTestServer, type TestServer } from '../server/_harness.ts';
import { ktClient } from '../transparency/_kt.ts';

let srv: TestServer;
beforeAll(async () => {
  srv = await startTestServer();
});
afterAll(async () => srv?.stop());

/** What survives a browser's death: the stored pending record (IndexedDB's meta store in the app). */
function storage(): PendingDeviceStore & { record?: PendingDeviceRecord } {
  const s: PendingDeviceStore & { record?: PendingDeviceRecord } = {
    get: async () => (s.record ? structuredClone(s.record) : undefined),
    put: async (r) => void (s.record = structuredClone(r)),
    clear: async () => void delete s.record,
  };
  return s;
}

type Crash = 'none' | 'before-put' | 'after-put';
/** One run of the browser: `crash` kills it around the list submission (the request is sent, or not, and no answer comes back). */
function browser(store: PendingDeviceStore, crash: Crash = 'none') {
  const adopted: Array<{ accountId: string; deviceId: number; keys: PendingDevice; token: string | null }> = [];
  const dies: typeof fetch = async (input, init) => {
    const put = init?.method?.toUpperCase() === 'PUT' && /\/v1\/devices\/(recovery|reset)$/.test(String(input));
    if (put && crash === 'before-put') throw new TypeError('the browser was closed');
    const res = await fetch(input, init);
    if (put && crash === 'after-put') throw new TypeError('the browser was closed');
    return res;
  };
  const client = new ApiClient({ baseUrl: srv.url, fetch: dies });
  const device = new NewDevice({
    api: client, resetTarget: { baseUrl: srv.url, fetch: dies }, checker: () => ktClient(srv.url), pending: store,
    // The app's adopt stores the account and deletes the pending record in one write (engine/devices.ts).
    adopt: async (accountId, deviceId, k) => {
      adopted.push({ accountId, deviceId, keys: k, token: client.token });
      await store.clear();
    },
  });
  return { device, adopted };
}

async function accountWithKit(): Promise<{ acc: Account; phone: ReturnType<typeof keys>; kit: string }> {
  const secret = crypto.getRandomValues(new Uint8Array(32));
  const phone = keys();
  const acc = new Account(newId('nd'));
  const genesis = acc.next({ devices: [phone.entry(1)], nextDeviceId: 2, recoveryKey: recoveryKeyFromKit(secret).publicKey }, { id: 1, key: phone });
  expect((await api(srv.url, 'POST', '/v1/accounts', { userId: acc.id, list: b64(genesis) })).status).toBe(201);
  acc.accept(genesis);
  return { acc, phone, kit: encodeKit(secret) };
}

const failure = (p: Promise<unknown>) => p.then(() => null, (e: unknown) => e);

describe('restore from the kit, crash-safe (D6.5)', () => {
  it('dies after the server logged the list: the next start signs in as the new device and adopts it', async () => {
    const { acc, kit } = await accountWithKit();
    const store = storage();
    const e = await failure(browser(store, 'after-put').device.restoreFromKit(acc.id, kit));
    expect(ChatError.is(e, 'recovery_failed')).toBe(true);
    expect(store.record?.kind).toBe('recovery'); // the keys survived the crash
    // Without them the account would be lost: the kit is used up (the logged list dropped its key).
    const next = browser(store);
    expect(await next.device.resume()).toBe('adopted');
    expect(next.adopted).toHaveLength(1);
    expect(next.adopted[0]).toMatchObject({ accountId: acc.id, deviceId: 2 });
    expect(next.adopted[0]?.token).toBeTruthy(); // signed in (D8.2) with the stored key
    expect(store.record).toBeUndefined();
    expect(await browser(store).device.resume()).toBe('none');
  });

  it('an answer lost in the same session: trying again finishes the logged restore instead of starting another', async () => {
    const { acc, kit } = await accountWithKit();
    const store = storage();
    const run = browser(store, 'after-put');
    expect(ChatError.is(await failure(run.device.restoreFromKit(acc.id, kit)), 'recovery_failed')).toBe(true);
    const again = browser(store);
    expect(await again.device.restoreFromKit(acc.id, kit)).toEqual({ deviceId: 2 });
    expect(again.adopted).toHaveLength(1);
  });

  it('dies before the submission: the next start finds nothing logged and discards the pending restore; the kit still works', async () => {
    const { acc, kit } = await accountWithKit();
    const store = storage();
    expect(ChatError.is(await failure(browser(store, 'before-put').device.restoreFromKit(acc.id, kit)), 'recovery_failed')).toBe(true);
    expect(store.record?.list).toBeDefined();
    expect(await browser(store).device.resume()).toBe('discarded');
    expect(store.record).toBeUndefined();
    const again = browser(store);
    expect(await again.device.restoreFromKit(acc.id, kit)).toEqual({ deviceId: 2 });
    expect(again.adopted).toHaveLength(1);
  });

  it('a refusal by the server discards the pending restore at once', async () => {
    const { acc, phone, kit } = await accountWithKit();
    const store = storage();
    // The lost phone changes the list between the new browser's read and its submission: 409 device_list_conflict.
    const change = acc.next({ devices: [phone.entry(1)], nextDeviceId: 3, recoveryKey: null }, { id: 1, key: phone });
    const token = ((await deviceLogin(srv.url, acc.id, 1, phone)).json as { token: string }).token;
    const run = browser(store);
    const origGet = store.put;
    store.put = async (r) => {
      await origGet(r);
      if (r.list) expect((await api(srv.url, 'PUT', '/v1/devices', { list: b64(change) }, token)).status).toBe(201);
    };
    const e = await failure(run.device.restoreFromKit(acc.id, kit));
    expect(ChatError.is(e, 'recovery_failed')).toBe(true);
    expect(store.record).toBeUndefined();
    expect(run.adopted).toEqual([]);
  });
});

describe('reset without a kit, crash-safe (D6.6)', () => {
  it('keeps its keys and code until released; dies after the server logged the reset; the next start adopts it', async () => {
    const { acc } = await accountWithKit();
    const store = storage();
    const first = browser(store);
    const { code } = await first.device.beginReset(acc.id);
    expect(code.replace(/ /g, '')).toMatch(/^\d{30}$/);
    // The page is reloaded: the same keys, the same code.
    expect(await browser(store).device.pendingReset()).toEqual({ accountId: acc.id, code });
    expect(await browser(store).device.beginReset(acc.id)).toEqual({ accountId: acc.id, code });
    // Not released yet: refused, the keys stay.
    expect(ChatError.is(await failure(browser(store).device.completeReset()), 'reset_not_released')).toBe(true);
    expect(store.record?.list).toBeUndefined();
    expect(await browser(store).device.resume()).toBe('waiting');
    // Support releases the handle for that code (what the dashboard sends, as an admin).
    await srv.services.handleReleases.release(acc.id, { fingerprint: code.replace(/ /g, ''), reason: 'test' }, 'staff:root');
    const keysNow = store.record as PendingDeviceRecord;
    expect(ChatError.is(await failure(browser(store, 'after-put').device.completeReset()), 'reset_failed')).toBe(true);
    const next = browser(store);
    expect(await next.device.resume()).toBe('adopted');
    expect(next.adopted[0]).toMatchObject({ accountId: acc.id, deviceId: 2 });
    const adoptedKeys = next.adopted[0]?.keys as PendingDevice;
    expect(resetCode(acc.id, { identitySigningKey: adoptedKeys.identity.signingPublicKey, identityDhKey: adoptedKeys.identity.dhPublicKey })).toBe(code.replace(/ /g, ''));
    expect(keysNow.identity).toBeDefined();
  });

  it('an answer lost in the same session: pressing Complete reset again finishes the logged reset', async () => {
    const { acc } = await accountWithKit();
    const store = storage();
    const { code } = await browser(store).device.beginReset(acc.id);
    await srv.services.handleReleases.release(acc.id, { fingerprint: code.replace(/ /g, ''), reason: 'test' }, 'staff:root');
    expect(ChatError.is(await failure(browser(store, 'after-put').device.completeReset()), 'reset_failed')).toBe(true);
    const again = browser(store);
    expect(await again.device.completeReset()).toEqual({ deviceId: 2 });
    expect(again.adopted).toHaveLength(1);
  });
});
