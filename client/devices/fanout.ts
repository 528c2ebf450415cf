// One franking, many seals (docs/PROTOCOL-devices.md D11): the copy associated data (D11.1), the sender's fan-out —
// frank once with this device's SenderChain, seal the same payload for every target device through its pairwise
// session (D11.2) — the pure planner for a `device_mismatch` answer (D11.2 step 4, D13.4), and the receiver's checks in
// D11.3's order (`receiveCopy`). Franking and sealing are the franking and session layers' own functions: a copy is
// `Session.sendFranked(franked, CopyAD)`, its AEAD AD `AEAD_AD_LABEL ‖ c ‖ CopyAD ‖ AD ‖ RatchetHeader` (§S6.4).
import { abytes, equalBytes, fromBase64Url, toBase64Url, Writer } from '../crypto/_bytes.ts';
import { defaultCryptoProvider } from '../crypto/noble.ts';
import type { CryptoProvider } from '../crypto/provider.ts';
import type { ChainObservation, ReceiveChains, SenderChain } from '../franking/chain.ts';
import type { FrankedMessage, OpenedMessage } from '../franking/franking.ts';
import { isValidId } from '../franking/ids.ts';
import { COMMITMENT_LENGTH } from '../franking/franking.ts';
import type { Stamp } from '../franking/stamp.ts';
import type { IdentityKeyPair } from '../session/identity.ts';
import type { PreKeyStore } from '../session/prekeys.ts';
import { isPreKeyMessage, type FrankedReceipt, Session } from '../session/session.ts';
import { SessionError } from '../session/session-errors.ts';
import { COPY_AD_LABEL, type DeviceEntry, LIST_GRACE_MS, ZERO_LIST_HASH } from './device-list.ts';
import { checkPreKeyMessageSender, listedDevice, sessionMatchesEntry, sessionStillListed } from './device-sessions.ts';
import { DeviceError } from './errors.ts';
import { type PinnedDeviceList, pinnedVerifiedList, type VerifiedDeviceList } from './verify-list.ts';

/** D11.1 `copyKind`: a copy to a device of the recipient account, or to one of the sender's own other devices. */
export const COPY_KIND_CODES = { recipient: 0x01, own: 0x02 } as const;
export type CopyKind = keyof typeof COPY_KIND_CODES;

/** D11.2 step 4: a send is refused with `device_mismatch` at most this many times in a row, then `devices_unsettled`. */
export const MAX_DEVICE_MISMATCH_ROUNDS = 3;

/** One account's list as a copy states it (D11.1, D13.2): version and listHash; a legacy account is 0 and 32 zero bytes. */
export interface ListView {
  readonly accountId: string;
  readonly listVersion: number;
  readonly listHash: Uint8Array;
}

/** The view a sender states for a verified list. */
export function listViewOf(list: VerifiedDeviceList): ListView {
  return { accountId: list.signed.list.accountId, listVersion: list.signed.list.listVersion, listHash: list.listHash };
}

/** D11.1, D17.2: the stated view of an account without a device list. */
export function legacyListView(accountId: string): ListView {
  return { accountId, listVersion: 0, listHash: ZERO_LIST_HASH };
}

/** The fields of D11.1 `CopyAD`, in order. */
export interface CopyAdFields {
  readonly senderId: string;
  readonly senderDeviceId: number;
  readonly targetAccountId: string;
  readonly targetDeviceId: number;
  readonly copyKind: CopyKind;
  readonly senderListVersion: number;
  readonly senderListHash: Uint8Array;
  readonly targetListVersion: number;
  readonly targetListHash: Uint8Array;
}

const isU32Device = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= 0xffff_ffff;
const isU64 = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;

/**
 * D11.1: `COPY_AD_LABEL ‖ id senderId ‖ u32 senderDeviceId ‖ id targetAccountId ‖ u32 targetDeviceId ‖ u8 copyKind ‖
 * u64 senderListVersion ‖ fixed<32> senderListHash ‖ u64 targetListVersion ‖ fixed<32> targetListHash`.
 * TypeError / RangeError for fields outside their types (ids per PROTOCOL.md §2, device ids 1..2^32−1).
 */
