// Chat pages in Debian's Chromium for the browser benchmarks (bench/devices-link-browser.ts, bench/chat-send-profile.ts):
// a page per browser profile with the engine test hook (`franking-chat:engine-hook`, chat/src/engine.ts), sign-up
// through the UI, and sends through the page's engine so that seeding a long conversation takes seconds.
import type { Browser, BrowserContext, Page } from 'playwright-core';

/** Polls `fn` until it returns true (every 25 ms, at most `ms`). */
export async function until(what: string, fn: () => Promise<boolean>, ms = 120_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error(`bench: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export async function chatPage(browser: Browser, contexts: BrowserContext[]): Promise<Page> {
  const ctx = await browser.newContext({ viewport: { width: 1180, height: 760 }, locale: 'en-GB', timezoneId: 'UTC' });
  contexts.push(ctx);
  await ctx.addInitScript(() => window.localStorage.setItem('franking-chat:engine-hook', '1'));
  const page = await ctx.newPage();
  page.on('pageerror', (e) => console.error(`[page error] ${e.message}`));
  return page;
}

export async function register(page: Page, url: string, handle: string): Promise<void> {
  await page.goto(`${url}/`);
  await page.getByLabel('Choose a handle').fill(handle);
  await page.getByRole('button', { name: 'Create account' }).click();
  await until(`${handle} signed in`, async () => (await page.getByTestId('me').textContent()) === handle);
  await until(`${handle} connected`, async () => (await page.getByRole('status').filter({ hasText: 'Connected' }).count()) === 1);
}

/** Messages the page's engine holds in its conversation with `peer` (the snapshot the UI renders). */
export const held = (page: Page, peer: string): Promise<number> =>
  page.evaluate((p) => {
    const engine = (window as unknown as { chatEngine: { getSnapshot(): { messages: Record<string, { peerId?: string }[]> } } }).chatEngine;
    return Object.values(engine.getSnapshot().messages).filter((ms) => ms[0]?.peerId === p).reduce((n, ms) => n + ms.length, 0);
  }, peer);

/** `count` sends from `page` to `peer` through its engine, one after another; returns each one's wall time in ms. */
export const sendMany = (page: Page, peer: string, prefix: string, count: number): Promise<number[]> =>
  page.evaluate(
    async ({ peer, prefix, count }) => {
      const engine = (window as unknown as { chatEngine: { send(peer: string, text: string): Promise<void> } }).chatEngine;
      const times: number[] = [];
      for (let i = 0; i < count; i++) {
        const t0 = performance.now();
        await engine.send(peer, `${prefix} ${i}: a message of ordinary length, the kind people send each other all day long.`);
        times.push(performance.now() - t0);
      }
      return times;
    },
    { peer, prefix, count },
  );
