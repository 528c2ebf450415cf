#!/usr/bin/env node
/* global process, console */
// Minimal, dependency-light equivalent of `prisma migrate deploy`: applies prisma/<provider>/migrations/*/migration.sql
// in order and records them in Prisma's own `_prisma_migrations` table (same DDL + sha256 checksums), so the official
// `prisma migrate deploy/status` can take over whenever the native schema engine is available.
import fs from "node:fs";
import path from "node:path";
import crypto from "node:crypto";

// Also imported by server/main.ts (deployMigrations) so `npm start` brings a fresh SQLite file up to date.
import { fileURLToPath } from "node:url";

// The project root (prisma/ lives there): the nearest directory with a package.json above this file — scripts/ when
// run from source, dist/node/scripts/ in the production build (`npm run build`, docs/DEPLOY.md).
export function projectRoot(from = path.dirname(fileURLToPath(import.meta.url))) {
  for (let d = from; ; d = path.dirname(d)) {
    if (fs.existsSync(path.join(d, "package.json"))) return d;
    if (path.dirname(d) === d) return path.resolve(from, "..");
  }
}
const root = projectRoot();

const ddl = (sqlite) => sqlite
  ? `CREATE TABLE IF NOT EXISTS "_prisma_migrations" ("id" TEXT PRIMARY KEY NOT NULL, "checksum" TEXT NOT NULL,
     "finished_at" DATETIME, "migration_name" TEXT NOT NULL, "logs" TEXT, "rolled_back_at" DATETIME,
     "started_at" DATETIME NOT NULL DEFAULT current_timestamp, "applied_steps_count" INTEGER UNSIGNED NOT NULL DEFAULT 0)`
  : `CREATE TABLE IF NOT EXISTS "_prisma_migrations" ("id" VARCHAR(36) PRIMARY KEY NOT NULL, "checksum" VARCHAR(64) NOT NULL,
     "finished_at" TIMESTAMPTZ, "migration_name" VARCHAR(255) NOT NULL, "logs" TEXT, "rolled_back_at" TIMESTAMPTZ,
     "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(), "applied_steps_count" INTEGER NOT NULL DEFAULT 0)`;

// Tiny driver abstraction: exec(script) runs a multi-statement script, all(sql, params) returns rows.
async function connect(url, sqlite) {
  if (sqlite) {
    const { default: Database } = await import("better-sqlite3");
    const file = url.slice("file:".length);
    fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    const db = new Database(file);
    return { exec: async (s) => db.exec(s), all: async (q, p = []) => db.prepare(q).all(...p), run: async (q, p = []) => db.prepare(q).run(...p), close: async () => db.close() };
  }
  const { default: pg } = await import("pg");
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const $ = (q) => q.replace(/\?/g, (_, i, s) => `$${s.slice(0, i + 1).split("?").length - 1}`);
  return { exec: (s) => c.query(s), all: async (q, p = []) => (await c.query($(q), p)).rows, run: (q, p = []) => c.query($(q), p), close: () => c.end() };
}

/**
 * Applies pending migrations; returns the names applied. Throws on failure.
 * PostgreSQL: everything runs under one session advisory lock, taken BEFORE anything else (the migrations table
 * included: two `CREATE TABLE IF NOT EXISTS` racing each other fail in PostgreSQL), so N processes starting
 * together on a fresh database apply each migration once and all succeed. `whileLocked` runs after the
 * migrations with the lock still held (first-start admin creation, server/first-start.ts).
 */
export async function deployMigrations(url = process.env.DATABASE_URL ?? "file:./data/franking.db", log = console.log, opts = {}) {
  const sqlite = url.startsWith("file:");
  const dir = path.join(root, "prisma", sqlite ? "sqlite" : "postgres", "migrations");
  const db = await connect(url, sqlite);
  try {
    if (!sqlite) await db.exec("SELECT pg_advisory_lock(72707369)"); // same lock id Prisma uses; released by close()
    const applied = await deploy(db, dir, sqlite, log);
    if (opts.whileLocked) await opts.whileLocked();
    return applied;
  } finally {
    await db.close();
  }
}

async function deploy(db, dir, sqlite, log) {
  await db.exec(ddl(sqlite));
  const rows = await db.all(`SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations"`);
  const bad = rows.find((r) => !r.finished_at && !r.rolled_back_at);
  if (bad) throw new Error(`migration ${bad.migration_name} failed earlier; fix the DB and resolve it first`);
  const done = new Map(rows.filter((r) => r.finished_at).map((r) => [r.migration_name, r.checksum]));
  const names = fs.existsSync(dir) ? fs.readdirSync(dir).filter((d) => fs.existsSync(path.join(dir, d, "migration.sql"))).sort() : [];
  const applied = [];
  for (const name of names) {
    const script = fs.readFileSync(path.join(dir, name, "migration.sql"), "utf8");
    const checksum = crypto.createHash("sha256").update(script).digest("hex");
    if (done.has(name)) {
      if (done.get(name) !== checksum) console.warn(`WARNING: ${name} was modified after it was applied`);
      continue;
    }
    const id = crypto.randomUUID();
    const now = () => new Date().toISOString().replace("Z", "+00:00");
    await db.run(`INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at) VALUES (?, ?, ?, ?)`, [id, checksum, name, now()]);
    try {
      // Like Prisma: the script runs as-is, NOT wrapped in a transaction (SQLite's `PRAGMA foreign_keys=OFF` in
      // table-redefinition migrations only works outside one; Prisma's enum migrations carry their own BEGIN/COMMIT).
      await db.exec(script);
    } catch (e) {
      await db.run(`UPDATE "_prisma_migrations" SET logs = ? WHERE id = ?`, [String(e.message), id]);
      throw new Error(`migration ${name} failed (row left unfinished, like Prisma's P3009): ${e.message}`);
    }
    await db.run(`UPDATE "_prisma_migrations" SET finished_at = ?, applied_steps_count = 1 WHERE id = ?`, [now(), id]);
    applied.push(name);
  }
  log(applied.length ? `Applied ${applied.length} migration(s): ${applied.join(", ")}` : "No pending migrations to apply.");
  return applied;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  let failed = false;
  try {
    await deployMigrations();
  } catch (e) {
    failed = true;
    console.error(`Error: ${e.message}`);
  }
  process.exit(failed ? 1 : 0);
}
