// Safety numbers (docs/PROTOCOL-sessions.md §12): a 60-digit fingerprint of both parties' identities that
// two users compare out of band. Modelled on Signal's NumericFingerprintGenerator (iterated SHA-512, 5 digits
// per 5 bytes), over both identity keys of each device and the user id.
import { sha512 } from '@noble/hashes/sha2.js';
import { abytes, equalBytes, fromBase64Url, toBase64Url, utf8, Writer } from '../crypto/_bytes.ts';
import type { CryptoProvider } from '../crypto/provider.ts';
import { founderKeyOf } from '../devices/device-list.ts';
import { DeviceListError } from '../devices/errors.ts';
import { type PinnedDeviceList, pinnedVerifiedList, type VerifiedDeviceList } from '../devices/verify-list.ts';
import { SAFETY_NUMBER_LABEL } from './_session-kdf.ts';
import { encodePublicIdentity, type PublicIdentity } from './identity.ts';

/** SHA-512 iterations (Signal's value): slows a search for a colliding identity by ~2^12.3. */
export const SAFETY_NUMBER_ITERATIONS = 5200;

export interface SafetyNumberParty {
  /** The user's stable id (e.g. the server user id), UTF-8 encoded into the hash. */
  readonly userId: string;
  readonly identity: PublicIdentity;
}

/**
 * 30-digit fingerprint of one party: h0 = SHA-512(label || u16 len(userId) || userId || keys), then
 * h_{i+1} = SHA-512(h_i || keys) for 5200 rounds, keys = signingKey || dhKey. The first 30 bytes of h_5200 give
 * six 5-byte big-endian integers, each printed as (value mod 100000) with 5 digits.
 */
export function fingerprintDigits(party: SafetyNumberParty): string {
  if (typeof party.userId !== 'string') throw new TypeError('userId: expected string');
  const keys = encodePublicIdentity(party.identity);
  const id = utf8(party.userId);
  let h = sha512(new Writer(SAFETY_NUMBER_LABEL.length + 2 + id.length + 64).raw(SAFETY_NUMBER_LABEL).vec16(id).raw(keys).finish());
  const buf = new Uint8Array(64 + 64);
  buf.set(keys, 64);
  for (let i = 0; i < SAFETY_NUMBER_ITERATIONS; i++) {
    buf.set(h, 0);
    h = sha512(buf);
  }
  let digits = '';
  for (let chunk = 0; chunk < 6; chunk++) {
    let value = 0;
    for (let j = 0; j < 5; j++) value = value * 256 + (h[chunk * 5 + j] as number);
    digits += String(value % 100000).padStart(5, '0');
  }
  return digits;
}

/**
 * The safety number both users see: the two 30-digit fingerprints, the numerically smaller first, so it is the
 * same string on both devices. 60 digits; display with formatSafetyNumber.
 */
export function safetyNumber(a: SafetyNumberParty, b: SafetyNumberParty): string {
  abytes(a.identity.signingKey, 32, 'a.identity.signingKey');
  abytes(b.identity.signingKey, 32, 'b.identity.signingKey');
  const fa = fingerprintDigits(a);
  const fb = fingerprintDigits(b);
  return fa <= fb ? fa + fb : fb + fa;
}

/** Groups of five digits, four groups per line (12 groups): how the number is shown to users. */
export function formatSafetyNumber(digits: string): string {
  if (!/^\d{60}$/.test(digits)) throw new RangeError(`expected 60 digits, got length=${digits.length}`);
  const groups = digits.match(/\d{5}/g) as string[];
  return [0, 4, 8].map((i) => groups.slice(i, i + 4).join(' ')).join('\n');
}

// --- Accounts with devices (docs/PROTOCOL-devices.md D16) ---------------------------------------------------------
// The safety number of two accounts is §S12 over each account's founder key (D1: IKsig ‖ IKdh of the device that
// signed the newest genesis or reset list), so linking, removing and recovering devices leave it unchanged and a reset
// changes it. A legacy account (no list, D17.2) is its identity key, which is the founder key of the genesis it signs
// at migration (D17.1): migration changes no safety number.

/** D17.2: an account without a device list, as its proven `identity` binding shows it (one device, id 1). */
export interface LegacyAccountIdentity {
  readonly accountId: string;
  readonly legacyIdentity: PublicIdentity;
}

/** What a client has pinned for an account, its own or a contact's: a verified device list (D5.3) or the legacy view (D17.2). */
export type PinnedAccount = PinnedDeviceList | LegacyAccountIdentity;

