// Key transparency on the receive path, as a user sees it in a real browser (docs/TRANSPARENCY.md §6.1, §6.3, §8):
//   - the operator signs in as alice with an identity key of its own, never published to the log, and writes to bob:
//     bob's chat refuses the message in plain words, and bob's reply goes to the key the log holds for alice;
//   - the server refuses dave the consistency proof between the log head he holds and the larger one carol's chat
//     gossips to him: an alarm in plain words with both signed heads kept as evidence, not "nothing to compare";
//   - key-log gossip is a protocol message: never a bubble, a preview, or a choice in the report dialog, and one that
//     failed to send is sent again;
//   - a junk Commit the operator writes into a group's inboxes is dropped and counted, not a fork (PROTOCOL §12.7).
// The operator's moves are made the way an operator can: in the database, and with a proxy in front of the server
// (played here by routing dave's page).
import fs from 'node:fs';
import path from 'node:path';
import { type Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { ApiClient } from '../../client/transport/api.ts';
import { userOperations } from '../../client/transport/contract/operations.ts';
import { frankMessage } from '../../client/franking/franking.ts';
import { fromBase64Url, toBase64Url } from '../../client/protocol.ts';
import { type IdentityKeyPair, generateIdentity } from '../../client/session/identity.ts';
import { MlsGroup, generateCredentialKey } from '../../client/group/index.ts';
import { Session } from '../../client/session/session.ts';
import { KIND_IDENTITY, MerkleTree, encodeLeaf, hashLeaf, identityBindingKey, logKeyId, signTreeHead } from '../../client/transparency/index.ts';
import { createDb } from '../../server/db.ts';
import { POLL, a11yViolations, newChatPage, registerInChat } from './_chat-page.ts';
import { type ChatUser, chatUser } from './_sdk-seed.ts';
import { SHOTS, useE2eSuite } from './_suite.ts';

const REFUSAL = 'this message was signed by a key that is not in the public key log — not shown';

const suite = useE2eSuite({ only: ['chat'], env: { RATE_LIMIT_AUTH: '300' } });

async function withDb<T>(fn: (db: Awaited<ReturnType<typeof createDb>>) => Promise<T>): Promise<T> {
  const db = await createDb(`file:${path.join(suite.server.dataDir, 'franking.db')}`);
  try {
    return await fn(db);
  } finally {
    await db.$disconnect();
  }
}

/**
 * The operator writes to `to` as `as`: it puts an identity key of its own in the account row (never published, so
 * never logged) just long enough to sign in with it, puts the real row back (the directory serves the logged key
 * again), then starts a session with its own key and sends one franked message.
 */
async function impersonate(as: ChatUser, to: string, text: string): Promise<{ rogue: IdentityKeyPair; session: Session; conversationId: string }> {
  const rogue = generateIdentity();
  const real = await withDb((db) => db.account.findUniqueOrThrow({ where: { id: as.id }, select: { identitySigningKey: true, identityDhKey: true } }));
  const api = new ApiClient({ baseUrl: suite.server.url, validateResponses: userOperations });
  await withDb((db) => db.account.update({ where: { id: as.id }, data: { identitySigningKey: new Uint8Array(rogue.signingPublicKey), identityDhKey: new Uint8Array(rogue.dhPublicKey) } }));
  try {
    await api.login(as.id, rogue);
  } finally {
    // Back before anything is sent: whoever fetches alice's key from now on gets the logged one.
    await withDb((db) => db.account.update({ where: { id: as.id }, data: real }));
  }
  {
    const conversationId = (await api.createConversation({ kind: 'direct', peerId: to })).id;
    const session = Session.initiate(rogue, await api.fetchBundle(to));
    const franked = frankMessage({ conversationId, senderId: as.id, seq: 1 }, new TextEncoder().encode(text));
    const env = session.sendFranked(franked);
    await api.send({ conversationId, commitment: toBase64Url(env.commitment), envelopes: [{ recipientId: to, ciphertext: toBase64Url(env.message) }] });
    return { rogue, session, conversationId };
  }
}

/**
 * The operator, holding the log key (DATA_DIR/kt-log-key.json), logs an identity key of its own for `as` — a leaf and a
 * head over it signed with the log key, written where the server keeps its log — and puts it in the account row: the
 * directory now serves that key with a valid proof (what only the owner's monitor catches, docs/TRANSPARENCY.md §6.3).
 */
async function logRogueIdentity(as: string): Promise<IdentityKeyPair> {
  const rogue = generateIdentity();
  const seed = fromBase64Url((JSON.parse(fs.readFileSync(path.join(suite.server.dataDir, 'kt-log-key.json'), 'utf8')) as { seed: string }).seed, 'seed');
  const publicKey = (await (await fetch(`${suite.server.url}/v1/transparency/log-key`)).json() as { publicKey: string }).publicKey;
  await withDb((db) => db.$transaction(async (tx) => {
    const leaves = await tx.ktLeaf.findMany({ orderBy: { index: 'asc' } });
    const tree = new MerkleTree();
    for (const l of leaves) tree.appendLeafHash(new Uint8Array(l.leafHash));
    const leaf = encodeLeaf({ accountId: as, kind: KIND_IDENTITY, key: identityBindingKey(rogue.signingPublicKey, rogue.dhPublicKey), action: 'publish', timestamp: Date.now() });
    const leafHash = hashLeaf(leaf);
    tree.appendLeafHash(leafHash);
    const head = signTreeHead({ logKeyId: logKeyId(fromBase64Url(publicKey, 'publicKey')), treeSize: tree.size, rootHash: tree.root(), timestamp: Date.now() }, seed);
    await tx.ktLeaf.create({ data: { index: leaves.length, leaf: new Uint8Array(leaf), leafHash: new Uint8Array(leafHash), accountId: as, kind: KIND_IDENTITY } });
    await tx.ktTreeHead.create({ data: { treeSize: head.treeSize, rootHash: new Uint8Array(head.rootHash), timestamp: BigInt(head.timestamp), signature: new Uint8Array(head.signature), logKeyId: new Uint8Array(head.logKeyId) } });
    await tx.account.update({ where: { id: as }, data: { identitySigningKey: new Uint8Array(rogue.signingPublicKey), identityDhKey: new Uint8Array(rogue.dhPublicKey) } });
  }));
  return rogue;
}

const bubbles = (page: Page, text: string | RegExp) => page.locator('li.msg', { hasText: text });

describe('a sender whose identity key is not in the public key log', () => {
  it("is refused in plain words: bob never sees the operator's message, and his reply goes to alice's logged key", async () => {
    const alice = await chatUser(suite.server.url, 'alice'); // the real alice: registered, key published and logged
    const bob = await newChatPage(suite.browser, suite.contexts);
    await registerInChat(bob, suite.server.url, 'bob');

    const op = await impersonate(alice, 'bob', 'hi bob, it is alice on a new phone');
    const request = bob.getByTestId('requests').getByRole('button', { name: /alice/ });
    await expect.poll(async () => request.count(), POLL).toBe(1);
    await request.click();
    const note = bob.locator('li.system', { hasText: REFUSAL });
    await expect.poll(async () => note.count(), POLL).toBe(1);
    expect(await note.textContent()).toBe(`alice: ${REFUSAL}. Someone may be posing as alice: compare safety numbers with them in person before you trust new messages.`);
    expect(await bob.getByText('it is alice on a new phone').count()).toBe(0);
    expect(await bob.locator('.report-btn').count()).toBe(0); // nothing shown, nothing to report
    await bob.screenshot({ path: path.join(SHOTS, 'kt-04-unproven-sender-refused.png') });
    expect(await a11yViolations(bob)).toEqual([]);

    // Bob answers anyway: his chat starts a session with the key the log holds for alice, not the operator's.
    await bob.getByTestId('request-bar').getByRole('button', { name: 'Accept' }).click();
    const box = bob.getByLabel('Message alice');
    await box.fill('who is this?');
    await box.press('Enter');
    await expect.poll(async () => bubbles(bob, 'who is this?').locator('.state', { hasText: 'Sent' }).count(), POLL).toBe(1);
    const mail = await alice.api.fetchMessages({ limit: 50 });
    const reply = mail.find((e) => e.stamp.senderId === 'bob');
    expect(reply).toBeDefined();
    const envelope = { commitment: fromBase64Url(reply!.commitment, 'commitment'), message: fromBase64Url(reply!.ciphertext, 'ciphertext') };
    const expectFrom = { expect: { conversationId: reply!.stamp.conversationId, senderId: 'bob' } };
    // The operator's session cannot read it...
    let operatorRead = false;
    try {
      operatorRead = op.session.receiveFranked(envelope, expectFrom).status === 'accepted';
    } catch {
      operatorRead = false;
    }
    expect(operatorRead).toBe(false);
    // ...the real alice can.
    const r = Session.respondFranked(alice.identity, alice.preKeys, envelope, expectFrom);
    expect(r.receipt.status).toBe('accepted');
    if (r.receipt.status === 'accepted') expect(new TextDecoder().decode(r.receipt.message.body)).toBe('who is this?');

    // A known contact whose key "changed" to one the log does not hold: refused the same way, not a safety-number change.
    await impersonate(alice, 'bob', 'new key, same alice');
    await expect.poll(async () => bob.locator('li.system', { hasText: REFUSAL }).count(), POLL).toBe(2);
    expect(await bob.getByText('new key, same alice').count()).toBe(0);
    expect(await bob.locator('.conv-header', { hasText: 'Safety number changed' }).count()).toBe(0);
  });
});

describe('a known contact whose key changed to one the log holds', () => {
  it('stays the "safety number changed" warning: the message is shown, the contact must be verified again', async () => {
    const amy = await chatUser(suite.server.url, 'amy');
    const ben = await newChatPage(suite.browser, suite.contexts);
    await registerInChat(ben, suite.server.url, 'ben');
    await ben.getByLabel('Add a contact by handle').fill('amy');
    await ben.getByRole('button', { name: 'Add', exact: true }).click();
    const box = ben.getByLabel('Message amy');
    await box.fill('hi amy');
    await box.press('Enter');
    await expect.poll(async () => bubbles(ben, 'hi amy').locator('.state', { hasText: 'Sent' }).count(), POLL).toBe(1);
    expect(await ben.locator('.conv-header', { hasText: 'Safety number changed' }).count()).toBe(0);

    // The operator logs a key of its own for amy with the log key, signs in with it and writes to ben.
    const rogue = await logRogueIdentity(amy.id);
    const api = new ApiClient({ baseUrl: suite.server.url, validateResponses: userOperations });
    await api.login(amy.id, rogue);
    const conversationId = (await api.createConversation({ kind: 'direct', peerId: 'ben' })).id;
    const session = Session.initiate(rogue, await api.fetchBundle('ben'));
    const env = session.sendFranked(frankMessage({ conversationId, senderId: amy.id, seq: 1 }, new TextEncoder().encode('amy on a new key')));
    await api.send({ conversationId, commitment: toBase64Url(env.commitment), envelopes: [{ recipientId: 'ben', ciphertext: toBase64Url(env.message) }] });

    // Proven in the log, so not refused; but not the key ben knew: the warning it has always been.
    await expect.poll(async () => bubbles(ben, 'amy on a new key').count(), POLL).toBe(1);
    await expect.poll(async () => ben.locator('.conv-header', { hasText: 'Safety number changed' }).count(), POLL).toBe(1);
    expect(await ben.locator('li.system', { hasText: REFUSAL }).count()).toBe(0);
  });
});

describe('a refused consistency proof and key-log gossip', () => {
  it('the server refuses dave the proof between his head and the one carol gossips: an alarm with both heads, no bubble', async () => {
    const carol = await newChatPage(suite.browser, suite.contexts);
    const dave = await newChatPage(suite.browser, suite.contexts);
    // The operator's front end in dave's path: once it starts hiding the fork it also withholds the new heads it would
    // announce on dave's push channel (docs/TRANSPARENCY.md §6.3), so only carol's gossip can bring him a newer one.
    let withholdHeads = false;
    await dave.routeWebSocket('**/v1/stream', (ws) => {
      const upstream = ws.connectToServer();
      upstream.onMessage((m) => {
        if (withholdHeads && typeof m === 'string' && m.startsWith('{"type":"kt-head"')) return;
        ws.send(m);
      });
    });
    await registerInChat(carol, suite.server.url, 'carol');
    await registerInChat(dave, suite.server.url, 'dave');
    await carol.getByLabel('Add a contact by handle').fill('dave');
    await carol.getByRole('button', { name: 'Add', exact: true }).click();
    const box = carol.getByLabel('Message dave');
    await box.fill('hello dave');
    await box.press('Enter');
    await dave.getByTestId('requests').getByRole('button', { name: /carol/ }).click();
    await dave.getByTestId('request-bar').getByRole('button', { name: 'Accept' }).click();
    await expect.poll(async () => bubbles(dave, 'hello dave').count(), POLL).toBe(1);

    // Gossip went both ways when the conversation started (carol with her first message): it shows nowhere as a message.
    await dave.getByRole('button', { name: 'Safety number' }).click();
    await expect.poll(async () => dave.getByTestId('kt-comparison').textContent(), POLL).toMatch(/^Key logs compared with carol .*: you both see the same history \(\d+ keys\)\.$/);
    await dave.getByRole('button', { name: 'Close' }).click();
    for (const page of [carol, dave]) {
      expect(await page.locator('li.msg', { hasText: /key log/i }).count()).toBe(0);
      expect(await page.locator('.preview', { hasText: /key log/i }).count()).toBe(0);
    }
    expect(await dave.locator('.preview', { hasText: 'hello dave' }).count()).toBe(1);
    // The report dialog offers only the conversation.
    await bubbles(dave, 'hello dave').getByRole('button', { name: /^Report/ }).click();
    const dialog = dave.getByRole('dialog');
    await expect.poll(async () => dialog.count(), POLL).toBe(1);
    expect(await dialog.getByText(/key log/i).count()).toBe(0);
    await dave.keyboard.press('Escape');

    // The operator's proxy refuses dave every consistency proof from now on (and withholds new heads); the log grows.
    withholdHeads = true;
    let refused = 0;
    await dave.route('**/v1/transparency/consistency**', async (route) => {
      refused++;
      await route.fulfill({ status: 403, contentType: 'application/problem+json', body: JSON.stringify({ type: 'about:blank', title: 'Forbidden', status: 403, code: 'forbidden', detail: 'not for you' }) });
    });
    await chatUser(suite.server.url, 'erin');
    await carol.reload(); // her page checks the log at start: her newest head now includes erin's keys
    await expect.poll(async () => carol.getByRole('status').filter({ hasText: 'Connected' }).count(), POLL).toBe(1);
    const alarm = dave.getByRole('alert', { name: 'Key log warning' });
    await expect.poll(async () => {
      if ((await alarm.count()) > 0) return true;
      await carol.getByRole('button', { name: 'Safety number' }).click();
      await carol.getByRole('button', { name: 'Compare key logs' }).click();
      return false;
    }, { timeout: 30_000, interval: 2_000 }).toBe(true);
    const text = (await alarm.textContent()) ?? '';
    expect(text).toContain('Warning: the server would not prove that its key log is consistent.');
    expect(text).toMatch(/The server would not prove that its key log is consistent \(found comparing key logs with carol\)\. It signed a log of \d+ keys and one of \d+ keys and would not show that the second extends the first; both signed heads are kept as evidence\./);
    expect(text).not.toMatch(/nothing to compare/i);
    expect(refused).toBeGreaterThan(0);
    // The evidence is kept in dave's browser: both signed heads, the larger one carol's.
    const evidence = await dave.evaluate(async () => {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const r = indexedDB.open('franking-chat');
        r.onsuccess = () => resolve(r.result);
        r.onerror = () => reject(r.error);
      });
      const kt = await new Promise<{ view: { alarms: Array<{ kind: string; evidence?: { older: { treeSize: number; signature: string }; newer: { treeSize: number; signature: string } } }> } }>((resolve, reject) => {
        const r = db.transaction('meta').objectStore('meta').get('kt');
        r.onsuccess = () => resolve(r.result);
        r.onerror = () => reject(r.error);
      });
      db.close();
      return kt.view.alarms.find((a) => a.kind === 'log_unproven')?.evidence ?? null;
    });
    expect(evidence).not.toBeNull();
    expect(evidence!.newer.treeSize).toBeGreaterThan(evidence!.older.treeSize);
    expect(evidence!.older.signature.length).toBeGreaterThan(80);
    expect(await dave.locator('li.msg', { hasText: /key log/i }).count()).toBe(0);
    await dave.screenshot({ path: path.join(SHOTS, 'kt-05-consistency-refused-alarm.png') });
    expect(await a11yViolations(dave)).toEqual([]);
    await dave.unroute('**/v1/transparency/consistency**');
  });
});

