// Moderation test helpers on top of the server harness (test/server/_harness.ts): staff login with the real
// cookie + CSRF flow, and a seeded verified report made through the real relay and report APIs.
import { randomBytes } from 'node:crypto';
import {
  type EnvelopeJson, type TestServer, type TestUser, api, createUser, directConversation, reportItem, sendText,
} from '../server/_harness.ts';

export interface Staff {
  id: string;
  cookie: string;
  csrf: string;
  setCookie: string;
}

export async function createStaff(srv: TestServer, id: string, role: 'triage' | 'moderator' | 'admin', password = `pw-${id}-long-enough`): Promise<Staff> {
  await srv.services.moderators.create({ id, displayName: id.toUpperCase(), role, password }, null);
  return staffLogin(srv.url, id, password);
}

export async function staffLogin(base: string, id: string, password: string): Promise<Staff> {
  const res = await fetch(`${base}/v1/mod/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ moderatorId: id, password }) });
  const json = (await res.json()) as { csrfToken: string };
  if (res.status !== 201) throw new Error(`login ${id}: ${res.status} ${JSON.stringify(json)}`);
  const setCookie = res.headers.get('set-cookie') ?? '';
  return { id, cookie: setCookie.split(';')[0] as string, csrf: json.csrfToken, setCookie };
}

/** A request as the dashboard makes it: session cookie, and the CSRF header on state changes. */
export async function modApi<T = Record<string, unknown>>(base: string, staff: Staff, method: string, path: string, body?: unknown, opts: { csrf?: string | null } = {}) {
  const headers: Record<string, string> = { cookie: staff.cookie };
  const csrf = opts.csrf === undefined ? staff.csrf : opts.csrf;
  if (method !== 'GET' && csrf !== null) headers['x-csrf-token'] = csrf;
  return api<T>(base, method, path, body, undefined, headers);
}

export interface Seeded {
  reporter: TestUser;
  accused: TestUser;
  conversationId: string;
  reportId: string;
}

/**
 * accused → reporter: `count` franked messages through the relay; the reporter reports message `reported`
 * (1-based) with the others as context, through POST /v1/reports. Returns the stored report id.
 */
export async function seedReport(base: string, opts: { reporter?: TestUser; accused?: TestUser; count?: number; reported?: number; category?: string; comment?: string; text?: (i: number) => string } = {}): Promise<Seeded> {
  const tag = randomBytes(3).toString('hex');
  const reporter = opts.reporter ?? (await createUser(base, `rep-${tag}`));
  const accused = opts.accused ?? (await createUser(base, `acc-${tag}`));
  const conversationId = await directConversation(base, accused, reporter);
  const count = opts.count ?? 3;
  const reportedIdx = opts.reported ?? 2;
  const text = opts.text ?? ((i: number) => `message ${i} from ${accused.id}`);
  const sent: Array<{ messageId: string; franked: Parameters<typeof reportItem>[1]; text: string }> = [];
  let prev: Uint8Array | undefined;
  for (let i = 1; i <= count; i++) {
    const { res, franked } = await sendText(base, accused, conversationId, [reporter], i, text(i), prev);
    if (res.status !== 201) throw new Error(`send ${i}: ${res.status} ${JSON.stringify(res.json)}`);
    prev = franked.commitment;
    sent.push({ messageId: res.json.messageId, franked, text: text(i) });
  }
  const mail = await api<{ envelopes: EnvelopeJson[] }>(base, 'GET', '/v1/messages?limit=500', undefined, reporter.token);
  const items = sent.map((m) => {
    const env = mail.json.envelopes.find((e) => e.stamp.messageId === m.messageId);
    if (!env) throw new Error(`envelope ${m.messageId} not delivered`);
    return reportItem(env.stamp, m.franked, m.text);
  });
  const reported = items[reportedIdx - 1];
  const r = await api<{ id: string }>(base, 'POST', '/v1/reports', {
    category: opts.category ?? 'harassment', ...(opts.comment ? { comment: opts.comment } : {}),
    reported, context: items.filter((_, i) => i !== reportedIdx - 1),
  }, reporter.token);
  if (r.status !== 201) throw new Error(`report: ${r.status} ${JSON.stringify(r.json)}`);
  return { reporter, accused, conversationId, reportId: r.json.id };
}

/** Cheap argon2id for unit tests (production cost is measured in docs/MODERATION.md; the e2e suite uses it). */
export function cheapPasswordHashing(): void {
  process.env.MOD_ARGON2_M = '1024';
  process.env.MOD_ARGON2_T = '1';
}

/** A signed single-use challenge, as an account without a token (suspended/banned) proves its identity key. */
export async function signedChallenge(base: string, user: TestUser): Promise<{ userId: string; challenge: string; signature: string }> {
  const { ed25519 } = await import('@noble/curves/ed25519.js');
  const ch = await api<{ challenge: string }>(base, 'POST', '/v1/auth/challenge', { userId: user.id });
  const challenge = Buffer.from(ch.json.challenge, 'base64url');
  const msg = Buffer.concat([Buffer.from('franking-chat/v1/auth\0'), challenge, Buffer.from(user.id)]);
  return { userId: user.id, challenge: ch.json.challenge, signature: Buffer.from(ed25519.sign(msg, user.signingSecret)).toString('base64url') };
}

export interface NoticeOut {
  id: number;
  kind: string;
  reportId: string | null;
  outcome: string | null;
  until: string | null;
  appealResult?: string | null;
  statement?: Record<string, unknown> | null;
}

/** Notices of an account whether or not it can hold a token. */
export async function noticesOf(base: string, user: TestUser): Promise<NoticeOut[]> {
  const r = await api<{ notices: NoticeOut[] }>(base, 'POST', '/v1/notices', { ...(await signedChallenge(base, user)), after: 0 });
  if (r.status !== 200) throw new Error(`notices: ${r.status} ${JSON.stringify(r.json)}`);
  return r.json.notices;
}
