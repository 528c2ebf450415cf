// Starting a 1:1 session: X3DH with the peer's published bundle, used only once its key is proven in the public key
// log (docs/TRANSPARENCY.md §6.1; the signed prekey signature is verified inside Session.initiate).
import { type ApiClient, Session } from '@franking-chat/sdk';
import type { Device } from './device.ts';
import type { KeyChecks } from './key-checks.ts';

export async function initiateSession(api: ApiClient, keys: KeyChecks, device: Device, peerId: string): Promise<Session> {
  const bundle = await api.fetchBundle(peerId);
  await keys.verifyBundle(peerId, bundle);
  return Session.initiate(device.identity(), bundle);
}
