// npm run bench:dashboard — moderator dashboard read paths at scale on PostgreSQL. Creates a scratch database,
// bulk-loads N reports with SQL (default 1,000,000; BENCH_QUICK=1: 20,000) — each with revealed items (5, or 2
// from 500,000 reports up), its event log (report_filed, routed, claimed, decision, outcome_sent by state), the
// accounts involved, routing (named queues and priorities), one case per accused account (some flagged as
// brigades) and appeals — then starts the real server on it and measures the queue page (views, filters, named
// queues, deep keyset pages in priority order), the report detail, the case page and the transparency report
// over every report, over loopback. Reported: server time per request (the access log's request→finish time, the
// same number the server logs) and the client round trip beside it. The scratch database is dropped at the end.
// Writes bench/results/dashboard.json. Bounded: a watchdog aborts after BENCH_TIMEOUT_S (default 900 s).
// For query work: BENCH_KEEP_DB=1 keeps the seeded database (its name is printed); BENCH_DATABASE=<name> measures
// on such a database again (pending migrations are applied, nothing is seeded, it is not dropped).
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { Keyring } from '../client/protocol.ts';
import { deployMigrations } from '../scripts/migrate-deploy.mjs';
import { loadConfig } from '../server/config.ts';
import { createLogger } from '../server/logger.ts';
import { startServer } from '../server/server.ts';

const QUICK = process.env.BENCH_QUICK === '1';
const N = Number(process.env.BENCH_REPORTS ?? (QUICK ? 20_000 : 1_000_000));
/** Queue samples (about 100 per kind of QUEUE_KINDS in the full run); the report detail and the case page get as many each. */
const SAMPLES = QUICK ? 440 : 2200;
const WARMUP = 60;
const ITEMS_PER_REPORT = Number(process.env.BENCH_ITEMS ?? (N >= 500_000 ? 2 : 5));
const TRANSPARENCY_RUNS = 3;
/**
 * The queue request mix, in the order queuePaths() rotates through it: every view the dashboard offers (open,
 * claimed, mine, resolved, all), each filter it offers in them (category, verdict, named queue, assignee, accused,
 * case), two filters at once, and keyset pages deep into the queue.
 */
const QUEUE_KINDS = [
  'open', 'open+category', 'open+unverified', 'open+named queue', 'open+assignee', 'open+category+unverified', 'open+named queue+category', 'open deep page',
  'claimed', 'claimed+assignee', 'claimed+category', 'mine',
  'resolved', 'resolved+category', 'resolved+named queue', 'resolved+named queue+category', 'resolved deep page',
  'all', 'all+accusedId', 'all+named queue', 'all+assignee', 'all+caseId',
] as const;
const ACCUSED = Math.max(50, Math.round(N / 20));
const REPORTERS = Math.max(100, Math.round(N / 5));
const MODERATORS = 20;
const ADMIN_URL = process.env.PG_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(ROOT, 'bench/results/dashboard.json');
/** BENCH_ONLY=metrics: seed, then measure only the Prometheus scrape (docs/METRICS.md "Cost of a scrape"). */
const ONLY_METRICS = process.env.BENCH_ONLY === 'metrics';
const METRICS_TOKEN = `bench-metrics-${randomBytes(12).toString('hex')}`;
const METRICS_SCRAPES = 20;

const watchdog = setTimeout(() => {
  console.error(`bench:dashboard: watchdog after ${process.env.BENCH_TIMEOUT_S ?? 900} s`);
  process.exit(2);
}, Number(process.env.BENCH_TIMEOUT_S ?? 900) * 1000);
watchdog.unref();

const REUSE = process.env.BENCH_DATABASE;
const KEEP = REUSE !== undefined || process.env.BENCH_KEEP_DB === '1';
if (REUSE !== undefined && !/^fc_bench_dashboard_[a-z0-9_]+$/.test(REUSE)) throw new Error('BENCH_DATABASE: expected a fc_bench_dashboard_* database');
const dbName = REUSE ?? `fc_bench_dashboard_${randomBytes(4).toString('hex')}`;
const dbUrl = (() => {
  const u = new URL(ADMIN_URL);
  u.pathname = `/${dbName}`;
  return u.href;
})();

