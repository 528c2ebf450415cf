// Device lists and device records (docs/PROTOCOL-devices.md D7.2, D12.3, D13.6). A list version is written only
// inside the key log's append transaction, together with its `device-list` leaf (server/data/transparency.ts hands
// `deviceListTx` to the append): a stored version always has its leaf, and a removed device's tokens, prekeys and
// key packages go in the same transaction.
import type { Bytes } from './_bytes.ts';
import type { Db, DbProvider } from '../db.ts';
import { useReleaseTx } from './handle-releases.ts';
import type { ModerationEventInput } from './moderation-events.ts';

type Tx = Parameters<Parameters<Db['$transaction']>[0]>[0];

export interface StoredDeviceList {
  accountId: string;
  listVersion: number;
  listHash: Bytes;
  list: Bytes;
  leafIndex: number;
  acceptedAt: Date;
}

export interface DeviceRecordRow {
  accountId: string;
  deviceId: number;
  addedInVersion: number;
  acceptedAt: Date;
  removedInVersion: number | null;
  removedAt: Date | null;
}

/** A list version being logged: its bytes and the device ids it lists. */
export interface DeviceListWrite {
  accountId: string;
  listVersion: number;
  listHash: Bytes;
  list: Bytes;
  leafIndex: number;
  acceptedAt: Date;
  deviceIds: readonly number[];
  /**
   * The `account_reset` event that commits with the list (D6.6: the reset's use of a handle release, single use),
   * written under the account's release lock after re-checking the release (./handle-releases.ts useReleaseTx).
   */
  event?: ModerationEventInput;
}

/** What storing a list changed: the devices it removed (their sessions are revoked on every process after commit). */
export interface DeviceListStored {
  removed: number[];
}

const toRecord = (r: { accountId: string; deviceId: bigint; addedInVersion: number; acceptedAt: Date; removedInVersion: number | null; removedAt: Date | null }): DeviceRecordRow => ({
  ...r, deviceId: Number(r.deviceId),
});

/** The writes of one logged list version, inside the append transaction (D7.2, D13.6). */
export function deviceListTx(tx: Tx, provider: DbProvider) {
  return {
    async store(w: DeviceListWrite): Promise<DeviceListStored> {
      // The log decides what a version is: a row already there for this version was never logged (its leaf is being
      // appended only now, under the log's lock), so it is replaced, not trusted.
      const row = { listHash: w.listHash, list: w.list, leafIndex: w.leafIndex, acceptedAt: w.acceptedAt };
      await tx.deviceListVersion.upsert({
        where: { accountId_listVersion: { accountId: w.accountId, listVersion: w.listVersion } }, create: { accountId: w.accountId, listVersion: w.listVersion, ...row }, update: row,
      });
      // Records are kept by the lists that were logged: a record whose adding version is not below this one was not
      // written by a logged list (the previous version is the newest logged one), so it is not trusted either.
      const live = await tx.deviceRecord.findMany({ where: { accountId: w.accountId, removedInVersion: null, addedInVersion: { lt: w.listVersion } }, select: { deviceId: true } });
      const liveIds = new Set(live.map((r) => Number(r.deviceId)));
      const current = new Set(w.deviceIds);
      // An account that had no list (D17.1 migration) has an implicit device 1: it is recorded by its genesis here.
      const added = w.deviceIds.filter((id) => !liveIds.has(id));
      const removed = [...liveIds].filter((id) => !current.has(id)).sort((a, b) => a - b);
      for (const id of added) {
        const rec = { addedInVersion: w.listVersion, acceptedAt: w.acceptedAt, removedInVersion: null, removedAt: null };
        await tx.deviceRecord.upsert({ where: { accountId_deviceId: { accountId: w.accountId, deviceId: BigInt(id) } }, create: { accountId: w.accountId, deviceId: BigInt(id), ...rec }, update: rec });
      }
      if (removed.length) {
        const ids = removed.map((id) => BigInt(id));
        await tx.deviceRecord.updateMany({ where: { accountId: w.accountId, deviceId: { in: ids } }, data: { removedInVersion: w.listVersion, removedAt: w.acceptedAt } });
        await tx.session.deleteMany({ where: { accountId: w.accountId, deviceId: { in: ids } } });
        // The removed devices' prekeys (D8.1's per-device directory) go with them (D6.2, D13.6).
        await tx.oneTimePreKey.deleteMany({ where: { accountId: w.accountId, deviceId: { in: ids } } });
        await tx.deviceSignedPreKey.deleteMany({ where: { accountId: w.accountId, deviceId: { in: ids } } });
        // Their MLS key packages (per device, D14.3) go too: nobody adds a removed device to a group.
        await tx.keyPackage.deleteMany({ where: { accountId: w.accountId, deviceId: { in: ids } } });
        // Their undelivered copies go too (D13.6): a removed device keeps nothing it had not already received.
        await tx.envelope.deleteMany({ where: { recipientId: w.accountId, targetDeviceId: { in: ids } } });
        // The account-level bundle is device 1's, the only device before device lists: it goes when device 1 is removed,
        // and so do the single-device envelopes queued for it (D17.3: they are delivered to device 1 only).
        if (removed.includes(1)) {
          await tx.envelope.deleteMany({ where: { recipientId: w.accountId, targetDeviceId: null } });
          await tx.account.update({ where: { id: w.accountId }, data: { signedPreKeyId: null, signedPreKey: null, signedPreKeySignature: null } });
        }
      }
      await tx.account.update({ where: { id: w.accountId }, data: { deviceListVersion: w.listVersion } });
      if (w.event) await useReleaseTx(tx, provider, w.event);
      return { removed };
    },
  };
}
export type DeviceListTx = ReturnType<typeof deviceListTx>;

export function devicesRepo(db: Db) {
  return {
    /** One stored version (whatever its row says; the service checks it against the log). */
    version: (accountId: string, listVersion: number): Promise<StoredDeviceList | null> => db.deviceListVersion.findUnique({ where: { accountId_listVersion: { accountId, listVersion } } }),
    /** Stored versions from..to inclusive, ascending. */
    versions: (accountId: string, from: number, to: number): Promise<StoredDeviceList[]> =>
      db.deviceListVersion.findMany({ where: { accountId, listVersion: { gte: from, lte: to } }, orderBy: { listVersion: 'asc' } }),
    /** The account's device records (D12.3), ascending by device id. */
    async records(accountId: string): Promise<DeviceRecordRow[]> {
      // Not lastSeenAt: it is the account's own devices' to read (D8.3, ./device-activity.ts), never carried elsewhere.
      const select = { accountId: true, deviceId: true, addedInVersion: true, acceptedAt: true, removedInVersion: true, removedAt: true } as const;
      return (await db.deviceRecord.findMany({ where: { accountId }, orderBy: { deviceId: 'asc' }, select })).map(toRecord);
    },
    /** Account.deviceListVersion of each existing account (null: no list yet, D17.2); written in the list's log transaction. */
    async listVersions(accountIds: readonly string[]): Promise<Map<string, number | null>> {
      const rows = await db.account.findMany({ where: { id: { in: [...accountIds] } }, select: { id: true, deviceListVersion: true } });
      return new Map(rows.map((r) => [r.id, r.deviceListVersion]));
    },
    /** Whether the account row exists (a list is submitted for an existing account only). */
    async accountExists(accountId: string): Promise<boolean> {
      return (await db.account.findUnique({ where: { id: accountId }, select: { id: true } })) !== null;
    },
  };
}
export type DevicesRepo = ReturnType<typeof devicesRepo>;
