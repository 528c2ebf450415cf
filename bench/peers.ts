// Peer benchmark (docs/BENCHMARKS.md "Peers: libsignal-client and ts-mls beside the SDK"): `npm run bench:peers`,
// bounded with BENCH_QUICK=1. In one process and one run, interleaved, 1 KiB messages, µs of this process's CPU time
// per operation (process.cpuUsage, all threads, as bench/client.ts and bench/session.ts do; BENCH_CLOCK=wall for
// wall time):
//   floor        the two-pass floor under a franked message on the native provider (node:crypto): a bare
//                ChaCha20-Poly1305 seal (open) of the 1 KiB body plus one HMAC-SHA256 of it; one X25519 beside it;
//                KDF_CK of each session cipher, bare (docs/PROTOCOL-sessions.md §S6.1, §S17.1, §S18.1): version 3,
//                what the SDK creates, two HChaCha20 of the chain key ("kdfChainV3"); version 2 one HMAC-SHA512 of
//                one byte ("kdfChainV2"); version 1 two HMAC-SHA256 ("kdfChainV1"); and the protocol floor
//                ("protocol…": the same passes, bare, on the protocol's inputs — the AEAD the protocol names, the AD,
//                the commitment input, KDF_CK in a session of each version: "protocolSessionV3…", "…V2…", "…V1…";
//                see protocolFloorOps), which the "…VsProtocolFloor" ratios read the SDK against (not goals: they
//                split the time over the floor into protocol and implementation).
//   sdk          this SDK on nodeCryptoProvider, bytes in and bytes out: frankMessage + Session.sendFranked +
//                encodeFrankedEnvelope ("frankSeal"); decodeFrankedEnvelope + Session.receiveFranked with the
//                sender checked ("open"); the same receive of the first message after a change of speaker, which
//                makes the DH ratchet step ("receiveDhStep"). Sessions are of cipher version 3 (§S18), what the SDK
//                creates; "frankSealV2", "openV2" and "frankSealV1", "openV1": the same in a version 2 and a version 1
//                session (stored sessions of before, peers with older SDKs), the same run's baselines of the cipher
//                changes ("sealV3VsV2", "openV3VsV2", "sealV2VsV1", "openV2VsV1"). MlsGroup.send / MlsGroup.receive of a 2-member group
//                ("mlsSend", "mlsReceive": franking plus one MLS PrivateMessage). Beside them, outside a session,
//                frankMessage + sealFranked and openFranked ("frankSealNoSession", "openNoSession", bench/client.ts's
//                path). The same 1:1 figures on noble (pure JS) against noble's floor: "sdkNoble", a child process.
//   libsignal    @signalapp/libsignal-client (its native library, from its npm package) after a PQXDH handshake
//                (processPreKeyBundle with a Kyber prekey, signalDecryptPreKey, one reply): signalEncrypt +
//                serialize ("encrypt"); SignalMessage.deserialize + signalDecrypt of a message on the current
//                receiving chain ("decrypt") and of the first message after a change of speaker ("decryptDhStep").
//                Its stores are Maps of the record objects (harness, ./_peers-libsignal.ts: no serialization per call).
//   tsMlsDefault ts-mls with its default provider (getCiphersuiteImpl without a provider), the SDK's cipher suite,
//                a 2-member group: createApplicationMessage + encodeMlsMessage ("send"), decodeMlsMessage +
//                processMessage ("receive"). No franking: the SDK's mlsSend/mlsReceive carry it on top.
// Rounds: every operation once per round, the order rotated each round; the figure is the median over rounds, and
// each ratio is the median of the per-round ratios (same round, so load changes hit both sides alike).
// Writes bench/results/peers.json: {date, machine, node, quick, clock, rounds, floor, sdk, libsignal, tsMlsDefault,
// ratios: {sealVsFloor, openVsFloor, encryptVsLibsignal, decryptVsLibsignal, decryptDhStepVsLibsignal,
// mlsSendVsTsMls, mlsReceiveVsTsMls, …}, sdkNoble, goals}. Goals (native): frank + seal and open each ≤ 1.3× the
// floor; receive with a DH step ≤ 1.0× libsignal's. BENCH_PROVIDER=node runs the 1:1 set alone (native; prints,
// writes nothing): a quick look while working on the send and receive paths.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { hchacha } from '@noble/ciphers/chacha.js';
import { CiphertextMessageType } from '@signalapp/libsignal-client';
import { signalDecryptFrom, signalEncryptTo, signalPair } from './_peers-libsignal.ts';
// eslint-disable-next-line no-restricted-imports -- peer benchmark: ts-mls with its own default provider is what is measured beside the SDK (root export only)
import { type CiphersuiteImpl, type ClientState, type MLSMessage, acceptAll, createApplicationMessage, createCommit, createGroup, decodeMlsMessage, defaultCapabilities, defaultLifetime, emptyPskIndex, encodeMlsMessage, generateKeyPackage, getCiphersuiteFromName, getCiphersuiteImpl, joinGroup, processMessage } from 'ts-mls';
import {
  type CryptoProvider,
  GROUP_CIPHERSUITE,
  type GroupIdentity,
  MlsGroup,
  type SessionCipherVersion,
  type Session,
  decodeFrankedEnvelope,
  encodeFrankedEnvelope,
  frankMessage,
  frankingAssociatedData,
  generateCredentialKey,
  generateGroupKeyPackage,
  generateIdentity,
  nobleCryptoProvider,
  openFranked,
  sealFranked,
  setDefaultCryptoProvider,
  xchacha20poly1305Aead,
} from '../client/index.ts';
import { nodeCryptoProvider as native } from '../client/crypto/node.ts';
import { COMMITMENT_LABEL } from '../client/protocol.ts';
import { median, round } from './_stats.ts';
import { steadySessionPair } from './_session-pair.ts';