export function encodeCopyAd(f: CopyAdFields): Uint8Array {
  if (!isValidId(f.senderId)) throw new TypeError('senderId: expected id matching [A-Za-z0-9._:-]{1,64}');
  if (!isValidId(f.targetAccountId)) throw new TypeError('targetAccountId: expected id matching [A-Za-z0-9._:-]{1,64}');
  if (!isU32Device(f.senderDeviceId)) throw new RangeError(`senderDeviceId: expected u32 ≥ 1, got ${f.senderDeviceId}`);
  if (!isU32Device(f.targetDeviceId)) throw new RangeError(`targetDeviceId: expected u32 ≥ 1, got ${f.targetDeviceId}`);
  const kind = COPY_KIND_CODES[f.copyKind];
  if (kind === undefined) throw new TypeError(`copyKind: expected 'recipient' or 'own', got ${String(f.copyKind)}`);
  if (!isU64(f.senderListVersion)) throw new RangeError(`senderListVersion: expected u64, got ${f.senderListVersion}`);
  if (!isU64(f.targetListVersion)) throw new RangeError(`targetListVersion: expected u64, got ${f.targetListVersion}`);
  return new Writer(COPY_AD_LABEL.length + 1 + f.senderId.length + 4 + 1 + f.targetAccountId.length + 4 + 1 + 2 * (8 + 32))
    .raw(COPY_AD_LABEL)
    .ascii8(f.senderId)
    .u32(f.senderDeviceId)
    .ascii8(f.targetAccountId)
    .u32(f.targetDeviceId)
    .u8(kind)
    .u64(f.senderListVersion)
    .fixed(f.senderListHash, 32, 'senderListHash')
    .u64(f.targetListVersion)
    .fixed(f.targetListHash, 32, 'targetListHash')
    .finish();
}

/** A device a copy is sealed for (D11.2 step 3), with its verified entry (the session's identity must be its keys, D9). */
export interface CopyTarget {
  readonly accountId: string;
  readonly deviceId: number;
  readonly copyKind: CopyKind;
  readonly entry: DeviceEntry;
}

/**
 * D11.2 step 3: every device of the peer's verified list, then every device of the own verified list except this
 * one, each in ascending deviceId. The sending device must be in its own list (`unknown_device`: a removed device
 * stops sending, D7.4). Only devices of verified lists are ever targets — there is no other source of targets.
 */
export function fanOutTargets(own: VerifiedDeviceList, ownDeviceId: number, peer: VerifiedDeviceList): CopyTarget[] {
  const ownList = own.signed.list;
  const peerList = peer.signed.list;
  if (ownList.accountId === peerList.accountId) throw new RangeError('peer: a 1:1 fan-out goes to another account');
  listedDevice(ownList, ownDeviceId);
  return [
    ...peerList.devices.map((entry) => ({ accountId: peerList.accountId, deviceId: entry.deviceId, copyKind: 'recipient' as const, entry })),
    ...ownList.devices.filter((e) => e.deviceId !== ownDeviceId).map((entry) => ({ accountId: ownList.accountId, deviceId: entry.deviceId, copyKind: 'own' as const, entry })),
  ];
}

/** The pairwise session with a target device (D9): an existing one, or one the caller starts by X3DH after checkBundleForDevice. */
export type SessionForTarget = (target: CopyTarget) => Session;

/** One sealed copy (D13.2 `copies[]`): the session message under `AEAD_AD_LABEL ‖ c ‖ CopyAD`. */
export interface SealedCopy {
  readonly accountId: string;
  readonly deviceId: number;
  readonly copyKind: CopyKind;
  /** The verified entry it was sealed for. */
  readonly entry: DeviceEntry;
  readonly ciphertext: Uint8Array;
}

/** A franked message and its copies, ready for `POST /v1/messages` (D13.2). */
export interface FanOutSend {
  /** Franked once (one fk, one header, one c); re-sent unchanged after a device_mismatch (D11.2 step 4). */
  readonly franked: FrankedMessage;
  readonly senderId: string;
  readonly senderDeviceId: number;
  /** [own account, peer account], as D13.2 `lists` states them. */
  readonly lists: readonly [ListView, ListView];
  readonly copies: readonly SealedCopy[];
}

