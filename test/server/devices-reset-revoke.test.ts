// Revoking a handle release (docs/PROTOCOL-devices.md D6.6 "Revocation", docs/MODERATION.md "Account reset"): an admin
// takes a live release back with a reason (POST /v1/mod/accounts/{userId}/handle-release/revoke), recorded as
// `handle_release_revoked`; from its commit on no reset list is accepted under it. A release is used by one reset or
// revoked, never both — also when the reset and the revocation race, in this process or from another (the re-check
// under the account's release lock in the reset's transaction). SQLite, or PostgreSQL with TEST_DATABASE=postgres.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resetCode } from '../../client/index.ts';
import { createDb, type Db } from '../../server/db.ts';
import { handleReleasesRepo } from '../../server/data/handle-releases.ts';
import { cheapPasswordHashing, createStaff, modApi, type Staff } from '../moderation/_mod.ts';
import { type Account, deviceLogin, keys, type Keys, newId, registerGenesis } from './_devices.ts';
import { api, type ApiResult, b64, startTestServer, type TestServer } from './_harness.ts';

cheapPasswordHashing();
let srv: TestServer;
let admin: Staff;
let admin2: Staff;
beforeAll(async () => {
  srv = await startTestServer();
  admin = await createStaff(srv, newId('adm'), 'admin');
  admin2 = await createStaff(srv, newId('adm'), 'admin');
});
afterAll(async () => srv?.stop());

type Ev = { id: number; type: string; actorId: string | null; payload: Record<string, unknown> };

/** An account with a phone (device 1) and no recovery kit. */
const account = () => registerGenesis(srv.url, 'rvk', keys());
const codeOf = (acc: Account, k: Keys) => resetCode(acc.id, { identitySigningKey: k.entry(0).identitySigningKey, identityDhKey: k.dh });
const submit = (list: Uint8Array) => api(srv.url, 'PUT', '/v1/devices/reset', { list: b64(list) });
const release = (staff: Staff, accountId: string, fingerprint: string) =>
  modApi(srv.url, staff, 'POST', `/v1/mod/accounts/${accountId}/handle-release`, { fingerprint, reason: 'passport checked by support' });
const revoke = (staff: Staff, accountId: string, body: unknown = { reason: 'released for the wrong code' }, opts: { csrf?: string | null } = {}) =>
  modApi(srv.url, staff, 'POST', `/v1/mod/accounts/${accountId}/handle-release/revoke`, body, opts);
const liveRelease = async (accountId: string) =>
  (await modApi<{ release: Record<string, unknown> | null }>(srv.url, admin, 'GET', `/v1/mod/accounts/${accountId}/handle-release`)).json.release;
const events = async (accountId: string): Promise<Ev[]> =>
  (await modApi<{ events: Ev[] }>(srv.url, admin, 'GET', `/v1/mod/events?subjectType=account&subjectId=${accountId}`)).json.events;
const releaseTypes = async (accountId: string) =>
  (await events(accountId)).map((e) => e.type).filter((t) => ['handle_released', 'account_reset', 'handle_release_revoked'].includes(t));
/** The account's current list version as the server holds it (1 = the reset did not happen). */
const listVersion = async (accountId: string) => Number((await srv.services.devices.current(accountId))?.verified.signed.list.listVersion);

function refused(r: ApiResult, status: number, code: string): void {
  expect(r.status, JSON.stringify(r.json)).toBe(status);
  expect(r.contentType).toContain('application/problem+json');
  expect(r.json.code).toBe(code);
}

/** An account with a live release for a new device's code. */
async function released(by = admin): Promise<{ acc: Account; fresh: Keys; releaseId: number }> {
  const { acc } = await account();
  const fresh = keys();
  const r = await release(by, acc.id, codeOf(acc, fresh));
  expect(r.status, JSON.stringify(r.json)).toBe(201);
  return { acc, fresh, releaseId: Number(r.json.releaseId) };
}

