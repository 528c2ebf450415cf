// Both ends of the link channel as state machines over frames (docs/PROTOCOL-linking.md L1, L4–L7): no I/O, so the
// same code runs over the relay (driver.ts), in tests and in vectors. Each side numbers its own frames from 1 (L4);
// the peer's frames are taken in order only (L6 out_of_order). Every state allows exactly the next frame or message
// of L1; anything else is unexpected_message and ends the channel.
import { defaultCryptoProvider } from '../crypto/noble.ts';
import type { CryptoProvider } from '../crypto/provider.ts';
import { cosignLinkedList, type LinkingDevice, type NewDeviceKeys } from '../devices/changes.ts';
import { decodeDeviceList, type DeviceList } from '../devices/device-list.ts';
import type { HistoryDescriptor } from '../devices/history-codec.ts';
import { type LinkAbortReason, LinkError } from './errors.ts';
import {
  checkLinkCommitment, deriveLinkKeys, handshakeFrame, type LinkDirection, type LinkKeys, linkCommitment, linkTranscript, openLinkFrame, readHandshakeFrame,
  sealLinkFrame,
} from './handshake.ts';
import { type LinkCode, LINK_CHANNEL_ID_LENGTH, LINK_SECRET_LENGTH } from './link-code.ts';
import {
  checkDeviceMessage, decodeLinkMessage, encodeLinkMessage, LINK_MAX_CHUNK, type LinkDeviceSecrets, type LinkMessage, type LinkStream, type LinkWelcomeMessage,
  makeDeviceMessage,
} from './messages.ts';

/** One frame to post, with the seq the relay must file it under (L8). */
export interface OutgoingFrame {
  readonly seq: number;
  readonly frame: Uint8Array;
}

/** Where the random draws come from: the provider's CSPRNG, or fixed bytes in vectors. */
export type RandomSource = (length: number) => Uint8Array;

export interface LinkSideOptions {
  readonly crypto?: CryptoProvider;
  readonly random?: RandomSource;
}

/** What the new device learns, step by step. */
export type NewDeviceEvent =
  | { readonly kind: 'short_code'; readonly shortCode: string }
  | { readonly kind: 'list'; readonly accountId: string; readonly list: DeviceList }
  | { readonly kind: 'welcome'; readonly welcome: LinkWelcomeMessage }
  | { readonly kind: 'complete'; readonly welcome: LinkWelcomeMessage; readonly state: Uint8Array; readonly history: { readonly descriptor: HistoryDescriptor; readonly ciphertext: Uint8Array } | null };

/** What the existing device learns, step by step. */
export type ExistingDeviceEvent =
  | { readonly kind: 'short_code'; readonly shortCode: string }
  | { readonly kind: 'device'; readonly keys: NewDeviceKeys; readonly name: string }
  | { readonly kind: 'cosign'; readonly cosignature: Uint8Array }
  | { readonly kind: 'done' };

export interface LinkStep<E> {
  /** Frames to post, in order. */
  readonly send: readonly OutgoingFrame[];
  readonly event: E | null;
}

abstract class LinkSide {
  protected readonly crypto: CryptoProvider;
  protected readonly random: RandomSource;
  protected keys: LinkKeys | null = null;
  private sent = 0;
  private received = 0;
  /** The error that ended the channel: every later call throws it again. */
  private failed: Error | null = null;

  constructor(opts: LinkSideOptions, private readonly outDir: LinkDirection, private readonly inDir: LinkDirection) {
    this.crypto = opts.crypto ?? defaultCryptoProvider();
    this.random = opts.random ?? ((n) => this.crypto.randomBytes(n));
  }

  /** L5: the short code once L4 completed (null before). */
  get shortCode(): string | null {
    return this.keys?.shortCode ?? null;
  }
  /** Frames of the peer taken so far (the `after` of the next relay read, L8). */
  get receivedCount(): number {
    return this.received;
  }

  protected next(frame: Uint8Array): OutgoingFrame {
    this.sent += 1;
    return { seq: this.sent, frame };
  }
  protected seal(m: LinkMessage): OutgoingFrame {
    if (this.failed) throw this.failed;
    if (this.keys === null) throw new LinkError('unexpected_message', 'no channel keys yet (L4)');
    return { seq: this.sent + 1, frame: sealLinkFrame(this.keys, this.outDir, ++this.sent, encodeLinkMessage(m), this.crypto) };
  }
  /** L7 abort: ends the channel; sealed, so only possible after L4. */
  abort(reason: LinkAbortReason): OutgoingFrame | null {
    const frame = this.keys === null || this.failed ? null : this.seal({ type: 'abort', reason });
    this.failed ??= new LinkError('aborted', `aborted here: ${reason}`, reason);
    this.wipe();
    return frame;
  }

