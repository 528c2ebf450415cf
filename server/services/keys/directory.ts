// Key directory (docs/API.md "Key directory"): a device publishes its signed prekey and one-time
// prekeys; an initiator fetches a bundle carrying at most one one-time prekey, never handed out twice.
// v1: one device per account.
import type { KeysRepo } from '../../data/keys.ts';
import { asBytes } from '../../data/_bytes.ts';
import { AuthenticationError, ConflictError, InputError, NotFoundError } from '../../errors.ts';
// utf8("franking-chat/v1/signed-prekey\0") || u32be(id) || publicKey: wire format, defined once in the SDK.
import { signedPreKeySignatureInput } from '../../../client/session/prekeys.ts';
import { verifyEd25519 } from '../_ed25519.ts';
import type { AccountsService } from '../accounts/accounts.ts';
import { KIND_IDENTITY, identityBindingKey } from '../../../client/transparency/index.ts';
import type { KeyProofJson, TransparencyService } from '../transparency/log.ts';
import type { DeviceEntry } from '../../../client/index.ts';

/** What the directory needs of device lists (server/services/devices, docs/PROTOCOL-devices.md D8.1). */
export interface DeviceKeysPort {
  currentEntry(accountId: string, deviceId: number): Promise<{ entry: DeviceEntry; listVersion: number; listHash: Uint8Array } | null | 'no_list'>;
}

export interface FetchedDeviceBundle extends FetchedBundle {
  deviceId: number;
  listVersion: number;
  listHash: Uint8Array;
}

/** Upper bound of one-time prekeys stored per account. */
export const MAX_STORED_ONE_TIME_PREKEYS = 1000;


export interface PublishInput {
  identitySigningKey: Uint8Array;
  identityDhKey: Uint8Array;
  signedPreKey: { id: number; publicKey: Uint8Array; signature: Uint8Array };
  oneTimePreKeys: Array<{ id: number; publicKey: Uint8Array }>;
}

export interface FetchedBundle {
  identitySigningKey: Uint8Array;
  identityDhKey: Uint8Array;
  signedPreKey: { id: number; publicKey: Uint8Array; signature: Uint8Array };
  oneTimePreKey?: { id: number; publicKey: Uint8Array };
  /** Inclusion proof of the identity binding against the newest signed tree head (docs/TRANSPARENCY.md §6). */
  transparency?: KeyProofJson;
}

export class KeyDirectoryService {
  constructor(
    private readonly keys: KeysRepo,
    private readonly accounts: AccountsService,
    private readonly transparency?: TransparencyService,
    private readonly devices?: DeviceKeysPort,
  ) {}

  /**
   * PUT /v1/keys by the calling device (`deviceId` from its token). An account with a device list publishes per device:
   * the identity keys must be the device's entry in the current logged list, and nothing is logged (the list proves
   * them: docs/PROTOCOL-devices.md D7.1, D8.1). An account without a list publishes as device 1, as before.
   */
  async publish(userId: string, b: PublishInput, deviceId = 1): Promise<{ oneTimePreKeys: number }> {
    const listed = this.devices ? await this.devices.currentEntry(userId, deviceId) : 'no_list';
    if (listed !== 'no_list') return this.publishDevice(userId, deviceId, listed?.entry ?? null, b);
    const account = await this.accounts.get(userId);
    if (!Buffer.from(account.identitySigningKey).equals(b.identitySigningKey) || !Buffer.from(account.identityDhKey).equals(b.identityDhKey))
      throw new ConflictError('identity_mismatch', 'bundle identity keys differ from the registered identity (v1: one device per account)');
    // Verify before storing: a bundle whose signed prekey is not signed by the identity would let the
    // directory (or anyone on the path) substitute prekeys (Signal X3DH §3.3).
    const sp = b.signedPreKey;
    if (!verifyEd25519(account.identitySigningKey, signedPreKeySignatureInput(sp.id, sp.publicKey), sp.signature))
      throw new AuthenticationError('invalid_signature', 'signedPreKey.signature does not verify under identitySigningKey');
    const ids = new Set(b.oneTimePreKeys.map((k) => k.id));
    if (ids.size !== b.oneTimePreKeys.length) throw new InputError('validation_failed', 'oneTimePreKeys: duplicate id');
    // The owner's publication: the log gets the identity binding if it has none yet (a crash after registration),
    // and a bundle for another identity than the logged one is refused — a swapped database row is never logged
    // by the owner's next publication either (docs/TRANSPARENCY.md §10.4).
    await this.transparency?.ensureFirstBinding(userId, KIND_IDENTITY, identityBindingKey(account.identitySigningKey, account.identityDhKey));
    await this.keys.setSignedPreKey(userId, sp.id, asBytes(sp.publicKey), asBytes(sp.signature));
    if (b.oneTimePreKeys.length === 0) return { oneTimePreKeys: await this.keys.countOneTimePreKeys(userId) };
    const count = await this.keys.countOneTimePreKeys(userId);
    if (count + b.oneTimePreKeys.length > MAX_STORED_ONE_TIME_PREKEYS)
      throw new InputError('too_many_prekeys', `at most ${MAX_STORED_ONE_TIME_PREKEYS} one-time prekeys may be stored; ${count} are`);
    const stored = await this.keys.addOneTimePreKeys(userId, b.oneTimePreKeys.map((k) => ({ keyId: k.id, publicKey: asBytes(k.publicKey) })));
    return { oneTimePreKeys: stored };
  }

