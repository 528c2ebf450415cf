// Live push channel: WebSocket at /v1/stream. Protocol (docs/API.md "Push channel"):
//   client → {"type":"auth","token":"..."}                 (first frame, within 5 s; tokens never in URLs)
//   server → {"type":"ready"}
//   server → {"type":"envelopes","envelopes":[Envelope...]} (pending at connect, then as they arrive)
//   client → {"type":"ack","ids":[...]}                      (deletes them, like POST /v1/messages/ack)
//   server → {"type":"kt-head","head":SignedTreeHead}       the key log's newest signed head: at ready, then each new one
//   server → {"type":"devices","accountId","listVersion"}   the account logged a device list (to each of its current devices)
//   server → {"type":"error","code":"..."} then close 4401/4403/4400
// An envelope is pushed once per connection; unacknowledged ones come again on the next connection.
// Envelopes committed while the connection is up to date are pushed from memory (no read-back query), also when
// they were committed by another server process (server/services/relay/delivery-hub.ts carries them over Redis).
//
// The socket ends with a close code the client shows (client/transport/push.ts), on whichever process holds it:
//   4401 invalid_token     — logged out (on any process), token expired
//   4401 device_removed    — the token's device left the account's logged list (docs/PROTOCOL-devices.md D13.6)
//   4403 account_suspended / account_banned — standing changed (moderation, admin command)
//   4400 validation_failed — malformed frame;  1011 internal;  1012 server restarting (reconnect elsewhere)
import type { Server } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import { z } from 'zod';
import { AppError } from './errors.ts';
import { envelopeToJson } from './routes/messages.ts';
import type { Delivered } from './services/relay/index.ts';
import type { Services } from './services/index.ts';
import { KT_HEAD_CHANNEL } from './services/index.ts';
import { DEVICES_CHANNEL } from './services/devices/index.ts';
import { treeHeadToJson } from '../client/transparency/index.ts';

const ClientFrame = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('auth'), token: z.string().max(200) }),
  z.strictObject({ type: z.literal('ack'), ids: z.array(z.string().min(1).max(160)).min(1).max(500) }),
]);

export const PUSH_PATH = '/v1/stream';
/** Envelopes per database read of the push pump. */
const PUMP_LIMIT = 500;
/** Safety net behind the revocation broadcast: every socket's session and standing are re-read this often. */
const RECHECK_MS = 60_000;

export const closeCodeOf = (code: string): number =>
  code === 'account_suspended' || code === 'account_banned' || code === 'forbidden' ? 4403 : code === 'validation_failed' ? 4400 : 4401;

