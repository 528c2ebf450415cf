// A long conversation opened in a fresh page (chat/src/MessageLog.tsx, styles.css .message-chunk), in Debian's
// Chromium against the real server: the log is split into chunks of 50 messages that the browser skips while off
// screen, and a chunk never shown is laid out at an estimated height. The estimate is the mean height per message of
// the chunks shown, so the conversation's scroll height at opening is its real one within a few per cent, and
// scrolling up into chunks never shown barely changes it (where a browser has no scroll anchoring, a change there is
// a jump of the view). Measured as the scroll height at opening against the one after every chunk was shown once.
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { POLL, befriendInChat, enableEngineHook, newChatPage, registerInChat } from './_chat-page.ts';
import { useE2eSuite } from './_suite.ts';

const suite = useE2eSuite({ only: ['chat'], env: { RATE_LIMIT_AUTH: '300', RATE_LIMIT_SEND: '100000' } });
const LONG = { timeout: 120_000, interval: 250 };

/** `count` sends from `page` to `peer` through its engine, one after another (two lines each on a desktop page). */
const sendMany = (page: Page, peer: string, prefix: string, count: number) =>
  page.evaluate(async ({ peer, prefix, count }) => {
    for (let i = 0; i < count; i++)
      await window.chatEngine.send(peer, `${prefix} ${i}: a message of the length people write when they explain something, long enough to wrap onto a second line in the bubble.`);
  }, { peer, prefix, count });

const held = (page: Page, peer: string) =>
  page.evaluate((p) => Object.values(window.chatEngine.getSnapshot().messages).filter((ms) => ms[0]?.peerId === p).reduce((n, ms) => n + ms.length, 0), peer);

/** The message log's scroll height once it stopped changing (three equal reads, a frame apart). */
async function settledHeight(page: Page): Promise<number> {
  return page.evaluate(async () => {
    const log = document.querySelector<HTMLElement>('.messages');
    if (!log) throw new Error('no message log');
    const frame = () => new Promise((r) => requestAnimationFrame(() => r(null)));
    let last = -1;
    for (let same = 0, i = 0; same < 3 && i < 300; i++) {
      await frame();
      same = log.scrollHeight === last ? same + 1 : 0;
      last = log.scrollHeight;
    }
    return last;
  });
}

describe('a long conversation opened in a fresh page', () => {
  it('its scroll height at opening is within 5 % of the real one, and scrolling to the top changes it that little', async () => {
    const alice = await newChatPage(suite.browser, suite.contexts);
    const bob = await newChatPage(suite.browser, suite.contexts);
    for (const [p, h] of [[alice, 'alice'], [bob, 'bob']] as const) {
      await enableEngineHook(p);
      await registerInChat(p, suite.server.url, h);
    }
    await befriendInChat(alice, 'alice', bob, 'bob', 'hello');
    // 600 messages in blocks of 50 each way: twelve chunks, of which a fresh page shows only the last.
    for (let block = 0; block < 12; block++) await sendMany(block % 2 ? alice : bob, block % 2 ? 'bob' : 'alice', `m${block}`, 50);
    await expect.poll(() => held(alice, 'bob'), LONG).toBeGreaterThanOrEqual(601);

    await alice.reload();
    await alice.getByRole('button', { name: /bob/ }).first().click();
    await expect.poll(() => alice.locator('.message-chunk').count(), POLL).toBe(13);
    const opened = await settledHeight(alice);
    const log = alice.locator('.messages');
    // At the bottom, with the chunks above never shown.
    expect(await log.evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight)).toBeLessThan(48);
    const shownAtOpening = await alice.evaluate(() => [...document.querySelectorAll('.message-chunk')].filter((c) => c.lastElementChild?.checkVisibility({ contentVisibilityAuto: true })).length);
    expect(shownAtOpening).toBeLessThanOrEqual(3);

    // Up a screen at a time until the top: every chunk is shown once and keeps its real height from then on.
    await log.evaluate(async (el) => {
      const frame = () => new Promise((r) => requestAnimationFrame(() => r(null)));
      for (let i = 0; i < 2000 && el.scrollTop > 0; i++) {
        el.scrollTop = Math.max(0, el.scrollTop - el.clientHeight * 0.8);
        await frame();
        await frame();
      }
    });
    expect(await log.evaluate((el) => el.scrollTop)).toBe(0);
    const real = await settledHeight(alice);
    expect(Math.abs(opened - real) / real, `scroll height at opening ${opened} px, after every chunk was shown ${real} px`).toBeLessThan(0.05);
  });
});
