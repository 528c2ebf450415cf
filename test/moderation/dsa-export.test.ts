// EU DSA Transparency Database export (docs/DSA-TRANSPARENCY-DB.md): the validator field by field against the
// written rules (§3), the mapping from real decisions (§6), and submission to a local HTTP endpoint that applies
// the same rules with the API's answers (§4: error shape, 100 per call, duplicate puids) — resumable and
// idempotent (§7) — and the npm run dsa:export command.
import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestServer, startTestServer } from '../server/_harness.ts';
import { cheapPasswordHashing, createStaff, modApi, seedReport, type Seeded } from './_mod.ts';
import { dsaSubmissionsRepo } from '../../server/data/dsa-submissions.ts';
import { type Collected, chunk, collectStatements, submitStatements } from '../../server/dsa/export.ts';
import { tdbCategory, toTdbStatement } from '../../server/dsa/tdb-statement.ts';
import { validateStatement } from '../../server/dsa/tdb-validate.ts';
import { MAX_STATEMENTS_PER_CALL, STATEMENT_CATEGORIES } from '../../server/dsa/tdb-values.ts';
import { DEFAULT_POLICIES, DEFAULT_TEMPLATES, DSA_CATEGORIES, buildStatement } from '../../server/services/policies/index.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** A statement that satisfies every rule (docs/DSA-TRANSPARENCY-DB.md §3), mutated field by field below. */
const VALID = {
  decision_account: 'DECISION_ACCOUNT_SUSPENDED',
  end_date_account_restriction: '2026-12-31',
  decision_ground: 'DECISION_GROUND_INCOMPATIBLE_CONTENT',
  incompatible_content_ground: 'Terms of service, policy "Harassment"',
  incompatible_content_explanation: 'Targeted abuse.',
  content_type: ['CONTENT_TYPE_TEXT'],
  category: 'STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH',
  content_date: '2026-11-30',
  application_date: '2026-12-01',
  decision_facts: 'A user reported a chat message.',
  source_type: 'SOURCE_ARTICLE_16',
  automated_detection: 'No',
  automated_decision: 'AUTOMATED_DECISION_NOT_AUTOMATED',
  puid: 'sor_abcDEF-123_x',
} as const;

type Mutation = [string, Record<string, unknown>, string[], Record<string, string>];
const without = (...keys: string[]) => Object.fromEntries(keys.map((k) => [k, undefined]));

