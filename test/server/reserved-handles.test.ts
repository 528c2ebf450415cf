// Staff-like handles cannot be registered (server/services/accounts/reserved-handles.ts, docs/API.md "Reserved handles"):
// the folding rules against look-alike spellings, ordinary names that stay free, the operator's own list from
// RESERVED_HANDLES, and the refusal at the HTTP edge as problem+json with a stable code and words a person reads.
import { ed25519 } from '@noble/curves/ed25519.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/config.ts';
import { ReservedHandles, foldHandle } from '../../server/services/accounts/index.ts';
import { type TestServer, api, b64, concat, isProblem, newIdentity, startTestServer } from './_harness.ts';

function register(base: string, userId: string) {
  const ident = newIdentity();
  const signature = ed25519.sign(concat(new TextEncoder().encode('franking-chat/v1/register\0'), ident.dhKey, new TextEncoder().encode(userId)), ident.signingSecret);
  return api<{ code?: string; detail?: string }>(base, 'POST', '/v1/accounts', { userId, identitySigningKey: b64(ident.signingKey), identityDhKey: b64(ident.dhKey), signature: b64(signature) });
}

describe('folding', () => {
  it('case, separators and look-alike characters fold to one form', () => {
    expect(foldHandle('ADMIN')).toBe(foldHandle('admin'));
    expect(foldHandle('a.d-m_i.n')).toBe(foldHandle('admin'));
    expect(foldHandle('Adm1n')).toBe(foldHandle('admin'));
    expect(foldHandle('adm|n')).toBe(foldHandle('admin'));
    expect(foldHandle('M0DERAT0R')).toBe(foldHandle('moderator'));
    expect(foldHandle('5upp0rt')).toBe(foldHandle('support'));
    expect(foldHandle('$taff')).toBe(foldHandle('staff'));
    expect(foldHandle('rnoderator')).toBe(foldHandle('moderator'));
    expect(foldHandle('@dmin')).toBe(foldHandle('admin'));
  });

  const reserved = new ReservedHandles();
  it.each([
    'admin', 'Admin', 'ADMIN', 'adm1n', 'Adm1n', 'a.d.m.i.n', '4dmin', 'administrator', 'moderator', 'm0derator', 'Moderators', 'mod', 'MOD', 'mods',
    'support', 'Supp0rt', 'support_24', 'support-bot', 'staff', 'staff1', 'st4ff', 'the.staff', 'franking-chat', 'FrankingChat', 'franking_chat',
    'frankingchat-help', 'admin-team', 'adminteam', 'the.admin', 'chiefmoderator', 'official', '0fficial', 'security', 'help', 'helpdesk',
    'root', 'operator', 'mod-squad', 'trust-and-safety', 'system2',
  ])('%s is reserved', (h) => {
    expect(reserved.match(h), h).not.toBeNull();
  });
  it.each(['alice', 'bob', 'Bob.Smith', 'carol', 'mallory', 'kim-phone', 'staffer', 'Stafford', 'modesto', 'helper', 'rooted', 'supporter', 'morgan', 'adrian', 'admire'])(
    '%s stays free',
    (h) => {
      expect(reserved.match(h), h).toBeNull();
    },
  );

  it('the operator adds words (RESERVED_HANDLES), folded the same way, on top of the built-in list', () => {
    const config = loadConfig({ RESERVED_HANDLES: 'acme, acme-care  trustdesk' });
    expect(config.reservedHandles).toEqual(['acme', 'acme-care', 'trustdesk']);
    const r = new ReservedHandles(config.reservedHandles);
    for (const h of ['acme', 'ACME', '4cme', 'acme-care', 'AcmeCare', 'trustdesk', 'acme_2', 'admin']) expect(r.match(h), h).not.toBeNull();
    expect(r.match('acmeist')).toBeNull();
    expect(new ReservedHandles().match('acme')).toBeNull();
  });
});

describe('registration', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startTestServer({ reservedHandles: ['acme'] });
  });
  afterAll(async () => srv?.stop());

  it('a staff-like handle is refused: 400 problem+json handle_reserved with a plain-words detail; nothing is created', async () => {
    for (const h of ['admin', 'Adm1n', 'moderator', 'support-team', 'franking-chat', 'ACME']) {
      const r = await register(srv.url, h);
      expect(r.status, h).toBe(400);
      expect(isProblem(r), h).toBe(true);
      expect(r.json.code, h).toBe('handle_reserved');
      expect(r.json.detail).toContain(`The handle “${h}” looks like the service or its staff`);
      expect(r.json.detail).toContain('Choose another handle.');
      const lookup = await api(srv.url, 'GET', `/v1/accounts/lookup/${encodeURIComponent(h)}`);
      expect(lookup.status, h).not.toBe(200);
    }
    expect((await register(srv.url, 'adrian')).status).toBe(201);
  });
});
