// The chat's everyday behaviour (chat/README.md "Blocking and message requests", "Several tabs", "Images", "Message length") in a real browser (Debian's Chromium) against the real server: message requests, report and block,
// block/unblock, the in-app image viewer and the scroll after an image, hover contrast of "Send report", the
// reason error clearing, the 4,000-character limit shown before sending, dir="auto", a second tab seeing
// messages live and a reload keeping the chat and the draft, case-insensitive handles, the unread-outcome
// badge — and every screen at phone width (390×844) and desktop width (1280×800): no horizontal scroll,
// every dialog on screen, axe with no serious or critical violation. Screenshots: docs/screenshots/chat-ux-*.png.
import AxeBuilder from '@axe-core/playwright';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BrowserContext, type Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { POLL, registerInChat } from './_chat-page.ts';
import { useE2eSuite } from './_suite.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SHOTS = path.join(ROOT, 'docs/screenshots');
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 800 };

async function context(viewport: { width: number; height: number }): Promise<BrowserContext> {
  const ctx = await suite.browser.newContext({ viewport, deviceScaleFactor: 1, locale: 'en-GB', timezoneId: 'UTC' });
  suite.contexts.push(ctx);
  return ctx;
}
async function page(ctx: BrowserContext): Promise<Page> {
  const p = await ctx.newPage();
  p.on('pageerror', (e) => console.error(`[page error] ${e.message}`));
  return p;
}

