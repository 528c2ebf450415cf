// docs/MODERATION.md "Cases and brigading" to "Metrics and transparency report", through the API: cases and the
// brigading defence, signed evidence packages verified offline, retention at its boundary and under legal hold, and a
// transparency report whose counts are recounted from the append-only event log.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromBase64Url } from '../../client/protocol.ts';
import { EVIDENCE_KEY_PATH, type EvidencePackage, signPackage, verifyEvidencePackage } from '../../server/services/cases/index.ts';
import { type TestServer, api, createUser, login, startTestServer } from '../server/_harness.ts';
import { type Staff, cheapPasswordHashing, createStaff, modApi, noticesOf, seedReport, signedChallenge } from './_mod.ts';

cheapPasswordHashing();
const ROOT = path.resolve(import.meta.dirname, '../..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fc-evidence-'));
process.env.MOD_EVIDENCE_KEY_FILE = path.join(tmp, 'evidence-key.json');
let srv: TestServer;
let base: string;
let mod1: Staff;
let mod2: Staff;
let admin: Staff;
const started = new Date(Date.now() - 1000);

beforeAll(async () => {
  srv = await startTestServer();
  base = srv.url;
  [mod1, mod2, admin] = await Promise.all([createStaff(srv, 'mod1', 'moderator'), createStaff(srv, 'mod2', 'moderator'), createStaff(srv, 'boss', 'admin')]);
});
afterAll(async () => {
  await srv?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

type Ev = { id: number; subjectType: string; subjectId: string; type: string; actorId: string | null; payload: Record<string, unknown>; createdAt: string };
const code = (r: { json: unknown }) => (r.json as { code?: string }).code;
const events = async (subjectType: string, subjectId: string) =>
  (await modApi<{ events: Ev[] }>(base, mod1, 'GET', `/v1/mod/events?subjectType=${subjectType}&subjectId=${subjectId}`)).json.events;

async function exportEvidence(p: string, purpose = 'lawful request LR-2026-001', requestReference?: string) {
  const res = await fetch(`${base}${p}`, { method: 'POST', headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf, 'content-type': 'application/json' }, body: JSON.stringify({ purpose, ...(requestReference ? { requestReference } : {}) }) });
  return { status: res.status, sha: res.headers.get('x-evidence-sha256'), bytes: new Uint8Array(await res.arrayBuffer()) };
}

describe('cases and the brigading defence', () => {
  it('50 fresh accounts reporting one harmless account → one low-priority case and no action', async () => {
    const target = await createUser(base, `harmless-${Date.now().toString(36)}`);
    const ids: string[] = [];
    for (let i = 0; i < 50; i++) ids.push((await seedReport(base, { accused: target, count: 1, reported: 1, category: 'harassment' })).reportId);
    const cases = await modApi<{ cases: Array<{ id: string; accusedId: string; brigade: boolean; priority: number; queue: string; reportCount: number; openReports: number }> }>(base, mod1, 'GET', '/v1/mod/cases?status=open&limit=200');
    const mine = cases.json.cases.filter((c) => c.accusedId === target.id);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ brigade: true, priority: 5, queue: 'suspected-brigade', reportCount: 50, openReports: 50 });
    const caseId = mine[0]?.id as string;
    const detail = await modApi<{ reports: Array<{ id: string; priority: number; queue: string }>; reporters: Array<{ accountCreatedAt: string }>; events: Ev[] }>(base, mod1, 'GET', `/v1/mod/cases/${caseId}`);
    expect(detail.json.reports.map((r) => r.id).sort()).toEqual([...ids].sort());
    expect(new Set(detail.json.reports.map((r) => `${r.queue}/${r.priority}`))).toEqual(new Set(['suspected-brigade/5']));
    expect(detail.json.reporters).toHaveLength(50);
    expect(detail.json.events.map((e) => e.type)).toEqual(['case_opened', 'brigade_suspected']);
    expect(detail.json.events[1]?.payload).toMatchObject({ newAccounts: 10, reportersInWindow: 10 });
    // No automatic action: the account is active, can log in, has no notice, and no report was decided.
    expect((await login(base, target.id, target.signingSecret)).status).toBe(200);
    expect(await noticesOf(base, target)).toEqual([]);
    for (const id of ids) expect((await events('report', id)).map((e) => e.type).filter((t) => ['decision', 'action', 'claimed'].includes(t))).toEqual([]);
    // In the open queue the brigade sinks below ordinary work.
    const other = await seedReport(base);
    const q = await modApi<{ reports: Array<{ id: string }> }>(base, mod1, 'GET', '/v1/mod/queue?view=open&limit=200');
    const order = q.json.reports.map((r) => r.id);
    expect(order.indexOf(other.reportId)).toBeLessThan(Math.min(...ids.map((id) => order.indexOf(id))));
  }, 120_000);

  it('the same burst against an account with upheld reports is not waved through as a brigade', async () => {
    const target = await createUser(base, `repeat-${Date.now().toString(36)}`);
    const first = await seedReport(base, { accused: target });
    await modApi(base, mod1, 'POST', `/v1/mod/reports/${first.reportId}/decision`, { action: 'warn', policyId: 'harassment' });
    for (let i = 0; i < 12; i++) await seedReport(base, { accused: target, count: 1, reported: 1 });
    const cases = await modApi<{ cases: Array<{ accusedId: string; brigade: boolean; reportCount: number }> }>(base, mod1, 'GET', '/v1/mod/cases?status=open&limit=200');
    expect(cases.json.cases.filter((c) => c.accusedId === target.id)).toEqual([expect.objectContaining({ brigade: false, reportCount: 12 })]);
  }, 60_000);
});

