// Browser half of bench/devices-history-browser.ts: bundled by esbuild and run in Debian's Chromium through Playwright.
// Measures the history archive (docs/PROTOCOL-devices.md D15) of N messages with the SDK's browser defaults — the
// scheme-1 engine is WebCrypto (PROTOCOL.md §11), the commitment HMAC is the default provider's (noble) — against bare
// WebCrypto AES-256-GCM over the same plaintext bytes in the same page and the same run. Exposes
// `runHistoryBench(messages, runs)` on globalThis.
//
// The archive is generated in the page as bench/devices.ts generates it in Node (kept in step with it by hand): one
// conversation c:alice:bob, every third message sent by alice (device 1), the others received from bob; bodies of
// 40 + (i·37 mod 361) random bytes; real franking (SenderChain.frank, header version 3), a stamp per message and the
// binary report item; alice's own chain is genesis (device 1) + device 2 linked and counter-signed (D6.1).
import { nobleCryptoProvider } from '../../client/crypto/index.ts';
import {
  cosignLinkedList, decryptHistoryArchive, type DeviceList, encodeDeviceList, encodeHistoryArchive, encodeSignedDeviceList, encryptHistoryArchive, type HistoryArchive,
  type HistoryRecord, importHistoryRecords, linkDeviceList, signDeviceList, type VerifiedDeviceList, verifyListStep, withCosignature, ZERO_LIST_HASH,
} from '../../client/devices/index.ts';
import { encodeReportItem, SenderChain } from '../../client/franking/index.ts';
import { generateIdentity } from '../../client/session/index.ts';

const crypto = nobleCryptoProvider;
const random = (n: number): Uint8Array<ArrayBuffer> => globalThis.crypto.getRandomValues(new Uint8Array(n));
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const round = (x: number): number => Math.round(x * 100) / 100;

function ownChain(accountId: string): VerifiedDeviceList[] {
  const devices = [0, 1].map(() => {
    const identity = generateIdentity(undefined, crypto);
    return { identity, keys: { identitySigningKey: identity.signingPublicKey, identityDhKey: identity.dhPublicKey, credentialKey: crypto.ed25519PublicKey(random(32)) } };
  });
  const [d1, d2] = devices as [(typeof devices)[0], (typeof devices)[0]];
  const now = Date.now();
  const signer = { kind: 'device' as const, deviceId: 1, signingPrivateKey: d1.identity.signingPrivateKey };
  const genesis: DeviceList = { accountId, listVersion: 1, prevListHash: ZERO_LIST_HASH, kind: 'genesis', issuedAt: now, nextDeviceId: 2, recoveryKey: null, devices: [{ deviceId: 1, ...d1.keys, linkedAt: now }] };
  const v1 = verifyListStep(null, encodeSignedDeviceList(signDeviceList(genesis, signer, { crypto })), accountId, crypto);
  const list = linkDeviceList(v1, d2.keys, now);
  const cosig = cosignLinkedList(encodeDeviceList(list), accountId, { ...d2.keys, signingPrivateKey: d2.identity.signingPrivateKey }, crypto);
  return [v1, verifyListStep(v1, encodeSignedDeviceList(withCosignature(signDeviceList(list, signer, { crypto }), cosig)), accountId, crypto)];
}

function archiveOf(messages: number, ownLists: VerifiedDeviceList[]): { archive: HistoryArchive; bodyPlusOpeningsBytes: number } {
  const records: HistoryRecord[] = [];
  let bodyPlusOpeningsBytes = 0;
  const chains = { bob: new SenderChain('c:alice:bob', 'bob', 1), alice: new SenderChain('c:alice:bob', 'alice', 1) };
  const t0 = Date.now() - 86_400_000;
  for (let i = 0; i < messages; i++) {
    const from = i % 3 === 0 ? 'alice' : 'bob';
    const body = random(40 + ((i * 37) % 361));
    const f = chains[from].frank(body, { hmac: crypto.hmacSha256, sentAt: t0 + i * 1000 });
    const role = from === 'alice' ? 'sender' : 'recipient';
    const stamp = { messageId: `m${i}`, conversationId: 'c:alice:bob', senderId: from, recipientId: 'alice', role, serverTime: t0 + i * 1000 + 50, kid: 'k1', tag: random(32) } as const;
    records.push({ type: 'message', direction: from === 'alice' ? 'sent' : 'received', deliveredToDeviceId: 1, storedAt: t0 + i * 1000 + 60, flags: 0, reportItem: encodeReportItem({ stamp, commitment: f.commitment, fk: f.fk, header: f.headerBytes, body }) });
    bodyPlusOpeningsBytes += body.length + f.headerBytes.length + f.fk.length;
  }
  const v2 = ownLists.at(-1) as VerifiedDeviceList;
  return { archive: { accountId: 'alice', sourceDeviceId: 1, targetDeviceId: 2, createdAt: Date.now(), listVersion: 2, listHash: v2.listHash, records }, bodyPlusOpeningsBytes };
}