const quick = process.env.BENCH_QUICK === '1';
const ROUNDS = quick ? 5 : 15;
/** Operations per round, by kind: the cost differs by two orders of magnitude between a bare seal and an MLS receive. */
const N = quick ? { primitive: 1000, session: 300, dhStep: 30, mls: 40 } : { primitive: 4000, session: 1500, dhStep: 100, mls: 200 };
const WALL = process.env.BENCH_CLOCK === 'wall';
const body = new Uint8Array(1024).fill(0x61);
const EMPTY = new Uint8Array(0);

const started = Date.now();

/** µs spent in `f` (CPU time of this process, or wall time with BENCH_CLOCK=wall). */
async function timed(f: () => unknown): Promise<number> {
  if (WALL) {
    const t = performance.now();
    await f();
    return (performance.now() - t) * 1000;
  }
  const t = process.cpuUsage();
  await f();
  const d = process.cpuUsage(t);
  return d.user + d.system;
}

// ---- Rounds: every operation once per round, the order rotated; medians; ratios of the same round. ----
type Op = { group: 'floor' | 'sdk' | 'libsignal' | 'tsMlsDefault'; name: string; n: number; run: (n: number) => Promise<number> };
const opKey = (op: Op) => `${op.group}.${op.name}`;
/** Warm-up (so the JIT has compiled every path: a fifth of a round, a whole one in bounded mode), then ROUNDS rounds. */
async function runRounds(ops: Op[]) {
  for (const op of ops) await op.run(quick ? op.n : Math.max(2, Math.floor(op.n / 5)));
  const samples = new Map<string, number[]>(ops.map((op) => [opKey(op), []]));
  for (let r = 0; r < ROUNDS; r++) {
    for (let i = 0; i < ops.length; i++) {
      const op = ops[(i + r) % ops.length] as Op;
      samples.get(opKey(op))!.push(await op.run(op.n));
    }
  }
  const per = (k: string) => samples.get(k) as number[];
  return {
    /** Median µs per operation of each operation of `group`. */
    figures: (group: Op['group']) => Object.fromEntries(ops.filter((o) => o.group === group).map((o) => [o.name, round(median(per(opKey(o))))])),
    /** Median over rounds of num / den measured in the same round. */
    ratio: (num: string, den: string) => round(median(per(num).map((x, i) => x / (per(den)[i] as number)))),
  };
}

/** The SDK against the protocol floor (see protocolFloorOps) and the protocol floor against the two-pass floor. */
const protocolRatios = (ratio: (num: string, den: string) => number) => ({
  sealNoSessionVsProtocolFloor: ratio('sdk.frankSealNoSessionUs', 'floor.protocolSealUs'),
  openNoSessionVsProtocolFloor: ratio('sdk.openNoSessionUs', 'floor.protocolOpenUs'),
  sealVsProtocolSessionFloor: ratio('sdk.frankSealUs', 'floor.protocolSessionV3SealUs'),
  openVsProtocolSessionFloor: ratio('sdk.openUs', 'floor.protocolSessionV3OpenUs'),
  protocolSealVsFloor: ratio('floor.protocolSealUs', 'floor.sealUs'),
  protocolOpenVsFloor: ratio('floor.protocolOpenUs', 'floor.openUs'),
  protocolSessionV3SealVsFloor: ratio('floor.protocolSessionV3SealUs', 'floor.sealUs'),
  protocolSessionV3OpenVsFloor: ratio('floor.protocolSessionV3OpenUs', 'floor.openUs'),
  protocolSessionV2SealVsFloor: ratio('floor.protocolSessionV2SealUs', 'floor.sealUs'),
  protocolSessionV2OpenVsFloor: ratio('floor.protocolSessionV2OpenUs', 'floor.openUs'),
  protocolSessionV1SealVsFloor: ratio('floor.protocolSessionV1SealUs', 'floor.sealUs'),
  protocolSessionV1OpenVsFloor: ratio('floor.protocolSessionV1OpenUs', 'floor.openUs'),
  /** KDF_CK₃ against KDF_CK₂, bare (§S18.5 "Cost"). */
  kdfChainV3VsV2: ratio('floor.kdfChainV3Us', 'floor.kdfChainV2Us'),
  /**
   * The same run's version 2 session (the SDK's path before §S18) and version 1 session (before §S17) against the
   * floor, v3 (sdk.frankSealUs, sdk.openUs) against v2, and v2 against v1.
   */
  sealV2VsFloor: ratio('sdk.frankSealV2Us', 'floor.sealUs'),
  openV2VsFloor: ratio('sdk.openV2Us', 'floor.openUs'),
  sealV1VsFloor: ratio('sdk.frankSealV1Us', 'floor.sealUs'),
  openV1VsFloor: ratio('sdk.openV1Us', 'floor.openUs'),
  sealV3VsV2: ratio('sdk.frankSealUs', 'sdk.frankSealV2Us'),
  openV3VsV2: ratio('sdk.openUs', 'sdk.openV2Us'),
  sealV2VsV1: ratio('sdk.frankSealV2Us', 'sdk.frankSealV1Us'),
  openV2VsV1: ratio('sdk.openV2Us', 'sdk.openV1Us'),
});

