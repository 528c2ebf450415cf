// Prometheus metrics (docs/METRICS.md): exposure (separate port, bearer token), what is counted, that no label
// carries an account id, handle, message id, conversation id or content, and that every PromQL query of the
// Grafana dashboard (docs/grafana/franking-dashboard.json) names a metric this server really exposes.
import fs from 'node:fs';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type EnvelopeJson, type TestServer, type TestUser, api, createUser, directConversation, sendText, startTestServer, usePostgres } from './_harness.ts';
import { cheapPasswordHashing, createStaff, modApi, seedReport } from '../moderation/_mod.ts';
import { METRIC_NAMES } from '../../server/observability/prometheus.ts';

const TOKEN = `mt-${randomBytes(16).toString('hex')}`;

/** Minimal parser of the Prometheus text format: one sample per line, name, labels and value. */
function parseSamples(text: string): Array<{ name: string; labels: Record<string, string>; value: number }> {
  const out: Array<{ name: string; labels: Record<string, string>; value: number }> = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`unparsable metrics line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[3] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1] as string] = (l[2] as string).replace(/\\(.)/g, '$1');
    out.push({ name: m[1] as string, labels, value: Number(m[4]) });
  }
  return out;
}

const sum = (samples: ReturnType<typeof parseSamples>, name: string, where: Record<string, string> = {}) =>
  samples.filter((s) => s.name === name && Object.entries(where).every(([k, v]) => s.labels[k] === v)).reduce((n, s) => n + s.value, 0);

describe('Prometheus metrics', () => {
  let srv: TestServer;
  let metricsUrl: string;
  const scrape = async (url = metricsUrl, token: string | null = TOKEN) => {
    const res = await fetch(url, token ? { headers: { authorization: `Bearer ${token}` } } : {});
    return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() };
  };

  beforeAll(async () => {
    cheapPasswordHashing();
    srv = await startTestServer({ metrics: { port: 0, host: '127.0.0.1', token: TOKEN } });
    metricsUrl = `http://127.0.0.1:${srv.metricsPort}/metrics`;
  });
  afterAll(async () => {
    await srv?.stop();
  });

  it('is served on the separate port and on the main port, only with the bearer token', async () => {
    expect(srv.metricsPort).toBeGreaterThan(0);
    expect(srv.metricsPort).not.toBe(srv.port);
    for (const url of [metricsUrl, `${srv.url}/metrics`]) {
      const ok = await scrape(url);
      expect(ok.status).toBe(200);
      expect(ok.type).toContain('text/plain');
      expect(ok.text).toContain('nodejs_eventloop_lag_seconds');
      for (const bad of [null, 'wrong', `${TOKEN}x`]) {
        const r = await scrape(url, bad);
        expect(r.status).toBe(401);
        expect(r.type).toContain('application/problem+json');
        expect(JSON.parse(r.text)).toMatchObject({ status: 401, code: 'unauthorized' });
        expect(r.text).not.toContain('franking_');
      }
    }
    expect((await fetch(`http://127.0.0.1:${srv.metricsPort}/other`)).status).toBe(404);
  });

  it('counts sends, deliveries, acks, push sockets, verdicts, backlog; no label holds an id, handle, message id or content', async () => {
    const before = parseSamples((await scrape()).text);
    // Real traffic: accounts, a conversation, franked messages, poll and push delivery, acks, a report, a decision.
    const secret = `secret-content-${randomBytes(6).toString('hex')}`;
    const alice: TestUser = await createUser(srv.url);
    const bob: TestUser = await createUser(srv.url);
    const conv = await directConversation(srv.url, alice, bob);
    const sentIds: string[] = [];
    for (let i = 1; i <= 3; i++) {
      const { res } = await sendText(srv.url, alice, conv, [bob], i, `${secret} ${i}`);
      expect(res.status).toBe(201);
      sentIds.push(res.json.messageId);
    }
    const mail = await api<{ envelopes: EnvelopeJson[] }>(srv.url, 'GET', '/v1/messages?limit=50', undefined, bob.token);
    expect(mail.json.envelopes).toHaveLength(3);
    const acked = await api<{ deleted: number }>(srv.url, 'POST', '/v1/messages/ack', { ids: mail.json.envelopes.map((e) => e.id) }, bob.token);
    expect(acked.json.deleted).toBe(3);
    await api(srv.url, 'GET', `/v1/accounts/lookup/${alice.id.toUpperCase()}`, undefined, bob.token);
    await api(srv.url, 'GET', `/v1/messages/not-a-route-${sentIds[0]}`, undefined, bob.token);

    const ws = new WebSocket(`${srv.url.replace('http', 'ws')}/v1/stream`);
    const frames: Array<{ type: string; envelopes?: EnvelopeJson[] }> = [];
    ws.on('message', (d) => frames.push(JSON.parse(d.toString()) as (typeof frames)[number]));
    await new Promise((r) => ws.once('open', r));
    ws.send(JSON.stringify({ type: 'auth', token: bob.token }));
    await expect.poll(() => frames.some((f) => f.type === 'ready')).toBe(true);
    const pushedText = `${secret} pushed`;
    const pushed = await sendText(srv.url, alice, conv, [bob], 4, pushedText);
    sentIds.push(pushed.res.json.messageId);
    await expect.poll(() => frames.some((f) => f.type === 'envelopes')).toBe(true);

    const seeded = await seedReport(srv.url, { count: 3, reported: 2, text: (i) => `${secret} reported ${i}` });
    const admin = await createStaff(srv, `adm${randomBytes(3).toString('hex')}`, 'admin');
    const decided = await modApi(srv.url, admin, 'POST', `/v1/mod/reports/${seeded.reportId}/decision`, { policyId: 'harassment', action: 'warn' });
    expect(decided.status).toBe(200);
    const open = await seedReport(srv.url, { count: 2, reported: 1, category: 'spam', text: (i) => `${secret} open ${i}` });

    const page = await scrape();
    const after = parseSamples(page.text);
    ws.close();

    // What was counted.
    expect(sum(after, METRIC_NAMES.sends, { kind: 'direct' }) - sum(before, METRIC_NAMES.sends, { kind: 'direct' })).toBe(4 + 3 + 2);
    expect(sum(after, METRIC_NAMES.deliveries, { kind: 'direct', transport: 'poll' }) - sum(before, METRIC_NAMES.deliveries, { kind: 'direct', transport: 'poll' })).toBeGreaterThanOrEqual(3 + 3 + 2);
    expect(sum(after, METRIC_NAMES.deliveries, { kind: 'direct', transport: 'push' })).toBeGreaterThanOrEqual(1);
    expect(sum(after, METRIC_NAMES.acks, { kind: 'direct' }) - sum(before, METRIC_NAMES.acks, { kind: 'direct' })).toBe(3);
    expect(sum(after, METRIC_NAMES.pushSockets)).toBe(1);
    expect(sum(after, METRIC_NAMES.reportItems, { verdict: 'verified', reported: 'true' })).toBe(2);
    expect(sum(after, METRIC_NAMES.reportItems, { verdict: 'verified' })).toBe(5);
    expect(sum(after, METRIC_NAMES.backlog, { queue: 'general', age: 'lt_1h' })).toBe(1);
    expect(after.some((s) => s.name === `${METRIC_NAMES.httpDuration}_count` && s.labels.route === '/v1/accounts/lookup/:handle' && s.labels.method === 'get')).toBe(true);
    expect(after.some((s) => s.name === `${METRIC_NAMES.httpDuration}_count` && s.labels.route === '/v1/mod/reports/:reportId/decision')).toBe(true);

    // Label privacy (docs/METRICS.md "Label privacy").
    const forbidden = [
      alice.id, bob.id, alice.id.toUpperCase(), seeded.reporter.id, seeded.accused.id, open.reporter.id, open.accused.id, conv, seeded.conversationId, open.conversationId,
      seeded.reportId, open.reportId, ...sentIds, ...mail.json.envelopes.map((e) => e.id), secret, admin.id, alice.token, bob.token,
    ];
    const values = after.flatMap((s) => Object.values(s.labels));
    expect(values.length).toBeGreaterThan(50);
    for (const v of values) {
      for (const f of forbidden) {
        expect(v, `label value ${JSON.stringify(v)}`).not.toBe(f);
        expect(v.includes(f), `label value ${JSON.stringify(v)} contains ${JSON.stringify(f)}`).toBe(false);
      }
      expect(v).not.toMatch(/secret-content/);
    }
    // Route labels are templates or "(unmatched)", never a raw path.
    const routes = new Set(after.filter((s) => s.labels.route !== undefined).map((s) => s.labels.route as string));
    for (const r of routes) expect(r === '(unmatched)' || r === '/metrics' || /^\/v1\/[a-z0-9/:_-]*$/i.test(r)).toBe(true);
    expect(page.text).not.toContain(secret);
  });

  it('the backlog gauge puts open reports in their queue and age bucket; decided ones leave it', async () => {
    const ages = [2 * 3_600_000, 3 * 86_400_000, 10 * 86_400_000, 11 * 86_400_000];
    const made: string[] = [];
    for (const _ of ages) made.push((await seedReport(srv.url, { count: 1, reported: 1 })).reportId);
    for (const [i, ms] of ages.entries()) await srv.services.db.report.update({ where: { id: made[i] as string }, data: { createdAt: new Date(Date.now() - ms) } });
    await srv.services.db.report.update({ where: { id: made[3] as string }, data: { queue: 'urgent' } });
    const open = await srv.services.db.report.count({ where: { status: { in: ['received', 'in_review'] } } });
    const samples = parseSamples((await scrape()).text);
    const backlog = (queue: string, age: string) => sum(samples, METRIC_NAMES.backlog, { queue, age });
    expect(backlog('general', '1h_24h')).toBe(1);
    expect(backlog('general', '1d_7d')).toBe(1);
    expect(backlog('general', 'gt_7d')).toBe(1);
    expect(backlog('urgent', 'gt_7d')).toBe(1);
    expect(sum(samples, METRIC_NAMES.backlog)).toBe(open);
  });

  it('every PromQL query of the Grafana dashboard references metrics the server exposes', async () => {
    const dash = JSON.parse(fs.readFileSync(new URL('../../docs/grafana/franking-dashboard.json', import.meta.url), 'utf8')) as {
      uid: string; panels: Array<{ title: string; type: string; targets: Array<{ expr: string }> }>; templating: { list: Array<{ query?: unknown }> };
    };
    expect(dash.uid).toBeTruthy();
    expect(dash.panels.length).toBeGreaterThanOrEqual(8);
    // Every family the server declares (# TYPE), with the series names a histogram or summary expands to.
    const exposedSet = new Set<string>();
    for (const m of (await scrape()).text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
      const [name, type] = [m[1] as string, m[2] as string];
      exposedSet.add(name);
      if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) exposedSet.add(name + suffix);
      if (type === 'summary') for (const suffix of ['_sum', '_count']) exposedSet.add(name + suffix);
    }
    const queries = [...dash.panels.flatMap((p) => p.targets.map((t) => t.expr)), ...dash.templating.list.map((t) => t.query).filter((q): q is string => typeof q === 'string' && q.includes('('))];
    const referenced = new Set<string>();
    for (const q of queries) {
      // Metric selectors: identifiers followed by `{` or `[` or used bare, minus PromQL functions/keywords and label names.
      const names = [...q.replace(/"[^"]*"/g, '""').matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(?=\{|\[|\)|,)/g)].map((m) => m[1] as string)
        .filter((n) => /^(franking|nodejs|process)_/.test(n));
      expect(names.length, `query without a metric: ${q}`).toBeGreaterThan(0);
      for (const n of names) referenced.add(n);
    }
    for (const n of referenced) expect(exposedSet.has(n), `dashboard references ${n}, which the server does not expose`).toBe(true);
    // Every metric family of ours is on the dashboard.
    for (const family of Object.values(METRIC_NAMES)) expect([...referenced].some((n) => n.startsWith(family)), `${family} not on the dashboard`).toBe(true);
  });
});

