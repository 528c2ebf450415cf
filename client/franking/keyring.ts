// Server stamping keys K[kid] (docs/PROTOCOL.md §7.2). One key is active (stamps and verifies); rotated-out
// keys are verify-only until every stamp they made has left the report window; retired keys are wiped
// and only their kid is remembered, so a report can be told "retired key" rather than "unknown key".
// Each key stamped only during its stamping period [createdAt, rotatedAt): verification rejects a stamp dated
// outside it (§8.2 step 4), so a leaked verify-only key cannot mint stamps that pass.
import { abytes, fromBase64Url, toBase64Url } from '../crypto/_bytes.ts';
import { FrankingError, asFrankingError } from './errors.ts';
import { isValidId } from './ids.ts';

export type KeyState = 'active' | 'verify-only' | 'retired';
export const STAMP_KEY_LENGTH = 32;

export interface KeyringEntry {
  kid: string;
  /** 32-byte key; absent once retired. */
  key?: Uint8Array;
  createdAt: number;
  /** When it stopped stamping (set by rotate). */
  rotatedAt?: number;
  /** When it stopped verifying (set by retire or prune); the key bytes are wiped then. */
  retiredAt?: number;
}

export interface KeyringJson {
  version: 1;
  activeKid: string | null;
  keys: Array<{ kid: string; key: string | null; createdAt: number; rotatedAt?: number; retiredAt?: number }>;
}

/** The server's stamping keys by kid: one active key stamps, rotated-out keys verify until pruned, retired keys are wiped (§7.2). */
export class Keyring {
  private readonly entries = new Map<string, KeyringEntry>();
  private active: string | null = null;

  /** A keyring with one active key. */
  static create(kid: string, key: Uint8Array, now: number): Keyring {
    const ring = new Keyring();
    ring.rotate(kid, key, now);
    return ring;
  }

  get activeKid(): string | null {
    return this.active;
  }

  /** The key that stamps new messages. */
  current(): { kid: string; key: Uint8Array } {
    const entry = this.active === null ? undefined : this.entries.get(this.active);
    if (!entry?.key) throw new FrankingError('unknown_key', 'no active stamping key');
    return { kid: entry.kid, key: entry.key };
  }

  state(kid: string): KeyState | undefined {
    const e = this.entries.get(kid);
    if (!e) return undefined;
    if (e.retiredAt !== undefined) return 'retired';
    return kid === this.active ? 'active' : 'verify-only';
  }

  /**
   * The interval in which `kid` stamped, [createdAt, rotatedAt) (§7.2); `until` is absent for the active key.
   * A stamp dated outside it was never issued by the server (§8.2 step 4): see verifyReportItem.
   */
  stampingPeriod(kid: string): { from: number; until?: number } | undefined {
    const e = this.entries.get(kid);
    if (!e) return undefined;
    return e.rotatedAt === undefined ? { from: e.createdAt } : { from: e.createdAt, until: e.rotatedAt };
  }

  /** Key usable for verification, or the reason it is not. */
  verificationKey(kid: string): Uint8Array | 'unknown_key' | 'retired_key' {
    const e = this.entries.get(kid);
    if (!e) return 'unknown_key';
    if (e.retiredAt !== undefined || !e.key) return 'retired_key';
    return e.key;
  }

  /** Adds `kid` as the active key; the previous active key becomes verify-only. */
  rotate(kid: string, key: Uint8Array, now: number): void {
    if (!isValidId(kid)) throw new FrankingError('malformed', 'kid: expected id matching [A-Za-z0-9._:-]{1,64}');
    abytes(key, STAMP_KEY_LENGTH, 'key');
    if (this.entries.has(kid)) throw new FrankingError('malformed', `kid ${kid} already exists; kids are never reused`);
    if (!Number.isSafeInteger(now) || now < 0) throw new RangeError(`now: expected ms since epoch, got ${now}`);
    const prev = this.active === null ? undefined : this.entries.get(this.active);
    // Stamping periods never overlap and never run backwards (§7.2): the next key starts where the last one ended.
    if (prev && now < prev.createdAt) throw new FrankingError('malformed', `rotate: time ${now} is before the active key's creation ${prev.createdAt}`);
    if (prev && prev.retiredAt === undefined) prev.rotatedAt = now;
    this.entries.set(kid, { kid, key: key.slice(), createdAt: now });
    this.active = kid;
  }