// BENCH_PROVIDER=noble: the child process (started at the end of the run) that measures the SDK's 1:1 path on noble
// (pure JS) against noble's own floor, as bench/session.ts measures each provider in a process of its own: measured
// in this process, the SDK code shared by both would be JIT-compiled for the other provider's objects.
// BENCH_PROVIDER=node runs the same 1:1 set alone on the native provider (no libsignal, no MLS, nothing written): a
// quick look at the figures the goals read, while working on the send and receive paths.
const child = process.env.BENCH_PROVIDER;
if (child !== undefined && child !== 'noble' && child !== 'node') throw new Error(`BENCH_PROVIDER: expected noble or node, got ${child}`);
const provider: CryptoProvider = child === 'noble' ? nobleCryptoProvider : native;

// ---- The floor: seal/open of 1 KiB plus one HMAC-SHA256 (ChaCha20-Poly1305, as bench/client.ts), and one X25519. ----
const aeadKey = provider.randomBytes(32);
const nonce = provider.randomBytes(12);
const sealedBody = provider.chacha20poly1305Seal(aeadKey, nonce, body, EMPTY);
const xPriv = provider.randomBytes(32);
const xPub = provider.x25519PublicKey(provider.randomBytes(32));
let sink = 0; // keeps results observable
const CK_MESSAGE = Uint8Array.of(0x01);
const CK_CHAIN = Uint8Array.of(0x02);
const CK_V2 = Uint8Array.of(0x03);
// KDF_CK₃ (docs/PROTOCOL-sessions.md §S18.1), bare: noble's hchacha on the words of "expand 32-byte k", the chain key
// and the two 16-byte inputs, into one scratch output (host-order word views, as client/session/_session-kdf.ts).
const words = (b: Uint8Array) => new Uint32Array(b.slice().buffer);
const HCHACHA_SIGMA = words(new TextEncoder().encode('expand 32-byte k'));
const CK3_KEY = words(aeadKey);
const CK3_MESSAGE = words(new TextEncoder().encode('fc/ck3 message\0\0'));
const CK3_CHAIN = words(new TextEncoder().encode('fc/ck3 chain\0\0\0\0'));
const CK3_OUT = new Uint32Array(8);
const kdfCkV3 = () => {
  hchacha(HCHACHA_SIGMA, CK3_KEY, CK3_MESSAGE, CK3_OUT);
  const mk0 = CK3_OUT[0] as number;
  hchacha(HCHACHA_SIGMA, CK3_KEY, CK3_CHAIN, CK3_OUT);
  return mk0 ^ (CK3_OUT[0] as number);
};
const floorOps = {
  seal: async (n: number) => (await timed(() => {
    for (let i = 0; i < n; i++) {
      sink ^= provider.chacha20poly1305Seal(aeadKey, nonce, body, EMPTY).length;
      sink ^= provider.hmacSha256(aeadKey, body)[0] as number;
    }
  })) / n,
  open: async (n: number) => (await timed(() => {
    for (let i = 0; i < n; i++) {
      sink ^= provider.chacha20poly1305Open(aeadKey, nonce, sealedBody, EMPTY).length;
      sink ^= provider.hmacSha256(aeadKey, body)[0] as number;
    }
  })) / n,
  x25519: async (n: number) => (await timed(() => {
    for (let i = 0; i < n; i++) sink ^= provider.x25519(xPriv, xPub)[0] as number;
  })) / n,
  // KDF_CK (Double Ratchet §5.2), bare, what a session adds to every message beyond the two-pass floor. Cipher
  // version 3 (docs/PROTOCOL-sessions.md §S18.1): mk = HChaCha20(ck, CK3_MESSAGE), ck' = HChaCha20(ck, CK3_CHAIN), two
  // calls in JavaScript whatever the provider; version 2 (§S17.1): mk ‖ ck' = HMAC-SHA512(ck, 0x03), one call;
  // version 1 (§S6.1): mk = HMAC-SHA256(ck, 0x01), ck' = HMAC-SHA256(ck, 0x02). Not part of the goals' floor.
  kdfChainV3: async (n: number) => (await timed(() => {
    for (let i = 0; i < n; i++) sink ^= kdfCkV3();
  })) / n,
  kdfChainV2: async (n: number) => (await timed(() => {
    for (let i = 0; i < n; i++) sink ^= provider.hmacSha512(aeadKey, CK_V2)[0] as number;
  })) / n,
  kdfChainV1: async (n: number) => (await timed(() => {
    for (let i = 0; i < n; i++) {
      sink ^= provider.hmacSha256(aeadKey, CK_MESSAGE)[0] as number;
      sink ^= provider.hmacSha256(aeadKey, CK_CHAIN)[0] as number;
    }
  })) / n,
};

