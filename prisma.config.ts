import { defineConfig } from "prisma/config";

// Offline: Prisma 7's native schema-engine binary cannot be downloaded here. `prisma generate` only needs the
// path to exist; any `prisma migrate|db` command now fails loudly. Use npm run db:migrate|db:deploy|db:check.
process.env.PRISMA_SCHEMA_ENGINE_BINARY ??= "scripts/no-schema-engine.sh";
process.env.CHECKPOINT_DISABLE ??= "1"; // no telemetry/update check to checkpoint.prisma.io

// PRISMA_PROVIDER=sqlite|postgres selects prisma/<provider>/ (schema.prisma + symlink models.prisma -> ../models.prisma)
const provider = process.env.PRISMA_PROVIDER ?? "sqlite";
export default defineConfig({
  schema: `prisma/${provider}`,
  migrations: { path: `prisma/${provider}/migrations` },
  datasource: { url: process.env.DATABASE_URL ?? "file:./data/franking.db" },
});