/** D11.1: the CopyAD of a copy of a message sent by (senderId, senderDeviceId) stating `own` and `peer` lists. */
function copyAdFor(senderId: string, senderDeviceId: number, own: ListView, peer: ListView, target: Pick<CopyTarget, 'accountId' | 'deviceId' | 'copyKind'>): Uint8Array {
  const targetView = target.copyKind === 'own' ? own : peer;
  return encodeCopyAd({
    senderId,
    senderDeviceId,
    targetAccountId: target.accountId,
    targetDeviceId: target.deviceId,
    copyKind: target.copyKind,
    senderListVersion: own.listVersion,
    senderListHash: own.listHash,
    targetListVersion: targetView.listVersion,
    targetListHash: targetView.listHash,
  });
}

/** The session for a target, checked (D9): it must be with this exact device's verified keys, never a stale or ghost one. */
function sessionOf(target: CopyTarget, sessionFor: SessionForTarget): Session {
  const session = sessionFor(target);
  if (!sessionMatchesEntry(target.entry, session.remoteIdentity))
    throw new DeviceError('binding_mismatch', `the session for ${target.accountId} device ${target.deviceId} is not with that device's verified keys`);
  return session;
}

function sealFor(franked: FrankedMessage, senderId: string, senderDeviceId: number, own: ListView, peer: ListView, target: CopyTarget, session: Session): SealedCopy {
  const ciphertext = session.sendFranked(franked, copyAdFor(senderId, senderDeviceId, own, peer, target)).message;
  return { accountId: target.accountId, deviceId: target.deviceId, copyKind: target.copyKind, entry: target.entry, ciphertext };
}

export interface FanOutInput {
  /** This device's chain for the conversation: `new SenderChain(conversationId, ownAccountId, ownDeviceId)` (D10.2). */
  readonly chain: SenderChain;
  readonly body: Uint8Array;
  /** Header fields and draws of SenderChain.frank (contentType, attachments, sentAt, clientMessageId, randomBytes). */
  readonly frank?: Parameters<SenderChain['frank']>[1];
  /** The own account's pinned, verified list (D11.2 step 1). */
  readonly own: VerifiedDeviceList;
  /** The peer account's pinned, verified list. */
  readonly peer: VerifiedDeviceList;
  readonly sessionFor: SessionForTarget;
}

/**
 * D11.2 steps 2–3: franks the message once with the device's chain (header version 3) and seals the same payload for
 * every target through its session with `CopyAD` as extraAd. Every target's session is obtained and checked before
 * the chain advances (a refusal there leaves no gap in the chain); from the frank on, a refused send is re-sent as this
 * FanOutSend (resealed by applyDeviceMismatchPlan), never franked again.
 */
export function sendFanOut(input: FanOutInput): FanOutSend {
  const { chain, own, peer } = input;
  const senderDeviceId = chain.senderDeviceId;
  if (senderDeviceId === undefined) throw new RangeError('chain: a device chain (senderDeviceId) franks header version 3 (D10.2)');
  if (chain.senderId !== own.signed.list.accountId) throw new RangeError(`chain: senderId ${chain.senderId} is not the own account ${own.signed.list.accountId}`);
  const targets = fanOutTargets(own, senderDeviceId, peer);
  const sessions = targets.map((t) => sessionOf(t, input.sessionFor));
  const franked = chain.frank(input.body, input.frank);
  const ownView = listViewOf(own);
  const peerView = listViewOf(peer);
  const copies = targets.map((t, i) => sealFor(franked, chain.senderId, senderDeviceId, ownView, peerView, t, sessions[i]!));
  return { franked, senderId: chain.senderId, senderDeviceId, lists: [ownView, peerView], copies };
}

