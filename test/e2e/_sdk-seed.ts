// Seeds reports the way real clients make them, through the SDK only: identities (client/session/identity.ts),
// prekeys published to the directory, X3DH + Double Ratchet sessions, franked messages relayed by the server,
// the recipient opening each commitment, and a report built from the recipient's stamps (POST /v1/reports).
import { deflateSync, crc32 } from 'node:zlib';
import { ApiClient } from '../../client/transport/api.ts';
import { userOperations } from '../../client/transport/contract/operations.ts';
import { uploadAttachment } from '../../client/transport/attachment-transfer.ts';
import { frankMessage } from '../../client/franking/franking.ts';
import { type IdentityKeyPair, generateIdentity } from '../../client/session/identity.ts';
import { PreKeyStore } from '../../client/session/prekeys.ts';
import { type ReportItemJson, fromBase64Url, toBase64Url } from '../../client/protocol.ts';
import { Session } from '../../client/session/session.ts';

export interface ChatUser {
  id: string;
  api: ApiClient;
  identity: IdentityKeyPair;
  preKeys: PreKeyStore;
}

/** A registered user with published prekeys; `fetch` lets a test shape its requests (headers, a proxy). */
export async function chatUser(baseUrl: string, id: string, opts: { fetch?: typeof fetch } = {}): Promise<ChatUser> {
  const api = new ApiClient({ baseUrl, validateResponses: userOperations, ...(opts.fetch ? { fetch: opts.fetch } : {}) });
  const identity = generateIdentity();
  await api.registerIdentity(id, identity);
  await api.login(id, identity);
  const preKeys = PreKeyStore.create(identity, { oneTimePreKeys: 5 });
  await api.publishBundle(preKeys.bundle(identity));
  return { id, api, identity, preKeys };
}

/** text; an image as the message body; or text with an encrypted attachment uploaded as a blob. */
export type Outgoing = { text: string; attachment?: { bytes: Uint8Array; mediaType: string } } | { png: Uint8Array };

/**
 * `from` sends `messages` to `to` over a fresh session; `to` decrypts each and opens its commitment.
 * Returns the recipient's report items (stamp + opening), in order. `opts.before(i)` runs before message i is
 * sent (e.g. the recipient blocks or unblocks the sender); messages in `opts.refused` are expected not to
 * arrive, and have no item.
 */
export async function converse(
  from: ChatUser, to: ChatUser, messages: Outgoing[], opts: { before?: (i: number) => Promise<void>; refused?: number[] } = {},
): Promise<{ conversationId: string; items: ReportItemJson[] }> {
  const conv = await from.api.createConversation({ kind: 'direct', peerId: to.id });
  const sender = Session.initiate(from.identity, await from.api.fetchBundle(to.id));
  let receiver: Session | null = null;
  let prev: Uint8Array | undefined;
  const sentIds: string[] = [];
  for (const [i, m] of messages.entries()) {
    await opts.before?.(i);
    const body = 'text' in m ? new TextEncoder().encode(m.text) : m.png;
    const attachments = 'text' in m && m.attachment
      ? [await uploadAttachment({ baseUrl: from.api.baseUrl, token: from.api.token as string }, conv.id, m.attachment.bytes, m.attachment.mediaType)]
      : [];
    const franked = frankMessage(
      { conversationId: conv.id, senderId: from.id, seq: i + 1, ...(prev ? { prevCommitment: prev } : {}), ...('png' in m ? { contentType: 'image/png' } : {}), attachments },
      body,
    );
    prev = franked.commitment;
    const env = sender.sendFranked(franked);
    const sent = await from.api.send({
      conversationId: conv.id, commitment: toBase64Url(env.commitment), envelopes: [{ recipientId: to.id, ciphertext: toBase64Url(env.message) }],
    });
    sentIds.push(sent.messageId);
  }
  const items: ReportItemJson[] = [];
  const mail = await to.api.fetchMessages({ limit: 500 });
  for (const [i, id] of sentIds.entries()) {
    const e = mail.find((x) => x.stamp.messageId === id);
    if (opts.refused?.includes(i)) {
      if (e) throw new Error(`message ${id} was delivered, though refused was expected`);
      continue;
    }
    if (!e) throw new Error(`message ${id} was not delivered`);
    const envelope = { commitment: fromBase64Url(e.commitment, 'commitment'), message: fromBase64Url(e.ciphertext, 'ciphertext') };
    const expect = { conversationId: conv.id, senderId: from.id };
    let receipt;
    if (receiver) receipt = receiver.receiveFranked(envelope, { expect });
    else {
      const r = Session.respondFranked(to.identity, to.preKeys, envelope, { expect });
      receiver = r.session;
      receipt = r.receipt;
    }
    if (receipt.status !== 'accepted') throw new Error(`message ${id} dropped: ${receipt.failure.code}`);
    const o = receipt.message;
    items.push({ stamp: e.stamp, commitment: e.commitment, fk: toBase64Url(o.fk), header: toBase64Url(o.headerBytes), body: toBase64Url(o.body) });
  }
  await to.api.ack(mail.map((x) => x.id));
  return { conversationId: conv.id, items };
}

/** A real PNG (solid colour), so the dashboard has media to blur. */
export function solidPng(width: number, height: number, rgb: [number, number, number]): Uint8Array {
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(td));
    return Buffer.concat([len, td, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const row = Buffer.concat([Buffer.from([0]), Buffer.alloc(width * 3).map((_, i) => rgb[i % 3] as number)]);
  const raw = Buffer.concat(Array.from({ length: height }, () => row));
  return new Uint8Array(Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]));
}
