// Independent auditor of a server's key-transparency log (docs/TRANSPARENCY.md §7.1), like a CT monitor:
//   npm run kt:audit -- --server http://127.0.0.1:3000 [--log-key <base64url>] [--state audit-state.json]
// Downloads every entry and signed head, recomputes every head, checks every signature and that the log was
// only ever appended to. With --state it remembers the newest audited head and, next run, checks that the
// history it audited then is still the history now. Exit code 0: clean; 1: problems found; 2: usage/network.
import fs from 'node:fs';
import { Command } from 'commander';
import { fromBase64Url, toBase64Url } from '../client/protocol.ts';
import { HttpLogSource, auditLog, auditStateFromJson, logKeyId } from '../client/transparency/index.ts';

const program = new Command()
  .name('kt:audit')
  .requiredOption('--server <url>', 'server base URL')
  .option('--log-key <base64url>', "the log's Ed25519 public key, pinned (default: trust on first use from /v1/transparency/log-key)")
  .option('--state <file>', 'JSON file with the state of the previous run (read, then updated)')
  .option('--json', 'print the report as JSON');
program.parse();
const opts = program.opts<{ server: string; logKey?: string; state?: string; json?: boolean }>();

try {
  const source = new HttpLogSource(opts.server);
  const served = await source.logKey();
  const pinned = opts.logKey ? fromBase64Url(opts.logKey, '--log-key') : served.publicKey;
  if (toBase64Url(pinned) !== toBase64Url(served.publicKey)) console.error('warning: the server publishes another log key than the pinned one; auditing with the pinned key');
  const previous = opts.state && fs.existsSync(opts.state) ? auditStateFromJson(JSON.parse(fs.readFileSync(opts.state, 'utf8'))) : undefined;
  const report = await auditLog(source, pinned, previous ? { previous } : {});
  if (opts.state && report.ok && report.state) fs.writeFileSync(opts.state, `${JSON.stringify(report.state, null, 2)}\n`);
  if (opts.json) console.log(JSON.stringify(report, null, 2));
  else {
    console.log(`log key id ${toBase64Url(logKeyId(pinned))}`);
    console.log(`${report.entries} entries, ${report.heads} signed heads recomputed; kinds: ${JSON.stringify(report.kinds)}`);
    for (const p of report.problems) console.log(`PROBLEM ${p.code}: ${p.message}`);
    console.log(report.ok ? 'OK: every head verified, append-only' : `FAILED: ${report.problems.length} problem(s)`);
  }
  process.exitCode = report.ok ? 0 : 1;
} catch (e) {
  console.error(`kt:audit: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 2;
}
