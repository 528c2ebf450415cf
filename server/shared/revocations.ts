// Session revocations shared by every process: logout (one token) and standing changes (suspension, ban,
// moderator action: every token of an account). Each process drops its cached sessions and re-checks the push
// sockets it holds for them; the database stays the truth (the sessions are already deleted there), so a
// revocation lost on the bus is caught by the session cache's short life and the sockets' periodic re-check
// (server/push.ts), and after a Redis reconnect everything is re-checked at once.
import type { Bus } from './bus.ts';

export type Revocation = { kind: 'token'; tokenHash: string } | { kind: 'account'; userId: string };

const CHANNEL = 'sessions';
const encode = (r: Revocation) => (r.kind === 'token' ? `t:${r.tokenHash}` : `u:${r.userId}`);
const decode = (m: string): Revocation | null =>
  m.startsWith('t:') ? { kind: 'token', tokenHash: m.slice(2) } : m.startsWith('u:') ? { kind: 'account', userId: m.slice(2) } : null;

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
