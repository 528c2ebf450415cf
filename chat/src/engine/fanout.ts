// One franking, many seals for 1:1 messages (docs/PROTOCOL-devices.md D11.2): the peer's and the own account's
// verified lists give the target devices, each gets its copy through its own pairwise session (D9: started by X3DH
// only with a bundle whose identity is that device's list entry), and the stored request body is what the outbox
// sends — again and again, unchanged, until the relay answers. Only a `device_mismatch` answer changes it: the named
// lists are refreshed and verified, copies are added, dropped or re-sealed around the SAME franked message (same
// clientMessageId, fk, header and c), at most three requests in all (D11.2 step 4).
import {
  type ApiClient, ApiError, type CopyTarget, type DeviceMismatchAccount, DeviceError, type FanOutSend, type FrankedMessage, type SealedCopy, type SenderChain, Session,
  type SessionRecord, type VerifiedDeviceList, applyDeviceMismatchPlan, checkBundleForDevice, currentRemoteIdentity, currentSession, deviceSessionKey, fanOutRequestBody,
  fanOutTargets, fromBase64Url, initiatedSessionRecord, planDeviceMismatch, sendFanOut, sessionMatchesEntry, withCurrentSession,
} from '@franking-chat/sdk';
import { decodeHeader, encodePayload } from '@franking-chat/sdk/protocol';
import type { MessageRecord } from '../storage.ts';
import type { DeviceLists } from './device-lists.ts';
import type { Device } from './device.ts';
import { ChatError } from './errors.ts';
import type { WriteOp } from './state/snapshot.ts';

export type StoredCopies = NonNullable<NonNullable<MessageRecord['pending']>['copies']>;

interface Held {
  record: SessionRecord;
  session: Session;
}

export interface FanOutDeps {
  api: ApiClient;
  device: Device;
  lists: DeviceLists;
}

/** A session record of a device: `(account, deviceId)` (D9); a legacy peer's record is its device 1 (D17.2, D9). */
export async function deviceSessionRecord(device: Device, accountId: string, deviceId: number): Promise<SessionRecord | undefined> {
  const store = device.store();
  const key = deviceSessionKey(accountId, deviceId);
  const rec = await store.session(key);
  if (rec || deviceId !== 1) return rec;
  const legacy = await store.session(accountId);
  return legacy ? { ...legacy, peerId: key } : undefined;
}

export class DirectFanOut {
  constructor(private readonly d: FanOutDeps) {}

  /**
   * The session with each target (D9): a held one whose remote identity is the target's verified entry, else X3DH
   * with the device's bundle once its identity is that entry byte for byte (`checkBundleForDevice`). A device that
   * has not published its bundle yet (just linked) is asked again a few times.
   */
  private async sessions(targets: readonly CopyTarget[], lists: Readonly<Record<string, VerifiedDeviceList>>): Promise<Map<string, Held>> {
    const out = new Map<string, Held>();
    for (const t of targets) {
      const key = deviceSessionKey(t.accountId, t.deviceId);
      const rec = await deviceSessionRecord(this.d.device, t.accountId, t.deviceId);
      if (rec && sessionMatchesEntry(t.entry, currentRemoteIdentity(rec))) {
        out.set(key, { record: rec, session: currentSession(rec) });
        continue;
      }
      const list = lists[t.accountId];
      if (!list) throw new DeviceError('unknown_device', `no verified list of ${t.accountId}`);
      let bundle;
      for (let attempt = 0; ; attempt++) {
        try {
          bundle = await this.d.api.fetchDeviceBundle(t.accountId, t.deviceId);
          break;
        } catch (e) {
          if (!ApiError.is(e, 'not_found') || attempt >= 4) throw e;
          await new Promise((r) => setTimeout(r, 750));
        }
      }
      checkBundleForDevice(list.signed.list, t.deviceId, bundle);
      const session = Session.initiate(this.d.device.identity(), bundle);
      out.set(key, { record: rec ? { ...initiatedSessionRecord(key, session), previous: [rec.current, ...rec.previous].slice(0, 3) } : initiatedSessionRecord(key, session), session });
    }
    return out;
  }

  private static sessionOps(held: Map<string, Held>): WriteOp[] {
    return [...held.values()].map((h) => ({ store: 'sessions' as const, value: withCurrentSession(h.record, h.session) }));
  }

