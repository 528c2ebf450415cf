// Reporting from a linked device a message that reached another device (docs/PROTOCOL-devices.md D12.2, D12.3, D15),
// in Debian's Chromium against the real server process on a fresh SQLite database: alice (device 1) and bob talk; bob
// writes; alice links a second browser with history through the linking UI (docs/PROTOCOL-linking.md L1); on the new
// device she reports one of bob's messages that arrived before the link (it came with the history); the moderator signs
// in to the dashboard and sees it verified, delivered to alice's device 1 and reported from her device 2.
// The linking steps are also the README's pictures: docs/screenshots/chat-link-device-*.png and chat-linked-devices*.png (-phone)
// at desktop (1280×800) and phone (390×844) width, each checked for layout and axe first.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { POLL, befriendInChat, checkLayout, registerInChat, sendInChat } from './_chat-page.ts';
import { SHOTS, useE2eSuite } from './_suite.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const DOCS = path.join(ROOT, 'docs/screenshots');
const LONG = { timeout: 60_000, interval: 200 };
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 800 };
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const day = (d: Date) => `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`;
const EARLY = 'you will regret telling anyone';

let alice1: Page;
let alice2: Page;
let bob: Page;

async function newPage(): Promise<Page> {
  const ctx = await suite.browser.newContext({ viewport: DESKTOP, deviceScaleFactor: 1, locale: 'en-GB', timezoneId: 'UTC' });
  suite.contexts.push(ctx);
  const p = await ctx.newPage();
  p.on('pageerror', (e) => console.error(`[page error] ${e.message}`));
  return p;
}

/**
 * The page as it is, for the README: phone width, then desktop, each with the layout and axe checks. The page is at
 * phone width when called and stays so: its dialogs belong to the list pane, the one pane a phone shows from the list.
 */
async function docShot(page: Page, name: string): Promise<void> {
  await checkLayout(page, `phone ${name}`, path.join(DOCS, `chat-${name}-phone.png`));
  await page.setViewportSize(DESKTOP);
  await checkLayout(page, `desktop ${name}`, path.join(DOCS, `chat-${name}.png`));
  await page.setViewportSize(PHONE);
}

const suite = useE2eSuite({ only: ['chat', 'dashboard'], env: { RATE_LIMIT_AUTH: '300' } });

beforeAll(async () => {
  fs.mkdirSync(DOCS, { recursive: true });
  alice1 = await newPage();
  alice2 = await newPage();
  bob = await newPage();
});