/** D13.2: the JSON body of `POST /v1/messages` for a fan-out send (bytes as base64url). */
export function fanOutRequestBody(send: FanOutSend): {
  conversationId: string;
  commitment: string;
  clientMessageId: string;
  lists: { accountId: string; listVersion: number; listHash: string }[];
  copies: { accountId: string; deviceId: number; ciphertext: string }[];
} {
  return {
    conversationId: send.franked.header.conversationId,
    commitment: toBase64Url(send.franked.commitment),
    clientMessageId: toBase64Url(send.franked.header.clientMessageId),
    lists: send.lists.map((l) => ({ accountId: l.accountId, listVersion: l.listVersion, listHash: toBase64Url(l.listHash) })),
    copies: send.copies.map((c) => ({ accountId: c.accountId, deviceId: c.deviceId, ciphertext: toBase64Url(c.ciphertext) })),
  };
}

/** One account of a D13.4 `device_mismatch` answer. */
export interface DeviceMismatchAccount {
  readonly accountId: string;
  readonly listVersion: number;
  /** base64url (as on the wire) or bytes. */
  readonly listHash: string | Uint8Array;
  readonly missing: readonly number[];
  readonly extra: readonly number[];
  readonly stale: boolean;
}

/** What to change in a refused send (D11.2 step 4): the same franked message, other copies. */
export interface DeviceMismatchPlan {
  /** The lists to state now (the verified ones the answer named, the others unchanged). */
  readonly lists: readonly [ListView, ListView];
  /** Devices of the verified lists without a copy: seal one. */
  readonly add: readonly CopyTarget[];
  /** Copies for devices no longer in a verified list: drop (never re-sent). */
  readonly drop: readonly { readonly accountId: string; readonly deviceId: number }[];
  /** Kept devices whose CopyAD changes (their account's or the sender's own stated list changed): seal again. */
  readonly reseal: readonly CopyTarget[];
}

/**
 * D11.2 step 4, pure: from a refused send, the relay's answer (D13.4) and the lists the caller refreshed and verified
 * (D5.2) for the accounts it names (`refreshed`: the new verified list per accountId), decides which copies to add,
 * drop and re-seal. `refusal` counts the refusals of this send so far, this one included (1, 2, 3, …): the third is
 * `devices_unsettled`. Each named account's verified list must be exactly the relay's current one (version and
 * hash) — otherwise the relay asks for a list verification does not reach: `ghost_device`, nothing is sent. Targets
 * come only from the verified lists; `missing`/`extra` are the relay's hint, never a target source.
 */
export function planDeviceMismatch(
  send: FanOutSend,
  answer: readonly DeviceMismatchAccount[],
  refreshed: Readonly<Record<string, VerifiedDeviceList>>,
  refusal: number,
): DeviceMismatchPlan {
  if (!Number.isInteger(refusal) || refusal < 1) throw new RangeError(`refusal: expected an integer ≥ 1, got ${refusal}`);
  if (refusal >= MAX_DEVICE_MISMATCH_ROUNDS) throw new DeviceError('devices_unsettled', `the relay refused the copies ${refusal} times in a row`);
  const [own, peer] = send.lists;
  const lists: [ListView, ListView] = [own, peer];
  const verified: [VerifiedDeviceList | null, VerifiedDeviceList | null] = [null, null];
  for (const a of answer) {
    const at = lists.findIndex((l) => l.accountId === a.accountId);
    if (at < 0) throw new DeviceError('ghost_device', `the answer names account ${a.accountId}, which this send does not address`);
    const list = refreshed[a.accountId];
    const hash = typeof a.listHash === 'string' ? fromBase64Url(a.listHash, 'listHash') : a.listHash;
    if (list === undefined || list.signed.list.accountId !== a.accountId || list.signed.list.listVersion !== a.listVersion || !equalBytes(list.listHash, hash))
      throw new DeviceError('ghost_device', `${a.accountId}'s current list (version ${a.listVersion}) is not the one its verified chain reaches`);
    verified[at] = list;
    lists[at] = listViewOf(list);
  }
  const ownChanged = !sameView(lists[0], own);
  const add: CopyTarget[] = [];
  const drop: { accountId: string; deviceId: number }[] = [];
  const reseal: CopyTarget[] = [];
  for (const at of [1, 0] as const) {
    const list = verified[at];
    if (list === null && !ownChanged) continue; // nothing new for this account, and its copies' CopyAD is unchanged
    const accountId = lists[at].accountId;
    const copyKind: CopyKind = at === 0 ? 'own' : 'recipient';
    const held = send.copies.filter((c) => c.accountId === accountId);
    if (list === null) {
      // Only the sender's own list changed: every copy of this account states the old sender list in its CopyAD.
      for (const c of held) reseal.push({ accountId, deviceId: c.deviceId, copyKind, entry: c.entry });
      continue;
    }
    const devices = list.signed.list.devices.filter((e) => !(at === 0 && e.deviceId === send.senderDeviceId));
    if (at === 0 && !list.signed.list.devices.some((e) => e.deviceId === send.senderDeviceId))
      throw new DeviceError('unknown_device', `this device (${send.senderDeviceId}) is no longer in its own account's verified list`);
    const changed = ownChanged || !sameView(lists[at], send.lists[at]);
    for (const entry of devices) {
      const target: CopyTarget = { accountId, deviceId: entry.deviceId, copyKind, entry };
      const copy = held.find((c) => c.deviceId === entry.deviceId);
      if (copy === undefined) add.push(target);
      else if (changed) reseal.push(target);
    }
    for (const c of held) if (!devices.some((e) => e.deviceId === c.deviceId)) drop.push({ accountId, deviceId: c.deviceId });
  }
  return { lists, add, drop, reseal };
}

