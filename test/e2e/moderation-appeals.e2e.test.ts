// Appeals (docs/MODERATION.md "Appeals (EU DSA Art. 20)") in Chromium against the real server process: a report made in
// the chat is decided in the dashboard citing a policy; the suspended user sees the statement of reasons in the chat
// and appeals from there; another moderator overturns the appeal in the dashboard and the user can send again at once.
// The triage role sees only dismiss; axe-core finds no serious or critical violation on the new screens (appeals,
// appeal, cases, case, policies, metrics, the report page's routing panel, the chat's statement of reasons).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import AxeBuilder from '@axe-core/playwright';
import { type Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { POLL, newChatPage, registerInChat } from './_chat-page.ts';
import { chatUser, converse } from './_sdk-seed.ts';
import { useE2eSuite } from './_suite.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SHOTS = path.join(ROOT, 'test-artifacts/moderation');
const ZOE = 'zoe';
const YURI = 'yuri';
const THREAT = 'Come to the park tonight and I will hurt you';
const APPEAL = 'I was quoting the film we watched, not threatening anyone.';

let zoe: Page;
let yuri: Page;
let boss: Page;
let mod2: Page;
let tri: Page;

async function serious(p: Page): Promise<string[]> {
  const r = await new AxeBuilder({ page: p }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} (${v.impact}): ${v.help} → ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}
const shot = (p: Page, name: string) => p.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
const newPage = () => newChatPage(suite.browser, suite.contexts);

async function staffLogin(p: Page, id: string, password: string) {
  await p.goto(`${suite.server.url}/dashboard/`);
  await p.getByLabel('Login name').fill(id);
  await p.getByLabel('Password').fill(password);
  await p.getByRole('button', { name: 'Sign in' }).click();
  await expect.poll(() => p.getByRole('heading', { name: 'Report queue' }).count(), POLL).toBe(1);
}

/** Creates staff through the admin's dashboard session (cookie + CSRF), as the Staff page does. */
async function createStaff(p: Page, id: string, role: string, password: string) {
  const status = await p.evaluate(async ([id, role, password]) => {
    const s = (await (await fetch('/v1/mod/session')).json()) as { csrfToken: string };
    const r = await fetch('/v1/mod/moderators', { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': s.csrfToken }, body: JSON.stringify({ id, displayName: id, role, password }) });
    return r.status;
  }, [id, role, password]);
  expect(status).toBe(201);
}

const suite = useE2eSuite({ only: ['chat', 'dashboard'], env: { RATE_LIMIT_AUTH: '300', MOD_ARGON2_M: '1024', MOD_ARGON2_T: '1' }, shots: SHOTS });

beforeAll(async () => {
  [zoe, yuri, boss, mod2, tri] = [await newPage(), await newPage(), await newPage(), await newPage(), await newPage()];
});

describe('appeals, statements of reasons and roles in the browser', () => {
  it('yuri reports zoe from the chat; the admin suspends her citing a policy', async () => {
    await registerInChat(zoe, suite.server.url, ZOE);
    await registerInChat(yuri, suite.server.url, YURI);
    await zoe.getByLabel('Add a contact by handle').fill(YURI);
    await zoe.getByRole('button', { name: 'Add', exact: true }).click();
    for (const [i, text] of ['hi, it is zoe', THREAT].entries()) {
      const box = zoe.getByLabel(`Message ${YURI}`);
      await box.fill(text);
      await box.press('Enter');
      if (i === 0) {
        // A first message is a message request on yuri's side: yuri opens it and accepts.
        await yuri.getByTestId('requests').getByRole('button', { name: new RegExp(ZOE) }).click();
        await expect.poll(() => yuri.getByTestId('request-bar').count(), POLL).toBe(1);
        await yuri.getByTestId('request-bar').getByRole('button', { name: 'Accept' }).click();
        await expect.poll(() => yuri.getByLabel(`Message ${ZOE}`).count(), POLL).toBe(1);
      }
    }
    await expect.poll(() => yuri.locator('li.msg.in').count(), POLL).toBe(2);
    await yuri.locator('li.msg', { hasText: THREAT }).getByRole('button', { name: /^Report this message/ }).click();
    const dialog = yuri.locator('dialog[open]');
    await dialog.getByRole('radio', { name: /Threat of violence/ }).check();
    await dialog.getByRole('button', { name: 'Send report' }).click();
    await expect.poll(() => dialog.getByRole('heading', { name: 'Report sent' }).count(), POLL).toBe(1);
    await dialog.getByRole('button', { name: 'Done' }).click();

    await staffLogin(boss, suite.server.adminId, suite.server.adminPassword);
    await createStaff(boss, 'mod2', 'moderator', 'mod2-password-long');
    await createStaff(boss, 'tri', 'triage', 'tri-password-long');
    const row = boss.locator('table.queue tbody tr', { hasText: ZOE });
    await expect.poll(() => row.count(), POLL).toBe(1);
    // Routed: verified threats go to the urgent queue with priority 90; the row says how long it has waited.
    expect(await row.textContent()).toContain('urgent (90)');
    expect(await serious(boss)).toEqual([]);
    await row.getByRole('link').click();
    await expect.poll(() => boss.getByTestId('reported-message').count(), POLL).toBe(1);
    const routing = boss.locator('section', { has: boss.getByRole('heading', { name: 'Routing and case' }) });
    expect(await routing.textContent()).toMatch(/Queue urgent, priority 90 · waiting/);
    await boss.getByRole('button', { name: /^Claim/ }).click();
    await boss.getByRole('radio', { name: /^Suspend/ }).check();
    // The policy is required; it is preselected from the report's category.
    await expect.poll(() => boss.getByLabel('Policy cited (required)').inputValue(), POLL).toBe('threat');
    expect(await serious(boss)).toEqual([]);
    await shot(boss, '01-report-decision-with-policy');
    await boss.getByRole('button', { name: 'Submit', exact: true }).click();
    await expect.poll(() => boss.getByText(/^Resolved:/).count(), POLL).toBe(1);
    expect(await routing.textContent()).toContain('Decision cited policy: Violent threats');
  });

  it('zoe sees the statement of reasons in the chat and appeals from there', async () => {
    // The chat learns of the suspension from the live channel (the message box is disabled) or from a refused send.
    const box = zoe.getByLabel(`Message ${YURI}`);
    if (await box.isEditable()) {
      // The suspension may reach the chat between the check and the typing (the box is then disabled at once):
      // either way the chat must end up showing the statement of reasons below.
      const typed = await box.fill('why can I not send?', { timeout: 2000 }).then(() => true, () => false);
      if (typed) await box.press('Enter', { timeout: 2000 }).catch(() => undefined);
    }
    const sor = zoe.locator('section.statement');
    await expect.poll(() => sor.count(), POLL).toBe(1);
    const text = await sor.textContent();
    expect(text).toContain('Statement of reasons');
    expect(text).toMatch(/Suspension until/);
    expect(text).toContain('Violent threats');
    expect(text).toContain('a person on the moderation team');
    expect(text).toMatch(/You can appeal until/);
    expect(await serious(zoe)).toEqual([]);
    await shot(zoe, '02-chat-statement-of-reasons');
    await sor.getByRole('button', { name: 'Appeal this decision' }).click();
    await sor.getByLabel(/Why is this decision wrong/).fill(APPEAL);
    await sor.getByRole('button', { name: 'Send appeal' }).click();
    await expect.poll(() => sor.getByText(/Appeal sent\. A different moderator will review it/).count(), POLL).toBe(1);
    await shot(zoe, '03-chat-appeal-sent');
  });

  it('the deciding admin cannot decide the appeal; mod2 overturns it in the dashboard', async () => {
    await boss.goto(`${suite.server.url}/dashboard/appeals`);
    const row = boss.locator('tbody tr', { hasText: ZOE });
    await expect.poll(() => row.count(), POLL).toBe(1);
    await row.getByRole('link').click();
    await expect.poll(() => boss.getByText('You made the contested decision').count(), POLL).toBe(1);

    await staffLogin(mod2, 'mod2', 'mod2-password-long');
    await mod2.getByRole('link', { name: 'Appeals' }).click();
    const mrow = mod2.locator('tbody tr', { hasText: ZOE });
    await expect.poll(() => mrow.count(), POLL).toBe(1);
    expect(await serious(mod2)).toEqual([]);
    await shot(mod2, '04-appeals-queue');
    await mrow.getByRole('link').click();
    await expect.poll(() => mod2.locator('blockquote').textContent(), POLL).toBe(APPEAL);
    expect(await serious(mod2)).toEqual([]);
    await shot(mod2, '05-appeal');
    await mod2.getByRole('button', { name: 'Claim appeal' }).click();
    await expect.poll(() => mod2.getByRole('status').textContent(), POLL).toContain('Appeal claimed');
    await mod2.getByRole('button', { name: 'Overturn and reverse' }).click();
    await expect.poll(() => mod2.getByText(/Overturned: the enforcement was reversed/).count(), POLL).toBe(1);
  });

  it('zoe is told the appeal succeeded and can send again at once', async () => {
    await expect.poll(() => zoe.getByText('Your appeal was accepted: the decision was reversed.').count(), { timeout: 40_000, interval: 250 }).toBe(1);
    await expect.poll(() => zoe.getByRole('alert', { name: 'Your account is restricted' }).count(), POLL).toBe(0);
    const box = zoe.getByLabel(`Message ${YURI}`);
    await box.fill('thank you for reviewing it');
    await box.press('Enter');
    await expect.poll(() => yuri.locator('li.msg.in', { hasText: 'thank you for reviewing it' }).count(), POLL).toBe(1);
    await shot(zoe, '06-chat-sending-again');
  });

  it('triage sees only dismiss and escalate; cases, policies and metrics pass axe', async () => {
    const a = await chatUser(suite.server.url, 'spam-bot');
    const b = await chatUser(suite.server.url, 'reader');
    const m = await converse(a, b, [{ text: 'buy followers now' }]);
    await b.api.submitReport({ category: 'spam', reported: m.items[0] as never, context: [] });
    await staffLogin(tri, 'tri', 'tri-password-long');
    const row = tri.locator('table.queue tbody tr', { hasText: 'spam-bot' });
    await expect.poll(() => row.count(), POLL).toBe(1);
    await row.getByRole('link').click();
    await tri.getByRole('button', { name: /^Claim/ }).click();
    await expect.poll(() => tri.getByRole('radio', { name: /^Dismiss/ }).count(), POLL).toBe(1);
    expect(await tri.getByRole('radio', { name: /^(Warn|Suspend|Ban)/ }).count()).toBe(0);
    expect(await tri.getByRole('link', { name: 'Metrics' }).count()).toBe(0);
    expect(await serious(tri)).toEqual([]);
    await tri.getByRole('button', { name: 'Escalate' }).click();
    await expect.poll(() => tri.getByRole('status').textContent(), POLL).toContain('Escalated');

    for (const [link, heading, name] of [['Cases', 'Cases', '07-cases'], ['Policies', 'Policies, statements and routing', '08-policies'], ['Metrics', 'Metrics', '09-metrics']] as const) {
      await boss.getByRole('link', { name: link, exact: true }).click();
      await expect.poll(() => boss.getByRole('heading', { name: heading, level: 1 }).count(), POLL).toBe(1);
      if (link === 'Metrics') {
        await expect.poll(() => boss.locator('figure.hbars').count(), POLL).toBe(4);
        expect(await boss.locator('dl.kpis').textContent()).toContain('Appeal overturn rate100%');
        await boss.getByRole('button', { name: 'Build report' }).click();
        await expect.poll(() => boss.getByRole('table').textContent(), POLL).toMatch(/Appeals1 filed; 0 upheld, 1 overturned/);
      }
      expect(await serious(boss)).toEqual([]);
      await shot(boss, name);
    }
    await boss.getByRole('link', { name: 'Cases', exact: true }).click();
    await boss.locator('tbody tr', { hasText: 'spam-bot' }).getByRole('link').click();
    await expect.poll(() => boss.getByRole('heading', { name: /Case against/ }).count(), POLL).toBe(1);
    expect(await boss.locator('.timeline').textContent()).toContain('case opened');
    expect(await serious(boss)).toEqual([]);
    await shot(boss, '10-case');
  });
});