// ---- The SDK on the native provider (noble in the child): 1:1 sessions and a 2-member MLS group. ----
setDefaultCryptoProvider(provider); // groups take the default provider (docs/PROTOCOL.md §12.1), as bench/groups.ts sets it
/** A session pair after one message each way; `cipherVersion` absent: what Session.initiate creates (version 3). */
const sdkPair = (cipherVersion?: SessionCipherVersion) => steadySessionPair({ crypto: provider, cipherVersion });
let seq = 1;
const frank = (senderId: string) => frankMessage({ conversationId: 'bench-peers', senderId, seq: seq++ }, body, { crypto: provider });
const sdkSender = sdkPair().alice; // its messages go "to the network" and are dropped
const sdkReceive = sdkPair();
if (sdkSender.cipherVersion !== 3) throw new Error(`the SDK's sessions are version ${sdkSender.cipherVersion}: update this benchmark`);
const sdkSenderV2 = sdkPair(2).alice;
const sdkReceiveV2 = sdkPair(2);
const sdkSenderV1 = sdkPair(1).alice;
const sdkReceiveV1 = sdkPair(1);
const sdkTurns = sdkPair();
// Outside a session (bench/client.ts's path): frankMessage + sealFranked under XChaCha20-Poly1305 with a fixed key, and
// openFranked of one such message: what the session adds on top is one symmetric ratchet step and the envelope.
const frankAead = xchacha20poly1305Aead(provider.randomBytes(32), { crypto: provider });
const frankedOnce = frank('alice');
const frankedOnceSealed = sealFranked(frankAead, frankedOnce);
// The protocol floor: the same mandatory passes, bare, on the inputs the protocol gives them. Outside a session
// (docs/PROTOCOL.md §4.3, §5): XChaCha20-Poly1305 (HChaCha20 subkey, then ChaCha20-Poly1305) of the payload
// (version ‖ u16 ‖ header ‖ fk ‖ body) under the franking AD (AEAD_AD_LABEL ‖ c), and the commitment HMAC over
// COMMITMENT_LABEL ‖ u32 ‖ header ‖ body. In a session of cipher version 3 (docs/PROTOCOL-sessions.md §S18, what the
// SDK creates) the payload is sealed instead with ChaCha20-Poly1305 (12-byte nonce) under an AD that also carries the
// session AD (128 bytes) and the ratchet header (41), and KDF_CK₃ adds two HChaCha20 ("protocolSessionV3…"); the
// version 2 session floor (the same AEAD, KDF_CK₂ as one HMAC-SHA512, §S17) and the version 1 one (XChaCha20, KDF_CK
// as two HMAC-SHA256, §S6.4) are kept beside it ("protocolSessionV2…", "protocolSessionV1…").
// Everything the SDK spends beyond these is implementation (header encoding and checks, draws, buffers, dispatch):
// the "…VsProtocolFloor" ratios, not goals.
const commitmentPrefix = (() => {
  const p = new Uint8Array(COMMITMENT_LABEL.length + 4);
  p.set(COMMITMENT_LABEL, 0);
  new DataView(p.buffer).setUint32(COMMITMENT_LABEL.length, frankedOnce.headerBytes.length);
  return p;
})();
const protocolNonce = provider.randomBytes(24);
const frankingAd = frankingAssociatedData(frankedOnce.commitment);
const sessionAd = new Uint8Array(frankingAd.length + 128 + 41).fill(0x5a);
sessionAd.set(frankingAd, 0);
const protocolSealed = provider.xchacha20poly1305Seal(aeadKey, protocolNonce, frankedOnce.payload, frankingAd);
const protocolSessionV1Sealed = provider.xchacha20poly1305Seal(aeadKey, protocolNonce, frankedOnce.payload, sessionAd);
const protocolSessionSealed = provider.chacha20poly1305Seal(aeadKey, nonce, frankedOnce.payload, sessionAd);
const commitmentHmac = () => provider.hmacSha256(frankedOnce.fk, commitmentPrefix, frankedOnce.headerBytes, body)[0] as number;
const kdfCkV1 = () => (provider.hmacSha256(aeadKey, CK_MESSAGE)[0] as number) ^ (provider.hmacSha256(aeadKey, CK_CHAIN)[0] as number);
const kdfCkV2 = () => provider.hmacSha512(aeadKey, CK_V2)[0] as number;
const protocolFloorOps = {
  seal: async (n: number) => (await timed(() => {
    for (let i = 0; i < n; i++) sink ^= provider.xchacha20poly1305Seal(aeadKey, protocolNonce, frankedOnce.payload, frankingAd).length ^ commitmentHmac();
  })) / n,
  open: async (n: number) => (await timed(() => {
    for (let i = 0; i < n; i++) sink ^= provider.xchacha20poly1305Open(aeadKey, protocolNonce, protocolSealed, frankingAd).length ^ commitmentHmac();
  })) / n,
  sessionV3Seal: async (n: number) => (await timed(() => {
    for (let i = 0; i < n; i++) sink ^= kdfCkV3() ^ provider.chacha20poly1305Seal(aeadKey, nonce, frankedOnce.payload, sessionAd).length ^ commitmentHmac();
  })) / n,
  sessionV3Open: async (n: number) => (await timed(() => {
    for (let i = 0; i < n; i++) sink ^= kdfCkV3() ^ provider.chacha20poly1305Open(aeadKey, nonce, protocolSessionSealed, sessionAd).length ^ commitmentHmac();
  })) / n,
  sessionV2Seal: async (n: number) => (await timed(() => {
    for (let i = 0; i < n; i++) sink ^= kdfCkV2() ^ provider.chacha20poly1305Seal(aeadKey, nonce, frankedOnce.payload, sessionAd).length ^ commitmentHmac();
  })) / n,
  sessionV2Open: async (n: number) => (await timed(() => {
    for (let i = 0; i < n; i++) sink ^= kdfCkV2() ^ provider.chacha20poly1305Open(aeadKey, nonce, protocolSessionSealed, sessionAd).length ^ commitmentHmac();
  })) / n,
  sessionV1Seal: async (n: number) => (await timed(() => {
    for (let i = 0; i < n; i++) sink ^= kdfCkV1() ^ provider.xchacha20poly1305Seal(aeadKey, protocolNonce, frankedOnce.payload, sessionAd).length ^ commitmentHmac();
  })) / n,
  sessionV1Open: async (n: number) => (await timed(() => {
    for (let i = 0; i < n; i++) sink ^= kdfCkV1() ^ provider.xchacha20poly1305Open(aeadKey, protocolNonce, protocolSessionV1Sealed, sessionAd).length ^ commitmentHmac();
  })) / n,
};

