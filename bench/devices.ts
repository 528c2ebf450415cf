// npm run bench:devices — multi-device costs (docs/PROTOCOL-devices.md D11, D15), same-run baselines, ratios beside the
// raw figures. BENCH_QUICK=1 bounds every measurement (CI).
//   send         one fan-out send (D11.2: frank once with the device's SenderChain, header version 3, then one
//                Session.sendFranked per target with CopyAD as extraAd) to a person with 4 devices plus the sender's 2
//                other devices — 6 copies of a 1 KiB body — against six single-device sends measured in the same run,
//                interleaved (batches a, b, a, b, …): each a SenderChain.frank + Session.sendFranked of the same body
//                over the same six sessions (steady state: every session has had one round trip, so no X3DH prefix).
//                sendRatio6Devices = fan-out ÷ six single sends (median of the per-pair ratios). Goal ≤ 1.15: franking
//                is paid once. Per provider (native = node:crypto, noble), each in a child process of its own as
//                bench/client.ts does (the JIT would otherwise carry one provider's shapes into the other's figures).
//   history      (Node) an archive of 10,000 messages (D15): real report items of version 3 headers from two senders
//                (bodies of 40–400 bytes, cycling), encodeHistoryArchive + encryptHistoryArchive ("export") and
//                decryptHistoryArchive + importHistoryRecords with every commitment re-opened ("import"), ms of wall
//                time, median of runs. archiveRatio = archive ciphertext bytes ÷ (Σ body + Σ openings), an opening
//                being what opens c: the header and fk (PROTOCOL.md §4.3).
//   groups       bench/devices-groups.ts (D14.3): adding a person with 4 devices to a group of 256 people × 4 devices in
//                one Commit beside a single-leaf add to the same group, same run (BENCH_QUICK: 16 people × 4).
// Writes bench/results/devices.json {date, machine, quick, clock, providers, sendRatio6Devices, historyExport10kMs,
// historyImport10kMs, archiveRatio, groupAddPerson4DevicesMs, groups, history, goals}.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import { randomBytes } from 'node:crypto';
import { type CryptoProvider, nobleCryptoProvider } from '../client/crypto/index.ts';
import { nodeCryptoProvider } from '../client/crypto/node.ts';
import {
  cosignLinkedList, decryptHistoryArchive, deviceSessionKey, type DeviceList, encodeDeviceList, encodeHistoryArchive, encodeSignedDeviceList, encryptHistoryArchive,
  type HistoryArchive, type HistoryRecord, importHistoryRecords, linkDeviceList, sendFanOut, signDeviceList, type VerifiedDeviceList, verifyListStep,
  withCosignature, ZERO_LIST_HASH,
} from '../client/devices/index.ts';
import { encodeReportItem, SenderChain } from '../client/franking/index.ts';
import { generateIdentity, type IdentityKeyPair, PreKeyStore, Session } from '../client/session/index.ts';
import { benchDevicesGroups } from './devices-groups.ts';
import { median, round } from './_stats.ts';

const QUICK = process.env.BENCH_QUICK === '1';
const WALL = process.env.BENCH_CLOCK === 'wall';
type Fn = () => unknown;

function run(fn: Fn, n: number): void {
  for (let i = 0; i < n; i++) fn();
}
function calibrate(fn: Fn, targetMs: number): number {
  for (let n = 1; ; n *= 2) {
    const t = performance.now();
    run(fn, n);
    if (performance.now() - t > targetMs) return n;
  }
}
/** µs of this process's CPU time per call (BENCH_CLOCK=wall: wall time), as bench/client.ts measures. */
function timeBatch(fn: Fn, n: number): number {
  if (WALL) {
    const t = performance.now();
    run(fn, n);
    return ((performance.now() - t) * 1000) / n;
  }
  const t = process.cpuUsage();
  run(fn, n);
  const d = process.cpuUsage(t);
  return (d.user + d.system) / n;
}
/** Alternating batches of a and b; medians of each and of the per-pair ratios b / a. */
function paired(a: Fn, b: Fn, budgetMs: number, rounds: number): { a: number; b: number; ratio: number } {
  const na = calibrate(a, budgetMs / rounds / 4);
  const nb = calibrate(b, budgetMs / rounds / 4);
  const as: number[] = [];
  const bs: number[] = [];
  const ratios: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const ta = timeBatch(a, na);
    const tb = timeBatch(b, nb);
    as.push(ta);
    bs.push(tb);
    ratios.push(tb / ta);
  }
  return { a: median(as), b: median(bs), ratio: median(ratios) };
}