describe('evidence packages', () => {
  it('an exported report verifies offline with the published key, and fails on any changed byte', async () => {
    const s = await seedReport(base, { count: 2, reported: 2 });
    expect((await modApi(base, mod1, 'POST', `/v1/mod/reports/${s.reportId}/evidence`, { purpose: 'x-y-z' })).status).toBe(403);
    const key = await api<{ publicKey: string; keyId: string; alg: string }>(base, 'GET', EVIDENCE_KEY_PATH);
    expect(key.json.alg).toBe('Ed25519');
    const pub = fromBase64Url(key.json.publicKey);
    const ex = await exportEvidence(`/v1/mod/reports/${s.reportId}/evidence`);
    expect(ex.status).toBe(200);
    const r = verifyEvidencePackage(ex.bytes, pub);
    expect(r.errors).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.items).toEqual([
      expect.objectContaining({ reportId: s.reportId, position: 0, serverResult: 'verified', opens: true }),
      expect.objectContaining({ reportId: s.reportId, position: 1, serverResult: 'verified', opens: true }),
    ]);
    const pkg = JSON.parse(new TextDecoder().decode(ex.bytes)) as EvidencePackage;
    expect(pkg.reports[0]?.history.map((h) => h.type)).toEqual(['report_filed', 'routed']);
    expect(pkg.issuer.keyId).toBe(key.json.keyId);
    // Only the reported conversation's revealed items leave: exactly the two messages of this report.
    expect(pkg.reports).toHaveLength(1);

    let accepted = 0;
    for (let i = 0; i < ex.bytes.length; i++) {
      const m = new Uint8Array(ex.bytes);
      m[i] = (m[i] as number) ^ 0x01;
      if (verifyEvidencePackage(m, pub).ok) accepted++;
    }
    expect(accepted).toBe(0);
    expect(verifyEvidencePackage(new Uint8Array([...ex.bytes, 0x0a]), pub).ok).toBe(false);
    expect(verifyEvidencePackage(ex.bytes.subarray(0, ex.bytes.length - 1), pub).ok).toBe(false);

    // Re-signed with another key: valid only against that key, never against the published one.
    const { ed25519 } = await import('@noble/curves/ed25519.js');
    const other = ed25519.utils.randomSecretKey();
    const { signature: _s, ...unsigned } = pkg;
    const forged = new TextEncoder().encode(signPackage(unsigned, other, 'forged'));
    expect(verifyEvidencePackage(forged, pub).ok).toBe(false);
    // A revealed body that does not open its commitment is caught offline, even under a valid signature.
    const k = srv.services.evidence.signingKey();
    const tampered = structuredClone(unsigned);
    const item = tampered.reports[0]?.items[0]?.item;
    if (item) item.body = Buffer.from('something else entirely').toString('base64url');
    const bad = verifyEvidencePackage(new TextEncoder().encode(signPackage(tampered, k.seed, k.keyId)), pub);
    expect(bad.signatureValid).toBe(true);
    expect(bad.ok).toBe(false);
    expect(bad.errors.join(' ')).toMatch(/marked verified but commitment does not open/);

    // The export is itself an audited event, naming the package's hash and purpose.
    expect((await events('report', s.reportId)).at(-1)).toMatchObject({ type: 'evidence_exported', actorId: 'staff:boss', payload: { sha256: ex.sha, purpose: 'lawful request LR-2026-001', requestReference: null, items: 2 } });
    expect(r.purpose).toBe('lawful request LR-2026-001');
    expect(r.requestReference).toBeNull();

    // The command-line verifier, as a recipient would run it.
    const file = path.join(tmp, 'package.json');
    const keyFile = path.join(tmp, 'key.json');
    fs.writeFileSync(file, ex.bytes);
    fs.writeFileSync(keyFile, JSON.stringify(key.json));
    const run = promisify(execFile);
    const okRun = await run(path.join(ROOT, 'node_modules/.bin/tsx'), ['scripts/evidence-verify.ts', file, '--key', keyFile], { cwd: ROOT });
    expect(okRun.stdout).toMatch(/VALID evidence package/);
    const flipped = new Uint8Array(ex.bytes);
    flipped[Math.floor(flipped.length / 2)] = (flipped[Math.floor(flipped.length / 2)] as number) ^ 0x01;
    fs.writeFileSync(file, flipped);
    const badRun = await run(path.join(ROOT, 'node_modules/.bin/tsx'), ['scripts/evidence-verify.ts', file, '--key', keyFile], { cwd: ROOT }).catch((e: { code: number; stdout: string }) => e);
    expect((badRun as { code: number }).code).toBe(1);
    expect((badRun as { stdout: string }).stdout).toMatch(/INVALID evidence package/);
  }, 120_000);

  it('the purpose and the request reference the admin states are signed into the package, shown by the verifier and audited', async () => {
    const s = await seedReport(base, { count: 1, reported: 1 });
    const missing = await modApi(base, admin, 'POST', `/v1/mod/reports/${s.reportId}/evidence`, { requestReference: 'X' });
    expect(missing.status).toBe(400);
    expect(code(missing)).toBe('validation_failed');
    const ex = await exportEvidence(`/v1/mod/reports/${s.reportId}/evidence`, 'Police investigation of threats', 'Met-2026/4471');
    expect(ex.status).toBe(200);
    const pub = srv.services.evidence.signingKey().publicKey;
    const r = verifyEvidencePackage(ex.bytes, pub);
    expect(r.ok).toBe(true);
    expect([r.purpose, r.requestReference]).toEqual(['Police investigation of threats', 'Met-2026/4471']);
    const pkg = JSON.parse(new TextDecoder().decode(ex.bytes)) as EvidencePackage;
    expect(pkg).toMatchObject({ purpose: 'Police investigation of threats', requestReference: 'Met-2026/4471' });
    expect((await events('report', s.reportId)).at(-1)).toMatchObject({
      type: 'evidence_exported', payload: { sha256: ex.sha, purpose: 'Police investigation of threats', requestReference: 'Met-2026/4471' },
    });
    // changing the stated purpose breaks the signature; a package signed without one is refused by the verifier
    const { signature: _s, ...unsigned } = pkg;
    const edited = new TextEncoder().encode(`${JSON.stringify({ ...pkg, purpose: 'Internal review' }, null, 2)}\n`);
    expect(verifyEvidencePackage(edited, pub).signatureValid).toBe(false);
    const k = srv.services.evidence.signingKey();
    const { purpose: _p, requestReference: _r, ...bare } = unsigned;
    const noPurpose = verifyEvidencePackage(new TextEncoder().encode(signPackage(bare as typeof unsigned, k.seed, k.keyId)), pub);
    expect(noPurpose.signatureValid).toBe(true);
    expect(noPurpose.ok).toBe(false);
    expect(noPurpose.errors).toEqual(expect.arrayContaining(['purpose: missing or empty', 'requestReference: missing, or neither null nor a non-empty string']));
    // the command-line verifier prints both
    const file = path.join(tmp, 'purpose.json');
    fs.writeFileSync(file, ex.bytes);
    const out = await promisify(execFile)(path.join(ROOT, 'node_modules/.bin/tsx'), ['scripts/evidence-verify.ts', file], { cwd: ROOT });
    expect(out.stdout).toMatch(/purpose: Police investigation of threats/);
    expect(out.stdout).toMatch(/request reference: Met-2026\/4471/);
  }, 120_000);

  it('a case exports every report in it, and the case and each report record the export', async () => {
    const accused = await createUser(base, `case-ev-${Date.now().toString(36)}`);
    const a = await seedReport(base, { accused, count: 1, reported: 1 });
    const b = await seedReport(base, { accused, count: 1, reported: 1 });
    const detail = await modApi<{ report: { caseId: string } }>(base, mod1, 'GET', `/v1/mod/reports/${a.reportId}`);
    const caseId = detail.json.report.caseId;
    const ex = await exportEvidence(`/v1/mod/cases/${caseId}/evidence`);
    const r = verifyEvidencePackage(ex.bytes, srv.services.evidence.signingKey().publicKey);
    expect(r.ok).toBe(true);
    expect(new Set(r.items.map((i) => i.reportId))).toEqual(new Set([a.reportId, b.reportId]));
    expect((await events('case', caseId)).at(-1)).toMatchObject({ type: 'evidence_exported', payload: { reports: 2, sha256: ex.sha } });
    expect((await events('report', b.reportId)).at(-1)).toMatchObject({ type: 'evidence_exported', payload: { viaCase: caseId } });
  });
});