describe('protocol messages are delivered even though nobody sees them', () => {
  it('a key-log gossip whose send failed is sent again at the next start, so the peer sees no gap and gets the comparison', async () => {
    const frank = await newChatPage(suite.browser, suite.contexts);
    const gina = await newChatPage(suite.browser, suite.contexts);
    await registerInChat(frank, suite.server.url, 'frank');
    await registerInChat(gina, suite.server.url, 'gina');
    // The network drops frank's second send: the gossip his chat sends right after his first message.
    let sends = 0;
    await frank.route('**/v1/messages', async (route) => {
      if (route.request().method() === 'POST' && ++sends === 2) return route.abort('failed');
      return route.continue();
    });
    await frank.getByLabel('Add a contact by handle').fill('gina');
    await frank.getByRole('button', { name: 'Add', exact: true }).click();
    const box = frank.getByLabel('Message gina');
    await box.fill('hi gina');
    await box.press('Enter');
    await expect.poll(async () => sends, POLL).toBe(2);
    await frank.unroute('**/v1/messages');
    expect(await frank.locator('.failed').count()).toBe(0); // nothing for frank to retry by hand: it is not shown
    await frank.reload();
    await gina.getByTestId('requests').getByRole('button', { name: /frank/ }).click();
    await expect.poll(async () => bubbles(gina, 'hi gina').count(), POLL).toBe(1);
    await gina.getByRole('button', { name: 'Safety number' }).click();
    await expect.poll(async () => gina.getByTestId('kt-comparison').textContent(), POLL).toMatch(/^Key logs compared with frank .*: you both see the same history/);
  });
});