/** [case, change to VALID (undefined = remove), fields expected to fail, first message per field] */
const CASES: Mutation[] = [
  ['decision_ground required', without('decision_ground'), ['decision_ground'], { decision_ground: 'The decision ground field is required.' }],
  ['decision_ground enumeration', { decision_ground: 'DECISION_GROUND_OTHER' }, ['decision_ground'], { decision_ground: 'The selected decision ground is invalid.' }],
  ['one restriction required (required_without_all)', without('decision_account', 'end_date_account_restriction'), ['decision_visibility', 'decision_monetary', 'decision_provision', 'decision_account'], {
    decision_visibility: 'The decision visibility field is required when none of decision monetary / decision provision / decision account are present.',
    decision_account: 'The decision account field is required when none of decision visibility / decision monetary / decision provision are present.',
  }],
  ['decision_account enumeration', { decision_account: 'DECISION_ACCOUNT_BANNED' }, ['decision_account'], { decision_account: 'The selected decision account is invalid.' }],
  ['decision_visibility must be an array', { decision_visibility: 'DECISION_VISIBILITY_CONTENT_REMOVED' }, ['decision_visibility'], { decision_visibility: 'The decision visibility field must be an array.' }],
  ['decision_visibility OTHER needs decision_visibility_other', { decision_visibility: ['DECISION_VISIBILITY_OTHER'] }, ['decision_visibility_other'], { decision_visibility_other: 'The decision visibility other field is required.' }],
  ['decision_visibility_other at most 500', { decision_visibility: ['DECISION_VISIBILITY_OTHER'], decision_visibility_other: 'x'.repeat(501) }, ['decision_visibility_other'], { decision_visibility_other: 'The decision visibility other field must not be greater than 500 characters.' }],
  ['decision_monetary OTHER needs decision_monetary_other', { decision_monetary: 'DECISION_MONETARY_OTHER' }, ['decision_monetary_other'], { decision_monetary_other: 'The decision monetary other field is required when decision monetary is other.' }],
  ['decision_provision enumeration', { decision_provision: 'DECISION_PROVISION_SOME' }, ['decision_provision'], { decision_provision: 'The selected decision provision is invalid.' }],
  ['account_type enumeration', { account_type: 'ACCOUNT_TYPE_BOT' }, ['account_type'], { account_type: 'The selected account type is invalid.' }],
  ['incompatible ground needs its ground', without('incompatible_content_ground'), ['incompatible_content_ground'], { incompatible_content_ground: 'The incompatible content ground field is required when decision ground is incompatible content.' }],
  ['incompatible ground needs its explanation', without('incompatible_content_explanation'), ['incompatible_content_explanation'], { incompatible_content_explanation: 'The incompatible content explanation field is required when decision ground is incompatible content.' }],
  ['incompatible_content_explanation at most 2000', { incompatible_content_explanation: 'e'.repeat(2001) }, ['incompatible_content_explanation'], { incompatible_content_explanation: 'The incompatible content explanation field must not be greater than 2000 characters.' }],
  ['incompatible_content_illegal Yes/No', { incompatible_content_illegal: 'Maybe' }, ['incompatible_content_illegal'], { incompatible_content_illegal: 'The selected incompatible content illegal is invalid.' }],
  ['illegal ground needs legal ground and explanation', { decision_ground: 'DECISION_GROUND_ILLEGAL_CONTENT' }, ['illegal_content_legal_ground', 'illegal_content_explanation'], {
    illegal_content_legal_ground: 'The illegal content legal ground field is required when decision ground is illegal content.',
    illegal_content_explanation: 'The illegal content explanation field is required when decision ground is illegal content.',
  }],
  ['content_type required', without('content_type'), ['content_type'], { content_type: 'The content type field is required.' }],
  ['content_type not empty', { content_type: [] }, ['content_type'], { content_type: 'The content type field is required.' }],
  ['content_type must be an array', { content_type: 'CONTENT_TYPE_TEXT' }, ['content_type'], { content_type: 'The content type field must be an array.' }],
  ['content_type enumeration', { content_type: ['CONTENT_TYPE_TEXT', 'CONTENT_TYPE_CHAT'] }, ['content_type'], { content_type: 'The selected content type is invalid.' }],
  ['content_type OTHER needs content_type_other', { content_type: ['CONTENT_TYPE_OTHER'] }, ['content_type_other'], { content_type_other: 'The content type other field is required.' }],
  ['category required', without('category'), ['category'], { category: 'The category field is required.' }],
  ['category: a value of the pre-2025 schema is refused', { category: 'STATEMENT_CATEGORY_SCOPE_OF_PLATFORM_SERVICE' }, ['category'], { category: 'The selected category is invalid.' }],
  ['category_addition enumeration', { category_addition: ['STATEMENT_CATEGORY_VIOLENCE', 'X'] }, ['category_addition'], { category_addition: 'The selected category addition is invalid.' }],
  ['category_specification keywords', { category_specification: ['KEYWORD_NOPE'] }, ['category_specification'], { category_specification: 'The selected category specification is invalid.' }],
  ['territorial_scope EEA codes', { territorial_scope: ['DE', 'US'] }, ['territorial_scope'], { territorial_scope: 'The selected territorial scope is invalid.' }],
  ['content_language', { content_language: 'XX' }, ['content_language'], { content_language: 'The selected content language is invalid.' }],
  ['content_date required', without('content_date'), ['content_date'], { content_date: 'The content date field is required.' }],
  ['content_date format', { content_date: '2026-02-30' }, ['content_date'], { content_date: 'The content date does not match the format YYYY-MM-DD.' }],
  ['content_date not a date-time', { content_date: '2026-11-30T10:00:00Z' }, ['content_date'], { content_date: 'The content date does not match the format YYYY-MM-DD.' }],
  ['content_date from 2000-01-01', { content_date: '1999-12-31' }, ['content_date'], { content_date: 'The content date field must be a date after or equal to 2000-01-01.' }],
  ['application_date from 2020-01-01', { application_date: '2019-12-31' }, ['application_date'], { application_date: 'The application date field must be a date after or equal to 2020-01-01.' }],
  ['application_date until 2038-01-01', { application_date: '2038-01-02' }, ['application_date'], { application_date: 'The application date field must be a date before or equal to 2038-01-01.' }],
  ['end_date_account_restriction format', { end_date_account_restriction: '31/12/2026' }, ['end_date_account_restriction'], { end_date_account_restriction: 'The end date of account restriction does not match the format YYYY-MM-DD.' }],
  ['end_date_account_restriction until 2038-01-01', { end_date_account_restriction: '2040-01-01' }, ['end_date_account_restriction'], { end_date_account_restriction: 'The end date account restriction field must be a date before or equal to 2038-01-01.' }],
  ['decision_facts required', { decision_facts: '   ' }, ['decision_facts'], { decision_facts: 'The decision facts field is required.' }],
  ['decision_facts at most 5000 characters', { decision_facts: 'f'.repeat(5001) }, ['decision_facts'], { decision_facts: 'The decision facts field must not be greater than 5000 characters.' }],
  ['source_type enumeration', { source_type: 'SOURCE_USER' }, ['source_type'], { source_type: 'The selected source type is invalid.' }],
  ['source_identity at most 500', { source_identity: 's'.repeat(501) }, ['source_identity'], { source_identity: 'The source identity field must not be greater than 500 characters.' }],
  ['automated_detection takes Yes/No (values, not keys)', { automated_detection: 'AUTOMATED_DETECTION_NO' }, ['automated_detection'], { automated_detection: 'The selected automated detection is invalid.' }],
  ['automated_decision enumeration', { automated_decision: 'Not Automated' }, ['automated_decision'], { automated_decision: 'The selected automated decision is invalid.' }],
  ['puid required', without('puid'), ['puid'], { puid: 'The puid field is required.' }],
  ['puid characters', { puid: 'sor.abc' }, ['puid'], { puid: 'The puid format is invalid.' }],
  ['puid: no trailing newline (the /D modifier)', { puid: 'sor_abc\n' }, ['puid'], { puid: 'The puid format is invalid.' }],
  ['puid at most 500', { puid: 'p'.repeat(501) }, ['puid'], { puid: 'The puid field must not be greater than 500 characters.' }],
  ['decision_ground_reference_url', { decision_ground_reference_url: 'our terms' }, ['decision_ground_reference_url'], { decision_ground_reference_url: 'The decision ground reference url field must be a valid URL.' }],
  ['content_id EAN-13', { content_id: { 'EAN-13': '123' } }, ['content_id.EAN-13'], { 'content_id.EAN-13': 'The content id.EAN-13 field format is invalid.' }],
];

