// createApp(services) → Express app (no listen). The HTTP edge: body parsing with limits, helmet,
// authentication and rate limits as declared by each route, zod validation of requests and responses,
// and the single error → problem+json mapping.
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import helmet from 'helmet';
import type { z } from 'zod';
import type { IncomingMessage } from 'node:http';
import { AppError, AuthenticationError, InputError, RateLimitError, type FieldIssue } from './errors.ts';
import { FullDiskLatch, faultError, faultKind } from './faults.ts';
import { buildOpenApi } from './openapi.ts';
import { PROBLEM_CONTENT_TYPE, problemFor, statusOf, toProblem } from './problem.ts';
import { type Prometheus, prismaErrorKind } from './observability/prometheus.ts';
import { checkReadiness } from './shared/readiness.ts';
import { mountWebApps } from './web-static.ts';
import type { Principal, RateLimitName, Route, RouteSpec } from './routes/_route.ts';
import { allRoutes } from './routes/index.ts';
import { MOD_SESSION_COOKIE, parseCookies } from './cookies.ts';
import type { Services } from './services/index.ts';

const DEFAULT_BODY_LIMIT = 64 * 1024;

function issuesOf(e: z.ZodError, where: string): FieldIssue[] {
  return e.issues.slice(0, 20).map((i) => ({ path: [where, ...i.path.map(String)].join('.'), message: i.message }));
}

function parse<T extends z.ZodType>(schema: T, value: unknown, where: string): z.output<T> {
  const r = schema.safeParse(value);
  if (!r.success) throw new InputError('validation_failed', `invalid ${where}`, { issues: issuesOf(r.error, where) });
  return r.data;
}

/** Body-parser / router errors (HttpError with `type`/`status`) → our codes. Their messages may quote input: never used. */
function edgeError(e: unknown): AppError | null {
  if (typeof e !== 'object' || e === null) return null;
  const { type, status } = e as { type?: unknown; status?: unknown };
  if (type === 'entity.too.large') return new InputError('payload_too_large', 'request body exceeds the limit for this endpoint');
  if (type === 'entity.parse.failed') return new InputError('malformed_json', 'request body is not valid JSON');
  if (type === 'charset.unsupported' || type === 'encoding.unsupported') return new InputError('unsupported_media_type', 'unsupported charset or content encoding');
  if (typeof status === 'number' && status >= 400 && status < 500) return new InputError('validation_failed', 'malformed request');
  return null;
}

function sendProblem(res: Response, e: unknown): void {
  const p = toProblem(e);
  res.locals.problemCode = p.code;
  if (p.retryAfterSeconds !== undefined && !res.headersSent) res.setHeader('Retry-After', String(p.retryAfterSeconds));
  res.status(p.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(p));
}

/** Endpoints without a query schema take no query parameters (unknown fields are refused everywhere). */
function noQuery(req: Request): undefined {
  const keys = Object.keys(req.query as object);
  if (keys.length) throw new InputError('validation_failed', 'this endpoint takes no query parameters', { issues: keys.slice(0, 5).map((k) => ({ path: `query.${k}`, message: 'unknown query parameter' })) });
  return undefined;
}

const toExpressPath = (p: string) => p.replace(/\{(\w+)\}/g, ':$1');

