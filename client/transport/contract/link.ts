// API contract: link channels (docs/PROTOCOL-linking.md L8), the relay between a new device (no account yet) and an
// existing device of the account. Frames are opaque bytes to the server; side tokens travel in bodies, never in URLs.
import { z } from 'zod';
import { b64Exact, b64Max, IsoTime } from './_common.ts';
import { OkResponse } from './auth.ts';
import { defineOperation } from './_operation.ts';
import { endpoints } from './endpoints.ts';

/** L2 LINK_MAX_FRAME: one relay frame (1 + 65 536 + 16 bytes). */
export const MAX_LINK_FRAME_BYTES = 65_553;
/** L2 LINK_MAX_FRAMES: frames per side of one channel. */
export const MAX_LINK_FRAMES = 512;
/** L8: the most frames one read answers. */
export const MAX_LINK_FRAMES_PER_READ = 64;

const ChannelId = z.string().length(22).regex(/^[A-Za-z0-9_-]{22}$/, 'expected a channel id: 16 bytes, base64url').meta({ description: '16 random bytes, base64url' });
const SideToken = b64Exact(32).meta({ description: 'the side\'s capability token (32 bytes, base64url)' });
const Seq = z.number().int().min(1).max(MAX_LINK_FRAMES);
const Frame = b64Max(MAX_LINK_FRAME_BYTES, 1).meta({ description: 'one opaque frame (docs/PROTOCOL-linking.md L4, L6), base64url' });

export const LinkChannelParams = z.strictObject({ channelId: ChannelId });
export const LinkChannelCreated = z.strictObject({ channelId: ChannelId, token: SideToken, expiresAt: IsoTime }).meta({ id: 'LinkChannelCreated' });
export const LinkChannelJoined = z.strictObject({ token: SideToken, expiresAt: IsoTime }).meta({ id: 'LinkChannelJoined' });
export const PostLinkFrameRequest = z.strictObject({ token: SideToken, seq: Seq, frame: Frame }).meta({ id: 'PostLinkFrameRequest' });
export const LinkFramePosted = z.strictObject({ seq: Seq }).meta({ id: 'LinkFramePosted' });
export const ReadLinkFramesRequest = z.strictObject({ token: SideToken, after: z.number().int().min(0).max(MAX_LINK_FRAMES) }).meta({ id: 'ReadLinkFramesRequest' });
export const LinkFrames = z
  .strictObject({
    frames: z.array(z.strictObject({ seq: Seq, frame: Frame })).max(MAX_LINK_FRAMES_PER_READ).meta({ description: 'the other side\'s frames with seq > after, ascending' }),
    joined: z.boolean().meta({ description: 'whether an existing device has joined' }),
    expiresAt: IsoTime,
  })
  .meta({ id: 'LinkFrames' });
export const CloseLinkChannelRequest = z.strictObject({ token: SideToken }).meta({ id: 'CloseLinkChannelRequest' });

export const linkOperations = {
  createLinkChannel: defineOperation(endpoints.createLinkChannel, {
    tag: 'devices', rateLimit: 'auth', summary: 'Open a link channel for a new device (no account yet): its id and the new device\'s side token, for 10 minutes', response: LinkChannelCreated,
  }),
  joinLinkChannel: defineOperation(endpoints.joinLinkChannel, {
    tag: 'devices', rateLimit: 'auth', summary: 'Take the existing device\'s side of a link channel (once per channel)', params: LinkChannelParams, response: LinkChannelJoined,
  }),
  postLinkFrame: defineOperation(endpoints.postLinkFrame, {
    tag: 'devices', summary: 'Post the next frame of one side (seq exactly the side\'s next)', params: LinkChannelParams, body: PostLinkFrameRequest, response: LinkFramePosted,
  }),
  readLinkFrames: defineOperation(endpoints.readLinkFrames, {
    tag: 'devices', summary: 'The other side\'s frames after `after`', params: LinkChannelParams, body: ReadLinkFramesRequest, response: LinkFrames,
  }),
  closeLinkChannel: defineOperation(endpoints.closeLinkChannel, {
    tag: 'devices', summary: 'Delete the channel and its frames', params: LinkChannelParams, body: CloseLinkChannelRequest, response: OkResponse,
  }),
} as const;
