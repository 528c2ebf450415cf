// API report of the SDK package (docs/SDK.md "Stability and reference"): API Extractor reads the built .d.ts of each package entry point and
// writes its public API to client/etc/<name>.api.md, which is committed. `npm run api:check` fails when the
// public API differs from the committed report; `npm run api:update` accepts the change (review the diff).
//   npm run api:check     (CI; rebuilds client/dist first when a source is newer)
//   npm run api:update    (after an intended API change)
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Extractor, ExtractorConfig, type ExtractorMessage } from '@microsoft/api-extractor';
import { ROOT, SDK_DIR, ensureSdkBuilt } from './build-sdk.ts';

/** Package entry point → report name (client/etc/<report>.api.md). */
export const API_ENTRIES: ReadonlyArray<{ entry: string; dts: string; report: string }> = [
  { entry: '.', dts: 'dist/index.d.ts', report: 'sdk' },
  { entry: './protocol', dts: 'dist/protocol.d.ts', report: 'protocol' },
  { entry: './contract', dts: 'dist/transport/contract/index.d.ts', report: 'contract' },
  { entry: './contract/moderation', dts: 'dist/transport/contract/moderation/index.d.ts', report: 'contract-moderation' },
  { entry: './crypto/node', dts: 'dist/crypto/node.d.ts', report: 'crypto-node' },
];

export function apiReport(update: boolean): { changed: string[]; problems: string[] } {
  ensureSdkBuilt();
  const configPath = path.join(SDK_DIR, 'api-extractor.json');
  const base = ExtractorConfig.loadFile(configPath);
  const changed: string[] = [];
  const problems: string[] = [];
  for (const { entry, dts, report } of API_ENTRIES) {
    const config = ExtractorConfig.prepare({
      configObject: { ...base, mainEntryPointFilePath: `<projectFolder>/${dts}`, apiReport: { ...base.apiReport!, reportFileName: report } },
      configObjectFullPath: configPath,
      packageJsonFullPath: path.join(SDK_DIR, 'package.json'),
    });
    const result = Extractor.invoke(config, {
      localBuild: update,
      messageCallback: (m: ExtractorMessage) => {
        // Analysis warnings (a forgotten export, a malformed doc comment) are written into the report itself, so a
        // new one changes the report and fails the check; what reaches here are compiler errors and the like.
        if (m.category !== 'console' && (m.logLevel === 'error' || m.logLevel === 'warning')) problems.push(`${entry}: ${m.formatMessageWithLocation(SDK_DIR)}`);
        m.handled = true;
      },
    });
    if (result.apiReportChanged) changed.push(path.relative(ROOT, path.join(SDK_DIR, 'etc', `${report}.api.md`)));
    if (!result.succeeded && !result.apiReportChanged) problems.push(`${entry}: API Extractor failed (${result.errorCount} errors)`);
  }
  return { changed, problems };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const update = process.argv.includes('--update');
  const { changed, problems } = apiReport(update);
  for (const p of problems) process.stderr.write(`${p}\n`);
  if (update) {
    process.stdout.write(changed.length ? `api:update: rewrote ${changed.join(', ')} — review and commit the diff\n` : 'api:update: reports already up to date\n');
    if (problems.length) process.exitCode = 1;
  } else if (changed.length || problems.length) {
    if (changed.length)
      process.stderr.write(
        `api:check: the public API differs from ${changed.join(', ')}.\n` +
          changed.map((f) => `  diff ${f} client/dist/.api-report/${path.basename(f)}\n`).join('') +
          'If the change is intended, run `npm run api:update` and commit the report.\n',
      );
    process.exitCode = 1;
  } else process.stdout.write(`api:check: public API matches client/etc/{${API_ENTRIES.map((e) => e.report).join(',')}}.api.md\n`);
}
