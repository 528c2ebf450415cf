// Generates test/vectors/link.json (docs/PROTOCOL-linking.md L11): one whole link of a new device N into alice's
// account of test/vectors/devices.json (version 1 → 2, N becomes device 2): the link code (bytes and text, also with an
// origin), the commitment, transcript hash, shared secret, both channel keys and the short code, every frame in the
// order of L1 with its plaintext message, and negatives with the code each check must give. Every draw is
// SHA-256("franking-chat link vectors" ‖ 0x00 ‖ purpose); times are fixed: re-running reproduces the file byte for byte.
// The history stream is an empty D15 archive encrypted with a fixed key and salt (test/vectors/history.json covers archives).
// Usage: npm run vectors:link
import { readFileSync, writeFileSync } from 'node:fs';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex as hex, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import {
  encodeDeviceList, encodeSignedDeviceList, encryptHistoryArchive, linkDeviceList, signDeviceList, verifyListStep, withCosignature,
} from '../client/devices/index.ts';
import {
  decodeLinkMessage, deriveLinkKeys, encodeLinkCode, encodeLinkMessage, ExistingDeviceLink, handshakeFrame, type LinkDeviceSecrets, linkCodeText, linkCommitment,
  linkTranscript, makeDeviceMessage, NewDeviceLink, type OutgoingFrame, sealLinkFrame,
} from '../client/link/index.ts';

const det = (purpose: string, n = 32) => sha256(utf8ToBytes(`franking-chat link vectors\0${purpose}`)).slice(0, n);
const T0 = 1_790_000_000_000;
const devices = JSON.parse(readFileSync(new URL('../test/vectors/devices.json', import.meta.url), 'utf8')) as {
  devices: { alice: Record<string, { signingSeed: string }> };
  scenarios: { alice: { accountId: string; lists: { signed: string }[] } };
};
const A = devices.scenarios.alice.accountId;
const v1 = verifyListStep(null, hexToBytes(devices.scenarios.alice.lists[0]!.signed), A);
const aliceSeed = hexToBytes(devices.devices.alice['1']!.signingSeed);

/** A random source that hands out the listed draws in order, and fails on any other draw. */
const draws = (list: Uint8Array[]) => (n: number) => {
  const next = list.shift();
  if (next === undefined || next.length !== n) throw new Error(`unexpected draw of ${n} bytes`);
  return next;
};

// N's keys (D1) and the draws of both sides.
const sigSeed = det('N IKsig seed'), credSeed = det('N CK seed'), dhPriv = det('N IKdh private');
const device: LinkDeviceSecrets = {
  identitySigningKey: ed25519.getPublicKey(sigSeed), identityDhKey: x25519.getPublicKey(dhPriv), credentialKey: ed25519.getPublicKey(credSeed),
  signingPrivateKey: sigSeed, credentialPrivateKey: credSeed,
};
const channelId = det('channel id', 16);
const nEphemeral = det('N ephemeral'), linkSecret = det('link secret', 16), nonceN = det('nonceN'), eEphemeral = det('E ephemeral');
const name = 'Laptop';

const n = new NewDeviceLink(channelId, '', device, name, { random: draws([nEphemeral, linkSecret, nonceN]) });
const e = new ExistingDeviceLink(n.code, { random: draws([eEphemeral]) });

interface FrameJson { from: 'N' | 'E'; seq: number; frameType: string; message: unknown; plaintext: string | null; frame: string }
const frames: FrameJson[] = [];
const rec = (from: 'N' | 'E', f: OutgoingFrame) => {
  const t = f.frame[0]!;
  const frameType = ['', 'commit', 'nonce', 'reveal', 'sealed'][t]!;
  frames.push({ from, seq: f.seq, frameType, message: null, plaintext: null, frame: hex(f.frame) });
  return f;
};
const deliverToN = (f: OutgoingFrame) => n.receive(f.seq, rec('E', f).frame);
const deliverToE = (f: OutgoingFrame) => e.receive(f.seq, rec('N', f).frame);