/** decodeFrankedEnvelope + receiveFranked of n messages made untimed just before, on the pair's current chain. */
async function openIn(pair: { alice: Session; bob: Session }, n: number): Promise<number> {
  const wire = Array.from({ length: n }, () => encodeFrankedEnvelope(pair.alice.sendFranked(frank('alice'))));
  return (await timed(() => {
    for (const w of wire) {
      const r = pair.bob.receiveFranked(decodeFrankedEnvelope(w), { expect: { senderId: 'alice' } });
      if (r.status !== 'accepted') throw new Error('benchmark message dropped');
    }
  })) / n;
}

const sdkOps = {
  frankSealNoSession: async (n: number) => (await timed(() => {
    for (let i = 0; i < n; i++) sink ^= sealFranked(frankAead, frank('alice')).length;
  })) / n,
  openNoSession: async (n: number) => (await timed(() => {
    for (let i = 0; i < n; i++) sink ^= openFranked(frankAead, frankedOnceSealed, frankedOnce.commitment, { crypto: provider }).body.length;
  })) / n,
  frankSeal: async (n: number) => (await timed(() => {
    for (let i = 0; i < n; i++) sink ^= encodeFrankedEnvelope(sdkSender.sendFranked(frank('alice'))).length;
  })) / n,
  open: async (n: number) => openIn(sdkReceive, n),
  frankSealV1: async (n: number) => (await timed(() => {
    for (let i = 0; i < n; i++) sink ^= encodeFrankedEnvelope(sdkSenderV1.sendFranked(frank('alice'))).length;
  })) / n,
  openV1: async (n: number) => openIn(sdkReceiveV1, n),
  frankSealV2: async (n: number) => (await timed(() => {
    for (let i = 0; i < n; i++) sink ^= encodeFrankedEnvelope(sdkSenderV2.sendFranked(frank('alice'))).length;
  })) / n,
  openV2: async (n: number) => openIn(sdkReceiveV2, n),
  /** Each turn: the other side speaks (untimed), this side receives; every receive starts a new chain. */
  receiveDhStep: async (n: number) => {
    let us = 0;
    for (let i = 0; i < n * 2; i++) {
      const [from, to, fromId] = i % 2 === 0 ? [sdkTurns.alice, sdkTurns.bob, 'alice'] : [sdkTurns.bob, sdkTurns.alice, 'bob'];
      const w = encodeFrankedEnvelope(from.sendFranked(frank(fromId)));
      us += await timed(() => {
        const r = to.receiveFranked(decodeFrankedEnvelope(w), { expect: { senderId: fromId } });
        if (r.status !== 'accepted') throw new Error('benchmark message dropped');
      });
    }
    return us / (n * 2);
  },
};

if (child !== undefined) {
  const { figures, ratio } = await runRounds([
    { group: 'floor', name: 'sealUs', n: N.primitive, run: floorOps.seal },
    { group: 'sdk', name: 'frankSealUs', n: N.session, run: sdkOps.frankSeal },
    { group: 'sdk', name: 'frankSealNoSessionUs', n: N.session, run: sdkOps.frankSealNoSession },
    { group: 'sdk', name: 'frankSealV2Us', n: N.session, run: sdkOps.frankSealV2 },
    { group: 'sdk', name: 'frankSealV1Us', n: N.session, run: sdkOps.frankSealV1 },
    { group: 'floor', name: 'kdfChainV3Us', n: N.primitive, run: floorOps.kdfChainV3 },
    { group: 'floor', name: 'kdfChainV2Us', n: N.primitive, run: floorOps.kdfChainV2 },
    { group: 'floor', name: 'kdfChainV1Us', n: N.primitive, run: floorOps.kdfChainV1 },
    { group: 'floor', name: 'protocolSealUs', n: N.primitive, run: protocolFloorOps.seal },
    { group: 'floor', name: 'protocolSessionV3SealUs', n: N.primitive, run: protocolFloorOps.sessionV3Seal },
    { group: 'floor', name: 'protocolSessionV2SealUs', n: N.primitive, run: protocolFloorOps.sessionV2Seal },
    { group: 'floor', name: 'protocolSessionV1SealUs', n: N.primitive, run: protocolFloorOps.sessionV1Seal },
    { group: 'floor', name: 'openUs', n: N.primitive, run: floorOps.open },
    { group: 'sdk', name: 'openUs', n: N.session, run: sdkOps.open },
    { group: 'sdk', name: 'openV2Us', n: N.session, run: sdkOps.openV2 },
    { group: 'sdk', name: 'openV1Us', n: N.session, run: sdkOps.openV1 },
    { group: 'sdk', name: 'openNoSessionUs', n: N.session, run: sdkOps.openNoSession },
    { group: 'floor', name: 'protocolOpenUs', n: N.primitive, run: protocolFloorOps.open },
    { group: 'floor', name: 'protocolSessionV3OpenUs', n: N.primitive, run: protocolFloorOps.sessionV3Open },
    { group: 'floor', name: 'protocolSessionV2OpenUs', n: N.primitive, run: protocolFloorOps.sessionV2Open },
    { group: 'floor', name: 'protocolSessionV1OpenUs', n: N.primitive, run: protocolFloorOps.sessionV1Open },
    { group: 'floor', name: 'x25519Us', n: Math.ceil(N.primitive / 10), run: floorOps.x25519 },
    { group: 'sdk', name: 'receiveDhStepUs', n: N.dhStep, run: sdkOps.receiveDhStep },
  ]);
  const ratios = {
    sealVsFloor: ratio('sdk.frankSealUs', 'floor.sealUs'),
    openVsFloor: ratio('sdk.openUs', 'floor.openUs'),
    sealNoSessionVsFloor: ratio('sdk.frankSealNoSessionUs', 'floor.sealUs'),
    openNoSessionVsFloor: ratio('sdk.openNoSessionUs', 'floor.openUs'),
    ...protocolRatios(ratio),
    dhStepVsX25519: ratio('sdk.receiveDhStepUs', 'floor.x25519Us'),
  };
  process.stdout.write(`BENCH_RESULT ${JSON.stringify({ floor: figures('floor'), sdk: figures('sdk'), ratios })}\n`);
  process.exit(0);
}

