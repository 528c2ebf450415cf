// The wire floor of a franked 1:1 message (docs/BENCHMARKS.md "Session cipher version 3, and what the wire format
// itself costs"):
// what every implementation of the wire format must do per message on top of the two-pass floor, run back to back
// with no SDK object, check or state in between. Seal: KDF_CK₃ (docs/PROTOCOL-sessions.md §S18.1), the draws
// (clientMessageId 16, fk 32, nonce 12; the native provider's randomBytes is the SDK's pooled draw), the canonical header (docs/PROTOCOL.md §4.1), the commitment (§4.3), the
// payload (§5.2, written into a reused buffer: the SDK allocates one per message, as frankMessage hands it out for
// the many seals of one franking) and ChaCha20-Poly1305 under the 226-byte AD (§5.1 with the session AD and ratchet
// header, PROTOCOL-sessions.md §S6.4). Open: KDF_CK₃, the open under that AD, the commitment, the header decode.
// Used by bench/peers-budget.ts (CPU time) and bench/peers-instructions.ts (mode "wire", instruction counts).
import type { CryptoProvider } from '../client/crypto/provider.ts';
import { computeCommitment, encodePayload, frankingAssociatedData } from '../client/franking/franking.ts';
import { decodeHeader, encodeHeader, type MessageHeader } from '../client/franking/header.ts';
// eslint-disable-next-line no-restricted-imports -- the budget measures the SDK's own KDF_CK steps bare (no public export)
import { kdfChain } from '../client/session/_session-kdf.ts';

export interface WireFloor {
  /** One franked seal as the wire format needs it; answers a byte of the result (keep it observable). */
  seal(): number;
  /** One open of a message sealed once at setup (same key and AD every time: the AEAD's cost does not depend on them). */
  open(): number;
  /** One bare KDF_CK step of cipher version 2 or 3. */
  kdf(version: 2 | 3): number;
  /** The inputs, for part-by-part measures. */
  readonly header: MessageHeader;
  readonly headerBytes: Uint8Array;
  readonly fk: Uint8Array;
  readonly key: Uint8Array;
  readonly nonce: Uint8Array;
  /** callerAd ‖ session AD (128) ‖ ratchet header (41), as §S6.4 builds it. */
  readonly sessionAd: Uint8Array;
}

export function wireFloor(p: CryptoProvider, body: Uint8Array): WireFloor {
  const header: MessageHeader = {
    version: 3, conversationId: 'bench-peers', senderId: 'alice', senderDeviceId: 1, clientMessageId: p.randomBytes(16),
    sentAt: Date.now(), seq: 7, prevCommitment: p.randomBytes(32), contentType: 'text/plain; charset=utf-8', attachments: [],
  };
  const headerBytes = encodeHeader(header);
  const fk = p.randomBytes(32);
  const key = p.randomBytes(32);
  const nonce = p.randomBytes(12);
  const frankingAd = frankingAssociatedData(computeCommitment(fk, headerBytes, body, p.hmacSha256));
  const sessionAd = new Uint8Array(frankingAd.length + 128 + 41).fill(0x5a);
  sessionAd.set(frankingAd, 0);
  /** The sender's AD (its c changes with every message; sessionAd stays the one `sealed` was sealed under). */
  const sendAd = sessionAd.slice();
  const payload = encodePayload(headerBytes, fk, body);
  const scratch = new Uint8Array(payload.length + 64);
  scratch[0] = payload[0] as number;
  const sealed = p.chacha20poly1305Seal(key, nonce, payload, sessionAd);
  let chainKey = p.randomBytes(32);
  const kdf = (version: 2 | 3): Uint8Array => {
    const step = kdfChain(chainKey, p, version);
    chainKey = step.chainKey;
    return step.messageKey;
  };
  return {
    header, headerBytes, fk, key, nonce, sessionAd,
    kdf: (version) => kdf(version)[0] as number,
    seal() {
      const mk = kdf(3);
      const cmid = p.randomBytes(16);
      const fresh = p.randomBytes(32);
      const nn = p.randomBytes(12);
      const hb = encodeHeader({ ...header, clientMessageId: cmid });
      const c = computeCommitment(fresh, hb, body, p.hmacSha256);
      sendAd.set(c, frankingAd.length - 32);
      const n = hb.length;
      scratch[1] = n >>> 8;
      scratch[2] = n & 0xff;
      scratch.set(hb, 3);
      scratch.set(fresh, 3 + n);
      scratch.set(body, 3 + n + 32);
      return p.chacha20poly1305Seal(mk, nn, scratch.subarray(0, 3 + n + 32 + body.length), sendAd)[0] as number;
    },
    open() {
      kdf(3);
      const pt = p.chacha20poly1305Open(key, nonce, sealed, sessionAd);
      const n = headerBytes.length;
      const hb = pt.subarray(3, 3 + n);
      const c = computeCommitment(pt.subarray(3 + n, 3 + n + 32), hb, pt.subarray(3 + n + 32), p.hmacSha256);
      return (c[0] as number) ^ decodeHeader(hb).seq;
    },
  };
}
