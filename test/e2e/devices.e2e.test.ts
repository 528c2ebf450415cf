// Linked devices in the chat (docs/PROTOCOL-devices.md), in real browsers: alice has two devices (two browser
// contexts, each its own IndexedDB), bob one. The second device is linked through the chat engine's device API — the
// same steps the linking UI runs over its link channel (D6.1): the new device's keys, the list signed by the first
// device, counter-signed by the new one, logged, then the new device signs in with its own key. What a person sees:
//   - bob's message reaches both of alice's devices (one franking, one copy per device, D11.2);
//   - what alice sends from one device appears on the other as her own message, marked "sent from your other device";
//   - bob's chat, which pinned alice's list before the link, is refused by the relay (device_mismatch), refreshes the
//     verified list, sends again, and shows the quiet line "alice linked a new device" (D16);
//   - the history of the first device is carried to the second in an encrypted archive (D15) and stays reportable;
//   - a third device linked by the phone is verified on the laptop (D7.4, started at once by the server's `devices`
//     frame or the new log head), shown as a quiet notice and in the open "Linked devices"; removed again, its
//     socket is closed with `device_removed` and it says so in plain words and stops (D13.6);
//   - removing the second device stops its delivery: bob's next message reaches only the first (D6.2).
import path from 'node:path';
import { type Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { POLL, enableEngineHook, linkByEngine, newChatPage, registerInChat } from './_chat-page.ts';
import { SHOTS, useE2eSuite } from './_suite.ts';

let alice1: Page;
let alice2: Page;
let bob: Page;

const suite = useE2eSuite({ only: ['chat'], env: { RATE_LIMIT_AUTH: '300' } });

/** Every message text a page holds, in any conversation, with direction and device marker. */
async function held(page: Page): Promise<Array<{ text: string; direction: string; fromOtherDevice?: number; importedFrom?: number; conversationId: string }>> {
  return page.evaluate(() => Object.values(window.chatEngine.getSnapshot().messages).flat().map((m) => ({
    text: m.text, direction: m.direction, conversationId: m.conversationId,
    ...(m.fromOtherDevice !== undefined ? { fromOtherDevice: m.fromOtherDevice } : {}), ...(m.importedFrom !== undefined ? { importedFrom: m.importedFrom } : {}),
  })));
}
const hasText = async (page: Page, text: string) => (await held(page)).some((m) => m.text === text);

async function sendFrom(page: Page, peer: string, text: string): Promise<void> {
  await page.evaluate(async ([p, t]) => window.chatEngine.send(p as string, t as string), [peer, text]);
}

describe('an account with two devices', () => {
  it('links a second device; the contact sees a quiet line, and a message reaches both devices', async () => {
    alice1 = await newChatPage(suite.browser, suite.contexts);
    await enableEngineHook(alice1);
    await registerInChat(alice1, suite.server.url, 'alice');
    bob = await newChatPage(suite.browser, suite.contexts);
    await enableEngineHook(bob);
    await registerInChat(bob, suite.server.url, 'bob');

    // Bob pins alice's one-device list and writes before she links her phone.
    await bob.evaluate(async () => window.chatEngine.addContact('alice'));
    await sendFrom(bob, 'alice', 'before your phone');
    await expect.poll(async () => hasText(alice1, 'before your phone'), POLL).toBe(true);

    alice2 = await newChatPage(suite.browser, suite.contexts);
    await enableEngineHook(alice2);
    await alice2.goto(`${suite.server.url}/`);
    await expect.poll(async () => alice2.getByLabel('Choose a handle').count(), POLL).toBe(1);
    expect(await linkByEngine(alice1, alice2, 'alice', 'phone')).toBe(2);
    const devices = await alice1.evaluate(async () => window.chatEngine.devices());
    expect(devices.map((d) => [d.deviceId, d.name, d.thisDevice])).toEqual([[1, null, true], [2, 'phone', false]]);

    // Bob's chat still holds version 1: the relay refuses the copies, bob's chat verifies version 2 and sends again.
    await sendFrom(bob, 'alice', 'hello both');
    await expect.poll(async () => hasText(alice1, 'hello both'), POLL).toBe(true);
    await expect.poll(async () => hasText(alice2, 'hello both'), POLL).toBe(true);
    await expect.poll(async () => hasText(bob, 'alice linked a new device'), POLL).toBe(true);
    const line = bob.locator('li.system', { hasText: 'alice linked a new device' });
    await bob.getByRole('button', { name: /alice/ }).first().click();
    await expect.poll(async () => line.count(), POLL).toBe(1);
    // The message sent before the link went to device 1 only.
    expect(await hasText(alice2, 'before your phone')).toBe(false);
    await bob.screenshot({ path: path.join(SHOTS, 'devices-01-contact-linked-line.png') });
  });

  it("shows alice's send from one device on the other as her own, marked as sent from the other device", async () => {
    await sendFrom(alice1, 'bob', 'from my laptop');
    await expect.poll(async () => hasText(bob, 'from my laptop'), POLL).toBe(true);
    await expect.poll(async () => (await held(alice2)).find((m) => m.text === 'from my laptop'), POLL).toMatchObject({ direction: 'out', fromOtherDevice: 1 });
    await sendFrom(alice2, 'bob', 'from my phone');
    await expect.poll(async () => hasText(bob, 'from my phone'), POLL).toBe(true);
    await expect.poll(async () => (await held(alice1)).find((m) => m.text === 'from my phone'), POLL).toMatchObject({ direction: 'out', fromOtherDevice: 2 });
    // On the phone, the conversation shows the laptop's message as alice's own with the quiet marker.
    await alice2.getByRole('button', { name: /bob/ }).first().click();
    const bubble = alice2.locator('li.msg.out', { hasText: 'from my laptop' });
    await expect.poll(async () => bubble.getByTestId('from-other-device').count(), POLL).toBe(1);
    expect(await alice2.locator('li.msg.out', { hasText: 'from my phone' }).getByTestId('from-other-device').count()).toBe(0);
    await alice2.screenshot({ path: path.join(SHOTS, 'devices-02-sent-from-other-device.png') });
  });

  it('a person with two devices is added to a group with both, and her messages from one device show on the other as hers', async () => {
    // Bob's chat claims a key package for each of alice's devices, checks each against her verified list and adds
    // both in one Commit (docs/PROTOCOL-devices.md D14.3); the relay routes per device leaf (D14.2).
    const g = await bob.evaluate(async () => (await window.chatEngine.createGroup('Trip', 'alice')).conversationId);
    await expect.poll(async () => alice1.evaluate((id) => window.chatEngine.group(id)?.active ?? false, g), POLL).toBe(true);
    await expect.poll(async () => alice2.evaluate((id) => window.chatEngine.group(id)?.active ?? false, g), POLL).toBe(true);
    // People, not leaves: alice is one member with two devices.
    expect(await bob.evaluate((id) => window.chatEngine.group(id)?.members.map((m) => m.accountId).sort(), g)).toEqual(['alice', 'bob']);
    await bob.evaluate(async (id) => window.chatEngine.sendGroup(id, 'hi trip'), g);
    for (const page of [alice1, alice2]) await expect.poll(async () => (await held(page)).some((m) => m.conversationId === g && m.text === 'hi trip'), POLL).toBe(true);
    await alice2.evaluate(async (id) => window.chatEngine.sendGroup(id, 'from the phone'), g);
    await expect.poll(async () => (await held(bob)).some((m) => m.conversationId === g && m.text === 'from the phone'), POLL).toBe(true);
    // On alice's other device it is her own message, marked, and not unread.
    await expect.poll(async () => (await held(alice1)).find((m) => m.conversationId === g && m.text === 'from the phone'), POLL)
      .toMatchObject({ direction: 'out', fromOtherDevice: 2 });
    await alice1.evaluate(async (id) => window.chatEngine.sendGroup(id, 'hi from alice'), g);
    await expect.poll(async () => (await held(bob)).some((m) => m.conversationId === g && m.text === 'hi from alice'), POLL).toBe(true);
  });

  it('carries the history of the first device to the second in an encrypted archive (D15)', async () => {
    const archive = await alice1.evaluate(async () => {
      const a = await window.chatEngine.exportHistory(2);
      return { d: Array.from(a.descriptor), c: Array.from(a.ciphertext) };
    });
    const imported = await alice2.evaluate(async (a) => window.chatEngine.importHistory(new Uint8Array(a.d), new Uint8Array(a.c)), archive);
    expect(imported.dropped).toBe(0);
    expect(imported.imported).toBeGreaterThanOrEqual(1);
    await expect.poll(async () => (await held(alice2)).find((m) => m.text === 'before your phone'), POLL).toMatchObject({ direction: 'in', importedFrom: 1 });
    // A tampered archive is refused as a whole.
    const bad = { ...archive, c: archive.c.map((b, i) => (i === 40 ? b ^ 1 : b)) };
    const refused = await alice2.evaluate(async (a) => window.chatEngine.importHistory(new Uint8Array(a.d), new Uint8Array(a.c)).then(() => 'imported', (e: Error) => e.message), bad);
    expect(refused).toMatch(/history_refused/);
  });

  it('a device linked by the phone: the laptop verifies the new list, says so quietly and updates Linked devices; removed, the third device is told by its closed socket and stops', async () => {
    // The laptop's "Linked devices" is open while the phone links a third device (D6.1 signed by device 2).
    await alice1.getByRole('button', { name: 'Linked devices' }).click();
    const list = alice1.getByTestId('device-list');
    await expect.poll(async () => list.locator('li').count(), POLL).toBe(2);
    const alice3 = await newChatPage(suite.browser, suite.contexts);
    await enableEngineHook(alice3);
    await alice3.goto(`${suite.server.url}/`);
    await expect.poll(async () => alice3.getByLabel('Choose a handle').count(), POLL).toBe(1);
    expect(await linkByEngine(alice2, alice3, 'alice', 'phone')).toBe(3);
    // D7.4 on the laptop: the list verifies as the next step of its pinned chain, signed by the phone — a quiet
    // notice, no alarm — and the open dialog shows the third device.
    await expect.poll(async () => alice1.getByRole('status').filter({ hasText: 'Your account linked a new device: device 3 (by phone).' }).count(), POLL).toBe(1);
    await expect.poll(async () => list.locator('li').count(), POLL).toBe(3);
    expect(await alice1.evaluate(() => window.chatEngine.getSnapshot().kt.alarms.length)).toBe(0);
    // The phone made the change itself: no notice there.
    expect(await alice2.getByRole('status').filter({ hasText: 'Your account linked a new device' }).count()).toBe(0);
    await alice1.screenshot({ path: path.join(SHOTS, 'devices-03-own-device-notice.png') });
    await alice1.keyboard.press('Escape');

    // The laptop removes device 3: the server closes its socket with device_removed, and it says so and stops.
    await alice1.evaluate(async () => window.chatEngine.removeDevice(3));
    await expect.poll(async () => alice3.getByRole('status').filter({ hasText: 'This device was removed from your account by another of your devices: it has stopped' }).count(), POLL).toBe(1);
    expect(await alice3.evaluate(() => window.chatEngine.getSnapshot().connection)).toBe('stopped');
    await alice3.screenshot({ path: path.join(SHOTS, 'devices-04-this-device-removed.png') });
    expect((await alice1.evaluate(async () => window.chatEngine.devices())).map((d) => d.deviceId)).toEqual([1, 2]);
  });

  it('removing the second device stops its delivery, and bob sees a quiet line', async () => {
    await alice1.evaluate(async () => window.chatEngine.removeDevice(2));
    const devices = await alice1.evaluate(async () => window.chatEngine.devices());
    expect(devices.map((d) => d.deviceId)).toEqual([1]);
    await sendFrom(bob, 'alice', 'after the removal');
    await expect.poll(async () => hasText(alice1, 'after the removal'), POLL).toBe(true);
    await expect.poll(async () => hasText(bob, 'alice removed a device'), POLL).toBe(true);
    // Give a removed device every chance to receive: it never does (no copy was made for it; its token is revoked).
    await new Promise((r) => setTimeout(r, 3000));
    expect(await hasText(alice2, 'after the removal')).toBe(false);
    // A recovery kit (D2.4) is one more signed list: the text to keep, and the devices stay as they are.
    const kit = await alice1.evaluate(async () => window.chatEngine.createRecoveryKit());
    expect(kit).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect((await alice1.evaluate(async () => window.chatEngine.devices())).map((d) => d.deviceId)).toEqual([1]);
  });
});
