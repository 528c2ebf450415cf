// One keyring and one log key per deployment (docs/SCALING.md "One keyring per deployment"). Processes on one
// database must stamp with keys every other process can verify, and sign the key log with one key; a process started
// with its own data directory would otherwise create its own stamping key and log key without a word, and a genuine
// report filed on another process would be stored as "unverified (unknown_key)". So at start a process compares:
//   - its stamping keyring with the check values the deployment's processes registered in the database
//     (StampKeyCheck: HMAC-SHA256(K[kid], "franking-chat/v1/keyring-check\0") per kid — identifies a key, reveals
//     nothing about it): the same kid with another key, or a kid another process held active within the report
//     window that this keyring lacks, is a split;
//   - its log key with the key that signed the log's heads in the database.
// On a split it refuses to start, naming the setting to fix. Otherwise it registers its kids, and keeps its active
// kid marked while it runs (after a rotation too), so a process started later with a stale key file is refused.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { type Keyring, fromBase64Url, toBase64Url } from '../../client/protocol.ts';
import { asBytes } from '../data/_bytes.ts';
import type { StampKeyChecksRepo } from '../data/stamp-key-checks.ts';

/** Domain-separation label of a stamping key's check value. */
export const KEYRING_CHECK_LABEL = 'franking-chat/v1/keyring-check\0';

/** A process whose keys are not the deployment's: it must not serve. The message names the setting to fix. */
export class DeploymentKeyMismatch extends Error {}

export const checkValueOf = (key: Uint8Array): Uint8Array => new Uint8Array(createHmac('sha256', key).update(KEYRING_CHECK_LABEL).digest());

/** Where this process's stamping keyring comes from, for the error message. */
export interface KeyringOrigin {
  json: boolean;
  file: string;
}

/** Every kid of the keyring, with its check value; null for a retired kid (its key wiped: `admin keys retire`). */
function ownKeys(keyring: Keyring): Array<{ kid: string; check: Uint8Array | null }> {
  return keyring.toJSON().keys.map((k) => ({ kid: k.kid, check: k.key === null ? null : checkValueOf(fromBase64Url(k.key)) }));
}

/**
 * Compares this process's stamping keyring with the deployment's and registers it (one locked transaction, retried
 * when SQLite reports a concurrent writer). Throws DeploymentKeyMismatch on a split.
 */
export async function checkStampingKeyring(repo: StampKeyChecksRepo, keyring: Keyring, origin: KeyringOrigin, windowMs: number, now = Date.now()): Promise<void> {
  const mine = ownKeys(keyring);
  for (let attempt = 1; ; attempt++) {
    try {
      await repo.locked(async (tx) => {
        const problems: string[] = [];
        for (const row of await tx.all()) {
          const own = mine.find((k) => k.kid === row.kid);
          if (own?.check && !(own.check.length === row.checkValue.length && timingSafeEqual(own.check, row.checkValue)))
            problems.push(`stamping key "${row.kid}" here is another key than the "${row.kid}" the other processes hold`);
          else if (!own && row.activeSeenAt && row.activeSeenAt.getTime() > now - windowMs)
            problems.push(`stamping key "${row.kid}", which another process stamped with (last ${row.activeSeenAt.toISOString()}), is not in this process's keyring`);
        }
        if (problems.length) {
          const where = origin.json ? 'STAMP_KEYRING (JSON in the environment)' : `STAMP_KEYRING_FILE (now ${origin.file})`;
          throw new DeploymentKeyMismatch(
            `refusing to start: this process's stamping keyring is not the deployment's (the processes on this database): ${problems.join('; ')}. ` +
              `Reports stamped by one would be "unverified (unknown_key)" on the other. Fix ${where}: every process must load the same keyring — ` +
              `the same STAMP_KEYRING_FILE (one file on shared storage) or the same STAMP_KEYRING (docs/SCALING.md "One keyring per deployment").`,
          );
        }
        for (const k of mine) if (k.check) await tx.register(k.kid, asBytes(k.check), k.kid === keyring.activeKid ? new Date(now) : null);
      });
      return;
    } catch (e) {
      if (e instanceof DeploymentKeyMismatch || attempt >= 5) throw e;
      await new Promise((r) => setTimeout(r, 10 * attempt + Math.random() * 40));
    }
  }
}

/** A running process keeps its kids registered and its active kid marked (rotation reloads included). */
export async function registerStampingKeyring(repo: StampKeyChecksRepo, keyring: Keyring, now = Date.now()): Promise<void> {
  await repo.locked(async (tx) => {
    for (const k of ownKeys(keyring)) if (k.check) await tx.register(k.kid, asBytes(k.check), k.kid === keyring.activeKid ? new Date(now) : null);
  });
}

/** The log's heads in the database are signed by `stored`; this process signs with `own`. */
export function checkLogKey(stored: Uint8Array, own: Uint8Array, origin: { seed: boolean; file: string }): void {
  if (toBase64Url(stored) === toBase64Url(own)) return;
  const where = origin.seed ? 'KT_LOG_KEY' : `KT_LOG_KEY_FILE (now ${origin.file}; or KT_LOG_KEY)`;
  throw new DeploymentKeyMismatch(
    `refusing to start: the key-transparency log in this database is signed by log key ${toBase64Url(stored)}, this process has log key ${toBase64Url(own)}. ` +
      `Fix ${where}: every process must sign with the deployment's log key — the same KT_LOG_KEY_FILE (or KT_LOG_KEY) for all (docs/SCALING.md "One keyring per deployment").`,
  );
}