describe('a message received before the link, reported from the new device', () => {
  it('alice and bob talk on alice\'s first device; bob writes', async () => {
    await registerInChat(alice1, suite.server.url, 'alice');
    await registerInChat(bob, suite.server.url, 'bob');
    await befriendInChat(alice1, 'alice', bob, 'bob', 'Hi Bob, are we still on for Friday?', LONG);
    await sendInChat(bob, 'alice', 'No. And stop asking.', LONG);
    await sendInChat(bob, 'alice', EARLY, LONG);
    await expect.poll(async () => alice1.locator('li.msg.in', { hasText: EARLY }).count(), LONG).toBe(1);
  });

  it('alice links a second browser with history: the code, the short code on both, then Linked devices', async () => {
    await alice2.setViewportSize(PHONE);
    await alice2.goto(`${suite.server.url}/`);
    await alice2.getByRole('tab', { name: 'Link to an existing account' }).click();
    await alice2.getByLabel('Name for this device').fill('Laptop');
    await alice2.getByRole('button', { name: 'Show link code' }).click();
    await expect.poll(async () => (await alice2.getByTestId('link-code').inputValue()).startsWith('FCLINK1-'), LONG).toBe(true);
    await expect.poll(async () => alice2.getByRole('img', { name: /QR code/ }).count(), LONG).toBe(1);
    const code = await alice2.getByTestId('link-code').inputValue();
    await docShot(alice2, 'link-device-code');

    // Alice's phone: from the list of chats, "Linked devices" → "Link a device".
    await alice1.setViewportSize(PHONE);
    await alice1.getByRole('button', { name: 'Back to Chats' }).click();
    await alice1.getByRole('button', { name: 'Linked devices' }).click();
    await alice1.getByRole('button', { name: 'Link a device' }).click();
    await alice1.getByLabel('Link code').fill(code);
    await alice1.getByRole('button', { name: 'Continue' }).click();
    await expect.poll(async () => alice1.getByTestId('short-code').count(), LONG).toBe(1);
    await expect.poll(async () => alice2.getByTestId('short-code').count(), LONG).toBe(1);
    expect(await alice2.getByTestId('short-code').textContent()).toBe(await alice1.getByTestId('short-code').textContent());
    expect(await alice1.getByText('Does Laptop show this code?').count()).toBe(1);
    const history = alice1.getByRole('checkbox', { name: 'Also copy message history (so old messages can be read and reported from it)' });
    expect(await history.isChecked()).toBe(true);
    await docShot(alice1, 'link-device-compare');
    await alice1.getByRole('button', { name: 'Codes match — link device' }).click();

    await expect.poll(async () => alice2.getByTestId('me').textContent(), LONG).toBe('alice');
    await expect.poll(async () => alice2.getByRole('status').filter({ hasText: 'Connected' }).count(), LONG).toBe(1);
    await expect.poll(async () => alice1.getByText('The device is linked. It receives your messages from now on.').count(), LONG).toBe(1);
    await alice1.getByRole('button', { name: 'Done' }).click();
    const list = alice1.getByTestId('device-list').locator('li');
    await expect.poll(async () => list.count(), LONG).toBe(2);
    expect(await list.nth(1).textContent()).toContain('Laptop');
    await docShot(alice1, 'linked-devices');
    await alice1.getByRole('button', { name: 'Close' }).last().click();
    await alice1.setViewportSize(DESKTOP);
    await alice2.setViewportSize(DESKTOP);
  });

  it('on the new device alice reports bob\'s message that came with the history; the report verifies', async () => {
    await alice2.getByRole('button', { name: /bob/ }).first().click();
    const early = alice2.locator('li.msg.in', { hasText: EARLY });
    await expect.poll(async () => early.count(), LONG).toBe(1);
    await early.getByRole('button', { name: 'Report this message from bob' }).click();
    const dialog = alice2.locator('dialog[open]');
    await expect.poll(async () => dialog.getByRole('heading', { name: /Report a message from bob/ }).count(), POLL).toBe(1);
    await dialog.getByRole('radio', { name: /Threat of violence/ }).check();
    await dialog.getByRole('button', { name: 'Send report' }).click();
    await expect.poll(async () => dialog.getByRole('heading', { name: 'Report sent' }).count(), LONG).toBe(1);
    expect(await dialog.getByText('Verified.').count()).toBe(1);
    await alice2.screenshot({ path: path.join(SHOTS, 'devices-report-01-sent-from-device-2.png') });
    await dialog.getByRole('button', { name: 'Done' }).click();
    await expect.poll(async () => early.getByRole('button', { name: 'Reported' }).count(), POLL).toBe(1);
  });

  it('the moderator sees it verified, delivered to alice\'s device 1 and reported from her device 2', async () => {
    const mod = await newPage();
    await mod.goto(`${suite.server.url}/dashboard/`);
    await mod.getByLabel('Login name').fill(suite.server.adminId);
    await mod.getByLabel('Password', { exact: true }).fill(suite.server.adminPassword);
    await mod.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(async () => mod.getByRole('heading', { name: 'Report queue' }).count(), POLL).toBe(1);
    const row = mod.locator('table.queue tbody tr', { hasText: 'bob' });
    await expect.poll(async () => row.count(), POLL).toBe(1);
    expect(await row.textContent()).toContain('Verified');
    await row.getByRole('link').click();
    const reported = mod.getByTestId('reported-message');
    await expect.poll(async () => reported.count(), POLL).toBe(1);
    expect(await reported.textContent()).toContain(EARLY);
    expect(await reported.textContent()).toContain('✓ Verified');
    expect(await reported.getByTestId('message-device').textContent()).toBe(
      `sent from bob’s device 1 (linked ${day(new Date())}) · reported from another device than it was delivered to: `
      + 'delivered to alice’s device 1 (as stated by the reporter’s app), reported from device 2 (history brought over from device 1)',
    );
    expect(await mod.getByTestId('reported-from').textContent()).toBe(' from their device 2');
    expect(await mod.getByTestId('context-message').filter({ hasText: 'Not verified' }).count()).toBe(0);
    await reported.scrollIntoViewIfNeeded();
    await mod.screenshot({ path: path.join(SHOTS, 'devices-report-02-dashboard.png') });
  });
});
