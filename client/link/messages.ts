// The link channel's sealed messages (docs/PROTOCOL-linking.md L7): the new device's keys with proofs of possession,
// the list body to counter-sign, the cosignature, the welcome with the account state and the history descriptor, data
// chunks, done and abort. Each body decodes exactly; the checks that need keys (proofs) are here too.
import { abytes, concatBytes, fromUtf8, Reader, utf8, Writer } from '../crypto/_bytes.ts';
import { EncodingError } from '../crypto/errors.ts';
import { defaultCryptoProvider } from '../crypto/noble.ts';
import type { CryptoProvider } from '../crypto/provider.ts';
import { isValidEd25519PublicKey } from '../devices/device-list.ts';
import type { NewDeviceKeys } from '../devices/changes.ts';
import { decodeHistoryDescriptor, encodeHistoryDescriptor, type HistoryDescriptor } from '../devices/history-codec.ts';
import { ID_PATTERN } from '../franking/ids.ts';
import { LINK_ABORT_REASONS, type LinkAbortReason, LinkError } from './errors.ts';
import { LINK_DEVICE_LABEL, LINK_MAX_CHANNEL_BYTES } from './handshake.ts';

/** L7 message types. */
export const LINK_MESSAGE_TYPES = { device: 0x10, list: 0x11, cosign: 0x12, welcome: 0x13, data: 0x14, done: 0x15, abort: 0x1f } as const;
export type LinkMessageType = keyof typeof LINK_MESSAGE_TYPES;
/** L7 `data.stream`. */
export const LINK_STREAMS = { state: 1, history: 2 } as const;
export type LinkStream = keyof typeof LINK_STREAMS;
/** L2 bounds of L7. */
export const LINK_MAX_CHUNK = 65_000;
export const LINK_MAX_DEVICE_NAME = 64;

export interface LinkDeviceMessage extends NewDeviceKeys {
  readonly type: 'device';
  readonly name: string;
  readonly popSig: Uint8Array;
  readonly popCred: Uint8Array;
}
export interface LinkListMessage {
  readonly type: 'list';
  readonly accountId: string;
  /** The DeviceList body of version v + 1 (D6.1 step 3). */
  readonly body: Uint8Array;
}
export interface LinkCosignMessage {
  readonly type: 'cosign';
  readonly cosignature: Uint8Array;
}
export interface LinkWelcomeMessage {
  readonly type: 'welcome';
  readonly listVersion: number;
  readonly listHash: Uint8Array;
  readonly deviceId: number;
  readonly stateLength: number;
  /** Present with hasHistory = 1: the D15.4 descriptor (transport inline) and the ciphertext's length. */
  readonly history: { readonly descriptor: HistoryDescriptor; readonly length: number } | null;
}
export interface LinkDataMessage {
  readonly type: 'data';
  readonly stream: LinkStream;
  readonly offset: number;
  readonly bytes: Uint8Array;
}
export interface LinkDoneMessage {
  readonly type: 'done';
}
export interface LinkAbortMessage {
  readonly type: 'abort';
  readonly reason: LinkAbortReason;
}
export type LinkMessage = LinkDeviceMessage | LinkListMessage | LinkCosignMessage | LinkWelcomeMessage | LinkDataMessage | LinkDoneMessage | LinkAbortMessage;

const malformed = (what: string) => new LinkError('malformed', what);

