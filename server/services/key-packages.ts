// MLS key packages in the key directory (docs/PROTOCOL.md §12.6). A device publishes key packages whose
// credential names its account and is signed by the account's registered identity key; anyone may claim one
// to add the account to a group — each handed out once, then the last-resort package.
//
// Key transparency: publish() is where a new MLS credential key becomes bound to an account, so it appends
// (account, "mls-credential", credential key) to the log right after the directory write (docs/TRANSPARENCY.md).
import { verifyKeyPackage } from 'ts-mls/keyPackage.js';
import { groupCiphersuite } from '../../client/group/_mls-crypto.ts';
import { verifyCredentialBinding } from '../../client/group/credential.ts';
import { decodeKeyPackageMessage, keyPackageRef } from '../../client/group/key-packages.ts';
import { asBytes } from '../data/_bytes.ts';
import type { KeyPackagesRepo } from '../data/key-packages.ts';
import { isUniqueViolation } from '../data/_prisma-errors.ts';
import { InputError, NotFoundError } from '../errors.ts';
import type { AccountsService } from './accounts.ts';
import type { TransparencyService } from './transparency.ts';
import { KIND_MLS_CREDENTIAL } from '../../client/transparency/index.ts';

export const MAX_STORED_KEY_PACKAGES = 1000;

export class KeyPackagesService {
  constructor(
    private readonly repo: KeyPackagesRepo,
    private readonly accounts: AccountsService,
    /** The key-transparency log; every credential key a published package carries is appended to it. */
    private readonly transparency?: TransparencyService,
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
    if (!Buffer.from(cred.identitySigningKey).equals(identitySigningKey)) throw bad("the credential's identity key is not the account's registered identity key");
    if (!(await verifyKeyPackage(kp, (await groupCiphersuite()).signature))) throw bad('signature does not verify under its leaf signature key');
    return { ref: await keyPackageRef(kp), credentialKey: kp.leafNode.signaturePublicKey };
  }

  async publish(userId: string, input: { keyPackages: Uint8Array[]; lastResort?: Uint8Array | undefined }): Promise<{ oneTime: number; lastResort: boolean }> {
    const account = await this.accounts.get(userId);
    const key = asBytes(account.identitySigningKey);
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
    try {
      await this.repo.add(userId, packages, last);
    } catch (e) {
      if (isUniqueViolation(e)) throw new InputError('validation_failed', 'keyPackages: already published');
      throw e;
    }
    // Key transparency: each distinct credential key becomes a logged binding (idempotent for keys already logged).
    if (this.transparency) {
      const seen = new Set<string>();
      for (const k of credentialKeys) {
        const hex = Buffer.from(k).toString('hex');
        if (seen.has(hex)) continue;
        seen.add(hex);
        await this.transparency.ensureBinding(userId, KIND_MLS_CREDENTIAL, k);
      }
    }
    return this.repo.count(userId);
  }

  async claim(userId: string): Promise<{ keyPackage: Uint8Array; lastResort: boolean }> {
    const r = await this.repo.claim(userId);
    if (!r) throw new NotFoundError('key package');
    return { keyPackage: r.data, lastResort: r.lastResort };
  }

  async count(userId: string): Promise<{ oneTime: number; lastResort: boolean }> {
    return this.repo.count(userId);
  }
}
