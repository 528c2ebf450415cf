// Linking a device from the chat (docs/PROTOCOL-linking.md): both ends of the link channel, driven over the relay by
// the SDK (openNewDeviceLink / joinExistingDeviceLink). The new device shows the code and the short code and follows
// what the existing device sends; the existing device shows the short code with the new device's name and links it
// only when the user confirms (L1), then sends what comes along (L7): device names as the account state, and the D15
// archive — contacts and conversations always, messages with their report evidence only when the user chose it.
import {
  type ApiClient, decodeHistoryDescriptor, deviceListHash, encodeDeviceList, encodeHistoryDescriptor, formatShortCode, fromBase64Url, joinExistingDeviceLink, LinkError,
  openNewDeviceLink,
} from '@franking-chat/sdk';
import { fromUtf8, utf8 } from '../utf8.ts';
import type { Device } from './device.ts';
import type { Devices } from './devices.ts';
import { ChatError } from './errors.ts';
import type { History, ImportedHistory } from './history.ts';

/** Where the new device is, for its screen. */
export type NewLinkProgress =
  | { stage: 'code'; text: string; expiresAt: string }
  | { stage: 'compare'; shortCode: string }
  | { stage: 'joining'; accountId: string; shortCode: string }
  | { stage: 'receiving' }
  | { stage: 'done'; deviceId: number; history: ImportedHistory | null };

/** Where the existing device is, for its screen. */
export type ExistingLinkProgress =
  | { stage: 'connecting' }
  | { stage: 'compare'; shortCode: string }
  | { stage: 'confirm'; shortCode: string; name: string }
  | { stage: 'linking' }
  | { stage: 'sending' }
  | { stage: 'done'; deviceId: number };

/** The user's answer on the existing device after comparing the short codes (L5). */
export interface LinkDecision {
  link: boolean;
  /** Carry messages with their report evidence (D15); contacts and conversations always come along. */
  history: boolean;
}

/** What the account state stream (L7 stream 1) holds in this chat: the device names kept on this browser. */
interface LinkState {
  deviceNames?: Record<string, string>;
}

export interface LinkingDeps {
  api: ApiClient;
  device: Device;
  devices: Devices;
  history: History;
  /** This page's server origin (L3: a code for another server is refused). */
  origin(): string;
  /** The new device signed in (`done`): this device adds it to the groups as soon as it can (D14.4 R2). */
  linked?(deviceId: number): void;
}

const POLL_MS = 400;

/** SDK and relay failures in the chat's words (wording.errorText says them). */
function chatError(e: unknown): unknown {
  if (e instanceof ChatError) return e;
  if (LinkError.is(e, 'expired')) return new ChatError('link_refused', { detail: 'the link code expired or was already used up; start again on the new device' });
  if (LinkError.is(e, 'channel_taken')) return new ChatError('link_refused', { detail: 'another device already used this link code; start again on the new device' });
  if (LinkError.is(e, 'aborted')) return new ChatError('link_refused', { detail: e.reason === 'cancelled' ? 'it was cancelled on the other device' : 'the other device stopped' });
  if (LinkError.is(e, 'wrong_server')) return new ChatError('link_refused', { detail: 'that code was made for another server' });
  if (LinkError.is(e, 'malformed') || LinkError.is(e, 'unsupported_version')) return new ChatError('link_refused', { detail: 'that is not a link code' });
  if (LinkError.is(e)) return new ChatError('link_refused', { detail: `the link channel failed (${e.code})` });
  return new ChatError('link_refused', { detail: e instanceof Error ? e.message : String(e) });
}

export class Linking {
  constructor(private readonly d: LinkingDeps) {}

