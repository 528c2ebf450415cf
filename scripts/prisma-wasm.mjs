#!/usr/bin/env node
/* global process, console, crypto, WebAssembly, URL */
// Offline replacement for `prisma migrate dev|deploy|diff|status` using Prisma's WebAssembly schema engine
// (@prisma/schema-engine-wasm, pinned to the engines hash of the installed prisma) + the app's driver adapters.
// No native schema-engine binary, no network.  Provider is picked from DATABASE_URL (file:... -> sqlite, else postgres).
//   node scripts/prisma-wasm.mjs dev <name> [--accept-data-loss]   create a migration from prisma/<provider>/*.prisma + apply it
//   node scripts/prisma-wasm.mjs deploy       apply pending migrations
//   node scripts/prisma-wasm.mjs diff         exit 2 if schema and migrations differ (CI drift check)
//   node scripts/prisma-wasm.mjs status       migration history diagnostics (JSON)
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { bindMigrationAwareSqlAdapterFactory, DriverAdapterError } from "@prisma/driver-adapter-utils";
import * as wasmGlue from "@prisma/schema-engine-wasm/schema_engine_bg";

const url = process.env.DATABASE_URL ?? "file:./data/franking.db";
const provider = url.startsWith("file:") ? "sqlite" : "postgres";
const schemaDir = path.resolve("prisma", provider);
const migrationsDir = path.join(schemaDir, "migrations");
const filters = { externalTables: [], externalEnums: [] };
const cleanups = [];

async function sqliteFactory() {
  const { PrismaBetterSqlite3 } = await import("@prisma/adapter-better-sqlite3");
  const factory = new PrismaBetterSqlite3({ url }); // shadow DB = in-memory
  // FIX 1: the engine replays migration.sql on the shadow DB via executeRaw(); better-sqlite3's prepare()
  // rejects multi-statement SQL ("contains more than one statement") -> send such scripts to executeScript().
  const connectShadow = factory.connectToShadowDb.bind(factory);
  factory.connectToShadowDb = async () => {
    const a = await connectShadow();
    const executeRaw = a.executeRaw.bind(a);
    a.executeRaw = async (q) =>
      q.args.length === 0 && /;\s*\S/.test(q.sql) ? (await a.executeScript(q.sql), 0) : executeRaw(q);
    return a;
  };
  return factory;
}

async function postgresFactory() {
  const { PrismaPg } = await import("@prisma/adapter-pg");
  const { default: pg } = await import("pg");
  // FIX 2: the schema describer reads pg_catalog columns of type "char" (OID 18) which adapter-pg rejects
  // ("Column type 'char' could not be deserialized") -> report them as text (OID 25).
  const fix = (r) => { for (const res of [r].flat()) for (const f of res?.fields ?? []) if (f.dataTypeID === 18) f.dataTypeID = 25; return r; };
  class Client extends pg.Client {
    query(config, values, cb) {
      if (typeof values === "function") [cb, values] = [values, undefined];
      if (cb) return super.query(config, values, (err, res) => cb(err, err ? res : fix(res)));
      const p = super.query(config, values);
      return typeof p?.then === "function" ? p.then(fix) : p;
    }
  }
  // FIX 4: adapter-pg's executeScript() splits scripts on every ";" (breaks functions/triggers, even ";" in comments)
  // -> send the whole migration script in one simple-protocol query, like `psql -f` / the native engine.
  const wholeScript = (a) => {
    a.executeScript = async (script) => {
      try { await a.underlyingDriver().query(script); } catch (e) {
        throw new DriverAdapterError({ kind: "postgres", code: e.code ?? "N/A", severity: e.severity ?? "N/A", message: e.message, detail: e.detail, column: e.column, hint: e.hint });
      }
    };
    return a;
  };
  const pool = new pg.Pool({ connectionString: url, Client });
  cleanups.push(() => pool.end());
  const factory = new PrismaPg(pool);
  const connect = factory.connect.bind(factory);
  factory.connect = async () => wholeScript(await connect());
  // FIX 3: PrismaPg#connectToShadowDb() creates a temp DB but connects with {...config, database}; pg lets the
  // connectionString win, so the "shadow" replay would run against the MAIN database. Do it explicitly.
  factory.connectToShadowDb = async () => {
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    const name = `prisma_shadow_${crypto.randomUUID().replaceAll("-", "")}`;
    await admin.query(`CREATE DATABASE "${name}"`);
    const u = new URL(url);
    u.pathname = `/${name}`;
    const shadow = wholeScript(await new PrismaPg(new pg.Pool({ connectionString: u.href, Client }), { disposeExternalPool: true }).connect());
    const dispose = shadow.dispose.bind(shadow);
    shadow.dispose = async () => { await dispose(); await admin.query(`DROP DATABASE IF EXISTS "${name}"`); await admin.end(); };
    return shadow;
  };
  return factory;
}

function loadSchemaEngine() {
  // The package entry does `import "./schema_engine_bg.wasm"` (needs --experimental-wasm-modules on Node 20);
  // instantiate it by hand instead (this is what the Prisma 6 CLI did internally).
  const glue = fileURLToPath(import.meta.resolve("@prisma/schema-engine-wasm/schema_engine_bg"));
  const instance = new WebAssembly.Instance(new WebAssembly.Module(fs.readFileSync(glue.replace(/\.js$/, ".wasm"))), {
    "./schema_engine_bg.js": wasmGlue,
  });
  wasmGlue.__wbg_set_wasm(instance.exports);
  instance.exports.__wbindgen_start();
  return wasmGlue.SchemaEngine;
}

