// Prometheus metrics of one server process (docs/METRICS.md). Every label value comes from a closed set the
// server defines — route templates, HTTP methods and status codes, verdict reason codes, queue names the admins
// configure, fixed age buckets — never an account id, handle, message id, conversation id or content
// (docs/METRICS.md "Label privacy"; test/server/metrics.test.ts scrapes a busy server and checks).
// Each process has its own registry and exposes its own numbers; Prometheus scrapes every process.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { timingSafeEqual } from 'node:crypto';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { moderationMetricsRepo } from '../data/moderation-metrics.ts';
import type { Services } from '../services/index.ts';
import type { MetricsConfig } from '../config.ts';

/** Verdict reason codes of report items (docs/PROTOCOL.md §10; prisma ReportItem.verdict). Anything else is "other". */
export const VERDICT_REASONS = [
  'verified', 'malformed', 'not_a_party', 'unknown_key', 'retired_key', 'stamp_invalid', 'outside_window', 'commitment_mismatch', 'header_mismatch',
] as const;
/** Backlog age buckets (upper edges in seconds; the last bucket is open-ended) — the dashboard's buckets (server/services/moderation/metrics.ts). */
export const BACKLOG_AGE_BUCKETS: ReadonlyArray<{ label: string; fromMs: number; toMs: number | null }> = [
  { label: 'lt_1h', fromMs: 0, toMs: 3_600_000 },
  { label: '1h_24h', fromMs: 3_600_000, toMs: 86_400_000 },
  { label: '1d_7d', fromMs: 86_400_000, toMs: 7 * 86_400_000 },
  { label: 'gt_7d', fromMs: 7 * 86_400_000, toMs: null },
];
/** At most this many distinct queue label values per scrape; the rest are summed into queue="other". */
export const MAX_QUEUE_LABELS = 50;
const QUEUE_NAME = /^[a-z0-9][a-z0-9_-]{0,47}$/;

export const METRIC_NAMES = {
  httpDuration: 'franking_http_request_duration_seconds',
  sends: 'franking_sends_total',
  sendEnvelopes: 'franking_send_envelopes_total',
  deliveries: 'franking_deliveries_total',
  acks: 'franking_acks_total',
  pushSockets: 'franking_push_sockets_open',
  reportItems: 'franking_report_items_total',
  backlog: 'franking_moderation_backlog',
  backlogScrape: 'franking_moderation_backlog_scrape_seconds',
  redisErrors: 'franking_redis_errors_total',
  dbErrors: 'franking_db_errors_total',
} as const;

export interface Prometheus {
  readonly registry: Registry;
  /** Called by the access-log middleware (server/app.ts) once per finished request. */
  observeRequest(method: string, route: string, status: number, seconds: number): void;
  /** A database error reached the HTTP edge (server/app.ts). */
  dbError(kind: string): void;
  /** GET /metrics handler: `text/plain; version=0.0.4`. Token check (when configured) included. */
  handle(req: http.IncomingMessage, res: http.ServerResponse): void;
  /** Binds the separate metrics listener when METRICS_PORT is set; resolves to its port (null when not set). */
  listen(): Promise<number | null>;
  close(): Promise<void>;
}

const METHODS = new Set(['get', 'post', 'put', 'patch', 'delete', 'head', 'options']);

