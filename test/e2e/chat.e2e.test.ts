// The whole story in a real browser (Debian's Chromium), through the real server process on a fresh SQLite
// database: Alice sends Bob twelve messages, three abusive; Bob reports one with context; the moderator sees
// it verified with complete context in the dashboard and bans Alice; Alice's next send is refused with a
// clear message; Bob's "My reports" shows the outcome. Then a report whose context was edited in the page's
// IndexedDB shows as not verified. Screenshots go to test-artifacts/e2e/.
import fs from 'node:fs';
import path from 'node:path';
import { type Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { POLL, a11yViolations, newChatPage, registerInChat } from './_chat-page.ts';
import { SHOTS, useE2eSuite } from './_suite.ts';

const ALICE = 'alice';
const BOB = 'bob';
const ABUSE = [
  "You're pathetic and everyone at the gym laughs at you",
  'If you show up on Saturday I will make you regret it',
  'Worthless idiot. Delete your account before I make you',
];
const ALICE_MESSAGES = [
  "Hey Bob, it's Alice from the climbing gym",
  'Are you coming on Saturday?',
  'I saved you a spot on the 9am session',
  "Why aren't you answering me?",
  ABUSE[0],
  'Answer me',
  'I know where you park your bike',
  ABUSE[1],
  "Don't ignore me",
  "I'm not going away",
  ABUSE[2],
  'See you Saturday',
] as string[];
/** Bob's private reply: never selected for a report, so it must never reach the server in any readable form. */
const CANARY = 'Sure, my new flat is 14 Canary Row, come by';
const BOB_REPLY = 'Please stop messaging me like this.';
const TAMPERED_FROM = "I'm not going away";
const TAMPERED_TO = "Sorry, I'll leave you alone now";

/** expect.poll waits up to 1 s by default; a loaded CI machine needs longer for crypto + network round trips. */

let alice: Page;
let bob: Page;
let mod: Page;

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
}

const newPage = () => newChatPage(suite.browser, suite.contexts);

const register = (page: Page, handle: string) => registerInChat(page, suite.server.url, handle);

async function send(page: Page, peer: string, text: string): Promise<void> {
  const before = await page.locator('li.msg.out[data-state="sent"]').count();
  const box = page.getByLabel(`Message ${peer}`);
  await box.fill(text);
  await box.press('Enter');
  await expect.poll(async () => page.locator('li.msg.out[data-state="sent"]').count(), POLL).toBe(before + 1);
}

function message(page: Page, text: string) {
  return page.locator('li.msg', { hasText: text });
}

async function openReportDialog(page: Page, text: string) {
  await message(page, text).getByRole('button', { name: /^Report this message/ }).click();
  const dialog = page.locator('dialog[open]');
  await expect.poll(() => dialog.getByRole('heading', { name: /Report a message from/ }).count(), POLL).toBe(1);
  return dialog;
}

const suite = useE2eSuite({ only: ['chat', 'dashboard'], env: { RATE_LIMIT_AUTH: '300' } });

beforeAll(async () => {
  alice = await newPage();
  bob = await newPage();
  mod = await newPage();
});

