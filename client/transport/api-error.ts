// The error every HTTP call of the SDK throws for a non-2xx answer: the RFC 9457 problem document the server sent
// (docs/API.md "Errors"; schema client/transport/contract/problem.ts), with its stable `code` typed from the
// contract's code list. Its own module, so the HTTP client and the attachment transfer both use it without
// importing each other.
import type { ApiErrorCode } from './contract/errors.ts';
import type { Problem } from './contract/problem.ts';

export type { Problem };

/** A non-2xx answer (or a network failure: status 0, code 'network_error'). `code` is the server's stable code. */
export class ApiError extends Error {
  /** HTTP status (0: the server could not be reached). */
  readonly status: number;
  /**
   * The server's stable problem code, e.g. 'user_exists', 'validation_failed'; or one the client made up:
   * 'network_error', 'http_<status>' (an answer without a problem document).
   */
  readonly code: ApiErrorCode;
  readonly title: string;
  readonly detail: string;
  /** The problem+json body as the server sent it, or null when there was none. */
  readonly problem: Problem | null;
  constructor(problem: Problem, raw: Problem | null) {
    super(`${problem.status} ${problem.code}: ${problem.detail}`);
    this.name = 'ApiError';
    this.status = problem.status;
    // A server newer than this client may send a code the union does not name yet.
    this.code = problem.code as ApiErrorCode;
    this.title = problem.title;
    this.detail = problem.detail;
    this.problem = raw;
  }

  /** Type guard, optionally narrowed to one code: `if (ApiError.is(e, 'user_exists'))`. */
  static is(e: unknown, code?: ApiErrorCode): e is ApiError {
    return e instanceof ApiError && (code === undefined || e.code === code);
  }

  /** The account may not act (suspended or banned): the server refuses every authenticated request. */
  get isAccountBlocked(): boolean {
    return this.code === 'account_suspended' || this.code === 'account_banned';
  }
}

/** Whether `v` has the members every problem document has (the full schema is the contract's ProblemSchema). */
export function isProblem(v: unknown): v is Problem {
  if (typeof v !== 'object' || v === null) return false;
  const p = v as Record<string, unknown>;
  return typeof p.code === 'string' && typeof p.status === 'number' && typeof p.title === 'string' && typeof p.detail === 'string';
}

/** The problem document of a failed answer, or null when its body is not one. */
export async function readProblem(res: Response): Promise<Problem | null> {
  try {
    const json: unknown = await res.json();
    return isProblem(json) ? json : null;
  } catch {
    return null;
  }
}

/** The ApiError for a non-2xx answer: its problem document, or a generic `http_<status>` one. */
export async function errorFromResponse(res: Response): Promise<ApiError> {
  const raw = await readProblem(res);
  return new ApiError(
    raw ?? { type: 'about:blank', title: res.statusText || 'HTTP error', status: res.status, detail: `the server answered ${res.status}`, code: `http_${res.status}` },
    raw,
  );
}

/** Thrown before any request when an operation needs a token and there is none. */
export function notLoggedIn(): ApiError {
  return new ApiError({ type: 'about:blank', title: 'Not logged in', status: 401, detail: 'no bearer token; log in first', code: 'unauthorized' }, null);
}

/** The server could not be reached (status 0). */
export function unreachable(): ApiError {
  return new ApiError({ type: 'about:blank', title: 'Server unreachable', status: 0, detail: 'the server could not be reached; check the connection', code: 'network_error' }, null);
}
