// A route is an operation of the API contract (client/transport/contract/, docs/API.md "Endpoints") with its
// handler: method, path, auth, rate limit and the zod schemas come from the operation, so no route states its path
// itself. server/app.ts mounts them; server/openapi.ts documents them.
import type { Request, Response } from 'express';
import type { z } from 'zod';
import type { Operation } from '../../client/transport/contract/index.ts';
import type { AccountRole } from '../services/accounts/index.ts';

export type { AuthKind as AuthPolicy, RateLimitName } from '../../client/transport/contract/index.ts';

/** How the server runs an operation, beyond what the contract says. */
export interface RouteOptions {
  /**
   * 'deferred': the handler's service checks account standing itself in a query it makes anyway
   * (the relay's batched membership query); only the token is checked at the edge.
   */
  standing?: 'request' | 'deferred';
  /** JSON body limit (default 64 KiB). */
  bodyLimitBytes?: number;
  /**
   * A smaller limit for some shapes of the body, checked on the parsed body before the schema (413 payload_too_large):
   * a route that takes two body shapes keeps each one's own limit (server/routes/messages.ts, docs/PROTOCOL-devices.md D13.2).
   */
  bodyLimitFor?: (body: unknown) => number;
}

/** A mounted operation: the contract's operation plus the server's options. */
export type RouteSpec = Operation & RouteOptions;

export interface Principal {
  /** chat account id, or for dashboard staff "staff:<moderatorId>" (the actor id written to the event log) */
  userId: string;
  /** how the caller authenticated: bearer token of a chat account, or a dashboard (staff) cookie session */
  kind?: 'account' | 'staff';
  /** null when standing is deferred (not read at the edge). */
  role: AccountRole | 'triage' | null;
  /**
   * The chat account's calling device, resolved with the token at the edge (docs/PROTOCOL-devices.md D8.2: the token
   * names it; 1 for an account without a device list). Absent for staff.
   */
  deviceId?: number;
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

export interface HandlerContext<S extends Operation> {
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

/** The route of `operation`: the handler gets the validated params, query and body, typed from its schemas. */
/** The calling device of a chat account's request (set at the edge with the token; never absent on user routes). */
export function callerDevice(p: Principal): number {
  if (p.deviceId === undefined) throw new Error('callerDevice: the principal names no device (a staff session on a user route)');
  return p.deviceId;
}

export function route<const O extends Operation>(operation: O, handle: (ctx: HandlerContext<O>) => Promise<z.input<O['response']>>, options: RouteOptions = {}): Route {
  return { spec: { ...operation, ...options }, handle: handle as unknown as Route['handle'] };
}
