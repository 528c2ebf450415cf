// npm run dsa:export -- --from <date> --to <date> [--out <dir>] [--submit --endpoint <url> --token-env <NAME>]
// (without --out and --submit the batches go to DATA_DIR/dsa-export/<from>_<to>)
// Statements of reasons issued in [from, to) → batches for the EU DSA Transparency Database API, checked against its
// validation rules (docs/DSA-TRANSPARENCY-DB.md). --submit posts the batches not yet submitted (resumable,
// idempotent by puid; the state is in the database: DsaSubmission, DsaSubmissionBatch). Prints a JSON summary;
// exit 0 when everything was written/submitted, 1 when a batch failed or was refused (re-run to resume), 2 on bad
// arguments. The token is read from the environment variable named by --token-env and never printed.
import path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { deployMigrations } from './migrate-deploy.mjs';
import { loadConfig } from '../server/config.ts';
import { dsaSubmissionsRepo } from '../server/data/dsa-submissions.ts';
import { createDb } from '../server/db.ts';
import { collectStatements, submitStatements, writeBatches } from '../server/dsa/export.ts';

const parseTime = (v: string): Date => {
  const d = new Date(/^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T00:00:00Z` : v);
  if (!/^\d{4}-\d{2}-\d{2}/.test(v) || Number.isNaN(d.getTime())) throw new InvalidArgumentError('expected a date (YYYY-MM-DD, UTC midnight) or an ISO 8601 date-time');
  return d;
};
const parseScope = (v: string): string[] => v.split(',').map((c) => c.trim().toUpperCase()).filter(Boolean);

const program = new Command('dsa:export')
  .description('Export statements of reasons to the EU DSA Transparency Database format, and optionally submit them')
  .requiredOption('--from <date>', 'start of the period, inclusive (YYYY-MM-DD or ISO date-time)', parseTime)
  .requiredOption('--to <date>', 'end of the period, exclusive', parseTime)
  .option('--out <dir>', 'write batch-NNNN.json files and skipped.json here (default without --submit: DATA_DIR/dsa-export/<from>_<to>)')
  .option('--submit', 'post the batches not yet submitted to --endpoint')
  .option('--endpoint <url>', 'the statements endpoint, e.g. https://transparency.dsa.ec.europa.eu/api/v1/statements')
  .option('--token-env <name>', 'environment variable holding the API token', 'DSA_TDB_TOKEN')
  .option('--terms-url <url>', 'decision_ground_reference_url: your terms of service')
  .option('--territorial-scope <codes>', 'territorial_scope: comma-separated EEA country codes', parseScope)
  .option('--batch-size <n>', 'statements per call (1–100)', (v) => Number(v), 100)
  .exitOverride();

let o: {
  from: Date; to: Date; out?: string; submit?: boolean; endpoint?: string; tokenEnv: string; termsUrl?: string; territorialScope?: string[]; batchSize: number;
};
try {
  program.parse();
  o = program.opts();
  if (!(o.from < o.to)) throw new InvalidArgumentError('--from must be before --to');
  if (o.submit && !o.endpoint) throw new InvalidArgumentError('--submit needs --endpoint');
  if (o.submit && !process.env[o.tokenEnv]) throw new InvalidArgumentError(`--submit needs the token in the environment variable ${o.tokenEnv}`);
  if (!Number.isInteger(o.batchSize) || o.batchSize < 1 || o.batchSize > 100) throw new InvalidArgumentError('--batch-size: expected an integer 1–100');
  const day = (d: Date) => d.toISOString().slice(0, 10);
  if (!o.submit && !o.out) o.out = path.join(process.env.DATA_DIR ?? './data', 'dsa-export', `${day(o.from)}_${day(o.to)}`);
} catch (e) {
  const code = (e as { code?: string }).code;
  if (code === 'commander.helpDisplayed' || code === 'commander.version') process.exit(0);
  if (e instanceof InvalidArgumentError) console.error(`dsa:export: ${e.message}`);
  process.exit(2);
}

const config = loadConfig();
await deployMigrations(config.databaseUrl, () => {});
const db = await createDb(config.databaseUrl);
let exitCode = 0;
try {
  const repo = dsaSubmissionsRepo(db);
  const collected = await collectStatements(repo, o.from, o.to, { termsUrl: o.termsUrl, territorialScope: o.territorialScope });
  const summary: Record<string, unknown> = {
    from: o.from.toISOString(), to: o.to.toISOString(), statements: collected.statements.length,
    skipped: collected.skipped.reduce<Record<string, number>>((acc, s) => ({ ...acc, [s.reason]: (acc[s.reason] ?? 0) + 1 }), {}),
  };
  if (o.out) summary.files = writeBatches(o.out, collected, { from: o.from, to: o.to });
  if (o.submit) {
    const r = await submitStatements(repo, collected, { endpoint: o.endpoint as string, token: process.env[o.tokenEnv] as string, batchSize: o.batchSize });
    summary.submit = r;
    if (r.stopped) exitCode = 1;
  }
  console.log(JSON.stringify(summary, null, 2));
} finally {
  await db.$disconnect();
}
process.exit(exitCode);
