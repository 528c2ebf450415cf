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

export function serializeError(e: unknown): Record<string, unknown> {
  if (AppError.is(e)) return { type: e.name, code: e.code, message: e.message };
  if (e instanceof Error) {
    const frames = (e.stack ?? '').split('\n').slice(1).join('\n');
    const code = (e as { code?: unknown }).code;
    return { type: e.constructor.name, ...(typeof code === 'string' || typeof code === 'number' ? { code } : {}), stack: frames };
  }
  return { type: typeof e };
}

export function createLogger(level = 'info', destination?: DestinationStream): Logger {
  const paths = REDACTED_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`]);
  return pino(
    {
      level,
      base: { service: 'franking-server' },
      redact: { paths, censor: '[redacted]' },
      serializers: {
        err: serializeError,
        error: serializeError,
        // Requests/responses are summarised by server/app.ts; these guard against someone logging raw objects.
        req: (r: { method?: string; route?: { path?: string } }) => ({ method: r.method, route: r.route?.path }),
        res: (r: { statusCode?: number }) => ({ status: r.statusCode }),
      },
    },
    destination,
  );
}
