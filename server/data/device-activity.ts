// When each device was last active (docs/PROTOCOL-devices.md D8.3): one coarse time on the device's record, written
// by a conditional update so that every process together writes it at most once per window.
import type { Db } from '../db.ts';

export interface DeviceActivityRow {
  deviceId: number;
  lastSeenAt: Date | null;
}

export function deviceActivityRepo(db: Db) {
  return {
    /**
     * Sets the device's lastSeenAt to `windowStart` unless it is already there or later; a removed device (or one the
     * account never listed, e.g. an account without a list) has no current record and is left alone. Whether it wrote.
     */
    async mark(accountId: string, deviceId: number, windowStart: Date): Promise<boolean> {
      const r = await db.deviceRecord.updateMany({
        where: { accountId, deviceId: BigInt(deviceId), removedInVersion: null, OR: [{ lastSeenAt: null }, { lastSeenAt: { lt: windowStart } }] },
        data: { lastSeenAt: windowStart },
      });
      return r.count > 0;
    },
    /** The account's current devices (D12.3 records not removed) with their lastSeenAt, ascending by device id. */
    async current(accountId: string): Promise<DeviceActivityRow[]> {
      const rows = await db.deviceRecord.findMany({ where: { accountId, removedInVersion: null }, orderBy: { deviceId: 'asc' }, select: { deviceId: true, lastSeenAt: true } });
      return rows.map((r) => ({ deviceId: Number(r.deviceId), lastSeenAt: r.lastSeenAt }));
    },
  };
}
export type DeviceActivityRepo = ReturnType<typeof deviceActivityRepo>;
