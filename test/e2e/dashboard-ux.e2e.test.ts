// The moderator dashboard (docs/MODERATION.md "Dashboard") in Debian's Chromium against the real server: the
// completeness summary and the reporter's comment first with each gap marked inside the thread, one badge per message
// and one legend, "Earlier reports" only earlier ones, undo for a dismissal and confirmation for a ban, one notes box,
// audit sentences with JSON on demand, a text preview in the queue and its tabs in the URL, staff TOTP enrolment and
// login, an own password change, a password reset without prompt(), and every screen at 390×844 and 1280×800 (no
// horizontal scroll, Log out on screen, the decision panel near the top, axe: no serious or critical). Screenshots:
// docs/screenshots/dashboard-ux-*.png.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import AxeBuilder from '@axe-core/playwright';
import { type Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { totpCode } from '../../server/services/staff/index.ts';
import { useE2eSuite } from './_suite.ts';
import { chatUser, converse } from './_sdk-seed.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SHOTS = path.join(ROOT, 'docs/screenshots');
const POLL = { timeout: 20_000, interval: 100 };
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 800 };
const THREAT = 'I know where you live and I am coming tonight';

let first: string;
let later: string;

async function seriousViolations(p: Page): Promise<string[]> {
  const r = await new AxeBuilder({ page: p }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}
async function checkScreen(p: Page, name: string): Promise<void> {
  const vw = p.viewportSize()?.width ?? 0;
  const wide = await p.evaluate((w) => {
    const out: string[] = [];
    for (const el of document.querySelectorAll('body *')) {
      const r = el.getBoundingClientRect();
      if (r.right > w + 0.5 && out.length < 5) out.push(`${el.tagName.toLowerCase()}.${el.className} → ${Math.round(r.right)}`);
    }
    return { width: document.documentElement.scrollWidth, out };
  }, vw);
  expect(wide.width, `${name}: horizontal scroll (${wide.out.join('; ')})`).toBeLessThanOrEqual(vw);
  const logout = p.getByRole('button', { name: 'Log out' });
  if (await logout.count()) {
    const box = await logout.boundingBox();
    expect((box?.x ?? 0) + (box?.width ?? 0), `${name}: Log out off-screen`).toBeLessThanOrEqual(vw);
  }
  expect(await seriousViolations(p), name).toEqual([]);
  await p.screenshot({ path: path.join(SHOTS, `dashboard-ux-${name}.png`), fullPage: false });
}
async function newPage(viewport: { width: number; height: number }): Promise<Page> {
  const ctx = await suite.browser.newContext({ viewport, locale: 'en-GB', timezoneId: 'UTC' });
  suite.contexts.push(ctx);
  const p = await ctx.newPage();
  p.on('pageerror', (e) => console.error(`[page error] ${e.message}`));
  return p;
}
async function login(p: Page, id: string, password: string, code?: () => string): Promise<void> {
  await p.goto(`${suite.server.url}/dashboard/`);
  await p.getByLabel('Login name').fill(id);
  await p.getByLabel('Password', { exact: true }).fill(password);
  await p.getByRole('button', { name: 'Sign in' }).click();
  if (code) {
    await expect.poll(() => p.getByLabel('Two-factor code').count(), POLL).toBe(1);
    await p.getByLabel('Two-factor code').fill(code());
    await p.getByRole('button', { name: 'Sign in' }).click();
  }
  await expect.poll(() => p.getByRole('heading', { name: 'Report queue' }).count(), POLL).toBe(1);
}

const suite = useE2eSuite({ only: ['dashboard'], env: { RATE_LIMIT_AUTH: '300' }, shots: SHOTS });

beforeAll(async () => {
  const [mallory, victim, other] = await Promise.all([chatUser(suite.server.url, 'mallory'), chatUser(suite.server.url, 'victim'), chatUser(suite.server.url, 'other')]);
  // six messages; the victim reveals 1, 2, 4 (reported) and 6: mallory's #3 and #5 are left out (two gaps)
  const m = await converse(mallory, victim, [
    { text: 'hello' }, { text: 'why no answer' }, { text: 'private bit' }, { text: THREAT }, { text: 'more private' }, { text: 'see you' },
  ]);
  first = (await victim.api.submitReport({ category: 'threat', comment: 'He followed me home last week.', reported: m.items[3] as never, context: [m.items[0], m.items[1], m.items[5]] as never })).id;
  const n = await converse(mallory, other, [{ text: 'buy my coins now, limited offer' }]);
  later = (await other.api.submitReport({ category: 'spam', reported: n.items[0] as never, context: [] })).id;
});

describe('dashboard as moderators expect it', () => {
  let p: Page;

  it('queue: a text preview per report; the Resolved tab is in the URL and survives a reload', async () => {
    p = await newPage(DESKTOP);
    await login(p, suite.server.adminId, suite.server.adminPassword);
    const rows = p.locator('table.queue tbody tr');
    await expect.poll(() => rows.count(), POLL).toBe(2);
    expect(await rows.filter({ hasText: 'threat' }).getByTestId('queue-preview').textContent()).toContain(THREAT);
    // hovering the active tab keeps it readable (it used to blank)
    const active = p.getByRole('tab', { name: 'Open' });
    await active.hover();
    expect(await active.evaluate((b) => [getComputedStyle(b).color, getComputedStyle(b).backgroundColor])).toEqual(['rgb(255, 255, 255)', 'rgb(23, 59, 117)']);
    await checkScreen(p, 'desktop-queue');
    await p.getByRole('tab', { name: 'Resolved' }).click();
    await expect.poll(() => p.url(), POLL).toContain('?view=resolved');
    await p.reload();
    await expect.poll(() => p.getByRole('tab', { name: 'Resolved' }).getAttribute('aria-selected'), POLL).toBe('true');
    await p.getByRole('tab', { name: 'Open' }).click();
    await expect.poll(() => p.url(), POLL).not.toContain('?view=');
  });

  it('report: summary and comment before the thread, gaps marked where they are, one badge per message, one legend, only earlier reports', async () => {
    await p.goto(`${suite.server.url}/dashboard/reports/${first}`);
    const summary = p.getByTestId('report-summary');
    await expect.poll(() => summary.count(), POLL).toBe(1);
    expect(await summary.textContent()).toContain('He followed me home last week.');
    expect(await summary.textContent()).toMatch(/messages missing/);
    const summaryY = (await summary.boundingBox())?.y ?? Infinity;
    const threadY = (await p.locator('ol.conversation').boundingBox())?.y ?? -1;
    expect(summaryY).toBeLessThan(threadY);
    const gaps = p.getByTestId('context-gap');
    expect(await gaps.count()).toBe(2);
    // nothing explains these two (the victim received both): "not included", never "the reporter left it out"
    expect(await gaps.nth(0).textContent()).toBe('1 message from mallory (#3): not included in the report');
    expect(await p.getByText(/left (it|them) out/).count()).toBe(0);
    expect(await gaps.nth(1).textContent()).toMatch(/#5/);
    // gap #3 sits between #2 and #4 in the thread
    const order = await p.locator('ol.conversation > li').evaluateAll((els) => els.map((e) => (e.classList.contains('gap') ? 'gap' : (e.querySelector('.meta span')?.textContent ?? '?').replace('#', ''))));
    expect(order).toEqual(['1', '2', 'gap', '4', 'gap', '6']);
    expect(await p.getByText(/the named sender sent exactly this content/).count()).toBe(1); // the legend, once
    expect(await p.locator('ol.conversation .badge.ok').count()).toBe(4);
    expect(await p.getByRole('heading', { name: /Earlier reports \(0\)/ }).count()).toBe(1); // the later spam report is not "earlier"
    await checkScreen(p, 'desktop-report');
    await p.goto(`${suite.server.url}/dashboard/reports/${later}`);
    await expect.poll(() => p.getByTestId('earlier-reports').locator('li').count(), POLL).toBe(1);
  });

  it('decisions: a dismissal can be undone for a few seconds; a ban needs confirmation; one notes box goes with the decision', async () => {
    await p.goto(`${suite.server.url}/dashboard/reports/${later}`);
    await expect.poll(() => p.getByRole('button', { name: /^Claim/ }).count(), POLL).toBe(1);
    expect(await p.getByLabel(/Internal note/).count()).toBe(0);
    await p.getByRole('radio', { name: /^Dismiss/ }).check();
    await p.getByRole('button', { name: 'Submit', exact: true }).click();
    await expect.poll(() => p.getByTestId('undo-dismiss').count(), POLL).toBe(1);
    // only a screenshot here: an axe run can outlast the 5 s window on a loaded machine
    await p.screenshot({ path: path.join(SHOTS, 'dashboard-ux-desktop-undo-dismiss.png') });
    await p.getByRole('button', { name: /^Undo/ }).click();
    await p.waitForTimeout(6000);
    await p.reload();
    await expect.poll(() => p.getByRole('button', { name: /^Claim/ }).count(), POLL).toBe(1); // still open: nothing was sent

    await p.getByLabel(/Add a note/).fill('Third spam wave from this account.');
    await p.getByRole('radio', { name: /^Ban/ }).check();
    await p.getByRole('button', { name: 'Submit', exact: true }).click();
    const confirm = p.getByTestId('confirm-ban');
    await expect.poll(() => confirm.count(), POLL).toBe(1);
    expect(await confirm.textContent()).toContain('Ban mallory?');
    await checkScreen(p, 'desktop-confirm-ban');
    await confirm.getByRole('button', { name: 'Confirm ban' }).click();
    await expect.poll(() => p.getByText(/^Resolved:/).count(), POLL).toBe(1);
    expect(await p.locator('.timeline').textContent()).toContain('Third spam wave from this account.');
  });

  it('audit log: readable sentences, JSON only on demand', async () => {
    await p.getByRole('link', { name: 'Audit log' }).click();
    await expect.poll(() => p.getByTestId('event-sentence').count(), POLL).toBeGreaterThan(3);
    const sentences = await p.getByTestId('event-sentence').allTextContents();
    expect(sentences.some((t) => /^decision: ban \(reason: spam\) — Third spam wave/.test(t))).toBe(true);
    expect(await p.locator('code.payload').first().isVisible()).toBe(false);
    await p.getByText('Show JSON').first().click();
    expect(await p.locator('code.payload').first().isVisible()).toBe(true);
    await checkScreen(p, 'desktop-audit');
  });

  it('staff: own password change, TOTP enrolment, login with a code; an admin resets a password without prompt()', async () => {
    const dialogs: string[] = [];
    p.on('dialog', (d) => void (dialogs.push(d.type()), d.dismiss()));
    // a second staff member, created in the Staff page
    await p.getByRole('link', { name: 'Staff' }).click();
    await p.getByLabel('Login name').fill('kim');
    await p.getByLabel('Display name').fill('Kim');
    await p.getByLabel('Initial password').fill('kim initial password');
    await p.getByRole('button', { name: 'Create' }).click();
    await expect.poll(() => p.getByRole('status').textContent(), POLL).toContain('Created kim');
    await p.getByRole('row', { name: /kim/ }).getByRole('button', { name: 'Reset password' }).click();
    const form = p.getByTestId('reset-form');
    await form.getByLabel(/New password/).fill('kim second password');
    await checkScreen(p, 'desktop-staff-reset');
    await form.getByRole('button', { name: 'Reset password' }).click();
    await expect.poll(() => p.getByRole('status').textContent(), POLL).toContain('Password of kim reset');
    expect(dialogs).toEqual([]); // no prompt(), no confirm()

    const kim = await newPage(DESKTOP);
    await login(kim, 'kim', 'kim second password');
    await kim.getByRole('link', { name: /my account/ }).click();
    await kim.getByLabel('Current password').fill('kim second password');
    await kim.getByLabel(/^New password \(at least/).fill('kim third password!');
    await kim.getByLabel('New password again').fill('kim third password!');
    await kim.getByRole('button', { name: 'Change password' }).click();
    await expect.poll(() => kim.getByRole('status').textContent(), POLL).toContain('Password changed');
    await kim.getByRole('button', { name: 'Set up two-factor login' }).click();
    const secret = (await kim.getByTestId('totp-secret').textContent()) as string;
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(await kim.getByTestId('totp-uri').textContent()).toMatch(/^otpauth:\/\/totp\/franking-chat:kim\?.*secret=/);
    await checkScreen(kim, 'desktop-totp-enrol');
    await kim.getByLabel('Code from the app').fill(totpCode(secret));
    await kim.getByRole('button', { name: 'Turn on' }).click();
    await expect.poll(() => kim.getByTestId('totp-on').count(), POLL).toBe(1);
    await kim.getByRole('button', { name: 'Log out' }).click();
    await login(kim, 'kim', 'kim third password!', () => totpCode(secret, Date.now() + 30_000));
    await checkScreen(kim, 'desktop-after-2fa-login');
  });
});

describe('every dashboard screen at phone width (390×844) and desktop width (1280×800)', () => {
  it('login, queue, report (decision panel near the top), audit, statistics, staff, my account', async () => {
    for (const [label, viewport] of [['phone', PHONE], ['desktop', DESKTOP]] as const) {
      const p = await newPage(viewport);
      await p.goto(`${suite.server.url}/dashboard/`);
      await p.getByLabel('Login name').waitFor();
      await checkScreen(p, `${label}-login`);
      await login(p, suite.server.adminId, suite.server.adminPassword);
      await checkScreen(p, `${label}-queue-open`);
      await p.goto(`${suite.server.url}/dashboard/reports/${first}`);
      await expect.poll(() => p.getByRole('heading', { name: 'Decision' }).count(), POLL).toBe(1);
      const decisionY = (await p.getByRole('heading', { name: 'Decision' }).boundingBox())?.y ?? Infinity;
      expect(decisionY, `${label}: decision panel too far down`).toBeLessThan(label === 'phone' ? 1400 : viewport.height); // desktop: on the first screen, no scrolling
      await checkScreen(p, `${label}-report-detail`);
      for (const [link, name] of [['Audit log', 'audit'], ['Statistics', 'stats'], ['Staff', 'staff']] as const) {
        await p.getByRole('link', { name: link }).click();
        await expect.poll(() => p.getByRole('heading', { level: 1 }).count(), POLL).toBe(1);
        await checkScreen(p, `${label}-${name}`);
      }
      await p.getByRole('link', { name: /my account/ }).click();
      await expect.poll(() => p.getByRole('heading', { name: 'My account' }).count(), POLL).toBe(1);
      await checkScreen(p, `${label}-account`);
      await p.keyboard.press('?');
      await expect.poll(() => p.getByRole('dialog').count(), POLL).toBe(1);
      const box = await p.getByRole('dialog').boundingBox();
      expect((box?.x ?? -1) >= 0 && (box?.x ?? 0) + (box?.width ?? 0) <= viewport.width).toBe(true);
      await checkScreen(p, `${label}-help`);
    }
  });
});