const directory = new Map<string, Uint8Array>();
const groupOpts = { resolveIdentity: (id: string) => directory.get(id) };
function groupIdentity(accountId: string): GroupIdentity {
  const identity = generateIdentity(undefined, native);
  directory.set(accountId, identity.signingPublicKey);
  return { accountId, identity, credentialKey: generateCredentialKey() };
}
async function sdkGroup(conv: string): Promise<{ creator: MlsGroup; member: MlsGroup }> {
  const creator = await MlsGroup.create(conv, groupIdentity(`${conv}-a`), groupOpts);
  const memberId = groupIdentity(`${conv}-b`);
  const kp = await generateGroupKeyPackage(memberId);
  const p = await creator.add([kp.bytes]);
  creator.confirmCommit();
  const member = await MlsGroup.join(p.welcome as Uint8Array, memberId, (ref) => (ref === kp.ref ? kp : undefined), groupOpts);
  return { creator, member };
}
const sdkGroupSend = await sdkGroup('bench-peers-send');
const sdkGroupReceive = await sdkGroup('bench-peers-receive');
const sdkMlsOps = {
  mlsSend: async (n: number) => (await timed(async () => {
    for (let i = 0; i < n; i++) sink ^= (await sdkGroupSend.creator.send(body)).message.length;
  })) / n,
  mlsReceive: async (n: number) => {
    const wire: Uint8Array[] = [];
    for (let i = 0; i < n; i++) wire.push((await sdkGroupReceive.creator.send(body)).message);
    return (await timed(async () => {
      for (const w of wire) if ((await sdkGroupReceive.member.receive(w)).kind !== 'message') throw new Error('benchmark message not delivered');
    })) / n;
  },
};

// ---- libsignal-client after a PQXDH handshake (./_peers-libsignal.ts: its stores are harness, not measured). ----
const signalBody = new Uint8Array(body) as Uint8Array<ArrayBuffer>;
const lsSend = await signalPair('send');
const lsReceive = await signalPair('receive');
const lsTurns = await signalPair('turns');
const libsignalOps = {
  encrypt: async (n: number) => (await timed(async () => {
    for (let i = 0; i < n; i++) {
      const c = await signalEncryptTo(lsSend.alice, lsSend.bob, signalBody);
      if (c.type() !== CiphertextMessageType.Whisper) throw new Error('expected a SignalMessage');
      sink ^= c.serialize().length;
    }
  })) / n,
  decrypt: async (n: number) => {
    const wire: Uint8Array<ArrayBuffer>[] = [];
    for (let i = 0; i < n; i++) wire.push((await signalEncryptTo(lsReceive.alice, lsReceive.bob, signalBody)).serialize());
    return (await timed(async () => {
      for (const w of wire) sink ^= (await signalDecryptFrom(lsReceive.bob, lsReceive.alice, w)).length;
    })) / n;
  },
  decryptDhStep: async (n: number) => {
    let us = 0;
    for (let i = 0; i < n * 2; i++) {
      const [from, to] = i % 2 === 0 ? [lsTurns.alice, lsTurns.bob] : [lsTurns.bob, lsTurns.alice];
      const w = (await signalEncryptTo(from, to, signalBody)).serialize();
      us += await timed(async () => {
        sink ^= (await signalDecryptFrom(to, from, w)).length;
      });
    }
    return us / (n * 2);
  },
};

