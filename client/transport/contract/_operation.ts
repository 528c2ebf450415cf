// What an operation of the HTTP API is (docs/API.md "Endpoints"): its id, method, path template, who may call it,
// its success statuses and the named errors it may answer (the head: plain data, no zod), plus the zod schemas of
// its request and response and its documentation. The server mounts a route per operation (server/routes/_route.ts),
// /openapi.json is generated from them (server/openapi.ts), and the SDK's `invoke` sends them
// (client/transport/invoke.ts). Like an atproto lexicon, each operation is written down once.
import type { z } from 'zod';
import type { ErrorCode } from './errors.ts';

export type HttpMethod = 'get' | 'post' | 'put' | 'delete';
/**
 * public: no credentials. user: a chat account's bearer token, account active. triage: dashboard staff with role
 * triage, moderator or admin (a chat account: moderator or admin). moderator: role moderator or admin. admin: admin.
 */
export type AuthKind = 'public' | 'user' | 'triage' | 'moderator' | 'admin';
/** The server's rate-limit buckets (docs/API.md "Errors": 429 rate_limited). */
export type RateLimitName = 'auth' | 'send' | 'report';

/** The part of an operation a client needs to send it: plain data, so the SDK carries it without zod. */
export interface OperationHead {
  /** The OpenAPI operationId, unique across the API. */
  readonly operationId: string;
  readonly method: HttpMethod;
  /** OpenAPI style path template: /v1/keys/\{userId\} */
  readonly path: string;
  readonly auth: AuthKind;
  /** Success status codes; the first is the default (200 when absent). */
  readonly statuses?: readonly number[];
  /** The named errors this operation may answer, besides not_ready, insufficient_storage and internal (any route). */
  readonly errors: readonly ErrorCode[];
}

/** The schemas and documentation of an operation. */
export interface OperationSchemas {
  readonly summary: string;
  readonly tag: string;
  readonly rateLimit?: RateLimitName;
  readonly params?: z.ZodObject;
  readonly query?: z.ZodObject;
  readonly body?: z.ZodType;
  /** A raw (non-JSON) request body, streamed, documented as the OpenAPI requestBody. */
  readonly rawBody?: { readonly contentType: string; readonly description: string };
  /** The JSON answer for every success status; z.null() for an operation that answers raw bytes. */
  readonly response: z.ZodType;
}

export type Operation = OperationHead & OperationSchemas;

/** One operation from its head and its schemas, or from a single object holding both. */
export function defineOperation<const H extends OperationHead, const S extends OperationSchemas>(head: H, schemas: S): H & S;
export function defineOperation<const O extends Operation>(operation: O): O;
export function defineOperation(head: Operation | OperationHead, schemas?: OperationSchemas): Operation {
  return schemas ? { ...head, ...schemas } : (head as Operation);
}

/** What a caller passes to send an operation: its path parameters, query and JSON body, each when it has one. */
export type OperationInput<O> = (O extends { readonly params: z.ZodType } ? { params: z.input<O['params']> } : { params?: undefined })
  & (O extends { readonly query: z.ZodType } ? { query?: z.input<O['query']> } : { query?: undefined })
  & (O extends { readonly body: z.ZodType } ? { body: z.input<O['body']> } : { body?: undefined });

/** What the server answers on success (after validation by the response schema). */
export type OperationOutput<O> = O extends { readonly response: z.ZodType } ? z.output<O['response']> : unknown;

/** Fills a path template: each \{name\} becomes the URI-encoded value of params[name]. */
export function expandPath(template: string, params: Readonly<Record<string, unknown>> = {}): string {
  return template.replace(/\{([A-Za-z0-9_]+)\}/g, (_m, name: string) => {
    const v = params[name];
    if (v === undefined || v === null) throw new TypeError(`path ${template}: expected a value for {${name}}, got ${String(v)}`);
    return encodeURIComponent(String(v));
  });
}
