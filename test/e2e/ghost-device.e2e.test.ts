// The refusal of a device nobody linked, as a user sees it (docs/PROTOCOL-devices.md attacks A1–A2, D5.1, D5.4, D7.4,
// D11.2), in Debian's Chromium against the real server process: alice has two devices, bob writes to both. The
// operator — holding the database and the log key (DATA_DIR/kt-log-key.json), as a malicious operator does — adds a
// third device of its own to alice's account: a list version no device of alice's signed (signed by the ghost itself),
// logged with a leaf and a signed head, stored as the version the directory serves, with a device record, so the relay
// asks senders for a copy to it. What people see:
//   - each of alice's devices raises the alarm in plain words: a list of devices none of her devices signed;
//   - bob's chat refuses to encrypt to the ghost: the relay's list does not verify, so nothing is sent (no copy for
//     the ghost, none for alice's real devices either, D5.4), and bob's chat says so in words.
// Screenshots: test-artifacts/e2e/ghost-device-*.png.
import fs from 'node:fs';
import path from 'node:path';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { type Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeSignedDeviceList, deviceListHash, encodeSignedDeviceList, signDeviceList } from '../../client/devices/index.ts';
import { fromBase64Url } from '../../client/protocol.ts';
import { KIND_DEVICE_LIST, MerkleTree, deviceListBindingKey, encodeLeaf, hashLeaf, logKeyId, signTreeHead } from '../../client/transparency/index.ts';
import { createDb } from '../../server/db.ts';
import { POLL, a11yViolations, enableEngineHook, linkInChat, newChatPage, registerInChat } from './_chat-page.ts';
import { SHOTS, useE2eSuite } from './_suite.ts';

const LONG = { timeout: 60_000, interval: 200 };
const GHOST_ID = 3;

let alice1: Page;
let alice2: Page;
let bob: Page;

const suite = useE2eSuite({ only: ['chat'], env: { RATE_LIMIT_AUTH: '300' } });

beforeAll(async () => {
  [alice1, alice2, bob] = [await newChatPage(suite.browser, suite.contexts), await newChatPage(suite.browser, suite.contexts), await newChatPage(suite.browser, suite.contexts)];
  for (const p of [alice1, alice2]) await enableEngineHook(p);
});

async function withDb<T>(fn: (db: Awaited<ReturnType<typeof createDb>>) => Promise<T>): Promise<T> {
  const db = await createDb(`file:${path.join(suite.server.dataDir, 'franking.db')}`);
  try {
    return await fn(db);
  } finally {
    await db.$disconnect();
  }
}

async function send(page: Page, peer: string, text: string): Promise<void> {
  const box = page.getByLabel(`Message ${peer}`);
  await box.fill(text);
  await box.press('Enter');
}

/**
 * The operator adds a device of its own to `accountId`: the next list version with the ghost added, signed by the
 * ghost's own key as if it were already listed (no device of the account signed it), counter-signed by it; a
 * `device-list` leaf for it and a head over it signed with the log key; the list stored as the version the directory
 * serves and the relay routes by, with a record of the ghost device.
 */
async function addGhostDevice(accountId: string): Promise<number> {
  const seed = fromBase64Url((JSON.parse(fs.readFileSync(path.join(suite.server.dataDir, 'kt-log-key.json'), 'utf8')) as { seed: string }).seed, 'seed');
  const logPublicKey = (await (await fetch(`${suite.server.url}/v1/transparency/log-key`)).json() as { publicKey: string }).publicKey;
  return withDb(async (db) => {
    const current = await db.deviceListVersion.findFirstOrThrow({ where: { accountId }, orderBy: { listVersion: 'desc' } });
    const prev = decodeSignedDeviceList(new Uint8Array(current.list)).list;
    const ghost = ed25519.utils.randomSecretKey();
    const entry = {
      deviceId: GHOST_ID, identitySigningKey: ed25519.getPublicKey(ghost), identityDhKey: x25519.getPublicKey(x25519.utils.randomSecretKey()),
      credentialKey: ed25519.getPublicKey(ed25519.utils.randomSecretKey()), linkedAt: Date.now(),
    };
    const listVersion = current.listVersion + 1;
    const forged = encodeSignedDeviceList(signDeviceList(
      { ...prev, listVersion, prevListHash: deviceListHash(new Uint8Array(current.list)), kind: 'change', issuedAt: Date.now(), devices: [...prev.devices, entry], nextDeviceId: GHOST_ID + 1 },
      { kind: 'device', deviceId: GHOST_ID, signingPrivateKey: ghost },
      { cosignerPrivateKey: ghost },
    ));
    const listHash = deviceListHash(forged);
    await db.$transaction(async (tx) => {
      const leaves = await tx.ktLeaf.findMany({ orderBy: { index: 'asc' } });
      const tree = new MerkleTree();
      for (const l of leaves) tree.appendLeafHash(new Uint8Array(l.leafHash));
      const leaf = encodeLeaf({ accountId, kind: KIND_DEVICE_LIST, key: deviceListBindingKey(listVersion, listHash), action: 'publish', timestamp: Date.now() });
      const leafHash = hashLeaf(leaf);
      tree.appendLeafHash(leafHash);
      const head = signTreeHead({ logKeyId: logKeyId(fromBase64Url(logPublicKey, 'publicKey')), treeSize: tree.size, rootHash: tree.root(), timestamp: Date.now() }, seed);
      await tx.ktLeaf.create({ data: { index: leaves.length, leaf: new Uint8Array(leaf), leafHash: new Uint8Array(leafHash), accountId, kind: KIND_DEVICE_LIST } });
      await tx.ktTreeHead.create({ data: { treeSize: head.treeSize, rootHash: new Uint8Array(head.rootHash), timestamp: BigInt(head.timestamp), signature: new Uint8Array(head.signature), logKeyId: new Uint8Array(head.logKeyId) } });
      await tx.deviceListVersion.create({ data: { accountId, listVersion, listHash: new Uint8Array(listHash), list: new Uint8Array(forged), leafIndex: leaves.length } });
      await tx.deviceRecord.create({ data: { accountId, deviceId: BigInt(GHOST_ID), addedInVersion: listVersion, acceptedAt: new Date() } });
      await tx.account.update({ where: { id: accountId }, data: { deviceListVersion: listVersion } });
    });
    return listVersion;
  });
}

