// What the relay, its send receipts and the delivery hub pass between them: a send as accepted, its result for the
// sender, and an envelope as delivered to a recipient (docs/PROTOCOL.md §7: the stamps).
import type { Stamp } from '../../../client/protocol.ts';

export interface SendInput {
  conversationId: string;
  commitment: Uint8Array;
  clientMessageId?: string | undefined;
  envelopes: Array<{ recipientId: string; ciphertext: Uint8Array }>;
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
}
