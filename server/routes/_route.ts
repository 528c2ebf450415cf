// Route contract: method, path, auth policy, rate limit and zod schemas for params/query/body/response,
// declared beside the handler. server/app.ts mounts them; server/openapi.ts documents them.
import type { Request, Response } from 'express';
import type { z } from 'zod';
import type { ErrorCode } from '../errors.ts';
import type { AccountRole } from '../data/accounts.ts';

/** public: no token. user: valid token + active account. moderator: plus role moderator|admin. admin: role admin. */
/** triage: dashboard staff with role triage, moderator or admin (chat accounts: moderator or admin). */
export type AuthPolicy = 'public' | 'user' | 'triage' | 'moderator' | 'admin';
export type RateLimitName = 'auth' | 'send' | 'report';

export interface RouteSpec {
  operationId: string;
  method: 'get' | 'post' | 'put' | 'delete';
  /** OpenAPI style: /v1/keys/{userId} */
  path: string;
  summary: string;
  tag: string;
  auth: AuthPolicy;
  /**
   * 'deferred': the handler's service checks account standing itself in a query it makes anyway
   * (the relay's batched membership query); only the token is checked at the edge.
   */
  standing?: 'request' | 'deferred';
  rateLimit?: RateLimitName;
  /** JSON body limit (default 64 KiB). */
  bodyLimitBytes?: number;
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
  /** A raw (non-JSON) request body the handler streams itself, documented as the OpenAPI requestBody. */
  rawBody?: { contentType: string; description: string };
  response: z.ZodType;
  /** Success status codes; the first is the default. */
  statuses?: readonly number[];
  errors: readonly ErrorCode[];
}

export interface Principal {
  /** chat account id, or for dashboard staff "staff:<moderatorId>" (the actor id written to the event log) */
  userId: string;
  /** how the caller authenticated: bearer token of a chat account, or a dashboard (staff) cookie session */
  kind?: 'account' | 'staff';
  /** null when standing is deferred (not read at the edge). */
  role: AccountRole | 'triage' | null;
  /** The bearer token, for logout only. Never log it. */
  token: string;
}

export interface HttpContext {
  cookies: Readonly<Record<string, string>>;
  /** true when the request arrived over HTTPS (directly, or via a trusted proxy: TRUST_PROXY) */
  secure: boolean;
  setCookie(serialized: string): void;
}

type Infer<T> = T extends z.ZodType ? z.output<T> : undefined;

export interface HandlerContext<S extends RouteSpec> {
  params: Infer<S['params']>;
  query: Infer<S['query']>;
  body: Infer<S['body']>;
  principal: S['auth'] extends 'public' ? undefined : Principal;
  /** Cookies, transport security and Set-Cookie (dashboard sessions, server/routes/mod-session.ts). */
  http: HttpContext;
  /**
   * The underlying request and response, for the few routes that stream raw bytes instead of JSON (blob
   * upload and download, server/routes/blobs.ts). A handler that sends the response itself returns null.
   */
  raw: { req: Request; res: Response };
  /** Aborted when the client disconnects (long-poll). */
  signal: AbortSignal;
  setStatus(status: number): void;
}

export interface Route {
  spec: RouteSpec;
  handle(ctx: HandlerContext<RouteSpec>): Promise<unknown>;
}

export function defineRoute<const S extends RouteSpec>(spec: S, handle: (ctx: HandlerContext<S>) => Promise<z.input<S['response']>>): Route {
  return { spec, handle: handle as unknown as Route['handle'] };
}
