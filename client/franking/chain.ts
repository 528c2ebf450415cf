// Per-sender, per-conversation hash chain state (docs/PROTOCOL.md §4.4), per sending device
// (docs/PROTOCOL-devices.md D10.2). SenderChain numbers and links outgoing messages; ReceiveChain lets a recipient
// notice gaps and equivocation as messages arrive, long before anyone reports; ReceiveChains keeps one ReceiveChain
// per (conversation, sender, sending device).
import { equalBytes, fromBase64Url, toBase64Url } from '../crypto/_bytes.ts';
import { FrankingError, asFrankingError } from './errors.ts';
import { type FrankInput, type FrankOptions, type FrankedMessage, frankMessage } from './franking.ts';
import { ZERO_COMMITMENT, type MessageHeader, headerDeviceId } from './header.ts';
import { isValidId } from './ids.ts';

export interface SenderChainState {
  conversationId: string;
  senderId: string;
  /** Present only for a device chain (D10.2), whose messages carry header version 3 or 4. */
  senderDeviceId?: number;
  nextSeq: number;
  prevCommitment: string;
}

/**
 * Sender-side chain for one (conversation, sender) — or, with `senderDeviceId`, for one (conversation, sending
 * device) (docs/PROTOCOL-devices.md D10.2): numbers outgoing messages and links each to the previous commitment
 * (§4.4). Without a device it franks version 1/2 headers, with one version 3/4. Persist it with toJSON.
 */
export class SenderChain {
  private nextSeq = 1;
  private prevCommitment: Uint8Array = ZERO_COMMITMENT;

  constructor(
    readonly conversationId: string,
    readonly senderId: string,
    readonly senderDeviceId?: number,
  ) {
    if (!isValidId(conversationId) || !isValidId(senderId)) throw new FrankingError('malformed', 'chain: invalid id');
    if (senderDeviceId !== undefined && !isDeviceId(senderDeviceId)) throw new FrankingError('malformed', 'chain: senderDeviceId must be in [1, 2^32 - 1]');
  }

  /**
   * Franks the next message and advances the chain at once. If sending fails, resend the SAME franked
   * message (same seq, same c): franking it again would leave a visible gap in the chain.
   */
  frank(body: Uint8Array, opts: Omit<FrankInput, 'conversationId' | 'senderId' | 'senderDeviceId' | 'seq' | 'prevCommitment'> & FrankOptions = {}): FrankedMessage {
    const { randomBytes, hmac, ...input } = opts;
    const franked = frankMessage(
      {
        ...input,
        conversationId: this.conversationId,
        senderId: this.senderId,
        ...(this.senderDeviceId !== undefined && { senderDeviceId: this.senderDeviceId }),
        seq: this.nextSeq,
        prevCommitment: this.prevCommitment,
      },
      body,
      { ...(randomBytes && { randomBytes }), ...(hmac && { hmac }) },
    );
    this.nextSeq++;
    this.prevCommitment = franked.commitment;
    return franked;
  }

  toJSON(): SenderChainState {
    return {
      conversationId: this.conversationId,
      senderId: this.senderId,
      ...(this.senderDeviceId !== undefined && { senderDeviceId: this.senderDeviceId }),
      nextSeq: this.nextSeq,
      prevCommitment: toBase64Url(this.prevCommitment),
    };
  }

  static fromJSON(s: SenderChainState): SenderChain {
    const chain = new SenderChain(s.conversationId, s.senderId, s.senderDeviceId);
    if (!Number.isSafeInteger(s.nextSeq) || s.nextSeq < 1) throw new FrankingError('malformed', 'chain: nextSeq');
    const prev = asFrankingError(() => fromBase64Url(s.prevCommitment, 'chain.prevCommitment'));
    if (prev.length !== 32) throw new FrankingError('malformed', 'chain: prevCommitment must be 32 bytes');
    chain.nextSeq = s.nextSeq;
    chain.prevCommitment = prev;
    return chain;
  }
}

const isDeviceId = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= 0xffff_ffff;

export type ChainObservation =
  | { kind: 'in_order' }
  /** Messages before this one have not arrived (yet): their seqs. */
  | { kind: 'gap'; missing: number[] }
  /** A message that fills an earlier gap. */
  | { kind: 'late' }
  | { kind: 'duplicate' }
  /** Same seq, different commitment: the sender showed two versions of its history. */
  | { kind: 'equivocation' }
  /** prevCommitment does not match the commitment we hold for seq − 1 (or seq + 1 names another predecessor). */
  | { kind: 'chain_break' };

/** Recipient-side tracker for one (conversation, sender); remembers at most `capacity` recent messages. */
export class ReceiveChain {
  private readonly entries = new Map<number, { commitment: Uint8Array; prev: Uint8Array }>();
  private highest = 0;

  constructor(private readonly capacity = 4096) {}

  observe(header: MessageHeader, commitment: Uint8Array): ChainObservation {
    const { seq } = header;
    const known = this.entries.get(seq);
    if (known) return equalBytes(known.commitment, commitment) ? { kind: 'duplicate' } : { kind: 'equivocation' };
    const before = this.entries.get(seq - 1);
    const after = this.entries.get(seq + 1);
    this.entries.set(seq, { commitment, prev: header.prevCommitment });
    // Map order is insertion order: evict the earliest-received entry.
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as number);
    // This message must name its predecessor, and a successor we already hold must name this message.
    if ((before && !equalBytes(before.commitment, header.prevCommitment)) || (after && !equalBytes(after.prev, commitment)))
      return { kind: 'chain_break' };
    if (seq <= this.highest) return { kind: 'late' };
    const missing: number[] = [];
    for (let s = this.highest + 1; s < seq && missing.length < 1000; s++) missing.push(s);
    this.highest = seq;
    return missing.length ? { kind: 'gap', missing } : { kind: 'in_order' };
  }
}

/**
 * Recipient-side trackers for every chain a client receives (docs/PROTOCOL-devices.md D10.2): one ReceiveChain per
 * (conversationId, senderId, sending device), where a version 1 or 2 header counts as device 1. Two devices of one
 * sender are two chains: their seqs never collide (no equivocation) and never leave gaps in each other (no gap).
 * Equivocation is two commitments for one (conversation, sender, device, seq); a gap is a missing seq of one device.
 */
export class ReceiveChains {
  private readonly chains = new Map<string, ReceiveChain>();

  /** `capacity`: entries each ReceiveChain remembers (ReceiveChain's constructor). */
  constructor(private readonly capacity = 4096) {}

  /** Observes a verified message on its device's chain (header as decodeHeader returned it). */
  observe(header: MessageHeader, commitment: Uint8Array): ChainObservation {
    const device = headerDeviceId(header);
    if (!isDeviceId(device)) throw new FrankingError('malformed', 'chain: senderDeviceId must be in [1, 2^32 - 1]');
    // Ids match [A-Za-z0-9._:-]: a NUL never occurs in them, so the key is unambiguous.
    const key = `${header.conversationId}\0${header.senderId}\0${device}`;
    let chain = this.chains.get(key);
    if (!chain) this.chains.set(key, (chain = new ReceiveChain(this.capacity)));
    return chain.observe(header, commitment);
  }

  /** The device chains seen so far for one sender in one conversation, in ascending device order. */
  devices(conversationId: string, senderId: string): number[] {
    const prefix = `${conversationId}\0${senderId}\0`;
    const out: number[] = [];
    for (const key of this.chains.keys()) if (key.startsWith(prefix)) out.push(Number(key.slice(prefix.length)));
    return out.sort((a, b) => a - b);
  }
}
