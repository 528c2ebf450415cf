// The per-address registration limit is one count for the whole deployment (docs/MODERATION.md "Registration
// gate"): two server processes on one PostgreSQL database and one Redis, registrations from one address spread
// over both, and the limit holds in total; a proof-of-work challenge redeemed on one process is refused on the other.
import { randomBytes } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519.js';
import { type Challenge, solveChallenge } from 'altcha-lib';
import { deriveKey } from 'altcha-lib/algorithms/sha';
import { afterEach, describe, expect, it } from 'vitest';
import { api, b64, concat, newIdentity } from '../server/_harness.ts';
import { type PgDb, type ServerProcess, clusterEnv, freshPg, spawnCluster, writeKeyFile } from './_cluster.ts';

const utf8 = (s: string) => new TextEncoder().encode(s);
let running: ServerProcess[] = [];
let db: PgDb | null = null;
afterEach(async () => {
  await Promise.all(running.map((s) => s.stop()));
  running = [];
  await db?.drop();
  db = null;
});

function body(userId: string, extra: Record<string, unknown> = {}) {
  const ident = newIdentity();
  const signature = ed25519.sign(concat(utf8('franking-chat/v1/register\0'), ident.dhKey, utf8(userId)), ident.signingSecret);
  return { userId, identitySigningKey: b64(ident.signingKey), identityDhKey: b64(ident.dhKey), signature: b64(signature), ...extra };
}
const code = (r: { json: unknown }) => (r.json as { code?: string }).code;

describe('registration limits shared by two processes', () => {
  it('3 per address in total, whichever process takes the request; pow challenges single use across processes', async () => {
    db = await freshPg();
    const env = clusterEnv(db, {
      extra: { REGISTRATION_LIMIT_PER_ADDRESS: '3', REGISTRATION_GATE: 'pow', REGISTRATION_POW_MAX_NUMBER: '300', TRUST_PROXY: 'loopback', REGISTRATION_SECRET: b64(randomBytes(32)) },
    });
    writeKeyFile(env.keyFile);
    running = await spawnCluster(env, 2);
    const [a, b] = running as [ServerProcess, ServerProcess];
    const from = (ip: string) => ({ 'x-forwarded-for': ip });
    const solved = async (s: ServerProcess) => {
      const info = await api<{ pow: { challenge: Required<Pick<Challenge, 'parameters' | 'signature'>> } }>(s.url, 'GET', '/v1/accounts/registration');
      return { challenge: info.json.pow.challenge, solution: await solveChallenge({ challenge: info.json.pow.challenge, deriveKey }) };
    };

    // A challenge issued by A, redeemed on A, replayed on B.
    const pow = await solved(a);
    expect((await api(a.url, 'POST', '/v1/accounts', body('c-1', { pow }), undefined, from('192.0.2.1'))).status).toBe(201);
    const replay = await api(b.url, 'POST', '/v1/accounts', body('c-x', { pow }), undefined, from('192.0.2.50'));
    expect([replay.status, code(replay)]).toEqual([409, 'pow_replayed']);

    // Two more from 192.0.2.1, one on each process (challenges from either: one secret for the deployment) ...
    expect((await api(b.url, 'POST', '/v1/accounts', body('c-2', { pow: await solved(a) }), undefined, from('192.0.2.1'))).status).toBe(201);
    expect((await api(a.url, 'POST', '/v1/accounts', body('c-3', { pow: await solved(b) }), undefined, from('192.0.2.1'))).status).toBe(201);
    // ... and the fourth is refused on both.
    for (const s of [a, b]) {
      const r = await api(s.url, 'POST', '/v1/accounts', body(`c-4-${s.port}`, { pow: await solved(s) }), undefined, from('192.0.2.1'));
      expect([r.status, code(r)]).toEqual([429, 'rate_limited']);
    }
    // Another address is unaffected.
    expect((await api(b.url, 'POST', '/v1/accounts', body('c-5', { pow: await solved(b) }), undefined, from('192.0.2.2'))).status).toBe(201);
    const accounts = await db.query<{ id: string }>(`SELECT "id" FROM "Account" WHERE "id" LIKE 'c-%' ORDER BY "id"`);
    expect(accounts.map((r) => r.id)).toEqual(['c-1', 'c-2', 'c-3', 'c-5']);
  });
});