describe('Prometheus metrics: database errors', () => {
  it('a database error at the HTTP edge and in the backlog query is counted by kind (never by query text)', async () => {
    const srv = await startTestServer({ metrics: { port: 0, host: '127.0.0.1', token: TOKEN } });
    try {
      const url = `http://127.0.0.1:${srv.metricsPort}/metrics`;
      const read = async () => parseSamples(await (await fetch(url, { headers: { authorization: `Bearer ${TOKEN}` } })).text());
      expect(sum(await read(), METRIC_NAMES.dbErrors)).toBe(0);
      const user = await createUser(srv.url);
      // The database loses the tables these paths read (a broken migration, a restore gone wrong).
      const cascade = usePostgres ? ' CASCADE' : '';
      for (const t of ['Notice', 'ReportItem', 'Report']) await srv.services.db.$executeRawUnsafe(`DROP TABLE "${t}"${cascade}`);
      const r = await api(srv.url, 'GET', '/v1/me/notices', undefined, user.token);
      expect(r.status).toBe(500);
      expect(sum(await read(), METRIC_NAMES.dbErrors, { kind: 'known_request' })).toBeGreaterThanOrEqual(1);
      // The backlog gauge is computed during a scrape; its failure shows from the next scrape on.
      const after = await read();
      expect(sum(after, METRIC_NAMES.dbErrors, { kind: 'known_request' })).toBeGreaterThanOrEqual(2);
      for (const s of after.filter((x) => x.name === METRIC_NAMES.dbErrors)) expect(s.labels.kind).toMatch(/^[a-z_]+$/);
    } finally {
      await srv.stop();
    }
  });
});

describe('Prometheus metrics: off by default', () => {
  it('no /metrics on the main port without METRICS_TOKEN, no listener without METRICS_PORT', async () => {
    const srv = await startTestServer();
    try {
      expect(srv.metricsPort).toBeNull();
      const r = await fetch(`${srv.url}/metrics`);
      expect(r.status).toBe(404);
    } finally {
      await srv.stop();
    }
  });
});
