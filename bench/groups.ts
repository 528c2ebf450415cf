// Group benchmark (docs/BENCHMARKS.md "Groups on MLS"): `npm run bench:groups`, bounded with BENCH_QUICK=1.
// Writes bench/results/groups.json, measured once per crypto provider (the default every part of the SDK uses, set
// with setDefaultCryptoProvider: groups, 1:1 sessions and the fan-out alike), as bench/client.ts and session.ts do:
//   {"provider":"native","sizes":[..],"oneToOneReceiverUs":..,"providers":{"noble":{..},"native":{..}}}
//   providers.<name> = {"sizes":[{"members","senderUs","receiverUs","uploadBytes","addCommitMs","removeCommitMs",
//                        "fanoutSenderUs"},..],"oneToOneReceiverUs","ed25519VerifyUs","receiverOverOneToOne",
//                        "verifyFloorOverOneToOne"}
//   The top-level "sizes" and "oneToOneReceiverUs" (the fields docs/BENCHMARKS.md "Groups on MLS" reports) are the
//   native provider's.
//   senderUs        MlsGroup.send of a 1 KiB body: franking (fk, header v2, HMAC commitment) + one MLS
//                   PrivateMessage (secret-tree ratchet step, ChaCha20-Poly1305, Ed25519 signature), median µs
//   receiverUs      MlsGroup.receive of the same at one member: sender-data and content decryption, signature
//                   verification, commitment check
//   uploadBytes     bytes the sender uploads per message: the MLSMessage (its AD carries the commitment)
//   addCommitMs     MlsGroup.add of one key package at the committer (Commit + Welcome), median ms
//   removeCommitMs  MlsGroup.remove of one member at the committer (Commit with an UpdatePath), median ms
//   fanoutSenderUs  the v1 pairwise fan-out (bench/_fanout-v1.ts = client/group/group.ts before MLS): frank
//                   once, encrypt through members − 1 Double Ratchet sessions; sizes ≤ 256 only
//   oneToOneReceiverUs  Session.receiveFranked of a 1 KiB franked message: the 1:1 baseline for receiverUs
//                   (same provider, same run)
//   ed25519VerifyUs one Ed25519 verification by the provider of a message the size of a group message's signed
//                   content (FramedContentTBS, ~1.1 KiB): a floor under receiverUs, since MLS verifies one per
//                   message (RFC 9420 §6.1) where a 1:1 message verifies none
//   receiverOverOneToOne     receiverUs at the largest size / oneToOneReceiverUs. Goal: ≤ 3
//   verifyFloorOverOneToOne  (oneToOneReceiverUs + ed25519VerifyUs) / oneToOneReceiverUs
// Groups are built by the creator adding everyone in one Commit; then the members at leaves 1, 2, 4, 8, …
// (one in each of the creator's copath subtrees) commit a path-only update, as members of a group in use do,
// so the creator's commits encrypt to one node per tree level. The first remove in the fresh tree (blank
// parents: RFC 9420 §7.9 resolution spans every leaf) is printed on stderr for comparison, not stored.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setDefaultCryptoProvider } from '../client/crypto/default.ts';
import { nobleCryptoProvider } from '../client/crypto/noble.ts';
import { nodeCryptoProvider } from '../client/crypto/node.ts';
import type { CryptoProvider } from '../client/crypto/provider.ts';
import { frankMessage } from '../client/franking/franking.ts';
import { type GroupIdentity, MlsGroup, generateCredentialKey, generateGroupKeyPackage } from '../client/group/index.ts';
import { generateIdentity } from '../client/session/identity.ts';
import type { FrankedEnvelope, Session } from '../client/session/session.ts';
import { GroupSender } from './_fanout-v1.ts';
import { median, round } from './_stats.ts';
import { steadySessionPair } from './_session-pair.ts';

const quick = process.env.BENCH_QUICK === '1';
const SIZES = quick ? [2, 8, 64] : [2, 8, 64, 256, 1024];
const FANOUT_MAX = 256;
const MESSAGES = quick ? 30 : 200;
const COMMITS = quick ? 3 : 7;
const body = new Uint8Array(1024).fill(0x61);


const directory = new Map<string, Uint8Array>();
const opts = { resolveIdentity: (id: string) => directory.get(id) };
function identity(accountId: string): GroupIdentity {
  const id = generateIdentity();
  directory.set(accountId, id.signingPublicKey);
  return { accountId, identity: id, credentialKey: generateCredentialKey() };
}

function pair(): { a: Session; b: Session } {
  const { alice: a, bob: b } = steadySessionPair();
  return { a, b };
}

