// Per-sender, per-conversation hash chain state (docs/PROTOCOL.md §4.4).
// SenderChain numbers and links outgoing messages; ReceiveChain lets a recipient notice gaps and
// equivocation as messages arrive, long before anyone reports.
import { equalBytes, fromBase64Url, toBase64Url } from '../crypto/_bytes.ts';
import { FrankingError, asFrankingError } from './errors.ts';
import { type FrankInput, type FrankOptions, type FrankedMessage, frankMessage } from './franking.ts';
import { ZERO_COMMITMENT, type MessageHeader } from './header.ts';
import { isValidId } from './ids.ts';

export interface SenderChainState {
  conversationId: string;
  senderId: string;
  nextSeq: number;
  prevCommitment: string;
}

/** Sender-side chain for one (conversation, sender): numbers outgoing messages and links each to the previous commitment (§4.4). Persist it with toJSON. */
export class SenderChain {
  private nextSeq = 1;
  private prevCommitment: Uint8Array = ZERO_COMMITMENT;

  constructor(
    readonly conversationId: string,
    readonly senderId: string,
  ) {
    if (!isValidId(conversationId) || !isValidId(senderId)) throw new FrankingError('malformed', 'chain: invalid id');
  }

  /**
   * Franks the next message and advances the chain at once. If sending fails, resend the SAME franked
   * message (same seq, same c): franking it again would leave a visible gap in the chain.
   */
  frank(body: Uint8Array, opts: Omit<FrankInput, 'conversationId' | 'senderId' | 'seq' | 'prevCommitment'> & FrankOptions = {}): FrankedMessage {
    const { randomBytes, hmac, ...input } = opts;
    const franked = frankMessage(
      { ...input, conversationId: this.conversationId, senderId: this.senderId, seq: this.nextSeq, prevCommitment: this.prevCommitment },
      body,
      { ...(randomBytes && { randomBytes }), ...(hmac && { hmac }) },
    );
    this.nextSeq++;
    this.prevCommitment = franked.commitment;
    return franked;
  }

  toJSON(): SenderChainState {
    return { conversationId: this.conversationId, senderId: this.senderId, nextSeq: this.nextSeq, prevCommitment: toBase64Url(this.prevCommitment) };
  }

  static fromJSON(s: SenderChainState): SenderChain {
    const chain = new SenderChain(s.conversationId, s.senderId);
    if (!Number.isSafeInteger(s.nextSeq) || s.nextSeq < 1) throw new FrankingError('malformed', 'chain: nextSeq');
    const prev = asFrankingError(() => fromBase64Url(s.prevCommitment, 'chain.prevCommitment'));
    if (prev.length !== 32) throw new FrankingError('malformed', 'chain: prevCommitment must be 32 bytes');
    chain.nextSeq = s.nextSeq;
    chain.prevCommitment = prev;
    return chain;
  }
}

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