/** axe: serious and critical violations only (the bar), as readable strings. */
async function seriousViolations(p: Page): Promise<string[]> {
  const r = await new AxeBuilder({ page: p }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

/** The screen as it is: no horizontal scroll, every open dialog inside the viewport, no serious axe finding. */
async function checkScreen(p: Page, name: string): Promise<void> {
  const vw = p.viewportSize()?.width ?? 0;
  const widths = await p.evaluate(() => ({ doc: document.documentElement.scrollWidth, body: document.body.scrollWidth }));
  expect(widths.doc, `${name}: page wider than the screen`).toBeLessThanOrEqual(vw);
  expect(widths.body, `${name}: body wider than the screen`).toBeLessThanOrEqual(vw);
  for (const d of await p.locator('dialog[open]').all()) {
    const box = await d.boundingBox();
    expect(box, name).not.toBeNull();
    expect(box?.x ?? -1, `${name}: dialog off the left edge`).toBeGreaterThanOrEqual(0);
    expect((box?.x ?? 0) + (box?.width ?? 0), `${name}: dialog off the right edge`).toBeLessThanOrEqual(vw + 0.5);
    // every control of the dialog can be reached (scrolled into view inside it)
    const last = d.locator('button').last();
    await last.scrollIntoViewIfNeeded();
    expect(await last.isVisible()).toBe(true);
  }
  expect(await seriousViolations(p), name).toEqual([]);
  await p.screenshot({ path: path.join(SHOTS, `chat-ux-${name}.png`) });
}

async function send(p: Page, peer: string, text: string): Promise<void> {
  const before = await p.locator('li.msg.out[data-state="sent"]').count();
  const box = p.getByLabel(`Message ${peer}`);
  await box.fill(text);
  await box.press('Enter');
  await expect.poll(async () => p.locator('li.msg.out[data-state="sent"]').count(), POLL).toBe(before + 1);
}
async function addContact(p: Page, handle: string, expectHeading: string): Promise<void> {
  await p.getByLabel('Add a contact by handle').fill(handle);
  await p.getByRole('button', { name: 'Add', exact: true }).click();
  await expect.poll(async () => p.getByRole('heading', { level: 1, name: expectHeading }).count(), POLL).toBe(1);
}

/** A real 2×2 PNG (red), so the browser decodes and lays out an image. */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP8z8DAwMDAxMDAwMDAAAANHQEDasKb6QAAAABJRU5ErkJggg==', 'base64');

const suite = useE2eSuite({ only: ['chat', 'dashboard'], shots: SHOTS });

let mallory: Page;

describe('chat as people expect it', () => {
  let bob: Page;
  let bobCtx: BrowserContext;

  it('a stranger’s first message waits under Requests; the dialog says they are not told; report and block stops delivery', async () => {
    mallory = await page(await context(DESKTOP));
    bobCtx = await context(DESKTOP);
    bob = await page(bobCtx);
    await registerInChat(mallory, suite.server.url, 'mallory');
    await registerInChat(bob, suite.server.url, 'Bob.Smith');
    // case-insensitive: mallory types the handle in another case
    await addContact(mallory, 'BOB.SMITH', 'Bob.Smith');
    await send(mallory, 'Bob.Smith', 'hi, remember me?');
    await send(mallory, 'Bob.Smith', 'you will regret ignoring me');

    // Bob: no chat opened by itself; a request with Accept / Delete / Report and block
    await expect.poll(() => bob.getByTestId('requests').getByRole('button', { name: /mallory/ }).count(), POLL).toBe(1);
    expect(await bob.getByRole('heading', { level: 1, name: 'mallory' }).count()).toBe(0);
    expect(await bob.getByRole('heading', { level: 1, name: 'No conversation open' }).count()).toBe(1); // h1 on home
    await checkScreen(bob, 'desktop-home-request');
    await bob.getByTestId('requests').getByRole('button', { name: /mallory/ }).click();
    const bar = bob.getByTestId('request-bar');
    await expect.poll(() => bar.count(), POLL).toBe(1);
    expect(await bob.getByLabel('Message mallory').count()).toBe(0); // no composer before accepting
    await checkScreen(bob, 'desktop-request');

    await bar.getByRole('button', { name: 'Report and block' }).click();
    const dialog = bob.locator('dialog[open]');
    await expect.poll(() => dialog.getByRole('heading', { name: /Report a message from mallory/ }).count(), POLL).toBe(1);
    expect(await dialog.getByTestId('not-told').textContent()).toMatch(/mallory is not told/);
    expect(await dialog.getByRole('checkbox', { name: /Also block mallory/ }).isChecked()).toBe(true);
    // "Choose a reason first." goes away once a reason is picked
    const submit = dialog.getByRole('button', { name: 'Report and block' });
    await submit.click();
    await expect.poll(() => dialog.getByText('Choose a reason first.').count(), POLL).toBe(1);
    await dialog.getByRole('radio', { name: /Threat of violence/ }).check();
    expect(await dialog.getByText('Choose a reason first.').count()).toBe(0);
    // hovering the submit button keeps white text on a dark red (it used to turn white on near-white)
    await submit.hover();
    const colours = await submit.evaluate((b) => ({ bg: getComputedStyle(b).backgroundColor, fg: getComputedStyle(b).color }));
    expect(colours.fg).toBe('rgb(255, 255, 255)');
    expect(colours.bg).toBe('rgb(143, 29, 22)');
    await checkScreen(bob, 'desktop-report-and-block');
    await submit.click();
    await expect.poll(() => dialog.getByTestId('blocked-too').count(), POLL).toBe(1);
    await dialog.getByRole('button', { name: 'Done' }).click();
    await expect.poll(() => bob.getByTestId('blocked-banner').count(), POLL).toBe(1);

    // the server stops delivering: mallory's send succeeds for her, nothing reaches Bob
    await send(mallory, 'Bob.Smith', 'are you ignoring me?');
    await bob.waitForTimeout(1500);
    expect(await bob.locator('li.msg.in', { hasText: 'are you ignoring me?' }).count()).toBe(0);

    // unblock: later messages arrive again
    await bob.getByRole('button', { name: 'Unblock', exact: true }).click();
    const confirm = bob.locator('dialog[open]');
    await expect.poll(() => confirm.getByRole('heading', { name: 'Unblock mallory?' }).count(), POLL).toBe(1);
    await checkScreen(bob, 'desktop-unblock-dialog');
    await confirm.getByRole('button', { name: 'Unblock', exact: true }).click();
    await expect.poll(() => bob.getByTestId('blocked-banner').count(), POLL).toBe(0);
    await send(mallory, 'Bob.Smith', 'ok, one more');
    await expect.poll(() => bob.locator('li.msg.in', { hasText: 'ok, one more' }).count(), POLL).toBe(1);
    expect(await bob.locator('li.msg.in', { hasText: 'are you ignoring me?' }).count()).toBe(0);
  });

  it('accepting a request opens the chat; RTL text gets dir=auto; a 5,000-character paste is refused before sending', async () => {
    await bob.getByTestId('request-bar').getByRole('button', { name: 'Accept' }).click();
    await expect.poll(() => bob.getByLabel('Message mallory').count(), POLL).toBe(1);
    await send(mallory, 'Bob.Smith', 'مرحبا، كيف حالك؟');
    await expect.poll(() => bob.locator('li.msg.in .text', { hasText: 'مرحبا' }).count(), POLL).toBe(1);
    expect(await bob.locator('li.msg.in .text', { hasText: 'مرحبا' }).getAttribute('dir')).toBe('auto');
    expect(await bob.locator('.contact .preview', { hasText: 'مرحبا' }).getAttribute('dir')).toBe('auto');

    const box = bob.getByLabel('Message mallory');
    await box.fill('x'.repeat(5000));
    await expect.poll(() => bob.getByTestId('char-count').textContent(), POLL).toMatch(/5,000 characters: messages are limited to 4,000/);
    expect(await bob.getByRole('button', { name: 'Send', exact: true }).isDisabled()).toBe(true);
    expect((await box.inputValue()).length).toBe(5000); // nothing was cut
    await box.fill('short again');
    expect(await bob.getByTestId('char-count').count()).toBe(0);
  });

  it('a received image opens in an in-app viewer with Save; the view stays at the bottom after it arrives', async () => {
    await mallory.locator('#composer-file').setInputFiles({ name: 'red.png', mimeType: 'image/png', buffer: PNG });
    await mallory.getByRole('button', { name: 'Send', exact: true }).click();
    await expect.poll(() => bob.locator('li.msg.in [data-attachment="ready"]').count(), POLL).toBe(1);
    await send(mallory, 'Bob.Smith', 'the message after the image');
    await expect.poll(() => bob.locator('li.msg.in', { hasText: 'the message after the image' }).count(), POLL).toBe(1);
    await expect
      .poll(() => bob.locator('.messages').evaluate((el) => Math.round(el.scrollHeight - el.scrollTop - el.clientHeight)), POLL)
      .toBeLessThanOrEqual(2);
    expect(await bob.locator('li.msg.in', { hasText: 'the message after the image' }).getByRole('button', { name: /^Report/ }).isVisible()).toBe(true);

    await bob.getByRole('button', { name: /Enlarge image from mallory/ }).click();
    const viewer = bob.locator('dialog[open]');
    await expect.poll(() => viewer.locator('img').count(), POLL).toBe(1);
    const save = viewer.getByRole('link', { name: 'Save image' });
    expect(await save.getAttribute('download')).toMatch(/\.png$/);
    expect(await save.getAttribute('href')).toMatch(/^(blob|data):/);
    await checkScreen(bob, 'desktop-image-viewer');
    const download = bob.waitForEvent('download');
    await save.click();
    expect((await download).suggestedFilename()).toMatch(/\.png$/);
    await bob.keyboard.press('Escape');
    await expect.poll(() => bob.locator('dialog[open]').count(), POLL).toBe(0);
  });

  it('a second tab sees new messages live; a reload keeps the open chat and the draft', async () => {
    const second = await page(bobCtx);
    await second.goto(`${suite.server.url}/`);
    await expect.poll(() => second.getByTestId('me').textContent(), POLL).toBe('Bob.Smith');
    await second.getByRole('button', { name: /mallory/ }).first().click();
    await send(bob, 'mallory', 'sent from the first tab');
    await expect.poll(() => second.locator('li.msg.out', { hasText: 'sent from the first tab' }).count(), POLL).toBe(1);
    // Its later state (the relay's answer, another note naming the same conversation) reaches the second tab too.
    await expect.poll(() => second.locator('li.msg.out[data-state="sent"]', { hasText: 'sent from the first tab' }).count(), POLL).toBe(1);
    await send(mallory, 'Bob.Smith', 'seen in both tabs');
    await expect.poll(() => second.locator('li.msg.in', { hasText: 'seen in both tabs' }).count(), POLL).toBe(1);
    await expect.poll(() => bob.locator('li.msg.in', { hasText: 'seen in both tabs' }).count(), POLL).toBe(1);

    await bob.getByLabel('Message mallory').fill('a draft I do not want to lose');
    await bob.reload();
    await expect.poll(() => bob.getByRole('heading', { level: 1, name: 'mallory' }).count(), POLL).toBe(1);
    await expect.poll(() => bob.getByLabel('Message mallory').inputValue(), POLL).toBe('a draft I do not want to lose');
    await second.close();
  });

  it('"My reports" counts unread outcomes only, and clears once seen', async () => {
    await bob.getByRole('button', { name: /My reports/ }).click();
    await expect.poll(() => bob.locator('.report-card').count(), POLL).toBe(1);
    await bob.getByRole('button', { name: 'Chats' }).click();
    expect(await bob.getByTestId('outcome-badge').count()).toBe(0); // a report without an outcome is not "unread"
    // a moderator decides it (dashboard API with the first-start admin)
    const login = await fetch(`${suite.server.url}/v1/mod/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ moderatorId: suite.server.adminId, password: suite.server.adminPassword }) });
    const { csrfToken } = (await login.json()) as { csrfToken: string };
    const headers = { cookie: (login.headers.get('set-cookie') ?? '').split(';')[0] as string, 'x-csrf-token': csrfToken, 'content-type': 'application/json' };
    expect(login.status).toBe(201);
    const queue = (await (await fetch(`${suite.server.url}/v1/mod/queue`, { headers })).json()) as { reports: Array<{ id: string }> };
    expect(queue.reports, JSON.stringify(queue)).toHaveLength(1);
    const id = queue.reports[0]?.id as string;
    expect((await fetch(`${suite.server.url}/v1/mod/reports/${id}/claim`, { method: 'POST', headers, body: '{}' })).status).toBe(200);
    expect((await fetch(`${suite.server.url}/v1/mod/reports/${id}/decision`, { method: 'POST', headers, body: JSON.stringify({ action: 'warn', policyId: 'harassment' }) })).status).toBe(200);
    await bob.reload();
    await expect.poll(() => bob.getByTestId('outcome-badge').textContent(), { timeout: 40_000, interval: 250 }).toBe('1');
    await bob.getByRole('button', { name: /My reports/ }).click();
    await expect.poll(() => bob.getByTestId('report-outcome').count(), POLL).toBe(1);
    await bob.getByRole('button', { name: 'Chats' }).click();
    expect(await bob.getByTestId('outcome-badge').count()).toBe(0);
    await bob.reload();
    await expect.poll(() => bob.getByTestId('me').textContent(), POLL).toBe('Bob.Smith');
    expect(await bob.getByTestId('outcome-badge').count()).toBe(0);
  });
});

describe('every screen at phone width (390×844) and desktop width', () => {
  it('welcome, home, new group, conversation, report dialog, block dialog, safety number, My reports', async () => {
    for (const [label, viewport] of [['phone', PHONE], ['desktop', DESKTOP]] as const) {
      const p = await page(await context(viewport));
      const me = `kim-${label}`;
      await p.goto(`${suite.server.url}/`);
      await checkScreen(p, `${label}-welcome`);
      await registerInChat(p, suite.server.url, me);
      await checkScreen(p, `${label}-home`);
      await p.getByRole('button', { name: 'New group' }).click();
      expect(await p.getByRole('heading', { level: 1 }).count()).toBe(1); // h1 on the new-group screen too
      await checkScreen(p, `${label}-new-group`);
      await p.getByRole('button', { name: 'Cancel' }).click();
      await addContact(p, 'MALLORY', 'mallory');
      await send(p, 'mallory', 'a long line '.repeat(40));
      await mallory.getByTestId('requests').getByRole('button', { name: new RegExp(me) }).click();
      await mallory.getByTestId('request-bar').getByRole('button', { name: 'Accept' }).click();
      await send(mallory, me, `reply with a very long preview ${'that goes on and on '.repeat(20)}`);
      await expect.poll(() => p.locator('li.msg.in').count(), POLL).toBeGreaterThan(0);
      // at phone width the conversation list and the chat share one column: the long preview must not widen it
      await checkScreen(p, `${label}-conversation`);
      await p.locator('li.msg.in').last().getByRole('button', { name: /^Report this message/ }).click();
      await expect.poll(() => p.locator('dialog[open]').count(), POLL).toBe(1);
      await checkScreen(p, `${label}-report-dialog`);
      await p.keyboard.press('Escape');
      await p.getByRole('button', { name: 'Block', exact: true }).click();
      await checkScreen(p, `${label}-block-dialog`);
      await p.keyboard.press('Escape');
      await p.getByRole('button', { name: 'Safety number' }).click();
      await checkScreen(p, `${label}-safety-number`);
      await p.keyboard.press('Escape');
      // phones show one pane at a time: back to the list, where "My reports" is
      if (label === 'phone') await p.getByRole('button', { name: 'Back to Chats' }).click();
      await p.getByRole('button', { name: /My reports/ }).click();
      await checkScreen(p, `${label}-my-reports`);
    }
  });
});