const schemaFiles = () =>
  fs.readdirSync(schemaDir).filter((f) => f.endsWith(".prisma")).sort()
    .map((f) => ({ path: path.join(schemaDir, f), content: fs.readFileSync(path.join(schemaDir, f), "utf8") }));

function migrationsList() {
  const dirs = fs.existsSync(migrationsDir)
    ? fs.readdirSync(migrationsDir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort()
    : [];
  const lock = path.join(migrationsDir, "migration_lock.toml");
  return {
    baseDir: migrationsDir,
    lockfile: { path: "migration_lock.toml", content: fs.existsSync(lock) ? fs.readFileSync(lock, "utf8") : null },
    shadowDbInitScript: "",
    migrationDirectories: dirs.map((d) => {
      const f = path.join(migrationsDir, d, "migration.sql");
      return {
        path: d,
        migrationFile: {
          path: "migration.sql",
          content: fs.existsSync(f) ? { tag: "ok", value: fs.readFileSync(f, "utf8") } : { tag: "error", value: `missing ${f}` },
        },
      };
    }),
  };
}

async function main() {
  const [cmd, name] = process.argv.slice(2);
  const SchemaEngine = loadSchemaEngine();
  const factory = bindMigrationAwareSqlAdapterFactory(provider === "sqlite" ? await sqliteFactory() : await postgresFactory());
  const log = (l) => process.env.DEBUG && console.error("[schema-engine]", l);
  const engine = await SchemaEngine.new({ datamodels: schemaFiles().map((f) => [f.path, f.content]) }, log, factory);
  const apply = async () => (await engine.applyMigrations({ migrationsList: migrationsList(), filters })).appliedMigrationNames;

  switch (cmd) {
    case "deploy": {
      const applied = await apply();
      console.log(applied.length ? `Applied: ${applied.join(", ")}` : "No pending migrations to apply.");
      return 0;
    }
    case "dev": {
      if (!name) throw new Error("usage: dev <migration-name>");
      const applied = await apply(); // also creates _prisma_migrations on a fresh DB (devDiagnostic fails with P1014 otherwise)
      if (applied.length) console.log(`Applied: ${applied.join(", ")}`);
      // devDiagnostic replays the history on a shadow DB and caches it; createMigration relies on that cache.
      const diag = await engine.devDiagnostic({ migrationsList: migrationsList(), filters });
      if (diag.action.tag === "reset") throw new Error(`Drift detected, reset needed: ${diag.action.reason}`);
      const loss = await engine.evaluateDataLoss({ migrationsList: migrationsList(), schema: { files: schemaFiles() }, filters });
      for (const w of [...loss.unexecutableSteps, ...loss.warnings]) console.warn(`  ! ${w.message}`);
      if (loss.unexecutableSteps.length) throw new Error("migration cannot be executed as-is (see above); create it, edit the SQL by hand");
      if (loss.warnings.length && !process.argv.includes("--accept-data-loss")) throw new Error("possible data loss (see above); re-run with --accept-data-loss");
      const out = await engine.createMigration({
        draft: false, migrationName: name, migrationsList: migrationsList(), schema: { files: schemaFiles() }, filters,
      });
      if (out.migrationScript == null) { console.log("Already in sync, no migration created."); return 0; }
      fs.mkdirSync(path.join(migrationsDir, out.generatedMigrationName), { recursive: true });
      fs.writeFileSync(path.join(migrationsDir, out.generatedMigrationName, `migration.${out.extension}`), out.migrationScript);
      const lock = path.join(migrationsDir, "migration_lock.toml");
      if (!fs.existsSync(lock))
        fs.writeFileSync(lock, `# Please do not edit this file manually\n# It should be added in your version-control system (e.g., Git)\nprovider = "${out.connectorType}"\n`);
      console.log(`Created prisma/${provider}/migrations/${out.generatedMigrationName}/migration.sql`);
      console.log(`Applied: ${(await apply()).join(", ")}`);
      return 0;
    }
    case "diff": {
      const r = await engine.diff({
        from: { tag: "migrations", ...migrationsList() }, to: { tag: "schemaDatamodel", files: schemaFiles() },
        script: true, exitCode: true, filters,
      });
      process.stdout.write(r.stdout ?? "");
      if (r.exitCode === 2) console.error(`\n[${provider}] schema and migrations are OUT OF SYNC: run "npm run db:migrate -- <name>"`);
      return r.exitCode;
    }
    case "status": {
      console.log(JSON.stringify(await engine.diagnoseMigrationHistory({ migrationsList: migrationsList(), optInToShadowDatabase: false, filters }), null, 2));
      return 0;
    }
    default:
      throw new Error("usage: prisma-wasm.mjs dev <name> | deploy | diff | status");
  }
}

let code = 1;
try {
  code = await main();
} catch (e) {
  console.error(`Error${e?.code ? ` ${e.code}` : ""}: ${e?.message ?? e}`);
} finally {
  for (const c of cleanups) await c().catch(() => {});
}
// The wasm engine leaves un-cleared 10 s / 60 s timers (lock timeouts) that keep Node alive -> exit explicitly.
process.exit(code);
