// This device's MLS credential and key packages in the directory (docs/PROTOCOL.md §12.6), and the identity keys
// group credentials must name: a contact's pinned key, else the key directory's once proven in the key log.
import {
  type CredentialKeyPair, type DeviceListWant, type GeneratedKeyPackage, type GroupIdentity, type PinnedDeviceList, generateCredentialKey, generateGroupKeyPackage, fromBase64Url,
} from '@franking-chat/sdk';
import type { GroupCollaborators } from './collaborators.ts';

/** One-time key packages kept in the directory, topped up below the low-water mark. */
const KEY_PACKAGE_BATCH = 20;
const KEY_PACKAGE_LOW_WATER = 5;

export interface StoredKeyPackage {
  bytes: Uint8Array;
  privatePackage: GeneratedKeyPackage['privatePackage'];
  lastResort: boolean;
}

export class GroupKeys {
  private readonly identities = new Map<string, Uint8Array>();
  private credential: CredentialKeyPair | null = null;

  constructor(private readonly c: Pick<GroupCollaborators, 'api' | 'device' | 'contacts' | 'keys' | 'lists'>) {}

  /** This device's MLS credential key pair: its device list entry's credentialKey (docs/PROTOCOL-devices.md D1). */
  credentialPair(): Promise<CredentialKeyPair> {
    return this.credentialKey();
  }

  private async credentialKey(): Promise<CredentialKeyPair> {
    const own = this.c.device.hasAccount ? this.c.device.record().credential : undefined;
    if (own) return (this.credential = own);
    if (this.credential) return this.credential;
    const store = this.c.device.store();
    let k = await store.meta<CredentialKeyPair>('mls-credential');
    if (!k) {
      k = generateCredentialKey();
      await store.write([{ store: 'meta', key: 'mls-credential', value: k }]);
    }
    return (this.credential = k);
  }

  /** This device's MLS credential public key (created on first use): a key this account published, for own-key monitoring. */
  async credentialPublicKey(): Promise<Uint8Array> {
    return (await this.credentialKey()).publicKey;
  }

  /** With a device list, leaves carry a version 2 credential naming this device (docs/PROTOCOL-devices.md D14.1). */
  async me(): Promise<GroupIdentity> {
    const deviceId = this.c.device.deviceId;
    return { accountId: this.c.device.me(), identity: this.c.device.identity(), credentialKey: await this.credentialKey(), ...(deviceId !== undefined ? { deviceId } : {}) };
  }

  /** A contact's pinned identity signing key (1:1 sessions), if this user has that contact. */
  contactSigningKey(accountId: string): Uint8Array | undefined {
    const k = this.c.contacts.get(accountId)?.identity?.signingKey;
    return k ? fromBase64Url(k, 'signingKey') : undefined;
  }

  /** The identity key group credentials must name: a contact's pinned key, else the key directory's. */
  readonly opts = {
    resolveIdentity: async (accountId: string): Promise<Uint8Array | undefined> => {
      if (accountId === this.c.device.me()) return this.c.device.identity().signingPublicKey;
      const pinned = this.contactSigningKey(accountId);
      if (pinned) return pinned;
      return this.directoryIdentity(accountId).catch(() => undefined);
    },
    /**
     * D14.1: the pinned verified list of an account (refreshed when a Commit names a newer one); undefined for an
     * account without a list, whose version 1 credential is checked against its proven identity key.
     */
    resolveDeviceList: async (accountId: string, want?: DeviceListWant): Promise<PinnedDeviceList | undefined> => {
      const { lists } = this.c;
      const pinned = await lists.pinned(accountId);
      if (pinned && (!want || pinned.listVersion >= want.listVersion)) return pinned;
      try {
        if (pinned) return (await lists.refresh(accountId)) ?? pinned;
        await lists.current(accountId);
        return await lists.pinned(accountId);
      } catch {
        return pinned;
      }
    },
  };

  /**
   * A non-contact's identity signing key from the key directory, used only once proven in the public key log: an
   * unproven key could vouch for a group credential the server made up. Throws a ChatError when it is not proven.
   */
  async directoryIdentity(accountId: string): Promise<Uint8Array> {
    const known = this.identities.get(accountId);
    if (known) return known;
    const b = await this.c.api.fetchBundle(accountId);
    await this.c.keys.verifyBundle(accountId, b);
    const k = fromBase64Url(b.identitySigningKey, 'identitySigningKey');
    this.identities.set(accountId, k);
    return k;
  }

  /** Keeps enough one-time key packages (and one last-resort package) in the directory. */
  async maintainKeyPackages(): Promise<void> {
    const count = await this.c.api.countKeyPackages();
    if (count.oneTime >= KEY_PACKAGE_LOW_WATER && count.lastResort) return;
    const me = await this.me();
    const made = [];
    const n = count.oneTime >= KEY_PACKAGE_LOW_WATER ? 0 : KEY_PACKAGE_BATCH;
    for (let i = 0; i < n + (count.lastResort ? 0 : 1); i++) made.push(await generateGroupKeyPackage(me));
    // Private halves first, then publish.
    await this.c.device.store().write(made.map((k, i) => ({ store: 'meta' as const, key: `kp:${k.ref}`, value: { bytes: k.bytes, privatePackage: k.privatePackage, lastResort: i >= n } satisfies StoredKeyPackage })));
    await this.c.api.publishKeyPackages(made.slice(0, n).map((k) => k.bytes), count.lastResort ? undefined : made[n]?.bytes);
  }
}
