// Keyset pagination of the moderator queue (server/data/moderation.ts) against a reference model: many reports
// share one timestamp (and one priority), so page boundaries fall between rows that differ only in their id.
// Walking any view × filter page by page must give exactly the reference order: nothing skipped, nothing twice.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db } from '../../server/db.ts';
import { type TestServer, startTestServer } from '../server/_harness.ts';
import { type Staff, cheapPasswordHashing, createStaff, modApi } from './_mod.ts';

cheapPasswordHashing();

interface Row {
  id: string;
  status: 'received' | 'in_review' | 'resolved';
  category: string;
  verdict: 'verified' | 'unverified';
  queue: string;
  priority: number;
  assigneeId: string | null;
  accusedId: string;
  caseId: string | null;
  createdAt: Date;
}

const T = Date.parse('2026-03-01T12:00:00.000Z');
// Lower-case letters and digits only: the database collation and JavaScript order these ids the same way.
const TAG = Array.from({ length: 4 }, () => String.fromCharCode(97 + Math.floor(Math.random() * 26))).join('');
const N = 36;

/** Deterministic mix: most rows at the same instant and priority; a few just before/after and at other priorities. */
function makeRows(): Row[] {
  const rows: Row[] = [];
  // Inserted in a scrambled order so that insertion order cannot stand in for id order.
  for (let k = 0; k < N; k++) {
    const n = (k * 17) % N;
    const status = (['received', 'received', 'in_review', 'resolved'] as const)[n % 4] ?? 'received';
    rows.push({
      id: `qp${TAG}${String(n).padStart(3, '0')}`,
      status,
      category: n % 3 === 0 ? 'spam' : 'harassment',
      verdict: n % 5 === 0 ? 'unverified' : 'verified',
      queue: n % 7 === 0 ? 'urgent' : 'general',
      priority: n % 7 === 0 ? 90 : n % 11 === 0 ? 10 : 50,
      assigneeId: status === 'received' ? null : n % 2 === 0 ? 'staff:mod1' : 'staff:mod2',
      accusedId: n % 4 === 1 ? `acc${TAG}a` : `acc${TAG}b`,
      caseId: n % 4 === 1 ? `c_${TAG}case0001` : null,
      createdAt: new Date(n % 9 === 4 ? T - 1 : n % 9 === 5 ? T + 1 : T),
    });
  }
  return rows;
}

const byPriority = (a: Row, b: Row) => b.priority - a.priority || a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
const byTimeDesc = (a: Row, b: Row) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

type View = 'open' | 'claimed' | 'mine' | 'resolved' | 'all';
type Filter = Partial<Pick<Row, 'category' | 'verdict' | 'queue' | 'assigneeId' | 'accusedId' | 'caseId'>>;

/** The queue as docs/MODERATION.md defines it, computed from the rows themselves. */
function expected(rows: Row[], view: View, f: Filter, me: string): string[] {
  const status = { open: 'received', claimed: 'in_review', mine: 'in_review', resolved: 'resolved', all: undefined }[view];
  const assignee = view === 'mine' ? me : f.assigneeId;
  return rows
    .filter((r) => (!status || r.status === status) && (!assignee || r.assigneeId === assignee))
    .filter((r) => (Object.keys(f) as Array<keyof Filter>).every((k) => k === 'assigneeId' || r[k] === f[k]))
    .sort(view === 'resolved' || view === 'all' ? byTimeDesc : byPriority)
    .map((r) => r.id);
}

let srv: TestServer;
let db: Db;
let mod1: Staff;
let rows: Row[];

beforeAll(async () => {
  srv = await startTestServer();
  db = await createDb(srv.db.url);
  mod1 = await createStaff(srv, 'mod1', 'moderator');
  rows = makeRows();
  // Rows written directly: the timestamps must collide exactly, which reports filed through the API cannot promise.
  await db.report.createMany({
    data: rows.map((r) => ({
      ...r, reporterId: `rep${TAG}`, conversationId: `conv${TAG}`, messageId: `m-${r.id}`, contextSummary: '{"senders":[],"complete":true}',
      outcome: r.status === 'resolved' ? 'dismissed' : null, eventCount: r.status === 'received' ? 0 : r.status === 'in_review' ? 1 : 2,
    })),
  });
});
afterAll(async () => {
  await db?.$disconnect();
  await srv?.stop();
});

