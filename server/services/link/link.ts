// The link-channel relay (docs/PROTOCOL-linking.md L8): capability-protected mailboxes between a new device, which has
// no account yet, and an existing device. The server never reads a frame, never logs one and never puts one in an
// error; it keeps only SHA-256 of each side token and answers not_found alike for an unknown channel, a wrong token
// and an expired channel (the id alone grants nothing).
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { ConflictError, InputError, NotFoundError } from '../../errors.ts';
import type { LinkStore } from './link-store.ts';

export interface LinkRelayLimits {
  readonly ttlMs: number;
  readonly maxFrames: number;
  readonly maxChannelBytes: number;
  readonly maxFrameBytes: number;
  readonly framesPerRead: number;
}
/** L2 constants the relay enforces (the SDK's client/link/handshake.ts has the same values). */
export const LINK_RELAY_LIMITS: LinkRelayLimits = { ttlMs: 600_000, maxFrames: 512, maxChannelBytes: 16 * 1024 * 1024, maxFrameBytes: 65_553, framesPerRead: 64 };

export type LinkSide = 'new' | 'existing';
const SIDE_CODE: Record<LinkSide, 1 | 2> = { new: 1, existing: 2 };
const OTHER: Record<LinkSide, LinkSide> = { new: 'existing', existing: 'new' };

const sha256 = (b: Uint8Array): Buffer => createHash('sha256').update(b).digest();
const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64url');

export class LinkService {
  constructor(
    private readonly store: LinkStore,
    private readonly limits: LinkRelayLimits = LINK_RELAY_LIMITS,
  ) {}

  /** L8 creation: a fresh 128-bit id and N's 256-bit side token; expired channels of any process are deleted first. */
  async create(now = new Date()): Promise<{ channelId: string; token: string; expiresAt: Date }> {
    await this.store.sweep(now);
    const channelId = b64(randomBytes(16));
    const token = randomBytes(32);
    const expiresAt = new Date(now.getTime() + this.limits.ttlMs);
    await this.store.create(channelId, sha256(token), expiresAt);
    return { channelId, token: b64(token), expiresAt };
  }

  /** L8 join: E's side token, once per channel (`link_channel_taken`). */
  async join(channelId: string, now = new Date()): Promise<{ token: string; expiresAt: Date }> {
    const row = await this.store.find(channelId);
    if (!row || row.expiresAt <= now) throw new NotFoundError('link channel');
    const token = randomBytes(32);
    if (!(await this.store.join(channelId, sha256(token), now))) {
      if (row.existingTokenHash !== null || (await this.store.find(channelId))?.existingTokenHash) throw new ConflictError('link_channel_taken', 'another device already joined this link channel');
      throw new NotFoundError('link channel');
    }
    return { token: b64(token), expiresAt: row.expiresAt };
  }

  /** Which side a token opens; not_found for anything else (no oracle for which part was wrong). */
  private async side(channelId: string, token: string, now: Date): Promise<{ side: LinkSide; expiresAt: Date; joined: boolean }> {
    const row = await this.store.find(channelId);
    if (!row || row.expiresAt <= now) throw new NotFoundError('link channel');
    const h = sha256(Buffer.from(token, 'base64url'));
    const same = (stored: Uint8Array | null) => stored !== null && stored.length === h.length && timingSafeEqual(Buffer.from(stored), h);
    // Both compared, in constant time each, whichever matches.
    const isNew = same(row.newTokenHash);
    const isExisting = same(row.existingTokenHash);
    if (!isNew && !isExisting) throw new NotFoundError('link channel');
    return { side: isNew ? 'new' : 'existing', expiresAt: row.expiresAt, joined: row.existingTokenHash !== null };
  }

  /** L8: files the caller's side's next frame. */
  async post(channelId: string, token: string, seq: number, frame: Uint8Array, now = new Date()): Promise<{ seq: number }> {
    if (frame.length < 1 || frame.length > this.limits.maxFrameBytes) throw new InputError('validation_failed', `a frame is 1–${this.limits.maxFrameBytes} bytes`);
    const { side } = await this.side(channelId, token, now);
    const r = await this.store.append(channelId, SIDE_CODE[side], seq, frame, { maxFrames: this.limits.maxFrames, maxBytes: this.limits.maxChannelBytes }, now);
    if (r === 'sequence') throw new ConflictError('link_sequence', 'seq is not this side\'s next frame');
    if (r === 'full') throw new InputError('quota_exceeded', `a link channel holds at most ${this.limits.maxFrames} frames per side and ${this.limits.maxChannelBytes} bytes`);
    if (r === 'gone') throw new NotFoundError('link channel');
    return { seq };
  }

  /** L8: the other side's frames after `after`, in order. */
  async read(channelId: string, token: string, after: number, now = new Date()): Promise<{ frames: Array<{ seq: number; frame: Uint8Array }>; joined: boolean; expiresAt: Date }> {
    const { side, expiresAt, joined } = await this.side(channelId, token, now);
    const frames = await this.store.frames(channelId, SIDE_CODE[OTHER[side]], after, this.limits.framesPerRead);
    return { frames, joined, expiresAt };
  }

  /** L8: either side deletes the channel and its frames. */
  async close(channelId: string, token: string, now = new Date()): Promise<void> {
    await this.side(channelId, token, now);
    await this.store.remove(channelId);
  }

  /** Deletes expired channels (also done on every creation). */
  async sweep(now = new Date()): Promise<number> {
    return this.store.sweep(now);
  }
}
