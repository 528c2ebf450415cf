// Key directory storage: signed prekey on the account row, one-time prekeys in their own table.
import type { Bytes } from './_bytes.ts';
import type { Db } from '../db.ts';

export interface OneTimePreKeyRow {
  keyId: number;
  publicKey: Bytes;
}

export function keysRepo(db: Db) {
  return {
    async setSignedPreKey(accountId: string, keyId: number, publicKey: Bytes, signature: Bytes): Promise<void> {
      await db.account.update({
        where: { id: accountId },
        data: { signedPreKeyId: keyId, signedPreKey: publicKey, signedPreKeySignature: signature },
      });
    },

    /** Adds keys whose id is new for this account (re-uploading an id is a no-op); returns the stored count. */
    async addOneTimePreKeys(accountId: string, keys: OneTimePreKeyRow[]): Promise<number> {
      return db.$transaction(async (tx) => {
        const existing = await tx.oneTimePreKey.findMany({
          where: { accountId, keyId: { in: keys.map((k) => k.keyId) } },
          select: { keyId: true },
        });
        const taken = new Set(existing.map((k) => k.keyId));
        const fresh = keys.filter((k) => !taken.has(k.keyId));
        if (fresh.length) await tx.oneTimePreKey.createMany({ data: fresh.map((k) => ({ accountId, ...k })) });
        return tx.oneTimePreKey.count({ where: { accountId } });
      });
    },

    async countOneTimePreKeys(accountId: string): Promise<number> {
      return db.oneTimePreKey.count({ where: { accountId } });
    },

    /**
     * Hands out one one-time prekey at most once: the DELETE decides. Two concurrent claimers may read the
     * same row; only the one whose delete removed it (count 1) returns it, the other retries with the next.
     */
    async claimOneTimePreKey(accountId: string): Promise<OneTimePreKeyRow | null> {
      for (let attempt = 0; attempt < 16; attempt++) {
        const candidate = await db.oneTimePreKey.findFirst({ where: { accountId }, orderBy: { keyId: 'asc' }, select: { keyId: true, publicKey: true } });
        if (!candidate) return null;
        const { count } = await db.oneTimePreKey.deleteMany({ where: { accountId, keyId: candidate.keyId } });
        if (count === 1) return candidate;
      }
      return null; // extreme contention: behave as "none left" rather than spin
    },

    async bundleParts(accountId: string) {
      return db.account.findUnique({
        where: { id: accountId },
        select: { identitySigningKey: true, identityDhKey: true, signedPreKeyId: true, signedPreKey: true, signedPreKeySignature: true },
      });
    },
  };
}
export type KeysRepo = ReturnType<typeof keysRepo>;