async function mlsSize(members: number) {
  // Same ids under every provider (uploadBytes include them): each provider's groups are done before the next's.
  const conv = `bench-${members}`;
  const creatorId = identity(`${conv}-m0`);
  const creator = await MlsGroup.create(conv, creatorId, opts);
  const receiverId = identity(`${conv}-m1`);
  const receiverKp = await generateGroupKeyPackage(receiverId);
  const others = [receiverKp.bytes];
  // Members at leaves 2, 4, 8, …: the roots of the creator's copath subtrees once they commit (see below).
  const copath = new Map<number, { id: GroupIdentity; kp: Awaited<ReturnType<typeof generateGroupKeyPackage>> }>();
  for (let i = 2; i < members; i++) {
    const id = identity(`${conv}-m${i}`);
    const kp = await generateGroupKeyPackage(id);
    if ((i & (i - 1)) === 0) copath.set(i, { id, kp });
    others.push(kp.bytes);
  }
  const p = await creator.add(others);
  creator.confirmCommit();
  const receiver = await MlsGroup.join(p.welcome as Uint8Array, receiverId, (ref) => (ref === receiverKp.ref ? receiverKp : undefined), opts);
  // A group that has lived a little: one member in each of the creator's copath subtrees commits a path-only
  // update, so the creator's copath nodes are no longer blank (a fresh group's are: RFC 9420 §7.9 resolution
  // then spans every leaf, and the first remove encrypts its path to all of them — measured separately).
  const freshRemoveT0 = performance.now();
  await creator.remove([`${conv}-m${members - 1}`]);
  const freshRemoveMs = performance.now() - freshRemoveT0;
  creator.discardCommit();
  const joined = [creator, receiver];
  for (const [, m] of copath) joined.push(await MlsGroup.join(p.welcome as Uint8Array, m.id, (ref) => (ref === m.kp.ref ? m.kp : undefined), opts));
  for (const g of joined.slice(2)) {
    const u = await g.update();
    g.confirmCommit();
    for (const other of joined) if (other !== g) await other.receive(u.commit);
  }
  if (members > 2) {
    const u = await receiver.update();
    receiver.confirmCommit();
    for (const other of joined) if (other !== receiver) await other.receive(u.commit);
  }

  // Warm-up, then timed sends (kept for the receiver) and timed receives.
  for (let i = 0; i < 5; i++) await receiver.receive((await creator.send(body)).message);
  const sendUs: number[] = [];
  const msgs: Uint8Array[] = [];
  for (let i = 0; i < MESSAGES; i++) {
    const t0 = performance.now();
    const s = await creator.send(body);
    sendUs.push((performance.now() - t0) * 1000);
    msgs.push(s.message);
  }
  const recvUs: number[] = [];
  for (const m of msgs) {
    const t0 = performance.now();
    const ev = await receiver.receive(m);
    recvUs.push((performance.now() - t0) * 1000);
    if (ev.kind !== 'message') throw new Error('benchmark message not delivered');
  }
  const addMs: number[] = [];
  const removeMs: number[] = [];
  for (let i = 0; i < COMMITS; i++) {
    const kp = (await generateGroupKeyPackage(identity(`${conv}-new${i}`))).bytes;
    let t0 = performance.now();
    await creator.add([kp]);
    addMs.push(performance.now() - t0);
    creator.discardCommit();
    t0 = performance.now();
    await creator.remove([`${conv}-m${members - 1}`]);
    removeMs.push(performance.now() - t0);
    creator.discardCommit();
  }
  console.error(`  ${members} members: first remove in the fresh tree ${round(freshRemoveMs)} ms`);
  return { senderUs: round(median(sendUs)), receiverUs: round(median(recvUs)), uploadBytes: msgs[0]!.length, addCommitMs: round(median(addMs)), removeCommitMs: round(median(removeMs)) };
}

function fanoutSize(members: number): number {
  const sessions = new Map<string, Session>();
  const roster = ['sender'];
  for (let i = 1; i < members; i++) {
    sessions.set(`m${i}`, pair().a);
    roster.push(`m${i}`);
  }
  const sender = new GroupSender('bench-fanout', 'sender');
  for (let i = 0; i < 5; i++) sender.send(body, roster, sessions);
  const n = Math.max(10, Math.floor(MESSAGES / Math.max(1, members / 16)));
  const us: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    sender.send(body, roster, sessions);
    us.push((performance.now() - t0) * 1000);
  }
  return round(median(us));
}

