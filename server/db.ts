// One entry point for both databases: DATABASE_URL=file:... (SQLite, default) or postgresql://...
// Both clients are generated from the same prisma/models.prisma, so they share one API surface.
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient as SqliteClient } from '../generated/sqlite/client.ts';
import { PrismaClient as PgClient } from '../generated/postgres/client.ts';

export type Db = SqliteClient;
export type DbProvider = 'sqlite' | 'postgres';

export function providerOf(url: string): DbProvider {
  return url.startsWith('file:') ? 'sqlite' : 'postgres';
}

const providers = new WeakMap<object, DbProvider>();

/** The provider a client from createDb() talks to, for data modules whose raw SQL differs per provider. */
export function dbProvider(db: Db): DbProvider {
  return providers.get(db) ?? 'sqlite';
}

export async function createDb(url: string): Promise<Db> {
  if (providerOf(url) === 'sqlite') {
    const db = new SqliteClient({ adapter: new PrismaBetterSqlite3({ url }) });
    providers.set(db, 'sqlite');
    // WAL: readers do not block the writer; synchronous=NORMAL keeps every committed transaction across a
    // process crash (kill -9); only an OS crash/power loss can lose the last commits (docs/API.md "Durability").
    await db.$queryRawUnsafe('PRAGMA journal_mode = WAL');
    await db.$executeRawUnsafe('PRAGMA synchronous = NORMAL');
    await db.$executeRawUnsafe('PRAGMA busy_timeout = 5000');
    return db;
  }
  const db = new PgClient({ adapter: new PrismaPg({ connectionString: url, max: 16 }) }) as unknown as Db;
  providers.set(db, 'postgres');
  return db;
}