const sameView = (a: ListView, b: ListView): boolean => a.accountId === b.accountId && a.listVersion === b.listVersion && equalBytes(a.listHash, b.listHash);

/**
 * D11.2 step 4: the send to retry — the same franked message (same clientMessageId, fk, header and c), the plan's
 * lists, copies added and re-sealed through `sessionFor`, dropped copies gone; copies ordered as fanOutTargets orders
 * them (peer devices, then own devices, each ascending). Ratchet steps spent on discarded copies are skipped message
 * numbers at the receiver (≤ MAX_SKIP, PROTOCOL-sessions.md §S8).
 */
export function applyDeviceMismatchPlan(send: FanOutSend, plan: DeviceMismatchPlan, sessionFor: SessionForTarget): FanOutSend {
  const [own, peer] = plan.lists;
  const key = (accountId: string, deviceId: number) => `${accountId}#${deviceId}`;
  const out = new Map<string, SealedCopy>(send.copies.map((c) => [key(c.accountId, c.deviceId), c]));
  for (const d of plan.drop) out.delete(key(d.accountId, d.deviceId));
  const targets = [...plan.reseal, ...plan.add];
  const sessions = targets.map((t) => sessionOf(t, sessionFor));
  for (const [i, t] of targets.entries()) out.set(key(t.accountId, t.deviceId), sealFor(send.franked, send.senderId, send.senderDeviceId, own, peer, t, sessions[i]!));
  const rank = (c: SealedCopy) => (c.accountId === peer.accountId ? 0 : 1);
  const copies = [...out.values()].sort((a, b) => rank(a) - rank(b) || a.deviceId - b.deviceId);
  return { ...send, lists: [own, peer], copies };
}

/** A delivered copy (D13.5): the ciphertext, `c`, the stamp and every CopyAD field in the clear. */
export interface CopyEnvelope {
  readonly ciphertext: Uint8Array;
  readonly commitment: Uint8Array;
  /** The recipient stamp for a recipient copy, the sender stamp for an own copy. */
  readonly stamp: Stamp;
  readonly senderDeviceId: number;
  readonly copyKind: CopyKind;
  readonly senderListVersion: number;
  readonly senderListHash: Uint8Array;
  readonly targetAccountId: string;
  readonly targetDeviceId: number;
  readonly targetListVersion: number;
  readonly targetListHash: Uint8Array;
}

