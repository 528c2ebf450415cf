// Stamping keys K[kid] (docs/PROTOCOL.md §7.2) live in configuration, never in the database next to the
// data they authenticate: STAMP_KEYRING (JSON) or a key file (mode 0600). `npm run admin -- keys rotate`
// rotates; every running process reloads the file (server/shared/keyring-sync.ts: a Redis event from the admin
// command, a periodic check of the file, and a check before each report verification, so a process never meets
// a stamp under a key that is in the file but not in its memory). Retired keys are pruned after the report window.
// Several processes share ONE key file (same path on one machine, shared storage across machines: docs/SCALING.md).
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Keyring } from '../../../client/protocol.ts';

export interface KeyringSource {
  json: string | undefined;
  file: string;
}

export function newKid(now: number): string {
  return `k${new Date(now).toISOString().slice(0, 10).replaceAll('-', '')}-${randomBytes(4).toString('hex')}`;
}

/** Loads the keyring; on first start with no configuration, creates the key file with one fresh key. */
export function loadKeyring(src: KeyringSource, now = Date.now()): { keyring: Keyring; created: boolean } {
  if (src.json) return { keyring: Keyring.fromJSON(JSON.parse(src.json)), created: false };
  if (fs.existsSync(src.file)) return { keyring: readKeyFile(src.file), created: false };
  // First start: several processes may get here together. Only one link() of a complete temp file succeeds; the
  // others read the file it created, so no process ever stamps with a key that is in no file.
  const keyring = Keyring.create(newKid(now), randomBytes(32), now);
  fs.mkdirSync(path.dirname(path.resolve(src.file)), { recursive: true });
  const tmp = `${src.file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(keyring.toJSON(), null, 2)}\n`, { mode: 0o600 });
  try {
    fs.linkSync(tmp, src.file);
    return { keyring, created: true };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    return { keyring: readKeyFile(src.file), created: false };
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

function readKeyFile(file: string): Keyring {
  return Keyring.fromJSON(JSON.parse(fs.readFileSync(file, 'utf8')));
}

/** Atomic replace (write temp + rename), owner-only permissions. */
export function saveKeyring(file: string, keyring: Keyring): void {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(keyring.toJSON(), null, 2)}\n`, { mode: 0o600 });
  fs.renameSync(tmp, file);
}

/** Admin command: new active key; previous becomes verify-only; keys rotated out before the window are retired. */
export function rotateKeyFile(file: string, windowMs: number, now = Date.now()): { kid: string; retired: string[] } {
  const { keyring } = loadKeyring({ json: undefined, file }, now);
  const kid = newKid(now);
  keyring.rotate(kid, randomBytes(32), now);
  const retired = keyring.prune(now, windowMs);
  saveKeyring(file, keyring);
  return { kid, retired };
}

export function retireKey(file: string, kid: string, now = Date.now()): void {
  const { keyring } = loadKeyring({ json: undefined, file }, now);
  keyring.retire(kid, now);
  saveKeyring(file, keyring);
}
