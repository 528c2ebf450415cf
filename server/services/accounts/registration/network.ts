// Registration network hashes (docs/MODERATION.md "Registration network signal"). The client address is reduced to
// its network — IPv4 /24, IPv6 /48 — and only a keyed hash of that network is stored, never the address:
//   periodKey(p) = HMAC-SHA256(networkRoot, NETWORK_PERIOD_LABEL || 0x00 || u32be(p)),  p = floor(t / 30 days)
//   hash(p)      = base64url(HMAC-SHA256(periodKey(p), NETWORK_HASH_LABEL || 0x00 || family || prefix bytes))
// An account stores hash(p) and hash(p − 1) for the period p of its registration, so any two registrations at
// most 30 days apart share one period key and compare equal exactly when their networks are equal; hashes made
// under keys more than one period apart never compare. Rows are deleted 30 days after registration.
import { createHmac } from 'node:crypto';
import ipaddr from 'ipaddr.js';

export const NETWORK_PERIOD_LABEL = 'franking-chat/v1/network-period';
export const NETWORK_HASH_LABEL = 'franking-chat/v1/network';
/** Period of a network key, and how long hashes are kept: 30 days. */
export const NETWORK_PERIOD_MS = 30 * 86_400_000;
export const IPV4_PREFIX_BITS = 24;
export const IPV6_PREFIX_BITS = 48;

/** The network of a client address: family and prefix bytes; null for anything that does not parse. */
export function networkOf(address: string): { family: 4 | 6; prefix: Uint8Array } | null {
  if (!ipaddr.isValid(address)) return null;
  // ::ffff:a.b.c.d (an IPv4 client on a dual-stack socket) is the IPv4 network a.b.c.0/24.
  const a = ipaddr.process(address);
  const bytes = Uint8Array.from(a.toByteArray());
  return a.kind() === 'ipv4' ? { family: 4, prefix: bytes.slice(0, IPV4_PREFIX_BITS / 8) } : { family: 6, prefix: bytes.slice(0, IPV6_PREFIX_BITS / 8) };
}

export const periodOf = (t: Date): number => Math.floor(t.getTime() / NETWORK_PERIOD_MS);

function periodKey(root: Uint8Array, period: number): Buffer {
  const p = Buffer.alloc(4);
  p.writeUInt32BE(period);
  return createHmac('sha256', root).update(NETWORK_PERIOD_LABEL).update(Buffer.of(0)).update(p).digest();
}

export function networkHash(root: Uint8Array, period: number, net: { family: 4 | 6; prefix: Uint8Array }): string {
  return createHmac('sha256', periodKey(root, period)).update(NETWORK_HASH_LABEL).update(Buffer.of(0, net.family)).update(net.prefix).digest('base64url');
}

/** The rows stored for a registration at `at` from `address` (none when the address does not parse). */
export function registrationHashes(root: Uint8Array, address: string, at: Date): Array<{ period: number; hash: string }> {
  const net = networkOf(address);
  if (!net) return [];
  const p = periodOf(at);
  return [p, p - 1].map((period) => ({ period, hash: networkHash(root, period, net) }));
}

/**
 * The per-address registration limit's key: the IPv4 address, or the IPv6 /56 (an IPv6 host picks any address in
 * its /64 at will, and providers hand out /56 to /48; express-rate-limit keys IPv6 by /56 for the same reason).
 */
export function addressKey(address: string): string {
  if (!ipaddr.isValid(address)) return address;
  const a = ipaddr.process(address);
  if (a.kind() === 'ipv4') return a.toString();
  return `${Buffer.from(a.toByteArray().slice(0, 7)).toString('hex')}/56`;
}