function mutate(change: Record<string, unknown>): Record<string, unknown> {
  const s: Record<string, unknown> = { ...VALID };
  for (const [k, v] of Object.entries(change)) {
    if (v === undefined) delete s[k];
    else s[k] = v;
  }
  return s;
}

describe('Transparency Database rules (docs/DSA-TRANSPARENCY-DB.md §3)', () => {
  it('the baseline statement is valid and validated() keeps only known fields', () => {
    const r = validateStatement({ ...VALID, platform_id: 7, uuid: 'x' });
    expect(r.ok).toBe(true);
    if (r.ok) expect(Object.keys(r.value).sort()).toEqual(Object.keys(VALID).sort());
  });
  it.each(CASES)('%s', (_name, change, fields, first) => {
    const r = validateStatement(mutate(change));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(Object.keys(r.errors).sort()).toEqual([...fields].sort());
    for (const [f, m] of Object.entries(first)) expect(r.errors[f]?.[0]).toBe(m);
  });
  it.each<[string, Record<string, unknown>]>([
    ['nullable restriction fields may be null beside another restriction', { decision_visibility: null, decision_monetary: null, decision_provision: null }],
    ['the enumerations of nullable fields include the string "null" (in:null,…)', { decision_monetary: 'null', account_type: 'null' }],
    ['a visibility restriction alone is enough', { decision_account: undefined, end_date_account_restriction: undefined, decision_visibility: ['DECISION_VISIBILITY_CONTENT_REMOVED'] }],
    ['decision_facts of exactly 5000 characters, counted as code points', { decision_facts: '😀'.repeat(5000) }],
    ['illegal-content fields are dropped (exclude_unless) under the incompatible ground', { illegal_content_legal_ground: 'x'.repeat(9000) }],
    ['decision_visibility_other is dropped unless OTHER is chosen', { decision_visibility_other: 'x'.repeat(9000) }],
    ['an illegal-content ground with its fields', { decision_ground: 'DECISION_GROUND_ILLEGAL_CONTENT', incompatible_content_ground: undefined, incompatible_content_explanation: undefined, illegal_content_legal_ground: 'Art. 1 Law X', illegal_content_explanation: 'Why.' }],
    ['territorial_scope and content_language', { territorial_scope: ['AT', 'NO', 'IS', 'LI'], content_language: 'EN' }],
    ['content_date and application_date at their bounds', { content_date: '2000-01-01', application_date: '2038-01-01' }],
  ])('valid: %s', (_name, change) => {
    const r = validateStatement(mutate(change));
    expect(r.ok ? {} : r.errors).toEqual({});
  });
  it('non-objects are refused', () => {
    for (const v of [null, [], 'x', 1]) expect(validateStatement(v).ok).toBe(false);
  });
  it('every policy category of this service maps to a current category', () => {
    for (const c of DSA_CATEGORIES) expect(STATEMENT_CATEGORIES).toContain(tdbCategory(c));
    expect(tdbCategory('STATEMENT_CATEGORY_SCOPE_OF_PLATFORM_SERVICE')).toBe('STATEMENT_CATEGORY_OTHER_VIOLATION_TC');
    expect(tdbCategory('STATEMENT_CATEGORY_UNSAFE_AND_ILLEGAL_PRODUCTS')).toBe('STATEMENT_CATEGORY_UNSAFE_AND_PROHIBITED_PRODUCTS');
    expect(tdbCategory('STATEMENT_CATEGORY_MADE_UP')).toBeNull();
  });
  it('stored statements that cannot be exported are skipped with a reason, never sent', () => {
    const at = new Date('2026-12-01T10:00:00Z');
    const policy = { ...(DEFAULT_POLICIES[0] as (typeof DEFAULT_POLICIES)[number]), archived: false, createdAt: at, updatedAt: at };
    const stored = (over: Record<string, unknown>) => ({ id: 1, kind: 'ban', createdAt: at, until: null, statement: JSON.stringify({ ...buildStatement({ template: DEFAULT_TEMPLATES.ban, policy, action: 'ban', until: null, at, decisionId: 'sor_x1', messages: [], automated: false, appealWindowMs: 1 }), ...over }) });
    expect(toTdbStatement(stored({}))).toMatchObject({ ok: true, statement: { puid: 'sor_x1', content_date: '2026-12-01', decision_account: 'DECISION_ACCOUNT_TERMINATED' } });
    expect(toTdbStatement({ ...stored({}), statement: '{not json' })).toMatchObject({ ok: false, reason: 'unreadable' });
    expect(toTdbStatement(stored({ puid: undefined }))).toMatchObject({ ok: false, reason: 'unreadable' });
    expect(toTdbStatement(stored({ category: 'STATEMENT_CATEGORY_MADE_UP' }))).toMatchObject({ ok: false, reason: 'unknown_category', puid: 'sor_x1' });
    expect(toTdbStatement(stored({ puid: 'sor.with.dots' }))).toMatchObject({ ok: false, reason: 'invalid', errors: { puid: ['The puid format is invalid.'] } });
    expect(toTdbStatement(stored({ application_date: '2019-06-01T00:00:00.000Z' }))).toMatchObject({ ok: false, reason: 'invalid' });
  });
  it('batches hold at most 100 statements', () => {
    expect(chunk(Array.from({ length: 205 }, (_, i) => i)).map((b) => b.length)).toEqual([100, 100, 5]);
    expect(() => chunk([1], 101)).toThrow(RangeError);
  });
});

