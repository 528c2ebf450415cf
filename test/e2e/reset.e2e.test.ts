// The reset of an account with no device and no kit (docs/PROTOCOL-devices.md D6.6, docs/MODERATION.md "Account
// reset"), in real browsers against the real server process: alice loses every browser and has no recovery kit. A
// fresh browser shows her a reset code (kept across a reload); "Complete reset" is refused until the admin releases her
// handle for that code on the dashboard's account page (with a reason and a confirmation, then shown in the account's
// history); then the fresh browser becomes alice — a new identity — and bob's conversation says "alice’s safety number
// changed — the account was reset".
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import AxeBuilder from '@axe-core/playwright';
import { type Browser, type BrowserContext, type Page, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWeb } from '../../scripts/build-web.mjs';
import { CHROMIUM, CHROMIUM_ARGS } from '../../vitest.config.ts';
import type { ChatEngine } from '../../chat/src/engine.ts';
import { POLL, enableEngineHook, newChatPage, registerInChat } from './_chat-page.ts';
import { type E2eServer, startE2eServer } from './_server.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SHOTS = path.join(ROOT, 'test-artifacts/e2e');
let server: E2eServer;
let browser: Browser;
const contexts: BrowserContext[] = [];

declare global {
  interface Window {
    chatEngine: ChatEngine;
  }
}

beforeAll(async () => {
  fs.mkdirSync(SHOTS, { recursive: true });
  await buildWeb({ only: ['chat', 'dashboard'] });
  server = await startE2eServer(ROOT);
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
});

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => undefined);
  await browser?.close();
  await server?.stop();
});

/** No serious or critical axe finding (WCAG 2.1 A/AA), as the other e2e suites check. */
async function axeClean(page: Page): Promise<void> {
  const axe = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  expect(axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
}

const texts = async (page: Page): Promise<string[]> => page.evaluate(() => Object.values(window.chatEngine.getSnapshot().messages).flat().map((m) => m.text));

async function dashboard(): Promise<Page> {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB', timezoneId: 'UTC' });
  contexts.push(ctx);
  const p = await ctx.newPage();
  p.on('pageerror', (e) => console.error(`[dashboard page error] ${e.message}`));
  await p.goto(`${server.url}/dashboard/`);
  await p.getByLabel('Login name').fill(server.adminId);
  await p.getByLabel('Password', { exact: true }).fill(server.adminPassword);
  await p.getByRole('button', { name: 'Sign in' }).click();
  await expect.poll(() => p.getByRole('heading', { name: 'Report queue' }).count(), POLL).toBe(1);
  return p;
}

describe('reset without device or kit', () => {
  it('the admin releases alice\'s handle for the fresh browser\'s code; the browser becomes alice; bob sees the safety number changed', async () => {
    const alice = await newChatPage(browser, contexts);
    await enableEngineHook(alice);
    await registerInChat(alice, server.url, 'alice');
    const bob = await newChatPage(browser, contexts);
    await enableEngineHook(bob);
    await registerInChat(bob, server.url, 'bob');
    await bob.evaluate(async () => window.chatEngine.addContact('alice'));
    await bob.evaluate(async () => window.chatEngine.send('alice', 'before the loss'));
    await expect.poll(async () => (await texts(alice)).includes('before the loss'), POLL).toBe(true);
    // alice loses everything: her only browser, and she never made a recovery kit.
    const aliceCtx = alice.context();
    await aliceCtx.close();
    contexts.splice(contexts.indexOf(aliceCtx), 1);

    const fresh = await newChatPage(browser, contexts);
    await enableEngineHook(fresh);
    await fresh.goto(`${server.url}/`);
    await fresh.getByRole('tab', { name: 'Restore from recovery kit' }).click();
    await fresh.getByRole('button', { name: 'No kit? Reset the account' }).click();
    await fresh.getByRole('textbox', { name: 'Your handle' }).fill('alice');
    await fresh.getByRole('button', { name: 'Show my reset code' }).click();
    await expect.poll(async () => fresh.getByTestId('reset-code').count(), POLL).toBe(1);
    const code = (await fresh.getByTestId('reset-code').textContent()) as string;
    expect(code).toMatch(/^\d{5}( \d{5}){5}$/);
    // Not released yet: refused in words; nothing changed.
    await fresh.getByRole('button', { name: 'Complete reset' }).click();
    await expect.poll(async () => fresh.getByRole('alert').filter({ hasText: 'has not released your handle' }).count(), POLL).toBe(1);
    // The page is closed and reopened: the same keys, the same code, where it was.
    await fresh.reload();
    await expect.poll(async () => fresh.getByTestId('reset-code').textContent(), POLL).toBe(code);
    await fresh.screenshot({ path: path.join(SHOTS, 'reset-01-code-for-support.png') });
    await axeClean(fresh);

    // Support checked it is alice; the admin releases the handle on alice's account page.
    const dash = await dashboard();
    await dash.getByRole('link', { name: 'Accounts' }).click();
    await dash.getByTestId('account-lookup').fill('alice');
    await dash.getByRole('button', { name: 'Open' }).click();
    await expect.poll(() => dash.getByRole('heading', { name: 'Release handle for reset' }).count(), POLL).toBe(1);
    await dash.getByTestId('release-code').fill(code);
    await dash.getByTestId('release-reason').fill('identity checked by video call, ticket 4711');
    await dash.getByRole('button', { name: 'Release handle for reset…' }).click();
    await expect.poll(() => dash.getByTestId('release-confirm').textContent(), POLL).toContain(code);
    await axeClean(dash);
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
