// npm run bench:devices:link — linking a device with history in Debian's Chromium, through the real server (`tsx
// server/main.ts` on a fresh SQLite database, test/e2e/_server.ts) and the real chat pages: alice (her phone) and bob
// exchange BENCH_LINK_MESSAGES 1:1 messages (default 1,000; half each way), then a second browser context (alice's
// laptop) shows a link code, the phone takes it, both show the short code, the phone confirms with history
// (docs/PROTOCOL-linking.md, docs/PROTOCOL-devices.md D15). Measured, wall time in this process (Date.now):
//   linkConfirmToSignedInMs      confirm on the phone → the laptop signed in as alice
//   linkConfirmToConversationMs  confirm on the phone → the laptop shows the conversation with bob holding every message
//   send1to1MedianMs             the same run's plain 1:1 sends (engine.send from call to the relay's answer), for scale
// The sends go through the page's engine (test hook `franking-chat:engine-hook`, chat/src/engine.ts) rather than the
// composer so that seeding 1,000 messages takes seconds, not minutes; the link itself is driven through the UI.
// BENCH_QUICK=1 seeds 200 messages (the figures then say so). Bounded by a watchdog (BENCH_TIMEOUT_S, default 900 s).
// Writes bench/results/devices-link.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BrowserContext, chromium } from 'playwright-core';
import { chatPage, held, register, sendMany, until } from './_chat-pages.ts';
import { buildWeb } from '../scripts/build-web.mjs';
import { startE2eServer } from '../test/e2e/_server.ts';
import { CHROMIUM, CHROMIUM_ARGS } from '../vitest.config.ts';
import { median } from './_stats.ts';

const QUICK = process.env.BENCH_QUICK === '1';
const MESSAGES = Number(process.env.BENCH_LINK_MESSAGES ?? (QUICK ? 200 : 1000));
const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..');
const OUT = path.join(HERE, 'results', 'devices-link.json');

const watchdog = setTimeout(() => {
  console.error(`bench:devices:link: watchdog after ${process.env.BENCH_TIMEOUT_S ?? 900} s`);
  process.exit(2);
}, Number(process.env.BENCH_TIMEOUT_S ?? 900) * 1000);
watchdog.unref();

const round = (x: number): number => Math.round(x * 10) / 10;

await buildWeb({ only: ['chat'] });
const server = await startE2eServer(ROOT, { RATE_LIMIT_AUTH: '10000', RATE_LIMIT_SEND: '100000' });
const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
const contexts: BrowserContext[] = [];
let result: Record<string, unknown>;
try {
  const phone = await chatPage(browser, contexts);
  const bob = await chatPage(browser, contexts);
  const laptop = await chatPage(browser, contexts);
  await register(phone, server.url, 'alice');
  await register(bob, server.url, 'bob');
  await phone.getByLabel('Add a contact by handle').fill('bob');
  await phone.getByRole('button', { name: 'Add', exact: true }).click();
  await until('the conversation with bob', async () => (await phone.getByRole('heading', { level: 1, name: 'bob' }).count()) === 1);
  const first = await sendMany(phone, 'bob', 'alice', 1);
  await bob.getByTestId('requests').getByRole('button', { name: /alice/ }).click();
  await until('the request bar', async () => (await bob.getByTestId('request-bar').count()) === 1);
  await bob.getByTestId('request-bar').getByRole('button', { name: 'Accept' }).click();
  await until('bob can write', async () => (await bob.getByLabel('Message alice').count()) === 1);

  // Seeding: half from alice, half from bob, interleaved in blocks so both directions' chains grow.
  const sendTimes = [...first];
  const seedStart = Date.now();
  const half = Math.floor(MESSAGES / 2);
  for (let done = 1; done < MESSAGES; ) {
    const block = Math.min(50, MESSAGES - done);
    const fromAlice = done < half + 1;
    sendTimes.push(...(await sendMany(fromAlice ? phone : bob, fromAlice ? 'bob' : 'alice', fromAlice ? 'alice' : 'bob', block)));
    done += block;
  }
  await until(`${MESSAGES} messages on alice's phone`, async () => (await held(phone, 'bob')) >= MESSAGES, 300_000);
  const seedMs = Date.now() - seedStart;

  // The link, through the UI as a person does it.
  await laptop.goto(`${server.url}/`);
  await laptop.getByRole('tab', { name: 'Link to an existing account' }).click();
  await laptop.getByLabel('Name for this device').fill('Laptop');
  await laptop.getByRole('button', { name: 'Show link code' }).click();
  await until('the link code', async () => (await laptop.getByTestId('link-code').inputValue().catch(() => '')).startsWith('FCLINK1-'));
  const code = await laptop.getByTestId('link-code').inputValue();
  await phone.getByRole('button', { name: 'Linked devices' }).click();
  await phone.getByRole('button', { name: 'Link a device' }).click();
  await phone.getByLabel('Link code').fill(code);
  await phone.getByRole('button', { name: 'Continue' }).click();
  await until('the short code on both', async () => (await phone.getByTestId('short-code').count()) === 1 && (await laptop.getByTestId('short-code').count()) === 1);
  const history = phone.getByRole('checkbox', { name: /message history/ });
  if (!(await history.isChecked())) await history.check();
  await phone.getByRole('button', { name: 'Codes match — link device' }).click();
  const confirmedAt = Date.now();
  await until('the laptop signed in', async () => (await laptop.getByTestId('me').textContent().catch(() => null)) === 'alice', 300_000);
  const signedInMs = Date.now() - confirmedAt;
  await until('the conversation on the laptop', async () => (await laptop.getByRole('button', { name: /bob/ }).count()) > 0 && (await held(laptop, 'bob')) >= MESSAGES, 300_000);
  const conversationMs = Date.now() - confirmedAt;

  result = {
    date: new Date().toISOString(),
    command: `${QUICK ? 'BENCH_QUICK=1 ' : ''}npm run bench:devices:link`,
    quick: QUICK,
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model ?? 'unknown', node: process.version, chromium: browser.version(), loadAverage: os.loadavg().map(round) },
    clock: 'wall time (Date.now in the bench process; the sends: performance.now in the page)',
    messages: MESSAGES,
    linkConfirmToSignedInMs: signedInMs,
    linkConfirmToConversationMs: conversationMs,
    send1to1MedianMs: round(median(sendTimes)),
    send1to1Count: sendTimes.length,
    seedMs,
    // The whole link (with every message) in units of one plain 1:1 send of the same run.
    ratios: { linkVsOneSend: round(conversationMs / median(sendTimes)) },
  };
} finally {
  for (const c of contexts) await c.close().catch(() => undefined);
  await browser.close();
  await server.stop();
}
mkdirSync(path.dirname(OUT), { recursive: true });
writeFileSync(OUT, `${JSON.stringify(result, null, 2)}\n`);
console.log(JSON.stringify(result, null, 2));
console.log(`→ ${path.relative(ROOT, OUT)}`);
