// The moderator dashboard in Debian's Chromium against the real server process (`tsx server/main.ts` on a
// fresh SQLite database). Reports are seeded only through the SDK and the public API (identities, X3DH
// sessions, franked messages through the relay, POST /v1/reports). The moderator logs in, finds the verified
// report, triages it with the keyboard (claim, ban, submit-and-next), and the banned account's next send is
// refused. axe-core checks login, queue, detail, help, audit and statistics. Screenshots: test-artifacts/dashboard/.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import AxeBuilder from '@axe-core/playwright';
import { type Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../../client/transport/api.ts';
import { REASON_DESCRIPTIONS } from '../../client/protocol.ts';
import { useE2eSuite } from './_suite.ts';
import { type ChatUser, chatUser, converse, solidPng } from './_sdk-seed.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SHOTS = path.join(ROOT, 'test-artifacts/dashboard');
const POLL = { timeout: 20_000, interval: 100 };
const ABUSE = 'You will regret reporting me, I know where you live';

let page: Page;
let mallory: ChatUser;
let victim: ChatUser;
let spammer: ChatUser;
let verifiedReportId: string;
let spamReportId: string;
let malloryConversation: string;

async function seriousViolations(p: Page): Promise<string[]> {
  const r = await new AxeBuilder({ page: p }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} (${v.impact}): ${v.help} → ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}
const shot = (name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });

const suite = useE2eSuite({ only: ['dashboard'], env: { RATE_LIMIT_AUTH: '300' }, shots: SHOTS });

beforeAll(async () => {
  [mallory, victim, spammer] = await Promise.all([chatUser(suite.server.url, 'mallory'), chatUser(suite.server.url, 'victim'), chatUser(suite.server.url, 'spammer')]);
  // mallory → victim: three messages (the middle one abusive) and an image; victim reports the abusive one with all as context.
  const m = await converse(mallory, victim, [
    { text: 'hey, saw your post' }, { text: ABUSE }, { text: 'answer me' }, { png: solidPng(48, 32, [200, 30, 30]) },
    { text: 'look at this', attachment: { bytes: solidPng(64, 40, [20, 20, 200]), mediaType: 'image/png' } },
  ]);
  const report = await victim.api.submitReport({ category: 'threat', comment: 'This is the third account he made.', reported: m.items[1] as never, context: [m.items[0], m.items[2], m.items[3], m.items[4]] as never });
  verifiedReportId = report.id;
  malloryConversation = m.conversationId;
  expect(report.verdict).toBe('verified');
  const s = await converse(spammer, victim, [{ text: 'cheap crypto, click here' }]);
  spamReportId = (await victim.api.submitReport({ category: 'spam', reported: s.items[0] as never, context: [] })).id;
  const ctx = await suite.browser.newContext({ viewport: { width: 1280, height: 860 }, locale: 'en-GB', timezoneId: 'UTC' });
  page = await ctx.newPage();
  page.on('pageerror', (e) => console.error(`[page error] ${e.message}`));
});