const isLegacy = (a: PinnedAccount): a is LegacyAccountIdentity => 'legacyIdentity' in a;
const inconsistent = (what: string): never => {
  throw new DeviceListError('malformed', `pinned state: ${what}`);
};

/**
 * D16: the founder key (64 bytes, IKsig ‖ IKdh) of a pinned account. For a list the stored list is re-decoded and
 * re-hashed (pinnedVerifiedList) and, when it is itself a genesis or reset, its founder must be founderKeyOf its one
 * device; a legacy account's founder key is its identity key (D17.2). DeviceListError `malformed` for a state that
 * does not hold together.
 */
export function pinnedFounderKey(account: PinnedAccount, crypto?: CryptoProvider): Uint8Array {
  if (isLegacy(account)) return encodePublicIdentity(account.legacyIdentity);
  const list = pinnedVerifiedList(account, crypto).signed.list;
  let founder: Uint8Array;
  try {
    founder = fromBase64Url(account.founderKey, 'founderKey');
  } catch {
    return inconsistent('founderKey is not base64url');
  }
  if (founder.length !== 64) inconsistent(`founderKey: expected 64 bytes, got ${founder.length}`);
  if ((list.kind === 'genesis' || list.kind === 'reset') && !equalBytes(founder, founderKeyOf(list.devices[0]!)))
    inconsistent(`founderKey is not the key of the device that signed ${list.kind} version ${list.listVersion}`);
  return founder;
}

/** One side of D16's safety number: the account id and its founder key in place of §S12's identity keys. */
export function accountSafetyNumberParty(account: PinnedAccount, crypto?: CryptoProvider): SafetyNumberParty {
  const founder = pinnedFounderKey(account, crypto);
  return { userId: account.accountId, identity: { signingKey: founder.slice(0, 32), dhKey: founder.slice(32, 64) } };
}

/** D16: the safety number of two accounts (60 digits, the same on every device of both), from their pinned states. */
export function accountSafetyNumber(a: PinnedAccount, b: PinnedAccount, crypto?: CryptoProvider): string {
  return safetyNumber(accountSafetyNumberParty(a, crypto), accountSafetyNumberParty(b, crypto));
}

/** D16's quiet lines in a conversation, shown after the contact's name ("bob linked a new device"). */
export const CONTACT_DEVICE_LINE_TEXT = {
  device_linked: 'linked a new device',
  device_removed: 'removed a device',
  recovered: 'restored with a recovery kit',
} as const;

/** One quiet line (D16): the safety number is unchanged and a verified contact stays verified. */
export type ContactDeviceLine =
  | { readonly kind: 'device_linked'; readonly deviceId: number }
  | { readonly kind: 'device_removed'; readonly deviceId: number }
  /** A recovery list (D6.5), whatever devices it removed and added. */
  | { readonly kind: 'recovered'; readonly listVersion: number };

/**
 * What a contact's list update means for the conversation (D16): nothing to show, quiet lines, or a reset (D6.6) —
 * "bob's safety number changed", and a verified contact is no longer verified.
 */
export type ContactDeviceChange =
  | { readonly kind: 'unchanged' }
  | { readonly kind: 'devices_changed'; readonly lines: readonly ContactDeviceLine[] }
  | { readonly kind: 'safety_number_changed' };

export interface ContactDeviceChangeOptions {
  /**
   * The lists verifyListChain verified from `previous` to `next` (ListChainResult.verified), for one set of lines per
   * version. Without them the two pinned lists are compared as one step: devices added and removed between them, and
   * `recovered` only when the newest list is itself a recovery.
   */
  readonly verified?: readonly VerifiedDeviceList[];
  readonly crypto?: CryptoProvider;
}

const idsOf = (v: VerifiedDeviceList): number[] => v.signed.list.devices.map((e) => e.deviceId);

/**
 * D16: given a contact's previous and new pinned state (after verifyListChain), which quiet lines to show or that the
 * safety number changed. A reset between them is read from the pins themselves (D5.3: the device ids since the newest
 * genesis or reset restart at a reset, and ids are never reused) and must agree with the founder keys: a founder key
 * that differs without a reset, or the reverse, is DeviceListError `malformed`. Refused as D5.3 and D17.2 refuse
 * them: another account (`wrong_account`), an older version (`stale_list`), a chain that does not pass through the
 * previous pin (`fork`), and the legacy view after a list (`stale_list`).
 */
