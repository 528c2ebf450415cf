// MLS key packages in the key directory (docs/PROTOCOL.md §12.6): one-time packages are claimed and deleted
// in one statement (never handed out twice); the last-resort package stays. Per device (docs/PROTOCOL-devices.md
// D14.3): each device keeps its own packages and its own last-resort one; an account without a device list is
// device 1 (D17.3).
import type { Db } from '../db.ts';
import type { Bytes } from './_bytes.ts';

export function keyPackagesRepo(db: Db) {
  return {
    async add(accountId: string, packages: Array<{ ref: string; data: Bytes }>, lastResort?: { ref: string; data: Bytes }, deviceId = 1): Promise<void> {
      const device = BigInt(deviceId);
      await db.$transaction(async (tx) => {
        if (lastResort) {
          await tx.keyPackage.deleteMany({ where: { accountId, deviceId: device, lastResort: true } });
          await tx.keyPackage.create({ data: { ref: lastResort.ref, accountId, deviceId: device, data: lastResort.data, lastResort: true } });
        }
        if (packages.length) await tx.keyPackage.createMany({ data: packages.map((p) => ({ ...p, accountId, deviceId: device })) });
      });
    },

    async count(accountId: string, deviceId = 1): Promise<{ oneTime: number; lastResort: boolean }> {
      const device = BigInt(deviceId);
      const [oneTime, lastResort] = await Promise.all([
        db.keyPackage.count({ where: { accountId, deviceId: device, lastResort: false } }),
        db.keyPackage.count({ where: { accountId, deviceId: device, lastResort: true } }),
      ]);
      return { oneTime, lastResort: lastResort > 0 };
    },

    /** The oldest one-time package of the device, deleted as it is read (a concurrent claimer gets another); else its last resort. */
    async claim(accountId: string, deviceId = 1): Promise<{ data: Bytes; lastResort: boolean } | null> {
      const device = BigInt(deviceId);
      for (let attempt = 0; attempt < 5; attempt++) {
        const next = await db.keyPackage.findFirst({ where: { accountId, deviceId: device, lastResort: false }, orderBy: { createdAt: 'asc' }, select: { ref: true, data: true } });
        if (!next) break;
        const { count } = await db.keyPackage.deleteMany({ where: { ref: next.ref, lastResort: false } });
        if (count === 1) return { data: next.data as Bytes, lastResort: false };
      }
      const last = await db.keyPackage.findFirst({ where: { accountId, deviceId: device, lastResort: true }, select: { data: true } });
      return last ? { data: last.data as Bytes, lastResort: true } : null;
    },
  };
}
export type KeyPackagesRepo = ReturnType<typeof keyPackagesRepo>;