async function admin(sql: string) {
  const c = new pg.Client({ connectionString: ADMIN_URL });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

/** All rows generated inside PostgreSQL (generate_series): no per-row round trips. */
async function seed(): Promise<void> {
  const c = new pg.Client({ connectionString: dbUrl });
  await c.connect();
  const q = async (label: string, sql: string) => {
    const t = performance.now();
    const r = await c.query(sql);
    console.log(`  ${label}: ${r.rowCount ?? 0} rows in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  };
  try {
    await c.query('SET synchronous_commit = off');
    await q('accounts', `
      INSERT INTO "Account" (id, "identitySigningKey", "identityDhKey", role, status, "createdAt", "updatedAt")
      SELECT 'acc-' || g, '\\x00'::bytea, '\\x00'::bytea, 'user', CASE WHEN g % 17 = 0 THEN 'banned' ELSE 'active' END, now() - interval '90 days', now()
      FROM generate_series(1, ${ACCUSED}) g
      UNION ALL
      SELECT 'rep-' || g, '\\x00'::bytea, '\\x00'::bytea, 'user', 'active', now() - interval '90 days', now() FROM generate_series(1, ${REPORTERS}) g`);
    // Bucket b (0–99) per report: 55% open, 10% claimed, 35% resolved; 85% verified. Spread over 60 days, oldest first.
    await q('reports', `
      INSERT INTO "Report" (id, "reporterId", "accusedId", "conversationId", "messageId", category, comment, status, outcome,
        "assigneeId", "claimedAt", "decidedAt", "decidedBy", "eventCount", verdict, "contextSummary", "createdAt", "updatedAt",
        "caseId", queue, priority, "policyId", "decisionAction", "handlingMs", "firstActionAt")
      SELECT 'r' || lpad(g::text, 8, '0'), 'rep-' || (1 + (g * 7919) % ${REPORTERS}), 'acc-' || (1 + (g * 104729) % ${ACCUSED}),
        'c-' || g, 'm-' || g,
        (ARRAY['harassment','hate','threat','sexual','spam','scam','self_harm','other'])[1 + (g * 31) % 8],
        CASE WHEN g % 3 = 0 THEN 'reporter comment for report ' || g END,
        CASE WHEN b < 55 THEN 'received' WHEN b < 65 THEN 'in_review' ELSE 'resolved' END,
        CASE WHEN b < 65 THEN NULL ELSE (ARRAY['dismissed','warned','suspended','banned'])[1 + g % 4] END,
        CASE WHEN b < 55 THEN NULL ELSE 'staff:mod' || (1 + g % ${MODERATORS}) END,
        CASE WHEN b < 55 THEN NULL ELSE t + interval '2 hours' END,
        CASE WHEN b < 65 THEN NULL ELSE t + interval '2 hours' + (g % 50) * interval '10 minutes' END,
        CASE WHEN b < 65 THEN NULL ELSE 'staff:mod' || (1 + g % ${MODERATORS}) END,
        CASE WHEN b < 55 THEN 0 WHEN b < 65 THEN 1 ELSE 2 END,
        CASE WHEN g % 7 = 0 THEN 'unverified' ELSE 'verified' END,
        '{"senders":[{"conversationId":"c-' || g || '","senderId":"acc-' || (1 + (g * 104729) % ${ACCUSED}) || '","firstSeq":1,"lastSeq":5,"present":[1,2,3,4,5],"missing":[],"chainIntact":true,"issues":[],"complete":true}],"complete":true}',
        t, t,
        'c_acc' || lpad((1 + (g * 104729) % ${ACCUSED})::text, 9, '0'),
        CASE WHEN (1 + (g * 104729) % ${ACCUSED}) % 50 = 0 AND b < 65 THEN 'suspected-brigade' WHEN g % 97 = 0 AND b < 55 THEN 'escalation'
          WHEN (g * 31) % 8 IN (2, 6) AND g % 7 <> 0 THEN 'urgent' WHEN g % 7 = 0 THEN 'low-confidence' ELSE 'general' END,
        CASE WHEN (1 + (g * 104729) % ${ACCUSED}) % 50 = 0 AND b < 65 THEN 5 WHEN g % 97 = 0 AND b < 55 THEN 80
          WHEN (g * 31) % 8 IN (2, 6) AND g % 7 <> 0 THEN 90 WHEN g % 7 = 0 THEN 10 ELSE 50 + (g % 3) * 5 END,
        CASE WHEN b < 65 THEN NULL ELSE (ARRAY['harassment','hate','threat','sexual','spam','scam','self_harm','other'])[1 + (g * 31) % 8] END,
        CASE WHEN b < 65 THEN NULL ELSE (ARRAY['dismiss','warn','suspend','ban'])[1 + g % 4] END,
        CASE WHEN b < 65 THEN NULL ELSE (7200 + (g % 50) * 600)::bigint * 1000 END,
        CASE WHEN b < 55 THEN NULL ELSE t + interval '2 hours' END
      FROM (SELECT g, (g * 2654435761) % 100 AS b, now() - make_interval(secs => (${N} - g) * (5184000.0 / ${N})) AS t FROM generate_series(1::bigint, ${N}) g) s`);
    // One case per accused account: its counters are the projection of the reports in it (as intake and decisions keep them).
    await q('cases', `
      INSERT INTO "ModerationCase" (id, "accusedId", "openFor", status, queue, priority, brigade, "reportCount", "openReports", "createdAt", "updatedAt", "closedAt", "purgeAfter")
      SELECT 'c_acc' || lpad(substr(r."accusedId", 5), 9, '0'), r."accusedId",
        CASE WHEN count(*) FILTER (WHERE r.status <> 'resolved') > 0 THEN r."accusedId" END,
        CASE WHEN count(*) FILTER (WHERE r.status <> 'resolved') > 0 THEN 'open' ELSE 'closed' END,
        CASE WHEN substr(r."accusedId", 5)::int % 50 = 0 THEN 'suspected-brigade' ELSE 'general' END,
        CASE WHEN substr(r."accusedId", 5)::int % 50 = 0 THEN 5 ELSE 50 END,
        substr(r."accusedId", 5)::int % 50 = 0, count(*), count(*) FILTER (WHERE r.status <> 'resolved'), min(r."createdAt"), now(),
        CASE WHEN count(*) FILTER (WHERE r.status <> 'resolved') = 0 THEN max(r."decidedAt") END,
        CASE WHEN count(*) FILTER (WHERE r.status <> 'resolved') = 0 THEN max(r."decidedAt") + interval '180 days' END
      FROM "Report" r GROUP BY r."accusedId"`);
    // Appeals against 2% of the restricting decisions, half decided (a third of those overturned).
    await q('appeals', `
      INSERT INTO "Appeal" (id, "reportId", "appellantId", statement, status, "originalAction", "originalDeciderId", "decidedBy", "decidedAt", "createdAt")
      SELECT 'ap_' || r.id, r.id, r."accusedId", 'bench appeal statement', CASE WHEN n % 2 = 0 THEN 'pending' WHEN n % 3 = 0 THEN 'overturned' ELSE 'upheld' END,
        r."decisionAction", r."decidedBy", CASE WHEN n % 2 = 0 THEN NULL ELSE 'staff:mod' || (1 + (n + 1) % ${MODERATORS}) END,
        CASE WHEN n % 2 = 0 THEN NULL ELSE r."decidedAt" + interval '1 day' END, r."decidedAt" + interval '1 hour'
      FROM (SELECT r.*, row_number() OVER (ORDER BY r.id) AS n FROM "Report" r WHERE r."decisionAction" IN ('warn', 'suspend', 'ban') AND substr(r.id, 2)::int % 53 = 0) r`);
    await q('report items', `
      INSERT INTO "ReportItem" ("reportId", position, "isReported", "messageId", "conversationId", "senderId", "recipientId", "stampRole",
        "serverTime", kid, tag, commitment, fk, header, body, verdict, detail, "headerJson")
      SELECT r.id, k, k = 0, r."messageId" || '-' || k, r."conversationId", r."accusedId", r."reporterId", 'recipient',
        (extract(epoch FROM r."createdAt") * 1000)::bigint - (${ITEMS_PER_REPORT} - k) * 60000, 'k-bench',
        decode(md5(r.id || k) || md5(k || r.id), 'hex'), decode(md5(r.id) || md5(r.id || 'c' || k), 'hex'), decode(md5(r.id || 'fk' || k) || md5('x' || k), 'hex'),
        decode(md5(r.id || 'h' || k), 'hex'), convert_to('message ' || (k + 1) || ' of conversation ' || r."conversationId" || ': some revealed text of typical length for a chat message', 'UTF8'),
        CASE WHEN r.verdict = 'unverified' AND k = 0 THEN 'commitment_mismatch' ELSE 'verified' END,
        CASE WHEN r.verdict = 'unverified' AND k = 0 THEN 'the body does not open the commitment' END,
        CASE WHEN r.verdict = 'unverified' AND k = 0 THEN NULL ELSE
          '{"version":1,"conversationId":"' || r."conversationId" || '","senderId":"' || r."accusedId" || '","clientMessageId":"AAAAAAAAAAAAAAAAAAAAAA","sentAt":' ||
          ((extract(epoch FROM r."createdAt") * 1000)::bigint - (${ITEMS_PER_REPORT} - k) * 60000) || ',"seq":' || (k + 1) ||
          ',"prevCommitment":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA","contentType":"text/plain; charset=utf-8","attachments":[]}' END
      FROM "Report" r CROSS JOIN generate_series(0, ${ITEMS_PER_REPORT - 1}) k`);
    await q('events', `
      INSERT INTO "ModerationEvent" ("subjectType", "subjectId", type, "actorId", payload, "createdAt")
      SELECT 'report', r.id, e.type, CASE WHEN e.type = 'report_filed' THEN r."reporterId" ELSE r."assigneeId" END, e.payload, e.at
      FROM "Report" r CROSS JOIN LATERAL (VALUES
        ('report_filed', '{"category":"' || r.category || '","verdict":"' || r.verdict || '","items":${ITEMS_PER_REPORT},"verifiedItems":${ITEMS_PER_REPORT},"accusedId":"' || r."accusedId" || '"}', r."createdAt", 0),
        ('routed', '{"caseId":"' || r."caseId" || '","queue":"' || r.queue || '","priority":' || r.priority || '}', r."createdAt", 0),
        ('claimed', '{}', r."claimedAt", 1),
        ('decision', '{"action":"' || r."decisionAction" || '","reasonCategory":"' || r.category || '","policyId":"' || r."policyId" || '","automated":false}', r."decidedAt", 2),
        ('outcome_sent', '{"to":"' || r."reporterId" || '","outcome":"' || coalesce(r.outcome, '') || '"}', r."decidedAt", 3)
      ) AS e(type, payload, at, ord)
      WHERE e.ord = 0 OR (e.ord = 1 AND r."claimedAt" IS NOT NULL) OR (e.ord >= 2 AND r."decidedAt" IS NOT NULL)
      ORDER BY r."createdAt", r.id, e.ord`);
    // What autovacuum does soon after a bulk load: statistics, and the visibility map for index-only scans.
    await q('vacuum analyze', 'VACUUM ANALYZE');
  } finally {
    await c.end();
  }
}

class AccessLog extends Writable {
  readonly ms = new Map<string, number[]>();
  override _write(chunk: Buffer, _e: string, cb: () => void) {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (!line.includes('"msg":"request"')) continue;
      const j = JSON.parse(line) as { route?: string; ms?: number };
      if (j.route && typeof j.ms === 'number') this.ms.set(j.route, [...(this.ms.get(j.route) ?? []), j.ms]);
    }
    cb();
  }
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] as number) : NaN;
};
const round = (x: number) => Math.round(x * 100) / 100;

async function main() {
  const t0 = performance.now();
  console.log(`bench:dashboard: ${N} reports → ${REUSE ? 'seeded' : 'scratch'} database ${dbName}`);
  if (!REUSE) await admin(`CREATE DATABASE "${dbName}"`);
  try {
    await deployMigrations(dbUrl, () => {});
    if (REUSE) {
      const c = new pg.Client({ connectionString: dbUrl });
      await c.connect();
      const n = Number((await c.query('SELECT count(*) AS n FROM "Report"')).rows[0].n);
      await c.query('ANALYZE');
      await c.end();
      if (n !== N) throw new Error(`${dbName} holds ${n} reports, not ${N} (set BENCH_REPORTS)`);
    } else await seed();
    const seedSeconds = (performance.now() - t0) / 1000;
    const log = new AccessLog();
    const config = {
      ...loadConfig({}), port: 0, databaseUrl: dbUrl, keyringJson: JSON.stringify(Keyring.create('k-bench', randomBytes(32), Date.now()).toJSON()),
      keyringFile: '/nonexistent', rateLimits: { auth: 0, send: 0, report: 0, windowMs: 60_000 }, logLevel: 'debug',
      registration: { ...loadConfig({}).registration, perAddressLimit: 0 },
      metrics: { port: undefined, host: '127.0.0.1', token: METRICS_TOKEN },
    };
    const server = await startServer(config, createLogger('debug', log), { migrate: false });
    try {
      // A reused database already has the bench login from its first run.
      if (!REUSE || !(await server.services.moderators.list()).some((m) => m.id === 'bench'))
        await server.services.moderators.create({ id: 'bench', displayName: 'Bench', role: 'admin', password: 'bench password 123' }, null);
      const login = await fetch(`${server.url}/v1/mod/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ moderatorId: 'bench', password: 'bench password 123' }) });
      if (login.status !== 201) throw new Error(`login: ${login.status}`);
      const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] as string;
      // A moderator of the seeded data (staff:mod3 holds claims) for the "mine" view.
      if (!REUSE || !(await server.services.moderators.list()).some((m) => m.id === 'mod3'))
        await server.services.moderators.create({ id: 'mod3', displayName: 'Mod 3', role: 'moderator', password: 'bench password 123' }, null);
      const login3 = await fetch(`${server.url}/v1/mod/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ moderatorId: 'mod3', password: 'bench password 123' }) });
      if (login3.status !== 201) throw new Error(`login mod3: ${login3.status}`);
      const cookie3 = (login3.headers.get('set-cookie') ?? '').split(';')[0] as string;
      // Prometheus scrape (docs/METRICS.md): the whole /metrics answer, and within it the backlog gauge's queries
      // (franking_moderation_backlog_scrape_seconds); the rest of the scrape is in-memory counters.
      const scrapeMs: number[] = [];
      const backlogMs: number[] = [];
      let backlogSeries = 0;
      let backlogOpen = 0;
      for (let i = 0; i < 3 + METRICS_SCRAPES; i++) {
        const t = performance.now();
        const res = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
        const text = await res.text();
        const ms = performance.now() - t;
        if (res.status !== 200) throw new Error(`/metrics: ${res.status}`);
        // The gauge holds the previous scrape's computation time; the series are this scrape's.
        const lines = text.split('\n').filter((l) => l.startsWith('franking_moderation_backlog{'));
        backlogSeries = lines.length;
        backlogOpen = lines.reduce((n, l) => n + Number(l.split(' ').pop()), 0);
        if (i >= 3) {
          scrapeMs.push(ms);
          backlogMs.push(1000 * Number(/^franking_moderation_backlog_scrape_seconds (\S+)$/m.exec(text)?.[1] ?? 'NaN'));
        }
      }
      const metricsScrape = {
        scrapes: METRICS_SCRAPES, scrapeP50Ms: round(pct(scrapeMs, 50)), scrapeMaxMs: round(Math.max(...scrapeMs)),
        backlogQueriesP50Ms: round(pct(backlogMs, 50)), backlogQueriesMaxMs: round(Math.max(...backlogMs)), backlogSeries, backlogOpenReports: backlogOpen,
      };
      console.log(`bench:dashboard: /metrics ${JSON.stringify(metricsScrape)}`);
      if (ONLY_METRICS) {
        const only = { reports: N, database: 'postgresql', seedSeconds: round(seedSeconds), metricsScrape, loadAverage: os.loadavg().map(round), node: process.version, date: new Date().toISOString().slice(0, 10) };
        fs.mkdirSync(path.dirname(OUT), { recursive: true });
        fs.writeFileSync(path.join(ROOT, 'bench/results/dashboard-metrics.json'), `${JSON.stringify(only, null, 2)}\n`);
        console.log(JSON.stringify(only, null, 2));
        return;
      }
      const get = async (p: string) => {
        const t = performance.now();
        const res = await fetch(server.url + p, { headers: { cookie: p.includes('view=mine') ? cookie3 : cookie } });
        const body = (await res.json()) as Record<string, unknown>;
        if (res.status !== 200) throw new Error(`${p}: ${res.status} ${JSON.stringify(body)}`);
        return { body, ms: performance.now() - t };
      };
      // Queue request mix (QUEUE_KINDS): the views moderators use, filters, and keyset pages deep into the queue.
      const categories = ['harassment', 'hate', 'threat', 'sexual', 'spam', 'scam', 'self_harm', 'other'];
      const queues = ['urgent', 'general', 'escalation', 'low-confidence', 'suspected-brigade', 'repeat-offenders'];
      const deepCursors = async (view: string) => {
        const out: string[] = [];
        let cur: string | null = null;
        for (let i = 0; i < 40; i++) {
          const r: { body: Record<string, unknown> } = await get(`/v1/mod/queue?view=${view}&limit=50${cur ? `&cursor=${cur}` : ''}`);
          cur = r.body.nextCursor as string | null;
          if (!cur) break;
          out.push(cur);
        }
        return out;
      };
      const openCursors = await deepCursors('open');
      const resolvedCursors = await deepCursors('resolved');
      const queuePaths = (i: number) => {
        const k = i % QUEUE_KINDS.length;
        const n = Math.floor(i / QUEUE_KINDS.length);
        const c = categories[n % 8] as string;
        const qn = queues[n % queues.length] as string;
        // staff:mod1…20 in turn: half of them hold claims in the seeded data, half hold none (an empty page).
        const mod = `staff:mod${1 + (n % MODERATORS)}`;
        const accused = 1 + ((n * 13) % ACCUSED);
        const path: Record<(typeof QUEUE_KINDS)[number], string> = {
          open: 'view=open',
          'open+category': `view=open&category=${c}`,
          'open+unverified': 'view=open&verdict=unverified',
          'open+named queue': `view=open&queue=${qn}`,
          'open+assignee': `view=open&assigneeId=${mod}`,
          'open+category+unverified': `view=open&category=${c}&verdict=unverified`,
          'open+named queue+category': `view=open&queue=${qn}&category=${c}`,
          'open deep page': `view=open&cursor=${openCursors[n % Math.max(1, openCursors.length)] ?? ''}`,
          claimed: 'view=claimed',
          'claimed+assignee': `view=claimed&assigneeId=${mod}`,
          'claimed+category': `view=claimed&category=${c}`,
          mine: 'view=mine',
          resolved: 'view=resolved',
          'resolved+category': `view=resolved&category=${c}`,
          'resolved+named queue': `view=resolved&queue=${qn}`,
          'resolved+named queue+category': `view=resolved&queue=${qn}&category=${c}`,
          'resolved deep page': `view=resolved&cursor=${resolvedCursors[n % Math.max(1, resolvedCursors.length)] ?? ''}`,
          all: 'view=all',
          'all+accusedId': `view=all&accusedId=acc-${accused}`,
          'all+named queue': `view=all&queue=${qn}`,
          'all+assignee': `view=all&assigneeId=${mod}`,
          'all+caseId': `view=all&caseId=c_acc${String(accused).padStart(9, '0')}`,
        };
        return `/v1/mod/queue?limit=50&${path[QUEUE_KINDS[k] as (typeof QUEUE_KINDS)[number]]}`.replace(/&cursor=$/, '');
      };
      const casePath = (i: number) => `/v1/mod/cases/c_acc${String(1 + ((i * 7_919) % ACCUSED)).padStart(9, '0')}`;
      const detailPath = (i: number) => `/v1/mod/reports/r${String(1 + ((i * 48_271) % N)).padStart(8, '0')}`;
      for (let i = 0; i < WARMUP; i++) {
        await get(queuePaths(i));
        await get(detailPath(i + 7));
        await get(casePath(i + 3));
      }
      log.ms.clear();
      const rttQueue: number[] = [];
      const rttDetail: number[] = [];
      const rttCase: number[] = [];
      for (let i = 0; i < SAMPLES; i++) {
        rttQueue.push((await get(queuePaths(i))).ms);
        rttDetail.push((await get(detailPath(i + 1000))).ms);
        rttCase.push((await get(casePath(i + 500))).ms);
      }
      // The transparency report over every report (the whole seeded period and a margin).
      const from = new Date(Date.now() - 70 * 86_400_000).toISOString();
      const to = new Date(Date.now() + 86_400_000).toISOString();
      const transparency: number[] = [];
      let reportTotals: Record<string, unknown> = {};
      for (let i = 0; i < TRANSPARENCY_RUNS; i++) {
        const r = await get(`/v1/mod/transparency?from=${from}&to=${to}`);
        reportTotals = { notices: (r.body.notices as { total: number }).total, decisions: (r.body.decisions as { total: number }).total, appeals: r.body.appeals };
      }
      await new Promise((r) => setTimeout(r, 50));
      transparency.push(...(log.ms.get('/v1/mod/transparency') ?? []));
      if ((reportTotals.notices as number) !== N) throw new Error(`transparency report counted ${String(reportTotals.notices)} of ${N} reports`);
      const serverQueue = log.ms.get('/v1/mod/queue') ?? [];
      const serverDetail = log.ms.get('/v1/mod/reports/{reportId}') ?? [];
      const serverCase = log.ms.get('/v1/mod/cases/{caseId}') ?? [];
      if (serverQueue.length !== SAMPLES || serverDetail.length !== SAMPLES || serverCase.length !== SAMPLES)
        throw new Error(`access log: ${serverQueue.length}/${serverDetail.length}/${serverCase.length} of ${SAMPLES}`);
      const result = {
        reports: N,
        queueP95Ms: round(pct(serverQueue, 95)),
        detailP95Ms: round(pct(serverDetail, 95)),
        queueP50Ms: round(pct(serverQueue, 50)),
        detailP50Ms: round(pct(serverDetail, 50)),
        queueP99Ms: round(pct(serverQueue, 99)),
        detailP99Ms: round(pct(serverDetail, 99)),
        roundTripQueueP95Ms: round(pct(rttQueue, 95)),
        roundTripDetailP95Ms: round(pct(rttDetail, 95)),
        queueP95MsByKind: Object.fromEntries(QUEUE_KINDS.map((k, j) => [k, round(pct(serverQueue.filter((_, i) => i % QUEUE_KINDS.length === j), 95))])),
        casePageP95Ms: round(pct(serverCase, 95)),
        casePageP50Ms: round(pct(serverCase, 50)),
        roundTripCaseP95Ms: round(pct(rttCase, 95)),
        transparencyReportMs: round(pct(transparency, 50)),
        transparencyReportMaxMs: round(Math.max(...transparency)),
        transparencyRuns: transparency.length,
        transparencyTotals: reportTotals,
        metricsScrape,
        cases: ACCUSED,
        samplesEach: SAMPLES,
        reportItems: N * ITEMS_PER_REPORT,
        database: 'postgresql',
        seedSeconds: round(seedSeconds),
        queueMix: `${QUEUE_KINDS.join(', ')} (deep page: keyset pages 2–40; named queues rotate over the routing queues, one of them empty; limit 50)`,
        loadAverage: os.loadavg().map(round),
        node: process.version,
        date: new Date().toISOString().slice(0, 10),
      };
      fs.mkdirSync(path.dirname(OUT), { recursive: true });
      fs.writeFileSync(OUT, `${JSON.stringify(result, null, 2)}\n`);
      console.log(JSON.stringify(result, null, 2));
      const slowKinds = Object.entries(result.queueP95MsByKind).filter(([, ms]) => ms > 50).map(([k]) => k);
      if (result.queueP95Ms > 50 || result.detailP95Ms > 50 || result.casePageP95Ms > 50 || slowKinds.length)
        console.warn(`bench:dashboard: above the 50 ms p95 goal${slowKinds.length ? ` (queue: ${slowKinds.join(', ')})` : ''}`);
      if (result.transparencyReportMs > 5000) console.warn('bench:dashboard: transparency report above the 5 s goal');
    } finally {
      await server.close();
    }
  } finally {
    if (KEEP) console.log(`bench:dashboard: kept database ${dbName}`);
    else await admin(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
  }
}

await main();
