// npm run evidence:verify -- FILE [--key <base64url public key | file with the well-known key document>]
//
// Offline check of a signed evidence package (docs/MODERATION.md "Evidence packages"): canonical form, the
// Ed25519 signature of the moderation service, and every revealed item re-opened against its commitment with
// the SDK's own code (client/protocol.ts). Pass --key with the key published at
// /.well-known/franking-chat/moderation-key.json (fetched beforehand, e.g. when the request was answered);
// without it the key named inside the package is used, which proves integrity but not origin.
// Exit status: 0 valid, 1 invalid, 2 usage error.
import fs from 'node:fs';
import { fromBase64Url } from '../client/protocol.ts';
import { verifyEvidencePackage } from '../server/services/cases/index.ts';

function keyFrom(arg: string): Uint8Array {
  if (fs.existsSync(arg)) {
    const doc = JSON.parse(fs.readFileSync(arg, 'utf8')) as { publicKey?: string };
    if (typeof doc.publicKey !== 'string') throw new Error(`${arg}: no publicKey member`);
    return fromBase64Url(doc.publicKey);
  }
  return fromBase64Url(arg);
}

function main(argv: string[]): number {
  const args = argv.filter((a) => a !== '--');
  const k = args.indexOf('--key');
  let key: Uint8Array | undefined;
  if (k >= 0) {
    const v = args[k + 1];
    if (!v) return usage();
    key = keyFrom(v);
    args.splice(k, 2);
  }
  const file = args[0];
  if (!file || args.length !== 1) return usage();
  const r = verifyEvidencePackage(new Uint8Array(fs.readFileSync(file)), key);
  console.log(`purpose: ${r.purpose ?? '(none)'}`);
  console.log(`request reference: ${r.requestReference ?? '(none given)'}`);
  for (const i of r.items) console.log(`report ${i.reportId} item ${i.position}: server said ${i.serverResult}; offline: ${i.opens ? 'opens its commitment, header matches the stamp' : (i.problem ?? 'does not open')}`);
  console.log(`signature: ${r.signatureValid ? 'valid' : 'INVALID'} (key ${r.keyUsed ?? '?'}${key ? '' : ', taken from the package itself — pass --key to check its origin'})`);
  for (const e of r.errors) console.log(`error: ${e}`);
  console.log(r.ok ? 'VALID evidence package' : 'INVALID evidence package');
  return r.ok ? 0 : 1;
}

function usage(): number {
  console.error('usage: npm run evidence:verify -- FILE [--key <base64url | well-known key JSON file>]');
  return 2;
}

process.exitCode = main(process.argv.slice(2));
