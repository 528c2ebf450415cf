// MLS key packages per device against a real server (docs/PROTOCOL-devices.md D14.3): each device of an account with
// a device list publishes packages whose version 2 credential names it and whose leaf key is its entry's credentialKey
// in the logged list; a claim hands out one package per current device with the list version, and the SDK checks
// them against its verified list (verifyClaimedDevicePackages) before addPerson. Refused: a package naming another
// device or account, a key other than the entry's, a version 1 credential; a removed device's packages are gone.
// SQLite, or PostgreSQL with TEST_DATABASE=postgres.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchVerifiedDeviceLists } from '../../client/devices/index.ts';
import { type CredentialKeyPair, generateCredentialKey, generateGroupKeyPackage, verifyClaimedDevicePackages } from '../../client/group/index.ts';
import { generateIdentity, type IdentityKeyPair } from '../../client/session/identity.ts';
import { ApiClient } from '../../client/transport/api.ts';
import { ApiError } from '../../client/transport/api-error.ts';
import { userOperations } from '../../client/transport/contract/operations.ts';
import { ktClient } from '../transparency/_kt.ts';
import { type Account, deviceLogin, type Keys, newId, registerGenesis } from './_devices.ts';
import { b64, createUser, startTestServer, type TestServer } from './_harness.ts';

let srv: TestServer;
beforeAll(async () => {
  srv = await startTestServer();
});
afterAll(async () => srv?.stop());

/** A device that can make key packages: its identity and credential key pairs, as _devices.ts Keys for the lists. */
function device(): Keys & { identity: IdentityKeyPair; credential: CredentialKeyPair } {
  const identity = generateIdentity();
  const credential = generateCredentialKey();
  return {
    identity, credential, seed: identity.signingPrivateKey, dh: identity.dhPublicKey,
    entry: (deviceId, linkedAt = 1_700_000_000_000) => ({ deviceId, identitySigningKey: identity.signingPublicKey, identityDhKey: identity.dhPublicKey, credentialKey: credential.publicKey, linkedAt }),
  };
}
type Dev = ReturnType<typeof device>;

const client = (token: string) => new ApiClient({ baseUrl: srv.url, token, validateResponses: userOperations });
const signIn = async (acc: Account, deviceId: number, d: Dev) => client(((await deviceLogin(srv.url, acc.id, deviceId, d)).json as { token: string }).token);
const packageOf = async (acc: Account, deviceId: number, d: Dev, named = { accountId: acc.id, deviceId }) =>
  (await generateGroupKeyPackage({ accountId: named.accountId, deviceId: named.deviceId, identity: d.identity, credentialKey: d.credential })).bytes;

/** An account with phone (device 1) and laptop (device 2), both signed in. */
async function twoDevices() {
  const { acc, phone } = await registerGenesis(srv.url, 'kp', device());
  const laptop = device();
  const onPhone = await signIn(acc, 1, phone);
  const v2 = acc.next({ devices: [phone.entry(1), laptop.entry(2)], nextDeviceId: 3 }, { id: 1, key: phone }, laptop);
  await onPhone.putDeviceList(v2);
  acc.accept(v2);
  return { acc, phone, laptop, onPhone, onLaptop: await signIn(acc, 2, laptop) };
}

