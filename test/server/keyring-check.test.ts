// One keyring per deployment (docs/SCALING.md "One keyring per deployment"): the start check against the check values
// in a real database, beyond the process-level test (test/cluster/split-keyring.test.ts): rotation, retirement, a stale
// key file, a kid reused for another key, and kids that went out of use before the report window.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Keyring } from '../../client/protocol.ts';
import { stampKeyChecksRepo } from '../../server/data/stamp-key-checks.ts';
import { DeploymentKeyMismatch, checkStampingKeyring, registerStampingKeyring } from '../../server/shared/keyring-check.ts';
import { type TestServer, startTestServer } from './_harness.ts';

const DAY = 86_400_000;
const WINDOW = 90 * DAY;
const origin = { json: false, file: '/srv/franking/stamp-keys.json' };
let srv: TestServer;
beforeAll(async () => {
  srv = await startTestServer({}, { logLevel: 'warn' });
});
afterAll(async () => srv?.stop());
const repo = () => stampKeyChecksRepo(srv.services.db);
const copy = (k: Keyring) => Keyring.fromJSON(JSON.parse(JSON.stringify(k.toJSON())));

describe('the stamping keyring check at start', () => {
  it('the server registered its keyring at start; the same keyring passes again', async () => {
    const rows = await srv.services.db.stampKeyCheck.findMany();
    expect(rows.map((r) => r.kid)).toEqual(['k-test-1']);
    expect(rows[0]!.activeSeenAt).not.toBeNull();
    expect(Buffer.from(rows[0]!.checkValue).length).toBe(32);
    await expect(checkStampingKeyring(repo(), srv.services.stamping.currentKeyring, origin, WINDOW)).resolves.toBeUndefined();
  });

  it('another keyring (a process with its own data directory) is refused, naming STAMP_KEYRING_FILE; nothing is registered for it', async () => {
    const own = Keyring.create('k-own-1', randomBytes(32), Date.now());
    const e = await checkStampingKeyring(repo(), own, origin, WINDOW).then(() => null, (x: unknown) => x);
    expect(e).toBeInstanceOf(DeploymentKeyMismatch);
    expect((e as Error).message).toMatch(/"k-test-1".*is not in this process's keyring/);
    expect((e as Error).message).toMatch(/STAMP_KEYRING_FILE \(now \/srv\/franking\/stamp-keys.json\)/);
    expect((await srv.services.db.stampKeyCheck.findMany()).map((r) => r.kid)).toEqual(['k-test-1']);
    const env = await checkStampingKeyring(repo(), own, { json: true, file: '' }, WINDOW).then(() => null, (x: unknown) => (x as Error).message);
    expect(env).toMatch(/Fix STAMP_KEYRING \(JSON in the environment\)/);
  });

  it('the same kid with another key is refused', async () => {
    const forged = Keyring.create('k-test-1', randomBytes(32), Date.now());
    await expect(checkStampingKeyring(repo(), forged, origin, WINDOW)).rejects.toThrow(/"k-test-1" here is another key/);
  });

  it('after a rotation the new keyring passes; a process started later with the stale file (without the new kid) is refused', async () => {
    const stale = copy(srv.services.stamping.currentKeyring);
    const rotated = copy(stale);
    const now = Date.now() + 1000;
    rotated.rotate('k-test-2', randomBytes(32), now);
    srv.services.stamping.replaceKeyring(rotated); // as a reload after `admin keys rotate`
    await registerStampingKeyring(repo(), rotated, now); // the running process marks its new active kid
    await expect(checkStampingKeyring(repo(), rotated, origin, WINDOW, now)).resolves.toBeUndefined();
    await expect(checkStampingKeyring(repo(), stale, origin, WINDOW, now)).rejects.toThrow(/"k-test-2".*is not in this process's keyring/);
    // A retired kid (key wiped) is still this keyring's: no split.
    const retired = copy(rotated);
    retired.retire('k-test-1', now + 1);
    await expect(checkStampingKeyring(repo(), retired, origin, WINDOW, now + 2)).resolves.toBeUndefined();
    // Once the old kid has not been active for a whole report window, a keyring without it (pruned) passes.
    const later = now + WINDOW + DAY;
    await registerStampingKeyring(repo(), rotated, later);
    const pruned = Keyring.fromJSON({ ...rotated.toJSON(), keys: rotated.toJSON().keys.filter((k) => k.kid !== 'k-test-1') });
    await expect(checkStampingKeyring(repo(), pruned, origin, WINDOW, later)).resolves.toBeUndefined();
  });
});