export function attachPush(server: Server, s: Services, opts: { recheckMs?: number } = {}): { close(): void; open(): number } {
  const wss = new WebSocketServer({ server, path: PUSH_PATH, maxPayload: 64 * 1024 });
  // Every head the key log signs, on any process, is announced to every signed-in socket: clients check their own
  // keys on each new head (docs/TRANSPARENCY.md §6.3). A hint only — clients verify the head they fetch themselves.
  const live = new Map<WebSocket, { userId: string; deviceId: number }>();
  const heads = s.shared.bus.subscribe(KT_HEAD_CHANNEL, (message) => {
    for (const ws of live.keys()) if (ws.readyState === ws.OPEN) ws.send(`{"type":"kt-head","head":${message}}`);
  });
  // A list logged on any process is announced to every current device of its account (docs/PROTOCOL-devices.md
  // D13.6): a hint to fetch and verify the lists (D7.4), never a list itself. A removed device's socket is already
  // closing (its revocation is published first) and is not in the new list either.
  const lists = s.shared.bus.subscribe(DEVICES_CHANNEL, (message) => {
    let m: { accountId: string; listVersion: number; deviceIds: number[] };
    try {
      m = JSON.parse(message) as typeof m;
    } catch {
      return;
    }
    const frame = JSON.stringify({ type: 'devices', accountId: m.accountId, listVersion: m.listVersion });
    for (const [ws, who] of live) if (who.userId === m.accountId && m.deviceIds.includes(who.deviceId) && ws.readyState === ws.OPEN) ws.send(frame);
  });
  wss.on('connection', (ws: WebSocket) => {
    let userId: string | null = null;
    /** The device the token names (docs/PROTOCOL-devices.md D13.1: push is per device; a legacy token is device 1). */
    let deviceId = 1;
    let unsubscribe: (() => void) | null = null;
    let session: { stop(): void; recheck(): Promise<void> } | null = null;
    let recheckTimer: NodeJS.Timeout | undefined;
    const sent = new Set<string>();
    let pumping = false;
    let again = false;
    let backlog = false;
    const authTimer = setTimeout(() => fail('unauthorized', 4401), 5000);

    function fail(code: string, closeCode: number) {
      if (ws.readyState === ws.OPEN) {
        ws.send(JSON.stringify({ type: 'error', code }));
        ws.close(closeCode, code);
      }
    }

    /** Sends the envelopes of `list` this connection has not sent yet, in order, as one frame. */
    function deliver(list: readonly Delivered[]): void {
      // Wakes are per account; a socket sends only its device's copies (and, on device 1, single-device envelopes).
      const fresh = list.filter((e) => !sent.has(e.id) && (e.copy?.targetDeviceId ?? 1) === deviceId);
      if (fresh.length && ws.readyState === ws.OPEN) {
        for (const e of fresh) sent.add(e.id);
        ws.send(JSON.stringify({ type: 'envelopes', envelopes: fresh.map(envelopeToJson) }));
      }
    }

    async function pump(): Promise<void> {
      if (!userId) return;
      if (pumping) return void (again = true);
      pumping = true;
      try {
        do {
          again = false;
          const rows = await s.relay.pending(userId, PUMP_LIMIT, deviceId);
          backlog = rows.length >= PUMP_LIMIT;
          deliver(rows);
        } while (again);
      } catch (e) {
        s.logger.warn({ err: e }, 'push pump failed');
      } finally {
        pumping = false;
      }
    }

    /**
     * A send committed envelopes for this user. When everything older was already sent on this connection
     * (no read in flight, no backlog beyond one read), push the committed envelopes as they are; otherwise
     * re-read the database so order and completeness come from it.
     */
    function wake(fresh?: readonly Delivered[]): void {
      if (fresh && !pumping && !backlog) deliver(fresh);
      else void pump();
    }

    ws.on('message', async (data, isBinary) => {
      try {
        if (isBinary) return fail('validation_failed', 4400);
        let frame: z.infer<typeof ClientFrame>;
        try {
          frame = ClientFrame.parse(JSON.parse(data.toString('utf8')));
        } catch {
          return fail('validation_failed', 4400);
        }
        if (frame.type === 'auth') {
          if (userId) return fail('validation_failed', 4400);
          const p = await s.accounts.authenticate(frame.token);
          clearTimeout(authTimer);
          if (ws.readyState !== ws.OPEN) return;
          userId = p.userId;
          deviceId = p.deviceId;
          // Logout anywhere, expiry, suspension or ban ends this socket with the code a request would get.
          // A removed device ends with device_removed (D13.6).
          session = s.accounts.watchSession(frame.token, p, (code) => fail(code, closeCodeOf(code)));
          // docs/PROTOCOL-devices.md D8.3: an open socket keeps its device "active" (at most one write per window).
          void s.deviceActivity.seen(userId, deviceId);
          const id = { userId, deviceId };
          recheckTimer = setInterval(() => {
            void session?.recheck();
            void s.deviceActivity.seen(id.userId, id.deviceId);
          }, opts.recheckMs ?? RECHECK_MS);
          recheckTimer.unref();
          // Listen on every process before the first read, so no send committed in between is missed.
          const listener = s.hub.listen(userId, wake);
          unsubscribe = () => listener.close();
          await listener.ready;
          if (ws.readyState !== ws.OPEN) return;
          ws.send(JSON.stringify({ type: 'ready' }));
          live.set(ws, { userId, deviceId });
          ws.send(JSON.stringify({ type: 'kt-head', head: treeHeadToJson(s.transparency.currentHead()) }));
          await pump();
        } else {
          if (!userId) return fail('unauthorized', 4401);
          await s.relay.ack(userId, frame.ids, deviceId);
          for (const id of frame.ids) sent.delete(id);
        }
      } catch (e) {
        if (AppError.is(e)) return fail(e.code, closeCodeOf(e.code));
        s.logger.error({ err: e }, 'push frame failed');
        fail('internal', 1011);
      }
    });
    ws.on('close', () => {
      live.delete(ws);
      clearTimeout(authTimer);
      clearInterval(recheckTimer);
      session?.stop();
      unsubscribe?.();
    });
    ws.on('error', () => ws.terminate());
  });
  return {
    /** Open push sockets on this process (docs/METRICS.md). */
    open: () => wss.clients.size,
    close: () => {
      // 1012 "service restart": clients reconnect at once (to another process behind the load balancer).
      heads.close();
      lists.close();
      for (const ws of wss.clients) ws.close(1012, 'server restarting');
      wss.close();
    },
  };
}