describe('a junk Commit in a group', () => {
  it('is dropped and counted: the group is not marked forked, and its members keep sending', async () => {
    const hana = await newChatPage(suite.browser, suite.contexts);
    const ivan = await newChatPage(suite.browser, suite.contexts);
    await registerInChat(hana, suite.server.url, 'hana');
    await registerInChat(ivan, suite.server.url, 'ivan');
    await hana.getByRole('button', { name: 'New group' }).click();
    await hana.getByLabel('Group name').fill('Climbers');
    await hana.getByLabel(/^Members/).fill('ivan');
    await hana.getByRole('button', { name: 'Create group' }).click();
    await expect.poll(async () => hana.getByRole('heading', { level: 1, name: 'Climbers' }).count(), POLL).toBe(1);
    // The group is complete (ivan added by hana's Commit, its name delivered) before the operator moves.
    const entry = ivan.getByRole('button', { name: /Climbers.*\(group\)/ });
    await expect.poll(async () => entry.count(), POLL).toBe(1);
    await expect.poll(async () => hana.locator('li.msg.out[data-state="sent"]').count(), POLL).toBe(1);
    const conv = await withDb(async (db) => (await db.conversation.findFirstOrThrow({ where: { kind: 'group' }, orderBy: { createdAt: 'desc' } })).id);
    // The operator makes a "Commit for epoch 0" — the epoch hana's own add left — in a group of its own with the same id,
    // signed by a key of its own, and writes it into both members' inboxes as if hana had sent it.
    const junk = await (await MlsGroup.create(conv, { accountId: 'hana', identity: generateIdentity(), credentialKey: generateCredentialKey() }, { resolveIdentity: () => undefined })).update();
    expect(junk.epoch).toBe(0);
    const now = Date.now();
    await withDb((db) => db.groupMessage.create({
      data: {
        id: 'junk-commit', conversationId: conv, senderId: 'hana', kind: 'commit', epoch: 0n, ciphertext: new Uint8Array(junk.commit), serverTime: BigInt(now), expiresAt: new Date(now + 86_400_000),
        deliveries: { create: ['hana', 'ivan'].map((recipientId) => ({ recipientId, serverTime: BigInt(now), expiresAt: new Date(now + 86_400_000) })) },
      },
    }));
    await hana.reload(); // the inbox is read at start
    const counted = hana.getByTestId('group-refused');
    await expect.poll(async () => counted.count(), POLL).toBe(1);
    expect(await counted.textContent()).toBe("1 group change that failed the group's checks (not signed by a member, or not allowed) was dropped; nothing about the group changed.");
    expect(await hana.getByText('shown different histories').count()).toBe(0);
    const box = hana.getByLabel('Message Climbers');
    expect(await box.isDisabled()).toBe(false);
    await box.fill('still one group');
    await box.press('Enter');
    await expect.poll(async () => hana.locator('li.msg.out[data-state="sent"]', { hasText: 'still one group' }).count(), POLL).toBe(1);
    await entry.click();
    await expect.poll(async () => bubbles(ivan, 'still one group').count(), POLL).toBe(1);
    expect(await ivan.getByText('shown different histories').count()).toBe(0);
  });
});