describe('moderator dashboard', () => {
  it('login: accessible, wrong password refused, right password lands on the queue', async () => {
    await page.goto(`${suite.server.url}/dashboard/`);
    await page.getByLabel('Login name').waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await shot('01-login');
    await page.getByLabel('Login name').fill(suite.server.adminId);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent(), POLL).toContain('Wrong login name or password');
    await page.getByLabel('Password').fill(suite.server.adminPassword);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('heading', { name: 'Report queue' }).count(), POLL).toBe(1);
    // The session cookie is invisible to scripts.
    expect(await page.evaluate(() => document.cookie)).toBe('');
    const cookies = await page.context().cookies();
    expect(cookies.find((c) => c.name === 'fc_mod_session')).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
  });

  it('queue: both reports, the verified one marked, filters and keyboard selection work', async () => {
    const rows = page.locator('table.queue tbody tr');
    await expect.poll(() => rows.count(), POLL).toBe(2);
    const row = rows.filter({ hasText: 'mallory' });
    expect(await row.textContent()).toContain('✓ Verified');
    expect(await row.textContent()).toContain('threat');
    expect(await seriousViolations(page)).toEqual([]);
    await shot('02-queue');
    await page.getByLabel('Category').selectOption('spam');
    await expect.poll(() => rows.count(), POLL).toBe(1);
    expect(await rows.first().textContent()).toContain('spammer');
    await page.getByLabel('Category').selectOption('');
    await expect.poll(() => rows.count(), POLL).toBe(2);
    // Oldest first: mallory's report is row 1. j moves down, k back up, Enter opens.
    await page.locator('body').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('j');
    await expect.poll(() => page.locator('tr[aria-selected="true"]').textContent(), POLL).toContain('spammer');
    await page.keyboard.press('k');
    await expect.poll(() => page.locator('tr[aria-selected="true"]').textContent(), POLL).toContain('mallory');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.url(), POLL).toContain(`/dashboard/reports/${verifiedReportId}`);
  });

  it('detail: the reported message highlighted in its verified context, completeness, comment; media blurred until asked', async () => {
    const reported = page.getByTestId('reported-message');
    await expect.poll(() => reported.count(), POLL).toBe(1);
    const text = await reported.textContent();
    expect(text).toContain(ABUSE);
    expect(text).toContain('Reported message');
    expect(text).toContain('✓ Verified'); // one badge per message; the sentence is said once, in the legend
    expect(text).not.toContain(REASON_DESCRIPTIONS.verified);
    expect(await page.getByTestId('verdict-legend').textContent()).toContain('the named sender sent exactly this content');
    expect(await page.getByTestId('context-message').count()).toBe(4);
    expect(await page.locator('section', { has: page.getByRole('heading', { name: 'Context completeness' }) }).textContent()).toContain('mallory: messages 1–5 complete');
    expect(await page.locator('blockquote').textContent()).toBe('This is the third account he made.');
    const img = page.getByRole('img', { name: 'Reported media (image/png)' });
    expect(await img.getAttribute('class')).toBe('blurred');
    expect(await seriousViolations(page)).toEqual([]);
    await shot('03-detail');
    // The encrypted attachment: verified by the server against the header, not even fetched until asked.
    expect(await page.getByRole('img', { name: 'Hidden attachment (image/png)' }).count()).toBe(1);
    expect(await page.getByRole('img', { name: 'Reported attachment (image/png)' }).count()).toBe(0);
    await page.keyboard.press('m');
    await expect.poll(() => img.getAttribute('class'), POLL).toBe('');
    const attachment = page.getByRole('img', { name: 'Reported attachment (image/png)' });
    await expect.poll(() => attachment.evaluate((el) => (el as HTMLImageElement).naturalWidth), POLL).toBe(64);
    await shot('03b-detail-media-shown');
    await page.keyboard.press('m');
    await expect.poll(() => img.getAttribute('class'), POLL).toBe('blurred');
    expect(await page.getByRole('img', { name: 'Hidden attachment (image/png)' }).count()).toBe(1);
  });

  it('help overlay lists the shortcuts', async () => {
    await page.keyboard.press('?');
    const dialog = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
    await expect.poll(() => dialog.count(), POLL).toBe(1);
    expect(await dialog.textContent()).toContain('submit the chosen action and go to the next');
    expect(await seriousViolations(page)).toEqual([]);
    await page.keyboard.press('Escape');
    await expect.poll(() => dialog.count(), POLL).toBe(0);
  });

  it('keyboard triage: c claims, b picks ban, Enter submits and moves to the next report; the ban is enforced', async () => {
    await page.getByRole('heading', { name: /^Report:/ }).click();
    await page.keyboard.press('c');
    await expect.poll(() => page.getByRole('status').textContent(), POLL).toBe('Claimed.');
    await expect.poll(() => page.getByText('claimed by you').count(), POLL).toBe(1);
    await page.keyboard.press('b');
    await expect.poll(() => page.getByRole('radio', { name: /^Ban/ }).isChecked(), POLL).toBe(true);
    await page.keyboard.press('s');
    await expect.poll(() => page.getByLabel('Duration').count(), POLL).toBe(1);
    expect(await seriousViolations(page)).toEqual([]);
    await page.keyboard.press('b');
    await expect.poll(() => page.getByRole('radio', { name: /^Ban/ }).isChecked(), POLL).toBe(true);
    await shot('04-detail-claimed-ban-chosen');
    await expect.poll(() => page.getByRole('button', { name: 'Submit', exact: true }).isEnabled(), POLL).toBe(true);
    await page.keyboard.press('Enter');
    // a ban asks for confirmation; the confirm button has focus, Enter confirms
    await expect.poll(() => page.getByTestId('confirm-ban').count(), POLL).toBe(1);
    await page.keyboard.press('Enter');
    await expect.poll(() => page.url(), POLL).toContain(`/dashboard/reports/${spamReportId}`);

    // The banned account's next send is refused, and it cannot log in again.
    // (A ban ends the account's bearer sessions: the send fails as invalid_token, a re-login as account_banned.)
    const send = await mallory.api.send({ conversationId: malloryConversation, commitment: 'A'.repeat(43), envelopes: [{ recipientId: 'victim', ciphertext: 'AAAA' }] }).catch((e: unknown) => e);
    expect(send).toBeInstanceOf(ApiError);
    expect([401, 403]).toContain((send as ApiError).status);
    const relogin = await mallory.api.login('mallory', mallory.identity).catch((e: unknown) => e);
    expect((relogin as ApiError).code).toBe('account_banned');
    // The victim sees the outcome, mallory gets a ban notice with the reason category.
    expect((await victim.api.listReports()).find((r) => r.id === verifiedReportId)).toMatchObject({ status: 'resolved', outcome: 'banned' });
    expect(await mallory.api.signedNotices('mallory', mallory.identity)).toEqual([expect.objectContaining({ kind: 'ban', reasonCategory: 'threat' })]);
  });

  it('the next report: dismiss with d + Enter returns to the queue; the resolved view shows both', async () => {
    await page.getByRole('heading', { name: /^Report:/ }).click();
    await page.keyboard.press('d');
    await expect.poll(() => page.getByRole('button', { name: 'Submit', exact: true }).isEnabled(), POLL).toBe(true);
    await page.keyboard.press('Enter');
    // a dismissal can be undone for a few seconds (u), then it is sent
    await expect.poll(() => page.getByTestId('undo-dismiss').count(), POLL).toBe(1);
    await page.keyboard.press('u');
    await expect.poll(() => page.getByTestId('undo-dismiss').count(), POLL).toBe(0);
    expect(await page.getByRole('status').textContent()).toContain('Dismissal undone');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByTestId('undo-dismiss').count(), POLL).toBe(1);
    await expect.poll(() => page.getByRole('heading', { name: 'Report queue' }).count(), POLL).toBe(1);
    await page.getByRole('tab', { name: 'Resolved' }).click();
    const rows = page.locator('table.queue tbody tr');
    await expect.poll(() => rows.count(), POLL).toBe(2);
    expect(await rows.filter({ hasText: 'mallory' }).textContent()).toContain('Banned');
    expect(await rows.filter({ hasText: 'spammer' }).textContent()).toContain('Dismissed');
    await shot('05-queue-resolved');
  });

  it('audit log and statistics pages', async () => {
    await page.getByRole('link', { name: 'Audit log' }).click();
    await expect.poll(() => page.locator('table.audit tbody tr').count(), POLL).toBeGreaterThan(8);
    const audit = await page.locator('table.audit').textContent();
    for (const t of ['report filed', 'claimed', 'decision', 'action', 'outcome sent', 'account status changed']) expect(audit).toContain(t);
    expect(await seriousViolations(page)).toEqual([]);
    await shot('06-audit');
    await page.getByRole('link', { name: 'Statistics' }).click();
    await expect.poll(() => page.getByRole('img', { name: /Reports filed and decided per day/ }).count(), POLL).toBe(1);
    expect(await page.locator('.kpis').textContent()).toContain('Resolved2');
    expect(await seriousViolations(page)).toEqual([]);
    await shot('07-stats');
  });

  it('bulk triage: x checks reports, "Dismiss checked" (confirmed, after the undo window) resolves them all and tells the result', async () => {
    const [b1, b2] = await Promise.all([chatUser(suite.server.url, 'bulk-sender-1'), chatUser(suite.server.url, 'bulk-sender-2')]);
    for (const u of [b1, b2] as ChatUser[]) {
      const c = await converse(u, victim, [{ text: 'an ordinary message' }]);
      await victim.api.submitReport({ category: 'other', reported: c.items[0] as never, context: [] });
    }
    await page.getByRole('link', { name: 'Queue' }).click();
    await page.getByRole('tab', { name: 'Open' }).click();
    const rows = page.locator('table.queue tbody tr');
    await expect.poll(() => rows.count(), POLL).toBe(2);
    await page.locator('body').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('x');
    await expect.poll(() => page.getByText('1 checked').count(), POLL).toBe(1);
    await page.getByRole('checkbox', { name: 'Check all reports on this page' }).check();
    await expect.poll(() => page.getByText('2 checked').count(), POLL).toBe(1);
    await page.getByRole('button', { name: 'Dismiss checked' }).click();
    // asks first, then the undo window (test/e2e/dashboard-trust.e2e.test.ts covers Undo)
    await page.getByTestId('confirm-bulk-dismiss').getByRole('button', { name: 'Dismiss 2' }).click();
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'Dismissed 2 of 2.' }).count(), POLL).toBe(1);
    await expect.poll(() => rows.filter({ hasText: 'bulk-sender' }).count(), POLL).toBe(0);
    expect(await seriousViolations(page)).toEqual([]);
  });

  it('staff page: the admin adds a moderator, who cannot see the staff page', async () => {
    await page.getByRole('link', { name: 'Staff' }).click();
    await expect.poll(() => page.getByRole('heading', { name: 'Add a staff account' }).count(), POLL).toBe(1);
    expect(await seriousViolations(page)).toEqual([]);
    await page.getByLabel('Login name').fill('mia');
    await page.getByLabel('Display name').fill('Mia Moderator');
    await page.getByLabel('Initial password').fill('mia has a long password');
    await page.getByRole('button', { name: 'Create' }).click();
    await expect.poll(() => page.getByRole('status').textContent(), POLL).toBe('Created mia.');
    await page.getByRole('button', { name: 'Log out' }).click();
    // The Staff form has its own "Login name" field: wait for the sign-in form before typing, or the name goes
    // into the staff form that is about to unmount and the sign-in form is submitted empty.
    await expect.poll(() => page.getByRole('button', { name: 'Sign in' }).count(), POLL).toBe(1);
    await page.getByLabel('Login name').fill('mia');
    await page.getByLabel('Password').fill('mia has a long password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('heading', { name: 'Report queue' }).count(), POLL).toBe(1);
    expect(await page.getByRole('link', { name: 'Staff' }).count()).toBe(0);
    const r = await page.evaluate(async () => (await fetch('/v1/mod/moderators')).status);
    expect(r).toBe(403);
  });
});