  /** Takes the peer's frame number `seq` (L6: in order only); a failure ends the channel for good. */
  protected take<E>(seq: number, frame: Uint8Array, handle: (frame: Uint8Array) => LinkStep<E>): LinkStep<E> {
    if (this.failed) throw this.failed;
    try {
      if (seq !== this.received + 1) throw new LinkError('out_of_order', `expected the peer's frame ${this.received + 1}, got ${seq}`);
      const step = handle(frame);
      this.received = seq;
      return step;
    } catch (e) {
      if (e instanceof LinkError && e.code === 'out_of_order') throw e; // the relay may offer the right frame next
      this.failed = e instanceof Error ? e : new LinkError('malformed', String(e));
      this.wipe();
      throw e;
    }
  }
  /** L6–L7: opens the peer's sealed frame `seq` and decodes its message; a peer's abort ends the channel. */
  protected open(seq: number, frame: Uint8Array): LinkMessage {
    if (this.keys === null) throw new LinkError('unexpected_message', 'a sealed frame before the handshake (L4)');
    const m = decodeLinkMessage(openLinkFrame(this.keys, this.inDir, seq, frame, this.crypto));
    if (m.type === 'abort') throw new LinkError('aborted', `the other device ended the link: ${m.reason}`, m.reason);
    return m;
  }
  protected wipe(): void {
    this.keys?.toExisting.fill(0);
    this.keys?.toNew.fill(0);
  }
  protected static unexpected(m: { type: string }, want: string): never {
    throw new LinkError('unexpected_message', `expected ${want}, got ${m.type}`);
  }
}

/** The new device N (L1): makes the link code, answers the handshake, sends its keys, counter-signs, receives. */
export class NewDeviceLink extends LinkSide {
  readonly code: LinkCode;
  private readonly ephemeralPrivate: Uint8Array;
  private state: 'commit' | 'reveal' | 'list' | 'welcome' | 'data' | 'complete' = 'commit';
  private commitment: Uint8Array | null = null;
  private nonce: Uint8Array | null = null;
  private accountId: string | null = null;
  private welcome: LinkWelcomeMessage | null = null;
  private streams: { state: Uint8Array[]; history: Uint8Array[]; got: Record<LinkStream, number> } = { state: [], history: [], got: { state: 0, history: 0 } };

  /**
   * `channelId` is the relay's (L8); `origin` is "" or the server's origin (L3). `device` holds N's own keys (D1) and
   * the seeds of IKsig and CK (L7 proofs, D6.1 cosignature); `name` is the name it proposes for itself.
   */
  constructor(channelId: Uint8Array, origin: string, private readonly device: LinkDeviceSecrets, private readonly name: string, opts: LinkSideOptions = {}) {
    super(opts, 'toExisting', 'toNew');
    if (channelId.length !== LINK_CHANNEL_ID_LENGTH) throw new RangeError(`channelId: expected Uint8Array of length ${LINK_CHANNEL_ID_LENGTH}, got length=${channelId.length}`);
    this.ephemeralPrivate = this.random(32).slice();
    this.code = { channelId: channelId.slice(), ephemeralKey: this.crypto.x25519PublicKey(this.ephemeralPrivate), linkSecret: this.random(LINK_SECRET_LENGTH).slice(), origin };
  }

  /** The account the list to counter-sign belongs to (after the `list` event). */
  get joiningAccount(): string | null {
    return this.accountId;
  }

  /** Takes E's frame `seq` (L4–L7). */
  receive(seq: number, frame: Uint8Array): LinkStep<NewDeviceEvent> {
    return this.take(seq, frame, (f) => this.step(seq, f));
  }

