// The dashboard's words for a multi-device report (docs/PROTOCOL-devices.md D12.3, docs/MODERATION.md "Report"), in
// Debian's Chromium against the real server process: alice's device 2 sent, bob's device 1 received, bob's device 2
// reported. Each message says which of alice's devices sent it and the day it was linked; the report says it came from
// another of bob's devices than the one the messages were delivered to; completeness is per device chain. No serious or
// critical axe finding.
import AxeBuilder from '@axe-core/playwright';
import { type Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { type DeviceReport, multiDeviceReport } from '../server/_device-report.ts';
import { useE2eSuite } from './_suite.ts';

const POLL = { timeout: 20_000, interval: 100 };
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const day = (iso: string) => {
  const d = new Date(iso);
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`;
};

let seeded: DeviceReport;

const suite = useE2eSuite({ only: ['dashboard'] });

beforeAll(async () => {
  seeded = await multiDeviceReport(suite.server.url, ['hello from my laptop', 'you will regret this']);
});

async function openReport(): Promise<Page> {
  const ctx = await suite.browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-GB', timezoneId: 'UTC' });
  const p = await ctx.newPage();
  p.on('pageerror', (e) => console.error(`[page error] ${e.message}`));
  await p.goto(`${suite.server.url}/dashboard/`);
  await p.getByLabel('Login name').fill(suite.server.adminId);
  await p.getByLabel('Password', { exact: true }).fill(suite.server.adminPassword);
  await p.getByRole('button', { name: 'Sign in' }).click();
  await expect.poll(() => p.getByRole('heading', { name: 'Report queue' }).count(), POLL).toBe(1);
  await p.goto(`${suite.server.url}/dashboard/reports/${seeded.reportId}`);
  await expect.poll(() => p.getByTestId('reported-message').count(), POLL).toBe(1);
  return p;
}

describe('a report of a message sent from another device, reported from another device', () => {
  it('says which device sent each message and when it was linked, and that it was reported from another device than it was delivered to', async () => {
    const p = await openReport();
    try {
      const alice = seeded.alice.acc.accountId;
      const bob = seeded.bob.acc.accountId;
      const lines = p.getByTestId('message-device');
      await expect.poll(() => lines.count(), POLL).toBe(2);
      const expected = `sent from ${alice}’s device 2 (linked ${day(seeded.aliceDevice2LinkedAt)}) · reported from another device than it was delivered to: `
        + `delivered to ${bob}’s device 1 (as stated by the reporter’s app), reported from device 2 (history brought over from device 1)`;
      expect(await lines.allTextContents()).toEqual([expected, expected]);
      expect(await p.getByTestId('reported-message').getByTestId('message-device').textContent()).toBe(expected);
      expect(await p.getByTestId('reported-from').textContent()).toBe(' from their device 2');
      // Completeness per device chain (D10.3): alice's device 2 sent #1 and #2, both revealed.
      expect(await p.getByRole('heading', { name: /^Context completeness/ }).textContent()).toBe('Context completeness: complete');
      expect(await p.locator('#ctx-title + ul li').allTextContents()).toEqual([`${alice}: device 2: messages 1–2 complete`]);
      const axe = await new AxeBuilder({ page: p }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
      expect(axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id)).toEqual([]);
    } finally {
      await p.context().close();
    }
  });
});
