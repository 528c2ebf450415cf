// Attacks on the binding properties (docs/PROTOCOL.md §10). Each test tries to break one property and
// asserts the exact reason code §8.2 assigns. Bounded fast-check runs: ≥ 10,000 cases in total.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { randomBytes } from '@noble/hashes/utils.js';
import {
  FrankingError,
  Keyring,
  type ReportItem,
  type Role,
  computeStamp,
  encodeReportItem,
  frankMessage,
  frankingAssociatedData,
  openFranked,
  sealFranked,
  verifyReportItem,
  xchacha20poly1305Aead,
  encodePayload,
  type FailureReason,
} from '../../client/protocol.ts';

const NOW = Date.UTC(2026, 10, 22);
const DAY = 86_400_000;
const WINDOW = 90 * DAY;
// Kids differ in many bits, so a single bit flip can never turn one into the other.
const keyring = Keyring.create('kAlpha', new Uint8Array(32).fill(7), NOW - 200 * DAY);
keyring.rotate('kBeta', new Uint8Array(32).fill(9), NOW - 30 * DAY);

const id = fc.stringMatching(/^[A-Za-z0-9._:-]{1,12}$/);
const attachment = fc.record({
  blobId: id,
  scheme: fc.integer({ min: 1, max: 255 }),
  key: fc.uint8Array({ minLength: 32, maxLength: 32 }),
  params: fc.uint8Array({ maxLength: 16 }),
  ciphertextDigest: fc.uint8Array({ minLength: 32, maxLength: 32 }),
  size: fc.integer({ min: 0, max: 2 ** 40 }),
  mediaType: fc.constantFrom('image/png', 'video/mp4'),
});
const scenario = fc
  .record({
    role: fc.constantFrom<Role>('recipient', 'sender'),
    conversationId: id,
    senderId: id,
    recipientId: id,
    messageId: id,
    seq: fc.integer({ min: 1, max: 100_000 }),
    body: fc.uint8Array({ maxLength: 96 }),
    attachments: fc.array(attachment, { maxLength: 2 }),
    age: fc.integer({ min: 0, max: 80 * DAY }),
    kid: fc.constantFrom('kAlpha', 'kBeta'),
  })
  .filter((s) => s.senderId !== s.recipientId)
  // §8.2 step 4: each key stamps only in its own period — kAlpha before the rotation at NOW − 30 d, kBeta after it.
  .map((s) => ({ ...s, age: s.kid === 'kAlpha' ? 31 * DAY + (s.age % (49 * DAY)) : s.age % (30 * DAY) }));
type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

function makeItem(s: Scenario): { item: ReportItem; reporterId: string } {
  const franked = frankMessage(
    {
      conversationId: s.conversationId, senderId: s.senderId, seq: s.seq, attachments: s.attachments, sentAt: NOW - s.age,
      ...(s.seq > 1 && { prevCommitment: randomBytes(32) }),
    },
    s.body,
  );
  const recipientId = s.role === 'sender' ? s.senderId : s.recipientId;
  const ring = Keyring.fromJSON(keyring.toJSON());
  if (s.kid === 'kAlpha') {
    // stamp with the older key as it was when active
    const old = Keyring.create('kAlpha', new Uint8Array(32).fill(7), NOW - 200 * DAY);
    const stamp = computeStamp(old, { messageId: s.messageId, conversationId: s.conversationId, senderId: s.senderId, recipientId, role: s.role, serverTime: NOW - s.age }, franked.commitment);
    return { item: { stamp, commitment: franked.commitment, fk: franked.fk, header: franked.headerBytes, body: s.body }, reporterId: recipientId };
  }
  const stamp = computeStamp(ring, { messageId: s.messageId, conversationId: s.conversationId, senderId: s.senderId, recipientId, role: s.role, serverTime: NOW - s.age }, franked.commitment);
  return { item: { stamp, commitment: franked.commitment, fk: franked.fk, header: franked.headerBytes, body: s.body }, reporterId: recipientId };
}

const verify = (item: ReportItem | Uint8Array, reporterId: string) => verifyReportItem(item, keyring, reporterId, NOW, WINDOW);