/** A key-log leaf of the own account's list (D11.3 step 7): when version `listVersion` was logged and whom it removed. */
export interface OwnListLeaf {
  readonly listVersion: number;
  /** The leaf's timestamp in the key log, ms since the epoch. */
  readonly loggedAt: number;
  /** Device ids this version removed against the previous one (diffDeviceLists(prev, this).removed). */
  readonly removed: readonly number[];
}

/** The alarms D11.3 step 7 raises (D18): views of lists, never a reason to drop an authenticated message. */
export type CopyAlarmCode = 'device_list_fork' | 'forged_list_shown' | 'stale_list_shown';
export interface CopyAlarm {
  readonly code: CopyAlarmCode;
  /** The account whose list the view concerns. */
  readonly accountId: string;
  /** The version the copy stated. */
  readonly listVersion: number;
  readonly detail: string;
}

export interface ReceiveCopyContext {
  /** This device's account and id (D11.3 step 1). */
  readonly accountId: string;
  readonly deviceId: number;
  /** The pinned state (D5.3) of the sender's account (`stamp.senderId`); for an own copy, the own account's. */
  readonly senderPinned: PinnedDeviceList;
  /** The pinned state of this device's own account. */
  readonly ownPinned: PinnedDeviceList;
  /** Key-log leaves of the own account's versions 1 … pinned (D11.3 step 7). */
  readonly ownLog: readonly OwnListLeaf[];
  /** The session with the sending device, or null when there is none yet (then a prekey message needs `responder`). */
  readonly session: Session | null;
  /** This device's identity and prekeys, to answer a prekey message (D9 "Responding"). */
  readonly responder?: { readonly identity: IdentityKeyPair; readonly preKeys: PreKeyStore };
  /** Per-device receive chains (D10.2): the accepted message is observed on its sending device's chain. */
  readonly chains?: ReceiveChains;
  readonly crypto?: CryptoProvider;
  /** Clock for the session's franking-failure log. */
  readonly now?: number;
}

/** The outcome of receiveCopy. DeviceError / SessionError are thrown for refusals before or in decryption. */
export type CopyReceipt =
  /** D11.3 step 2: the copy states a newer list of this account than pinned: refresh (D5.4), then receive again. */
  | { readonly status: 'refresh'; readonly accountId: string; readonly listVersion: number }
  /** Shown and stored as (stamp, c, fk, Header, body, deliveredToDeviceId). */
  | {
      readonly status: 'accepted';
      readonly message: OpenedMessage;
      readonly copyKind: CopyKind;
      readonly deliveredToDeviceId: number;
      /** The session to keep: the one passed in, or the one a prekey message started. */
      readonly session: Session;
      readonly alarms: readonly CopyAlarm[];
      readonly observation?: ChainObservation;
    }
  /** D11.3 steps 4–6: authenticated but not acceptable: dropped (recorded, never shown, never reportable). */
  | { readonly status: 'dropped'; readonly code: 'commitment_mismatch' | 'header_mismatch'; readonly reason: string; readonly session: Session };

/**
 * D11.3, in this order: (1) routing — this device and account, and the copy kind this stamp implies
 * (`wrong_device`, nothing decrypted); (2) the sending device in the sender's pinned list, and neither stated list
 * newer than pinned (`refresh` result; still not listed: `unknown_device`); (3) session-decrypt with
 * `AEAD_AD_LABEL ‖ c ‖ CopyAD` rebuilt from the envelope and this device (D9 binding for a prekey message, SessionError
 * as §S10); (4) open `c` (`commitment_mismatch`, dropped); (5) header version 3/4, conversation, sender and sending
 * device (`header_mismatch`, dropped); (6) the stamp's role (`header_mismatch`, dropped); (7) the list views
 * (alarms `device_list_fork`, `forged_list_shown`, `stale_list_shown`).
 */
