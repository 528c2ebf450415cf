// Registration behind the proof-of-work and invite gates (docs/MODERATION.md "Registration gate") in Debian's
// Chromium against the real server process: the chat fetches a challenge, solves it in a Web Worker (not on the
// page's thread), shows its progress, and registers; with gate invite it asks for a code from the admin CLI.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { POLL, newChatPage } from './_chat-page.ts';
import { startE2eServer } from './_server.ts';
import { useE2eSuite } from './_suite.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const suite = useE2eSuite({ only: ['chat'], env: { REGISTRATION_GATE: 'pow' } });

describe('registration with proof of work in the chat', () => {
  it('solves the challenge in a Web Worker with progress shown, then registers', async () => {
    const page = await newChatPage(suite.browser, suite.contexts);
    const workers: string[] = [];
    page.on('worker', (w) => workers.push(w.url()));
    await page.goto(`${suite.server.url}/`);
    await page.getByLabel('Choose a handle').fill('pow.alice');
    // Record whether the progress status was ever on screen (it may be brief on a fast machine).
    await page.evaluate(() => {
      const w = window as unknown as { powSeen: string | null };
      w.powSeen = null;
      new MutationObserver(() => {
        const s = document.querySelector('.pow-status');
        if (s && !w.powSeen) w.powSeen = s.textContent;
      }).observe(document.body, { childList: true, subtree: true, characterData: true });
    });
    await page.getByRole('button', { name: 'Create account' }).click();
    await expect.poll(async () => page.getByTestId('me').textContent(), POLL).toBe('pow.alice');
    expect(workers.some((u) => /pow-worker/.test(u))).toBe(true);
    expect(await page.evaluate(() => (window as unknown as { powSeen: string | null }).powSeen)).toMatch(/^Anti-spam check in this browser: \d+% of the longest it can take/);
    await expect.poll(async () => page.getByRole('status').filter({ hasText: 'Connected' }).count(), POLL).toBe(1);

    // The server registered it through the gate: without a solved challenge the same request is refused.
    const info = (await (await fetch(`${suite.server.url}/v1/accounts/registration`)).json()) as { gate: string };
    expect(info.gate).toBe('pow');
    const bare = await fetch(`${suite.server.url}/v1/accounts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userId: 'pow.bob', identitySigningKey: 'A'.repeat(43), identityDhKey: 'A'.repeat(43), signature: 'A'.repeat(86) }) });
    expect([bare.status, ((await bare.json()) as { code: string }).code]).toEqual([403, 'pow_required']);
  });
});

describe('registration with an invite code in the chat', () => {
  it('asks for the code, explains a wrong one, registers with a code from the admin CLI', async () => {
    const invited = await startE2eServer(ROOT, { REGISTRATION_GATE: 'invite' });
    try {
      const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: invited.dataDir, REGISTRATION_GATE: 'invite', LOG_LEVEL: 'warn' };
      delete env.DATABASE_URL;
      const code = execFileSync(path.join(ROOT, 'node_modules/.bin/tsx'), ['server/admin.ts', 'invites', 'create'], { cwd: ROOT, env, encoding: 'utf8', timeout: 60_000 }).trim();
      expect(code).toMatch(/^inv_[A-Za-z0-9_-]{22}$/);
      const page = await newChatPage(suite.browser, suite.contexts);
      await page.goto(`${invited.url}/`);
      await page.getByLabel('Choose a handle').fill('invited.dana');
      await page.getByLabel('Invite code').fill('inv_AAAAAAAAAAAAAAAAAAAAAA');
      await page.getByRole('button', { name: 'Create account' }).click();
      await expect.poll(async () => page.getByRole('alert').filter({ hasText: 'That invite code is unknown, expired or already used' }).count(), POLL).toBe(1);
      await page.getByLabel('Invite code').fill(code);
      await page.getByRole('button', { name: 'Create account' }).click();
      await expect.poll(async () => page.getByTestId('me').textContent(), POLL).toBe('invited.dana');
    } finally {
      await invited.stop();
    }
  });
});

