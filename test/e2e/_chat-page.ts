// Helpers shared by the chat e2e suites: a fresh browser context per user, registration in the chat page,
// and axe-core checks. The dashboard suite has its own (it logs in with a password instead).
import AxeBuilder from '@axe-core/playwright';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { expect } from 'vitest';
import type { ChatEngine } from '../../chat/src/engine.ts';

declare global {
  interface Window {
    /** The chat engine, on a page where enableEngineHook ran. */
    chatEngine: ChatEngine;
    /** Exposed by linkByEngine on the existing device's page: the new device's counter-signature. */
    cosignOnNewDevice(body: number[]): Promise<number[]>;
  }
}

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

/**
 * The screen as a person sees it at this viewport: no horizontal scroll (page, body, every open dialog and panel),
 * every open dialog inside the screen with its last button reachable, the composer (when there is one) inside the
 * screen, and axe with no serious or critical violation. Returns the screenshot path when `shot` is given.
 */
export async function checkLayout(p: Page, name: string, shot?: string): Promise<void> {
  const vp = p.viewportSize() ?? { width: 0, height: 0 };
  const widths = await p.evaluate(() => ({ doc: document.documentElement.scrollWidth, body: document.body.scrollWidth }));
  expect(widths.doc, `${name}: page wider than the screen`).toBeLessThanOrEqual(vp.width);
  expect(widths.body, `${name}: body wider than the screen`).toBeLessThanOrEqual(vp.width);
  // Names and messages wrap: none reaches past the right edge of the screen or of a box that clips or scrolls it
  // (overflow: hidden would keep the page narrow and still cut a long unbroken name off).
  const cut = await p.evaluate((w) => {
    const out: string[] = [];
    for (const el of document.querySelectorAll('h1, h2, .contact-name, .member-name, .bubble, .ctx-text')) {
      const r = el.getBoundingClientRect();
      if (r.width === 0 || getComputedStyle(el).visibility === 'hidden' || el.closest('.list-h1, .sr-only')) continue;
      let right = w;
      for (let a = el.parentElement; a; a = a.parentElement) {
        const s = getComputedStyle(a);
        if (s.overflowX !== 'visible') right = Math.min(right, a.getBoundingClientRect().right);
      }
      if (r.right > right + 0.5) out.push(`${el.tagName.toLowerCase()}.${String(el.className)} “${(el.textContent ?? '').slice(0, 24)}…” → ${Math.round(r.right)} of ${Math.round(right)}`);
    }
    return out;
  }, vp.width);
  expect(cut, `${name}: text cut off at the right edge`).toEqual([]);
  for (const d of await p.locator('dialog[open], .roster, .statement').all()) {
    const box = await d.boundingBox();
    expect(box, name).not.toBeNull();
    expect(box?.x ?? -1, `${name}: off the left edge`).toBeGreaterThanOrEqual(0);
    expect((box?.x ?? 0) + (box?.width ?? 0), `${name}: off the right edge`).toBeLessThanOrEqual(vp.width + 0.5);
    const inner = await d.evaluate((el) => ({ scroll: el.scrollWidth, client: el.clientWidth }));
    expect(inner.scroll, `${name}: content wider than its dialog or panel`).toBeLessThanOrEqual(inner.client + 1);
    const last = d.locator('button').last();
    await last.scrollIntoViewIfNeeded();
    expect(await last.isVisible(), `${name}: last button`).toBe(true);
  }
  const composer = p.locator('.composer textarea');
  if ((await composer.count()) === 1 && (await composer.isVisible()) && (await p.locator('dialog[open]').count()) === 0) {
    const box = await composer.boundingBox();
    expect(box, `${name}: composer hidden`).not.toBeNull();
    expect((box?.y ?? 0) + (box?.height ?? 0), `${name}: composer below the screen`).toBeLessThanOrEqual(vp.height);
    expect(box?.y ?? -1, `${name}: composer above the screen`).toBeGreaterThanOrEqual(0);
    const send = p.getByRole('button', { name: 'Send', exact: true });
    const sb = await send.boundingBox();
    expect((sb?.y ?? 0) + (sb?.height ?? 0), `${name}: Send below the screen`).toBeLessThanOrEqual(vp.height);
    expect((sb?.x ?? 0) + (sb?.width ?? 0), `${name}: Send off the right edge`).toBeLessThanOrEqual(vp.width);
  }
  const axe = await new AxeBuilder({ page: p }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  expect(axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`), name).toEqual([]);
  if (shot) {
    // a dialog scrolled to its last button above: show it from the top
    for (const d of await p.locator('dialog[open]').all()) await d.evaluate((el) => el.scrollTo(0, 0));
    await p.screenshot({ path: shot });
  }
}

/**
 * Lets the test drive the chat engine's device API from the page (`window.chatEngine`, chat/src/engine.ts), for steps
 * whose UI lives elsewhere (the link channel). Set before the page's scripts run, on every navigation.
 */
export async function enableEngineHook(page: Page): Promise<void> {
  await page.addInitScript(() => window.localStorage.setItem('franking-chat:engine-hook', '1'));
}

/**
 * D6.1 through the chat engine's device API (both pages with enableEngineHook), the steps the linking UI runs over its
 * link channel: the new device's keys to the existing one, which signs the next list as `name`; the new device
 * counter-signs, the existing one submits, the new one completes and signs in. Returns the new device's id once it is
 * signed in as `accountId` and connected.
 */
export async function linkByEngine(existing: Page, fresh: Page, accountId: string, name: string): Promise<number> {
  const keys = await fresh.evaluate(() => {
    const k = window.chatEngine.beginLink();
    return { s: Array.from(k.identitySigningKey), d: Array.from(k.identityDhKey), c: Array.from(k.credentialKey) };
  });
  await existing.exposeFunction('cosignOnNewDevice', async (body: number[]) =>
    fresh.evaluate(([b, a]) => Array.from(window.chatEngine.cosignLink(new Uint8Array(b as number[]), a as string)), [body, accountId] as const));
  const approved = await existing.evaluate(async ([k, n]) => window.chatEngine.approveLink(
    { identitySigningKey: new Uint8Array(k.s), identityDhKey: new Uint8Array(k.d), credentialKey: new Uint8Array(k.c) },
    async (body) => new Uint8Array(await window.cosignOnNewDevice(Array.from(body))),
    n,
  ), [keys, name] as const);
  const done = await fresh.evaluate(async (a) => window.chatEngine.completeLink(a), accountId);
  expect(done.deviceId).toBe(approved.deviceId);
  await expect.poll(async () => fresh.getByTestId('me').textContent(), POLL).toBe(accountId);
  await expect.poll(async () => fresh.getByRole('status').filter({ hasText: 'Connected' }).count(), POLL).toBe(1);
  return done.deviceId;
}

/**
 * Links `fresh` (a page in its own context, not signed in) to the account signed in on `existing`, through the
 * linking UI (docs/PROTOCOL-linking.md L1): the new device shows a link code named `name`, the existing device takes
 * it from "Linked devices", both show the same short code, and the existing device confirms (`history`: whether the
 * message history comes along). Returns when the new device is signed in and connected and the dialogs are closed.
 */
export async function linkInChat(existing: Page, fresh: Page, baseUrl: string, opts: { name: string; history: boolean }): Promise<void> {
  const long = { timeout: 60_000, interval: 200 };
  const me = await existing.getByTestId('me').textContent();
  await fresh.goto(`${baseUrl}/`);
  await fresh.getByRole('tab', { name: 'Link to an existing account' }).click();
  await fresh.getByLabel('Name for this device').fill(opts.name);
  await fresh.getByRole('button', { name: 'Show link code' }).click();
  await expect.poll(async () => (await fresh.getByTestId('link-code').inputValue()).startsWith('FCLINK1-'), long).toBe(true);
  const code = await fresh.getByTestId('link-code').inputValue();
  await existing.getByRole('button', { name: 'Linked devices' }).click();
  await existing.getByRole('button', { name: 'Link a device' }).click();
  await existing.getByLabel('Link code').fill(code);
  await existing.getByRole('button', { name: 'Continue' }).click();
  await expect.poll(async () => existing.getByTestId('short-code').count(), long).toBe(1);
  await expect.poll(async () => fresh.getByTestId('short-code').count(), long).toBe(1);
  expect(await fresh.getByTestId('short-code').textContent()).toBe(await existing.getByTestId('short-code').textContent());
  await existing.getByRole('checkbox', { name: /Also copy message history/ }).setChecked(opts.history);
  await existing.getByRole('button', { name: 'Codes match — link device' }).click();
  await expect.poll(async () => fresh.getByTestId('me').textContent(), long).toBe(me);
  await expect.poll(async () => fresh.getByRole('status').filter({ hasText: 'Connected' }).count(), long).toBe(1);
  await expect.poll(async () => existing.getByText('The device is linked. It receives your messages from now on.').count(), long).toBe(1);
  await existing.getByRole('button', { name: 'Done' }).click();
  await existing.getByRole('button', { name: 'Close' }).last().click();
  await expect.poll(async () => existing.locator('dialog[open]').count(), long).toBe(0);
}

/** Sends `text` to `peer` from the open conversation's composer and waits until the page shows it sent. */
export async function sendInChat(page: Page, peer: string, text: string, wait: { timeout: number; interval: number } = POLL): Promise<void> {
  const before = await page.locator('li.msg.out[data-state="sent"]').count();
  const box = page.getByLabel(`Message ${peer}`);
  await box.fill(text);
  await box.press('Enter');
  await expect.poll(async () => page.locator('li.msg.out[data-state="sent"]').count(), wait).toBe(before + 1);
}

/**
 * Two signed-in pages become contacts the way people do it: `from` adds `toHandle` and writes `firstText`, `to`
 * opens the message request and accepts it; both end in their conversation with each other.
 */
export async function befriendInChat(from: Page, fromHandle: string, to: Page, toHandle: string, firstText: string, wait: { timeout: number; interval: number } = POLL): Promise<void> {
  await from.getByLabel('Add a contact by handle').fill(toHandle);
  await from.getByRole('button', { name: 'Add', exact: true }).click();
  await expect.poll(async () => from.getByRole('heading', { level: 1, name: toHandle }).count(), POLL).toBe(1);
  await sendInChat(from, toHandle, firstText, wait);
  await to.getByTestId('requests').getByRole('button', { name: new RegExp(fromHandle) }).click();
  await expect.poll(async () => to.getByTestId('request-bar').count(), wait).toBe(1);
  await to.getByTestId('request-bar').getByRole('button', { name: 'Accept' }).click();
  await expect.poll(async () => to.getByLabel(`Message ${fromHandle}`).count(), wait).toBe(1);
}