/** `Bearer <token>` compared in constant time (docs/METRICS.md "Exposure"). */
export function tokenMatches(header: string | undefined, token: string): boolean {
  const m = header ? /^Bearer ([^\s]+)$/i.exec(header) : null;
  if (!m?.[1]) return false;
  const a = Buffer.from(m[1]);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Prisma's known error classes, by name: the kind label ("known_request", "initialization", ...), else null. */
export function prismaErrorKind(e: unknown): string | null {
  const name = typeof e === 'object' && e !== null ? (e as { name?: unknown }).name : undefined;
  if (typeof name !== 'string') return null;
  const m = /^PrismaClient(KnownRequest|UnknownRequest|Initialization|RustPanic|Validation)Error$/.exec(name);
  if (m?.[1]) return m[1].replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
  // Driver adapters surface database errors as DriverAdapterError.
  return name === 'DriverAdapterError' ? 'driver_adapter' : null;
}

export function createPrometheus(s: Services, cfg: MetricsConfig, push?: { open(): number }): Prometheus {
  const registry = new Registry();
  const backlogRepo = moderationMetricsRepo(s.db);
  // Event-loop lag (nodejs_eventloop_lag_seconds and its percentiles), heap, GC, handles, CPU: prom-client's defaults.
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 20 });

  const httpDuration = new Histogram({
    name: METRIC_NAMES.httpDuration, help: 'HTTP request latency by route template, method and status class',
    labelNames: ['route', 'method', 'status'] as const, buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const sends = new Counter({ name: METRIC_NAMES.sends, help: 'Messages accepted by the relay', labelNames: ['kind'] as const, registers: [registry] });
  const sendEnvelopes = new Counter({ name: METRIC_NAMES.sendEnvelopes, help: 'Per-recipient envelopes accepted (1:1 relay)', registers: [registry] });
  const deliveries = new Counter({ name: METRIC_NAMES.deliveries, help: 'Envelopes / group messages handed to a recipient', labelNames: ['kind', 'transport'] as const, registers: [registry] });
  const acks = new Counter({ name: METRIC_NAMES.acks, help: 'Deliveries acknowledged (deleted) by their recipient', labelNames: ['kind'] as const, registers: [registry] });
  new Gauge({
    name: METRIC_NAMES.pushSockets, help: 'Open push (WebSocket) connections on this process', registers: [registry],
    collect() {
      this.set(push ? push.open() : 0);
    },
  });
  const reportItems = new Counter({ name: METRIC_NAMES.reportItems, help: 'Report items by verification verdict (reason code)', labelNames: ['verdict', 'reported'] as const, registers: [registry] });
  const redisErrors = new Counter({ name: METRIC_NAMES.redisErrors, help: 'Redis connection/command errors', labelNames: ['connection'] as const, registers: [registry] });
  const dbErrors = new Counter({ name: METRIC_NAMES.dbErrors, help: 'Database errors seen at the HTTP edge (500, or a 503/507 fault) or by the backlog query', labelNames: ['kind'] as const, registers: [registry] });
  const backlogScrape = new Gauge({ name: METRIC_NAMES.backlogScrape, help: 'Time the last backlog computation took (bounded: one grouped count per age bucket)', registers: [registry] });
  new Gauge({
    name: METRIC_NAMES.backlog, help: 'Open reports (received or in review) by queue and age bucket, computed on scrape',
    labelNames: ['queue', 'age'] as const, registers: [registry],
    async collect() {
      const start = process.hrtime.bigint();
      this.reset();
      try {
        // Open reports grouped by queue and age bucket: the cost grows with the open backlog, not with all reports
        // ever filed (docs/METRICS.md "Cost of a scrape").
        const rows = await backlogRepo.backlogByQueueAndAge(new Date(), BACKLOG_AGE_BUCKETS.slice(1).map((b) => b.fromMs));
        const totals = new Map<string, number>();
        for (const r of rows) totals.set(r.queue, (totals.get(r.queue) ?? 0) + r.count);
        const kept = new Set([...totals.entries()].filter(([q]) => QUEUE_NAME.test(q)).sort((a, b) => b[1] - a[1]).slice(0, MAX_QUEUE_LABELS).map(([q]) => q));
        const series = new Map<string, { queue: string; age: string; n: number }>();
        for (const r of rows) {
          const queue = kept.has(r.queue) ? r.queue : 'other';
          const age = BACKLOG_AGE_BUCKETS[r.bucket]?.label ?? 'unknown';
          const key = `${queue}\0${age}`;
          const cur = series.get(key) ?? { queue, age, n: 0 };
          cur.n += r.count;
          series.set(key, cur);
        }
        for (const { queue, age, n } of series.values()) this.set({ queue, age }, n);
      } catch (e) {
        dbErrors.inc({ kind: prismaErrorKind(e) ?? 'backlog_query' });
      }
      backlogScrape.set(Number(process.hrtime.bigint() - start) / 1e9);
    },
  });

  instrumentServices(s, { sends, sendEnvelopes, deliveries, acks, reportItems });
  // The command connection (server/shared/bus.ts): its errors are also logged there; here they are counted.
  s.shared.redis?.on('error', () => redisErrors.inc({ connection: 'command' }));
  redisErrors.inc({ connection: 'command' }, 0);

  const handle = (req: http.IncomingMessage, res: http.ServerResponse) => {
    if (cfg.token && !tokenMatches(req.headers.authorization, cfg.token)) {
      res.writeHead(401, { 'content-type': 'application/problem+json', 'www-authenticate': 'Bearer' });
      return void res.end(JSON.stringify({ type: 'about:blank', title: 'Unauthorized', status: 401, code: 'unauthorized', detail: 'metrics need Authorization: Bearer <METRICS_TOKEN>' }));
    }
    registry.metrics().then((text) => {
      res.writeHead(200, { 'content-type': registry.contentType, 'cache-control': 'no-store' });
      res.end(text);
    }, (e: unknown) => {
      s.logger.warn({ err: e }, 'metrics scrape failed');
      res.writeHead(500, { 'content-type': 'application/problem+json' });
      res.end(JSON.stringify({ type: 'about:blank', title: 'Internal Server Error', status: 500, code: 'internal' }));
    });
  };

  let server: http.Server | null = null;
  return {
    registry,
    observeRequest(method, route, status, seconds) {
      const m = method.toLowerCase();
      httpDuration.observe({ route, method: METHODS.has(m) ? m : 'other', status: `${Math.floor(status / 100)}xx` }, seconds);
    },
    dbError(kind) {
      dbErrors.inc({ kind });
    },
    handle,
    async listen() {
      if (cfg.port === undefined) return null;
      server = http.createServer((req, res) => {
        if (req.method === 'GET' && (req.url === '/metrics' || req.url?.startsWith('/metrics?'))) return handle(req, res);
        res.writeHead(404, { 'content-type': 'application/problem+json' });
        res.end(JSON.stringify({ type: 'about:blank', title: 'Not Found', status: 404, code: 'not_found' }));
      });
      const srv = server;
      await new Promise<void>((resolve, reject) => {
        srv.once('error', reject);
        // exclusive: in a node:cluster worker the port is this worker's own, not shared round-robin (docs/METRICS.md).
        srv.listen({ port: cfg.port, host: cfg.host, exclusive: true }, () => resolve());
      });
      return (srv.address() as AddressInfo).port;
    },
    async close() {
      const srv = server;
      if (srv) {
        srv.closeAllConnections();
        await new Promise<void>((resolve) => srv.close(() => resolve()));
      }
      registry.clear();
    },
  };
}

/**
 * Counts at the service seams without changing the services: each instrumented method is wrapped on this
 * process's instance (the relay, groups and reports services), counting only what it returns.
 */
function instrumentServices(
  s: Services,
  m: { sends: Counter<'kind'>; sendEnvelopes: Counter; deliveries: Counter<'kind' | 'transport'>; acks: Counter<'kind'>; reportItems: Counter<'verdict' | 'reported'> },
): void {
  observeResult(s.relay, 'send', (r) => {
    m.sends.inc({ kind: 'direct' });
    m.sendEnvelopes.inc(r.recipients.length);
  });
  observeResult(s.relay, 'fetch', (rows) => m.deliveries.inc({ kind: 'direct', transport: 'poll' }, rows.length));
  observeResult(s.relay, 'pending', (rows) => m.deliveries.inc({ kind: 'direct', transport: 'push' }, rows.length));
  observeResult(s.relay, 'ack', (n) => m.acks.inc({ kind: 'direct' }, n));
  observeResult(s.groups, 'send', (r) => m.sends.inc({ kind: `group_${r.kind}` }));
  // groups.fetch reads through groups.pending (once, or again after the wait): counting there counts each
  // handed-out message once. Group messages reach members by polling only (push wakes them: server/push.ts).
  observeResult(s.groups, 'pending', (rows) => m.deliveries.inc({ kind: 'group', transport: 'poll' }, rows.length));
  observeResult(s.groups, 'ack', (n) => m.acks.inc({ kind: 'group' }, n));
  observeResult(s.reports, 'submit', (r) => {
    if (r.duplicate) return;
    for (const item of r.report.items) {
      const v = (VERDICT_REASONS as readonly string[]).includes(item.verdict) ? item.verdict : 'other';
      m.reportItems.inc({ verdict: v, reported: item.isReported ? 'true' : 'false' });
    }
  });
}

type Resolved<F> = F extends (...args: never[]) => Promise<infer R> ? R : never;

/** Replaces the async method `obj[key]` on this instance by one that hands each result to `seen`, then returns it. */
function observeResult<T extends object, K extends keyof T>(obj: T, key: K, seen: (result: Resolved<T[K]>) => void): void {
  const original = (obj[key] as (...args: unknown[]) => Promise<Resolved<T[K]>>).bind(obj);
  (obj as Record<K, unknown>)[key] = async (...args: unknown[]) => {
    const result = await original(...args);
    seen(result);
    return result;
  };
}
