// Runs a session vector scenario (test/vectors/session.json) through the library: shared by the generator
// (scripts/make-session-vectors.ts) and the vector suite, so both run the very same steps.
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { frankMessage } from '../../client/franking/franking.ts';
import { generateIdentity } from '../../client/session/identity.ts';
import { type FetchedPreKeyBundle, PreKeyStore } from '../../client/session/prekeys.ts';
import { safetyNumber } from '../../client/session/safety-number.ts';
import { type FrankedEnvelope, Session, encodeFrankedEnvelope } from '../../client/session/session.ts';
import type { AsyncCryptoProvider, CryptoProvider } from '../../client/crypto/provider.ts';

/**
 * Providers a run uses: `crypto` for every sync primitive (default: the SDK default, noble); `asyncCrypto`, if given,
 * does X3DH on both sides (Session.initiateAsync / respondAsync / respondFrankedAsync: bundle signature check, DHs,
 * HKDF, the first ratchet keys) and the X25519 of every DH ratchet step on receive (decryptAsync / receiveFrankedAsync).
 */
export interface ScenarioProviders {
  crypto?: CryptoProvider;
  asyncCrypto?: AsyncCryptoProvider;
}

export type Party = 'alice' | 'bob';
export type RandomBytes = (length: number) => Uint8Array;

export type ScenarioStep =
  | { op: 'send'; from: Party; plaintext: string; associatedData?: string }
  | {
      op: 'sendFranked';
      from: Party;
      plaintext: string;
      conversationId: string;
      seq: number;
      sentAt: number;
      /** Header senderId (default: the party's name, `from`). */
      senderId?: string;
      /** Header contentType (default 'text/plain; charset=utf-8'). */
      contentType?: string;
      /** Hex, 32 bytes (default 32 zero bytes). */
      prevCommitment?: string;
      /** Must be empty in the vectors: no attachment descriptors. */
      attachments?: [];
      /** Hex extraAd of frankingAssociatedData (default empty); the receiver uses the same. */
      extraAd?: string;
    }
  | { op: 'receive'; to: Party; message: number };

export interface ScenarioInput {
  name: string;
  /** ms since epoch used for the signed prekey's createdAt */
  now: number;
  oneTimePreKeys: number;
  /** Which one-time prekey id the directory hands out, or null for a bundle without one. */
  fetchOneTimePreKeyId: number | null;
  steps: ScenarioStep[];
  /** The user ids the safety number is computed with (default alice → 'alice', bob → 'bob'). */
  safetyNumberUserIds?: Record<Party, string>;
  /** The session cipher Alice creates the session with (docs/PROTOCOL-sessions.md §S17.4, §S18.4); absent: 1. */
  cipherVersion?: 1 | 2 | 3;
}

export interface ScenarioOutput {
  uploadedBundle: unknown;
  fetchedBundle: FetchedPreKeyBundle;
  /** One per send step, in order: the session message (hex); for franked sends the envelope encoding. */
  messages: { hex: string; commitment?: string }[];
  /** One per receive step: the plaintext (hex) or the franked body (hex). */
  received: { message: number; plaintext: string }[];
  finalState: { alice: string; bob: string };
  safetyNumber: string;
}

const te = new TextEncoder();

/** A randomBytes that hands out recorded draws in order and insists on the recorded lengths. */
export function replayRandom(draws: string[]): { random: RandomBytes; remaining: () => number } {
  let i = 0;
  return {
    random: (length) => {
      const hex = draws[i++];
      if (hex === undefined) throw new Error(`random draw ${i - 1} requested beyond the recorded ${draws.length}`);
      const bytes = hexToBytes(hex);
      if (bytes.length !== length) throw new Error(`random draw ${i - 1}: recorded ${bytes.length} bytes, asked for ${length}`);
      return bytes;
    },
    remaining: () => draws.length - i,
  };
}