export function receiveCopy(envelope: CopyEnvelope, ctx: ReceiveCopyContext): CopyReceipt {
  const crypto = ctx.crypto ?? defaultCryptoProvider();
  const { stamp } = envelope;
  abytes(envelope.commitment, COMMITMENT_LENGTH, 'commitment');
  // Step 1: routing, before anything is decrypted. The kind follows from the stamp: own copies are stamped by the
  // own account's send; the envelope's clear copyKind must agree (a relabelled copy is not this device's to open).
  const copyKind: CopyKind = stamp.senderId === ctx.accountId ? 'own' : 'recipient';
  if (envelope.targetDeviceId !== ctx.deviceId || envelope.targetAccountId !== ctx.accountId || envelope.copyKind !== copyKind)
    throw new DeviceError('wrong_device', `a ${envelope.copyKind} copy for ${envelope.targetAccountId} device ${envelope.targetDeviceId}, not this ${copyKind} copy for ${ctx.accountId} device ${ctx.deviceId}`);
  if (ctx.senderPinned.accountId !== stamp.senderId) throw new RangeError(`senderPinned: the pinned state of ${ctx.senderPinned.accountId}, not of the sender ${stamp.senderId}`);
  if (ctx.ownPinned.accountId !== ctx.accountId) throw new RangeError(`ownPinned: the pinned state of ${ctx.ownPinned.accountId}, not of ${ctx.accountId}`);

  // Step 2: the sending device is in the sender's verified list; a stated version newer than pinned is refreshed
  // first (D5.4) — for the sender's account and for this one (the copy's target list).
  if (envelope.senderListVersion > ctx.senderPinned.listVersion) return { status: 'refresh', accountId: stamp.senderId, listVersion: envelope.senderListVersion };
  if (envelope.targetListVersion > ctx.ownPinned.listVersion) return { status: 'refresh', accountId: ctx.accountId, listVersion: envelope.targetListVersion };
  const senderList = pinnedVerifiedList(ctx.senderPinned, crypto).signed.list;
  const entry = listedDevice(senderList, envelope.senderDeviceId);

  // Step 3: session-decrypt with the rebuilt CopyAD (c is in the AD through frankingAssociatedData).
  const copyAd = encodeCopyAd({
    senderId: stamp.senderId,
    senderDeviceId: envelope.senderDeviceId,
    targetAccountId: ctx.accountId,
    targetDeviceId: ctx.deviceId,
    copyKind,
    senderListVersion: envelope.senderListVersion,
    senderListHash: envelope.senderListHash,
    targetListVersion: envelope.targetListVersion,
    targetListHash: envelope.targetListHash,
  });
  const franked = { commitment: envelope.commitment, message: envelope.ciphertext };
  const expect = { conversationId: stamp.conversationId, senderId: stamp.senderId };
  const opts = { extraAd: copyAd, expect, ...(ctx.now !== undefined && { now: ctx.now }) };
  let session: Session;
  let receipt: FrankedReceipt;
  if (ctx.session !== null) {
    // D9: the session must be with that device's verified keys (a device that left the list has no session).
    if (!sessionStillListed(senderList, envelope.senderDeviceId, ctx.session.remoteIdentity))
      throw new DeviceError('binding_mismatch', `the session held for ${stamp.senderId} device ${envelope.senderDeviceId} is not with its verified keys`);
    session = ctx.session;
    receipt = session.receiveFranked(franked, opts);
  } else {
    if (!isPreKeyMessage(envelope.ciphertext) || ctx.responder === undefined)
      throw new SessionError('bad_state', `no session with ${stamp.senderId} device ${envelope.senderDeviceId} and no prekey message to start one`);
    // D9 "Responding": the prefix's identity is the sending device's entry, before any session is made from it.
    checkPreKeyMessageSender(senderList, envelope.senderDeviceId, envelope.ciphertext);
    const r = Session.respondFranked(ctx.responder.identity, ctx.responder.preKeys, franked, { ...opts, crypto });
    session = r.session;
    receipt = r.receipt;
  }

  // Step 4 (and the conversation/sender half of step 5, checked by the session's open): dropped on failure.
  if (receipt.status === 'dropped') {
    const code = receipt.failure.code === 'commitment_mismatch' ? 'commitment_mismatch' : 'header_mismatch';
    return { status: 'dropped', code, reason: `franking: ${receipt.failure.code}`, session };
  }
  const message = receipt.message;
  const header = message.header;

  // Step 5: a device header, naming the device whose session decrypted it.
  if (header.version !== 3 && header.version !== 4) return { status: 'dropped', code: 'header_mismatch', reason: `header version ${header.version} in a device copy`, session };
  if (header.senderDeviceId !== envelope.senderDeviceId || entry.deviceId !== envelope.senderDeviceId)
    return { status: 'dropped', code: 'header_mismatch', reason: `header names device ${String(header.senderDeviceId)}, the copy came from device ${envelope.senderDeviceId}`, session };

  // Step 6: the stamp's role fits the copy kind.
  const roleOk = copyKind === 'recipient' ? stamp.role === 'recipient' && stamp.recipientId === ctx.accountId : stamp.role === 'sender';
  if (!roleOk) return { status: 'dropped', code: 'header_mismatch', reason: `a ${copyKind} copy with a ${stamp.role} stamp for ${stamp.recipientId}`, session };

  const observation = ctx.chains?.observe(header, message.commitment);
  return {
    status: 'accepted',
    message,
    copyKind,
    deliveredToDeviceId: ctx.deviceId,
    session,
    alarms: copyViewAlarms(envelope, ctx),
    ...(observation !== undefined && { observation }),
  };
}