describe('key packages per device (D14.3)', () => {
  it('each device publishes its own; a claim hands out one per device that the SDK proves against the verified list', async () => {
    const { acc, phone, laptop, onPhone, onLaptop } = await twoDevices();
    expect(await onPhone.publishKeyPackages([await packageOf(acc, 1, phone), await packageOf(acc, 1, phone)])).toEqual({ oneTime: 2, lastResort: false });
    expect(await onLaptop.publishKeyPackages([await packageOf(acc, 2, laptop)], await packageOf(acc, 2, laptop))).toEqual({ oneTime: 1, lastResort: true });
    expect(await onPhone.countKeyPackages()).toEqual({ oneTime: 2, lastResort: false }); // per device
    // Nothing was appended to the log for them: the list's proof covers the credential keys (D7.1).
    expect(await srv.services.transparency.hasBinding(acc.id, 'mls-credential')).toBe(false);

    const bob = client((await createUser(srv.url)).token);
    const kt = await ktClient(srv.url);
    const { pinned } = await fetchVerifiedDeviceLists(bob, kt, acc.id, null);
    const claimed = await bob.claimDeviceKeyPackages(acc.id);
    expect(claimed.listVersion).toBe(2);
    expect(claimed.keyPackages.map((k) => [k.deviceId, k.lastResort])).toEqual([[1, false], [2, false]]);
    const proven = await verifyClaimedDevicePackages(acc.id, pinned, claimed.listVersion, claimed.keyPackages);
    expect(proven.map((p) => [p.deviceId, b64(p.credentialKey)])).toEqual([[1, b64(phone.credential.publicKey)], [2, b64(laptop.credential.publicKey)]]);
    // The laptop's one-time package is spent: the next claim gets its last-resort one; the phone still has one more.
    expect((await bob.claimDeviceKeyPackages(acc.id)).keyPackages.map((k) => [k.deviceId, k.lastResort])).toEqual([[1, false], [2, true]]);
  });

  it('refuses a package naming another device or account, a key other than the entry\'s, a version 1 credential', async () => {
    const { acc, phone, laptop, onPhone } = await twoDevices();
    const refused = async (p: Promise<unknown>) => {
      const e = await p.catch((x: unknown) => x);
      expect(ApiError.is(e, 'invalid_key_package'), String(e)).toBe(true);
    };
    await refused(onPhone.publishKeyPackages([await packageOf(acc, 1, phone, { accountId: acc.id, deviceId: 2 })]));
    await refused(onPhone.publishKeyPackages([await packageOf(acc, 1, phone, { accountId: newId('other'), deviceId: 1 })]));
    // The laptop's credential key in a package the phone publishes as its own.
    await refused(onPhone.publishKeyPackages([await packageOf(acc, 1, laptop)]));
    // A key the list does not hold at all (the server's own, say).
    await refused(onPhone.publishKeyPackages([await packageOf(acc, 1, device())]));
    const v1 = (await generateGroupKeyPackage({ accountId: acc.id, identity: phone.identity, credentialKey: phone.credential })).bytes;
    await refused(onPhone.publishKeyPackages([v1]));
    expect(await onPhone.countKeyPackages()).toEqual({ oneTime: 0, lastResort: false });
    const e = await client((await createUser(srv.url)).token).claimDeviceKeyPackages(acc.id).catch((x: unknown) => x);
    expect(ApiError.is(e, 'not_found')).toBe(true);
  });

  it('a removed device\'s packages go with it: the next claim has none of its packages', async () => {
    const { acc, phone, laptop, onPhone, onLaptop } = await twoDevices();
    await onPhone.publishKeyPackages([await packageOf(acc, 1, phone)], await packageOf(acc, 1, phone));
    await onLaptop.publishKeyPackages([await packageOf(acc, 2, laptop)], await packageOf(acc, 2, laptop));
    const v3 = acc.next({ devices: [phone.entry(1)], nextDeviceId: 3 }, { id: 1, key: phone });
    await onPhone.putDeviceList(v3);
    acc.accept(v3);
    const claimed = await client((await createUser(srv.url)).token).claimDeviceKeyPackages(acc.id);
    expect(claimed).toMatchObject({ listVersion: 3, keyPackages: [{ deviceId: 1 }] });
    const { createDb } = await import('../../server/db.ts');
    const db = await createDb(srv.db.url);
    try {
      expect(await db.keyPackage.count({ where: { accountId: acc.id, deviceId: 2n } })).toBe(0);
      expect(await db.keyPackage.count({ where: { accountId: acc.id, deviceId: 1n } })).toBe(1);
    } finally {
      await db.$disconnect();
    }
  });

  it('a legacy account (no list) is claimed as before, and has no per-device claim', async () => {
    const u = await createUser(srv.url);
    const e = await client(u.token).claimDeviceKeyPackages(u.id).catch((x: unknown) => x);
    expect(ApiError.is(e, 'not_found')).toBe(true);
  });
});