const s1 = deliverToN(e.start()); // commit → nonce
const s2 = deliverToE(s1.send[0]!); // nonce → reveal, E's short code
const s3 = deliverToN(s2.send[0]!); // reveal → N's short code, sealed device
if (s3.event?.kind !== 'short_code' || s2.event?.kind !== 'short_code' || s3.event.shortCode !== s2.event.shortCode) throw new Error('short codes differ');
const s4 = deliverToE(s3.send[0]!); // device
if (s4.event?.kind !== 'device') throw new Error('no device');
const body = linkDeviceList(v1, s4.event.keys, T0);
const signed = signDeviceList(body, { kind: 'device', deviceId: 1, signingPrivateKey: aliceSeed });
const s5 = deliverToN(e.sendList(A, encodeDeviceList(body))); // list → cosign
const s6 = deliverToE(s5.send[0]!);
if (s6.event?.kind !== 'cosign') throw new Error('no cosign');
const v2bytes = encodeSignedDeviceList(withCosignature(signed, s6.event.cosignature));
const v2 = verifyListStep(v1, v2bytes, A);
const state = utf8ToBytes(JSON.stringify({ contacts: [{ accountId: 'bob', name: 'Bob' }], groups: [{ conversationId: 'g-1', name: 'Climbing' }] }));
const history = await encryptHistoryArchive(
  { accountId: A, sourceDeviceId: 1, targetDeviceId: 2, createdAt: T0, listVersion: 2, listHash: v2.listHash, records: [] },
  { key: det('archive key'), salt: det('archive salt', 16) },
);
let complete: unknown = null;
for (const f of e.sendWelcome({ listVersion: 2, listHash: v2.listHash, deviceId: 2 }, state, history)) {
  const s = deliverToN(f);
  if (s.event?.kind === 'complete') complete = s.event;
}
if (complete === null) throw new Error('not complete');
deliverToE(n.done());

// Plaintexts of the sealed frames, with the keys both derived.
const commitment = linkCommitment(x25519.getPublicKey(eEphemeral));
const th = linkTranscript(n.code, commitment, nonceN, x25519.getPublicKey(eEphemeral));
const keys = deriveLinkKeys(nEphemeral, x25519.getPublicKey(eEphemeral), n.code, th);
const { openLinkFrame } = await import('../client/link/index.ts');
for (const f of frames) {
  if (f.frameType !== 'sealed') continue;
  const plain = openLinkFrame(keys, f.from === 'N' ? 'toExisting' : 'toNew', f.seq, hexToBytes(f.frame));
  f.plaintext = hex(plain);
  const m = decodeLinkMessage(plain) as unknown as Record<string, unknown>;
  f.message = Object.fromEntries(Object.entries(m).map(([k, val]) => [k, val instanceof Uint8Array ? hex(val) : val && typeof val === 'object' && 'descriptor' in (val as object)
    ? { length: (val as { length: number }).length, descriptor: '(see history.descriptor)' } : val]));
}

// Negatives.
const flip = (h: string, at: number) => {
  const b = hexToBytes(h);
  b[at] = b[at]! ^ 0x01;
  return hex(b);
};
const codeBytes = encodeLinkCode(n.code);
const deviceFrame = frames.find((f) => f.from === 'N' && f.frameType === 'sealed')!;
const otherTh = sha256(utf8ToBytes('another channel'));
const foreignDevice = encodeLinkMessage(makeDeviceMessage(otherTh, device, name));
const lowOrder = new Uint8Array(32); // the all-zero point: X25519 with it is all zero
const withOrigin = { ...n.code, origin: 'https://chat.example:8443' };