async function walk(view: View, f: Filter, limit: number): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  for (let pages = 0; pages <= N + 1; pages++) {
    const q = new URLSearchParams({ view, limit: String(limit), ...(f as Record<string, string>) });
    if (cursor) q.set('cursor', cursor);
    const res: { status: number; json: { reports: Array<{ id: string }>; nextCursor: string | null } } = await modApi(srv.url, mod1, 'GET', `/v1/mod/queue?${q}`);
    expect(res.status).toBe(200);
    expect(res.json.reports.length).toBeLessThanOrEqual(limit);
    ids.push(...res.json.reports.map((r) => r.id));
    cursor = res.json.nextCursor;
    if (!cursor) return ids;
    // A cursor is only handed out when a further row exists: never an empty last page.
    expect(res.json.reports.length).toBe(limit);
  }
  throw new Error(`${view} ${JSON.stringify(f)}: more pages than rows`);
}

describe('queue keyset pagination with equal timestamps', () => {
  it('the seeded rows really collide: most share one instant and one priority', () => {
    const atT = rows.filter((r) => r.createdAt.getTime() === T);
    expect(atT.length).toBeGreaterThan(N / 2);
    expect(atT.filter((r) => r.priority === 50 && r.status === 'received').length).toBeGreaterThan(4);
  });

  for (const view of ['open', 'claimed', 'mine', 'resolved', 'all'] as const) {
    it(`${view}: every page size walks the whole view once, in order`, async () => {
      const want = expected(rows, view, {}, 'staff:mod1');
      expect(want.length).toBeGreaterThan(3);
      const single = await walk(view, {}, 200);
      expect(single).toEqual(want);
      for (const limit of [1, 2, 3, 5]) expect(await walk(view, {}, limit)).toEqual(want);
    });
  }

  const filters: Filter[] = [
    { category: 'spam' }, { verdict: 'unverified' }, { queue: 'urgent' }, { queue: 'general', category: 'harassment' },
    { assigneeId: 'staff:mod2' }, { accusedId: `acc${TAG}a` }, { caseId: `c_${TAG}case0001` }, { category: 'spam', verdict: 'verified' },
  ];
  for (const f of filters) {
    it(`filter ${JSON.stringify(f).replace(TAG, '…')}: every view pages through exactly its rows`, async () => {
      let nonEmpty = 0;
      for (const view of ['open', 'claimed', 'mine', 'resolved', 'all'] as const) {
        const want = expected(rows, view, f, 'staff:mod1');
        if (want.length) nonEmpty++;
        expect(await walk(view, f, 2)).toEqual(want);
      }
      expect(nonEmpty).toBeGreaterThan(0);
    });
  }

  it('a cursor taken inside a run of equal timestamps resumes right after its row', async () => {
    const want = expected(rows, 'open', {}, 'staff:mod1');
    const first: { json: { reports: Array<{ id: string; createdAt: string; priority: number }>; nextCursor: string } } = await modApi(srv.url, mod1, 'GET', '/v1/mod/queue?view=open&limit=4');
    const last = first.json.reports[3];
    const next = first.json.reports.length === 4 ? first.json.nextCursor : null;
    expect(next).not.toBeNull();
    // The boundary row shares its instant and priority with the row after it: only the id tells them apart.
    const after = rows.find((r) => r.id === want[4]);
    expect(after?.createdAt.toISOString()).toBe(last?.createdAt);
    expect(after?.priority).toBe(last?.priority);
    const second: { json: { reports: Array<{ id: string }> } } = await modApi(srv.url, mod1, 'GET', `/v1/mod/queue?view=open&limit=4&cursor=${next}`);
    expect(second.json.reports.map((r) => r.id)).toEqual(want.slice(4, 8));
  });
});
