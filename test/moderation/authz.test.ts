// Authorization matrix for every moderation endpoint, CSRF on state changes, cookie attributes, login
// (throttled, never locked: test/server/staff-login.test.ts), and bad input → 4xx problem+json (never 5xx) on every new endpoint.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allRoutes } from '../../server/routes/index.ts';
import type { Services } from '../../server/services/index.ts';
import { type TestServer, type TestUser, api, createUser, isProblem, startTestServer } from '../server/_harness.ts';
import { type Staff, cheapPasswordHashing, createStaff, modApi, seedReport, staffLogin } from './_mod.ts';

cheapPasswordHashing();
let srv: TestServer;
let base: string;
let mod: Staff;
let admin: Staff;
let user: TestUser;
let reportId: string;

const specs = allRoutes({} as Services).map((r) => r.spec);
const modSpecs = specs.filter((s) => s.path.startsWith('/v1/mod/') && s.auth !== 'public');
const adminSpecs = modSpecs.filter((s) => s.auth === 'admin');
const code = (r: { json: unknown }) => (r.json as { code?: string }).code;
const fill = (p: string) => p.replace('{reportId}', reportId).replace('{userId}', 'nobody').replace('{moderatorId}', 'mod');

beforeAll(async () => {
  srv = await startTestServer();
  base = srv.url;
  [mod, admin] = await Promise.all([createStaff(srv, 'mod', 'moderator'), createStaff(srv, 'admin', 'admin')]);
  user = await createUser(base, 'chatter');
  reportId = (await seedReport(base)).reportId;
});
afterAll(async () => srv?.stop());

describe('who can reach what', () => {
  it('the matrix covers the new endpoints', () => {
    expect(modSpecs.length).toBeGreaterThanOrEqual(14);
    expect(adminSpecs.map((s) => s.operationId).sort()).toEqual([
      'createInvites', 'createModerator', 'createPolicy', 'createRoutingRule', 'exportCaseEvidence', 'exportReportEvidence', 'listModerators', 'putStatementTemplate',
      'releaseHandle', 'revokeHandleRelease', 'setLegalHold', 'updateModerator', 'updatePolicy', 'updateRoutingRule',
    ]);
  });

  it.each(modSpecs.map((s) => [s.method.toUpperCase(), s.path] as const))('%s %s: no credentials → 401, chat user bearer → 403', async (method, path) => {
    const anon = await api(base, method, fill(path), method === 'GET' ? undefined : {});
    expect(anon.status).toBe(401);
    expect(isProblem(anon)).toBe(true);
    const asUser = await api(base, method, fill(path), method === 'GET' ? undefined : {}, user.token);
    expect(asUser.status).toBe(403);
    expect(isProblem(asUser)).toBe(true);
    expect(code(asUser)).toBe('forbidden');
  });

  it.each(adminSpecs.map((s) => [s.method.toUpperCase(), s.path] as const))('%s %s: a moderator is refused (admin only)', async (method, path) => {
    const r = await modApi(base, mod, method, fill(path), method === 'GET' ? undefined : { role: 'admin' });
    expect(r.status).toBe(403);
    expect(code(r)).toBe('forbidden');
  });

  it('a moderator cannot promote themselves or create staff; an admin can, and the new moderator logs in', async () => {
    const self = await modApi(base, mod, 'POST', '/v1/mod/moderators/mod', { role: 'admin' });
    expect(code(self)).toBe('forbidden');
    const created = await modApi(base, admin, 'POST', '/v1/mod/moderators', { id: 'newbie', displayName: 'New Bie', role: 'moderator', password: 'a long enough password' });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ id: 'newbie', role: 'moderator', disabled: false });
    expect(JSON.stringify(created.json)).not.toMatch(/argon2|passwordHash/);
    const dup = await modApi(base, admin, 'POST', '/v1/mod/moderators', { id: 'newbie', displayName: 'x', role: 'moderator', password: 'a long enough password' });
    expect(dup.status).toBe(409);
    expect(code(dup)).toBe('moderator_exists');
    const newbie = await staffLogin(base, 'newbie', 'a long enough password');
    expect((await modApi(base, newbie, 'GET', '/v1/mod/queue')).status).toBe(200);
    // disabling ends the session at once
    expect((await modApi(base, admin, 'POST', '/v1/mod/moderators/newbie', { disabled: true })).status).toBe(200);
    expect((await modApi(base, newbie, 'GET', '/v1/mod/queue')).status).toBe(401);
    const audit = await modApi<{ events: Array<{ type: string; actorId: string }> }>(base, admin, 'GET', '/v1/mod/audit?subjectType=moderator&subjectId=newbie');
    expect(audit.json.events.map((e) => e.type)).toEqual(['moderator_updated', 'moderator_created']);
    expect(audit.json.events[1]?.actorId).toBe('staff:admin');
  });

  it('a triage member manages their own account: session, password change and two-factor enrolment (docs/MODERATION.md: any staff member enrols)', async () => {
    const tri = await createStaff(srv, 'tri-self', 'triage', 'triage password 1');
    const session = await modApi<{ moderator: { role: string } }>(base, tri, 'GET', '/v1/mod/session');
    expect(session.status).toBe(200);
    expect(session.json.moderator.role).toBe('triage');
    const start = await modApi<{ secret: string; uri: string }>(base, tri, 'POST', '/v1/mod/me/totp');
    expect(start.status).toBe(200);
    expect(start.json.uri).toMatch(/^otpauth:\/\/totp\/franking-chat:tri-self\?/);
    const { totpCode } = await import('../../server/services/staff/index.ts');
    expect((await modApi(base, tri, 'POST', '/v1/mod/me/totp/confirm', { code: totpCode(start.json.secret) })).status).toBe(200);
    const pw = await modApi(base, tri, 'POST', '/v1/mod/me/password', { currentPassword: 'triage password 1', newPassword: 'triage password 2' });
    expect(pw.status).toBe(200);
    // still no moderator powers: the audit log stays closed to triage
    expect((await modApi(base, tri, 'GET', '/v1/mod/audit')).status).toBe(403);
  });

  it('a disabled account answers the right password exactly as a wrong one (401 invalid_credentials), so a guesser learns nothing', async () => {
    await srv.services.moderators.create({ id: 'gone', displayName: 'Gone', role: 'moderator', password: 'the gone password' }, null);
    expect((await modApi(base, admin, 'POST', '/v1/mod/moderators/gone', { disabled: true })).status).toBe(200);
    const attempt = (password: string) => api(base, 'POST', '/v1/mod/session', { moderatorId: 'gone', password });
    const right = await attempt('the gone password');
    const wrong = await attempt('not the password');
    expect(right.status).toBe(401);
    expect(wrong.status).toBe(401);
    expect(isProblem(right)).toBe(true);
    expect(right.json).toEqual(wrong.json);
    expect(code(right)).toBe('invalid_credentials');
  });

  it('the last active admin cannot be demoted or disabled', async () => {
    const r = await modApi(base, admin, 'POST', '/v1/mod/moderators/admin', { role: 'moderator' });
    expect(r.status).toBe(409);
    expect(code(r)).toBe('last_admin');
  });
});