  /** Retires a key at once (e.g. suspected compromise): it neither stamps nor verifies, its bytes are wiped. */
  retire(kid: string, now: number): void {
    const e = this.entries.get(kid);
    if (!e) throw new FrankingError('unknown_key', `no key ${kid}`);
    if (e.retiredAt !== undefined) return;
    e.key?.fill(0);
    delete e.key;
    e.retiredAt = now;
    e.rotatedAt ??= now;
    if (this.active === kid) this.active = null;
  }

  /** Retires verify-only keys whose newest possible stamp is older than the report window. Returns their kids. */
  prune(now: number, windowMs: number): string[] {
    const retired: string[] = [];
    for (const e of this.entries.values()) {
      if (e.retiredAt === undefined && e.rotatedAt !== undefined && e.rotatedAt + windowMs < now) {
        this.retire(e.kid, now);
        retired.push(e.kid);
      }
    }
    return retired;
  }

  list(): Array<{ kid: string; state: KeyState; createdAt: number; rotatedAt?: number; retiredAt?: number }> {
    return [...this.entries.values()].map((e) => ({
      kid: e.kid,
      state: this.state(e.kid) as KeyState,
      createdAt: e.createdAt,
      ...(e.rotatedAt !== undefined && { rotatedAt: e.rotatedAt }),
      ...(e.retiredAt !== undefined && { retiredAt: e.retiredAt }),
    }));
  }

  /** Serialises secrets too: store it like a private key (file mode 0600, never in the database). */
  toJSON(): KeyringJson {
    return {
      version: 1,
      activeKid: this.active,
      keys: [...this.entries.values()].map((e) => ({
        kid: e.kid,
        key: e.key ? toBase64Url(e.key) : null,
        createdAt: e.createdAt,
        ...(e.rotatedAt !== undefined && { rotatedAt: e.rotatedAt }),
        ...(e.retiredAt !== undefined && { retiredAt: e.retiredAt }),
      })),
    };
  }

  static fromJSON(json: unknown): Keyring {
    const j = json as KeyringJson;
    if (!j || typeof j !== 'object' || j.version !== 1 || !Array.isArray(j.keys))
      throw new FrankingError('malformed', 'keyring: expected {version: 1, activeKid, keys: [...]}');
    const ring = new Keyring();
    for (const k of j.keys) {
      if (!isValidId(k?.kid)) throw new FrankingError('malformed', 'keyring: invalid kid');
      if (ring.entries.has(k.kid)) throw new FrankingError('malformed', `keyring: duplicate kid ${k.kid}`);
      if (!Number.isSafeInteger(k.createdAt)) throw new FrankingError('malformed', `keyring: ${k.kid}.createdAt`);
      const entry: KeyringEntry = { kid: k.kid, createdAt: k.createdAt };
      if (k.rotatedAt !== undefined) {
        if (!Number.isSafeInteger(k.rotatedAt) || k.rotatedAt < k.createdAt) throw new FrankingError('malformed', `keyring: ${k.kid}.rotatedAt must be ≥ createdAt`);
        entry.rotatedAt = k.rotatedAt;
      }
      if (k.retiredAt !== undefined) {
        if (!Number.isSafeInteger(k.retiredAt)) throw new FrankingError('malformed', `keyring: ${k.kid}.retiredAt`);
        entry.retiredAt = k.retiredAt;
      }
      else if (k.key === null) throw new FrankingError('malformed', `keyring: ${k.kid} has no key but is not retired`);
      if (k.key !== null && entry.retiredAt === undefined) {
        const encoded = k.key;
        const key = asFrankingError(() => fromBase64Url(encoded, `keyring: ${k.kid}.key`));
        abytes(key, STAMP_KEY_LENGTH, `keyring: ${k.kid}.key`);
        entry.key = key;
      }
      ring.entries.set(k.kid, entry);
    }
    if (j.activeKid !== null) {
      if (ring.state(j.activeKid) === undefined || ring.entries.get(j.activeKid)?.retiredAt !== undefined)
        throw new FrankingError('malformed', 'keyring: activeKid must name a live key');
      ring.active = j.activeKid;
    }
    return ring;
  }
}