  /**
   * D11.2 steps 1–3 for a 1:1 message: null when the peer has no device list (a legacy account, D17.2: the
   * single-device body is used). Otherwise franks once with `chain` and seals a copy per target; returns the request
   * body to store and the session writes to store with it (one transaction with the chain and the message).
   */
  async seal(peerId: string, chain: SenderChain, body: Uint8Array, frank: Parameters<SenderChain['frank']>[1]): Promise<{ franked: FrankedMessage; copies: StoredCopies; ops: WriteOp[] } | null> {
    const { device, lists } = this.d;
    const me = device.me();
    const own = await lists.current(me);
    const peer = await lists.current(peerId);
    if (!own || !peer) return null;
    const deviceId = device.deviceId as number;
    let targets: CopyTarget[];
    try {
      targets = fanOutTargets(own, deviceId, peer);
    } catch (e) {
      if (DeviceError.is(e, 'unknown_device')) throw new ChatError('device_signed_out');
      throw e;
    }
    const held = await this.sessions(targets, { [me]: own, [peerId]: peer });
    const send = sendFanOut({ chain, body, frank, own, peer, sessionFor: (t) => (held.get(deviceSessionKey(t.accountId, t.deviceId)) as Held).session });
    const { lists: stated, copies } = fanOutRequestBody(send);
    return { franked: send.franked, copies: { lists: stated, copies }, ops: DirectFanOut.sessionOps(held) };
  }

  /**
   * D11.2 step 4 after the relay's `device_mismatch` (`refusal`: 1 for the first refusal of this send): refreshes and
   * verifies the named accounts' lists, plans and applies the change around the same franked message, and stores the
   * new copies with the sessions they used. The third refusal is `devices_unsettled`; a list the relay names that
   * verification does not reach is `ghost_device` (nothing is sent).
   */
  async afterMismatch(m: MessageRecord, answer: readonly DeviceMismatchAccount[], refusal: number): Promise<MessageRecord> {
    return this.d.device.locked(async () => {
      const { device, lists } = this.d;
      const p = m.pending as NonNullable<MessageRecord['pending']>;
      const stored = p.copies as StoredCopies;
      if (refusal >= 3) throw new ChatError('devices_unsettled', { handle: m.peerId });
      const refreshed: Record<string, VerifiedDeviceList> = {};
      for (const a of answer) {
        const v = await lists.current(a.accountId, { force: true });
        if (v) refreshed[a.accountId] = v;
      }
      const headerBytes = fromBase64Url(p.header, 'header');
      const fk = fromBase64Url(p.fk, 'fk');
      const body = fromBase64Url(p.body, 'body');
      const franked: FrankedMessage = { header: decodeHeader(headerBytes), headerBytes, fk, commitment: fromBase64Url(p.commitment, 'commitment'), payload: encodePayload(headerBytes, fk, body) };
      // The stated lists' entries, for copies the plan keeps and re-seals without a newer list of their account.
      const known: Record<string, VerifiedDeviceList> = { ...refreshed };
      for (const l of stored.lists) if (!known[l.accountId]) {
        const v = await lists.current(l.accountId);
        if (v) known[l.accountId] = v;
      }
      const copies: SealedCopy[] = [];
      for (const c of stored.copies) {
        const entry = known[c.accountId]?.signed.list.devices.find((e) => e.deviceId === c.deviceId);
        if (entry) copies.push({ accountId: c.accountId, deviceId: c.deviceId, copyKind: c.accountId === device.me() ? 'own' : 'recipient', entry, ciphertext: fromBase64Url(c.ciphertext, 'ciphertext') });
      }
      const send: FanOutSend = {
        franked, senderId: device.me(), senderDeviceId: device.deviceId as number,
        lists: [0, 1].map((i) => {
          const l = stored.lists[i] as StoredCopies['lists'][number];
          return { accountId: l.accountId, listVersion: l.listVersion, listHash: fromBase64Url(l.listHash, 'listHash') };
        }) as unknown as FanOutSend['lists'],
        copies,
      };
      let next: FanOutSend;
      try {
        const plan = planDeviceMismatch(send, answer, refreshed, refusal);
        const held = await this.sessions([...plan.reseal, ...plan.add], known);
        next = applyDeviceMismatchPlan(send, plan, (t) => (held.get(deviceSessionKey(t.accountId, t.deviceId)) as Held).session);
        const { lists: stated, copies: sealed } = fanOutRequestBody(next);
        const updated: MessageRecord = { ...m, pending: { ...p, copies: { lists: stated, copies: sealed } } };
        await device.store().write([...DirectFanOut.sessionOps(held), { store: 'messages', value: updated }]);
        return updated;
      } catch (e) {
        if (DeviceError.is(e, 'devices_unsettled')) throw new ChatError('devices_unsettled', { handle: m.peerId });
        if (DeviceError.is(e, 'unknown_device')) throw new ChatError('device_signed_out');
        if (DeviceError.is(e)) throw new ChatError('devices_unproven', { handle: m.peerId, detail: e.message });
        throw e;
      }
    });
  }
}