export function contactDeviceChange(previous: PinnedAccount, next: PinnedAccount, opts: ContactDeviceChangeOptions = {}): ContactDeviceChange {
  const crypto = opts.crypto;
  if (previous.accountId !== next.accountId) throw new DeviceListError('wrong_account', `pinned states of ${previous.accountId} and ${next.accountId}`);
  const founderBefore = pinnedFounderKey(previous, crypto);
  const founderAfter = pinnedFounderKey(next, crypto);
  if (isLegacy(next)) {
    if (!isLegacy(previous)) throw new DeviceListError('stale_list', `${next.accountId} has a pinned device list: the legacy view is never accepted again (D17.2)`);
    if (opts.verified !== undefined && opts.verified.length > 0) inconsistent('verified lists between two legacy views');
    // A legacy account's identity key changed: the classic key change of PROTOCOL-sessions.md §S12.
    return equalBytes(founderBefore, founderAfter) ? { kind: 'unchanged' } : { kind: 'safety_number_changed' };
  }

  for (const pin of isLegacy(previous) ? [next] : [previous, next]) {
    if (pin.listHashes.length !== pin.listVersion || pin.listHashes[pin.listVersion - 1] !== pin.listHash) inconsistent(`listHashes of version ${pin.listVersion}`);
  }
  // The legacy view is version 0 with device 1 (D17.2); its successor chain starts at the genesis.
  const versionBefore = isLegacy(previous) ? 0 : previous.listVersion;
  const idsSinceResetBefore = isLegacy(previous) ? [1] : previous.deviceIdsSinceReset;
  let devicesBefore = isLegacy(previous) ? [1] : idsOf(pinnedVerifiedList(previous, crypto));
  if (next.listVersion < versionBefore) throw new DeviceListError('stale_list', `version ${next.listVersion} is older than the pinned version ${versionBefore}`);
  if (!isLegacy(previous) && previous.listHashes.some((h, i) => next.listHashes[i] !== h))
    throw new DeviceListError('fork', `the new state of ${next.accountId} does not pass through pinned version ${versionBefore}`);

  const idsAfter = new Set(next.deviceIdsSinceReset);
  const kept = idsSinceResetBefore.every((id) => idsAfter.has(id));
  const reset = idsSinceResetBefore.every((id) => !idsAfter.has(id));
  if (!kept && !reset) inconsistent('device ids since the last reset neither continue nor restart');
  if (reset && next.listVersion === versionBefore) inconsistent('the same version with other device ids');

  const steps = opts.verified ?? (next.listVersion > versionBefore ? [pinnedVerifiedList(next, crypto)] : []);
  if (opts.verified !== undefined) {
    if (steps.length !== next.listVersion - versionBefore) inconsistent(`${steps.length} verified lists between versions ${versionBefore} and ${next.listVersion}`);
    for (const [i, v] of steps.entries()) {
      const version = versionBefore + 1 + i;
      if (v.signed.list.accountId !== next.accountId || v.signed.list.listVersion !== version || toBase64Url(v.listHash) !== next.listHashes[version - 1])
        inconsistent(`verified list ${i} is not version ${version} of the new state`);
    }
  }
  const resetStep = steps.some((v) => v.signed.list.kind === 'reset');

  if (reset || resetStep) {
    // D6.6: a new identity under the same account id. (A legacy account's genesis with another key than its logged
    // identity is one too, for its contacts: the server refuses it, D17.1, and a client that is shown one re-verifies.)
    if (!reset) inconsistent('a reset list, but the device ids since the last reset continue');
    return { kind: 'safety_number_changed' };
  }
  if (!equalBytes(founderBefore, founderAfter)) {
    if (isLegacy(previous)) return { kind: 'safety_number_changed' };
    inconsistent('the founder key changed without a reset list (D16)');
  }

  const lines: ContactDeviceLine[] = [];
  for (const step of steps) {
    const ids = idsOf(step);
    if (step.signed.list.kind === 'recovery') lines.push({ kind: 'recovered', listVersion: step.signed.list.listVersion });
    else {
      for (const id of devicesBefore) if (!ids.includes(id)) lines.push({ kind: 'device_removed', deviceId: id });
      for (const id of ids) if (!devicesBefore.includes(id)) lines.push({ kind: 'device_linked', deviceId: id });
    }
    devicesBefore = ids;
  }
  return lines.length === 0 ? { kind: 'unchanged' } : { kind: 'devices_changed', lines };
}
