// A newly linked device joins every group of its account (docs/PROTOCOL-devices.md D14.4 rule R2, D14.5, D14.6), in
// Debian's Chromium against the real server process: bob makes a group with alice while she has one device; alice
// links a second browser through the linking UI; her first device adds the new one to the group by a Commit (a new
// device never joins by itself), the new device receives the group's next message, and bob's group history says
// "alice added a device." — a device of a person already there, not a new person: the member list stays two people.
// Screenshots: test-artifacts/e2e/devices-group-*.png.
import path from 'node:path';
import { type Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { POLL, linkInChat, newChatPage, registerInChat } from './_chat-page.ts';
import { SHOTS, useE2eSuite } from './_suite.ts';

const GROUP = 'Book club';
// The linking device syncs the groups every 2 s after the link until the new device joined them all
// (Membership.followNewDevice), not only at the periodic device upkeep (every 20 s).
const JOIN = { timeout: 20_000, interval: 250 };

let alice1: Page;
let alice2: Page;
let bob: Page;

const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SHOTS, `devices-group-${name}.png`) });
const entry = (page: Page) => page.getByRole('button', { name: new RegExp(`${GROUP}.*\\(group\\)`) });

/** Sends in the open group and waits until it is stamped. */
async function send(page: Page, text: string): Promise<void> {
  const before = await page.locator('li.msg.out[data-state="sent"]').count();
  const box = page.getByLabel(`Message ${GROUP}`);
  await box.fill(text);
  await box.press('Enter');
  await expect.poll(() => page.locator('li.msg.out[data-state="sent"]').count(), POLL).toBe(before + 1);
}

const suite = useE2eSuite({ only: ['chat'], env: { RATE_LIMIT_AUTH: '300' } });

beforeAll(async () => {
  [alice1, alice2, bob] = [await newChatPage(suite.browser, suite.contexts), await newChatPage(suite.browser, suite.contexts), await newChatPage(suite.browser, suite.contexts)];
});

describe('a device linked later joins the groups of its account', () => {
  it('bob makes a group with alice, who has one device', async () => {
    await registerInChat(alice1, suite.server.url, 'alice');
    await registerInChat(bob, suite.server.url, 'bob');
    await bob.getByRole('button', { name: 'New group' }).click();
    await bob.getByLabel('Group name').fill(GROUP);
    await bob.getByLabel(/^Members/).fill('alice');
    await bob.getByRole('button', { name: 'Create group' }).click();
    await expect.poll(() => bob.getByRole('heading', { level: 1, name: GROUP }).count(), POLL).toBe(1);
    await expect.poll(() => entry(alice1).count(), POLL).toBe(1);
    await entry(alice1).click();
    await expect.poll(() => alice1.locator('li.system', { hasText: 'You joined the group (added by bob)' }).count(), POLL).toBe(1);
    await send(bob, 'First book: Middlemarch');
    await expect.poll(() => alice1.locator('li.msg.in', { hasText: 'First book: Middlemarch' }).count(), POLL).toBe(1);
  });

  it('alice links a second suite.browser; her first device adds it to the group; bob reads "alice added a device."', async () => {
    const notes = () => bob.locator('li.system').allTextContents();
    const before = await notes();
    await linkInChat(alice1, alice2, suite.server.url, { name: 'Tablet', history: false });
    // The new device is in the group once alice's first device committed its Add and the Welcome arrived.
    await expect.poll(() => entry(alice2).count(), JOIN).toBe(1);
    await entry(bob).click();
    const added = bob.locator('li.system', { hasText: 'alice added a device.' });
    await expect.poll(() => added.count(), JOIN).toBe(1);
    // A device, not a person: the one new line in bob's group history is that one (no "joined", no "added alice"),
    // and the members are still two people.
    expect((await notes()).slice(before.length)).toEqual(['alice added a device.']);
    expect(await bob.getByRole('button', { name: /^Members \(/ }).textContent()).toBe('Members (2)');
    await entry(alice1).click();
    await expect.poll(() => alice1.locator('li.system', { hasText: 'You added a device to the group.' }).count(), JOIN).toBe(1);
    await shot(bob, '01-bob-sees-alice-added-a-device');
  });

  it('the new device receives the group\'s next message, and what it sends reaches bob', async () => {
    await send(bob, 'Chapter one by Friday, please');
    await entry(alice2).click();
    await expect.poll(() => alice2.getByRole('heading', { level: 1, name: GROUP }).count(), POLL).toBe(1);
    await expect.poll(() => alice2.locator('li.msg.in', { hasText: 'Chapter one by Friday, please' }).count(), POLL).toBe(1);
    await expect.poll(() => alice1.locator('li.msg.in', { hasText: 'Chapter one by Friday, please' }).count(), POLL).toBe(1);
    // It reads from its Welcome on (D14.5): the message before the link is not on it (history was not copied).
    expect(await alice2.locator('li.msg', { hasText: 'First book: Middlemarch' }).count()).toBe(0);
    await send(alice2, 'Done already, from my tablet');
    await expect.poll(() => bob.locator('li.msg.in', { hasText: 'Done already, from my tablet' }).count(), POLL).toBe(1);
    await shot(alice2, '02-new-device-in-the-group');
  });
});
