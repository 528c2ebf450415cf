// Link channels (docs/PROTOCOL-linking.md L8): creation and the new device's side without an account (rate limit
// `auth` per address; the side token is the capability), the existing device's join with its account's token.
// Frames pass through as opaque bytes; nothing here logs them.
import type { Services } from '../services/index.ts';
import { b64, bytes } from './_schemas.ts';
import { type Route, route } from './_route.ts';
import { linkOperations as ops, MAX_LINK_FRAME_BYTES } from '../../client/transport/contract/link.ts';

/** A frame of 65 553 bytes is 87 404 base64url characters: the JSON body limit is set above it. */
const FRAME_BODY_LIMIT = Math.ceil((MAX_LINK_FRAME_BYTES * 4) / 3) + 1024;

export function linkRoutes(s: Services): Route[] {
  return [
    route(ops.createLinkChannel, async () => {
      const c = await s.link.create();
      return { channelId: c.channelId, token: c.token, expiresAt: c.expiresAt.toISOString() };
    }),
    route(ops.joinLinkChannel, async ({ params }) => {
      const j = await s.link.join(params.channelId);
      return { token: j.token, expiresAt: j.expiresAt.toISOString() };
    }),
    route(ops.postLinkFrame, async ({ params, body }) => s.link.post(params.channelId, body.token, body.seq, bytes(body.frame)), { bodyLimitBytes: FRAME_BODY_LIMIT }),
    route(ops.readLinkFrames, async ({ params, body }) => {
      const r = await s.link.read(params.channelId, body.token, body.after);
      return { frames: r.frames.map((f) => ({ seq: f.seq, frame: b64(f.frame) })), joined: r.joined, expiresAt: r.expiresAt.toISOString() };
    }),
    route(ops.closeLinkChannel, async ({ params, body }) => {
      await s.link.close(params.channelId, body.token);
      return { ok: true as const };
    }),
  ];
}
