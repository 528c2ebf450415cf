// Staff login (docs/MODERATION.md "Sessions, cookies, CSRF, lockout") against the real server: throttling instead of a
// lockout (a stranger cannot lock the owner out; known and unknown names answer alike; parallel guesses are counted
// exactly), TOTP second factor (enrol, login, replay, recovery by an admin reset), own password change, and the admin
// CLI's generated password for `moderators reset-password` as printed at first start.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totpCode } from '../../server/services/staff/index.ts';
import { type Staff, cheapPasswordHashing, modApi, staffLogin } from '../moderation/_mod.ts';
import { type TestServer, api, isProblem, startTestServer } from './_harness.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const code = (r: { json: unknown }) => (r.json as { code?: string }).code;

cheapPasswordHashing();
process.env.TRUST_PROXY = 'loopback'; // lets the test speak from several client addresses (X-Forwarded-For)
process.env.MOD_LOGIN_PAIR_FAILS = '5';
process.env.MOD_LOGIN_ADDRESS_FAILS_PER_DAY = '40';
process.env.MOD_LOGIN_ACCOUNT_FAILS_PER_HOUR = '12';

let srv: TestServer;
let base: string;
beforeAll(async () => {
  srv = await startTestServer();
  base = srv.url;
});
afterAll(async () => {
  await srv?.stop();
  for (const k of ['TRUST_PROXY', 'MOD_LOGIN_PAIR_FAILS', 'MOD_LOGIN_ADDRESS_FAILS_PER_DAY', 'MOD_LOGIN_ACCOUNT_FAILS_PER_HOUR']) delete process.env[k];
});

