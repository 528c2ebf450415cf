// Registration gate (docs/MODERATION.md "Registration gate") through the HTTP API on a real server: open,
// invite (single use, hashed at rest, expiring) and proof of work (altcha: replayed, wrong, tampered and expired
// solutions refused with stable problem+json codes), and the per-address registration limit on one process.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { ed25519 } from '@noble/curves/ed25519.js';
import { type Challenge, solveChallenge } from 'altcha-lib';
import { deriveKey } from 'altcha-lib/algorithms/sha';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig, type RegistrationConfig } from '../../server/config.ts';
import { type TestServer, api, b64, concat, newIdentity, startTestServer } from './_harness.ts';
import { cheapPasswordHashing, createStaff, modApi } from '../moderation/_mod.ts';

cheapPasswordHashing();
const ROOT = path.resolve(import.meta.dirname, '../..');
const utf8 = (s: string) => new TextEncoder().encode(s);
let srv: TestServer | null = null;
afterEach(async () => {
  await srv?.stop();
  srv = null;
});

const start = (registration: Partial<RegistrationConfig>) =>
  startTestServer({ registration: { ...loadConfig({}).registration, perAddressLimit: 0, secret: b64(randomBytes(32)), ...registration } });

/** The registration request body for a fresh identity (`badSignature`: signed for another id). */
function registration(userId: string, extra: Record<string, unknown> = {}, badSignature = false) {
  const ident = newIdentity();
  const signature = ed25519.sign(concat(utf8('franking-chat/v1/register\0'), ident.dhKey, utf8(badSignature ? `${userId}x` : userId)), ident.signingSecret);
  return { userId, identitySigningKey: b64(ident.signingKey), identityDhKey: b64(ident.dhKey), signature: b64(signature), ...extra };
}
const register = (base: string, body: Record<string, unknown>, headers: Record<string, string> = {}) => api(base, 'POST', '/v1/accounts', body, undefined, headers);
const code = (r: { json: unknown }) => (r.json as { code?: string }).code;

type PowInfo = { gate: string; pow: { challenge: Required<Pick<Challenge, 'parameters' | 'signature'>>; maxNumber: number; expiresAt: string } | null };
async function solved(info: PowInfo) {
  if (!info.pow) throw new Error('no challenge');
  const solution = await solveChallenge({ challenge: info.pow.challenge, deriveKey });
  if (!solution) throw new Error('not solved');
  return { challenge: info.pow.challenge, solution };
}

describe('gate: open (the default)', () => {
  it('registers without any proof and says so', async () => {
    srv = await startTestServer();
    expect(srv.config.registration.gate).toBe('open');
    const info = await api(srv.url, 'GET', '/v1/accounts/registration');
    expect(info.json).toEqual({ gate: 'open', pow: null });
    expect((await register(srv.url, registration('open-1'))).status).toBe(201);
  });
});

describe('gate: invite', () => {
  it('needs a code an admin made; a code registers one account; only its hash is stored', async () => {
    srv = await start({ gate: 'invite' });
    const admin = await createStaff(srv, 'boss', 'admin');
    const mod = await createStaff(srv, 'mod', 'moderator');
    expect((await api(srv.url, 'GET', '/v1/accounts/registration')).json).toEqual({ gate: 'invite', pow: null });

    const none = await register(srv.url, registration('inv-1'));
    expect([none.status, code(none)]).toEqual([403, 'invite_required']);
    expect(none.contentType).toMatch(/^application\/problem\+json/);
    const guessed = await register(srv.url, registration('inv-1', { invite: `inv_${b64(randomBytes(16))}` }));
    expect([guessed.status, code(guessed)]).toEqual([403, 'invite_invalid']);

    expect((await modApi(srv.url, mod, 'POST', '/v1/mod/invites', { count: 1 })).status).toBe(403); // admins only
    const made = await modApi<{ codes: string[]; expiresAt: string }>(srv.url, admin, 'POST', '/v1/mod/invites', { count: 2, ttlDays: 3 });
    expect(made.status).toBe(201);
    expect(made.json.codes).toHaveLength(2);
    expect(Date.parse(made.json.expiresAt) - Date.now()).toBeGreaterThan(3 * 86_400_000 - 60_000);
    const [first, second] = made.json.codes as [string, string];

    // A failed registration (bad signature) gives the code back.
    expect(code(await register(srv.url, registration('inv-1', { invite: first }, true)))).toBe('invalid_signature');
    expect((await register(srv.url, registration('inv-1', { invite: first }))).status).toBe(201);
    const again = await register(srv.url, registration('inv-2', { invite: first }));
    expect([again.status, code(again)]).toEqual([403, 'invite_invalid']);
    expect((await register(srv.url, registration('inv-2', { invite: second }))).status).toBe(201);

    const rows = await srv.services.db.inviteCode.findMany();
    expect(rows.map((r) => r.usedBy).sort()).toEqual(['inv-1', 'inv-2']);
    const stored = JSON.stringify(rows);
    for (const c of made.json.codes) expect(stored).not.toContain(c.slice(4));
  });

  it('the admin CLI creates codes that register (npm run admin -- invites create)', async () => {
    srv = await start({ gate: 'invite' });
    const { execFileSync } = await import('node:child_process');
    const out = execFileSync(path.join(ROOT, 'node_modules/.bin/tsx'), ['server/admin.ts', 'invites', 'create', '--count', '2', '--days', '2'], {
      cwd: ROOT, env: { ...process.env, DATABASE_URL: srv.db.url, REGISTRATION_GATE: 'invite', REGISTRATION_SECRET: b64(randomBytes(32)) }, encoding: 'utf8', timeout: 60_000,
    });
    const codes = out.trim().split('\n');
    expect(codes).toHaveLength(2);
    expect(codes.every((c) => /^inv_[A-Za-z0-9_-]{22}$/.test(c))).toBe(true);
    expect((await register(srv.url, registration('cli-1', { invite: codes[0] }))).status).toBe(201);
  });

  it('refuses an expired code', async () => {
    srv = await start({ gate: 'invite' });
    const { codes } = await srv.services.registration.createInvites(1, null, 60_000, new Date(Date.now() - 120_000));
    const r = await register(srv.url, registration('late-1', { invite: codes[0] }));
    expect([r.status, code(r)]).toEqual([403, 'invite_invalid']);
  });
});