export async function runScenario(input: ScenarioInput, random: Record<Party, RandomBytes>, providers: ScenarioProviders = {}): Promise<ScenarioOutput> {
  const { crypto, asyncCrypto } = providers;
  const c = crypto ? { crypto } : {};
  const bobIdentity = generateIdentity(random.bob, crypto);
  const store = PreKeyStore.create(bobIdentity, { now: input.now, randomBytes: random.bob, oneTimePreKeys: input.oneTimePreKeys, ...c });
  const aliceIdentity = generateIdentity(random.alice, crypto);
  const uploaded = store.bundle(bobIdentity);
  const opk = uploaded.oneTimePreKeys.find((o) => o.id === input.fetchOneTimePreKeyId);
  const fetchedBundle: FetchedPreKeyBundle = {
    identitySigningKey: uploaded.identitySigningKey,
    identityDhKey: uploaded.identityDhKey,
    signedPreKey: uploaded.signedPreKey,
    ...(opk ? { oneTimePreKey: opk } : {}),
  };
  // With an async provider, X3DH on both sides (bundle signature, DHs, HKDF, the first ratchet keys) runs through it.
  const init = { randomBytes: random.alice, cipherVersion: input.cipherVersion ?? 1, ...c };
  const alice = asyncCrypto ? await Session.initiateAsync(aliceIdentity, fetchedBundle, asyncCrypto, init) : Session.initiate(aliceIdentity, fetchedBundle, init);
  const sessions: Partial<Record<Party, Session>> = { alice };
  const sent: { bytes: Uint8Array; envelope?: FrankedEnvelope; associatedData: Uint8Array }[] = [];
  const out: ScenarioOutput = {
    uploadedBundle: uploaded,
    fetchedBundle,
    messages: [],
    received: [],
    finalState: { alice: '', bob: '' },
    safetyNumber: '',
  };
  const sessionOf = (p: Party): Session => {
    const s = sessions[p];
    if (!s) throw new Error(`${p} has no session yet`);
    return s;
  };
  for (const step of input.steps) {
    if (step.op === 'send') {
      const ad = hexToBytes(step.associatedData ?? '');
      const bytes = sessionOf(step.from).encrypt(te.encode(step.plaintext), ad);
      sent.push({ bytes, associatedData: ad });
      out.messages.push({ hex: bytesToHex(bytes) });
    } else if (step.op === 'sendFranked') {
      const franked = frankMessage(
        {
          conversationId: step.conversationId,
          senderId: step.senderId ?? step.from,
          seq: step.seq,
          sentAt: step.sentAt,
          contentType: step.contentType ?? 'text/plain; charset=utf-8',
          prevCommitment: hexToBytes(step.prevCommitment ?? '00'.repeat(32)),
          attachments: [],
        },
        te.encode(step.plaintext),
        { randomBytes: random[step.from], ...c },
      );
      const extraAd = hexToBytes(step.extraAd ?? '');
      const envelope = sessionOf(step.from).sendFranked(franked, extraAd);
      const bytes = encodeFrankedEnvelope(envelope);
      sent.push({ bytes, envelope, associatedData: extraAd });
      out.messages.push({ hex: bytesToHex(bytes), commitment: bytesToHex(envelope.commitment) });
    } else {
      const m = sent[step.message];
      if (!m) throw new Error(`no message ${step.message}`);
      let plaintext: Uint8Array;
      if (m.envelope) {
        const expect = { senderId: step.to === 'bob' ? 'alice' : 'bob' };
        let receipt;
        const extraAd = m.associatedData; // the franked step's extraAd
        if (sessions[step.to] && asyncCrypto) receipt = await sessionOf(step.to).receiveFrankedAsync(m.envelope, { expect, extraAd, crypto: asyncCrypto });
        else if (sessions[step.to]) receipt = sessionOf(step.to).receiveFranked(m.envelope, { expect, extraAd });
        else {
          const o = { randomBytes: random.bob, expect, extraAd, ...c };
          const r = asyncCrypto ? await Session.respondFrankedAsync(bobIdentity, store, m.envelope, asyncCrypto, o) : Session.respondFranked(bobIdentity, store, m.envelope, o);
          sessions.bob = r.session;
          receipt = r.receipt;
        }
        if (receipt.status !== 'accepted') throw new Error(`franked message ${step.message} dropped: ${receipt.failure.code}`);
        plaintext = receipt.message.body;
      } else if (sessions[step.to] && asyncCrypto) {
        plaintext = await sessionOf(step.to).decryptAsync(m.bytes, m.associatedData, asyncCrypto);
      } else if (sessions[step.to]) {
        plaintext = sessionOf(step.to).decrypt(m.bytes, m.associatedData);
      } else {
        const o = { randomBytes: random.bob, associatedData: m.associatedData, ...c };
        const r = asyncCrypto ? await Session.respondAsync(bobIdentity, store, m.bytes, asyncCrypto, o) : Session.respond(bobIdentity, store, m.bytes, o);
        sessions.bob = r.session;
        plaintext = r.plaintext;
      }
      out.received.push({ message: step.message, plaintext: bytesToHex(plaintext) });
    }
  }
  out.finalState = { alice: bytesToHex(sessionOf('alice').serialize()), bob: bytesToHex(sessionOf('bob').serialize()) };
  const ids = input.safetyNumberUserIds ?? { alice: 'alice', bob: 'bob' };
  out.safetyNumber = safetyNumber(
    { userId: ids.alice, identity: sessionOf('alice').localIdentity },
    { userId: ids.bob, identity: sessionOf('bob').localIdentity },
  );
  return out;
}
