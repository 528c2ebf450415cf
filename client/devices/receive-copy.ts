// One franking, many seals — the receiving device (docs/PROTOCOL-devices.md D11.3, in its order, `receiveCopy`):
// routing, the sending device in its verified list, session-decrypt with the rebuilt CopyAD (copy-ad.ts, D11.1), the
// franking and header checks, and the alarms the stated list views raise (`copyViewAlarms`, step 7).
import { abytes, equalBytes, toBase64Url } from '../crypto/_bytes.ts';
import { defaultCryptoProvider } from '../crypto/noble.ts';
import type { CryptoProvider } from '../crypto/provider.ts';
import type { ChainObservation, ReceiveChains } from '../franking/chain.ts';
import { COMMITMENT_LENGTH, type OpenedMessage } from '../franking/franking.ts';
import type { Stamp } from '../franking/stamp.ts';
import type { IdentityKeyPair } from '../session/identity.ts';
import type { PreKeyStore } from '../session/prekeys.ts';
import { type FrankedReceipt, Session, isPreKeyMessage } from '../session/session.ts';
import { SessionError } from '../session/session-errors.ts';
import { type CopyKind, encodeCopyAd } from './copy-ad.ts';
import { LIST_GRACE_MS, ZERO_LIST_HASH } from './device-list.ts';
import { checkPreKeyMessageSender, listedDevice, sessionStillListed } from './device-sessions.ts';
import { DeviceError } from './errors.ts';
import { type PinnedDeviceList, pinnedVerifiedList } from './verify-list.ts';

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
