// Linking a device in real browsers (docs/PROTOCOL-linking.md L1), through the real server process on a fresh SQLite
// database: alice has the chat open in one browser and talks to bob; a second browser context (alice's laptop) shows a
// link code; alice pastes it on her first device, both show the same short code, she confirms with history; the new
// device is signed in as alice with the conversation, and bob's next message reaches both of alice's devices.
// Screenshots go to test-artifacts/e2e/.
import path from 'node:path';
import { type Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { POLL, a11yViolations, befriendInChat, newChatPage, registerInChat, sendInChat } from './_chat-page.ts';
import { SHOTS, useE2eSuite } from './_suite.ts';

const LONG = { timeout: 60_000, interval: 200 };

let phone: Page;
let laptop: Page;
let bob: Page;

const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`) });

const suite = useE2eSuite({ only: ['chat'], env: { RATE_LIMIT_AUTH: '300' } });

beforeAll(async () => {
  phone = await newChatPage(suite.browser, suite.contexts);
  laptop = await newChatPage(suite.browser, suite.contexts);
  bob = await newChatPage(suite.browser, suite.contexts);
});

describe('link a second browser with the text code', () => {
  it('alice and bob talk on alice\'s first device', async () => {
    await registerInChat(phone, suite.server.url, 'alice');
    await registerInChat(bob, suite.server.url, 'bob');
    await befriendInChat(phone, 'alice', bob, 'bob', 'Hi Bob, this is my phone', LONG);
  });

  it('the new browser shows a code; the first device takes it; both show the same short code; confirm links it', async () => {
    await laptop.goto(`${suite.server.url}/`);
    await expect.poll(async () => laptop.getByText(/this browser is your login/i).count(), POLL).toBe(0);
    // The welcome page's three ways in, each without an accessibility violation.
    expect(await a11yViolations(laptop)).toEqual([]);
    await laptop.getByRole('tab', { name: 'Restore from recovery kit' }).click();
    await expect.poll(async () => laptop.getByLabel('Recovery kit', { exact: true }).count(), POLL).toBe(1);
    expect(await a11yViolations(laptop)).toEqual([]);
    await laptop.getByRole('tab', { name: 'Link to an existing account' }).click();
    await laptop.getByLabel('Name for this device').fill('Laptop');
    await laptop.getByRole('button', { name: 'Show link code' }).click();
    await expect.poll(async () => (await laptop.getByTestId('link-code').inputValue()).startsWith('FCLINK1-'), LONG).toBe(true);
    await expect.poll(async () => laptop.getByRole('img', { name: /QR code/ }).count(), LONG).toBe(1);
    const code = await laptop.getByTestId('link-code').inputValue();
    await shot(laptop, 'linking-01-new-device-code');
    expect(await a11yViolations(laptop)).toEqual([]);

    await phone.getByRole('button', { name: 'Linked devices' }).click();
    await phone.getByRole('button', { name: 'Link a device' }).click();
    await phone.getByLabel('Link code').fill(code);
    await phone.getByRole('button', { name: 'Continue' }).click();

    await expect.poll(async () => phone.getByTestId('short-code').count(), LONG).toBe(1);
    await expect.poll(async () => laptop.getByTestId('short-code').count(), LONG).toBe(1);
    const onPhone = await phone.getByTestId('short-code').textContent();
    const onLaptop = await laptop.getByTestId('short-code').textContent();
    expect(onPhone).toMatch(/^[0-9]{3} [0-9]{3}$/);
    expect(onLaptop).toBe(onPhone);
    expect(await phone.getByText(/Does Laptop show this code\?/).count()).toBe(1);
    await shot(phone, 'linking-02-compare-short-code');
    await phone.getByRole('button', { name: 'Codes match — link device' }).click();
    const confirmedAt = Date.now();

    // The laptop is signed in as alice, with the conversation that came along.
    await expect.poll(async () => laptop.getByTestId('me').textContent(), LONG).toBe('alice');
    await expect.poll(async () => laptop.getByRole('status').filter({ hasText: 'Connected' }).count(), LONG).toBe(1);
    console.log(`linking: confirm → new device signed in and connected: ${Date.now() - confirmedAt} ms (1 conversation, history on)`);
    await expect.poll(async () => phone.getByText('The device is linked.', { exact: false }).count(), LONG).toBe(1);
    await phone.getByRole('button', { name: 'Done' }).click();
    await expect.poll(async () => phone.getByTestId('device-list').locator('li').count(), LONG).toBe(2);
    await shot(phone, 'linking-03-linked-devices');
    await phone.getByRole('button', { name: 'Close' }).last().click();
  });

  it('bob\'s next message reaches both of alice\'s devices', async () => {
    const text = 'Hello to both of your devices';
    await sendInChat(bob, 'alice', text, LONG);
    await expect.poll(async () => phone.locator('li.msg.in', { hasText: text }).count(), LONG).toBe(1);
    await laptop.getByRole('button', { name: /bob/ }).first().click();
    await expect.poll(async () => laptop.locator('li.msg.in', { hasText: text }).count(), LONG).toBe(1);
    // The history chosen on the phone came along: alice's first message is on the laptop too.
    await expect.poll(async () => laptop.locator('li.msg', { hasText: 'Hi Bob, this is my phone' }).count(), LONG).toBe(1);
    await shot(laptop, 'linking-04-laptop-receives');
  });
});