describe('revoking a handle release (D6.6 "Revocation")', () => {
  it('a revoked release authorises no reset: 403 reset_not_allowed, nothing logged; the answer is the revoked release', async () => {
    const { acc, fresh, releaseId } = await released();
    expect(await liveRelease(acc.id)).toMatchObject({ releaseId, fingerprint: codeOf(acc, fresh) });
    const r = await revoke(admin2, acc.id, { reason: '  support was deceived (ticket 4711)  ' });
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    expect(r.json).toMatchObject({
      releaseId, userId: acc.id, fingerprint: codeOf(acc, fresh), reason: 'passport checked by support', releasedBy: `staff:${admin.id}`,
      revokedBy: `staff:${admin2.id}`, revokeReason: 'support was deceived (ticket 4711)',
    });
    expect(Math.abs(Date.parse(String(r.json.revokedAt)) - Date.now())).toBeLessThan(60_000);
    expect(await liveRelease(acc.id)).toBeNull();
    const size = srv.services.transparency.size;
    refused(await submit(acc.resetList(fresh, 2)), 403, 'reset_not_allowed');
    expect(srv.services.transparency.size).toBe(size);
    expect(await listVersion(acc.id)).toBe(1);
    expect(await releaseTypes(acc.id)).toEqual(['handle_released', 'handle_release_revoked']);
  });

  it('only an admin revokes: triage and moderators are 403 forbidden, a staff session without CSRF is 403 csrf_failed; the release stays live', async () => {
    const { acc, releaseId } = await released();
    for (const role of ['triage', 'moderator'] as const) refused(await revoke(await createStaff(srv, newId(role.slice(0, 3)), role), acc.id), 403, 'forbidden');
    refused(await revoke(admin, acc.id, { reason: 'x' }, { csrf: null }), 403, 'csrf_failed');
    refused(await api(srv.url, 'POST', `/v1/mod/accounts/${acc.id}/handle-release/revoke`, { reason: 'x' }), 401, 'unauthorized');
    expect(await liveRelease(acc.id)).toMatchObject({ releaseId });
    expect(await releaseTypes(acc.id)).toEqual(['handle_released']);
  });

  it('bad input is 400 problem+json (never a 500) and revokes nothing', async () => {
    const { acc, releaseId } = await released();
    for (const body of [{}, { reason: '' }, { reason: '   ' }, { reason: 'x'.repeat(501) }, { reason: 42 }, { reason: 'ok', releaseId: 1 }, []])
      refused(await revoke(admin, acc.id, body), 400, 'validation_failed');
    // Not a JSON object at all: the body parser's 400 (strict JSON: objects and arrays only).
    for (const raw of ['{"reason": ', 'null', '"revoke"']) refused(await revoke(admin, acc.id, raw), 400, 'malformed_json');
    refused(await revoke(admin, 'Not An Id!', { reason: 'x' }), 400, 'validation_failed');
    expect(await liveRelease(acc.id)).toMatchObject({ releaseId });
  });

  it('nothing live to revoke is 404 no_live_release: no release, an expired one, one already revoked, an unknown account', async () => {
    const { acc } = await account();
    refused(await revoke(admin, acc.id), 404, 'no_live_release');
    refused(await revoke(admin, newId('nobody')), 404, 'no_live_release');
    // An expired release, as the event log holds it.
    await srv.services.moderationEvents.append({
      subjectType: 'account', subjectId: acc.id, type: 'handle_released', actorId: `staff:${admin.id}`,
      payload: { fingerprint: codeOf(acc, keys()), reason: 'expired', expiresAt: new Date(Date.now() - 1000).toISOString() },
    });
    refused(await revoke(admin, acc.id), 404, 'no_live_release');
    const live = await released();
    expect((await revoke(admin, live.acc.id)).status).toBe(200);
    refused(await revoke(admin2, live.acc.id), 404, 'no_live_release');
    expect(await releaseTypes(live.acc.id)).toEqual(['handle_released', 'handle_release_revoked']);
    expect(await releaseTypes(acc.id)).toEqual(['handle_released']);
  });

  it('a release a reset already used is not revoked: 409 release_used, and the reset stands', async () => {
    const { acc, fresh } = await released();
    const list = acc.resetList(fresh, 2);
    expect((await submit(list)).status).toBe(201);
    acc.accept(list);
    refused(await revoke(admin, acc.id), 409, 'release_used');
    expect(await listVersion(acc.id)).toBe(2);
    expect((await deviceLogin(srv.url, acc.id, 2, fresh)).status).toBe(200);
    expect(await releaseTypes(acc.id)).toEqual(['handle_released', 'account_reset']);
    expect(await liveRelease(acc.id)).toBeNull();
  });

  it('after a revocation a newer release works again; the audit shows each step with its actor and reason', async () => {
    const { acc, fresh: wrong, releaseId: first } = await released(admin);
    expect((await revoke(admin2, acc.id, { reason: 'released for the wrong code' })).status).toBe(200);
    refused(await submit(acc.resetList(wrong, 2)), 403, 'reset_not_allowed');
    const right = keys();
    const again = await release(admin2, acc.id, codeOf(acc, right));
    expect(again.status).toBe(201);
    expect(await liveRelease(acc.id)).toMatchObject({ releaseId: again.json.releaseId, fingerprint: codeOf(acc, right) });
    // The revoked release's code stays refused; the new one's list is taken.
    refused(await submit(acc.resetList(wrong, 2)), 403, 'reset_not_allowed');
    expect((await submit(acc.resetList(right, 2))).status).toBe(201);
    const log = (await events(acc.id)).filter((e) => ['handle_released', 'account_reset', 'handle_release_revoked'].includes(e.type));
    expect(log).toMatchObject([
      { type: 'handle_released', actorId: `staff:${admin.id}`, payload: { fingerprint: codeOf(acc, wrong) } },
      { type: 'handle_release_revoked', actorId: `staff:${admin2.id}`, payload: { releaseId: first, reason: 'released for the wrong code' } },
      { type: 'handle_released', actorId: `staff:${admin2.id}`, payload: { fingerprint: codeOf(acc, right) } },
      { type: 'account_reset', actorId: null, payload: { releaseId: again.json.releaseId, fingerprint: codeOf(acc, right), listVersion: 2 } },
    ]);
  });

  it('a reset and a revocation sent together: exactly one wins, in either order, and the log agrees with the answer', async () => {
    for (let round = 0; round < 8; round++) {
      const { acc, fresh } = await released();
      const list = acc.resetList(fresh, 2);
      const [reset, rev] = round % 2 === 0
        ? await Promise.all([submit(list), revoke(admin, acc.id)])
        : await Promise.all([revoke(admin, acc.id), submit(list)]).then(([a, b]) => [b, a] as const);
      const types = await releaseTypes(acc.id);
      if (reset.status === 201) {
        refused(rev, 409, 'release_used');
        expect(types).toEqual(['handle_released', 'account_reset']);
        expect(await listVersion(acc.id)).toBe(2);
      } else {
        refused(reset, 403, 'reset_not_allowed');
        expect(rev.status, JSON.stringify(rev.json)).toBe(200);
        expect(types).toEqual(['handle_released', 'handle_release_revoked']);
        expect(await listVersion(acc.id)).toBe(1);
      }
      expect(await liveRelease(acc.id)).toBeNull();
    }
  });

  it('two revocations sent together: one revokes, the other is 404 no_live_release; one event', async () => {
    for (let round = 0; round < 4; round++) {
      const { acc } = await released();
      const answers = await Promise.all([revoke(admin, acc.id), revoke(admin2, acc.id)]);
      expect(answers.map((a) => a.status).sort()).toEqual([200, 404]);
      expect(await releaseTypes(acc.id)).toEqual(['handle_released', 'handle_release_revoked']);
    }
  });
});