/**
 * A local Transparency Database: POST /api/v1/statements as StatementMultipleAPIController::store answers it
 * (docs/DSA-TRANSPARENCY-DB.md §4), with the rules of tdb-validate.ts.
 */
class LocalTdb {
  readonly puids = new Set<string>();
  readonly calls: Array<{ status: number; count: number }> = [];
  /** answer the next N calls with this status instead (an outage) */
  failNext: { status: number; times: number } | null = null;
  private server = http.createServer((req, res) => void this.handle(req, res));
  url = '';
  constructor(readonly token: string) {}

  async start(): Promise<this> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', () => r()));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/api/v1/statements`;
    return this;
  }
  stop(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()));
  }

  private send(res: http.ServerResponse, status: number, body: unknown, count = 0) {
    this.calls.push({ status, count });
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    if (req.method !== 'POST' || req.url !== '/api/v1/statements') return this.send(res, 404, { message: 'Not Found' });
    if (req.headers.authorization !== `Bearer ${this.token}`) return this.send(res, 401, { message: 'Unauthenticated.' });
    let body: unknown;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      body = {};
    }
    const statements = (body as { statements?: unknown }).statements;
    if (this.failNext && this.failNext.times > 0) {
      this.failNext.times--;
      return this.send(res, this.failNext.status, { message: 'Service Unavailable' }, Array.isArray(statements) ? statements.length : 0);
    }
    // $request->validate(['statements' => 'required|array|between:1,100'])
    if (!Array.isArray(statements) || statements.length < 1 || statements.length > MAX_STATEMENTS_PER_CALL) {
      const m = !Array.isArray(statements) || statements.length === 0 ? 'The statements field is required.' : 'The statements field must have between 1 and 100 items.';
      return this.send(res, 422, { message: m, errors: { statements: [m] } }, Array.isArray(statements) ? statements.length : 0);
    }
    // GroupedSubmissionsService::sanitizePayload: errors keyed statement_<index>, no "message"
    const errors: Record<string, unknown> = {};
    const validated: Array<Record<string, unknown>> = [];
    statements.forEach((s, i) => {
      const r = validateStatement(s);
      if (!r.ok) errors[`statement_${i}`] = r.errors;
      else validated.push(r.value);
    });
    if (Object.keys(errors).length) return this.send(res, 422, { errors }, statements.length);
    // PlatformUniqueIdService::runWithReservedPuids: duplicates in the call, then puids already held; all or nothing.
    const puids = validated.map((s) => s.puid as string);
    const dupInCall = [...new Set(puids.filter((p, i) => puids.indexOf(p) !== i))];
    const existing = dupInCall.length ? dupInCall : puids.filter((p) => this.puids.has(p));
    if (existing.length) {
      const message = 'The platform identifier(s) are not all unique within this call.';
      return this.send(res, 422, { message, errors: { puid: [message], existing_puids: existing } }, statements.length);
    }
    for (const p of puids) this.puids.add(p);
    const now = new Date().toISOString().slice(0, 19).replace('T', ' ');
    return this.send(res, 201, { statements: validated.map((s) => ({ ...s, uuid: randomUUID(), created_at: now, platform_name: 'test' })) }, statements.length);
  }
}

