// The reset of an account with no device and no kit (docs/PROTOCOL-devices.md D6.6, docs/MODERATION.md "Account
// reset"), in real browsers against the real server process: alice loses every browser and has no recovery kit. A
// fresh browser shows her a reset code (kept across a reload); "Complete reset" is refused until the admin releases her
// handle for that code on the dashboard's account page (with a reason and a confirmation, then shown in the account's
// history); then the fresh browser becomes alice — a new identity — and bob's conversation says "alice’s safety number
// changed — the account was reset".
import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { POLL, enableEngineHook, newChatPage, registerInChat } from './_chat-page.ts';
import { SHOTS, adminDashboard, expectNoSeriousA11y, loseBrowserAndShowResetCode, openAccountPage, useE2eSuite } from './_suite.ts';

const suite = useE2eSuite({ only: ['chat', 'dashboard'] });

const texts = async (page: Page): Promise<string[]> => page.evaluate(() => Object.values(window.chatEngine.getSnapshot().messages).flat().map((m) => m.text));

describe('reset without device or kit', () => {
  it('the admin releases alice\'s handle for the fresh browser\'s code; the browser becomes alice; bob sees the safety number changed', async () => {
    const alice = await newChatPage(suite.browser, suite.contexts);
    await enableEngineHook(alice);
    await registerInChat(alice, suite.server.url, 'alice');
    const bob = await newChatPage(suite.browser, suite.contexts);
    await enableEngineHook(bob);
    await registerInChat(bob, suite.server.url, 'bob');
    await bob.evaluate(async () => window.chatEngine.addContact('alice'));
    await bob.evaluate(async () => window.chatEngine.send('alice', 'before the loss'));
    await expect.poll(async () => (await texts(alice)).includes('before the loss'), POLL).toBe(true);
    // alice loses everything: her only browser, and she never made a recovery kit.
    const { fresh, code } = await loseBrowserAndShowResetCode(suite, alice, 'alice');
    expect(code).toMatch(/^\d{5}( \d{5}){5}$/);
    // Not released yet: refused in words; nothing changed.
    await fresh.getByRole('button', { name: 'Complete reset' }).click();
    await expect.poll(async () => fresh.getByRole('alert').filter({ hasText: 'has not released your handle' }).count(), POLL).toBe(1);
    // The page is closed and reopened: the same keys, the same code, where it was.
    await fresh.reload();
    await expect.poll(async () => fresh.getByTestId('reset-code').textContent(), POLL).toBe(code);
    await fresh.screenshot({ path: path.join(SHOTS, 'reset-01-code-for-support.png') });
    await expectNoSeriousA11y(fresh);

    // Support checked it is alice; the admin releases the handle on alice's account page.
    const dash = await adminDashboard(suite);
    await openAccountPage(dash, 'alice');
    await dash.getByTestId('release-code').fill(code);
    await dash.getByTestId('release-reason').fill('identity checked by video call, ticket 4711');
    await dash.getByRole('button', { name: 'Release handle for reset…' }).click();
    await expect.poll(() => dash.getByTestId('release-confirm').textContent(), POLL).toContain(code);
    await expectNoSeriousA11y(dash);
    await dash.getByRole('button', { name: 'Confirm release' }).click();
    await expect.poll(() => dash.getByRole('status').filter({ hasText: `Handle released for reset code ${code}` }).count(), POLL).toBe(1);
    await expect.poll(() => dash.getByTestId('account-history').textContent(), POLL).toContain(`handle released for reset code ${code}`);
    expect(await dash.getByTestId('account-history').textContent()).toContain('identity checked by video call, ticket 4711');
    await dash.screenshot({ path: path.join(SHOTS, 'reset-02-dashboard-release.png'), fullPage: true });

    await fresh.getByRole('button', { name: 'Complete reset' }).click();
    await expect.poll(async () => fresh.getByTestId('me').textContent(), POLL).toBe('alice');
    await expect.poll(async () => fresh.getByRole('status').filter({ hasText: 'Connected' }).count(), POLL).toBe(1);
    const devices = await fresh.evaluate(async () => window.chatEngine.devices());
    expect(devices.map((d) => [d.deviceId, d.thisDevice])).toEqual([[2, true]]);
    // The reset is in alice's history on the dashboard.
    await dash.reload();
    await expect.poll(() => dash.getByTestId('account-history').textContent(), POLL).toContain('account reset by the released device (device 2');

    // Bob's chat meets the reset at its next send: the safety number changed, said in the conversation.
    await bob.evaluate(async () => window.chatEngine.send('alice', 'after the reset').catch(() => undefined));
    await expect.poll(async () => (await texts(bob)).includes('alice’s safety number changed — the account was reset'), POLL).toBe(true);
    await bob.getByRole('button', { name: /alice/ }).first().click();
    await expect.poll(async () => bob.locator('li.system', { hasText: 'alice’s safety number changed — the account was reset' }).count(), POLL).toBe(1);
    await expect.poll(async () => bob.getByText('Safety number changed: verify again').count(), POLL).toBeGreaterThan(0);
    await bob.screenshot({ path: path.join(SHOTS, 'reset-03-contact-safety-number-changed.png') });
    // The message reaches alice's new device, and she answers from it.
    await expect.poll(async () => (await texts(fresh)).includes('after the reset'), POLL).toBe(true);
    await fresh.evaluate(async () => window.chatEngine.send('bob', 'it is really me'));
    await expect.poll(async () => (await texts(bob)).includes('it is really me'), POLL).toBe(true);
  });
});
