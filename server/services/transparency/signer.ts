// The transparency log's own Ed25519 key (never a stamping key) and the witnesses it accepts cosignatures from.
// KT_LOG_KEY (base64url seed) or a key file (mode 0600) created on first start, like the stamping keyring:
// configuration, never the database. The public key and its key id are published at /v1/transparency/log-key.
import { createPrivateKey, randomBytes, sign } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ed25519 } from '@noble/curves/ed25519.js';
import { fromBase64Url, toBase64Url } from '../../../client/protocol.ts';
import { type WitnessKey, logKeyId, witnessKeyId } from '../../../client/transparency/index.ts';
import type { TransparencyConfig } from '../../config.ts';
import { nodeSha256 } from './hash.ts';

// RFC 8410 PKCS#8 prefix for a raw 32-byte Ed25519 seed.
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

export interface LogSigner {
  publicKey: Uint8Array;
  logKeyId: Uint8Array;
  sign(message: Uint8Array): Uint8Array;
}

export function logSignerFromSeed(seed: Uint8Array): LogSigner {
  if (seed.length !== 32) throw new RangeError(`KT log key: expected a 32-byte seed, got length=${seed.length}`);
  const key = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
  const publicKey = ed25519.getPublicKey(seed);
  return { publicKey, logKeyId: logKeyId(publicKey, nodeSha256), sign: (m) => new Uint8Array(sign(null, m, key)) };
}

export function loadLogSigner(cfg: TransparencyConfig): { signer: LogSigner; created: boolean } {
  if (cfg.logKeySeed) return { signer: logSignerFromSeed(fromBase64Url(cfg.logKeySeed, 'KT_LOG_KEY')), created: false };
  if (fs.existsSync(cfg.logKeyFile)) {
    const j = JSON.parse(fs.readFileSync(cfg.logKeyFile, 'utf8')) as { seed?: unknown };
    if (typeof j.seed !== 'string') throw new Error(`${cfg.logKeyFile}: expected {"seed": "<base64url>"}`);
    return { signer: logSignerFromSeed(fromBase64Url(j.seed, 'seed')), created: false };
  }
  // First start: several processes sharing the data directory may get here together. Only one link() of a complete
  // temp file succeeds; the others read the file it created, so they all sign with one key (a rename would let
  // each process keep a key of its own while the last one wins the file).
  const seed = randomBytes(32);
  fs.mkdirSync(path.dirname(path.resolve(cfg.logKeyFile)), { recursive: true });
  const tmp = `${cfg.logKeyFile}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify({ algorithm: 'Ed25519', seed: toBase64Url(seed) }, null, 2)}\n`, { mode: 0o600 });
  try {
    fs.linkSync(tmp, cfg.logKeyFile);
    return { signer: logSignerFromSeed(seed), created: true };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    return loadLogSigner(cfg);
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

export function parseWitnesses(json: string | undefined): WitnessKey[] {
  if (!json) return [];
  const list = JSON.parse(json) as unknown;
  if (!Array.isArray(list) || list.length > 16) throw new Error('KT_WITNESSES: expected a JSON array of at most 16 {name, publicKey}');
  return list.map((w: { name?: unknown; publicKey?: unknown }, i) => {
    if (typeof w.name !== 'string' || !/^[\w .-]{1,64}$/.test(w.name) || typeof w.publicKey !== 'string') throw new Error(`KT_WITNESSES[${i}]: expected {name, publicKey}`);
    const publicKey = fromBase64Url(w.publicKey, `KT_WITNESSES[${i}].publicKey`);
    if (publicKey.length !== 32) throw new Error(`KT_WITNESSES[${i}].publicKey: expected 32 bytes`);
    return { name: w.name, publicKey };
  });
}

export const witnessIdText = (w: WitnessKey): string => toBase64Url(witnessKeyId(w.publicKey, nodeSha256));