/** Byte ranges of each field of the encoded item (PROTOCOL.md §8.1). */
function fieldMap(item: ReportItem): Array<{ field: string; start: number; end: number }> {
  const out: Array<{ field: string; start: number; end: number }> = [];
  let at = 0;
  const add = (field: string, n: number) => {
    out.push({ field, start: at, end: at + n });
    at += n;
  };
  const prefixed = (field: string, prefix: number, n: number) => {
    add(`len:${field}`, prefix);
    add(field, n);
  };
  add('version', 1);
  for (const f of ['messageId', 'conversationId', 'senderId', 'recipientId'] as const) prefixed(f, 1, item.stamp[f].length);
  add('role', 1);
  add('serverTime', 8);
  prefixed('kid', 1, item.stamp.kid.length);
  add('tag', 32);
  add('commitment', 32);
  add('fk', 32);
  prefixed('header', 2, item.header.length);
  prefixed('body', 4, item.body.length);
  return out;
}

/** The reasons §8.2's order allows for a single bit flip inside `field`. */
function allowedReasons(field: string, role: Role): FailureReason[] {
  if (field === 'version' || field === 'role' || field.startsWith('len:')) return ['malformed'];
  switch (field) {
    case 'messageId':
    case 'conversationId':
    case 'serverTime': // a flip in the top bits exceeds 2^53 − 1 (malformed); any other is a different time (MAC fails)
      return ['malformed', 'stamp_invalid'];
    case 'senderId': // role sender: recipientId must equal senderId (step 1)
      return role === 'sender' ? ['malformed'] : ['malformed', 'stamp_invalid'];
    case 'recipientId':
      return role === 'sender' ? ['malformed'] : ['malformed', 'not_a_party'];
    case 'kid':
      return ['malformed', 'unknown_key'];
    case 'tag':
    case 'commitment':
      return ['stamp_invalid'];
    case 'fk':
    case 'header':
    case 'body':
      return ['commitment_mismatch'];
  }
  throw new Error(`unmapped field ${field}`);
}

function flipBit(bytes: Uint8Array, bit: number): Uint8Array {
  const out = bytes.slice();
  out[bit >> 3] = (out[bit >> 3] as number) ^ (1 << (bit & 7));
  return out;
}

