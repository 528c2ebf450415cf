// MLS key packages in the key directory (docs/PROTOCOL.md §12.6): one-time packages are claimed and deleted
// in one statement (never handed out twice); the last-resort package stays.
import type { Db } from '../db.ts';
import type { Bytes } from './_bytes.ts';

export function keyPackagesRepo(db: Db) {
  return {
    async add(accountId: string, packages: Array<{ ref: string; data: Bytes }>, lastResort?: { ref: string; data: Bytes }): Promise<void> {
      await db.$transaction(async (tx) => {
        if (lastResort) {
          await tx.keyPackage.deleteMany({ where: { accountId, lastResort: true } });
          await tx.keyPackage.create({ data: { ref: lastResort.ref, accountId, data: lastResort.data, lastResort: true } });
        }
        if (packages.length) await tx.keyPackage.createMany({ data: packages.map((p) => ({ ...p, accountId })) });
      });
    },

    async count(accountId: string): Promise<{ oneTime: number; lastResort: boolean }> {
      const [oneTime, lastResort] = await Promise.all([
        db.keyPackage.count({ where: { accountId, lastResort: false } }),
        db.keyPackage.count({ where: { accountId, lastResort: true } }),
      ]);
      return { oneTime, lastResort: lastResort > 0 };
    },

    /** The oldest one-time package, deleted as it is read (a concurrent claimer gets another); else the last resort. */
    async claim(accountId: string): Promise<{ data: Bytes; lastResort: boolean } | null> {
      for (let attempt = 0; attempt < 5; attempt++) {
        const next = await db.keyPackage.findFirst({ where: { accountId, lastResort: false }, orderBy: { createdAt: 'asc' }, select: { ref: true, data: true } });
        if (!next) break;
        const { count } = await db.keyPackage.deleteMany({ where: { ref: next.ref, lastResort: false } });
        if (count === 1) return { data: next.data as Bytes, lastResort: false };
      }
      const last = await db.keyPackage.findFirst({ where: { accountId, lastResort: true }, select: { data: true } });
      return last ? { data: last.data as Bytes, lastResort: true } : null;
    },
  };
}
export type KeyPackagesRepo = ReturnType<typeof keyPackagesRepo>;