describe('encrypted chat → verified report → moderator decision → enforcement → outcome', () => {
  it('registers two users in the browser and delivers franked messages live', async () => {
    await alice.goto(`${suite.server.url}/`);
    await alice.getByLabel('Choose a handle').fill(ALICE);
    await shot(alice, '00-welcome');
    expect(await a11yViolations(alice)).toEqual([]);
    await register(alice, ALICE);
    await shot(alice, '01-alice-registered');
    await register(bob, BOB);

    await alice.getByLabel('Add a contact by handle').fill(BOB);
    await alice.getByRole('button', { name: 'Add', exact: true }).click();
    await expect.poll(async () => alice.getByRole('heading', { level: 1, name: BOB }).count(), POLL).toBe(1);

    for (const [i, text] of ALICE_MESSAGES.entries()) {
      await send(alice, BOB, text);
      if (i === 0) {
        // Alice's first message is a message request on Bob's side: he opens it and accepts (chat/README.md "Blocking and message requests").
        await bob.getByTestId('requests').getByRole('button', { name: new RegExp(ALICE) }).click();
        await expect.poll(async () => bob.getByTestId('request-bar').count(), POLL).toBe(1);
        await bob.getByTestId('request-bar').getByRole('button', { name: 'Accept' }).click();
        await expect.poll(async () => bob.getByLabel(`Message ${ALICE}`).count(), POLL).toBe(1);
      }
      if (i === 2) {
        // Bob's first reply travels on the session Alice started (X3DH responder side).
        await expect.poll(async () => bob.locator('li.msg.in').count(), POLL).toBe(3);
        await send(bob, ALICE, CANARY);
      }
      if (i === 5) {
        await expect.poll(async () => bob.locator('li.msg.in').count(), POLL).toBe(6);
        await send(bob, ALICE, BOB_REPLY);
      }
    }
    await expect.poll(async () => bob.locator('li.msg.in').count(), POLL).toBe(12);
    await expect.poll(async () => alice.locator('li.msg.in').count(), POLL).toBe(2);
    for (const text of ALICE_MESSAGES) expect(await message(bob, text).count()).toBeGreaterThan(0);
    await shot(alice, '02-alice-conversation');
    await shot(bob, '03-bob-receives-abuse');
    expect(await a11yViolations(bob)).toEqual([]);

    // Safety numbers agree on both sides.
    await bob.getByRole('button', { name: 'Safety number' }).click();
    const bobNumber = (await bob.locator('.safety-number').textContent())?.replace(/\s+/g, '');
    expect(bobNumber).toMatch(/^\d{60}$/);
    await bob.keyboard.press('Escape');
    await alice.getByRole('button', { name: 'Safety number' }).click();
    expect((await alice.locator('.safety-number').textContent())?.replace(/\s+/g, '')).toBe(bobNumber);
    await alice.keyboard.press('Escape');
  });

  it('Bob reports an abusive message with context; the dialog says what is revealed; the server verifies it', async () => {
    const dialog = await openReportDialog(bob, ABUSE[1] as string);
    // Focus moves into the dialog, onto the first reason.
    await expect.poll(async () => bob.evaluate(() => (document.activeElement as HTMLInputElement | null)?.value), POLL).toBe('harassment');
    await expect.poll(async () => dialog.getByText('Stays encrypted:').count(), POLL).toBe(1);
    await dialog.getByRole('radio', { name: /Threat of violence/ }).check();
    await dialog.getByLabel(/Anything moderators should know/).fill('She has been messaging me for a week.');
    await shot(bob, '04-bob-report-dialog-reason');
    // Context: every message around it is preselected, Bob's own included; he keeps his address private.
    const boxes = dialog.locator('.context-list input[type="checkbox"]');
    expect(await boxes.count()).toBe(14);
    expect(await dialog.locator('.context-list input[type="checkbox"]:checked').count()).toBe(14);
    await dialog.locator('.context-list li', { hasText: CANARY }).getByRole('checkbox').uncheck();
    await expect.poll(async () => dialog.getByText(/13 selected messages \(12 from alice, 1 from you\)/).count(), POLL).toBe(1);
    await shot(bob, '04-bob-report-dialog-context');
    expect(await a11yViolations(bob, 'dialog[open]')).toEqual([]);

    await dialog.getByRole('button', { name: 'Send report' }).click();
    await expect.poll(async () => dialog.getByRole('heading', { name: 'Report sent' }).count(), POLL).toBe(1);
    expect(await dialog.getByText('Verified.').count()).toBe(1);
    expect(await dialog.getByText('13 of 13 revealed messages verified.').count()).toBe(1);
    await shot(bob, '05-bob-report-sent');
    await dialog.getByRole('button', { name: 'Done' }).click();
    await expect.poll(async () => message(bob, ABUSE[1] as string).getByRole('button', { name: 'Reported' }).count(), POLL).toBe(1);
  });

  it('the moderator sees it verified with complete context in the dashboard and bans Alice', async () => {
    await mod.goto(`${suite.server.url}/dashboard/`);
    await mod.getByLabel('Login name').fill(suite.server.adminId);
    await mod.getByLabel('Password').fill(suite.server.adminPassword);
    await mod.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(async () => mod.getByRole('heading', { name: 'Report queue' }).count(), POLL).toBe(1);
    const row = mod.locator('table.queue tbody tr', { hasText: ALICE });
    await expect.poll(async () => row.count(), POLL).toBe(1);
    expect(await row.textContent()).toContain('Verified');
    await row.getByRole('link').click();

    const reported = mod.getByTestId('reported-message');
    await expect.poll(async () => reported.count(), POLL).toBe(1);
    expect(await reported.textContent()).toContain(ABUSE[1]);
    expect(await reported.textContent()).toContain('✓ Verified');
    const context = mod.getByTestId('context-message');
    expect(await context.count()).toBe(12);
    expect(await context.filter({ hasText: 'Not verified' }).count()).toBe(0);
    // Alice's twelve messages, no gaps, hash chain intact; Bob's private reply is not there. The key-log gossip Alice's
    // chat sent with her first message took a sequence number: it is revealed too, marked as protocol (PROTOCOL §8.4).
    const completeness = mod.locator('section', { has: mod.getByRole('heading', { name: 'Context completeness' }) });
    expect(await completeness.locator('li', { hasText: ALICE }).textContent()).toMatch(/1–13 complete \(\d+: protocol message, not conversation\)/);
    expect(await mod.getByTestId('protocol-message').count()).toBe(1);
    expect(await mod.getByTestId('context-gap').count()).toBe(0);
    expect(await mod.getByText(CANARY).count()).toBe(0);
    await reported.scrollIntoViewIfNeeded();
    await shot(mod, '06-moderator-report-verified');

    await mod.getByRole('button', { name: /^Claim/ }).click();
    await mod.getByRole('radio', { name: /^Ban/ }).check();
    await mod.getByRole('button', { name: 'Submit', exact: true }).click();
    await mod.getByRole('button', { name: 'Confirm ban' }).click();
    await expect.poll(async () => mod.getByText(/^Resolved:/).count(), POLL).toBe(1);
    await shot(mod, '07-moderator-banned');
  });

  it("Alice's next send is refused with a clear message, and she is told why", async () => {
    // The ban reaches her page at once (the push socket is closed with 4403 and the standing re-read), so the
    // composer is disabled before she can type; the server's own refusal of a banned sender is tested in test/server.
    const box = alice.getByLabel(`Message ${BOB}`);
    await expect.poll(async () => box.isDisabled(), POLL).toBe(true);
    expect(await box.getAttribute('placeholder')).toBe('Sending is blocked for your account');
    const banner = alice.getByRole('alert', { name: 'Your account is restricted' });
    await expect.poll(async () => banner.textContent(), POLL).toMatch(/Your account has been banned\./);
    await shot(alice, '08-alice-send-refused');
    expect(await a11yViolations(alice)).toEqual([]);
  });

  it("Bob's My reports shows the outcome", async () => {
    await bob.getByRole('button', { name: /My reports/ }).click();
    const card = bob.locator('.report-card', { hasText: ABUSE[1] });
    await expect.poll(async () => card.getAttribute('data-outcome'), POLL).toBe('banned');
    expect(await card.getByTestId('report-outcome').textContent()).toBe('The sender was banned');
    expect(await card.textContent()).toContain('Verified ✓');
    await shot(bob, '09-bob-my-reports-outcome');
    expect(await a11yViolations(bob)).toEqual([]);
  });

  it('a report whose context was edited in the page storage shows as not verified in the dashboard', async () => {
    // Rewrite one of Alice's messages in Bob's IndexedDB (text and the revealed body), as a fabricating reporter would.
    await bob.evaluate(async ({ from, to }) => {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const r = indexedDB.open('franking-chat');
        r.onsuccess = () => resolve(r.result);
        r.onerror = () => reject(r.error);
      });
      const all = await new Promise<Array<{ text: string; item: { body: string } }>>((resolve, reject) => {
        const r = db.transaction('messages').objectStore('messages').getAll();
        r.onsuccess = () => resolve(r.result as Array<{ text: string; item: { body: string } }>);
        r.onerror = () => reject(r.error);
      });
      const m = all.find((x) => x.text === from);
      if (!m) throw new Error('message to tamper with not found');
      m.text = to;
      m.item.body = btoa(String.fromCharCode(...new TextEncoder().encode(to))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
      await new Promise<void>((resolve, reject) => {
        const tx = db.transaction('messages', 'readwrite');
        tx.objectStore('messages').put(m);
        tx.oncomplete = () => resolve();
        tx.onerror = () => reject(tx.error);
      });
      db.close();
    }, { from: TAMPERED_FROM, to: TAMPERED_TO });
    await bob.reload();
    // a reload keeps the open view (My reports, from the previous step): open the chat with Alice
    await bob.getByRole('button', { name: 'Chats' }).click();
    await bob.locator('.contacts').getByRole('button', { name: new RegExp(ALICE) }).click();
    await expect.poll(async () => message(bob, TAMPERED_TO).count(), POLL).toBe(1);

    const dialog = await openReportDialog(bob, ABUSE[2] as string);
    await dialog.getByRole('radio', { name: /Harassment/ }).check();
    await dialog.locator('.context-list li', { hasText: CANARY }).getByRole('checkbox').uncheck();
    await dialog.getByRole('button', { name: 'Send report' }).click();
    await expect.poll(async () => dialog.getByRole('heading', { name: 'Report sent' }).count(), POLL).toBe(1);
    expect(await dialog.getByText('12 of 13 revealed messages verified.').count()).toBe(1);
    await dialog.getByRole('button', { name: 'Done' }).click();

    await mod.goto(`${suite.server.url}/dashboard/`);
    const row = mod.locator('table.queue tbody tr', { hasText: 'Harassment' });
    await expect.poll(async () => row.count(), POLL).toBe(1);
    await row.getByRole('link').click();
    const tampered = mod.getByTestId('context-message').filter({ hasText: TAMPERED_TO });
    await expect.poll(async () => tampered.count(), POLL).toBe(1);
    expect(await tampered.textContent()).toContain('Not verified');
    expect(await mod.getByTestId('reported-message').textContent()).toContain('✓ Verified');
    await tampered.scrollIntoViewIfNeeded();
    await shot(mod, '10-moderator-tampered-context');
  });

  it("the message Bob kept out of his reports never reached the server's database or logs", async () => {
    const canary = Buffer.from(CANARY, 'utf8');
    const files: string[] = [];
    const walk = (p: string) => {
      for (const e of fs.readdirSync(p, { withFileTypes: true })) {
        const full = path.join(p, e.name);
        if (e.isDirectory()) walk(full);
        else files.push(full);
      }
    };
    walk(suite.server.dataDir);
    expect(files.some((f) => f.endsWith('.db'))).toBe(true);
    for (const f of files) expect(fs.readFileSync(f).includes(canary), f).toBe(false);
    expect(suite.server.output()).not.toContain(CANARY);
  });
});
