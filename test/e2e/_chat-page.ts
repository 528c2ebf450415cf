// Helpers shared by the chat e2e suites: a fresh browser context per user, registration in the chat page,
// and axe-core checks. The dashboard suite has its own (it logs in with a password instead).
import AxeBuilder from '@axe-core/playwright';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { expect } from 'vitest';

export const POLL = { timeout: 20_000, interval: 100 };

/** axe-core WCAG 2.1 A/AA rules on the page as it is now (or one region of it); returns readable violations. */
export async function a11yViolations(page: Page, include?: string): Promise<string[]> {
  let axe = new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']);
  if (include) axe = axe.include(include);
  const r = await axe.analyze();
  return r.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
}

/** A page in its own browser context (its own IndexedDB: one user per context); `contexts` collects them for closing. */
export async function newChatPage(browser: Browser, contexts: BrowserContext[]): Promise<Page> {
  const ctx = await browser.newContext({ viewport: { width: 1180, height: 760 }, deviceScaleFactor: 1, locale: 'en-GB', timezoneId: 'UTC' });
  contexts.push(ctx);
  const page = await ctx.newPage();
  page.on('pageerror', (e) => console.error(`[page error] ${e.message}`));
  return page;
}

/** Registers `handle` in the chat page (keys generated in the browser) and waits for the live connection. */
export async function registerInChat(page: Page, baseUrl: string, handle: string): Promise<void> {
  await page.goto(`${baseUrl}/`);
  await page.getByLabel('Choose a handle').fill(handle);
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect.poll(async () => page.getByTestId('me').textContent(), POLL).toBe(handle);
  await expect.poll(async () => page.getByRole('status').filter({ hasText: 'Connected' }).count(), POLL).toBe(1);
}