describe('a revocation from another process while a reset is being logged (the re-check in the reset\'s transaction)', () => {
  let other: Db;
  beforeAll(async () => {
    other = await createDb(srv.db.url);
  });
  afterAll(async () => other?.$disconnect());

  /** Runs `between` after the reset was authorised and before its list is logged (as another process would). */
  async function resetWith(between: (accountId: string) => Promise<void>, list: Uint8Array): Promise<ApiResult> {
    const releases = srv.services.handleReleases;
    const authorise = releases.authorise.bind(releases);
    releases.authorise = async (accountId, device, v) => {
      const event = await authorise(accountId, device, v);
      await between(accountId);
      return event;
    };
    try {
      return await submit(list);
    } finally {
      releases.authorise = authorise;
    }
  }

  it('a revocation committed after the reset was authorised makes the reset 403 reset_not_allowed: no leaf, no list, no account_reset', async () => {
    const { acc, fresh } = await released();
    const size = srv.services.transparency.size;
    const r = await resetWith(async (id) => {
      const out = await handleReleasesRepo(other).revoke(id, `staff:${admin2.id}`, 'revoked on another process', () => true);
      expect(out.outcome).toBe('revoked');
    }, acc.resetList(fresh, 2));
    refused(r, 403, 'reset_not_allowed');
    expect(srv.services.transparency.size).toBe(size);
    expect(await listVersion(acc.id)).toBe(1);
    expect(await releaseTypes(acc.id)).toEqual(['handle_released', 'handle_release_revoked']);
    // The log is still usable after the rolled-back append: another account's reset goes through.
    const next = await released();
    expect((await submit(next.acc.resetList(next.fresh, 2))).status).toBe(201);
  });

  it('a revocation holding the account\'s release lock on another process: the reset waits for it and never commits beside it', async () => {
    for (let round = 0; round < 3; round++) {
      const { acc, fresh } = await released();
      let inside!: () => void;
      const entered = new Promise<void>((resolve) => { inside = resolve; });
      let open!: () => void;
      const gate = new Promise<void>((resolve) => { open = resolve; });
      // The other process has read the release (live, unused) under its lock and not yet written its event.
      const revoking = handleReleasesRepo(other).revoke(acc.id, `staff:${admin2.id}`, 'revoked on another process', async () => {
        inside();
        await gate;
        return true;
      }).then((o) => o.outcome, (e: unknown) => `error: ${String(e)}`);
      await entered;
      const resetting = submit(acc.resetList(fresh, 2));
      await new Promise((resolve) => setTimeout(resolve, 300)); // the reset reaches its transaction meanwhile
      open();
      const [outcome, reset] = await Promise.all([revoking, resetting]);
      const types = await releaseTypes(acc.id);
      // Never both: the log holds the release and exactly one of its use and its revocation, as the answers say.
      expect(types).toHaveLength(2);
      if (reset.status === 201) {
        expect(outcome).not.toBe('revoked');
        expect(types[1]).toBe('account_reset');
      } else {
        refused(reset, 403, 'reset_not_allowed');
        expect(outcome).toBe('revoked');
        expect(types[1]).toBe('handle_release_revoked');
        expect(await listVersion(acc.id)).toBe(1);
      }
    }
  });

  it('a newer release committed after the reset was authorised (for another code) also refuses the reset', async () => {
    const { acc, fresh } = await released();
    const r = await resetWith(async (id) => {
      await handleReleasesRepo(other).append({
        subjectType: 'account', subjectId: id, type: 'handle_released', actorId: `staff:${admin.id}`,
        payload: { fingerprint: codeOf(acc, keys()), reason: 'replaced', expiresAt: new Date(Date.now() + 86_400_000).toISOString() },
      });
    }, acc.resetList(fresh, 2));
    refused(r, 403, 'reset_not_allowed');
    expect(await listVersion(acc.id)).toBe(1);
    expect(await releaseTypes(acc.id)).toEqual(['handle_released', 'handle_released']);
  });
});