  private step(seq: number, frame: Uint8Array): LinkStep<NewDeviceEvent> {
    switch (this.state) {
      case 'commit': {
        this.commitment = readHandshakeFrame('commit', frame);
        // L4: nonceN is drawn only after E committed.
        this.nonce = this.random(32).slice();
        this.state = 'reveal';
        return { send: [this.next(handshakeFrame('nonce', this.nonce))], event: null };
      }
      case 'reveal': {
        const existingKey = readHandshakeFrame('reveal', frame);
        checkLinkCommitment(this.commitment!, existingKey, this.crypto);
        const th = linkTranscript(this.code, this.commitment!, this.nonce!, existingKey, this.crypto);
        this.keys = deriveLinkKeys(this.ephemeralPrivate, existingKey, this.code, th, this.crypto);
        this.ephemeralPrivate.fill(0);
        this.state = 'list';
        const device = this.seal(makeDeviceMessage(th, this.device, this.name, this.crypto));
        return { send: [device], event: { kind: 'short_code', shortCode: this.keys.shortCode } };
      }
      case 'list': {
        const m = this.open(seq, frame);
        if (m.type !== 'list') return LinkSide.unexpected(m, 'list');
        const linking: LinkingDevice = { identitySigningKey: this.device.identitySigningKey, identityDhKey: this.device.identityDhKey, credentialKey: this.device.credentialKey, signingPrivateKey: this.device.signingPrivateKey };
        // D6.1 step 3 (cosignLinkedList): the body is of the account E names, a change or recovery, and adds exactly this device.
        const cosignature = cosignLinkedList(m.body, m.accountId, linking, this.crypto);
        this.accountId = m.accountId;
        this.state = 'welcome';
        return { send: [this.seal({ type: 'cosign', cosignature })], event: { kind: 'list', accountId: m.accountId, list: decodeDeviceList(m.body) } };
      }
      case 'welcome': {
        const m = this.open(seq, frame);
        // D6.4: after a lost race E sends a new list; the cosignature of the losing one does not verify over it.
        if (m.type === 'list') {
          this.state = 'list';
          return this.step(seq, frame);
        }
        if (m.type !== 'welcome') return LinkSide.unexpected(m, 'welcome');
        if (m.history !== null && m.history.descriptor.targetDeviceId !== m.deviceId) throw new LinkError('malformed', 'welcome: the history is for another device');
        this.welcome = m;
        this.state = 'data';
        return this.maybeComplete({ kind: 'welcome', welcome: m });
      }
      case 'data': {
        const m = this.open(seq, frame);
        if (m.type !== 'data') return LinkSide.unexpected(m, 'data');
        const w = this.welcome!;
        const want: Record<LinkStream, number> = { state: w.stateLength, history: w.history?.length ?? 0 };
        // L7: stream 1 first, each in order, never past its stated length.
        if (m.stream === 'history' && this.streams.got.state < want.state) throw new LinkError('malformed', 'data: history before the account state is complete');
        if (m.offset !== this.streams.got[m.stream]) throw new LinkError('malformed', `data: offset ${m.offset}, expected ${this.streams.got[m.stream]}`);
        if (m.offset + m.bytes.length > want[m.stream]) throw new LinkError('malformed', `data: past the stated length of ${m.stream}`);
        this.streams[m.stream].push(m.bytes);
        this.streams.got[m.stream] += m.bytes.length;
        return this.maybeComplete(null);
      }
      case 'complete':
        throw new LinkError('unexpected_message', 'the link is complete');
    }
  }

  private maybeComplete(event: NewDeviceEvent | null): LinkStep<NewDeviceEvent> {
    const w = this.welcome!;
    if (this.streams.got.state < w.stateLength || this.streams.got.history < (w.history?.length ?? 0)) return { send: [], event };
    this.state = 'complete';
    const join = (parts: Uint8Array[], n: number) => {
      const out = new Uint8Array(n);
      let at = 0;
      for (const p of parts) {
        out.set(p, at);
        at += p.length;
      }
      return out;
    };
    const history = w.history ? { descriptor: w.history.descriptor, ciphertext: join(this.streams.history, w.history.length) } : null;
    return { send: [], event: { kind: 'complete', welcome: w, state: join(this.streams.state, w.stateLength), history } };
  }

  /** L7 `done`: after N signed in, verified its list (D5.2) and imported what came along. */
  done(): OutgoingFrame {
    if (this.state !== 'complete') throw new LinkError('unexpected_message', 'done before the link is complete');
    const f = this.seal({ type: 'done' });
    this.wipe();
    return f;
  }
}

/** The existing device E (L1): scans the code, commits, reveals, checks N's keys, sends the list after the user's yes. */
export class ExistingDeviceLink extends LinkSide {
  private readonly ephemeralPrivate: Uint8Array;
  private readonly ephemeralKey: Uint8Array;
  private readonly commitment: Uint8Array;
  private state: 'nonce' | 'device' | 'confirm' | 'cosign' | 'welcome' | 'done' | 'closed' = 'nonce';
  private deviceKeys: NewDeviceKeys | null = null;