describe('receiver binding: mutated report items are rejected with the right reason', () => {
  it('baseline: generated items verify', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const { item, reporterId } = makeItem(s);
        expect(verify(item, reporterId).reason).toBe('verified');
        expect(verify(encodeReportItem(item), reporterId).reason).toBe('verified');
      }),
      { numRuns: 300 },
    );
  });

  it('every single-bit flip of 12 items, exhaustively', () => {
    let flips = 0;
    fc.assert(
      fc.property(scenario, (s) => {
        const { item, reporterId } = makeItem(s);
        const bytes = encodeReportItem(item);
        const fields = fieldMap(item);
        expect(fields.at(-1)!.end).toBe(bytes.length);
        for (let bit = 0; bit < bytes.length * 8; bit++) {
          const { field } = fields.find((f) => bit >> 3 >= f.start && bit >> 3 < f.end)!;
          const verdict = verify(flipBit(bytes, bit), reporterId);
          expect(verdict.ok, `bit ${bit} in ${field}`).toBe(false);
          expect(allowedReasons(field, s.role), `bit ${bit} in ${field}: ${verdict.reason}`).toContain(verdict.reason);
          flips++;
        }
      }),
      { numRuns: 12 },
    );
    expect(flips).toBeGreaterThan(12 * 8 * 150);
  });

  it('random single-bit flips (10,000 cases)', () => {
    fc.assert(
      fc.property(scenario, fc.nat(), (s, r) => {
        const { item, reporterId } = makeItem(s);
        const bytes = encodeReportItem(item);
        const bit = r % (bytes.length * 8);
        const { field } = fieldMap(item).find((f) => bit >> 3 >= f.start && bit >> 3 < f.end)!;
        const verdict = verify(flipBit(bytes, bit), reporterId);
        expect(verdict.ok).toBe(false);
        expect(allowedReasons(field, s.role)).toContain(verdict.reason);
      }),
      { numRuns: 10_000 },
    );
  });

  const substitutions: Array<[string, (a: ReportItem, b: ReportItem) => ReportItem, FailureReason]> = [
    ['fk', (a, b) => ({ ...a, fk: b.fk }), 'commitment_mismatch'],
    ['body', (a, b) => ({ ...a, body: b.body }), 'commitment_mismatch'],
    ['header', (a, b) => ({ ...a, header: b.header }), 'commitment_mismatch'],
    ['commitment', (a, b) => ({ ...a, commitment: b.commitment }), 'stamp_invalid'],
    ['tag', (a, b) => ({ ...a, stamp: { ...a.stamp, tag: b.stamp.tag } }), 'stamp_invalid'],
    ['messageId', (a, b) => ({ ...a, stamp: { ...a.stamp, messageId: b.stamp.messageId } }), 'stamp_invalid'],
    ['serverTime', (a, b) => ({ ...a, stamp: { ...a.stamp, serverTime: b.stamp.serverTime } }), 'stamp_invalid'],
    ['whole stamp', (a, b) => ({ ...a, stamp: b.stamp }), 'stamp_invalid'],
    ['stamp and commitment (opening of another message)', (a, b) => ({ ...a, stamp: b.stamp, commitment: b.commitment }), 'commitment_mismatch'],
    ['opening (fk, header, body) of another message', (a, b) => ({ ...a, fk: b.fk, header: b.header, body: b.body }), 'commitment_mismatch'],
  ];

  it.each(substitutions)('substituting another message\'s %s (500 cases each)', (_name, substitute, reason) => {
    fc.assert(
      fc.property(scenario, fc.uint8Array({ maxLength: 96 }), id, (s, otherBody, otherMessageId) => {
        const a = makeItem(s);
        // b: another message in the same conversation to the same reporter, so only the substituted field differs.
        fc.pre(otherMessageId !== s.messageId && (otherBody.length !== s.body.length || otherBody.some((x, i) => x !== s.body[i])));
        const b = makeItem({ ...s, body: otherBody, messageId: otherMessageId, age: s.age >= 1000 ? s.age - 1000 : s.age + 1000 });
        const verdict = verify(substitute(a.item, b.item), a.reporterId);
        expect(verdict.ok).toBe(false);
        expect(verdict.reason).toBe(reason);
      }),
      { numRuns: 500 },
    );
  });
});

describe('named attacks', () => {
  const base = (role: Role = 'recipient') =>
    makeItem({ role, conversationId: 'conv', senderId: 'mallory', recipientId: 'victim', messageId: 'm1', seq: 1, body: new TextEncoder().encode('abuse'), attachments: [], age: DAY, kid: 'kBeta' });

  it('wrong reporter: a bystander, the sender of a recipient stamp, the recipient of a sender stamp', () => {
    expect(verify(base().item, 'bystander').reason).toBe('not_a_party');
    expect(verify(base().item, 'mallory').reason).toBe('not_a_party');
    expect(verify(base('sender').item, 'victim').reason).toBe('not_a_party');
  });

  it('retired kid: a genuine stamp stops verifying once its key is retired', () => {
    const ring = Keyring.fromJSON(keyring.toJSON());
    const { item, reporterId } = base();
    expect(verifyReportItem(item, ring, reporterId, NOW, WINDOW).reason).toBe('verified');
    ring.rotate('kGamma', new Uint8Array(32).fill(3), NOW);
    expect(verifyReportItem(item, ring, reporterId, NOW, WINDOW).reason).toBe('verified'); // verify-only still verifies
    ring.retire('kBeta', NOW);
    expect(verifyReportItem(item, ring, reporterId, NOW, WINDOW).reason).toBe('retired_key');
  });

  it('expired stamp: one ms past the window is refused, the last ms inside is accepted', () => {
    const { item, reporterId } = base();
    const t = item.stamp.serverTime;
    expect(verifyReportItem(item, keyring, reporterId, t + WINDOW, WINDOW).reason).toBe('verified');
    expect(verifyReportItem(item, keyring, reporterId, t + WINDOW + 1, WINDOW).reason).toBe('outside_window');
  });

  it('header/stamp disagreement: the sender commits to one conversation, the server relays it in another', () => {
    const franked = frankMessage({ conversationId: 'conv-A', senderId: 'mallory', seq: 1 }, new TextEncoder().encode('hi'));
    const stamp = computeStamp(keyring, { messageId: 'm9', conversationId: 'conv-B', senderId: 'mallory', recipientId: 'victim', role: 'recipient', serverTime: NOW }, franked.commitment);
    const item = { stamp, commitment: franked.commitment, fk: franked.fk, header: franked.headerBytes, body: new TextEncoder().encode('hi') };
    expect(verify(item, 'victim').reason).toBe('header_mismatch');
  });

  it('framing: the reporter edits the text, or swaps in an innocent message\'s opening', () => {
    const { item, reporterId } = base();
    expect(verify({ ...item, body: new TextEncoder().encode('ABUSE') }, reporterId).reason).toBe('commitment_mismatch');
    const innocent = makeItem({ role: 'recipient', conversationId: 'conv', senderId: 'mallory', recipientId: 'victim', messageId: 'm2', seq: 2, body: new TextEncoder().encode('hello'), attachments: [], age: DAY, kid: 'kBeta' }).item;
    expect(verify({ ...innocent, body: item.body }, reporterId).reason).toBe('commitment_mismatch');
  });
});

