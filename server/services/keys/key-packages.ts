// MLS key packages in the key directory (docs/PROTOCOL.md §12.6). A device publishes key packages whose
// credential names its account and is signed by the account's registered identity key; anyone may claim one
// to add the account to a group — each handed out once, then the last-resort package.
//
// Key transparency (docs/TRANSPARENCY.md §6.4): publish() is where a new MLS credential key becomes bound to an
// account, so it appends (account, "mls-credential", credential key) to the log before the directory write; claim()
// hands each package out with the inclusion proof of the credential key inside it — derived from the stored bytes
// it hands out, never from the caller — and never appends on the way out: a stored package whose key the log does
// not hold (a tampered row, a superseded key) goes out without proof, and clients refuse it.
//
// Accounts with a device list (docs/PROTOCOL-devices.md D14.3): each device publishes its own packages, whose version 2
// credential names (account, device) and whose leaf key is that device's credentialKey in the account's current
// logged list — the list's proof covers it, so nothing is appended; claimDevices hands out one package per current
// device with the list version it answered from.
import { decodeLeafCredential, verifyCredentialBinding } from '../../../client/group/credential.ts';
import { decodeKeyPackageMessage, keyPackageRef, verifyKeyPackageSignature } from '../../../client/group/key-packages.ts';
import { asBytes } from '../../data/_bytes.ts';
import type { KeyPackagesRepo } from '../../data/key-packages.ts';
import { isUniqueViolation } from '../../data/_prisma-errors.ts';
import { InputError, NotFoundError } from '../../errors.ts';
import type { AccountsService } from '../accounts/accounts.ts';
import type { KeyProofJson, TransparencyService } from '../transparency/log.ts';
import type { DevicesService } from '../devices/devices.ts';
import { KIND_IDENTITY, KIND_MLS_CREDENTIAL } from '../../../client/transparency/index.ts';

export const MAX_STORED_KEY_PACKAGES = 1000;

export class KeyPackagesService {
  constructor(
    private readonly repo: KeyPackagesRepo,
    private readonly accounts: AccountsService,
    /** The key-transparency log; every credential key a published package carries is appended to it. */
    private readonly transparency?: TransparencyService,
    /** Device lists: an account that has one publishes and is claimed per device (D14.3). */
    private readonly devices?: DevicesService,
  ) {}

  /** Checks one key package (MLSMessage bytes) of `userId`; returns its ref and its credential (leaf signature) key. */
  private async check(userId: string, identitySigningKey: Uint8Array, bytes: Uint8Array, name: string): Promise<{ ref: string; credentialKey: Uint8Array }> {
    const bad = (why: string) => new InputError('invalid_key_package', `${name}: ${why}`);
    let kp;
    try {
      kp = decodeKeyPackageMessage(bytes);
    } catch (e) {
      throw bad((e as Error).message);
    }
    let cred;
    try {
      cred = verifyCredentialBinding(kp.leafNode.credential, kp.leafNode.signaturePublicKey);
    } catch (e) {
      throw bad((e as Error).message);
    }
    if (cred.accountId !== userId) throw bad('the credential names another account');
    if (!Buffer.from(cred.identitySigningKey).equals(identitySigningKey)) throw bad("the credential's identity key is not the account's identity key in the public key log");
    // RFC 9420 §5.1.2 VerifyWithLabel of the leaf signature, by the SDK's MLS adapter (the server only verifies).
    if (!(await verifyKeyPackageSignature(kp))) throw bad('signature does not verify under its leaf signature key');
    return { ref: await keyPackageRef(kp), credentialKey: kp.leafNode.signaturePublicKey };
  }

