// Shared helpers of the device-list suites (docs/PROTOCOL-devices.md D4–D8): device keys, one account's chain of
// signed lists as its devices build it (the server never sees private keys), and a device's sign-in.
import { randomBytes } from 'node:crypto';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { type DeviceEntry, type DeviceList, deviceListHash, encodeSignedDeviceList, signDeviceList, type SignedDeviceList, ZERO_LIST_HASH } from '../../client/devices/index.ts';
import { deviceAuthSignatureInput } from '../../client/transport/auth.ts';
import { api, type ApiResult, b64 } from './_harness.ts';

export interface Keys { seed: Uint8Array; dh: Uint8Array; entry: (id: number, linkedAt?: number) => DeviceEntry }
export function keys(): Keys {
  const seed = ed25519.utils.randomSecretKey();
  const dh = x25519.getPublicKey(x25519.utils.randomSecretKey());
  const ck = ed25519.getPublicKey(ed25519.utils.randomSecretKey());
  return { seed, dh, entry: (deviceId, linkedAt = 1_700_000_000_000) => ({ deviceId, identitySigningKey: ed25519.getPublicKey(seed), identityDhKey: dh, credentialKey: ck, linkedAt }) };
}
export const newId = (p: string) => `${p}-${randomBytes(4).toString('hex')}`;

/** One account's chain as its devices build it. */
export class Account {
  readonly lists: Uint8Array[] = [];
  constructor(readonly id: string) {}
  get version(): number {
    return this.lists.length;
  }
  get hash(): Uint8Array {
    return this.lists.length ? deviceListHash(this.lists.at(-1) as Uint8Array) : ZERO_LIST_HASH;
  }
  /** The next list (not yet accepted: call `accept` after the server took it). */
  next(patch: Partial<DeviceList> & Pick<DeviceList, 'devices' | 'nextDeviceId'>, signer: { id: number; key: Keys } | { recovery: Uint8Array }, cos?: Keys): Uint8Array {
    const list: DeviceList = {
      accountId: this.id, listVersion: this.version + 1, prevListHash: this.hash, kind: this.version === 0 ? 'genesis' : 'change', issuedAt: Date.now(), recoveryKey: null, ...patch,
    };
    const opts = cos ? { cosignerPrivateKey: cos.seed } : {};
    const s: SignedDeviceList = 'recovery' in signer
      ? signDeviceList(list, { kind: 'recovery', signingPrivateKey: signer.recovery }, opts)
      : signDeviceList(list, { kind: 'device', deviceId: signer.id, signingPrivateKey: signer.key.seed }, opts);
    return encodeSignedDeviceList(s);
  }
  accept(bytes: Uint8Array): void {
    this.lists.push(bytes);
  }
  /** A new browser's reset list (D6.6): `fresh` as the one device, with the next unused id, signed by itself. */
  resetList(fresh: Keys, deviceId: number): Uint8Array {
    return this.next({ kind: 'reset', devices: [fresh.entry(deviceId)], nextDeviceId: deviceId + 1 }, { id: deviceId, key: fresh });
  }
}

/** D8.2: a new account `prefix-…` registered with its genesis list, `phone` as device 1 (not signed in). */
export async function registerGenesis<K extends Keys>(base: string, prefix: string, phone: K): Promise<{ acc: Account; phone: K; genesis: Uint8Array }> {
  const acc = new Account(newId(prefix));
  const genesis = acc.next({ devices: [phone.entry(1)], nextDeviceId: 2 }, { id: 1, key: phone });
  const r = await api(base, 'POST', '/v1/accounts', { userId: acc.id, list: b64(genesis) });
  if (r.status !== 201) throw new Error(`genesis registration: ${r.status} ${JSON.stringify(r.json)}`);
  acc.accept(genesis);
  return { acc, phone, genesis };
}

/** D8.2 sign-in of one device. */
export async function deviceLogin(base: string, userId: string, deviceId: number, k: Keys): Promise<ApiResult> {
  const ch = await api<{ challenge: string }>(base, 'POST', '/v1/auth/challenge', { userId, deviceId });
  const sig = ed25519.sign(deviceAuthSignatureInput(Buffer.from(ch.json.challenge, 'base64url'), deviceId, userId), k.seed);
  return api(base, 'POST', '/v1/auth/token', { userId, deviceId, challenge: ch.json.challenge, signature: b64(sig) });
}