describe('sender binding at the recipient: unreportable messages are never delivered', () => {
  const key = new Uint8Array(32).fill(1);
  const aead = xchacha20poly1305Aead(key);
  const body = new TextEncoder().encode('you will regret this');

  it('honest message opens', () => {
    const f = frankMessage({ conversationId: 'c', senderId: 'mallory', seq: 1 }, body);
    const opened = openFranked(aead, sealFranked(aead, f), f.commitment, { expect: { conversationId: 'c', senderId: 'mallory' } });
    expect(new TextDecoder().decode(opened.body)).toBe('you will regret this');
  });

  it('a payload whose (fk, header, body) does not open c is dropped: commitment_mismatch', () => {
    const f = frankMessage({ conversationId: 'c', senderId: 'mallory', seq: 1 }, body);
    // Malicious sender: encrypts a different body under the AD of the honest commitment.
    const evil = encodePayload(f.headerBytes, f.fk, new TextEncoder().encode('something else'));
    const ct = aead.seal(evil, frankingAssociatedData(f.commitment));
    expect(() => openFranked(aead, ct, f.commitment)).toThrow(expect.objectContaining({ code: 'commitment_mismatch' }));
  });

  it('a ciphertext sent with another commitment than its AD fails to decrypt: decrypt_failed', () => {
    const f = frankMessage({ conversationId: 'c', senderId: 'mallory', seq: 1 }, body);
    const g = frankMessage({ conversationId: 'c', senderId: 'mallory', seq: 1 }, new TextEncoder().encode('benign'));
    const ct = sealFranked(aead, f);
    // The Facebook-2016 gap: c outside the AD. Here the AEAD itself binds c.
    expect(() => openFranked(aead, ct, g.commitment)).toThrow(expect.objectContaining({ code: 'decrypt_failed' }));
  });

  it('a header naming another conversation or sender than the transport is dropped: header_mismatch', () => {
    const f = frankMessage({ conversationId: 'other', senderId: 'mallory', seq: 1 }, body);
    const ct = sealFranked(aead, f);
    expect(() => openFranked(aead, ct, f.commitment, { expect: { conversationId: 'c' } })).toThrow(expect.objectContaining({ code: 'header_mismatch' }));
    const g = frankMessage({ conversationId: 'c', senderId: 'innocent', seq: 1 }, body);
    expect(() => openFranked(aead, sealFranked(aead, g), g.commitment, { expect: { senderId: 'mallory' } })).toThrow(
      expect.objectContaining({ code: 'header_mismatch' }),
    );
  });

  it('random tampering with payload bytes under a valid AD never yields an accepted message with another body (2,000 cases)', () => {
    const f = frankMessage({ conversationId: 'c', senderId: 'mallory', seq: 1 }, body);
    fc.assert(
      fc.property(fc.nat(), (r) => {
        const bit = r % (f.payload.length * 8);
        const evil = f.payload.slice();
        evil[bit >> 3] = (evil[bit >> 3] as number) ^ (1 << (bit & 7));
        const ct = aead.seal(evil, frankingAssociatedData(f.commitment));
        let error: unknown;
        try {
          openFranked(aead, ct, f.commitment);
        } catch (e) {
          error = e;
        }
        expect(FrankingError.is(error)).toBe(true);
        expect(['malformed', 'commitment_mismatch']).toContain((error as FrankingError).code);
      }),
      { numRuns: 2_000 },
    );
  });
});

