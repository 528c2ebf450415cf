// The lifecycle most e2e suites repeat, written once: build the web apps a suite needs, start the real server
// (./_server.ts) and Debian's Chromium before the suite, close every browser context, the browser and the server
// after it; plus the admin's dashboard sign-in and the axe check of serious and critical findings.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import AxeBuilder from '@axe-core/playwright';
import { type Browser, type BrowserContext, type Page, chromium } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import { buildWeb } from '../../scripts/build-web.mjs';
import { CHROMIUM, CHROMIUM_ARGS } from '../../vitest.config.ts';
import { POLL, enableEngineHook, newChatPage } from './_chat-page.ts';
import { type E2eServer, startE2eServer } from './_server.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** Where the suites write their screenshots. */
export const SHOTS = path.join(ROOT, 'test-artifacts/e2e');

export interface E2eSuite {
  /** The server of this suite (set once beforeAll ran). */
  readonly server: E2eServer;
  readonly browser: Browser;
  /** Every context a test opens goes here, so afterAll closes it. */
  readonly contexts: BrowserContext[];
}

/**
 * Registers the suite's beforeAll / afterAll; the returned object's fields are live once beforeAll ran. `only`: the web
 * apps to build; `env`: the server's settings; `shots`: the folder the suite writes screenshots to (default SHOTS).
 */
export function useE2eSuite(opts: { only: string[]; env?: Record<string, string>; shots?: string }): E2eSuite {
  let server: E2eServer | undefined;
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];
  beforeAll(async () => {
    fs.mkdirSync(opts.shots ?? SHOTS, { recursive: true });
    await buildWeb({ only: opts.only });
    server = await startE2eServer(ROOT, opts.env);
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  });
  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await server?.stop();
  });
  const started = <T>(v: T | undefined, name: string): T => {
    if (v === undefined) throw new Error(`e2e suite: ${name} is not started (use it inside a test)`);
    return v;
  };
  return {
    get server() {
      return started(server, 'the server');
    },
    get browser() {
      return started(browser, 'the browser');
    },
    contexts,
  };
}

/** No serious or critical axe finding (WCAG 2.1 A/AA) on the page as it is now. */
export async function expectNoSeriousA11y(page: Page): Promise<void> {
  const axe = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  expect(axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
}

/** The dashboard in a context of its own, signed in as the server's first-start admin, on the report queue. */
export async function adminDashboard(suite: E2eSuite): Promise<Page> {
  const ctx = await suite.browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB', timezoneId: 'UTC' });
  suite.contexts.push(ctx);
  const p = await ctx.newPage();
  p.on('pageerror', (e) => console.error(`[dashboard page error] ${e.message}`));
  await p.goto(`${suite.server.url}/dashboard/`);
  await p.getByLabel('Login name').fill(suite.server.adminId);
  await p.getByLabel('Password', { exact: true }).fill(suite.server.adminPassword);
  await p.getByRole('button', { name: 'Sign in' }).click();
  await expect.poll(() => p.getByRole('heading', { name: 'Report queue' }).count(), POLL).toBe(1);
  return p;
}

/**
 * `lost` (the account's only browser) is gone: its context closes. A fresh chat page (its own context, the engine hook
 * on) asks to reset `handle` (no device, no kit: D6.6) and shows its reset code.
 */
export async function loseBrowserAndShowResetCode(suite: E2eSuite, lost: Page, handle: string): Promise<{ fresh: Page; code: string }> {
  const ctx = lost.context();
  await ctx.close();
  suite.contexts.splice(suite.contexts.indexOf(ctx), 1);
  const fresh = await newChatPage(suite.browser, suite.contexts);
  await enableEngineHook(fresh);
  return { fresh, code: await showResetCode(fresh, suite.server.url, handle) };
}

/** On the admin's dashboard: Accounts, look up `handle`, open its account page (the handle-release panel shows). */
export async function openAccountPage(dash: Page, handle: string): Promise<void> {
  await dash.getByRole('link', { name: 'Accounts' }).click();
  await dash.getByTestId('account-lookup').fill(handle);
  await dash.getByRole('button', { name: 'Open' }).click();
  await expect.poll(() => dash.getByRole('heading', { name: 'Release handle for reset' }).count(), POLL).toBe(1);
}

/** A fresh chat page asks to reset `handle` (no device, no kit: D6.6) and shows its reset code; answers the code. */
async function showResetCode(fresh: Page, baseUrl: string, handle: string): Promise<string> {
  await fresh.goto(`${baseUrl}/`);
  await fresh.getByRole('tab', { name: 'Restore from recovery kit' }).click();
  await fresh.getByRole('button', { name: 'No kit? Reset the account' }).click();
  await fresh.getByRole('textbox', { name: 'Your handle' }).fill(handle);
  await fresh.getByRole('button', { name: 'Show my reset code' }).click();
  await expect.poll(async () => fresh.getByTestId('reset-code').count(), POLL).toBe(1);
  return (await fresh.getByTestId('reset-code').textContent()) as string;
}
