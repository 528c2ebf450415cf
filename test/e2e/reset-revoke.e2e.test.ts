// Revoking a handle release on the dashboard (docs/PROTOCOL-devices.md D6.6 "Revocation", docs/MODERATION.md "Account
// reset"), in real browsers against the real server process: the admin released alice's handle for a browser's reset
// code, then takes it back on her account page (a reason and a confirmation); the history says who revoked it and
// why; that browser's "Complete reset" is refused in words; after a new release it goes through.
import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { POLL, enableEngineHook, newChatPage, registerInChat } from './_chat-page.ts';
import { SHOTS, adminDashboard, expectNoSeriousA11y, loseBrowserAndShowResetCode, openAccountPage, useE2eSuite } from './_suite.ts';

const suite = useE2eSuite({ only: ['chat', 'dashboard'] });

async function releaseFor(dash: Page, code: string, reason: string): Promise<void> {
  await dash.getByTestId('release-code').fill(code);
  await dash.getByTestId('release-reason').fill(reason);
  await dash.getByRole('button', { name: 'Release handle for reset…' }).click();
  await dash.getByRole('button', { name: 'Confirm release' }).click();
  await expect.poll(() => dash.getByRole('status').filter({ hasText: `Handle released for reset code ${code}` }).count(), POLL).toBe(1);
}

describe('revoking a handle release on the dashboard', () => {
  it('the admin revokes the release with a reason; the history says so; the browser is refused until a new release', async () => {
    const alice = await newChatPage(suite.browser, suite.contexts);
    await enableEngineHook(alice);
    await registerInChat(alice, suite.server.url, 'alice');
    // alice loses her only browser, without a recovery kit.
    const { fresh, code } = await loseBrowserAndShowResetCode(suite, alice, 'alice');

    const dash = await adminDashboard(suite);
    await openAccountPage(dash, 'alice');
    expect(await dash.getByTestId('live-release').count()).toBe(0);
    await releaseFor(dash, code, 'caller said they were alice');

    // The live release is shown; the admin takes it back: a reason, then a confirmation naming the code.
    await expect.poll(() => dash.getByTestId('live-release').textContent(), POLL).toContain(code);
    expect(await dash.getByTestId('live-release').textContent()).toContain(`Released by staff:${suite.server.adminId} (reason: caller said they were alice).`);
    await dash.getByTestId('live-release').getByRole('button', { name: 'Revoke release…' }).click();
    await dash.getByTestId('revoke-reason').fill('support was deceived: the caller was not alice');
    await dash.getByTestId('revoke-form').getByRole('button', { name: 'Revoke release…' }).click();
    await expect.poll(() => dash.getByTestId('revoke-confirm').textContent(), POLL).toContain(code);
    await expectNoSeriousA11y(dash);
    await dash.screenshot({ path: path.join(SHOTS, 'reset-revoke-01-confirm.png'), fullPage: true });
    await dash.getByRole('button', { name: 'Confirm revocation' }).click();
    await expect.poll(() => dash.getByRole('status').filter({ hasText: `Release revoked. The browser with reset code ${code} can no longer reset the account.` }).count(), POLL).toBe(1);
    await expect.poll(() => dash.getByTestId('live-release').count(), POLL).toBe(0);
    const history = (await dash.getByTestId('account-history').textContent()) as string;
    expect(history).toContain(`handle released for reset code ${code}`);
    expect(history).toContain(`revoked by staff:${suite.server.adminId}`);
    expect(history).toContain('(support was deceived: the caller was not alice)');
    expect(history).toContain('handle release revoked: its reset code can no longer reset the account');
    await dash.screenshot({ path: path.join(SHOTS, 'reset-revoke-02-history.png'), fullPage: true });

    // The browser is refused as if nothing had been released.
    await fresh.getByRole('button', { name: 'Complete reset' }).click();
    await expect.poll(async () => fresh.getByRole('alert').filter({ hasText: 'has not released your handle' }).count(), POLL).toBe(1);
    expect(await fresh.getByTestId('me').count()).toBe(0);

    // Support checks alice properly; a new release lets the browser through, and the history says it was used.
    await releaseFor(dash, code, 'identity checked by video call');
    await fresh.getByRole('button', { name: 'Complete reset' }).click();
    await expect.poll(async () => fresh.getByTestId('me').textContent(), POLL).toBe('alice');
    await dash.reload();
    await expect.poll(() => dash.getByTestId('account-history').textContent(), POLL).toContain('— used by the reset on');
    expect(await dash.getByTestId('live-release').count()).toBe(0);
  });
});
