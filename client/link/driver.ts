// A small driver of one side of the link channel over the relay (docs/PROTOCOL-linking.md L8): posts the side's
// frames in order and reads the peer's, feeding them to the state machine (link-session.ts). The ApiClient is a
// LinkRelay; tests may pass any other. Relay answers become LinkError codes: 404 → expired, 409 taken → channel_taken.
import { fromBase64Url, toBase64Url } from '../crypto/_bytes.ts';
import { ApiError } from '../transport/api-error.ts';
import { LinkError } from './errors.ts';
import { checkLinkCodeOrigin, linkCodeText, parseLinkCodeText } from './link-code.ts';
import {
  type ExistingDeviceEvent, ExistingDeviceLink, type LinkSideOptions, type LinkStep, type NewDeviceEvent, NewDeviceLink, type OutgoingFrame,
} from './link-session.ts';
import type { LinkDeviceSecrets } from './messages.ts';

/** The relay operations of L8 (ApiClient has them). */
export interface LinkRelay {
  createLinkChannel(): Promise<{ channelId: string; token: string; expiresAt: string }>;
  joinLinkChannel(channelId: string): Promise<{ token: string; expiresAt: string }>;
  postLinkFrame(channelId: string, token: string, seq: number, frame: Uint8Array): Promise<{ seq: number }>;
  readLinkFrames(channelId: string, token: string, after: number): Promise<{ frames: Array<{ seq: number; frame: string }>; joined: boolean; expiresAt: string }>;
  closeLinkChannel(channelId: string, token: string): Promise<unknown>;
}

export interface LinkDriverOptions {
  /** Pause between reads that brought nothing (default 500 ms). */
  readonly pollMs?: number;
  readonly signal?: AbortSignal;
}

const relayError = (e: unknown): unknown => {
  if (e instanceof ApiError && e.code === 'not_found') return new LinkError('expired', 'the link channel expired or was closed; start again on the new device');
  if (e instanceof ApiError && e.code === 'link_channel_taken') return new LinkError('channel_taken', 'another device already used this link code; start again on the new device');
  return e;
};

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(t), reject(signal.reason)), { once: true });
  });

/** One side over the relay: `next()` resolves with the side's next event. */
export class LinkDriver<E> {
  private readonly queue: E[] = [];

  constructor(
    private readonly relay: LinkRelay,
    readonly channelId: string,
    private readonly token: string,
    private readonly side: { receive(seq: number, frame: Uint8Array): LinkStep<E>; readonly receivedCount: number },
    private readonly opts: LinkDriverOptions = {},
  ) {}

  /** Posts frames in order (each at its seq). */
  async send(frames: readonly (OutgoingFrame | null)[]): Promise<void> {
    try {
      for (const f of frames) if (f) await this.relay.postLinkFrame(this.channelId, this.token, f.seq, f.frame);
    } catch (e) {
      throw relayError(e);
    }
  }

  /** Reads once: feeds the peer's new frames to the side, posts its answers, queues its events; true if anything came. */
  async poll(): Promise<boolean> {
    let answer;
    try {
      answer = await this.relay.readLinkFrames(this.channelId, this.token, this.side.receivedCount);
    } catch (e) {
      throw relayError(e);
    }
    for (const f of answer.frames) {
      const step = this.side.receive(f.seq, fromBase64Url(f.frame, 'frame'));
      await this.send(step.send);
      if (step.event !== null) this.queue.push(step.event);
    }
    return answer.frames.length > 0;
  }

  /** The next event, reading the relay until one comes (or the signal aborts, or the channel expires). */
  async next(): Promise<E> {
    for (;;) {
      const e = this.queue.shift();
      if (e !== undefined) return e;
      if (!(await this.poll())) await sleep(this.opts.pollMs ?? 500, this.opts.signal);
    }
  }

  /** Deletes the channel (after done, or to cancel). Errors are ignored: the channel expires anyway. */
  async close(): Promise<void> {
    await this.relay.closeLinkChannel(this.channelId, this.token).catch(() => undefined);
  }
}

/** N: opens a channel and makes its code (L3); show `text` as QR code and text. */
export async function openNewDeviceLink(
  relay: LinkRelay, device: LinkDeviceSecrets, name: string, opts: LinkSideOptions & LinkDriverOptions & { readonly origin?: string } = {},
): Promise<{ link: NewDeviceLink; driver: LinkDriver<NewDeviceEvent>; text: string; expiresAt: string }> {
  const c = await relay.createLinkChannel();
  const link = new NewDeviceLink(fromBase64Url(c.channelId, 'channelId'), opts.origin ?? '', device, name, opts);
  return { link, driver: new LinkDriver(relay, c.channelId, c.token, link, opts), text: linkCodeText(link.code), expiresAt: c.expiresAt };
}

/** E: reads the code (L3; `ownOrigin` is this device's server), joins the channel and posts its commitment (L4). */
export async function joinExistingDeviceLink(
  relay: LinkRelay, codeText: string, ownOrigin: string, opts: LinkSideOptions & LinkDriverOptions = {},
): Promise<{ link: ExistingDeviceLink; driver: LinkDriver<ExistingDeviceEvent> }> {
  const code = parseLinkCodeText(codeText);
  checkLinkCodeOrigin(code, ownOrigin);
  const channelId = toBase64Url(code.channelId);
  let joined;
  try {
    joined = await relay.joinLinkChannel(channelId);
  } catch (e) {
    throw relayError(e);
  }
  const link = new ExistingDeviceLink(code, opts);
  const driver = new LinkDriver(relay, channelId, joined.token, link, opts);
  await driver.send([link.start()]);
  return { link, driver };
}
