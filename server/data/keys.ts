// Key directory storage: signed prekey on the account row, one-time prekeys in their own table. Accounts with a device
// list (docs/PROTOCOL-devices.md D8.1) keep a signed prekey per device (DeviceSignedPreKey) and one-time prekeys per
// device; an account without a list is device 1 (D17.3).
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

    async setDeviceSignedPreKey(accountId: string, deviceId: number, keyId: number, publicKey: Bytes, signature: Bytes): Promise<void> {
      const data = { keyId, publicKey, signature };
      await db.deviceSignedPreKey.upsert({ where: { accountId_deviceId: { accountId, deviceId: BigInt(deviceId) } }, create: { accountId, deviceId: BigInt(deviceId), ...data }, update: data });
    },

    async deviceSignedPreKey(accountId: string, deviceId: number): Promise<{ keyId: number; publicKey: Bytes; signature: Bytes } | null> {
      return db.deviceSignedPreKey.findUnique({ where: { accountId_deviceId: { accountId, deviceId: BigInt(deviceId) } }, select: { keyId: true, publicKey: true, signature: true } });
    },

    /** Adds keys whose id is new for this device (re-uploading an id is a no-op); returns the device's stored count. */
    async addOneTimePreKeys(accountId: string, keys: OneTimePreKeyRow[], deviceId = 1): Promise<number> {
      const device = BigInt(deviceId);
      return db.$transaction(async (tx) => {
        const existing = await tx.oneTimePreKey.findMany({
          where: { accountId, deviceId: device, keyId: { in: keys.map((k) => k.keyId) } },
          select: { keyId: true },
        });
        const taken = new Set(existing.map((k) => k.keyId));
        const fresh = keys.filter((k) => !taken.has(k.keyId));
        if (fresh.length) await tx.oneTimePreKey.createMany({ data: fresh.map((k) => ({ accountId, deviceId: device, ...k })) });
        return tx.oneTimePreKey.count({ where: { accountId, deviceId: device } });
      });
    },

    async countOneTimePreKeys(accountId: string, deviceId = 1): Promise<number> {
      return db.oneTimePreKey.count({ where: { accountId, deviceId: BigInt(deviceId) } });
    },

    /**
     * Hands out one one-time prekey at most once: the DELETE decides. Two concurrent claimers may read the
     * same row; only the one whose delete removed it (count 1) returns it, the other retries with the next.
     */
    async claimOneTimePreKey(accountId: string, deviceId = 1): Promise<OneTimePreKeyRow | null> {
      const device = BigInt(deviceId);
      for (let attempt = 0; attempt < 16; attempt++) {
        const candidate = await db.oneTimePreKey.findFirst({ where: { accountId, deviceId: device }, orderBy: { keyId: 'asc' }, select: { keyId: true, publicKey: true } });
        if (!candidate) return null;
        const { count } = await db.oneTimePreKey.deleteMany({ where: { accountId, deviceId: device, keyId: candidate.keyId } });
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