describe('export and submission of real decisions (docs/DSA-TRANSPARENCY-DB.md §6–§7)', () => {
  let srv: TestServer;
  const seeded: Seeded[] = [];
  const secret = `dsa-secret-${randomBytes(4).toString('hex')}`;
  const from = new Date(Date.now() - 3_600_000);
  const to = new Date(Date.now() + 3_600_000);

  beforeAll(async () => {
    cheapPasswordHashing();
    srv = await startTestServer();
    const admin = await createStaff(srv, `dsa${randomBytes(3).toString('hex')}`, 'admin');
    const decisions = [
      { action: 'ban', policyId: 'harassment' },
      { action: 'suspend', policyId: 'spam', suspendHours: 48 },
      { action: 'warn', policyId: 'other' },
      { action: 'suspend', policyId: 'sexual' },
    ];
    for (const d of decisions) {
      const s = await seedReport(srv.url, { count: 3, reported: 2, text: (i) => `${secret} ${i}` });
      seeded.push(s);
      const r = await modApi(srv.url, admin, 'POST', `/v1/mod/reports/${s.reportId}/decision`, d);
      if (r.status !== 200) throw new Error(`decision: ${r.status} ${JSON.stringify(r.json)}`);
    }
  });
  afterAll(async () => {
    await srv?.stop();
  });

  it('maps each restriction to a valid statement, skips the warning, and publishes no id, handle or content', async () => {
    const c = await collectStatements(dsaSubmissionsRepo(srv.services.db), from, to, { termsUrl: 'https://chat.example/terms', territorialScope: ['DE', 'FR', 'US'] });
    expect(c.statements).toHaveLength(3);
    expect(c.skipped.map((s) => s.reason)).toEqual(['no_restriction']);
    for (const { statement } of c.statements) {
      expect(validateStatement(statement)).toMatchObject({ ok: true });
      expect(statement.puid).toMatch(/^sor_[A-Za-z0-9_-]{16}$/);
      expect(statement).toMatchObject({
        decision_ground: 'DECISION_GROUND_INCOMPATIBLE_CONTENT', source_type: 'SOURCE_ARTICLE_16', automated_detection: 'No',
        automated_decision: 'AUTOMATED_DECISION_NOT_AUTOMATED', content_type: ['CONTENT_TYPE_TEXT'], account_type: 'ACCOUNT_TYPE_PRIVATE',
        decision_ground_reference_url: 'https://chat.example/terms', territorial_scope: ['DE', 'FR'],
      });
      expect(statement.application_date).toBe(new Date().toISOString().slice(0, 10));
      expect(statement.content_date).toBe(new Date().toISOString().slice(0, 10));
    }
    const [ban, suspend, suspendOpen] = c.statements.map((s) => s.statement);
    expect(ban).toMatchObject({ decision_account: 'DECISION_ACCOUNT_TERMINATED', category: 'STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH', incompatible_content_ground: 'Terms of service, policy "Harassment"' });
    expect(ban).not.toHaveProperty('end_date_account_restriction');
    expect(suspend).toMatchObject({ decision_account: 'DECISION_ACCOUNT_SUSPENDED', category: 'STATEMENT_CATEGORY_OTHER_VIOLATION_TC' });
    expect(suspend?.end_date_account_restriction).toBe(new Date(Date.now() + 48 * 3_600_000).toISOString().slice(0, 10));
    // The starter "sexual" policy's pre-2025 category (PORNOGRAPHY_OR_SEXUALIZED_CONTENT) has no successor: §6.1.
    expect(suspendOpen).toMatchObject({ decision_account: 'DECISION_ACCOUNT_SUSPENDED', category: 'STATEMENT_CATEGORY_OTHER_VIOLATION_TC' });
    // The puid is the one the account holder's statement of reasons carries.
    const notices = await srv.services.db.notice.findMany({ where: { kind: { in: ['ban', 'suspension'] } }, orderBy: { id: 'asc' } });
    expect(c.statements.map((s) => s.statement.puid)).toEqual(notices.map((n) => (JSON.parse(n.statement as string) as { puid: string }).puid));
    // Nothing that identifies a person, a message or a conversation, and no message content.
    const text = JSON.stringify(c.statements);
    const envelopes = await srv.services.db.reportItem.findMany({ select: { messageId: true } });
    for (const s of seeded) for (const f of [s.reporter.id, s.accused.id, s.conversationId, s.reportId]) expect(text).not.toContain(f);
    for (const e of envelopes) expect(text).not.toContain(e.messageId);
    expect(text).not.toContain(secret);
  });

  it('submits in calls of at most 100, records every puid, resumes after an outage and never submits twice', async () => {
    const db = srv.services.db;
    const repo = dsaSubmissionsRepo(db);
    // 230 more statements of reasons (as moderation writes them) so the period needs three calls.
    const policy = { ...(DEFAULT_POLICIES[0] as (typeof DEFAULT_POLICIES)[number]), archived: false, createdAt: new Date(), updatedAt: new Date() };
    await db.notice.createMany({
      data: Array.from({ length: 230 }, (_, i) => ({
        accountId: `bulk-${i}`, kind: 'suspension', reasonCategory: 'harassment', createdAt: new Date(), until: null,
        statement: JSON.stringify(buildStatement({
          template: DEFAULT_TEMPLATES.suspend, policy, action: 'suspend', until: null, at: new Date(), decisionId: `sor_bulk${String(i).padStart(12, '0')}`,
          messages: [{ messageId: `m-bulk-${i}`, sentAt: Date.now() - 60_000, contentType: i % 7 === 0 ? 'application/pdf' : null }], automated: i % 5 === 0, appealWindowMs: 14 * 86_400_000,
        })),
      })),
    });
    const c = await collectStatements(repo, from, to);
    expect(c.statements).toHaveLength(233);
    expect(c.statements.find((s) => s.statement.content_type_other)).toMatchObject({ statement: { content_type: ['CONTENT_TYPE_OTHER'], content_type_other: 'Chat attachment of another media type' } });
    const tdb = await new LocalTdb(`tok-${randomBytes(8).toString('hex')}`).start();
    try {
      // A wrong token: refused, nothing recorded as held.
      const denied = await submitStatements(repo, c, { endpoint: tdb.url, token: 'wrong' });
      expect(denied.stopped).toMatchObject({ outcome: 'failed', httpStatus: 401, detail: { message: 'Unauthenticated.' } });
      expect(await db.dsaSubmission.count()).toBe(0);

      // The first call succeeds, then the database is down: the run stops after recording the first 100.
      let served = 0;
      const outage: typeof fetch = async (url, init) => {
        if (++served === 2) tdb.failNext = { status: 503, times: 1 };
        return fetch(url, init);
      };
      const first = await submitStatements(repo, c, { endpoint: tdb.url, token: tdb.token, fetch: outage });
      expect(first.created).toBe(100);
      expect(first.stopped).toMatchObject({ outcome: 'failed', httpStatus: 503 });
      expect(await db.dsaSubmission.count()).toBe(100);

      // A run that crashed after the database accepted a call but before recording it: the database holds 30 puids we do not know of.
      const unrecorded = c.statements.slice(100, 130).map((s) => s.statement.puid);
      for (const p of unrecorded) tdb.puids.add(p);

      const second = await submitStatements(repo, c, { endpoint: tdb.url, token: tdb.token });
      expect(second).toMatchObject({ previouslySubmitted: 100, alreadyPresent: 30, created: 103, stopped: null });
      expect(second.batches.map((b) => [b.statements, b.outcome])).toEqual([[100, 'already_present'], [70, 'created'], [33, 'created']]);

      // Every call stayed within the limit, and every statement is held exactly once.
      expect(Math.max(...tdb.calls.map((x) => x.count))).toBeLessThanOrEqual(100);
      expect(tdb.puids.size).toBe(233);
      const rows = await db.dsaSubmission.findMany();
      expect(rows).toHaveLength(233);
      expect(rows.filter((r) => r.status === 'already_present').map((r) => r.puid).sort()).toEqual([...unrecorded].sort());
      expect(rows.filter((r) => r.status === 'created').every((r) => /^[0-9a-f-]{36}$/.test(r.tdbUuid ?? ''))).toBe(true);
      const batches = await db.dsaSubmissionBatch.findMany();
      expect(batches.map((b) => b.outcome).sort()).toEqual(['already_present', 'created', 'created', 'created', 'failed', 'failed'].sort());
      expect(batches.every((b) => b.finishedAt !== null)).toBe(true);

      // Re-running posts nothing.
      const callsBefore = tdb.calls.length;
      const third = await submitStatements(repo, c, { endpoint: tdb.url, token: tdb.token });
      expect(third).toMatchObject({ previouslySubmitted: 233, created: 0, alreadyPresent: 0, batches: [] });
      expect(tdb.calls.length).toBe(callsBefore);
    } finally {
      await tdb.stop();
    }
  });

  it('a statement the database refuses stops the run with the API\'s errors recorded and nothing marked held', async () => {
    const repo = dsaSubmissionsRepo(srv.services.db);
    const tdb = await new LocalTdb('t0k3n-refusal').start();
    try {
      const bad: Collected = { statements: [{ noticeId: 999_001, statement: { ...VALID, puid: 'sor_refused1', category: 'STATEMENT_CATEGORY_PORNOGRAPHY_OR_SEXUALIZED_CONTENT' } }], skipped: [] };
      const r = await submitStatements(repo, bad, { endpoint: tdb.url, token: tdb.token });
      expect(r.stopped).toMatchObject({ outcome: 'rejected', httpStatus: 422, detail: { statement_0: { category: ['The selected category is invalid.'] } } });
      expect(await srv.services.db.dsaSubmission.findUnique({ where: { puid: 'sor_refused1' } })).toBeNull();
      const batch = await srv.services.db.dsaSubmissionBatch.findUnique({ where: { id: r.stopped?.batchId ?? '' } });
      expect(batch).toMatchObject({ outcome: 'rejected', httpStatus: 422, statementCount: 1 });
      // 101 statements in one call: refused by the endpoint, as the API does.
      const many = await fetch(tdb.url, { method: 'POST', headers: { authorization: `Bearer ${tdb.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ statements: Array.from({ length: 101 }, (_, i) => ({ ...VALID, puid: `p${i}` })) }) });
      expect(many.status).toBe(422);
      expect(await many.json()).toEqual({ message: 'The statements field must have between 1 and 100 items.', errors: { statements: ['The statements field must have between 1 and 100 items.'] } });
      // A puid twice in one call: the whole call is refused.
      const twice = await fetch(tdb.url, { method: 'POST', headers: { authorization: `Bearer ${tdb.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ statements: [{ ...VALID, puid: 'dup' }, { ...VALID, puid: 'dup' }] }) });
      expect(twice.status).toBe(422);
      expect(await twice.json()).toMatchObject({ errors: { existing_puids: ['dup'] } });
      expect(tdb.puids.has('dup')).toBe(false);
    } finally {
      await tdb.stop();
    }
  });

  it('npm run dsa:export writes valid batches, submits with a token from the environment, and refuses bad arguments', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'dsa-export-'));
    const tdb = await new LocalTdb(`cli-${randomBytes(8).toString('hex')}`).start();
    const run = (args: string[], env: Record<string, string> = {}) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile(path.join(ROOT, 'node_modules/.bin/tsx'), ['scripts/dsa-export.ts', ...args], {
          cwd: ROOT, env: { ...process.env, DATABASE_URL: srv.config.databaseUrl, ...env }, timeout: 120_000,
        }, (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }));
      });
    try {
      const fromDay = from.toISOString().slice(0, 10);
      const toDay = new Date(to.getTime() + 86_400_000).toISOString().slice(0, 10);
      const exported = await run(['--from', fromDay, '--to', toDay, '--out', out]);
      expect(exported.code, exported.stderr).toBe(0);
      const summary = JSON.parse(exported.stdout) as { statements: number; files: string[]; skipped: Record<string, number> };
      expect(summary.statements).toBe(233);
      expect(summary.skipped).toEqual({ no_restriction: 1 });
      expect(summary.files).toEqual(['batch-0001.json', 'batch-0002.json', 'batch-0003.json', 'skipped.json']);
      for (const f of summary.files.slice(0, 3)) {
        const body = JSON.parse(fs.readFileSync(path.join(out, f), 'utf8')) as { statements: unknown[] };
        expect(body.statements.length).toBeLessThanOrEqual(100);
        for (const s of body.statements) expect(validateStatement(s)).toMatchObject({ ok: true });
      }
      // Everything was already submitted by the test above: the command posts nothing and says so.
      const submitted = await run(['--from', fromDay, '--to', toDay, '--submit', '--endpoint', tdb.url, '--token-env', 'TDB_TEST_TOKEN'], { TDB_TEST_TOKEN: tdb.token });
      expect(submitted.code, submitted.stderr).toBe(0);
      expect(JSON.parse(submitted.stdout)).toMatchObject({ submit: { previouslySubmitted: 233, created: 0, stopped: null } });
      expect(submitted.stdout).not.toContain(tdb.token);
      expect(tdb.calls).toHaveLength(0);
      // Without --out and --submit: DATA_DIR/dsa-export/<from>_<to>.
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dsa-data-'));
      const byDefault = await run(['--from', fromDay, '--to', toDay], { DATA_DIR: dataDir });
      expect(byDefault.code, byDefault.stderr).toBe(0);
      expect(fs.readdirSync(path.join(dataDir, 'dsa-export', `${fromDay}_${toDay}`)).sort()).toEqual(summary.files);
      fs.rmSync(dataDir, { recursive: true, force: true });
      const badArgs = [
        ['--from', toDay, '--to', fromDay, '--out', out], ['--from', 'yesterday', '--to', toDay, '--out', out],
        ['--from', fromDay, '--to', toDay, '--submit', '--endpoint', tdb.url, '--token-env', 'NOT_SET_ANYWHERE'], ['--from', fromDay, '--to', toDay, '--submit'],
        ['--from', fromDay, '--to', toDay, '--batch-size', '101'],
      ];
      const refused = await Promise.all(badArgs.map((args) => run(args)));
      refused.forEach((r, i) => expect(r.code, badArgs[i]?.join(' ')).toBe(2));
    } finally {
      await tdb.stop();
      fs.rmSync(out, { recursive: true, force: true });
    }
  }, 240_000);
});