  private async publishDevice(userId: string, deviceId: number, entry: DeviceEntry | null, b: PublishInput): Promise<{ oneTimePreKeys: number }> {
    if (!entry) throw new AuthenticationError('invalid_token', `device ${deviceId} is not in the current device list`);
    if (!Buffer.from(entry.identitySigningKey).equals(b.identitySigningKey) || !Buffer.from(entry.identityDhKey).equals(b.identityDhKey))
      throw new ConflictError('identity_mismatch', `bundle identity keys differ from device ${deviceId}'s entry in the current device list`);
    const sp = b.signedPreKey;
    if (!verifyEd25519(entry.identitySigningKey, signedPreKeySignatureInput(sp.id, sp.publicKey), sp.signature))
      throw new AuthenticationError('invalid_signature', 'signedPreKey.signature does not verify under the device\'s identitySigningKey');
    const ids = new Set(b.oneTimePreKeys.map((k) => k.id));
    if (ids.size !== b.oneTimePreKeys.length) throw new InputError('validation_failed', 'oneTimePreKeys: duplicate id');
    await this.keys.setDeviceSignedPreKey(userId, deviceId, sp.id, asBytes(sp.publicKey), asBytes(sp.signature));
    const count = await this.keys.countOneTimePreKeys(userId, deviceId);
    if (b.oneTimePreKeys.length === 0) return { oneTimePreKeys: count };
    if (count + b.oneTimePreKeys.length > MAX_STORED_ONE_TIME_PREKEYS)
      throw new InputError('too_many_prekeys', `at most ${MAX_STORED_ONE_TIME_PREKEYS} one-time prekeys may be stored per device; ${count} are`);
    return { oneTimePreKeys: await this.keys.addOneTimePreKeys(userId, b.oneTimePreKeys.map((k) => ({ keyId: k.id, publicKey: asBytes(k.publicKey) })), deviceId) };
  }

  /**
   * GET /v1/keys/{accountId}/devices/{deviceId} (docs/PROTOCOL-devices.md D8.1): the identity keys come from the
   * device's entry in the current logged list, never from a row; a device not in it is not_found. An account without
   * a list answers for device 1 only, as GET /v1/keys/{userId} does, with listVersion 0.
   */
  async fetchDevice(accountId: string, deviceId: number): Promise<FetchedDeviceBundle> {
    const listed = this.devices ? await this.devices.currentEntry(accountId, deviceId) : 'no_list';
    if (listed === 'no_list') {
      if (deviceId !== 1) throw new NotFoundError('device');
      return { ...(await this.fetch(accountId)), deviceId: 1, listVersion: 0, listHash: new Uint8Array(32) };
    }
    if (!listed) throw new NotFoundError('device');
    const spk = await this.keys.deviceSignedPreKey(accountId, deviceId);
    if (!spk) throw new NotFoundError('prekey bundle');
    const otk = await this.keys.claimOneTimePreKey(accountId, deviceId);
    return {
      deviceId, listVersion: listed.listVersion, listHash: listed.listHash,
      identitySigningKey: listed.entry.identitySigningKey, identityDhKey: listed.entry.identityDhKey,
      signedPreKey: { id: spk.keyId, publicKey: spk.publicKey, signature: spk.signature },
      ...(otk ? { oneTimePreKey: { id: otk.keyId, publicKey: otk.publicKey } } : {}),
    };
  }

  async fetch(userId: string): Promise<FetchedBundle> {
    const parts = await this.keys.bundleParts(userId);
    if (!parts || parts.signedPreKeyId === null || !parts.signedPreKey || !parts.signedPreKeySignature) throw new NotFoundError('prekey bundle');
    // Keys are logged on the way in, never on the way out (docs/TRANSPARENCY.md §10.4): the stored identity is
    // proven only if the log holds it as the account's newest binding. Otherwise (a row swapped in the database) the
    // bundle goes out without proof — clients refuse it — and without a one-time prekey, which would be wasted.
    const transparency = this.transparency ? await this.transparency.proveIfLogged(userId, KIND_IDENTITY, identityBindingKey(parts.identitySigningKey, parts.identityDhKey)) : undefined;
    const otk = transparency === null ? null : await this.keys.claimOneTimePreKey(userId);
    return {
      ...(transparency ? { transparency } : {}),
      identitySigningKey: parts.identitySigningKey,
      identityDhKey: parts.identityDhKey,
      signedPreKey: { id: parts.signedPreKeyId, publicKey: parts.signedPreKey, signature: parts.signedPreKeySignature },
      ...(otk ? { oneTimePreKey: { id: otk.keyId, publicKey: otk.publicKey } } : {}),
    };
  }

  /** One-time prekeys left of one device (device 1 for an account without a list). */
  async count(userId: string, deviceId = 1): Promise<number> {
    return this.keys.countOneTimePreKeys(userId, deviceId);
  }
}