describe('CSRF and cookies', () => {
  it('the session cookie is HttpOnly, SameSite=Strict, not readable by scripts; Secure only over HTTPS', () => {
    expect(mod.setCookie).toMatch(/^fc_mod_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+$/);
  });

  it.each(modSpecs.filter((s) => s.method !== 'get').map((s) => [s.path] as const))('POST %s: missing or forged CSRF token → 403 csrf_failed', async (path) => {
    const body = path.endsWith('/notes') ? { text: 'x' } : path.endsWith('/decision') ? { action: 'dismiss', policyId: 'harassment' } : {};
    for (const csrf of [null, '', 'forged-token', admin.csrf]) {
      const r = await modApi(base, mod, 'POST', fill(path), body, { csrf });
      expect(r.status).toBe(403);
      expect(isProblem(r)).toBe(true);
      expect(code(r)).toBe('csrf_failed');
    }
  });

  it('GET /v1/mod/session returns the same CSRF token; logout needs it and ends the session', async () => {
    const s = await staffLogin(base, 'mod', 'pw-mod-long-enough');
    const me = await modApi<{ csrfToken: string; moderator: { role: string; actorId: string } }>(base, s, 'GET', '/v1/mod/session');
    expect(me.json.csrfToken).toBe(s.csrf);
    expect(me.json.moderator).toMatchObject({ role: 'moderator', actorId: 'staff:mod' });
    expect((await modApi(base, s, 'POST', '/v1/mod/session/logout', undefined, { csrf: null })).status).toBe(403);
    expect((await modApi(base, s, 'POST', '/v1/mod/session/logout')).status).toBe(200);
    expect((await modApi(base, s, 'GET', '/v1/mod/session')).status).toBe(401);
  });

  it('behind a trusted HTTPS proxy the cookie is Secure', async () => {
    process.env.TRUST_PROXY = 'loopback';
    const proxied = await startTestServer();
    try {
      await proxied.services.moderators.create({ id: 'px', displayName: 'P', role: 'moderator', password: 'proxy password 1' }, null);
      const res = await fetch(`${proxied.url}/v1/mod/session`, {
        method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-proto': 'https' }, body: JSON.stringify({ moderatorId: 'px', password: 'proxy password 1' }),
      });
      expect(res.headers.get('set-cookie')).toMatch(/; Secure$/);
    } finally {
      delete process.env.TRUST_PROXY;
      await proxied.stop();
    }
  });
});

