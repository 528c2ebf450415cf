// Shared state of one deployment, chosen at start (docs/SCALING.md):
//   no REDIS_URL — one process: in-memory bus, express-rate-limit's memory store;
//   REDIS_URL    — any number of processes: Redis pub/sub bus, rate-limit counters in Redis (rate-limit-redis).
// Everything durable lives in the database; see server/shared/bus.ts for what the bus carries.
import type { Store } from 'express-rate-limit';
import { RedisStore } from 'rate-limit-redis';
import type { Logger } from '../logger.ts';
import { type Bus, MemoryBus, RedisBus } from './bus.ts';
import type { Redis } from './redis.ts';

export interface SharedState {
  bus: Bus;
  /** The Redis command connection (null without REDIS_URL). Other modules add keys under `keyPrefix`. */
  redis: Redis | null;
  /** Prefix of every Redis key and channel of this deployment (REDIS_PREFIX, default "fc:"). */
  keyPrefix: string;
  /** express-rate-limit store for the limiter `name` (undefined = its default in-memory store). */
  rateLimitStore(name: string): Store | undefined;
  close(): Promise<void>;
}

export async function createSharedState(opts: { redisUrl: string | undefined; keyPrefix: string }, logger: Logger): Promise<SharedState> {
  if (!opts.redisUrl) {
    const bus = new MemoryBus();
    return { bus, redis: null, keyPrefix: opts.keyPrefix, rateLimitStore: () => undefined, close: () => bus.close() };
  }
  const { bus, redis } = await RedisBus.connect(opts.redisUrl, opts.keyPrefix, logger);
  return {
    bus,
    redis,
    keyPrefix: opts.keyPrefix,
    rateLimitStore: (name) =>
      new RedisStore({
        prefix: `${opts.keyPrefix}rl:${name}:`,
        sendCommand: (...args: string[]) => redis.call(args[0] as string, ...args.slice(1)) as Promise<number>,
      }),
    close: () => bus.close(),
  };
}