// ---- ts-mls with its default provider, the SDK's cipher suite, a 2-member group. ----
const tsCs: CiphersuiteImpl = await getCiphersuiteImpl(getCiphersuiteFromName(GROUP_CIPHERSUITE));
const utf8 = (s: string) => new TextEncoder().encode(s);
async function tsMlsGroup(tag: string): Promise<{ creator: ClientState; member: ClientState }> {
  const a = await generateKeyPackage({ credentialType: 'basic', identity: utf8(`a-${tag}`) }, defaultCapabilities(), defaultLifetime, [], tsCs);
  const b = await generateKeyPackage({ credentialType: 'basic', identity: utf8(`b-${tag}`) }, defaultCapabilities(), defaultLifetime, [], tsCs);
  const created = await createGroup(utf8(`bench-peers-${tag}`), a.publicPackage, a.privatePackage, [], tsCs);
  const commit = await createCommit({ state: created, cipherSuite: tsCs }, { extraProposals: [{ proposalType: 'add', add: { keyPackage: b.publicPackage } }], ratchetTreeExtension: true });
  const member = await joinGroup(commit.welcome!, b.publicPackage, b.privatePackage, emptyPskIndex, tsCs);
  return { creator: commit.newState, member };
}
const tsSend = await tsMlsGroup('send');
const tsReceive = await tsMlsGroup('receive');
const privateMessage = (state: ClientState) => createApplicationMessage(state, body, tsCs);
const tsMlsOps = {
  send: async (n: number) => (await timed(async () => {
    for (let i = 0; i < n; i++) {
      const r = await privateMessage(tsSend.creator);
      tsSend.creator = r.newState;
      sink ^= encodeMlsMessage({ version: 'mls10', wireformat: 'mls_private_message', privateMessage: r.privateMessage }).length;
    }
  })) / n,
  receive: async (n: number) => {
    const wire: Uint8Array[] = [];
    for (let i = 0; i < n; i++) {
      const r = await privateMessage(tsReceive.creator);
      tsReceive.creator = r.newState;
      wire.push(encodeMlsMessage({ version: 'mls10', wireformat: 'mls_private_message', privateMessage: r.privateMessage }));
    }
    return (await timed(async () => {
      for (const w of wire) {
        const m = decodeMlsMessage(w, 0)?.[0] as MLSMessage;
        if (m.wireformat !== 'mls_private_message') throw new Error('expected a PrivateMessage');
        const r = await processMessage(m, tsReceive.member, emptyPskIndex, acceptAll, tsCs);
        if (r.kind !== 'applicationMessage') throw new Error('benchmark message not delivered');
        tsReceive.member = r.newState;
      }
    })) / n;
  },
};

// ---- The run: all four in one process, interleaved. ----
const loadStart = os.loadavg();
const { figures, ratio } = await runRounds([
  { group: 'floor', name: 'sealUs', n: N.primitive, run: floorOps.seal },
  { group: 'sdk', name: 'frankSealUs', n: N.session, run: sdkOps.frankSeal },
  { group: 'sdk', name: 'frankSealNoSessionUs', n: N.session, run: sdkOps.frankSealNoSession },
  { group: 'sdk', name: 'frankSealV2Us', n: N.session, run: sdkOps.frankSealV2 },
  { group: 'sdk', name: 'frankSealV1Us', n: N.session, run: sdkOps.frankSealV1 },
  { group: 'floor', name: 'kdfChainV3Us', n: N.primitive, run: floorOps.kdfChainV3 },
  { group: 'floor', name: 'kdfChainV2Us', n: N.primitive, run: floorOps.kdfChainV2 },
  { group: 'floor', name: 'kdfChainV1Us', n: N.primitive, run: floorOps.kdfChainV1 },
  { group: 'floor', name: 'protocolSealUs', n: N.primitive, run: protocolFloorOps.seal },
  { group: 'floor', name: 'protocolSessionV3SealUs', n: N.primitive, run: protocolFloorOps.sessionV3Seal },
  { group: 'floor', name: 'protocolSessionV2SealUs', n: N.primitive, run: protocolFloorOps.sessionV2Seal },
  { group: 'floor', name: 'protocolSessionV1SealUs', n: N.primitive, run: protocolFloorOps.sessionV1Seal },
  { group: 'libsignal', name: 'encryptUs', n: N.session, run: libsignalOps.encrypt },
  { group: 'floor', name: 'openUs', n: N.primitive, run: floorOps.open },
  { group: 'sdk', name: 'openUs', n: N.session, run: sdkOps.open },
  { group: 'sdk', name: 'openV2Us', n: N.session, run: sdkOps.openV2 },
  { group: 'sdk', name: 'openV1Us', n: N.session, run: sdkOps.openV1 },
  { group: 'sdk', name: 'openNoSessionUs', n: N.session, run: sdkOps.openNoSession },
  { group: 'floor', name: 'protocolOpenUs', n: N.primitive, run: protocolFloorOps.open },
  { group: 'floor', name: 'protocolSessionV3OpenUs', n: N.primitive, run: protocolFloorOps.sessionV3Open },
  { group: 'floor', name: 'protocolSessionV2OpenUs', n: N.primitive, run: protocolFloorOps.sessionV2Open },
  { group: 'floor', name: 'protocolSessionV1OpenUs', n: N.primitive, run: protocolFloorOps.sessionV1Open },
  { group: 'libsignal', name: 'decryptUs', n: N.session, run: libsignalOps.decrypt },
  { group: 'floor', name: 'x25519Us', n: N.primitive, run: floorOps.x25519 },
  { group: 'sdk', name: 'receiveDhStepUs', n: N.dhStep, run: sdkOps.receiveDhStep },
  { group: 'libsignal', name: 'decryptDhStepUs', n: N.dhStep, run: libsignalOps.decryptDhStep },
  { group: 'sdk', name: 'mlsSendUs', n: N.mls, run: sdkMlsOps.mlsSend },
  { group: 'tsMlsDefault', name: 'sendUs', n: N.mls, run: tsMlsOps.send },
  { group: 'sdk', name: 'mlsReceiveUs', n: N.mls, run: sdkMlsOps.mlsReceive },
  { group: 'tsMlsDefault', name: 'receiveUs', n: N.mls, run: tsMlsOps.receive },
]);
const loadEnd = os.loadavg();
const ratios = {
  sealVsFloor: ratio('sdk.frankSealUs', 'floor.sealUs'),
  openVsFloor: ratio('sdk.openUs', 'floor.openUs'),
  encryptVsLibsignal: ratio('sdk.frankSealUs', 'libsignal.encryptUs'),
  decryptVsLibsignal: ratio('sdk.openUs', 'libsignal.decryptUs'),
  decryptDhStepVsLibsignal: ratio('sdk.receiveDhStepUs', 'libsignal.decryptDhStepUs'),
  mlsSendVsTsMls: ratio('sdk.mlsSendUs', 'tsMlsDefault.sendUs'),
  mlsReceiveVsTsMls: ratio('sdk.mlsReceiveUs', 'tsMlsDefault.receiveUs'),
  sealNoSessionVsFloor: ratio('sdk.frankSealNoSessionUs', 'floor.sealUs'),
  openNoSessionVsFloor: ratio('sdk.openNoSessionUs', 'floor.openUs'),
  ...protocolRatios(ratio),
  dhStepVsX25519: ratio('sdk.receiveDhStepUs', 'floor.x25519Us'),
  libsignalDhStepVsX25519: ratio('libsignal.decryptDhStepUs', 'floor.x25519Us'),
};