describe('login', () => {
  it('wrong password → 401 invalid_credentials; unknown name looks the same; no lockout: after throttling the right password works from a known address', async () => {
    await srv.services.moderators.create({ id: 'victim', displayName: 'V', role: 'moderator', password: 'the right password' }, null);
    const attempt = (id: string, password: string) => api(base, 'POST', '/v1/mod/session', { moderatorId: id, password });
    const unknown = await attempt('nobody', 'whatever');
    expect(unknown.status).toBe(401);
    expect(code(unknown)).toBe('invalid_credentials');
    expect((await attempt('victim', 'the right password')).status).toBe(201); // this address becomes known
    for (let i = 0; i < 5; i++) expect(code(await attempt('victim', `wrong ${i}`))).toBe('invalid_credentials');
    expect((await attempt('victim', 'the right password')).status).toBe(201); // never 423: the lockout is gone
    // an admin password reset still works and the new password logs in
    expect((await modApi(base, admin, 'POST', '/v1/mod/moderators/victim', { password: 'a brand new password' })).status).toBe(200);
    expect((await attempt('victim', 'a brand new password')).status).toBe(201);
  });
});

describe('bad input → 4xx problem+json, never 5xx', () => {
  const garbage: unknown[] = [null, 42, 'str', [], {}, { action: 'nuke' }, { text: '' }, { text: 'x'.repeat(5000) }, { action: 'suspend', suspendHours: -1 },
    { action: 'warn', suspendHours: 5 }, { id: 'A B', displayName: '', role: 'god', password: 'short' }, { role: 'admin', extra: 1 }, { moderatorId: '../etc', password: '' }];
  const badPaths = ['/v1/mod/reports/..%2F..', '/v1/mod/reports/' + 'x'.repeat(100), '/v1/mod/reports/does-not-exist', '/v1/mod/moderators/UPPER', '/v1/mod/moderators/ghost'];
  it('bodies, params and queries', async () => {
    const seen: number[] = [];
    for (const s of [...modSpecs, ...specs.filter((x) => x.path === '/v1/mod/session' || x.path === '/v1/notices' || x.path === '/v1/me/notices')]) {
      const paths = [fill(s.path), ...(s.path.includes('{') ? badPaths.map((b) => s.path.replace(/\/v1\/mod\/(reports|moderators)\/\{\w+\}/, b).replace(/\{\w+\}/, 'x')) : [])];
      for (const p of paths) {
        const who = s.auth === 'user' ? undefined : admin;
        const bodies = s.method === 'get' ? [undefined] : garbage;
        for (const body of bodies) {
          const r = who ? await modApi(base, who, s.method.toUpperCase(), p, body) : await api(base, s.method.toUpperCase(), p, body, user.token);
          seen.push(r.status);
          if (r.status >= 400) expect(isProblem(r), `${s.method} ${p} ${JSON.stringify(body)}`).toBe(true);
          expect(r.status, `${s.method} ${p} ${JSON.stringify(body)}`).toBeLessThan(500);
        }
      }
      if (s.method === 'get') {
        for (const q of ['?view=nope', '?limit=0', '?limit=abc', '?cursor=%%%', '?cursor=eyJhIjoxfQ', '?before=-1', '?days=9999', '?after=x', '?unknown=1', '?category=harassment&category=spam']) {
          const r = s.auth === 'user' ? await api(base, 'GET', fill(s.path) + q, undefined, user.token) : await modApi(base, admin, 'GET', fill(s.path) + q);
          seen.push(r.status);
          expect(r.status, `${s.path}${q}`).toBeLessThan(500);
          if (r.status >= 400) expect(isProblem(r)).toBe(true);
        }
      }
    }
    expect(seen.filter((x) => x >= 400).length).toBeGreaterThan(200);
  });

  it('wrong content type and malformed JSON', async () => {
    const raw = await fetch(`${base}/v1/mod/reports/${reportId}/notes`, { method: 'POST', headers: { cookie: mod.cookie, 'x-csrf-token': mod.csrf, 'content-type': 'application/json' }, body: '{"text":' });
    expect(raw.status).toBe(400);
    const form = await fetch(`${base}/v1/mod/session`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'moderatorId=mod&password=x' });
    expect(form.status).toBe(415);
  });
});
