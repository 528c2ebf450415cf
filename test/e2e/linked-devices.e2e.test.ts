// "Linked devices" as a person uses it (docs/PROTOCOL-devices.md D6, D8.3), in real browsers: alice has two devices
// (two browser contexts, each its own IndexedDB), the second linked through the chat engine's device API — the steps
// the linking UI runs over its link channel (D6.1). On the page she sees both devices, when each was linked and was
// last active (this one "now", the phone "today", from the server's coarse record); she renames the phone,
// and removing it first tells her in plain words what the removal does and what the phone keeps, then signs it out
// and takes it out of bob's group.
import path from 'node:path';
import { type Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { POLL, a11yViolations, enableEngineHook, linkByEngine, newChatPage, registerInChat } from './_chat-page.ts';
import { SHOTS, useE2eSuite } from './_suite.ts';

let laptop: Page;
let phone: Page;
let bob: Page;
let group: string;

const suite = useE2eSuite({ only: ['chat'], env: { RATE_LIMIT_AUTH: '300' } });

/** Every message and system line a page holds in one conversation. */
const textsIn = async (page: Page, conversationId: string) =>
  page.evaluate((id) => (window.chatEngine.getSnapshot().messages[id] ?? []).map((m) => m.text), conversationId);

const rowOf = (page: Page, name: RegExp | string) => page.getByTestId('device-list').locator('li').filter({ has: page.locator('strong', { hasText: name }) });

describe('Linked devices', () => {
  it('lists both devices with when each was linked and last active', async () => {
    laptop = await newChatPage(suite.browser, suite.contexts);
    await enableEngineHook(laptop);
    await registerInChat(laptop, suite.server.url, 'alice');
    phone = await newChatPage(suite.browser, suite.contexts);
    await enableEngineHook(phone);
    await phone.goto(`${suite.server.url}/`);
    await expect.poll(async () => phone.getByLabel('Choose a handle').count(), POLL).toBe(1);
    expect(await linkByEngine(laptop, phone, 'alice', 'phone')).toBe(2);
    // Bob's group holds both of alice's devices (D14.3), so that removing one must take it out (D14.4).
    bob = await newChatPage(suite.browser, suite.contexts);
    await enableEngineHook(bob);
    await registerInChat(bob, suite.server.url, 'bob');
    await bob.evaluate(async () => window.chatEngine.addContact('alice'));
    group = await bob.evaluate(async () => (await window.chatEngine.createGroup('Trip', 'alice')).conversationId);
    for (const page of [laptop, phone]) await expect.poll(async () => page.evaluate((id) => window.chatEngine.group(id)?.active ?? false, group), POLL).toBe(true);

    await laptop.getByRole('button', { name: 'Linked devices' }).click();
    const list = laptop.getByTestId('device-list');
    await expect.poll(async () => list.locator('li').count(), POLL).toBe(2);
    const mine = rowOf(laptop, 'Device 1');
    const theirs = rowOf(laptop, 'phone');
    expect(await mine.textContent()).toContain('this device');
    await expect.poll(async () => laptop.getByTestId('last-active-1').textContent(), POLL).toBe(' · Last active: now');
    // The phone signed in and went online: the server recorded it, shown by the day only.
    await expect.poll(async () => laptop.getByTestId('last-active-2').textContent(), POLL).toBe(' · Last active: today');
    for (const row of [mine, theirs]) expect(await row.textContent()).toMatch(/linked \d/);
    expect(await theirs.textContent()).not.toMatch(/Last active:[^·]*\d{1,2}:\d{2}/);
    expect(await a11yViolations(laptop, 'dialog')).toEqual([]);
    await laptop.screenshot({ path: path.join(SHOTS, 'linked-devices-01-last-active.png') });
  });

  it('renames the phone on this device', async () => {
    await rowOf(laptop, 'phone').getByRole('button', { name: 'Rename' }).click();
    const input = laptop.getByLabel('New name for phone');
    await input.fill('Work phone');
    await laptop.getByRole('button', { name: 'Save' }).click();
    await expect.poll(async () => rowOf(laptop, 'Work phone').count(), POLL).toBe(1);
    expect(await rowOf(laptop, 'Work phone').getByTestId('last-active-2').textContent()).toBe(' · Last active: today');
  });

  it('removing the phone first says what it does and what the phone keeps, then signs it out at once', async () => {
    await rowOf(laptop, 'Work phone').getByRole('button', { name: 'Remove' }).click();
    const confirm = laptop.getByRole('alertdialog', { name: 'Remove Work phone?' });
    await expect.poll(async () => confirm.count(), POLL).toBe(1);
    const words = (await confirm.locator('li').allTextContents()).join('\n');
    expect(words).toContain('It is signed out at once: it can no longer send or receive messages.');
    expect(words).toContain('It is removed from every group you are in.');
    expect(words).toContain('It keeps the messages and history already on it: removing it does not erase that device.');
    expect(words).toContain('Your contacts see that your devices changed.');
    await laptop.screenshot({ path: path.join(SHOTS, 'linked-devices-02-remove-dialog.png') });

    // "Keep it" changes nothing.
    await confirm.getByRole('button', { name: 'Keep it' }).click();
    expect(await laptop.getByTestId('device-list').locator('li').count()).toBe(2);

    await rowOf(laptop, 'Work phone').getByRole('button', { name: 'Remove' }).click();
    await confirm.getByRole('button', { name: 'Remove device' }).click();
    await expect.poll(async () => laptop.getByTestId('device-list').locator('li').count(), POLL).toBe(1);
    expect(await laptop.getByTestId('last-active-1').textContent()).toBe(' · Last active: now');
    // Signed out at once: its socket is closed with device_removed and it stops.
    await expect.poll(async () => phone.getByRole('status').filter({ hasText: 'This device was removed from your account by another of your devices' }).count(), POLL).toBe(1);
    expect(await phone.evaluate(() => window.chatEngine.getSnapshot().connection)).toBe('stopped');
    // It keeps what it had: its account record, its group and the page still open on it.
    expect(await phone.getByTestId('me').textContent()).toBe('alice');
    expect(await phone.evaluate((id) => window.chatEngine.group(id)?.name, group)).toBe('Trip');
    // Removed from every group at once: the removing device commits the leaf's removal right after its list is logged
    // (D14.4 R1), not at the next periodic device sync (every 20 s); both the laptop and bob see it as a quiet line.
    const SYNC = { timeout: 12_000, interval: 250 };
    await expect.poll(async () => (await textsIn(laptop, group)).includes('A device of yours left the group.'), SYNC).toBe(true);
    await expect.poll(async () => (await textsIn(bob, group)).includes('alice removed a device.'), SYNC).toBe(true);

    // Opened again, the page asks the server again and shows one device.
    await laptop.getByRole('button', { name: 'Close' }).click();
    await laptop.getByRole('button', { name: 'Linked devices' }).click();
    await expect.poll(async () => laptop.getByTestId('device-list').locator('li').count(), POLL).toBe(1);
    await expect.poll(async () => laptop.getByTestId('last-active-1').textContent(), POLL).toBe(' · Last active: now');
  });
});
