// Session revocations shared by every process: logout (one token), standing changes (suspension, ban,
// moderator action: every token of an account) and a device removed by a logged list (every token of that device,
// docs/PROTOCOL-devices.md D13.6). Each process drops its cached sessions and re-checks the push
// sockets it holds for them; the database stays the truth (the sessions are already deleted there), so a
// revocation lost on the bus is caught by the session cache's short life and the sockets' periodic re-check
// (server/push.ts), and after a Redis reconnect everything is re-checked at once.
import type { Bus } from './bus.ts';

export type Revocation = { kind: 'token'; tokenHash: string } | { kind: 'account'; userId: string } | { kind: 'device'; userId: string; deviceId: number };

const CHANNEL = 'sessions';
// `d:<deviceId>:<userId>`: the device id first, so an account id is never split.
const encode = (r: Revocation) => (r.kind === 'token' ? `t:${r.tokenHash}` : r.kind === 'account' ? `u:${r.userId}` : `d:${r.deviceId}:${r.userId}`);
function decode(m: string): Revocation | null {
  if (m.startsWith('t:')) return { kind: 'token', tokenHash: m.slice(2) };
  if (m.startsWith('u:')) return { kind: 'account', userId: m.slice(2) };
  const d = /^d:([1-9][0-9]{0,9}):(.+)$/s.exec(m);
  return d ? { kind: 'device', deviceId: Number(d[1]), userId: d[2] as string } : null;
}

export class Revocations {
  private readonly handlers = new Set<(r: Revocation | 'all') => void>();

  constructor(private readonly bus: Bus) {
    bus.subscribe(CHANNEL, (message, own) => {
      if (own) return; // applied locally in publish()
      const r = decode(message);
      if (r) this.dispatch(r);
    });
    bus.onResync(() => this.dispatch('all'));
  }

  /** Applies in this process at once, then in every other process. */
  publish(r: Revocation): void {
    this.dispatch(r);
    this.bus.publish(CHANNEL, encode(r));
  }

  /** `'all'`: revocations may have been missed (bus reconnect): forget every cached session, re-check every socket. */
  on(handler: (r: Revocation | 'all') => void): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  private dispatch(r: Revocation | 'all'): void {
    for (const h of [...this.handlers]) h(r);
  }
}
