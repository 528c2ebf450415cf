// Redis connections for the shared state of several server processes (docs/SCALING.md). Redis carries only
// wake-ups, revocations and counters: the database stays the truth, so a lost Redis message delays a delivery
// or a revocation but never loses data.
//
// Other modules that need Redis (e.g. staff login throttling with rate-limiter-flexible) take the command
// connection from `Services.shared.redis` (null when the process runs without REDIS_URL) and add their own
// key prefix under `Services.shared.keyPrefix`.
import { Redis, type RedisOptions } from 'ioredis';

export type { Redis };

/** A command connection: short retries so a Redis outage fails a command fast instead of queueing it for long. */
export function openRedis(url: string, name: string, overrides: RedisOptions = {}): Redis {
  return new Redis(url, {
    connectionName: name,
    lazyConnect: true,
    // Reconnect forever with a capped backoff; the database is the truth meanwhile.
    retryStrategy: (attempt) => Math.min(50 * 2 ** Math.min(attempt, 5), 1000),
    maxRetriesPerRequest: 1,
    enableAutoPipelining: true,
    ...overrides,
  });
}

/** Connects, or throws a clear error (start refuses to run with an unreachable REDIS_URL). */
export async function connectRedis(client: Redis, url: string, timeoutMs = 5000): Promise<void> {
  const redacted = url.replace(/\/\/[^@/]*@/, '//***@');
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      client.connect(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } catch (e) {
    client.disconnect();
    throw new Error(`REDIS_URL ${redacted}: cannot connect (${e instanceof Error ? e.message : String(e)})`, { cause: e });
  } finally {
    clearTimeout(timer);
  }
}
