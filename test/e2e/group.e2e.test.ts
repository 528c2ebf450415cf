// Groups and attachments in the real browser chat, against the real server: Alice, Bob and Carol (three
// browser contexts) form a group; Alice sends abusive messages and an image; Carol (not Bob) reports one of
// Alice's messages with context from the whole group. The image's blob is gone by then (both recipients
// fetched it), so Carol's browser uploads the evidence it verified. Through the moderator API: every item
// verifies, completeness per sender is right, the attachment is verified. Then Alice removes Bob (an MLS Commit
// every member's page checks and shows with who made it), and Bob receives nothing sent after that.
// Screenshots: test-artifacts/e2e/group-*.png.
import path from 'node:path';
import { type Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { solidPng } from './_sdk-seed.ts';
import { POLL, a11yViolations, newChatPage, registerInChat } from './_chat-page.ts';
import { SHOTS, useE2eSuite } from './_suite.ts';

const GROUP = 'Climbing crew';
const ABUSE = ['Carol you are a useless climber, quit the crew', 'Next session I will cut your rope, watch yourself'];
const CAPTION = 'This is what happens to people who cross me';
const AFTER_REMOVAL = 'Bob is gone, good riddance';

let alice: Page;
let bob: Page;
let carol: Page;

const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`) });

const newPage = () => newChatPage(suite.browser, suite.contexts);

const register = (page: Page, handle: string) => registerInChat(page, suite.server.url, handle);

const sentCount = (page: Page) => page.locator('li.msg.out[data-state="sent"]').count();
const inCount = (page: Page) => page.locator('li.msg.in').count();

/** Sends in the open group and waits until it is stamped and both other members show it. */
async function send(page: Page, text: string, others: Page[]): Promise<void> {
  const before = await sentCount(page);
  const seen = await Promise.all(others.map(inCount));
  const box = page.getByLabel(`Message ${GROUP}`);
  await box.fill(text);
  await box.press('Enter');
  await expect.poll(() => sentCount(page), POLL).toBe(before + 1);
  for (const [i, p] of others.entries()) await expect.poll(() => inCount(p), POLL).toBe((seen[i] as number) + 1);
}

async function modFetch(cookie: string, url: string): Promise<unknown> {
  const res = await fetch(`${suite.server.url}${url}`, { headers: { cookie, accept: 'application/json' } });
  expect(res.status, url).toBe(200);
  return res.json();
}

const suite = useE2eSuite({ only: ['chat'], env: { RATE_LIMIT_AUTH: '300' } });

beforeAll(async () => {
  [alice, bob, carol] = await Promise.all([newPage(), newPage(), newPage()]);
});

describe('groups and attachments in the browser chat', () => {
  it('three users form a group; messages and a verified image fan out to every member', async () => {
    await Promise.all([register(alice, 'alice'), register(bob, 'bob'), register(carol, 'carol')]);

    await alice.getByRole('button', { name: 'New group' }).click();
    await alice.getByLabel('Group name').fill(GROUP);
    await alice.getByLabel(/^Members/).fill('bob, carol');
    await alice.getByRole('button', { name: 'Create group' }).click();
    await expect.poll(() => alice.getByRole('heading', { level: 1, name: GROUP }).count(), POLL).toBe(1);
    // The name travels end-to-end encrypted in a franked group-info message.
    for (const p of [bob, carol]) {
      const entry = p.getByRole('button', { name: new RegExp(`${GROUP}.*\\(group\\)`) });
      await expect.poll(() => entry.count(), POLL).toBe(1);
      await entry.click();
      await expect.poll(() => p.getByRole('heading', { level: 1, name: GROUP }).count(), POLL).toBe(1);
      await expect.poll(() => p.locator('li.msg.info', { hasText: `alice named the group “${GROUP}”` }).count(), POLL).toBe(1);
    }

    await send(alice, 'Welcome to the crew! Saturday 9am at the wall', [bob, carol]);
    await send(bob, 'Thanks Alice, see you there', [alice, carol]);
    await send(carol, 'Hi all, I will bring the ropes', [alice, bob]);
    await send(alice, ABUSE[0] as string, [bob, carol]);

    // Too large: refused in the page with the limit, before anything is encrypted or uploaded.
    await alice.locator('#composer-file').setInputFiles({ name: 'huge.bin', mimeType: 'application/octet-stream', buffer: Buffer.alloc(25 * 1024 * 1024 + 1) });
    await expect.poll(() => alice.getByRole('alert').filter({ hasText: 'over the limit: files up to 25.0 MB can be sent.' }).count(), POLL).toBe(1);
    expect(await alice.getByTestId('chosen-file').count()).toBe(0);

    // An image: encrypted in Alice's page while uploading; Bob and Carol download, verify, then display it.
    await alice.locator('#composer-file').setInputFiles({ name: 'bruise.png', mimeType: 'image/png', buffer: Buffer.from(solidPng(160, 100, [200, 30, 30])) });
    await expect.poll(() => alice.getByTestId('chosen-file').count(), POLL).toBe(1);
    await send(alice, CAPTION, [bob, carol]);
    for (const p of [alice, bob, carol]) {
      const img = p.getByRole('img', { name: /^Image from (alice|you) \(image\/png/ });
      await expect.poll(() => img.evaluate((el) => (el as HTMLImageElement).naturalWidth).catch(() => 0), POLL).toBe(160);
    }
    await send(alice, ABUSE[1] as string, [bob, carol]);
    await send(bob, "Alice, that's not OK", [alice, carol]);

    // Sender names in the group view.
    expect(await carol.locator('li.msg.in[data-sender="bob"] .sender').first().textContent()).toBe('bob');
    await shot(carol, 'group-01-carol-group-chat');
    expect(await a11yViolations(carol)).toEqual([]);

    // The roster panel (Alice created the group: she can add and remove).
    await alice.getByRole('button', { name: /^Members \(3\)/ }).click();
    await expect.poll(() => alice.locator('.roster-list li').count(), POLL).toBe(3);
    expect(await alice.locator('.roster-list li[data-member="alice"]').textContent()).toContain('Creator');
    // Membership changes are shown with the member who signed them.
    await expect.poll(() => carol.locator('li.system', { hasText: 'You joined the group (added by alice)' }).count(), POLL).toBe(1);
    // Each member's safety number is one click away from the member list.
    await alice.getByRole('button', { name: 'Safety number with carol' }).click();
    await expect.poll(() => alice.getByRole('heading', { name: 'Safety number with carol' }).count(), POLL).toBe(1);
    await expect.poll(() => alice.locator('pre.safety-number').count(), POLL).toBe(1);
    await alice.locator('dialog[open]').getByRole('button', { name: 'Close' }).click();
    await shot(alice, 'group-02-alice-roster');
    expect(await a11yViolations(alice)).toEqual([]);
  });

  it('Carol reports one of Alice’s group messages with context from every member; everything verifies', async () => {
    await carol.locator('li.msg', { hasText: ABUSE[1] as string }).getByRole('button', { name: 'Report this message from alice' }).click();
    const dialog = carol.locator('dialog[open]');
    await expect.poll(() => dialog.getByRole('heading', { name: `Report a message from alice in “${GROUP}”` }).count(), POLL).toBe(1);
    // All members' messages around it are preselected, Carol's own included (Alice's group-info message too).
    expect(await dialog.locator('.context-list input[type="checkbox"]').count()).toBe(8);
    expect(await dialog.locator('.context-list input[type="checkbox"]:checked').count()).toBe(8);
    await expect.poll(() => dialog.getByText(/8 selected messages \(5 from alice, 2 from bob, 1 from you\)/).count(), POLL).toBe(1);
    expect(await dialog.getByText(/That includes messages from bob, who is not reported/).count()).toBe(1);
    expect(await dialog.getByText(/the 1 file in the selected messages is included/).count()).toBe(1);
    expect(await dialog.getByText(/every other message in this group/).count()).toBe(1);
    await dialog.getByRole('radio', { name: /Threat of violence/ }).check();
    await dialog.locator('.disclosure').scrollIntoViewIfNeeded();
    await shot(carol, 'group-03-carol-report-dialog');
    expect(await a11yViolations(carol, 'dialog[open]')).toEqual([]);

    const evidence: string[] = [];
    carol.on('request', (r) => {
      if (r.method() === 'PUT' && /\/v1\/reports\/[^/]+\/attachments\//.test(r.url())) evidence.push(r.url());
    });
    await dialog.getByRole('button', { name: 'Send report' }).click();
    await expect.poll(() => dialog.getByRole('heading', { name: 'Report sent' }).count(), POLL).toBe(1);
    expect(await dialog.getByText('Verified.').count()).toBe(1);
    expect(await dialog.getByText(/8 of 8 revealed messages verified\./).count()).toBe(1);
    // The blob was deleted once Bob and Carol had fetched it: Carol's page uploaded the evidence.
    expect(await dialog.getByText(/1 of 1 attached file verified\./).count()).toBe(1);
    expect(evidence).toHaveLength(1);
    await shot(carol, 'group-04-carol-report-sent');
    await dialog.getByRole('button', { name: 'Done' }).click();

    // The moderator's view, through the API.
    const login = await fetch(`${suite.server.url}/v1/mod/session`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ moderatorId: suite.server.adminId, password: suite.server.adminPassword }),
    });
    expect(login.status).toBe(201);
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] as string;
    const queue = (await modFetch(cookie, '/v1/mod/queue?view=all')) as { reports: Array<{ id: string; reporterId: string; accusedId: string; verdict: string }> };
    const summary = queue.reports.find((r) => r.reporterId === 'carol');
    expect(summary).toMatchObject({ accusedId: 'alice', verdict: 'verified' });
    const id = (summary as { id: string }).id;
    const detail = (await modFetch(cookie, `/v1/mod/reports/${id}`)) as {
      messages: Array<{ senderId: string; verdict: string; text: string | null; attachments: Array<{ mediaType: string }> }>;
      context: { complete: boolean; senders: Array<{ senderId: string; firstSeq: number; lastSeq: number; missing: number[]; chainIntact: boolean; complete: boolean }> };
    };
    expect(detail.messages).toHaveLength(8);
    expect(detail.messages.filter((m) => m.verdict !== 'verified')).toEqual([]);
    const bySender = Object.fromEntries(detail.context.senders.map((s) => [s.senderId, s]));
    expect(bySender.alice).toMatchObject({ firstSeq: 1, lastSeq: 5, missing: [], chainIntact: true, complete: true });
    expect(bySender.bob).toMatchObject({ firstSeq: 1, lastSeq: 2, missing: [], complete: true });
    expect(bySender.carol).toMatchObject({ firstSeq: 1, lastSeq: 1, missing: [], complete: true });
    expect(detail.context.complete).toBe(true);
    const withImage = detail.messages.findIndex((m) => m.attachments.length === 1);
    expect(detail.messages[withImage]?.text).toBe(CAPTION);
    const files = (await modFetch(cookie, `/v1/mod/reports/${id}/attachments`)) as { attachments: Array<{ position: number; index: number; status: string; mediaType: string; size: number }> };
    expect(files.attachments).toHaveLength(1);
    expect(files.attachments[0]).toMatchObject({ index: 0, status: 'verified', mediaType: 'image/png' });
  });

  it('a removed member receives nothing new', async () => {
    const remove = alice.getByRole('button', { name: 'Remove bob from the group' });
    await remove.click();
    await expect.poll(() => alice.locator('.roster-list li').count(), POLL).toBe(2);
    await expect.poll(() => alice.locator('li.system', { hasText: 'You removed bob from the group.' }).count(), POLL).toBe(1);
    await expect.poll(() => carol.locator('li.system', { hasText: 'alice removed bob from the group.' }).count(), POLL).toBe(1);
    const bobBefore = await inCount(bob);
    await send(alice, AFTER_REMOVAL, [carol]);
    // Count message bubbles, not text: the sidebar also previews the last message.
    await expect.poll(() => carol.locator('li.msg.in', { hasText: AFTER_REMOVAL }).count(), POLL).toBe(1);
    // Give a stray delivery time to arrive: there must be none.
    await new Promise((r) => setTimeout(r, 1500));
    expect(await inCount(bob)).toBe(bobBefore);
    expect(await bob.getByText(AFTER_REMOVAL).count()).toBe(0); // nowhere on Bob's page, preview included
    await shot(alice, 'group-05-alice-removed-bob');
    // Bob's page processes the signed Commit that removed him and stops offering to send there.
    await expect.poll(() => bob.locator('li.system', { hasText: 'alice removed you: you are no longer a member of this group.' }).count(), { timeout: 15_000, interval: 200 }).toBe(1);
    expect(await bob.getByLabel(`Message ${GROUP}`).isDisabled()).toBe(true);
    expect(await bob.getByText(AFTER_REMOVAL).count()).toBe(0); // nowhere on Bob's page, preview included
  });
});
