// Generates test/vectors/groups.json: deterministic vectors for MLS groups with franking (docs/PROTOCOL.md §12).
// Every secret is SHA-256("franking-chat group vectors" ‖ purpose ‖ index) so re-running reproduces the file,
// except `relayView.message`: one real MLS PrivateMessage (ts-mls draws its own randomness), stored as made,
// whose clear fields (group_id, epoch, authenticated_data) the relay reads (§12.8).
// Usage: npm run vectors:groups
import { writeFileSync } from 'node:fs';
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { credentialBindingInput, encodeMemberCredential, MlsGroup, encodeGroupAd, encodeRoles, epochTag, generateGroupKeyPackage } from '../client/group/index.ts';
import { frankMessage } from '../client/franking/franking.ts';
import { Keyring } from '../client/franking/keyring.ts';
import { computeStamp } from '../client/franking/stamp.ts';
import type { IdentityKeyPair } from '../client/session/identity.ts';
import { x25519 } from '@noble/curves/ed25519.js';

const det = (purpose: string, i = 0, length = 32) => sha256(utf8ToBytes(`franking-chat group vectors\0${purpose}\0${i}`)).slice(0, length);
const hex = bytesToHex;

function identity(i: number): IdentityKeyPair {
  const signingPrivateKey = det('identity', i);
  const dhPrivateKey = det('identity-dh', i);
  return { signingPrivateKey, signingPublicKey: ed25519.getPublicKey(signingPrivateKey), dhPrivateKey, dhPublicKey: x25519.getPublicKey(dhPrivateKey) } as IdentityKeyPair;
}

const credentials = ['alice', 'bob.example:7', 'c'].map((accountId, i) => {
  const id = identity(i);
  const credentialSeed = det('credential-key', i);
  const credentialKey = ed25519.getPublicKey(credentialSeed);
  const input = credentialBindingInput(accountId, credentialKey);
  const binding = ed25519.sign(input, id.signingPrivateKey);
  return {
    accountId, identitySeed: hex(id.signingPrivateKey), identitySigningKey: hex(id.signingPublicKey), credentialKey: hex(credentialKey),
    bindingInput: hex(input), binding: hex(binding), credential: hex(encodeMemberCredential({ accountId, identitySigningKey: id.signingPublicKey, binding })),
  };
});

const roles = [
  { creator: 'alice', admins: [] as string[] },
  { creator: 'alice', admins: ['dave', 'bob'] },
].map((r) => ({ ...r, encoded: hex(encodeRoles(r)) }));

const epochTags = [0, 1].map((i) => {
  const a = det('epoch-authenticator', i);
  return { epochAuthenticator: hex(a), epochTag: hex(epochTag(a)) };
});

// A franked group message (header version 2), its AD and the per-member stamps the relay issues.
const conversationId = 'c_groupVectors01';
const members = ['alice', 'bob', 'carol', 'dave'];
let draws = 0;
const random = (n: number) => det('random', draws++, n);
const body = utf8ToBytes('hello group, one ciphertext for all of you');
const epoch = 7;
const franked = frankMessage({ conversationId, senderId: 'alice', seq: 3, prevCommitment: det('prev'), sentAt: 1_795_000_000_000, epoch }, body, { randomBytes: random });
const tag = epochTag(det('epoch-authenticator', 7));
const ad = encodeGroupAd(franked.commitment, tag);
const stampKey = det('stamp-key');
const keyring = Keyring.create('k-vectors', stampKey, 1_700_000_000_000);
const serverTime = 1_795_000_000_123;
const messageId = 'g-vectors-0000000001';
const stamps = [
  ...members.filter((m) => m !== 'alice').map((recipientId) => computeStamp(keyring, { messageId, conversationId, senderId: 'alice', recipientId, role: 'recipient', serverTime }, franked.commitment)),
  computeStamp(keyring, { messageId, conversationId, senderId: 'alice', recipientId: 'alice', role: 'sender', serverTime }, franked.commitment),
].map((s) => ({ recipientId: s.recipientId, role: s.role, kid: s.kid, tag: hex(s.tag) }));

// One real MLS application message for the relay-view vector.
const dir = new Map<string, Uint8Array>();
const gid = (accountId: string, i: number) => {
  const id = identity(10 + i);
  dir.set(accountId, id.signingPublicKey);
  const seed = det('credential-key', 10 + i);
  return { accountId, identity: id, credentialKey: { privateKey: seed, publicKey: ed25519.getPublicKey(seed) } };
};
const opts = { resolveIdentity: (a: string) => dir.get(a) };
const g = await MlsGroup.create(conversationId, gid('alice', 0), opts);
await g.add([(await generateGroupKeyPackage(gid('bob', 1))).bytes]);
g.confirmCommit();
const real = await g.send(utf8ToBytes('relay view'));

const out = {
  note:
    'docs/PROTOCOL.md §12. Secrets are SHA-256("franking-chat group vectors" || 0x00 || purpose || 0x00 || index); ' +
    'relayView.message is one real MLS PrivateMessage (suite 0x0003) as made by ts-mls. Regenerate: npm run vectors:groups',
  ciphersuite: { name: 'MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519', id: 3 },
  credentials,
  roles,
  nonCanonicalRoles: [hex(new Uint8Array([1, 5, ...utf8ToBytes('alice'), 2, 3, ...utf8ToBytes('zed'), 3, ...utf8ToBytes('bob')]))],
  epochTags,
  message: {
    conversationId, senderId: 'alice', seq: 3, prevCommitment: hex(det('prev')), sentAt: 1_795_000_000_000, epoch,
    clientMessageId: hex(franked.header.clientMessageId), fk: hex(franked.fk), body: hex(body),
    header: hex(franked.headerBytes), commitment: hex(franked.commitment), payload: hex(franked.payload),
    epochAuthenticator: hex(det('epoch-authenticator', 7)), epochTag: hex(tag), authenticatedData: hex(ad),
    stampKey: hex(stampKey), kid: 'k-vectors', messageId, serverTime, stamps,
  },
  relayView: { message: hex(real.message), conversationId, epoch: real.epoch, commitment: hex(real.commitment) },
};
writeFileSync(new URL('../test/vectors/groups.json', import.meta.url), JSON.stringify(out, null, 2) + '\n');
console.log('wrote test/vectors/groups.json');