describe('retention and legal hold', () => {
  const DAY = 86_400_000;
  async function closedCase() {
    const s = await seedReport(base, { count: 2, reported: 1 });
    await modApi(base, mod1, 'POST', `/v1/mod/reports/${s.reportId}/decision`, { action: 'warn', policyId: 'harassment' });
    const d = await modApi<{ report: { caseId: string } }>(base, mod1, 'GET', `/v1/mod/reports/${s.reportId}`);
    const c = await modApi<{ case: { status: string; closedAt: string; purgeAfter: string } }>(base, mod1, 'GET', `/v1/mod/cases/${d.json.report.caseId}`);
    expect(c.json.case.status).toBe('closed');
    expect(new Date(c.json.case.purgeAfter).getTime() - new Date(c.json.case.closedAt).getTime()).toBe(180 * DAY);
    return { ...s, caseId: d.json.report.caseId, purgeAfter: new Date(c.json.case.purgeAfter) };
  }
  const texts = async (reportId: string) =>
    (await modApi<{ messages: Array<{ text: string | null; bodyBytes: number }> }>(base, mod1, 'GET', `/v1/mod/reports/${reportId}`)).json.messages.map((m) => m.text);

  it('revealed content goes at the boundary (not a millisecond before); the log keeps that it existed and when it went', async () => {
    const c = await closedCase();
    await srv.services.retention.sweep(new Date(c.purgeAfter.getTime() - 1));
    expect((await texts(c.reportId)).every((t) => t && t.length > 0)).toBe(true);
    // Two processes sweeping at once purge each case once.
    const [x, y] = await Promise.all([srv.services.retention.sweep(c.purgeAfter), srv.services.retention.sweep(c.purgeAfter)]);
    expect(x.cases + y.cases).toBeGreaterThanOrEqual(1);
    expect(await texts(c.reportId)).toEqual(['', '']);
    const log = await events('report', c.reportId);
    expect(log.filter((e) => e.type === 'content_purged')).toEqual([expect.objectContaining({ actorId: null, payload: { caseId: c.caseId, items: 2, reason: 'retention' }, createdAt: c.purgeAfter.toISOString() })]);
    expect(log[0]).toMatchObject({ type: 'report_filed', payload: { items: 2 } });
    expect((await events('case', c.caseId)).at(-1)).toMatchObject({ type: 'case_content_purged', payload: { reports: 1, items: 2 } });
    const ex = await exportEvidence(`/v1/mod/reports/${c.reportId}/evidence`);
    expect(ex.status).toBe(410);
    const rows = await srv.services.db.reportItem.findMany({ where: { reportId: c.reportId } });
    expect(rows.every((r) => r.body.length === 0 && r.fk.length === 0 && r.header.length === 0)).toBe(true);
  });

  it('a legal hold keeps content past retention; lifting it restarts the clock from the close', async () => {
    const c = await closedCase();
    expect((await modApi(base, mod1, 'POST', `/v1/mod/cases/${c.caseId}/hold`, { hold: true, reason: 'court order 12/26' })).status).toBe(403);
    const held = await modApi<{ legalHold: boolean; purgeAfter: string | null }>(base, admin, 'POST', `/v1/mod/cases/${c.caseId}/hold`, { hold: true, reason: 'court order 12/26' });
    expect(held.json).toMatchObject({ legalHold: true, purgeAfter: null });
    await srv.services.retention.sweep(new Date(c.purgeAfter.getTime() + 365 * DAY));
    expect((await texts(c.reportId)).every((t) => t && t.length > 0)).toBe(true);
    const lifted = await modApi<{ legalHold: boolean; purgeAfter: string | null }>(base, admin, 'POST', `/v1/mod/cases/${c.caseId}/hold`, { hold: false, reason: 'case closed by court' });
    expect(lifted.json).toMatchObject({ legalHold: false, purgeAfter: c.purgeAfter.toISOString() });
    await srv.services.retention.sweep(c.purgeAfter);
    expect(await texts(c.reportId)).toEqual(['', '']);
    expect((await events('case', c.caseId)).map((e) => e.type)).toEqual(['case_opened', 'case_closed', 'legal_hold_set', 'legal_hold_lifted', 'case_content_purged']);
  });
});