  /** A package of device `deviceId` of a list account: version 2 credential naming it, leaf key = its list entry's (D14.3). */
  private async checkDevicePackage(userId: string, deviceId: number, credentialKey: Uint8Array, bytes: Uint8Array, name: string): Promise<string> {
    const bad = (why: string) => new InputError('invalid_key_package', `${name}: ${why}`);
    let kp;
    let named;
    try {
      kp = decodeKeyPackageMessage(bytes);
      named = decodeLeafCredential(kp.leafNode.credential);
    } catch (e) {
      throw bad((e as Error).message);
    }
    if (named.version !== 2) throw bad('an account with a device list publishes version 2 credentials (docs/PROTOCOL-devices.md D14.1)');
    if (named.accountId !== userId || named.deviceId !== deviceId) throw bad(`the credential names ${named.accountId.slice(0, 64)} device ${named.deviceId}, not the calling device`);
    if (!Buffer.from(kp.leafNode.signaturePublicKey).equals(credentialKey)) throw bad("the leaf key is not this device's credential key in the account's logged device list");
    if (!(await verifyKeyPackageSignature(kp))) throw bad('signature does not verify under its leaf signature key');
    return keyPackageRef(kp);
  }

  async publish(userId: string, input: { keyPackages: Uint8Array[]; lastResort?: Uint8Array | undefined }, deviceId = 1): Promise<{ oneTime: number; lastResort: boolean }> {
    const listed = this.devices ? await this.devices.currentEntry(userId, deviceId) : 'no_list';
    if (listed !== 'no_list') return this.publishForDevice(userId, deviceId, listed?.entry.credentialKey ?? null, input);
    const account = await this.accounts.get(userId);
    // A credential key enters the log only under the identity key the LOG binds to the account, not the one the
    // database row holds: a swapped row cannot vouch for a credential key (docs/TRANSPARENCY.md §10.4).
    const key = this.transparency ? await this.loggedIdentitySigningKey(userId) : asBytes(account.identitySigningKey);
    const packages = [];
    const credentialKeys: Uint8Array[] = [];
    for (const [i, data] of input.keyPackages.entries()) {
      const { ref, credentialKey } = await this.check(userId, key, data, `keyPackages[${i}]`);
      packages.push({ ref, data: asBytes(data) });
      credentialKeys.push(credentialKey);
    }
    if (new Set(packages.map((p) => p.ref)).size !== packages.length) throw new InputError('validation_failed', 'keyPackages: duplicate key package');
    let last: { ref: string; data: ReturnType<typeof asBytes> } | undefined;
    if (input.lastResort) {
      const { ref, credentialKey } = await this.check(userId, key, input.lastResort, 'lastResort');
      last = { ref, data: asBytes(input.lastResort) };
      credentialKeys.push(credentialKey);
    }
    const { oneTime } = await this.repo.count(userId);
    if (oneTime + packages.length > MAX_STORED_KEY_PACKAGES) throw new InputError('validation_failed', `at most ${MAX_STORED_KEY_PACKAGES} key packages may be stored; ${oneTime} are`);
    // Key transparency: each distinct credential key becomes a logged binding (idempotent for keys already logged)
    // BEFORE the packages are stored, so every package the directory holds can be proven when it is claimed (a
    // crash in between leaves a logged key of the owner's and no package: harmless, the device publishes again).
    if (this.transparency) {
      const seen = new Set<string>();
      for (const k of credentialKeys) {
        const hex = Buffer.from(k).toString('hex');
        if (seen.has(hex)) continue;
        seen.add(hex);
        await this.transparency.ensureBinding(userId, KIND_MLS_CREDENTIAL, k);
      }
    }
    try {
      await this.repo.add(userId, packages, last);
    } catch (e) {
      if (isUniqueViolation(e)) throw new InputError('validation_failed', 'keyPackages: already published');
      throw e;
    }
    return this.repo.count(userId);
  }

