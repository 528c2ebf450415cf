// The registration secret (docs/MODERATION.md "Registration gate"): REGISTRATION_SECRET (base64url, ≥ 32 bytes) or a
// file (mode 0600) created on first start, like the transparency log key: configuration, never the database, so a
// copy of the database alone can neither forge proof-of-work challenges nor test guessed networks against the
// stored network hashes. Every process of a deployment must use the same secret. Sub-keys are separated by label.
import { createHmac, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fromBase64Url, toBase64Url } from '../../../../client/protocol.ts';
import type { RegistrationConfig } from '../../../config.ts';

/** Domain-separation labels of the sub-keys (docs/MODERATION.md "Registration gate"). */
export const POW_SIGNATURE_LABEL = 'franking-chat/v1/pow-signature';
export const POW_KEY_SIGNATURE_LABEL = 'franking-chat/v1/pow-key-signature';
export const NETWORK_ROOT_LABEL = 'franking-chat/v1/network-root';

export interface RegistrationKeys {
  /** altcha challenge HMAC secret (hex) */
  powSignature: string;
  /** altcha derived-key HMAC secret (hex): verification without re-deriving */
  powKeySignature: string;
  /** root of the network-hash period keys (server/services/accounts/registration/network.ts) */
  networkRoot: Uint8Array;
}

const sub = (master: Uint8Array, label: string) => createHmac('sha256', master).update(label).digest();

export function deriveRegistrationKeys(master: Uint8Array): RegistrationKeys {
  if (master.length < 32) throw new RangeError(`registration secret: expected at least 32 bytes, got length=${master.length}`);
  return {
    powSignature: sub(master, POW_SIGNATURE_LABEL).toString('hex'),
    powKeySignature: sub(master, POW_KEY_SIGNATURE_LABEL).toString('hex'),
    networkRoot: new Uint8Array(sub(master, NETWORK_ROOT_LABEL)),
  };
}

export function loadRegistrationKeys(cfg: Pick<RegistrationConfig, 'secret' | 'secretFile'>): { keys: RegistrationKeys; created: boolean } {
  if (cfg.secret) return { keys: deriveRegistrationKeys(fromBase64Url(cfg.secret, 'REGISTRATION_SECRET')), created: false };
  const read = () => {
    const j = JSON.parse(fs.readFileSync(cfg.secretFile, 'utf8')) as { secret?: unknown };
    if (typeof j.secret !== 'string') throw new Error(`${cfg.secretFile}: expected {"secret": "<base64url>"}`);
    return deriveRegistrationKeys(fromBase64Url(j.secret, 'secret'));
  };
  if (fs.existsSync(cfg.secretFile)) return { keys: read(), created: false };
  const secret = randomBytes(32);
  fs.mkdirSync(path.dirname(path.resolve(cfg.secretFile)), { recursive: true });
  const tmp = `${cfg.secretFile}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify({ secret: toBase64Url(secret) }, null, 2)}\n`, { mode: 0o600 });
  try {
    // link fails when another process created the file first: then everyone uses that one.
    fs.linkSync(tmp, cfg.secretFile);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    return { keys: read(), created: false };
  } finally {
    fs.rmSync(tmp, { force: true });
  }
  return { keys: deriveRegistrationKeys(secret), created: true };
}
