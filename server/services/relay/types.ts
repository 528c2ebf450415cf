// What the relay, its send receipts and the delivery hub pass between them: a send as accepted, its result for the
// sender, and an envelope as delivered to a recipient (docs/PROTOCOL.md §7: the stamps).
import type { Stamp } from '../../../client/protocol.ts';
import type { CopyFields } from '../../data/envelopes.ts';

/** docs/PROTOCOL-devices.md D13.2: an account's list as the copies state it. */
export interface StatedList {
  accountId: string;
  listVersion: number;
  listHash: Uint8Array;
}

/** D13.2: a fan-out send — one copy per target device, sent by `senderDeviceId` (from the token). */
export interface FanOutInput {
  senderDeviceId: number;
  /** [sender's account, peer account] (the route orders them). */
  lists: [StatedList, StatedList];
  copies: Array<{ accountId: string; deviceId: number; ciphertext: Uint8Array }>;
}

export interface SendInput {
  conversationId: string;
  commitment: Uint8Array;
  clientMessageId?: string | undefined;
  /** The single-device body: one envelope per recipient account (empty for a fan-out send). */
  envelopes: Array<{ recipientId: string; ciphertext: Uint8Array }>;
  /** The per-device body (D13.2), already checked against the current lists (D13.3 step 5). */
  fanOut?: FanOutInput | undefined;
}

export interface SendResult {
  messageId: string;
  serverTime: number;
  clientMessageId?: string | undefined;
  senderStamp: Stamp;
  recipients: string[];
}

export interface Delivered {
  id: string;
  ciphertext: Uint8Array;
  commitment: Uint8Array;
  stamp: Stamp;
  /** D13.5: a copy's CopyAD clear fields (target account = stamp.recipientId); absent on a single-device envelope. */
  copy?: CopyFields | undefined;
}
