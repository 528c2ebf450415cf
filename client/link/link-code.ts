// The link code a new device shows (docs/PROTOCOL-linking.md L3): channel id, the new device's ephemeral X25519 public
// key, the link secret and the server's origin; its bytes, its text form (also the QR payload) and strict decoding.
import { abytes, fromBase64Url, Reader, toBase64Url, Writer } from '../crypto/_bytes.ts';
import { EncodingError } from '../crypto/errors.ts';
import { LinkError } from './errors.ts';

/** L3 `version`. */
export const LINK_CODE_VERSION = 0x01;
/** L3 text form prefix (the QR payload is the same text). */
export const LINK_CODE_PREFIX = 'FCLINK1-';
/** L3: 128-bit channel id, 16-byte link secret. */
export const LINK_CHANNEL_ID_LENGTH = 16;
export const LINK_SECRET_LENGTH = 16;
/** L3 origin: empty, or http(s)://host[:port]. */
export const LINK_ORIGIN_PATTERN = /^https?:\/\/[A-Za-z0-9.-]{1,200}(:[0-9]{1,5})?$/;

/** L3 LinkCode. */
export interface LinkCode {
  readonly channelId: Uint8Array;
  /** EN: the new device's ephemeral X25519 public key. */
  readonly ephemeralKey: Uint8Array;
  readonly linkSecret: Uint8Array;
  /** "" = the scanning device's own server; else the origin the channel was created on. */
  readonly origin: string;
}

const isZero = (b: Uint8Array): boolean => b.every((x) => x === 0);

function checkFields(code: LinkCode): void {
  if (isZero(code.ephemeralKey)) throw new LinkError('malformed', 'link code: EN is all zero');
  if (code.origin !== '' && !LINK_ORIGIN_PATTERN.test(code.origin)) throw new LinkError('malformed', 'link code: origin is not an http(s) origin');
}

/** L3: the code's bytes (the encoder refuses what the decoder refuses). */
export function encodeLinkCode(code: LinkCode): Uint8Array {
  abytes(code.channelId, LINK_CHANNEL_ID_LENGTH, 'channelId');
  abytes(code.ephemeralKey, 32, 'ephemeralKey');
  abytes(code.linkSecret, LINK_SECRET_LENGTH, 'linkSecret');
  checkFields(code);
  return new Writer(1 + 16 + 32 + 16 + 1 + code.origin.length)
    .u8(LINK_CODE_VERSION).fixed(code.channelId, 16).fixed(code.ephemeralKey, 32).fixed(code.linkSecret, 16).ascii8(code.origin).finish();
}

/** L3: strict decoding (`unsupported_version`, `malformed`). */
export function decodeLinkCode(bytes: Uint8Array): LinkCode {
  try {
    const r = new Reader(bytes);
    const version = r.u8('version');
    if (version !== LINK_CODE_VERSION) throw new LinkError('unsupported_version', `link code version ${version} (expected ${LINK_CODE_VERSION})`);
    const code: LinkCode = {
      channelId: r.fixed(16, 'channelId').slice(),
      ephemeralKey: r.fixed(32, 'ephemeralKey').slice(),
      linkSecret: r.fixed(16, 'linkSecret').slice(),
      origin: r.ascii8('origin'),
    };
    r.end('LinkCode');
    checkFields(code);
    return code;
  } catch (e) {
    if (e instanceof EncodingError) throw new LinkError('malformed', `link code: ${e.message}`);
    throw e;
  }
}

/** L3 text form: `FCLINK1-` ‖ base64url(LinkCode); the QR code's payload too. */
export function linkCodeText(code: LinkCode): string {
  return LINK_CODE_PREFIX + toBase64Url(encodeLinkCode(code));
}

/** L3: reads the text form (surrounding whitespace ignored; another prefix or bad base64url is `malformed`). */
export function parseLinkCodeText(text: string): LinkCode {
  if (typeof text !== 'string') throw new TypeError('link code: expected a string');
  const t = text.trim();
  if (!t.startsWith(LINK_CODE_PREFIX)) throw new LinkError('malformed', `link code: expected the prefix ${LINK_CODE_PREFIX}`);
  let bytes: Uint8Array;
  try {
    bytes = fromBase64Url(t.slice(LINK_CODE_PREFIX.length), 'link code');
  } catch {
    throw new LinkError('malformed', 'link code: invalid base64url');
  }
  return decodeLinkCode(bytes);
}

/** L3: E refuses a code for another server (`wrong_server`); `ownOrigin` is the scanning device's server origin. */
export function checkLinkCodeOrigin(code: LinkCode, ownOrigin: string): void {
  if (code.origin !== '' && code.origin !== ownOrigin.replace(/\/+$/, '')) throw new LinkError('wrong_server', `the code was made on ${code.origin}, not on ${ownOrigin}`);
}
