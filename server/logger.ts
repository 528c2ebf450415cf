// pino logger whose serializers can only emit allow-listed fields. Message content, ciphertexts,
// franking keys (fk), commitments' openings and tokens are never logged: requests are logged as
// method + route pattern + status, errors as class + code + stack frames (the first stack line,
// which repeats the message, is dropped for errors that are not ours: their message may echo input).
import pino, { type Logger, type DestinationStream } from 'pino';
import { AppError } from './errors.ts';

export type { Logger };

/** Keys that must never appear in a log line, whatever object someone passes to the logger. */
export const REDACTED_KEYS = [
  'ciphertext', 'body', 'fk', 'header', 'token', 'authorization', 'signature', 'challenge', 'comment', 'tag', 'commitment',
];

/** Marks objects this module produced, so a second pass (an already serialized error handed to `err`) is a no-op. */
const SERIALIZED = Symbol.for('franking-chat.serialized-error');

/**
 * Error → allow-listed fields: class, stable code, and the stack frames. Idempotent: passing the result
 * again (as `logger.error({ err: serializeError(e) })` once did) returns it unchanged instead of `{type:"object"}`.
 * A `cause` chain is followed (our StorageError wraps the fs error that explains it), at most 3 deep.
 */
export function serializeError(e: unknown, depth = 0): Record<string, unknown> {
  if (typeof e === 'object' && e !== null && (e as Record<symbol, unknown>)[SERIALIZED]) return e as Record<string, unknown>;
  let out: Record<string, unknown>;
  if (AppError.is(e)) {
    out = { type: e.name, code: e.code, message: e.message };
    if (e.cause !== undefined && depth < 3) out.cause = serializeError(e.cause, depth + 1);
  } else if (e instanceof Error) {
    const frames = (e.stack ?? '').split('\n').slice(1).join('\n');
    const code = (e as { code?: unknown }).code;
    out = { type: e.constructor.name, ...(typeof code === 'string' || typeof code === 'number' ? { code } : {}), stack: frames };
    if (e.cause !== undefined && depth < 3) out.cause = serializeError(e.cause, depth + 1);
  } else out = { type: e === null ? 'null' : typeof e };
  Object.defineProperty(out, SERIALIZED, { value: true, enumerable: false });
  return out;
}

export function createLogger(level = 'info', destination?: DestinationStream): Logger {
  const paths = REDACTED_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`]);
  return pino(
    {
      level,
      base: { service: 'franking-server' },
      redact: { paths, censor: '[redacted]' },
      serializers: {
        err: (e: unknown) => serializeError(e),
        error: (e: unknown) => serializeError(e),
        // Requests/responses are summarised by server/app.ts; these guard against someone logging raw objects.
        req: (r: { method?: string; route?: { path?: string } }) => ({ method: r.method, route: r.route?.path }),
        res: (r: { statusCode?: number }) => ({ status: r.statusCode }),
      },
    },
    destination,
  );
}