/** D11.3 step 7: what the copy's stated lists say about the two accounts' views; alarms only. */
export function copyViewAlarms(
  envelope: Pick<CopyEnvelope, 'stamp' | 'senderListVersion' | 'senderListHash' | 'targetListVersion' | 'targetListHash'>,
  ctx: Pick<ReceiveCopyContext, 'accountId' | 'senderPinned' | 'ownPinned' | 'ownLog'>,
): CopyAlarm[] {
  const alarms: CopyAlarm[] = [];
  const senderId = envelope.stamp.senderId;
  const known = ctx.senderPinned.listHashes[envelope.senderListVersion - 1];
  if (known === undefined || known !== toBase64Url(envelope.senderListHash))
    alarms.push({ code: 'device_list_fork', accountId: senderId, listVersion: envelope.senderListVersion, detail: `${senderId}'s device states a version ${envelope.senderListVersion} of its list that is not the one this device verified` });

  const v = envelope.targetListVersion;
  const serverTime = envelope.stamp.serverTime;
  const leaves = [...ctx.ownLog].sort((a, b) => a.listVersion - b.listVersion);
  if (v === 0 && equalBytes(envelope.targetListHash, ZERO_LIST_HASH)) {
    // The legacy view (D17.2): expected only in copies stamped before this account's genesis was logged (+ grace).
    const genesis = leaves.find((l) => l.listVersion === 1);
    if (genesis === undefined || serverTime >= genesis.loggedAt + LIST_GRACE_MS)
      alarms.push({ code: 'stale_list_shown', accountId: ctx.accountId, listVersion: 0, detail: `${senderId}'s app encrypted to the legacy view of this account after its device list was logged` });
    return alarms;
  }
  const own = ctx.ownPinned.listHashes[v - 1];
  if (own === undefined || own !== toBase64Url(envelope.targetListHash)) {
    alarms.push({ code: 'forged_list_shown', accountId: ctx.accountId, listVersion: v, detail: `${senderId}'s app was shown a list of this account's devices (version ${v}) that it never had` });
    return alarms;
  }
  // w: the newest own version logged at least LIST_GRACE_MS before the stamp; a removal after v and up to w was
  // hidden from the sender for longer than the relay's skew allows.
  let w = 0;
  for (const l of leaves) if (l.loggedAt <= serverTime - LIST_GRACE_MS) w = Math.max(w, l.listVersion);
  const removedSince = leaves.filter((l) => l.listVersion > v && l.listVersion <= w && l.removed.length > 0);
  if (v < w && removedSince.length > 0) {
    const ids = removedSince.flatMap((l) => l.removed);
    alarms.push({ code: 'stale_list_shown', accountId: ctx.accountId, listVersion: v, detail: `${senderId}'s app still encrypted to version ${v}, before the removal of device ${ids.join(', ')}: the server may be hiding this account's device change` });
  }
  return alarms;
}
