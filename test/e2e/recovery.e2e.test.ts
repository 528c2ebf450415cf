// Restoring an account from its recovery kit on a fresh browser (docs/PROTOCOL-devices.md D6.5, D8.1), in real
// browsers: alice creates a kit on her only device and every browser context of hers is closed; a fresh context (its
// own empty IndexedDB, no token) restores her account from the welcome page with her handle and the kit text. Bob's
// chat, which pinned her old list, is refused by the relay, verifies the recovery list and sends again: his next
// message reaches the restored device, and his conversation shows the quiet line "alice restored with a recovery kit"
// (D16). A wrong kit is refused in plain words and nothing changes.
import path from 'node:path';
import fs from 'node:fs';
import { type Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { POLL, enableEngineHook, newChatPage, registerInChat } from './_chat-page.ts';
import { SHOTS, useE2eSuite } from './_suite.ts';

const suite = useE2eSuite({ only: ['chat'] });

const texts = async (page: Page): Promise<string[]> => page.evaluate(() => Object.values(window.chatEngine.getSnapshot().messages).flat().map((m) => m.text));

async function restoreInUi(page: Page, handle: string, kit: string): Promise<void> {
  await page.getByRole('tab', { name: 'Restore from recovery kit' }).click();
  await page.getByRole('textbox', { name: 'Your handle' }).fill(handle);
  await page.getByRole('textbox', { name: 'Recovery kit' }).fill(kit);
  await page.getByRole('button', { name: 'Restore account' }).click();
}

describe('restore from the recovery kit on a fresh browser', () => {
  it('a fresh context with no token restores the account; bob\'s next message reaches it and his conversation says so', async () => {
    const alice = await newChatPage(suite.browser, suite.contexts);
    await enableEngineHook(alice);
    await registerInChat(alice, suite.server.url, 'alice');
    const bob = await newChatPage(suite.browser, suite.contexts);
    await enableEngineHook(bob);
    await registerInChat(bob, suite.server.url, 'bob');
    await bob.evaluate(async () => window.chatEngine.addContact('alice'));
    await bob.evaluate(async () => window.chatEngine.send('alice', 'before the loss'));
    await expect.poll(async () => (await texts(alice)).includes('before the loss'), POLL).toBe(true);

    // The kit as a person makes it: Linked devices → Create recovery kit, then the text shown to write down.
    await alice.getByRole('button', { name: 'Linked devices' }).click();
    await alice.getByRole('button', { name: 'Create recovery kit' }).click();
    const shown = alice.getByRole('textbox', { name: /Your recovery kit/ });
    await expect.poll(async () => (await shown.inputValue()).length, POLL).toBeGreaterThan(20);
    const kit = await shown.inputValue();
    // Saved as a file: the browser downloads a text file holding the handle and the same kit.
    const [download] = await Promise.all([alice.waitForEvent('download'), alice.getByRole('button', { name: 'Save as a file' }).click()]);
    expect(download.suggestedFilename()).toBe('franking-chat-recovery-kit-alice.txt');
    const kitFile = path.join(SHOTS, 'recovery-kit-alice.txt');
    await download.saveAs(kitFile);
    const saved = fs.readFileSync(kitFile, 'utf8');
    expect(saved).toContain('handle: alice');
    expect(saved).toContain(`kit: ${kit}`);
    // Every browser context of alice's is gone (the lost laptop).
    const aliceCtx = alice.context();
    await aliceCtx.close();
    suite.contexts.splice(suite.contexts.indexOf(aliceCtx), 1);

    const fresh = await newChatPage(suite.browser, suite.contexts);
    await enableEngineHook(fresh);
    await fresh.goto(`${suite.server.url}/`);
    // A wrong kit first: refused in plain words, the account unchanged.
    const wrongKit = kit.startsWith('A') ? `B${kit.slice(1)}` : `A${kit.slice(1)}`;
    await restoreInUi(fresh, 'alice', wrongKit);
    await expect.poll(async () => fresh.getByRole('alert').filter({ hasText: 'could not be restored' }).count(), POLL).toBeGreaterThan(0);
    expect(await fresh.getByTestId('me').count()).toBe(0);

    // A file that is no kit is refused in plain words; the saved kit file fills in the handle and the kit.
    await fresh.getByRole('textbox', { name: 'Your handle' }).fill('');
    await fresh.getByRole('textbox', { name: 'Recovery kit' }).fill('');
    const notAKit = path.join(SHOTS, 'not-a-kit.txt');
    fs.writeFileSync(notAKit, 'Dear Alice,\nhere is the shopping list.\n');
    await fresh.getByLabel('Or open the kit file you saved').setInputFiles(notAKit);
    await expect.poll(async () => fresh.getByRole('alert').filter({ hasText: 'That file is not a recovery kit.' }).count(), POLL).toBe(1);
    await fresh.getByLabel('Or open the kit file you saved').setInputFiles(kitFile);
    await expect.poll(async () => fresh.getByRole('textbox', { name: 'Recovery kit' }).inputValue(), POLL).toBe(kit);
    expect(await fresh.getByRole('textbox', { name: 'Your handle' }).inputValue()).toBe('alice');
    await fresh.getByRole('button', { name: 'Restore account' }).click();
    await expect.poll(async () => fresh.getByTestId('me').textContent(), POLL).toBe('alice');
    await expect.poll(async () => fresh.getByRole('status').filter({ hasText: 'Connected' }).count(), POLL).toBe(1);
    const devices = await fresh.evaluate(async () => window.chatEngine.devices());
    expect(devices.map((d) => [d.deviceId, d.thisDevice])).toEqual([[2, true]]);

    // Bob still holds version 2 of alice's list (the kit's); the relay refuses copies for device 1, bob's chat
    // verifies the recovery list and sends again, to the restored device.
    await bob.evaluate(async () => window.chatEngine.send('alice', 'after the restore'));
    await expect.poll(async () => (await texts(fresh)).includes('after the restore'), POLL).toBe(true);
    await expect.poll(async () => (await texts(bob)).includes('alice restored with a recovery kit'), POLL).toBe(true);
    await bob.getByRole('button', { name: /alice/ }).first().click();
    await expect.poll(async () => bob.locator('li.system', { hasText: 'alice restored with a recovery kit' }).count(), POLL).toBe(1);
    await bob.screenshot({ path: path.join(SHOTS, 'recovery-01-contact-restored-line.png') });
    // And alice answers from the restored device.
    await fresh.evaluate(async () => window.chatEngine.send('bob', 'I am back'));
    await expect.poll(async () => (await texts(bob)).includes('I am back'), POLL).toBe(true);
  });
});