/** Bare WebCrypto AES-256-GCM of the same plaintext bytes in one call each way (key import included): the floor. */
async function bareAesGcm(bytes: Uint8Array): Promise<{ sealMs: number; openMs: number }> {
  const subtle = globalThis.crypto.subtle;
  // The encoder's output sits on a plain ArrayBuffer (never shared), which WebCrypto's typing wants to be told.
  const plaintext = bytes as Uint8Array<ArrayBuffer>;
  const iv = random(12);
  let t = performance.now();
  const key = await subtle.importKey('raw', random(32), { name: 'AES-GCM' }, false, ['encrypt', 'decrypt']);
  const sealed = await subtle.encrypt({ name: 'AES-GCM', iv, tagLength: 128 }, key, plaintext);
  const sealMs = performance.now() - t;
  t = performance.now();
  const opened = new Uint8Array(await subtle.decrypt({ name: 'AES-GCM', iv, tagLength: 128 }, key, sealed));
  const openMs = performance.now() - t;
  if (opened.length !== plaintext.length) throw new Error('bare AES-GCM: length');
  return { sealMs, openMs };
}

async function runHistoryBench(messages: number, runs: number) {
  const setupStart = performance.now();
  const ownLists = ownChain('alice');
  const { archive, bodyPlusOpeningsBytes } = archiveOf(messages, ownLists);
  const ctx = { accountId: 'alice', deviceId: 2, ownLists };
  const setupMs = performance.now() - setupStart;
  const exportMs: number[] = [];
  const encodeMs: number[] = [];
  const importMs: number[] = [];
  const decryptMs: number[] = [];
  const checksMs: number[] = [];
  const bareSealMs: number[] = [];
  const bareOpenMs: number[] = [];
  let archiveBytes = 0;
  let plaintextBytes = 0;
  // One warm-up pass (JIT, WebCrypto key paths), then runs × (export, bare seal/open, import), interleaved.
  for (let r = -1; r < runs; r++) {
    let t = performance.now();
    const plaintext = encodeHistoryArchive(archive);
    const encoded = performance.now() - t;
    t = performance.now();
    const { ciphertext, descriptor } = await encryptHistoryArchive(archive);
    const exported = performance.now() - t;
    const bare = await bareAesGcm(plaintext);
    t = performance.now();
    const opened = await decryptHistoryArchive(descriptor, ciphertext, ctx);
    const decrypted = performance.now() - t;
    const imported = importHistoryRecords(opened, 'alice');
    const total = performance.now() - t;
    const checks = total - decrypted;
    if (imported.messages.length !== messages || imported.dropped.length !== 0) throw new Error(`import: ${imported.messages.length} messages, ${imported.dropped.length} dropped`);
    if (descriptor.size !== plaintext.length) throw new Error('descriptor size');
    if (r < 0) continue;
    encodeMs.push(encoded);
    exportMs.push(exported);
    decryptMs.push(decrypted);
    checksMs.push(checks);
    importMs.push(total);
    bareSealMs.push(bare.sealMs);
    bareOpenMs.push(bare.openMs);
    archiveBytes = ciphertext.length;
    plaintextBytes = plaintext.length;
  }
  return {
    runtime: navigator.userAgent,
    messages,
    runs,
    setupMs: round(setupMs),
    historyExport10kMsChromium: round(median(exportMs)),
    historyImport10kMsChromium: round(median(importMs)),
    exportMs: exportMs.map(round),
    importMs: importMs.map(round),
    /** encodeHistoryArchive alone (part of export, which encodes again inside encryptHistoryArchive). */
    encodeMedianMs: round(median(encodeMs)),
    /** decryptHistoryArchive alone (D15.5 steps 1–3: descriptor, §11.5 decryption, header and record decoding). */
    decryptAndOpenMedianMs: round(median(decryptMs)),
    /** importHistoryRecords alone (D15.5 steps 4–6: every item decoded and its commitment re-opened). */
    importChecksMedianMs: round(median(checksMs)),
    baseline: {
      what: 'bare WebCrypto AES-256-GCM (one call, key import included) over the same plaintext bytes, same page, same runs',
      sealMedianMs: round(median(bareSealMs)),
      openMedianMs: round(median(bareOpenMs)),
      sealMs: bareSealMs.map(round),
      openMs: bareOpenMs.map(round),
    },
    ratios: { exportVsBareSeal: round(median(exportMs) / median(bareSealMs)), importVsBareOpen: round(median(importMs) / median(bareOpenMs)) },
    archiveBytes,
    plaintextBytes,
    bodyPlusOpeningsBytes,
    archiveRatio: round(archiveBytes / bodyPlusOpeningsBytes),
    engines: { attachment: 'webcrypto (SDK default in a browser)', commitmentHmac: 'default provider (noble)' },
  };
}

(globalThis as unknown as { runHistoryBench: typeof runHistoryBench }).runHistoryBench = runHistoryBench;