async function attempt(id: string, password: string, from: string, totp?: string) {
  const res = await fetch(`${base}/v1/mod/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': from },
    body: JSON.stringify({ moderatorId: id, password, ...(totp ? { totp } : {}) }),
  });
  const json = (await res.json()) as Record<string, unknown>;
  return { status: res.status, json, retryAfter: res.headers.get('retry-after'), contentType: res.headers.get('content-type') ?? '', cookie: (res.headers.get('set-cookie') ?? '').split(';')[0] as string };
}

describe('login throttling', () => {
  it('28 parallel wrong guesses from one address: exactly 5 are checked, the other 23 are refused unchecked (429 + Retry-After)', async () => {
    await srv.services.moderators.create({ id: 'par', displayName: 'P', role: 'moderator', password: 'the parallel password' }, null);
    const results = await Promise.all(Array.from({ length: 28 }, (_, i) => attempt('par', `guess ${i}`, '10.0.0.1')));
    expect(results.filter((r) => r.status === 401)).toHaveLength(5);
    const refused = results.filter((r) => r.status === 429);
    expect(refused).toHaveLength(23);
    for (const r of refused) {
      expect(r.json.code).toBe('rate_limited');
      expect(Number(r.retryAfter)).toBeGreaterThan(0);
      expect(r.json.retryAfterSeconds).toBe(Number(r.retryAfter));
    }
  });

  it('known and unknown names get the same answers in the same order', async () => {
    await srv.services.moderators.create({ id: 'real', displayName: 'R', role: 'moderator', password: 'the real password!' }, null);
    const seq = async (id: string, from: string) => {
      const out: string[] = [];
      for (let i = 0; i < 7; i++) {
        const r = await attempt(id, `wrong ${i}`, from);
        out.push(`${r.status} ${String(r.json.code)} ${String(r.json.title)} ${r.contentType}`);
      }
      return out;
    };
    const known = await seq('real', '10.0.1.1');
    const unknown = await seq('ghost', '10.0.1.2');
    expect(unknown).toEqual(known);
    expect(known.slice(0, 5).every((s) => s.startsWith('401 invalid_credentials'))).toBe(true);
    expect(known.slice(5).every((s) => s.startsWith('429 rate_limited'))).toBe(true);
    // no 423 lockout exists any more
    expect([...known, ...unknown].some((s) => s.startsWith('423'))).toBe(false);
  });

  it('a stranger guessing from many addresses cannot lock the owner out of a known address; the right password is never refused there', async () => {
    await srv.services.moderators.create({ id: 'owner', displayName: 'O', role: 'admin', password: 'owner password 42' }, null);
    expect((await attempt('owner', 'owner password 42', '192.168.7.7')).status).toBe(201); // the owner's usual address
    // the stranger: 4 guesses from each of 6 addresses (24 > the per-account 12 for new addresses)
    const stranger: number[] = [];
    for (let a = 0; a < 6; a++) for (let i = 0; i < 4; i++) stranger.push((await attempt('owner', `guess ${a}.${i}`, `172.16.0.${a}`)).status);
    expect(stranger.filter((s) => s === 401)).toHaveLength(12);
    expect(stranger.filter((s) => s === 429)).toHaveLength(12);
    // ... and yet the owner logs in from the known address, with no wait
    expect((await attempt('owner', 'owner password 42', '192.168.7.7')).status).toBe(201);
    // a fresh stranger address is held by the per-account counter even with the right password (so guesses stay slow)
    expect((await attempt('owner', 'owner password 42', '172.16.9.9')).status).toBe(429);
  });

  it('speaks in one sentence, in hours and minutes, and warns when few attempts are left before the address must wait', async () => {
    await srv.services.moderators.create({ id: 'warned', displayName: 'W', role: 'moderator', password: 'warned password 1' }, null);
    const answers = [];
    for (let i = 0; i < 6; i++) answers.push(await attempt('warned', `nope ${i}`, '10.8.8.8'));
    // MOD_LOGIN_PAIR_FAILS=5: attempts 1 and 2 say nothing extra; 3, 4 and 5 count down; the 6th is held
    expect(answers[0]?.json.detail).toBe('wrong login name or password');
    expect(answers[0]?.json.attemptsLeft).toBeUndefined();
    expect(answers[2]?.json.detail).toBe('wrong login name or password; 2 attempts left before sign-in from this address is paused for 1 hour');
    expect(answers[2]?.json.attemptsLeft).toBe(2);
    expect(answers[3]?.json.detail).toBe('wrong login name or password; 1 attempt left before sign-in from this address is paused for 1 hour');
    expect(answers[4]?.json.detail).toBe('wrong login name or password; sign-in from this address is now paused for 1 hour');
    expect(answers[4]?.json.attemptsLeft).toBe(0);
    const held = answers[5];
    expect(held?.status).toBe(429);
    expect(held?.json.detail).toMatch(/^Too many failed sign-ins from this address; try again in (1 hour|59 minutes)\.$/);
    expect(String(held?.json.detail)).not.toMatch(/\d+ s\b|too many failed logins/);
  });

  it('formatWait: hours and minutes, never "3600 s"', async () => {
    const { formatWait } = await import('../../server/services/staff/index.ts');
    expect(formatWait(3600)).toBe('1 hour');
    expect(formatWait(86_400)).toBe('24 hours');
    expect(formatWait(3_900)).toBe('1 hour 5 minutes');
    expect(formatWait(7_199)).toBe('2 hours');
    expect(formatWait(61)).toBe('2 minutes');
    expect(formatWait(45)).toBe('45 seconds');
  });

  it('a success clears the failure streak of that address', async () => {
    await srv.services.moderators.create({ id: 'typo', displayName: 'T', role: 'moderator', password: 'typo password ok' }, null);
    for (let i = 0; i < 4; i++) expect((await attempt('typo', 'typo passwrd', '10.9.9.9')).status).toBe(401);
    expect((await attempt('typo', 'typo password ok', '10.9.9.9')).status).toBe(201);
    for (let i = 0; i < 4; i++) expect((await attempt('typo', 'typo passwrd', '10.9.9.9')).status).toBe(401);
    expect((await attempt('typo', 'typo password ok', '10.9.9.9')).status).toBe(201);
  });
});

describe('own password and TOTP', () => {
  let me: Staff;
  beforeAll(async () => {
    await srv.services.moderators.create({ id: 'twofa', displayName: 'Two', role: 'moderator', password: 'first password 1' }, null);
    await srv.services.moderators.create({ id: 'boss', displayName: 'Boss', role: 'admin', password: 'boss password 12' }, null);
    me = await staffLogin(base, 'twofa', 'first password 1');
  });

  it('changes their own password: the current one is required; other sessions end, this one stays', async () => {
    const other = await staffLogin(base, 'twofa', 'first password 1');
    const wrong = await modApi(base, me, 'POST', '/v1/mod/me/password', { currentPassword: 'not it at all', newPassword: 'second password 2' });
    expect(wrong.status).toBe(403);
    expect(code(wrong)).toBe('wrong_password');
    const short = await modApi(base, me, 'POST', '/v1/mod/me/password', { currentPassword: 'first password 1', newPassword: 'short' });
    expect(short.status).toBe(400);
    const noCsrf = await modApi(base, me, 'POST', '/v1/mod/me/password', { currentPassword: 'first password 1', newPassword: 'second password 2' }, { csrf: null });
    expect(code(noCsrf)).toBe('csrf_failed');
    const ok = await modApi(base, me, 'POST', '/v1/mod/me/password', { currentPassword: 'first password 1', newPassword: 'second password 2' });
    expect(ok.status).toBe(200);
    expect((await modApi(base, me, 'GET', '/v1/mod/session')).status).toBe(200);
    expect((await modApi(base, other, 'GET', '/v1/mod/session')).status).toBe(401);
    expect((await attempt('twofa', 'first password 1', '10.3.3.3')).status).toBe(401);
    expect((await attempt('twofa', 'second password 2', '10.3.3.3')).status).toBe(201);
  });

  it('enrols TOTP (secret + otpauth URI), then login needs a fresh code; codes are not reusable', async () => {
    const start = await modApi<{ secret: string; uri: string }>(base, me, 'POST', '/v1/mod/me/totp');
    expect(start.status).toBe(200);
    expect(start.json.secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(start.json.uri).toMatch(/^otpauth:\/\/totp\/franking-chat:twofa\?/);
    expect(start.json.uri).toContain(`secret=${start.json.secret}`);
    // not active until confirmed
    expect((await attempt('twofa', 'second password 2', '10.4.4.4')).status).toBe(201);
    const bad = await modApi(base, me, 'POST', '/v1/mod/me/totp/confirm', { code: '000000' === totpCode(start.json.secret) ? '111111' : '000000' });
    // a mistyped code is a 400 about the code: the session stays (a 401 would sign the dashboard out)
    expect(bad.status).toBe(400);
    expect(code(bad)).toBe('totp_mismatch');
    expect((await modApi(base, me, 'GET', '/v1/mod/session')).status).toBe(200);
    const confirmCode = totpCode(start.json.secret);
    expect((await modApi(base, me, 'POST', '/v1/mod/me/totp/confirm', { code: confirmCode })).status).toBe(200);
    expect((await modApi<{ moderator: { twoFactor: boolean } }>(base, me, 'GET', '/v1/mod/session')).json.moderator.twoFactor).toBe(true);

    const without = await attempt('twofa', 'second password 2', '10.4.4.4');
    expect(without.status).toBe(401);
    expect(without.json.code).toBe('totp_required');
    expect(isProblem({ status: without.status, contentType: without.contentType, json: without.json })).toBe(true);
    // the code used for enrolment was consumed: logging in with it right away is refused, and the answer says
    // to wait for the next code instead of "wrong"
    const reused = await attempt('twofa', 'second password 2', '10.4.4.4', confirmCode);
    expect(reused.status).toBe(401);
    expect(reused.json.code).toBe('totp_code_used');
    expect(reused.json.detail).toMatch(/already used; wait for your app to show the next code/);
    // a code from the next time step works once
    const next = totpCode(start.json.secret, Date.now() + 30_000);
    const ok = await attempt('twofa', 'second password 2', '10.4.4.4', next);
    expect(ok.status).toBe(201);
    expect(ok.json.moderator).toMatchObject({ id: 'twofa', twoFactor: true });
    expect((await attempt('twofa', 'second password 2', '10.4.4.4', next)).json.code).toBe('totp_code_used');
    const wrongCode = await attempt('twofa', 'second password 2', '10.4.4.4', totpCode(start.json.secret, Date.now() + 5 * 60_000));
    expect(wrongCode.json.code).toBe('totp_invalid');
    // a wrong password with a right code says nothing about the code
    expect((await attempt('twofa', 'wrong password!!', '10.4.4.5', totpCode(start.json.secret, Date.now() - 30_000))).json.code).toBe('invalid_credentials');
  });

  it('recovery: an admin password reset removes the second factor (audited), and the dashboard never uses prompt()', async () => {
    const boss = await staffLogin(base, 'boss', 'boss password 12');
    const reset = await modApi<{ twoFactor: boolean }>(base, boss, 'POST', '/v1/mod/moderators/twofa', { password: 'recovered password 3' });
    expect(reset.status).toBe(200);
    expect(reset.json.twoFactor).toBe(false);
    expect((await attempt('twofa', 'recovered password 3', '10.5.5.5')).status).toBe(201);
    const events = await modApi<{ events: Array<{ type: string; payload: Record<string, unknown> }> }>(base, boss, 'GET', '/v1/mod/audit?subjectType=moderator&subjectId=twofa');
    const types = events.json.events.map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['moderator_password_changed', 'moderator_totp_enabled', 'moderator_updated']));
    expect(events.json.events.find((e) => e.type === 'moderator_updated')?.payload).toMatchObject({ passwordReset: true, twoFactorReset: true });
    const dashboardSources = fs.readdirSync(path.join(ROOT, 'server/dashboard/src')).map((f) => fs.readFileSync(path.join(ROOT, 'server/dashboard/src', f), 'utf8')).join('\n');
    expect(dashboardSources).not.toMatch(/\bprompt\(/);
  });
});

describe('admin CLI: reset-password as the first-start hint prints it', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fc-reset-'));
  const url = `file:${path.join(dir, 'cli.db')}`;
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const cli = (args: string[], env: Record<string, string> = {}) =>
    new Promise<{ code: number; out: string }>((resolve) => {
      const child = execFile(path.join(ROOT, 'node_modules/.bin/tsx'), ['server/admin.ts', ...args], {
        cwd: ROOT, env: { ...process.env, DATABASE_URL: url, MOD_PASSWORD: '', ...env }, timeout: 60_000,
      }, (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr }));
      child.stdin?.end(''); // unattended: nothing on stdin
    });

  it('`npm run admin -- moderators reset-password admin` with no password given generates one, prints it, and it logs in', async () => {
    expect((await cli(['moderators', 'create', 'admin', '--role', 'admin'], { MOD_PASSWORD: 'initial admin password' })).code).toBe(0);
    const r = await cli(['moderators', 'reset-password', 'admin']);
    expect(r.code).toBe(0);
    const printed = /new password \(shown only now\): (\S+)/.exec(r.out)?.[1];
    expect(printed).toMatch(/^[A-Za-z0-9_-]{27}$/);
    const { createDb } = await import('../../server/db.ts');
    const { moderatorsRepo } = await import('../../server/data/moderators.ts');
    const { ModeratorsService } = await import('../../server/services/staff/index.ts');
    const { loadModerationConfig } = await import('../../server/moderation-config.ts');
    const db = await createDb(url);
    try {
      const svc = new ModeratorsService(moderatorsRepo(db), loadModerationConfig({}));
      expect((await svc.login('admin', printed as string)).moderator.id).toBe('admin');
      await expect(svc.login('admin', 'initial admin password')).rejects.toMatchObject({ code: 'invalid_credentials' });
    } finally {
      await db.$disconnect();
    }
  });
});

describe('login input', () => {
  it('the server answers problem+json for a malformed TOTP field', async () => {
    const r = await api(base, 'POST', '/v1/mod/session', { moderatorId: 'twofa', password: 'x', totp: '12ab56' });
    expect(r.status).toBe(400);
    expect(isProblem(r)).toBe(true);
  });
});