interface Dev { identity: IdentityKeyPair; credentialSeed: Uint8Array; credentialKey: Uint8Array }
const newDevice = (crypto: CryptoProvider): Dev => {
  const identity = generateIdentity(undefined, crypto);
  const credentialSeed = new Uint8Array(randomBytes(32));
  return { identity, credentialSeed, credentialKey: crypto.ed25519PublicKey(credentialSeed) };
};
const keysOf = (d: Dev) => ({ identitySigningKey: d.identity.signingPublicKey, identityDhKey: d.identity.dhPublicKey, credentialKey: d.credentialKey });

/** An account's verified lists: device 1's genesis, then each further device linked by device 1 (D6.1). */
function account(accountId: string, n: number, crypto: CryptoProvider): { devices: Dev[]; lists: VerifiedDeviceList[] } {
  const devices = Array.from({ length: n }, () => newDevice(crypto));
  const now = Date.now();
  const d1 = devices[0]!;
  const signer = { kind: 'device' as const, deviceId: 1, signingPrivateKey: d1.identity.signingPrivateKey };
  const genesis: DeviceList = { accountId, listVersion: 1, prevListHash: ZERO_LIST_HASH, kind: 'genesis', issuedAt: now, nextDeviceId: 2, recoveryKey: null, devices: [{ deviceId: 1, ...keysOf(d1), linkedAt: now }] };
  const lists = [verifyListStep(null, encodeSignedDeviceList(signDeviceList(genesis, signer, { crypto })), accountId, crypto)];
  for (const d of devices.slice(1)) {
    const list = linkDeviceList(lists.at(-1)!, keysOf(d), now);
    const cosig = cosignLinkedList(encodeDeviceList(list), accountId, { ...keysOf(d), signingPrivateKey: d.identity.signingPrivateKey }, crypto);
    lists.push(verifyListStep(lists.at(-1)!, encodeSignedDeviceList(withCosignature(signDeviceList(list, signer, { crypto }), cosig)), accountId, crypto));
  }
  return { devices, lists };
}

/** A session from `from` to `to` after one round trip (steady state: ratchet messages, no X3DH prefix). */
function sessionPair(from: Dev, to: Dev, crypto: CryptoProvider): Session {
  const store = PreKeyStore.create(to.identity, { oneTimePreKeys: 1, crypto });
  const u = store.bundle(to.identity);
  const alice = Session.initiate(from.identity, { identitySigningKey: u.identitySigningKey, identityDhKey: u.identityDhKey, signedPreKey: u.signedPreKey, oneTimePreKey: u.oneTimePreKeys[0]! }, { crypto });
  const hello = new SenderChain('conv-setup', 'alice', 1).frank(new Uint8Array(8));
  const { session: bob } = Session.respondFranked(to.identity, store, alice.sendFranked(hello), { crypto });
  const back = new SenderChain('conv-setup', 'bob', 1).frank(new Uint8Array(8));
  alice.receiveFranked(bob.sendFranked(back));
  return alice;
}

