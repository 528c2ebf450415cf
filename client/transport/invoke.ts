// One typed call for every operation of the HTTP API (docs/API.md): `invoke(operation, input, options)` fills the
// operation's path template, adds its query and JSON body, sends it with the caller's credentials, turns a non-2xx
// answer into an ApiError and, when asked, checks the answer against the operation's response schema. The SDK's
// ApiClient, the chat (through it) and the moderation dashboard all send requests this way. No zod here: a bare
// operation head (contract/endpoints.ts) is enough to send; checking answers needs the operation's schemas.
import { type ApiError, errorFromResponse, unreachable } from './api-error.ts';
import { type OperationHead, type OperationInput, type OperationOutput, expandPath } from './contract/_operation.ts';
import { ERROR_CODES } from './contract/errors.ts';

/** How to reach the server and what to send along. */
export interface InvokeOptions {
  /** Server origin without a trailing slash, e.g. "http://127.0.0.1:3000"; "" (default) for same-origin requests in a page. */
  baseUrl?: string;
  /** fetch implementation; the global fetch by default. */
  fetch?: typeof fetch;
  /** Bearer token, sent to every operation whose auth is not 'public'. */
  token?: string | null;
  /** Extra request headers (e.g. the dashboard's X-CSRF-Token). */
  headers?: Readonly<Record<string, string>>;
  /** fetch credentials mode (the dashboard: 'same-origin', for its session cookie). */
  credentials?: RequestCredentials;
  signal?: AbortSignal;
  /**
   * Check each answer against the operation's zod schemas: a success body against its response schema, a problem's
   * `code` against the contract's error codes. A mismatch throws a TypeError naming the operation. Needs an
   * operation with its schemas (from `@franking-chat/sdk/contract` or `…/contract/moderation`), not a bare head.
   */
  validateResponse?: boolean;
}

/** What invoke takes as input for an operation; loose for a bare head, exact for an operation with schemas. */
export type InvokeInput<O> = O extends { readonly response: unknown } ? OperationInput<O> : { params?: Readonly<Record<string, unknown>>; query?: Readonly<Record<string, unknown>>; body?: unknown };

/** The path and query string of a call of `op`. */
export function operationUrl(op: OperationHead, input: { params?: unknown; query?: unknown }): string {
  const path = expandPath(op.path, (input.params ?? {}) as Record<string, unknown>);
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries((input.query ?? {}) as Record<string, unknown>)) if (v !== undefined && v !== null) q.set(k, String(v));
  return q.size ? `${path}?${q.toString()}` : path;
}

/** Sends one call of `op` and answers the raw Response (any status); a network failure throws ApiError network_error. */
export async function sendOperation(op: OperationHead, input: { params?: unknown; query?: unknown; body?: unknown }, options: InvokeOptions = {}): Promise<Response> {
  const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
  if (input.body !== undefined) headers['content-type'] = 'application/json';
  if (op.auth !== 'public' && options.token) headers.authorization = `Bearer ${options.token}`;
  // Bound: a bare `fetch` reference called as a method throws "Illegal invocation" in browsers.
  const doFetch = options.fetch ?? ((i: RequestInfo | URL, init?: RequestInit) => globalThis.fetch(i, init));
  // Outside the try: a missing path parameter is the caller's TypeError, not a network failure.
  const url = (options.baseUrl ?? '') + operationUrl(op, input);
  try {
    return await doFetch(url, {
      method: op.method.toUpperCase(),
      headers,
      ...(input.body !== undefined ? { body: JSON.stringify(input.body) } : {}),
      ...(options.credentials ? { credentials: options.credentials } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (e) {
    if (options.signal?.aborted) throw e;
    throw unreachable();
  }
}

interface Checkable {
  readonly response?: { safeParse?(v: unknown): { success: boolean; error?: { issues: ReadonlyArray<{ path: PropertyKey[]; message: string }> } } };
}

/** The success body of an answer of `op`, checked against its response schema when `validate`. Throws ApiError for a non-2xx answer. */
export async function readOperationResult<O extends OperationHead>(op: O, res: Response, validate = false): Promise<OperationOutput<O>> {
  if (!res.ok) {
    const error = await errorFromResponse(res);
    if (validate) checkErrorCode(op, error);
    throw error;
  }
  const text = await res.text();
  const json: unknown = text ? JSON.parse(text) : null;
  if (validate) {
    const schema = (op as Checkable).response;
    if (typeof schema?.safeParse !== 'function') throw new TypeError(`${op.operationId}: validateResponse needs the operation with its schemas, got a bare head`);
    const r = schema.safeParse(json);
    if (!r.success) {
      const issues = (r.error?.issues ?? []).map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`).join('; ');
      throw new TypeError(`${op.operationId}: the answer does not match the contract's response schema: ${issues}`);
    }
  }
  return json as OperationOutput<O>;
}

function checkErrorCode(op: OperationHead, error: ApiError): void {
  if (error.problem && !(ERROR_CODES as readonly string[]).includes(error.problem.code))
    throw new TypeError(`${op.operationId}: the server answered problem code '${error.problem.code}', which the contract's ERROR_CODES do not name`);
}

/**
 * Sends one call of `op` and answers its success body, typed from the operation's schemas:
 * `await invoke(moderationOperations.claimReport, { params: { reportId } }, { credentials: 'same-origin' })`.
 * A non-2xx answer throws an ApiError with the server's problem code.
 */
export async function invoke<O extends OperationHead>(op: O, input: InvokeInput<O>, options: InvokeOptions = {}): Promise<OperationOutput<O>> {
  const res = await sendOperation(op, input as { params?: unknown; query?: unknown; body?: unknown }, options);
  return readOperationResult(op, res, options.validateResponse ?? false);
}
