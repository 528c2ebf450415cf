// Server stamps (docs/PROTOCOL.md §7): one HMAC per recipient plus one for the sender, over the
// commitment and the fields the server itself assigned or checked. The server computes with the native
// provider (node:crypto, client/crypto/node.ts): the same bytes as the SDK's default, at OpenSSL speed.
import { type HmacSha256, type Keyring, type Stamp, type StampFields, computeStamp } from '../../../client/protocol.ts';
import { nodeCryptoProvider } from '../../../client/crypto/node.ts';

/** The server's crypto provider (stamping, report verification). */
export const serverCryptoProvider = nodeCryptoProvider;
/** node:crypto HMAC-SHA256 (the provider's), for callers that take an HmacSha256. */
export const nodeHmacSha256: HmacSha256 = nodeCryptoProvider.hmacSha256;

export class StampingService {
  private keyring: Keyring;
  /** false only in the benchmark's stamping-off run (config STAMPING=off): envelopes then carry no tag. */
  readonly enabled: boolean;

  constructor(keyring: Keyring, enabled = true) {
    this.keyring = keyring;
    this.enabled = enabled;
  }

  get currentKeyring(): Keyring {
    return this.keyring;
  }

  /** Swap in a reloaded keyring (SIGHUP after `admin keys rotate`). */
  replaceKeyring(keyring: Keyring): void {
    this.keyring = keyring;
  }

  stamp(fields: StampFields, commitment: Uint8Array): Stamp {
    if (!this.enabled) return { ...fields, kid: 'unstamped', tag: new Uint8Array(32) };
    return computeStamp(this.keyring, fields, commitment, { crypto: serverCryptoProvider });
  }
}
