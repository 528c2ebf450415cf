// Data access of link channels (docs/PROTOCOL-linking.md L8): the database is the truth, so any process of a
// deployment serves any request of a channel. The next seq per side is the frame's primary key (a lost race is a
// unique violation); the frame and byte bounds are a conditional update in the same transaction.
import type { Db } from '../../db.ts';
import { isUniqueViolation } from '../../data/_prisma-errors.ts';

export interface LinkChannelRow {
  id: string;
  newTokenHash: Uint8Array;
  existingTokenHash: Uint8Array | null;
  expiresAt: Date;
}

export type AppendResult = 'ok' | 'sequence' | 'full' | 'gone';

const asBytes = (b: Uint8Array): Uint8Array<ArrayBuffer> => new Uint8Array(b);

export function linkStore(db: Db) {
  return {
    async create(id: string, newTokenHash: Uint8Array, expiresAt: Date): Promise<void> {
      await db.linkChannel.create({ data: { id, newTokenHash: asBytes(newTokenHash), expiresAt } });
    },
    async find(id: string): Promise<LinkChannelRow | null> {
      return db.linkChannel.findUnique({ where: { id }, select: { id: true, newTokenHash: true, existingTokenHash: true, expiresAt: true } });
    },
    /** Sets E's side once: false when another device joined first (or the channel is gone or expired). */
    async join(id: string, existingTokenHash: Uint8Array, now: Date): Promise<boolean> {
      const r = await db.linkChannel.updateMany({ where: { id, existingTokenHash: null, expiresAt: { gt: now } }, data: { existingTokenHash: asBytes(existingTokenHash) } });
      return r.count === 1;
    },
    /** Files frame `seq` of `side` if it is the side's next and the channel's bounds allow it. */
    async append(id: string, side: 1 | 2, seq: number, frame: Uint8Array, bounds: { maxFrames: number; maxBytes: number }, now: Date): Promise<AppendResult> {
      try {
        return await db.$transaction(async (tx) => {
          const count = await tx.linkFrame.count({ where: { channelId: id, side } });
          if (seq !== count + 1) return 'sequence' as const;
          if (count >= bounds.maxFrames) return 'full' as const;
          const r = await tx.linkChannel.updateMany({
            where: { id, expiresAt: { gt: now }, byteCount: { lte: bounds.maxBytes - frame.length } },
            data: { frameCount: { increment: 1 }, byteCount: { increment: frame.length } },
          });
          if (r.count === 0) return (await tx.linkChannel.count({ where: { id, expiresAt: { gt: now } } })) === 0 ? ('gone' as const) : ('full' as const);
          await tx.linkFrame.create({ data: { channelId: id, side, seq, frame: asBytes(frame) } });
          return 'ok' as const;
        });
      } catch (e) {
        // Two posts of one seq at once (two processes): the primary key keeps one.
        if (isUniqueViolation(e)) return 'sequence';
        throw e;
      }
    },
    async frames(id: string, side: 1 | 2, after: number, limit: number): Promise<Array<{ seq: number; frame: Uint8Array }>> {
      return db.linkFrame.findMany({ where: { channelId: id, side, seq: { gt: after } }, orderBy: { seq: 'asc' }, take: limit, select: { seq: true, frame: true } });
    },
    async remove(id: string): Promise<void> {
      await db.linkChannel.deleteMany({ where: { id } });
    },
    /** Deletes expired channels (their frames go by cascade); returns how many. */
    async sweep(now: Date): Promise<number> {
      return (await db.linkChannel.deleteMany({ where: { expiresAt: { lte: now } } })).count;
    },
  };
}
export type LinkStore = ReturnType<typeof linkStore>;