function sendFigures(crypto: CryptoProvider) {
  const alice = account('alice', 3, crypto);
  const bob = account('bob', 4, crypto);
  const own = alice.lists.at(-1)!;
  const peer = bob.lists.at(-1)!;
  const sender = alice.devices[0]!;
  const sessions = new Map<string, Session>();
  for (const [i, d] of bob.devices.entries()) sessions.set(deviceSessionKey('bob', i + 1), sessionPair(sender, d, crypto));
  for (const [i, d] of alice.devices.entries()) if (i > 0) sessions.set(deviceSessionKey('alice', i + 1), sessionPair(sender, d, crypto));
  const six = [...sessions.values()];
  const body = new Uint8Array(randomBytes(1024));
  const frank = { hmac: crypto.hmacSha256 };
  const fanChain = new SenderChain('c:alice:bob', 'alice', 1);
  const singleChain = new SenderChain('c:alice:bob-single', 'alice', 1);
  const sessionFor = (t: { accountId: string; deviceId: number }) => sessions.get(deviceSessionKey(t.accountId, t.deviceId))!;
  const fanOut = () => sendFanOut({ chain: fanChain, body, frank, own, peer, sessionFor });
  const sixSingle = () => {
    let last;
    for (const s of six) last = s.sendFranked(singleChain.frank(body, frank));
    return last;
  };
  if (fanOut().copies.length !== 6) throw new Error('expected 6 copies');
  for (let i = 0; i < (QUICK ? 300 : 2000); i++) {
    sixSingle();
    fanOut();
  }
  const r = paired(sixSingle, fanOut, QUICK ? 600 : 6000, QUICK ? 9 : 21);
  return { fanOutSendUs: round(r.b), sixSingleSendsUs: round(r.a), sendRatio6Devices: round(r.ratio), bodyBytes: 1024, copies: 6 };
}
type SendResult = ReturnType<typeof sendFigures>;

const providers = { native: nodeCryptoProvider, noble: nobleCryptoProvider } as const;
type ProviderName = keyof typeof providers;
const child = process.env.BENCH_PROVIDER as ProviderName | undefined;
if (child !== undefined) {
  if (!(child in providers)) throw new Error(`BENCH_PROVIDER: expected native or noble, got ${child}`);
  process.stdout.write(`BENCH_RESULT ${JSON.stringify(sendFigures(providers[child]))}\n`);
  process.exit(0);
}
function isolated(name: ProviderName): SendResult {
  const out = execFileSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url)], { env: { ...process.env, BENCH_PROVIDER: name }, encoding: 'utf8', maxBuffer: 1 << 20 });
  const line = out.split('\n').find((l) => l.startsWith('BENCH_RESULT '));
  if (!line) throw new Error(`no result from the ${name} child:\n${out}`);
  return JSON.parse(line.slice('BENCH_RESULT '.length)) as SendResult;
}
const send = { native: isolated('native'), noble: isolated('noble') };