describe('stamping periods: a leaked verify-only key cannot mint stamps that pass (§7.2, §8.2 step 4)', () => {
  const SKEW = 5 * 60_000;
  const ROTATED = NOW - 30 * DAY; // kAlpha's rotatedAt = kBeta's createdAt
  // The attacker holds kAlpha's bytes (e.g. from a leaked backup) and computes a perfect MAC for any time it likes.
  const leaked = Keyring.create('kAlpha', new Uint8Array(32).fill(7), NOW - 200 * DAY);
  const mint = (kid: 'kAlpha' | 'kBeta', serverTime: number) => {
    const ring = kid === 'kAlpha' ? leaked : Keyring.create('kBeta', new Uint8Array(32).fill(9), 0);
    const franked = frankMessage({ conversationId: 'conv', senderId: 'mallory', seq: 1, sentAt: serverTime }, new TextEncoder().encode('forged'));
    const stamp = computeStamp(ring, { messageId: 'm-forged', conversationId: 'conv', senderId: 'mallory', recipientId: 'victim', role: 'recipient', serverTime }, franked.commitment);
    return { stamp, commitment: franked.commitment, fk: franked.fk, header: franked.headerBytes, body: new TextEncoder().encode('forged') };
  };

  it('every time from rotatedAt + skew to now is rejected as stamp_invalid; just before the bound verifies', () => {
    fc.assert(
      fc.property(fc.integer({ min: ROTATED + SKEW, max: NOW }), (t) => {
        expect(verify(mint('kAlpha', t), 'victim').reason).toBe('stamp_invalid');
      }),
      { numRuns: 300 },
    );
    expect(verify(mint('kAlpha', ROTATED + SKEW - 1), 'victim').reason).toBe('verified');
    expect(verify(mint('kAlpha', ROTATED + SKEW), 'victim').reason).toBe('stamp_invalid');
  });

  it("a key's stamps dated before its creation (beyond the skew) are rejected; the boundary verifies", () => {
    fc.assert(
      fc.property(fc.integer({ min: NOW - 80 * DAY, max: ROTATED - SKEW - 1 }), (t) => {
        expect(verify(mint('kBeta', t), 'victim').reason).toBe('stamp_invalid');
      }),
      { numRuns: 300 },
    );
    expect(verify(mint('kBeta', ROTATED - SKEW), 'victim').reason).toBe('verified');
  });

  it('the period check follows the MAC: a wrong tag stays stamp_invalid and an unknown kid unknown_key', () => {
    const item = mint('kAlpha', NOW);
    expect(verify({ ...item, stamp: { ...item.stamp, kid: 'kGone' } }, 'victim').reason).toBe('unknown_key');
    expect(verifyReportItem(item, keyring, 'victim', NOW, WINDOW).ok).toBe(false);
  });

  it('keyrings refuse periods that run backwards', () => {
    const ring = Keyring.create('k1', new Uint8Array(32), 1000);
    expect(() => ring.rotate('k2', new Uint8Array(32), 999)).toThrow(/before the active key/);
    const json = ring.toJSON();
    json.keys[0] = { ...json.keys[0]!, rotatedAt: 500 };
    expect(() => Keyring.fromJSON(json)).toThrow(/rotatedAt/);
    expect(ring.stampingPeriod('k1')).toEqual({ from: 1000 });
    ring.rotate('k2', new Uint8Array(32).fill(1), 2000);
    expect(ring.stampingPeriod('k1')).toEqual({ from: 1000, until: 2000 });
    expect(ring.stampingPeriod('nope')).toBeUndefined();
  });
});