  private async publishForDevice(userId: string, deviceId: number, credentialKey: Uint8Array | null, input: { keyPackages: Uint8Array[]; lastResort?: Uint8Array | undefined }) {
    if (credentialKey === null) throw new InputError('invalid_key_package', `device ${deviceId} is not in the account's device list`);
    const packages = [];
    for (const [i, data] of input.keyPackages.entries()) packages.push({ ref: await this.checkDevicePackage(userId, deviceId, credentialKey, data, `keyPackages[${i}]`), data: asBytes(data) });
    if (new Set(packages.map((p) => p.ref)).size !== packages.length) throw new InputError('validation_failed', 'keyPackages: duplicate key package');
    const last = input.lastResort ? { ref: await this.checkDevicePackage(userId, deviceId, credentialKey, input.lastResort, 'lastResort'), data: asBytes(input.lastResort) } : undefined;
    const { oneTime } = await this.repo.count(userId, deviceId);
    if (oneTime + packages.length > MAX_STORED_KEY_PACKAGES) throw new InputError('validation_failed', `at most ${MAX_STORED_KEY_PACKAGES} key packages may be stored; ${oneTime} are`);
    try {
      await this.repo.add(userId, packages, last, deviceId);
    } catch (e) {
      if (isUniqueViolation(e)) throw new InputError('validation_failed', 'keyPackages: already published');
      throw e;
    }
    return this.repo.count(userId, deviceId);
  }

  /**
   * D14.3: one package per current device of a list account (each device's oldest one-time package, else its
   * last-resort one; a device that published none is left out), with the version of the logged list they were
   * checked against. No per-package proof: the client checks each against its verified list of that version.
   */
  async claimDevices(userId: string): Promise<{ listVersion: number; keyPackages: Array<{ deviceId: number; keyPackage: Uint8Array; lastResort: boolean }> }> {
    const cur = this.devices ? await this.devices.current(userId) : null;
    if (!cur) throw new NotFoundError('device list');
    const keyPackages = [];
    for (const d of cur.verified.signed.list.devices) {
      const r = await this.repo.claim(userId, d.deviceId);
      if (r) keyPackages.push({ deviceId: d.deviceId, keyPackage: r.data, lastResort: r.lastResort });
    }
    if (keyPackages.length === 0) throw new NotFoundError('key package');
    return { listVersion: cur.verified.signed.list.listVersion, keyPackages };
  }

  /** The identity signing key of the account's newest logged identity binding (docs/TRANSPARENCY.md §3). */
  private async loggedIdentitySigningKey(userId: string): Promise<ReturnType<typeof asBytes>> {
    const logged = await this.transparency?.loggedKey(userId, KIND_IDENTITY);
    if (!logged) throw new InputError('invalid_key_package', `${userId} has no identity key in the public key log: publish the key bundle first`);
    return asBytes(logged.subarray(0, 32)); // identitySigningKey || identityDhKey
  }

  /**
   * Hands out one package with `transparency`: the inclusion proof of its credential key (the leaf signature key
   * of the package handed out, read from the stored bytes) as the newest "mls-credential" binding of `userId`.
   * No proof when the log does not hold that binding — nothing is appended to make one (docs/TRANSPARENCY.md §6.4).
   */
  async claim(userId: string): Promise<{ keyPackage: Uint8Array; lastResort: boolean; transparency?: KeyProofJson }> {
    const r = await this.repo.claim(userId);
    if (!r) throw new NotFoundError('key package');
    const out = { keyPackage: r.data, lastResort: r.lastResort };
    if (!this.transparency) return out;
    const key = storedCredentialKey(r.data);
    const transparency = key ? await this.transparency.proveIfLogged(userId, KIND_MLS_CREDENTIAL, key) : null;
    return transparency ? { ...out, transparency } : out;
  }

  async count(userId: string, deviceId = 1): Promise<{ oneTime: number; lastResort: boolean }> {
    return this.repo.count(userId, deviceId);
  }
}

/** The credential (leaf signature) key of stored key-package bytes; undefined when they no longer decode. */
function storedCredentialKey(bytes: Uint8Array): Uint8Array | undefined {
  try {
    return decodeKeyPackageMessage(bytes).leafNode.signaturePublicKey;
  } catch {
    return undefined;
  }
}