// --- history export / import of 10,000 messages (D15), Node ------------------------------------------------------
const MESSAGES = 10_000;
const crypto = nodeCryptoProvider;
const alice = account('alice', 2, crypto);
const ownLists = alice.lists;
const records: HistoryRecord[] = [];
let plainAndOpenings = 0;
const chains = { bob: new SenderChain('c:alice:bob', 'bob', 1), alice: new SenderChain('c:alice:bob', 'alice', 1) };
const t0 = Date.now() - 86_400_000;
for (let i = 0; i < MESSAGES; i++) {
  const from = i % 3 === 0 ? 'alice' : 'bob';
  const body = new Uint8Array(randomBytes(40 + ((i * 37) % 361)));
  const f = chains[from].frank(body, { hmac: crypto.hmacSha256, sentAt: t0 + i * 1000 });
  const role = from === 'alice' ? 'sender' : 'recipient';
  const stamp = { messageId: `m${i}`, conversationId: 'c:alice:bob', senderId: from, recipientId: 'alice', role, serverTime: t0 + i * 1000 + 50, kid: 'k1', tag: new Uint8Array(randomBytes(32)) } as const;
  records.push({ type: 'message', direction: from === 'alice' ? 'sent' : 'received', deliveredToDeviceId: 1, storedAt: t0 + i * 1000 + 60, flags: 0, reportItem: encodeReportItem({ stamp, commitment: f.commitment, fk: f.fk, header: f.headerBytes, body }) });
  plainAndOpenings += body.length + f.headerBytes.length + f.fk.length;
}
const v2 = ownLists.at(-1)!;
const archive: HistoryArchive = { accountId: 'alice', sourceDeviceId: 1, targetDeviceId: 2, createdAt: Date.now(), listVersion: 2, listHash: v2.listHash, records };
const ctx = { accountId: 'alice', deviceId: 2, ownLists };
const runs = QUICK ? 3 : 7;
const exportMs: number[] = [];
const importMs: number[] = [];
let archiveBytes = 0;
let plaintextBytes = 0;
for (let r = 0; r < runs; r++) {
  let t = performance.now();
  const { ciphertext, descriptor } = await encryptHistoryArchive(archive, { engine: crypto });
  exportMs.push(performance.now() - t);
  t = performance.now();
  const opened = await decryptHistoryArchive(descriptor, ciphertext, ctx, { engine: crypto });
  const imported = importHistoryRecords(opened, 'alice', { crypto });
  importMs.push(performance.now() - t);
  if (imported.messages.length !== MESSAGES || imported.dropped.length !== 0) throw new Error(`import: ${imported.messages.length} messages, ${imported.dropped.length} dropped`);
  archiveBytes = ciphertext.length;
  plaintextBytes = descriptor.size;
}
if (plaintextBytes !== encodeHistoryArchive(archive).length) throw new Error('descriptor size');

// --- adding a person with 4 devices to a group of 256 people × 4 devices (D14.3), native provider -------------------
const groups = await benchDevicesGroups({ quick: QUICK, log: (line) => console.log(line) });

const sendRatio6Devices = send.native.sendRatio6Devices;
const archiveRatio = round(archiveBytes / plainAndOpenings);
const result = {
  date: new Date().toISOString(),
  machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model ?? 'unknown', node: process.version },
  quick: QUICK,
  clock: WALL ? 'wall' : 'process cpu time (send); wall time (history)',
  providerIsolation: 'one child process per provider (send)',
  /** Per provider: one fan-out send (6 copies, 1 KiB) and six single-device frank + seal sends, same run, interleaved. */
  providers: send,
  sendRatio6Devices,
  historyExport10kMs: round(median(exportMs)),
  historyImport10kMs: round(median(importMs)),
  archiveRatio,
  groupAddPerson4DevicesMs: groups.groupAddPerson4DevicesMs,
  /** bench/devices-groups.ts: the 4-device add beside a single-leaf add to the same group, same run. */
  groups,
  history: {
    runtime: `Node ${process.version}, nodeCryptoProvider`,
    messages: MESSAGES,
    runs,
    exportMs: exportMs.map(round),
    importMs: importMs.map(round),
    archiveBytes,
    plaintextBytes,
    bodyPlusOpeningsBytes: plainAndOpenings,
    archiveRatioDefinition: 'archive ciphertext bytes ÷ Σ(body + header + fk) of the messages',
  },
  goals: {
    sendRatio6DevicesMax: 1.15,
    sendRatio6DevicesMet: sendRatio6Devices <= 1.15,
    archiveRatioMax: 1.5,
    archiveRatioMet: archiveRatio <= 1.5,
    history10kMsMax: 5000,
    history10kNote: 'the goal names Chromium; these figures are Node',
  },
};
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(new URL('./results/devices.json', import.meta.url), JSON.stringify(result, null, 2) + '\n');
console.table(send);
console.log(`sendRatio6Devices (native) ${sendRatio6Devices}; groupAddPerson4DevicesMs ${groups.groupAddPerson4DevicesMs} (single leaf ${groups.groupAddSingleLeafMs}); history 10k (Node): export ${result.historyExport10kMs} ms, import ${result.historyImport10kMs} ms, archiveRatio ${archiveRatio}`);