describe('a device the operator added to alice\'s account, that none of her devices signed', () => {
  let version = 0;

  it('alice has two devices and bob writes to both', async () => {
    await registerInChat(alice1, suite.server.url, 'alice');
    await registerInChat(bob, suite.server.url, 'bob');
    await alice1.getByLabel('Add a contact by handle').fill('bob');
    await alice1.getByRole('button', { name: 'Add', exact: true }).click();
    await expect.poll(async () => alice1.getByRole('heading', { level: 1, name: 'bob' }).count(), POLL).toBe(1);
    await send(alice1, 'bob', 'Hi Bob');
    await bob.getByTestId('requests').getByRole('button', { name: /alice/ }).click();
    await expect.poll(async () => bob.getByTestId('request-bar').count(), LONG).toBe(1);
    await bob.getByTestId('request-bar').getByRole('button', { name: 'Accept' }).click();
    await expect.poll(async () => bob.getByLabel('Message alice').count(), LONG).toBe(1);
    await linkInChat(alice1, alice2, suite.server.url, { name: 'Laptop', history: false });
    await send(bob, 'alice', 'Hello to both of your devices');
    await expect.poll(async () => alice1.locator('li.msg.in', { hasText: 'Hello to both of your devices' }).count(), LONG).toBe(1);
    await alice2.getByRole('button', { name: /bob/ }).first().click();
    await expect.poll(async () => alice2.locator('li.msg.in', { hasText: 'Hello to both of your devices' }).count(), LONG).toBe(1);
    await expect.poll(async () => bob.locator('li.system', { hasText: 'alice linked a new device' }).count(), LONG).toBe(1);
    // Before the operator moves, neither of alice's devices warns of anything: the new one has checked the key log
    // (its first own-key check covers every entry, her first device's keys among them) and found nothing foreign.
    await expect.poll(async () => alice2.evaluate(() => window.chatEngine.getSnapshot().kt.lastCheck ?? 0), LONG).toBeGreaterThan(0);
    for (const page of [alice1, alice2]) expect(await page.getByRole('alert', { name: 'Key log warning' }).count()).toBe(0);
  });

  it('the operator logs a list with a ghost device; each of alice\'s devices raises the alarm in plain words', async () => {
    version = await addGhostDevice('alice');
    expect(version).toBe(3);
    const words = `The server logged a list of devices for your account that none of your devices signed (version ${version}): `
      + 'it was signed by a device that is not one of yours. Someone may be trying to add a device to your account.';
    for (const [i, page] of [alice1, alice2].entries()) {
      // Opening the chat runs the own-device check (D7.4; it also runs on every new log head and every 10 minutes).
      await page.reload();
      const alarm = page.getByRole('alert', { name: 'Key log warning' });
      await expect.poll(async () => alarm.filter({ hasText: words }).count(), LONG).toBe(1);
      expect(await alarm.textContent()).toContain('What to do: Do not trust messages that seem to come from a device you do not know. '
        + 'Check your devices, tell your contacts to compare safety numbers with you in person, and report this to the operator.');
      // The one alarm: her first device's keys, logged before her list, are hers on every device (no false alarm).
      expect(await page.evaluate(() => window.chatEngine.getSnapshot().kt.alarms.length)).toBe(1);
      // The device sends nothing to a list it cannot verify, and says so.
      await expect.poll(async () => page.getByText("Not connected: the server's list of your devices could not be verified (see the key log warning)", { exact: false }).count(), LONG).toBe(1);
      expect(await a11yViolations(page)).toEqual([]);
      await page.screenshot({ path: path.join(SHOTS, `ghost-device-0${i + 1}-alarm-on-alice-device-${i + 1}.png`) });
    }
  });

  it('bob\'s chat refuses to encrypt to the ghost and says so; nothing reaches any of alice\'s devices', async () => {
    const text = 'Did you add a new device?';
    await send(bob, 'alice', text);
    const refusal = "alice's device list could not be proven in the public key log, so nothing is sent to their devices until it is.";
    await expect.poll(async () => bob.getByText(refusal, { exact: false }).count(), LONG).toBeGreaterThan(0);
    await bob.screenshot({ path: path.join(SHOTS, 'ghost-device-03-bob-refuses.png') });
    expect(await bob.locator('li.msg.out[data-state="sent"]', { hasText: text }).count()).toBe(0);
    // No copy for the ghost, and none for alice's listed devices either (D5.4: nothing is sent to an unproven list).
    const copies = await withDb((db) => db.envelope.findMany({ where: { recipientId: 'alice' }, select: { targetDeviceId: true } }));
    expect(copies.filter((c) => Number(c.targetDeviceId) === GHOST_ID)).toEqual([]);
    await new Promise((r) => setTimeout(r, 2000));
    for (const page of [alice1, alice2]) expect(await page.locator('li.msg', { hasText: text }).count()).toBe(0);
  });
});