export function createApp(s: Services, opts: { metrics?: Prometheus } = {}): express.Express {
  const { config, logger } = s;
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  // Behind a TLS-terminating proxy (TRUST_PROXY) req.secure reflects X-Forwarded-Proto: dashboard cookies get Secure.
  app.set('trust proxy', s.moderators.config.trustProxy);
  app.use(helmet());
  // API answers carry tokens, challenges, CSRF tokens and account state: no browser or proxy may keep them.
  app.use('/v1', (_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    next();
  });

  // Access log: method, route pattern, status, duration, problem code. No bodies, no query strings, no tokens.
  app.use((req, res, next) => {
    const start = process.hrtime.bigint();
    res.on('finish', () => {
      const route = (res.locals.routePath as string | undefined) ?? '(unmatched)';
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      const line = { method: req.method, route, status: res.statusCode, ms: Math.round(ms * 100) / 100, code: res.locals.problemCode as string | undefined };
      // Route templates only, never raw paths (docs/METRICS.md "Label privacy").
      opts.metrics?.observeRequest(req.method, route === '(unmatched)' ? route : toExpressPath(route), res.statusCode, ms / 1000);
      if (res.statusCode >= 500) logger.error(line, 'request');
      else logger.debug(line, 'request');
    });
    next();
  });

  const limiters = new Map<RateLimitName, RequestHandler>();
  const makeLimiter = (name: RateLimitName, limit: number, perUser: boolean) => {
    if (limit <= 0) return;
    const store = s.shared.rateLimitStore(name);
    limiters.set(
      name,
      rateLimit({
        windowMs: config.rateLimits.windowMs,
        limit,
        standardHeaders: 'draft-8',
        legacyHeaders: false,
        ...(perUser ? { keyGenerator: (_req: Request, res: Response) => `u:${(res.locals.principal as Principal).userId}` } : {}),
        handler: (_req, _res, next) => next(new RateLimitError('rate_limited', `too many ${name} requests; retry later`)),
        // Several processes count in Redis (server/shared/index.ts); if Redis is briefly away, requests pass
        // rather than fail (availability over limits for seconds; logged).
        ...(store ? { store, passOnStoreError: true } : {}),
      }),
    );
  };
  makeLimiter('auth', config.rateLimits.auth, false);
  makeLimiter('send', config.rateLimits.send, true);
  makeLimiter('report', config.rateLimits.report, true);

  const authenticate = (spec: RouteSpec): RequestHandler => async (req, res, next) => {
    const header = req.get('authorization');
    const staffCookie = spec.auth === 'triage' || spec.auth === 'moderator' || spec.auth === 'admin' ? parseCookies(req.get('cookie'))[MOD_SESSION_COOKIE] : undefined;
    if (!header && staffCookie) {
      // Dashboard session (docs/MODERATION.md): cookies are ambient, so every state change needs the CSRF token.
      const p = await s.moderators.authenticate(staffCookie, {
        roles: spec.auth === 'admin' ? ['admin'] : spec.auth === 'triage' ? ['triage', 'moderator', 'admin'] : ['moderator', 'admin'],
        csrf: req.get('x-csrf-token'),
        csrfRequired: req.method !== 'GET' && req.method !== 'HEAD',
      });
      res.locals.principal = { userId: p.actorId, role: p.role, token: staffCookie, kind: 'staff' } satisfies Principal;
      return next();
    }
    const m = header ? /^Bearer ([^\s]+)$/i.exec(header) : null;
    if (!m?.[1]) throw new AuthenticationError('unauthorized', 'missing bearer token (Authorization: Bearer <token>)');
    const token = m[1];
    let principal: Principal;
    if (spec.standing === 'deferred') {
      principal = { ...(await s.accounts.resolveSession(token)), role: null, token };
    } else {
      const roles = spec.auth === 'moderator' || spec.auth === 'triage' ? (['moderator', 'admin'] as const) : spec.auth === 'admin' ? (['admin'] as const) : undefined;
      const p = await s.accounts.authenticate(token, roles ? { roles } : {});
      principal = { ...p, token };
    }
    res.locals.principal = principal;
    // docs/PROTOCOL-devices.md D8.3: "last active", at most one write per device per window, never awaited here.
    if (principal.deviceId !== undefined) void s.deviceActivity.seen(principal.userId, principal.deviceId);
    next();
  };

  const mount = (route: Route) => {
    const { spec } = route;
    const chain: RequestHandler[] = [
      (_req, res, next) => {
        res.locals.routePath = spec.path;
        next();
      },
    ];
    if (spec.rateLimit === 'auth' && limiters.has('auth')) chain.push(limiters.get('auth') as RequestHandler);
    if (spec.auth !== 'public') chain.push(authenticate(spec));
    if (spec.rateLimit && spec.rateLimit !== 'auth' && limiters.has(spec.rateLimit)) chain.push(limiters.get(spec.rateLimit) as RequestHandler);
    if (spec.body) {
      chain.push((req, _res, next) => {
        if (!req.is('application/json')) throw new InputError('unsupported_media_type', 'expected Content-Type: application/json');
        next();
      });
      const limitFor = spec.bodyLimitFor;
      chain.push(express.json({
        limit: spec.bodyLimitBytes ?? DEFAULT_BODY_LIMIT, strict: true, type: 'application/json',
        ...(limitFor ? { verify: (req: IncomingMessage, _res: unknown, buf: Buffer) => void ((req as { rawBodyLength?: number }).rawBodyLength = buf.length) } : {}),
      }));
      if (limitFor)
        chain.push((req, _res, next) => {
          const length = (req as { rawBodyLength?: number }).rawBodyLength ?? 0;
          if (length > limitFor(req.body)) throw new InputError('payload_too_large', 'request body too large for this kind of request');
          next();
        });
    }
    chain.push(async (req, res) => {
      const controller = new AbortController();
      // Abort only on a real disconnect: aborting after every finished response built a DOMException per request.
      res.on('close', () => {
        if (!res.writableFinished) controller.abort();
      });
      let status = spec.statuses?.[0] ?? 200;
      const out = await route.handle({
        params: spec.params ? parse(spec.params, { ...req.params }, 'params') : undefined,
        query: spec.query ? parse(spec.query, { ...(req.query as object) }, 'query') : noQuery(req),
        body: spec.body ? parse(spec.body, req.body, 'body') : undefined,
        principal: res.locals.principal as Principal,
        http: {
          cookies: parseCookies(req.get('cookie')),
          secure: req.secure,
          setCookie: (c) => void res.append('Set-Cookie', c),
        },
        raw: { req, res },
        signal: controller.signal,
        setStatus: (st) => void (status = st),
      });
      // Validate what we send too: a response that breaks the contract is a server bug (500), not a leak.
      const body = spec.response.parse(out);
      if (!res.headersSent && !controller.signal.aborted) res.status(status).json(body);
    });
    app[spec.method](toExpressPath(spec.path), ...chain);
  };

  // Prometheus on the main port only behind METRICS_TOKEN (docs/METRICS.md "Exposure").
  const metrics = opts.metrics;
  if (metrics && config.metrics.token) {
    app.get('/metrics', (req, res) => {
      res.locals.routePath = '/metrics';
      metrics.handle(req, res);
    });
  }

  // Liveness and readiness (server/shared/readiness.ts, docs/SCALING.md).
  app.get('/healthz', (_req, res) => void res.json({ status: 'ok' }));
  const fullDisk = new FullDiskLatch();
  app.get('/readyz', async (_req, res) => {
    const r = await checkReadiness(s.db, s.shared.bus, 2000, { dirs: [s.config.blobs.dir], recentlyFull: () => fullDisk.recent() });
    if (r.ready) return void res.json({ status: 'ready', checks: r.checks });
    res.locals.problemCode = 'not_ready';
    res.status(503).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify({ ...problemFor('not_ready', `not ready: ${JSON.stringify(r.checks)}`), checks: r.checks }));
  });
  const routes = allRoutes(s);
  for (const r of routes) mount(r);
  const openapi = buildOpenApi(routes.map((r) => r.spec));
  app.get('/openapi.json', (_req, res) => void res.json(openapi));
  app.get('/docs', (_req, res) => void res.type('html').send(renderDocs(routes.map((r) => r.spec))));

  mountWebApps(app);

  app.use((_req, _res, next) => next(new AppError('not_found', 'no such endpoint')));
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    // Database and disk faults are 503/507 with Retry-After, never 500 (server/faults.ts).
    const mapped = AppError.is(err) ? err : (edgeError(err) ?? faultError(err));
    if (mapped?.code === 'insufficient_storage') fullDisk.record();
    // Counted by Prisma's error class, or by the fault for a driver error Prisma did not wrap (docs/METRICS.md).
    const dbKind = AppError.is(err) ? null : (prismaErrorKind(err) ?? faultKind(err));
    if (dbKind) opts.metrics?.dbError(dbKind);
    // The raw error: pino's `err` serializer (server/logger.ts) reduces it to type, code and stack exactly once.
    if (!mapped) logger.error({ err, route: res.locals.routePath as string | undefined }, 'unhandled error');
    else if (statusOf(mapped.code) >= 500) logger.error({ err: mapped, route: res.locals.routePath as string | undefined }, 'server error');
    if (res.headersSent) return void res.end();
    sendProblem(res, mapped ?? err);
  });
  return app;
}

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

/** Minimal readable API index; the full contract is /openapi.json and docs/API.md. */
function renderDocs(specs: readonly RouteSpec[]): string {
  const rows = specs
    .map((s) => `<tr><td>${s.method.toUpperCase()}</td><td><code>${esc(s.path)}</code></td><td>${s.auth}</td><td>${esc(s.summary)}</td><td>${s.errors.map(esc).join(', ')}</td></tr>`)
    .join('\n');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>franking-chat API</title></head><body>
<h1>franking-chat HTTP API</h1><p>Machine-readable contract: <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1). Errors are RFC 9457 <code>application/problem+json</code> with a stable <code>code</code>.</p>
<table border="1" cellpadding="4"><thead><tr><th>Method</th><th>Path</th><th>Auth</th><th>Summary</th><th>Error codes</th></tr></thead><tbody>
${rows}
</tbody></table><p>Push channel: WebSocket <code>/v1/stream</code> (see docs/API.md).</p></body></html>`;
}