/** L7: encodes a message (the encoder refuses what the decoder refuses). */
export function encodeLinkMessage(m: LinkMessage): Uint8Array {
  const w = new Writer(256).u8(LINK_MESSAGE_TYPES[m.type]);
  switch (m.type) {
    case 'device': {
      const name = utf8(m.name);
      if (name.length < 1 || name.length > LINK_MAX_DEVICE_NAME) throw malformed(`device name: 1–${LINK_MAX_DEVICE_NAME} UTF-8 bytes, got ${name.length}`);
      w.fixed(m.identitySigningKey, 32, 'IKsig').fixed(m.identityDhKey, 32, 'IKdh').fixed(m.credentialKey, 32, 'CK').vec8(name).fixed(m.popSig, 64, 'popSig').fixed(m.popCred, 64, 'popCred');
      break;
    }
    case 'list':
      if (!ID_PATTERN.test(m.accountId)) throw malformed('list: accountId is not an id');
      w.ascii8(m.accountId).vec16(m.body);
      break;
    case 'cosign':
      w.fixed(m.cosignature, 64, 'cosignature');
      break;
    case 'welcome':
      if (m.deviceId < 1) throw malformed('welcome: deviceId ≥ 1');
      checkStreamLength(m.stateLength);
      w.u64(m.listVersion).fixed(m.listHash, 32, 'listHash').u32(m.deviceId).u32(m.stateLength).u8(m.history ? 1 : 0);
      if (m.history) {
        checkStreamLength(m.history.length);
        if (m.history.descriptor.transport !== 'inline') throw malformed('welcome: the history descriptor travels inline (L7)');
        w.vec16(encodeHistoryDescriptor(m.history.descriptor)).u32(m.history.length);
      }
      break;
    case 'data':
      if (m.bytes.length < 1 || m.bytes.length > LINK_MAX_CHUNK) throw malformed(`data: 1–${LINK_MAX_CHUNK} bytes, got ${m.bytes.length}`);
      w.u8(LINK_STREAMS[m.stream]).u32(m.offset).vec32(m.bytes);
      break;
    case 'done':
      break;
    case 'abort':
      w.u8(LINK_ABORT_REASONS[m.reason]);
      break;
  }
  return w.finish();
}

function checkStreamLength(n: number): void {
  if (!Number.isInteger(n) || n < 0 || n > LINK_MAX_CHANNEL_BYTES) throw new LinkError('too_large', `a stream holds at most ${LINK_MAX_CHANNEL_BYTES} bytes, got ${n}`);
}

/** L7: strict decoding of a sealed message's plaintext. */
export function decodeLinkMessage(bytes: Uint8Array): LinkMessage {
  try {
    const r = new Reader(bytes);
    const t = r.u8('type');
    let m: LinkMessage;
    switch (t) {
      case LINK_MESSAGE_TYPES.device: {
        const identitySigningKey = r.fixed(32, 'IKsig').slice(), identityDhKey = r.fixed(32, 'IKdh').slice(), credentialKey = r.fixed(32, 'CK').slice();
        const nameBytes = r.vec8('name');
        if (nameBytes.length < 1 || nameBytes.length > LINK_MAX_DEVICE_NAME) throw malformed(`device name: 1–${LINK_MAX_DEVICE_NAME} bytes`);
        m = { type: 'device', identitySigningKey, identityDhKey, credentialKey, name: fromUtf8(nameBytes), popSig: r.fixed(64, 'popSig').slice(), popCred: r.fixed(64, 'popCred').slice() };
        break;
      }
      case LINK_MESSAGE_TYPES.list: {
        const accountId = r.ascii8('accountId');
        if (!ID_PATTERN.test(accountId)) throw malformed('list: accountId is not an id');
        m = { type: 'list', accountId, body: r.vec16('body').slice() };
        break;
      }
      case LINK_MESSAGE_TYPES.cosign:
        m = { type: 'cosign', cosignature: r.fixed(64, 'cosignature').slice() };
        break;
      case LINK_MESSAGE_TYPES.welcome: {
        const listVersion = r.u64('listVersion'), listHash = r.fixed(32, 'listHash').slice(), deviceId = r.u32('deviceId'), stateLength = r.u32('stateLength');
        const hasHistory = r.u8('hasHistory');
        if (listVersion < 1 || deviceId < 1 || hasHistory > 1) throw malformed('welcome: listVersion and deviceId ≥ 1, hasHistory 0 or 1');
        checkStreamLength(stateLength);
        let history: LinkWelcomeMessage['history'] = null;
        if (hasHistory === 1) {
          let descriptor: HistoryDescriptor;
          try {
            descriptor = decodeHistoryDescriptor(r.vec16('descriptor'));
          } catch (e) {
            if (e instanceof LinkError || e instanceof EncodingError) throw e;
            throw malformed(`welcome: ${(e as Error).message}`);
          }
          if (descriptor.transport !== 'inline') throw malformed('welcome: the history descriptor travels inline (L7)');
          const length = r.u32('historyLength');
          checkStreamLength(length);
          history = { descriptor, length };
        }
        m = { type: 'welcome', listVersion, listHash, deviceId, stateLength, history };
        break;
      }
      case LINK_MESSAGE_TYPES.data: {
        const s = r.u8('stream');
        const stream: LinkStream | undefined = s === 1 ? 'state' : s === 2 ? 'history' : undefined;
        if (stream === undefined) throw malformed(`data: stream ${s}`);
        const offset = r.u32('offset');
        const chunk = r.vec32('bytes');
        if (chunk.length < 1 || chunk.length > LINK_MAX_CHUNK) throw malformed(`data: 1–${LINK_MAX_CHUNK} bytes`);
        m = { type: 'data', stream, offset, bytes: chunk.slice() };
        break;
      }
      case LINK_MESSAGE_TYPES.done:
        m = { type: 'done' };
        break;
      case LINK_MESSAGE_TYPES.abort: {
        const code = r.u8('reason');
        const reason = (Object.keys(LINK_ABORT_REASONS) as LinkAbortReason[]).find((k) => LINK_ABORT_REASONS[k] === code);
        if (reason === undefined) throw malformed(`abort: reason ${code}`);
        m = { type: 'abort', reason };
        break;
      }
      default:
        throw malformed(`unknown message type ${t}`);
    }
    r.end('LinkMessage');
    return m;
  } catch (e) {
    if (e instanceof EncodingError) throw malformed(`link message: ${e.message}`);
    throw e;
  }
}