describe('gate: proof of work (altcha)', () => {
  it('a solved challenge registers once; replayed, wrong, tampered, missing and expired proofs are refused', async () => {
    srv = await start({ gate: 'pow', powMaxNumber: 2000 });
    const base = srv.url;
    const info = (await api<PowInfo>(base, 'GET', '/v1/accounts/registration')).json;
    expect(info.gate).toBe('pow');
    expect(info.pow?.maxNumber).toBe(2000);
    expect(info.pow?.challenge.parameters.algorithm).toBe('SHA-256');

    const missing = await register(base, registration('pow-0'));
    expect([missing.status, code(missing)]).toEqual([403, 'pow_required']);

    const pow = await solved(info);
    // wrong solution: another counter's key
    const wrongKey = await register(base, registration('pow-1', { pow: { ...pow, solution: { counter: pow.solution.counter + 1, derivedKey: '00'.repeat(32) } } }));
    expect([wrongKey.status, code(wrongKey)]).toEqual([400, 'pow_invalid']);
    // tampered challenge: an easier prefix is not the one the server signed
    const tampered = { ...pow, challenge: { ...pow.challenge, parameters: { ...pow.challenge.parameters, keyPrefix: '00' } } };
    expect(code(await register(base, registration('pow-1', { pow: tampered })))).toBe('pow_invalid');

    expect((await register(base, registration('pow-1', { pow }))).status).toBe(201);
    const replay = await register(base, registration('pow-2', { pow }));
    expect([replay.status, code(replay)]).toEqual([409, 'pow_replayed']);
    expect(replay.contentType).toMatch(/^application\/problem\+json/);

    // Issued long enough ago to have expired (the service takes the issue time).
    const old = await srv.services.registration.info(new Date(Date.now() - srv.config.registration.powTtlMs - 5000));
    const expired = await register(base, registration('pow-3', { pow: await solved(old as PowInfo) }));
    expect([expired.status, code(expired)]).toEqual([400, 'pow_expired']);

    // A fresh challenge still works, and an account that failed (taken id) does not spend it.
    const fresh = await solved((await api<PowInfo>(base, 'GET', '/v1/accounts/registration')).json);
    expect(code(await register(base, registration('pow-1', { pow: fresh })))).toBe('user_exists');
    expect((await register(base, registration('pow-4', { pow: fresh }))).status).toBe(201);
  });

  it('a challenge from another deployment (other secret) is refused', async () => {
    const other = await start({ gate: 'pow', powMaxNumber: 500 });
    const foreign = await solved((await api<PowInfo>(other.url, 'GET', '/v1/accounts/registration')).json);
    await other.stop();
    srv = await start({ gate: 'pow', powMaxNumber: 500 });
    const r = await register(srv.url, registration('pow-x', { pow: foreign }));
    expect([r.status, code(r)]).toEqual([400, 'pow_invalid']);
  });
});

describe('per-address registration limit (one process)', () => {
  it('counts registered accounts per address; refusals and failures do not count; other addresses are unaffected', async () => {
    process.env.TRUST_PROXY = 'loopback';
    try {
      srv = await start({ perAddressLimit: 2, perAddressWindowMs: 3_600_000 });
    } finally {
      delete process.env.TRUST_PROXY;
    }
    const from = (ip: string) => ({ 'x-forwarded-for': ip });
    expect(code(await register(srv.url, registration('lim-0', {}, true), from('192.0.2.10')))).toBe('invalid_signature');
    expect((await register(srv.url, registration('lim-1'), from('192.0.2.10'))).status).toBe(201);
    expect((await register(srv.url, registration('lim-2'), from('192.0.2.10'))).status).toBe(201);
    const third = await fetch(`${srv.url}/v1/accounts`, { method: 'POST', headers: { 'content-type': 'application/json', ...from('192.0.2.10') }, body: JSON.stringify(registration('lim-3')) });
    const problem = (await third.json()) as { code: string; retryAfterSeconds: number };
    expect([third.status, problem.code]).toEqual([429, 'rate_limited']);
    expect(third.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(Number(third.headers.get('retry-after'))).toBeGreaterThan(3000);
    expect(await srv.services.db.account.count({ where: { id: 'lim-3' } })).toBe(0);
    // Another address, and an IPv6 client in another /56, register.
    expect((await register(srv.url, registration('lim-3'), from('192.0.2.11'))).status).toBe(201);
    expect((await register(srv.url, registration('lim-4'), from('2001:db8:1:100::1'))).status).toBe(201);
    expect((await register(srv.url, registration('lim-5'), from('2001:db8:1:1ff::2'))).status).toBe(201);
    // same /56 as lim-4 and lim-5: the third from it is refused
    expect(code(await register(srv.url, registration('lim-6'), from('2001:db8:1:180::3')))).toBe('rate_limited');
  });
});
