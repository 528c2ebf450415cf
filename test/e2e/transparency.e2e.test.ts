// Key transparency in a real browser (docs/TRANSPARENCY.md): the contact's key is proven in the public key log
// and marked; two people compare their views of the log inside their encrypted conversation; and when the
// server publishes a key for Alice that she did not create, her page says so in plain words on its next check;
// and when the directory hands out a key package for Bob whose credential key is not in the log (the rows swapped
// in the database), Alice's page refuses to add him and says why (docs/TRANSPARENCY.md §6.4); and when the directory
// serves a non-contact's device list without its proofs, none of her devices is added (docs/PROTOCOL-devices.md D7.3).
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { type Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { fromBase64Url } from '../../client/protocol.ts';
import { generateCredentialKey, generateGroupKeyPackage } from '../../client/group/index.ts';
import { generateIdentity } from '../../client/session/identity.ts';
import { createDb } from '../../server/db.ts';
import { transparencyRepo } from '../../server/data/transparency.ts';
import { TransparencyService, logSignerFromSeed } from '../../server/services/transparency/index.ts';
import { POLL, a11yViolations, newChatPage, registerInChat } from './_chat-page.ts';
import { SHOTS, useE2eSuite } from './_suite.ts';

let alice: Page;
let bob: Page;

const suite = useE2eSuite({ only: ['chat'], env: { RATE_LIMIT_AUTH: '300' } });

beforeAll(async () => {
  alice = await newChatPage(suite.browser, suite.contexts);
  bob = await newChatPage(suite.browser, suite.contexts);
});

describe('key transparency in the chat', () => {
  it('marks a contact whose key is proven in the log, and compares views inside the conversation', async () => {
    await registerInChat(alice, suite.server.url, 'alice');
    await registerInChat(bob, suite.server.url, 'bob');
    await alice.getByLabel('Add a contact by handle').fill('bob');
    await alice.getByRole('button', { name: 'Add', exact: true }).click();
    await expect.poll(async () => alice.locator('.conv-header', { hasText: 'Key in public log' }).count(), POLL).toBe(1);
    const box = alice.getByLabel('Message bob');
    await box.fill('hello bob');
    await box.press('Enter');
    // Alice's first message is a message request on Bob's side: he opens it and accepts.
    await expect.poll(async () => bob.getByTestId('requests').getByRole('button', { name: /alice/ }).count(), POLL).toBe(1);
    await bob.getByTestId('requests').getByRole('button', { name: /alice/ }).click();
    await expect.poll(async () => bob.getByTestId('request-bar').count(), POLL).toBe(1);
    await bob.getByTestId('request-bar').getByRole('button', { name: 'Accept' }).click();
    await expect.poll(async () => bob.locator('li.msg', { hasText: 'hello bob' }).count(), POLL).toBe(1);
    // Bob compares key logs from the safety-number dialog; Alice's page says both views agree beside the safety number
    // (gossip is a protocol message, never a bubble: docs/PROTOCOL.md §8.4).
    await bob.getByRole('button', { name: 'Safety number' }).click();
    await bob.getByRole('button', { name: 'Compare key logs' }).click();
    await alice.getByRole('button', { name: 'Safety number' }).click();
    await expect.poll(async () => alice.getByTestId('kt-comparison').textContent(), POLL).toMatch(/^Key logs compared with bob .*: you both see the same history \(\d+ keys\)\.$/);
    expect(await alice.locator('li.msg', { hasText: /key log/i }).count()).toBe(0);
    await alice.getByRole('dialog').getByRole('button', { name: 'Close' }).click();
    await alice.screenshot({ path: path.join(SHOTS, 'kt-01-proven-and-compared.png') });
    expect(await a11yViolations(alice)).toEqual([]);
  });

  it('alarms Alice, in plain words, when a key she did not create is published for her account', async () => {
    // The operator (or whoever compelled it) appends a key of its own for alice, signed with the log's key.
    const seed = (JSON.parse(fs.readFileSync(path.join(suite.server.dataDir, 'kt-log-key.json'), 'utf8')) as { seed: string }).seed;
    const db = await createDb(`file:${path.join(suite.server.dataDir, 'franking.db')}`);
    try {
      const log = new TransparencyService(transparencyRepo(db), logSignerFromSeed(fromBase64Url(seed)), []);
      await log.init();
      await log.append([{ accountId: 'alice', kind: 'identity', key: new Uint8Array(randomBytes(64)) }]);
    } finally {
      await db.$disconnect();
    }
    await alice.reload();
    const alarm = alice.getByRole('alert', { name: 'Key log warning' });
    await expect.poll(async () => alarm.getByText('a key you did not create was published for your account').count(), POLL).toBeGreaterThan(0);
    expect(await alarm.textContent()).toMatch(/What to do: .*compare safety numbers/);
    await alice.screenshot({ path: path.join(SHOTS, 'kt-02-foreign-key-alarm.png') });
    expect(await a11yViolations(alice)).toEqual([]);
    await alarm.getByRole('button', { name: 'I understand' }).click();
    await expect.poll(async () => alice.getByRole('alert', { name: 'Key log warning' }).count(), POLL).toBe(0);
  });

  it("refuses, in plain words, to add Bob to a group when the key package handed out for him carries a key the log does not hold", async () => {
    // Bob's chat published its key packages when it came online; whoever reaches the database swaps them all for a
    // package that names bob under a credential key of its own (never published, so never logged).
    const rogue = (await generateGroupKeyPackage({ accountId: 'bob', identity: generateIdentity(), credentialKey: generateCredentialKey() })).bytes;
    const db = await createDb(`file:${path.join(suite.server.dataDir, 'franking.db')}`);
    try {
      await expect.poll(async () => db.keyPackage.count({ where: { accountId: 'bob' } }), POLL).toBeGreaterThan(0);
      const swapped = await db.keyPackage.updateMany({ where: { accountId: 'bob' }, data: { data: new Uint8Array(rogue) } });
      expect(swapped.count).toBeGreaterThan(0);
    } finally {
      await db.$disconnect();
    }
    await alice.getByRole('button', { name: 'New group' }).click();
    await alice.getByLabel('Group name').fill('Key check');
    await alice.getByLabel(/^Members/).fill('bob');
    await alice.getByRole('button', { name: 'Create group' }).click();
    const refusal = alice.getByRole('alert').filter({ hasText: 'without proof that it is in the public key log' });
    await expect.poll(async () => refusal.count(), POLL).toBe(1);
    expect(await refusal.textContent()).toMatch(/^Could not add members: The server sent bob's group key without proof that it is in the public key log, so bob was not added\. An honest server always sends that proof: compare safety numbers with bob in person and tell the operator/);
    await alice.screenshot({ path: path.join(SHOTS, 'kt-03-unproven-group-key-refused.png') });
    expect(await a11yViolations(alice)).toEqual([]);
    // Nobody was added: no Commit or Welcome left Alice's page, nothing was delivered to Bob.
    const after = await createDb(`file:${path.join(suite.server.dataDir, 'franking.db')}`);
    try {
      expect(await after.groupMessage.count({ where: { senderId: 'alice', kind: { in: ['commit', 'welcome'] } } })).toBe(0);
      expect(await after.groupDelivery.count({ where: { recipientId: 'bob' } })).toBe(0);
    } finally {
      await after.$disconnect();
    }
  });

  it("refuses to add Carol when the directory serves her device list without its key-log proofs", async () => {
    // Carol's group credential names her device, whose keys only her device list vouches for (docs/PROTOCOL-devices.md
    // D14.1, D7.3). A server that strips the list's inclusion proofs (played here by rewriting the response in Alice's
    // page) must not get any of her devices used: an unproven list could hold a device the server made up.
    const carol = await newChatPage(suite.browser, suite.contexts);
    await registerInChat(carol, suite.server.url, 'carol');
    let stripped = 0;
    await alice.route('**/v1/devices/carol**', async (route) => {
      const res = await route.fetch();
      const json = (await res.json()) as Record<string, unknown>;
      json.proofs = [];
      stripped++;
      await route.fulfill({ response: res, json });
    });
    await alice.reload(); // leaves the previous test's refused group form
    await expect.poll(async () => alice.getByRole('button', { name: 'New group' }).count(), POLL).toBe(1);
    await alice.getByRole('button', { name: 'New group' }).click();
    await alice.getByLabel('Group name').fill('Identity check');
    await alice.getByLabel(/^Members/).fill('carol');
    await alice.getByRole('button', { name: 'Create group' }).click();
    const refusal = alice.getByRole('alert').filter({ hasText: /^Could not add members/ });
    await expect.poll(async () => refusal.count(), POLL).toBe(1);
    expect(await refusal.textContent()).toMatch(/^Could not add members: carol's device list could not be proven in the public key log/);
    expect(stripped).toBeGreaterThan(0);
    const after = await createDb(`file:${path.join(suite.server.dataDir, 'franking.db')}`);
    try {
      expect(await after.groupMessage.count({ where: { senderId: 'alice', kind: { in: ['commit', 'welcome'] } } })).toBe(0);
      expect(await after.groupDelivery.count({ where: { recipientId: 'carol' } })).toBe(0);
    } finally {
      await after.$disconnect();
    }
    await alice.unroute('**/v1/devices/carol**');
  });
});