/** L7: the message both proofs of possession sign: LINK_DEVICE_LABEL ‖ th ‖ IKsig ‖ IKdh ‖ CK. */
export function devicePopInput(transcript: Uint8Array, keys: NewDeviceKeys): Uint8Array {
  return concatBytes(LINK_DEVICE_LABEL, abytes(transcript, 32, 'th'), abytes(keys.identitySigningKey, 32, 'IKsig'), abytes(keys.identityDhKey, 32, 'IKdh'), abytes(keys.credentialKey, 32, 'CK'));
}

/** The new device's keys and the seeds that prove them (IKsig's and CK's Ed25519 seeds). */
export interface LinkDeviceSecrets extends NewDeviceKeys {
  readonly signingPrivateKey: Uint8Array;
  readonly credentialPrivateKey: Uint8Array;
}

/** L7 `device`, on N: its keys, its proposed name and both proofs of possession over this channel's th. */
export function makeDeviceMessage(transcript: Uint8Array, device: LinkDeviceSecrets, name: string, crypto: CryptoProvider = defaultCryptoProvider()): LinkDeviceMessage {
  const keys: NewDeviceKeys = { identitySigningKey: device.identitySigningKey, identityDhKey: device.identityDhKey, credentialKey: device.credentialKey };
  const input = devicePopInput(transcript, keys);
  return { type: 'device', ...keys, name, popSig: crypto.ed25519Sign(device.signingPrivateKey, input), popCred: crypto.ed25519Sign(device.credentialPrivateKey, input) };
}

/** L7 `device`, on E: valid keys (D4.1 rules) and both proofs over this channel's th (`bad_proof`). */
export function checkDeviceMessage(transcript: Uint8Array, m: LinkDeviceMessage, crypto: CryptoProvider = defaultCryptoProvider()): NewDeviceKeys {
  if (!isValidEd25519PublicKey(m.identitySigningKey) || !isValidEd25519PublicKey(m.credentialKey)) throw new LinkError('bad_proof', 'IKsig or CK is not a valid Ed25519 key (D4.1)');
  if (m.identityDhKey.every((b) => b === 0)) throw new LinkError('bad_proof', 'IKdh is all zero (D4.1)');
  const input = devicePopInput(transcript, m);
  if (!crypto.ed25519Verify(m.identitySigningKey, input, m.popSig)) throw new LinkError('bad_proof', 'the proof of IKsig does not verify over this channel');
  if (!crypto.ed25519Verify(m.credentialKey, input, m.popCred)) throw new LinkError('bad_proof', 'the proof of CK does not verify over this channel');
  return { identitySigningKey: m.identitySigningKey, identityDhKey: m.identityDhKey, credentialKey: m.credentialKey };
}