function fanoutUploadBytes(members: number): number {
  const sessions = new Map<string, Session>();
  const roster = ['sender'];
  for (let i = 1; i < members; i++) {
    sessions.set(`m${i}`, pair().a);
    roster.push(`m${i}`);
  }
  const s = new GroupSender('bench-fanout', 'sender').send(body, roster, sessions);
  return 32 + s.envelopes.reduce((n, e) => n + e.message.length, 0);
}

function oneToOneReceiverUs(): number {
  const { a, b } = pair();
  let seq = 1;
  const envs: FrankedEnvelope[] = [];
  for (let i = 0; i < MESSAGES * 5; i++) envs.push(a.sendFranked(frankMessage({ conversationId: 'bench-1to1', senderId: 'alice', seq: seq++ }, body)));
  const us: number[] = [];
  for (const e of envs) {
    const t0 = performance.now();
    const r = b.receiveFranked(e, { expect: { senderId: 'alice' } });
    us.push((performance.now() - t0) * 1000);
    if (r.status !== 'accepted') throw new Error('benchmark message dropped');
  }
  return round(median(us.slice(MESSAGES))); // first fifth: warm-up
}

function ed25519VerifyUs(crypto: CryptoProvider): number {
  const seed = new Uint8Array(32).fill(7);
  const pub = crypto.ed25519PublicKey(seed);
  const msg = new Uint8Array(1100).fill(0x62);
  const sig = crypto.ed25519Sign(seed, msg);
  const n = MESSAGES * 5;
  const us: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const ok = crypto.ed25519Verify(pub, msg, sig);
    us.push((performance.now() - t0) * 1000);
    if (!ok) throw new Error('benchmark signature refused');
  }
  return round(median(us.slice(MESSAGES))); // first fifth: warm-up
}

const PROVIDERS: Record<'noble' | 'native', CryptoProvider> = { noble: nobleCryptoProvider, native: nodeCryptoProvider };
const providers: Record<string, { groupCrypto: string; sizes: Array<Record<string, number>>; oneToOneReceiverUs: number; ed25519VerifyUs: number; receiverOverOneToOne: number; verifyFloorOverOneToOne: number }> = {};
const fanoutUpload: Record<number, number> = {};
for (const [name, crypto] of Object.entries(PROVIDERS)) {
  setDefaultCryptoProvider(crypto);
  const groupCrypto = crypto.name; // groups run on the provider the application configured (docs/PROTOCOL.md §12.1)
  const sizes = [];
  for (const members of SIZES) {
    const t0 = performance.now();
    const mls = await mlsSize(members);
    const row = { members, ...mls, ...(members <= FANOUT_MAX ? { fanoutSenderUs: fanoutSize(members) } : {}) };
    if (members <= FANOUT_MAX) fanoutUpload[members] = fanoutUploadBytes(members);
    sizes.push(row);
    console.error(`${name} (groups on ${groupCrypto}) ${members} members: ${JSON.stringify(row)} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  }
  const oneToOne = oneToOneReceiverUs();
  const verify = ed25519VerifyUs(crypto);
  providers[name] = {
    groupCrypto, sizes, oneToOneReceiverUs: oneToOne, ed25519VerifyUs: verify,
    receiverOverOneToOne: round(sizes.at(-1)!.receiverUs / oneToOne),
    verifyFloorOverOneToOne: round((oneToOne + verify) / oneToOne),
  };
}
setDefaultCryptoProvider(undefined);
const native = providers.native!;
const result = { provider: 'native', sizes: native.sizes, oneToOneReceiverUs: native.oneToOneReceiverUs, providers };
const out = join(dirname(fileURLToPath(import.meta.url)), 'results', 'groups.json');
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
const ratios = Object.fromEntries(Object.entries(providers).map(([name, p]) => {
  const first = p.sizes[0]!;
  const last = p.sizes.at(-1)!;
  return [name, {
    senderLargestOverTwo: round(last.senderUs! / first.senderUs!),
    receiverOverOneToOne: p.receiverOverOneToOne,
    verifyFloorOverOneToOne: p.verifyFloorOverOneToOne,
    uploadLargestOverTwo: round(last.uploadBytes! / first.uploadBytes!),
    addCommitMsLargest: last.addCommitMs, removeCommitMsLargest: last.removeCommitMs,
  }];
}));
console.log(JSON.stringify({
  result,
  fanoutUploadBytes: fanoutUpload,
  ratios,
  goals: { senderLargestOverTwoMax: 2, receiverOverOneToOneMax: 3, commitMsMax: 100 },
  quick, messages: MESSAGES, commits: COMMITS, node: process.version,
}));