/** The SDK's 1:1 path on noble, in a child process of its own (BENCH_PROVIDER=noble, above), after the rounds. */
function nobleFigures(): unknown {
  const out = execFileSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url)], {
    env: { ...process.env, BENCH_PROVIDER: 'noble' },
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  const line = out.split('\n').find((l) => l.startsWith('BENCH_RESULT '));
  if (!line) throw new Error(`no result from the noble child:\n${out}`);
  return JSON.parse(line.slice('BENCH_RESULT '.length));
}
const sdkNoble = nobleFigures();

/** The installed version of a package (node_modules), not the range package.json asks for. */
const installed = (name: string) => (JSON.parse(readFileSync(new URL(`../node_modules/${name}/package.json`, import.meta.url), 'utf8')) as { version: string }).version;

function sh(cmd: string, args: string[]): string | undefined {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8' }).trim();
  } catch {
    return undefined;
  }
}
const lscpuModel = sh('lscpu', [])?.split('\n').find((l) => l.startsWith('Model name:'))?.replace('Model name:', '').trim();
const result = {
  date: new Date(started).toISOString(),
  machine: {
    nproc: Number(sh('nproc', []) ?? os.availableParallelism()),
    model: lscpuModel ?? os.cpus()[0]?.model ?? 'unknown',
    loadAverageStart: loadStart.map(round),
    loadAverageEnd: loadEnd.map(round),
  },
  node: process.version,
  quick,
  clock: WALL ? 'wall' : 'process cpu time',
  rounds: ROUNDS,
  opsPerRound: N,
  messageBytes: body.length,
  versions: { libsignalClient: installed('@signalapp/libsignal-client'), tsMls: installed('ts-mls'), tsMlsProvider: 'default (getCiphersuiteImpl without a provider)', sdkProvider: native.name, cipherSuite: GROUP_CIPHERSUITE },
  floor: figures('floor'),
  sdk: figures('sdk'),
  libsignal: figures('libsignal'),
  tsMlsDefault: figures('tsMlsDefault'),
  ratios,
  /** The SDK's 1:1 path on noble (pure JS) against noble's own floor, measured in a child process after the rounds. */
  sdkNoble,
  goals: {
    sealVsFloorMax: 1.3,
    sealVsFloorMet: ratios.sealVsFloor <= 1.3,
    openVsFloorMax: 1.3,
    openVsFloorMet: ratios.openVsFloor <= 1.3,
    // The same two goals read on the path outside a session (frankMessage + sealFranked, openFranked).
    sealNoSessionVsFloorMet: ratios.sealNoSessionVsFloor <= 1.3,
    openNoSessionVsFloorMet: ratios.openNoSessionVsFloor <= 1.3,
    decryptDhStepVsLibsignalMax: 1.0,
    decryptDhStepVsLibsignalMet: ratios.decryptDhStepVsLibsignal <= 1.0,
  },
  seconds: round((Date.now() - started) / 1000),
};
const out = new URL('./results/peers.json', import.meta.url);
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
if (sink === 0.5) console.log(sink);
console.table({ floor: result.floor, sdk: result.sdk, libsignal: result.libsignal, tsMlsDefault: result.tsMlsDefault });
console.log('ratios', JSON.stringify(ratios));
console.log('sdk on noble', JSON.stringify(sdkNoble));
console.log('goals', JSON.stringify(result.goals));
console.log(`wrote bench/results/peers.json (${result.seconds} s of rounds, quick=${quick})`);