  /**
   * On the new device: opens a channel, reports the code, then each step, until this browser is signed in as a device
   * of the account (Devices.completeLink) and has imported what came along. `name` is the name it proposes.
   */
  async linkAsNewDevice(name: string, onProgress: (p: NewLinkProgress) => void, signal?: AbortSignal): Promise<{ deviceId: number }> {
    const { api, devices } = this.d;
    devices.beginLink();
    let session;
    try {
      session = await openNewDeviceLink(api, devices.pendingLinkSecrets(), name.trim().slice(0, 64) || 'New device', { pollMs: POLL_MS, ...(signal ? { signal } : {}) });
    } catch (e) {
      throw chatError(e);
    }
    const { driver, link } = session;
    onProgress({ stage: 'code', text: session.text, expiresAt: session.expiresAt });
    try {
      let shortCode = '';
      for (;;) {
        const ev = await driver.next();
        if (ev.kind === 'short_code') {
          shortCode = formatShortCode(ev.shortCode);
          onProgress({ stage: 'compare', shortCode });
        } else if (ev.kind === 'list') {
          // The SDK checked and counter-signed the body (D6.1 step 3); Devices takes the same check to learn its id.
          devices.cosignLink(encodeDeviceList(ev.list), ev.accountId);
          onProgress({ stage: 'joining', accountId: ev.accountId, shortCode });
        } else if (ev.kind === 'welcome') {
          onProgress({ stage: 'receiving' });
        } else {
          let state: LinkState = {};
          try {
            state = JSON.parse(fromUtf8(ev.state)) as LinkState;
          } catch {
            state = {};
          }
          const accountId = link.joiningAccount as string;
          // L7: verify the account's chain and this device's entry before using anything (completeLink does, D5.2).
          const { deviceId } = await devices.completeLink(accountId, { name: name.trim().slice(0, 64), names: state.deviceNames ?? {} });
          if (deviceId !== ev.welcome.deviceId) throw new ChatError('link_refused', { detail: 'the other device named another device id than the verified list' });
          let imported: ImportedHistory | null = null;
          if (ev.history) imported = await this.d.history.importHistory(encodeHistoryDescriptor(ev.history.descriptor), ev.history.ciphertext);
          await driver.send([link.done()]);
          onProgress({ stage: 'done', deviceId, history: imported });
          return { deviceId };
        }
      }
    } catch (e) {
      await driver.send([link.abort('failed')]).catch(() => undefined);
      throw chatError(e);
    }
  }

  /**
   * On an existing device: reads the code the new device shows, reaches the short code, and asks `decide` (the user
   * compares the codes and confirms here, L1). Only a yes signs the list that adds the new device (D6.1).
   */
  async linkFromThisDevice(codeText: string, onProgress: (p: ExistingLinkProgress) => void, decide: (shortCode: string, name: string) => Promise<LinkDecision>, signal?: AbortSignal): Promise<{ deviceId: number }> {
    const { api, device, devices, history } = this.d;
    onProgress({ stage: 'connecting' });
    let session;
    try {
      session = await joinExistingDeviceLink(api, codeText, this.d.origin(), { pollMs: POLL_MS, ...(signal ? { signal } : {}) });
    } catch (e) {
      throw chatError(e);
    }
    const { driver, link } = session;
    try {
      const first = await driver.next();
      if (first.kind !== 'short_code') throw new LinkError('unexpected_message', first.kind);
      const shortCode = formatShortCode(first.shortCode);
      onProgress({ stage: 'compare', shortCode });
      const dev = await driver.next();
      if (dev.kind !== 'device') throw new LinkError('unexpected_message', dev.kind);
      onProgress({ stage: 'confirm', shortCode, name: dev.name });
      const decision = await decide(shortCode, dev.name);
      if (!decision.link) {
        await driver.send([link.abort('cancelled')]);
        await driver.close();
        throw new ChatError('link_refused', { detail: 'you cancelled it' });
      }
      onProgress({ stage: 'linking' });
      // D6.1 steps 1–4: the list body goes to the new device, its cosignature comes back; a lost race sends a new body (D6.4).
      const { deviceId, listVersion } = await devices.approveLink(dev.keys, async (body) => {
        await driver.send([link.sendList(device.me(), body)]);
        const ev = await driver.next();
        if (ev.kind !== 'cosign') throw new LinkError('unexpected_message', ev.kind);
        return ev.cosignature;
      }, dev.name);
      onProgress({ stage: 'sending' });
      const lists = await api.deviceLists(device.me(), listVersion);
      const logged = lists.lists[0];
      if (logged === undefined) throw new ChatError('link_refused', { detail: 'the server does not show the new list' });
      const state: LinkState = { deviceNames: device.record().deviceNames ?? {} };
      const archive = await history.exportHistory(deviceId, { messages: decision.history });
      const descriptor = decodeHistoryDescriptor(archive.descriptor);
      await driver.send(link.sendWelcome({ listVersion, listHash: deviceListHash(fromBase64Url(logged)), deviceId }, utf8(JSON.stringify(state)), { descriptor, ciphertext: archive.ciphertext }));
      const done = await driver.next();
      if (done.kind !== 'done') throw new LinkError('unexpected_message', done.kind);
      await driver.close();
      this.d.linked?.(deviceId);
      onProgress({ stage: 'done', deviceId });
      return { deviceId };
    } catch (e) {
      if (!(e instanceof ChatError)) await driver.send([link.abort('failed')]).catch(() => undefined);
      throw chatError(e);
    }
  }
}