  constructor(readonly code: LinkCode, opts: LinkSideOptions = {}) {
    super(opts, 'toNew', 'toExisting');
    this.ephemeralPrivate = this.random(32).slice();
    this.ephemeralKey = this.crypto.x25519PublicKey(this.ephemeralPrivate);
    this.commitment = linkCommitment(this.ephemeralKey, this.crypto);
  }

  /** L4: the first frame, posted right after joining. */
  start(): OutgoingFrame {
    return this.next(handshakeFrame('commit', this.commitment));
  }

  /** N's keys once `device` arrived and checked (null before). */
  get newDevice(): NewDeviceKeys | null {
    return this.deviceKeys;
  }

  /** Takes N's frame `seq` (L4–L7). */
  receive(seq: number, frame: Uint8Array): LinkStep<ExistingDeviceEvent> {
    return this.take(seq, frame, (f) => this.step(seq, f));
  }

  private step(seq: number, frame: Uint8Array): LinkStep<ExistingDeviceEvent> {
    switch (this.state) {
      case 'nonce': {
        const nonce = readHandshakeFrame('nonce', frame);
        const th = linkTranscript(this.code, this.commitment, nonce, this.ephemeralKey, this.crypto);
        this.keys = deriveLinkKeys(this.ephemeralPrivate, this.code.ephemeralKey, this.code, th, this.crypto);
        this.ephemeralPrivate.fill(0);
        this.state = 'device';
        // L4: EE is revealed only after N's nonce arrived.
        return { send: [this.next(handshakeFrame('reveal', this.ephemeralKey))], event: { kind: 'short_code', shortCode: this.keys.shortCode } };
      }
      case 'device': {
        const m = this.open(seq, frame);
        if (m.type !== 'device') return LinkSide.unexpected(m, 'device');
        this.deviceKeys = checkDeviceMessage(this.keys!.transcript, m, this.crypto);
        this.state = 'confirm';
        return { send: [], event: { kind: 'device', keys: this.deviceKeys, name: m.name } };
      }
      case 'cosign': {
        const m = this.open(seq, frame);
        if (m.type !== 'cosign') return LinkSide.unexpected(m, 'cosign');
        this.state = 'welcome';
        return { send: [], event: { kind: 'cosign', cosignature: m.cosignature } };
      }
      case 'done': {
        const m = this.open(seq, frame);
        if (m.type !== 'done') return LinkSide.unexpected(m, 'done');
        this.state = 'closed';
        this.wipe();
        return { send: [], event: { kind: 'done' } };
      }
      default:
        throw new LinkError('unexpected_message', `no frame from the new device is expected now (${this.state})`);
    }
  }

  /**
   * L7 `list`: only after the user compared the short codes and confirmed (the list is E's "yes"). Also after a lost
   * race (D6.4): a new body, counter-signed again.
   */
  sendList(accountId: string, body: Uint8Array): OutgoingFrame {
    if (this.state !== 'confirm' && this.state !== 'welcome') throw new LinkError('unexpected_message', `a list now (${this.state})`);
    this.state = 'cosign';
    return this.seal({ type: 'list', accountId, body });
  }

  /** L7 `welcome` and the `data` chunks of the account state and (optionally) the history ciphertext, once the list is logged. */
  sendWelcome(w: Omit<LinkWelcomeMessage, 'type' | 'stateLength' | 'history'>, state: Uint8Array, history: { descriptor: HistoryDescriptor; ciphertext: Uint8Array } | null): OutgoingFrame[] {
    if (this.state !== 'welcome') throw new LinkError('unexpected_message', `a welcome now (${this.state})`);
    const out = [this.seal({ type: 'welcome', ...w, stateLength: state.length, history: history ? { descriptor: history.descriptor, length: history.ciphertext.length } : null })];
    const chunks = (stream: LinkStream, bytes: Uint8Array) => {
      for (let at = 0; at < bytes.length; at += LINK_MAX_CHUNK) out.push(this.seal({ type: 'data', stream, offset: at, bytes: bytes.subarray(at, at + LINK_MAX_CHUNK) }));
    };
    chunks('state', state);
    if (history) chunks('history', history.ciphertext);
    this.state = 'done';
    return out;
  }
}