describe('transparency report', () => {
  it('its counts match the event log', async () => {
    // One more of each kind of outcome, and an overturned appeal.
    for (const action of ['dismiss', 'suspend', 'ban'] as const) {
      const s = await seedReport(base, { category: action === 'ban' ? 'threat' : 'spam' });
      await modApi(base, mod2, 'POST', `/v1/mod/reports/${s.reportId}/decision`, { action, policyId: action === 'ban' ? 'threat' : 'spam', ...(action === 'suspend' ? { suspendHours: 5 } : {}) });
      if (action === 'ban') {
        const [n] = await noticesOf(base, s.accused);
        const ap = await api<{ id: string }>(base, 'POST', '/v1/appeals', { ...(await signedChallenge(base, s.accused)), noticeId: n?.id, statement: 'please review' });
        await modApi(base, mod1, 'POST', `/v1/mod/appeals/${ap.json.id}/decision`, { result: 'overturned' });
      }
    }
    const to = new Date(Date.now() + 1000);
    const report = await modApi<{
      notices: { total: number; byCategory: Record<string, number>; byVerification: Record<string, number> };
      decisions: { total: number; byAction: Record<string, number>; automated: number; manual: number; medianHandlingMs: number };
      appeals: { filed: number; upheld: number; overturned: number; overturnRate: number };
    }>(base, mod1, 'GET', `/v1/mod/transparency?from=${started.toISOString()}&to=${to.toISOString()}`);
    expect(report.status).toBe(200);

    const log: Ev[] = [];
    let before: number | null = null;
    do {
      const page: { json: { events: Ev[]; nextBefore: number | null } } = await modApi(base, admin, 'GET', `/v1/mod/audit?limit=200${before ? `&before=${before}` : ''}`);
      log.push(...page.json.events);
      before = page.json.nextBefore;
    } while (before);
    const inPeriod = (e: Ev) => e.createdAt >= started.toISOString() && e.createdAt < to.toISOString();
    const tally = (xs: string[]) => xs.reduce<Record<string, number>>((m, x) => ({ ...m, [x]: (m[x] ?? 0) + 1 }), {});
    const filed = log.filter((e) => e.type === 'report_filed' && inPeriod(e));
    const decisions = log.filter((e) => e.type === 'decision' && inPeriod(e));
    const appealEvents = log.filter((e) => e.subjectType === 'appeal' && inPeriod(e));
    expect(report.json.notices.total).toBe(filed.length);
    expect(report.json.notices.byCategory).toEqual(tally(filed.map((e) => String(e.payload.category))));
    expect(report.json.notices.byVerification).toEqual(tally(filed.map((e) => String(e.payload.verdict))));
    expect(report.json.decisions.total).toBe(decisions.length);
    expect(report.json.decisions.byAction).toEqual(tally(decisions.map((e) => String(e.payload.action))));
    expect(report.json.decisions.automated).toBe(decisions.filter((e) => e.payload.automated === true).length);
    expect(report.json.decisions.manual).toBe(decisions.filter((e) => e.payload.automated === false).length);
    const filedAt = new Map(log.filter((e) => e.type === 'report_filed').map((e) => [e.subjectId, Date.parse(e.createdAt)]));
    const handling = decisions.map((e) => Date.parse(e.createdAt) - (filedAt.get(e.subjectId) ?? 0)).sort((a, b) => a - b);
    const mid = handling.length >> 1;
    expect(report.json.decisions.medianHandlingMs).toBe(handling.length % 2 ? handling[mid] : ((handling[mid - 1] as number) + (handling[mid] as number)) / 2);
    expect(report.json.appeals.filed).toBe(appealEvents.filter((e) => e.type === 'appeal_filed').length);
    expect(report.json.appeals.overturned).toBe(appealEvents.filter((e) => e.type === 'appeal_decided' && e.payload.result === 'overturned').length);
    expect(report.json.appeals.upheld).toBe(appealEvents.filter((e) => e.type === 'appeal_decided' && e.payload.result === 'upheld').length);
    expect(report.json.appeals.overturned).toBeGreaterThan(0);

    const csv = await fetch(`${base}/v1/mod/transparency?from=${started.toISOString()}&to=${to.toISOString()}&format=csv`, { headers: { cookie: mod1.cookie } });
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const lines = (await csv.text()).trim().split('\r\n');
    expect(lines[0]).toBe('section,key,subkey,value');
    expect(lines).toContain(`notices,total,,${filed.length}`);
    for (const [a, n] of Object.entries(report.json.decisions.byAction)) expect(lines).toContain(`decisions,action,${a},${n}`);
    expect(code(await modApi(base, mod1, 'GET', `/v1/mod/transparency?from=${to.toISOString()}&to=${started.toISOString()}`))).toBe('validation_failed');

    const m = await modApi<{ backlog: Array<{ label: string; count: number }>; decisionsByModerator: Array<{ actorId: string; decisions: number }>; appeals: { overturnRate: number } }>(base, mod1, 'GET', '/v1/mod/metrics?days=30');
    expect(m.json.backlog.map((b) => b.label)).toEqual(['under 1 hour', '1–24 hours', '1–7 days', 'over 7 days']);
    expect(m.json.decisionsByModerator.reduce((n, d) => n + d.decisions, 0)).toBe(decisions.length);
    expect(m.json.appeals.overturnRate).toBe(report.json.appeals.overturnRate);
  });
});
