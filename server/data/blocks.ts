// Block lists (docs/API.md "Blocking, handles, quotas"): rows (blockerId, blockedId). Read on every send, for the recipients of that send only.
import type { Db } from '../db.ts';

export function blocksRepo(db: Db) {
  return {
    async add(blockerId: string, blockedId: string): Promise<Date> {
      const row = await db.block.upsert({
        where: { blockerId_blockedId: { blockerId, blockedId } },
        create: { blockerId, blockedId },
        update: {},
        select: { createdAt: true },
      });
      return row.createdAt;
    },
    async remove(blockerId: string, blockedId: string): Promise<boolean> {
      return (await db.block.deleteMany({ where: { blockerId, blockedId } })).count > 0;
    },
    async list(blockerId: string): Promise<Array<{ blockedId: string; createdAt: Date }>> {
      return db.block.findMany({ where: { blockerId }, orderBy: { createdAt: 'desc' }, select: { blockedId: true, createdAt: true } });
    },
    async count(blockerId: string): Promise<number> {
      return db.block.count({ where: { blockerId } });
    },
    /** Which of `recipientIds` have blocked `senderId`. */
    async blockersOf(senderId: string, recipientIds: string[]): Promise<string[]> {
      if (recipientIds.length === 0) return [];
      const rows = await db.block.findMany({ where: { blockedId: senderId, blockerId: { in: recipientIds } }, select: { blockerId: true } });
      return rows.map((r) => r.blockerId);
    },
  };
}
export type BlocksRepo = ReturnType<typeof blocksRepo>;