const out = {
  note:
    'docs/PROTOCOL-linking.md L11. Generated by scripts/make-link-vectors.ts (npx tsx scripts/make-link-vectors.ts). Draws are SHA-256("franking-chat link vectors" ‖ 0x00 ‖ purpose). ' +
    'N links into alice\'s account of test/vectors/devices.json (version 1 signed by alice device 1 → version 2 adding N as device 2). Hex unless named otherwise.',
  draws: {
    channelId: hex(channelId), nEphemeralPrivate: hex(nEphemeral), linkSecret: hex(linkSecret), nonceN: hex(nonceN), eEphemeralPrivate: hex(eEphemeral),
  },
  newDevice: { name, signingSeed: hex(sigSeed), credentialSeed: hex(credSeed), dhPrivateKey: hex(dhPriv), identitySigningKey: hex(device.identitySigningKey), identityDhKey: hex(device.identityDhKey), credentialKey: hex(device.credentialKey) },
  code: { bytes: hex(codeBytes), text: linkCodeText(n.code), ephemeralKey: hex(n.code.ephemeralKey) },
  codeWithOrigin: { origin: withOrigin.origin, bytes: hex(encodeLinkCode(withOrigin)), text: linkCodeText(withOrigin) },
  handshake: {
    existingKey: hex(x25519.getPublicKey(eEphemeral)), commitment: hex(commitment), transcript: hex(th), sharedSecret: hex(x25519.getSharedSecret(eEphemeral, n.code.ephemeralKey)),
    toExisting: hex(keys.toExisting), toNew: hex(keys.toNew), shortCode: keys.shortCode,
  },
  account: { accountId: A, v1: devices.scenarios.alice.lists[0]!.signed, v2: hex(v2bytes), v2Hash: hex(v2.listHash), newDeviceId: 2, issuedAt: T0 },
  state: hex(state),
  history: { descriptor: hex((await import('../client/devices/index.ts')).encodeHistoryDescriptor(history.descriptor)), ciphertext: hex(history.ciphertext) },
  frames,
  negatives: {
    codes: [
      { name: 'another prefix', text: `FCLINK2-${linkCodeText(n.code).slice(8)}`, code: 'malformed' },
      { name: 'version 2', bytes: hex(Uint8Array.of(2, ...codeBytes.subarray(1))), code: 'unsupported_version' },
      { name: 'truncated', bytes: hex(codeBytes.subarray(0, codeBytes.length - 1)), code: 'malformed' },
      { name: 'trailing byte', bytes: hex(Uint8Array.of(...codeBytes, 0)), code: 'malformed' },
      { name: 'origin not http(s)', bytes: hex(Uint8Array.of(...codeBytes.subarray(0, codeBytes.length - 1), 8, ...utf8ToBytes('ftp://x/'))), code: 'malformed' },
      { name: 'zero EN', bytes: hex(Uint8Array.of(...codeBytes.subarray(0, 17), ...new Uint8Array(32), ...codeBytes.subarray(49))), code: 'malformed' },
    ],
    handshake: [
      { name: 'reveal of another key than committed', commitment: hex(commitment), reveal: hex(x25519.getPublicKey(det('another E ephemeral'))), code: 'bad_commitment' },
      { name: 'low-order reveal (committed)', commitment: hex(linkCommitment(lowOrder)), reveal: hex(lowOrder), code: 'bad_key' },
      { name: 'reveal frame of 32 bytes', frame: hex(handshakeFrame('reveal', x25519.getPublicKey(eEphemeral)).subarray(0, 32)), code: 'malformed' },
    ],
    sealed: [
      { name: 'flipped tag', dir: 'toExisting', seq: deviceFrame.seq, frame: flip(deviceFrame.frame, deviceFrame.frame.length / 2 - 1), code: 'tampered' },
      { name: 'flipped ciphertext', dir: 'toExisting', seq: deviceFrame.seq, frame: flip(deviceFrame.frame, 5), code: 'tampered' },
      { name: 'under the other direction', dir: 'toNew', seq: deviceFrame.seq, frame: deviceFrame.frame, code: 'tampered' },
      { name: 'at another seq', dir: 'toExisting', seq: deviceFrame.seq + 1, frame: deviceFrame.frame, code: 'tampered' },
      { name: 'plaintext frame where a sealed one is due', dir: 'toExisting', seq: deviceFrame.seq, frame: hex(handshakeFrame('nonce', nonceN)), code: 'unexpected_message' },
    ],
    messages: [
      { name: 'device proven over another channel', frame: hex(sealLinkFrame(keys, 'toExisting', 2, foreignDevice)), code: 'bad_proof' },
      { name: 'trailing byte after done', plaintext: '1500', code: 'malformed' },
      { name: 'unknown type', plaintext: '16', code: 'malformed' },
      { name: 'abort reason 6', plaintext: '1f06', code: 'malformed' },
      { name: 'empty device name', plaintext: hex(Uint8Array.of(0x10, ...device.identitySigningKey, ...device.identityDhKey, ...device.credentialKey, 0, ...new Uint8Array(128))), code: 'malformed' },
    ],
  },
};
writeFileSync(new URL('../test/vectors/link.json', import.meta.url), `${JSON.stringify(out, null, 2)}\n`);
console.log(`wrote test/vectors/link.json: ${frames.length} frames, short code ${keys.shortCode}`);
