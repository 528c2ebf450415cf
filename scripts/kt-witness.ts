// A key-transparency witness (docs/TRANSPARENCY.md §7.2): follows a server's log, checks every new head's
// signature and its consistency with the last head it cosigned, cosigns, and posts the cosignature back.
//   npm run kt:witness -- keygen --key witness-key.json
//   npm run kt:witness -- run --server URL --key witness-key.json --state witness-state.json [--log-key b64] [--interval 10] [--once]
// The server accepts cosignatures only from witnesses in its KT_WITNESSES. A refused head (a fork) is never
// signed: the witness exits with code 1 and prints the evidence (its cosigned head and the new one).
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { Command } from 'commander';
import { fromBase64Url, toBase64Url } from '../client/protocol.ts';
import { HttpLogSource, TransparencyError, type WitnessState, cosignatureToJson, treeHeadToJson, witnessIdOf, witnessPublicKey, witnessStep } from '../client/transparency/index.ts';

function readJson<T>(file: string, fallback?: T): T {
  if (!fs.existsSync(file)) {
    if (fallback !== undefined) return fallback;
    throw new Error(`${file}: not found`);
  }
  return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
}
function writeJson(file: string, value: unknown, mode = 0o644): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`, { mode });
  fs.renameSync(tmp, file);
}

const program = new Command().name('kt:witness');
program
  .command('keygen')
  .requiredOption('--key <file>', 'where to write the witness key (mode 0600)')
  .action((o: { key: string }) => {
    const seed = new Uint8Array(randomBytes(32));
    writeJson(o.key, { algorithm: 'Ed25519', seed: toBase64Url(seed) }, 0o600);
    console.log(JSON.stringify({ name: 'my-witness', publicKey: toBase64Url(witnessPublicKey(seed)) }));
    console.log(`witness key id ${witnessIdOf(seed)} — add the line above to the server's KT_WITNESSES`);
  });
program
  .command('run')
  .requiredOption('--server <url>')
  .requiredOption('--key <file>')
  .requiredOption('--state <file>')
  .option('--log-key <base64url>', "pin the log's public key (default: trust on first use, then remembered in the state file)")
  .option('--interval <seconds>', 'poll interval', '10')
  .option('--once', 'one round, then exit')
  .action(async (o: { server: string; key: string; state: string; logKey?: string; interval: string; once?: boolean }) => {
    const seed = fromBase64Url(readJson<{ seed: string }>(o.key).seed, 'seed');
    const source = new HttpLogSource(o.server);
    let state = readJson<WitnessState & { logKey?: string }>(o.state, { logs: {} });
    const logKey = o.logKey ?? state.logKey ?? toBase64Url((await source.logKey()).publicKey);
    for (;;) {
      try {
        const step = await witnessStep(source, fromBase64Url(logKey), seed, state);
        state = { ...step.state, logKey };
        writeJson(o.state, state);
        const res = await fetch(`${o.server.replace(/\/+$/, '')}/v1/transparency/cosignatures`, {
          method: 'POST', headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ head: treeHeadToJson(step.head), cosignature: cosignatureToJson(step.cosignature) }),
        });
        console.log(`cosigned size ${step.head.treeSize}: server answered ${res.status}`);
      } catch (e) {
        if (TransparencyError.is(e)) {
          console.error(`REFUSED (${e.code}): ${e.message}`);
          console.error(JSON.stringify({ cosigned: state.logs }, null, 2));
          process.exitCode = 1;
          return;
        }
        console.error(`round failed: ${e instanceof Error ? e.message : String(e)}`);
      }
      if (o.once) return;
      await new Promise((r) => setTimeout(r, Number(o.interval) * 1000));
    }
  });
await program.parseAsync();
