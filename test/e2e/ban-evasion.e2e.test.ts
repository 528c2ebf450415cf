// The registration network signal and the "ban evasion" action in the moderator dashboard (docs/MODERATION.md
// "Registration network signal", "Ban evasion"), in Debian's Chromium against the real server process behind
// TRUST_PROXY=loopback: mallory is banned, "mallory.again" registers from the same /24 and is reported; the report
// page names mallory's ban and its decision, and the moderator bans the new account for ban evasion from there.
import { type Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../../client/transport/api.ts';
import { POLL } from './_chat-page.ts';
import { type ChatUser, chatUser, converse } from './_sdk-seed.ts';
import { useE2eSuite } from './_suite.ts';

let page: Page;
let reportId: string;
let again: ChatUser;

/** A chat user whose requests come from `address` (X-Forwarded-For, trusted from loopback). */
function userFrom(id: string, address: string): Promise<ChatUser> {
  return chatUser(suite.server.url, id, { fetch: (input, init) => fetch(input, { ...init, headers: { ...(init?.headers as Record<string, string>), 'x-forwarded-for': address } }) });
}

const suite = useE2eSuite({ only: ['dashboard'], env: { RATE_LIMIT_AUTH: '300', TRUST_PROXY: 'loopback', MOD_ARGON2_M: '1024', MOD_ARGON2_T: '1' } });

beforeAll(async () => {
  const victim = await chatUser(suite.server.url, 'victim');
  await userFrom('mallory', '203.0.113.7');
  page = await (await suite.browser.newContext({ viewport: { width: 1280, height: 860 }, locale: 'en-GB', timezoneId: 'UTC' })).newPage();
  page.on('pageerror', (e) => console.error(`[page error] ${e.message}`));
  await page.goto(`${suite.server.url}/dashboard/`);
  await page.getByLabel('Login name').fill(suite.server.adminId);
  await page.getByLabel('Password').fill(suite.server.adminPassword);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Report queue' }).waitFor({ timeout: 30_000 });
  // mallory is banned (as the admin, through the dashboard session's API)
  const banned = await page.evaluate(async () => {
    const csrf = ((await (await fetch('/v1/mod/session')).json()) as { csrfToken: string }).csrfToken;
    return (await fetch('/v1/mod/accounts/mallory/status', { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': csrf }, body: JSON.stringify({ status: 'banned', reason: 'threats' }) })).status;
  });
  if (banned !== 200) throw new Error(`ban mallory: ${banned}`);
  again = await userFrom('mallory.again', '203.0.113.99');
  const m = await converse(again, victim, [{ text: 'did you miss me' }]);
  reportId = (await victim.api.submitReport({ category: 'harassment', reported: m.items[0] as never, context: [] })).id;
});

describe('ban evasion in the dashboard', () => {
  it('the report page shows the signal with the original decision, and the ban-evasion action bans citing it', async () => {
    await page.goto(`${suite.server.url}/dashboard/reports/${reportId}`);
    const panel = page.getByTestId('evasion-signal');
    await expect.poll(() => panel.count(), POLL).toBe(1);
    const text = (await panel.textContent()) ?? '';
    expect(text).toMatch(/Shares a registration network with mallory, banned on .+ \(decision event \d+\)/);
    await panel.getByRole('button', { name: 'Ban for ban evasion…' }).click();
    await panel.getByRole('group', { name: 'Confirm ban for ban evasion' }).getByRole('button', { name: 'Ban', exact: true }).click();
    await expect.poll(() => panel.getByRole('status').textContent(), POLL).toMatch(/mallory\.again is banned for ban evasion, citing decision event \d+/);
    // the account really is banned: it cannot log in any more
    await expect(new ApiClient({ baseUrl: suite.server.url }).login('mallory.again', again.identity)).rejects.toMatchObject({ code: 'account_banned' });
    const standing = await page.evaluate(async () => ((await (await fetch('/v1/mod/events?subjectType=account&subjectId=mallory.again')).json()) as { events: Array<{ type: string; payload: Record<string, unknown> }> }).events);
    expect(standing.find((e) => e.type === 'decision')?.payload).toMatchObject({ action: 'ban', reason: 'ban_evasion', originalAccountId: 'mallory' });
    expect(standing.find((e) => e.type === 'account_status_changed')?.payload).toMatchObject({ to: 'banned' });
  });
});
