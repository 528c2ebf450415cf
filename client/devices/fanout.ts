// One franking, many seals — the sender (docs/PROTOCOL-devices.md D11.2 steps 2–3, D13.2): frank once with this
// device's SenderChain, seal the same payload for every target device of the two verified lists through its pairwise
// session, and the request body of `POST /v1/messages`. A copy is `Session.sendFranked(franked, CopyAD)`, its AEAD AD
// `AEAD_AD_LABEL ‖ c ‖ CopyAD ‖ AD ‖ RatchetHeader` (§S6.4); CopyAD is copy-ad.ts (D11.1). A refused send is retried by
// device-mismatch.ts (D11.2 step 4); copies are received by receive-copy.ts (D11.3).
import { toBase64Url } from '../crypto/_bytes.ts';
import type { SenderChain } from '../franking/chain.ts';
import type { FrankedMessage } from '../franking/franking.ts';
import type { Session } from '../session/session.ts';
import { type CopyKind, type ListView, copyAdFor, listViewOf } from './copy-ad.ts';
import type { DeviceEntry } from './device-list.ts';
import { listedDevice, sessionMatchesEntry } from './device-sessions.ts';
import { DeviceError } from './errors.ts';
import type { VerifiedDeviceList } from './verify-list.ts';

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

/** The session for a target, checked (D9): it must be with this exact device's verified keys, never a stale or ghost one. */
export function sessionOf(target: CopyTarget, sessionFor: SessionForTarget): Session {
  const session = sessionFor(target);
  if (!sessionMatchesEntry(target.entry, session.remoteIdentity))
    throw new DeviceError('binding_mismatch', `the session for ${target.accountId} device ${target.deviceId} is not with that device's verified keys`);
  return session;
}

export function sealFor(franked: FrankedMessage, senderId: string, senderDeviceId: number, own: ListView, peer: ListView, target: CopyTarget, session: Session): SealedCopy {
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
