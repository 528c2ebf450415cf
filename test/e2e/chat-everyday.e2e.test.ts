// The chat in everyday use, in a real browser (Debian's Chromium) against the real server: joining a group shows
// no false "could not be decrypted" alarm; an unsent message goes out by itself when the connection returns, with
// the same clientMessageId (the relay delivers it once); admins rename a group; staff-like handles are refused and
// staff notices are marked as from the service; sign-up says in words what is wrong with a handle; and the phone
// layout (390×844) next to the desktop one (1280×800): list, then conversation with Back, composer on screen,
// panels and dialogs that fit and wrap, axe with no serious or critical violation.
// Screenshots: docs/screenshots/chat-phone-*.png and chat-desktop-*.png.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { GROUP_INFO_TYPE } from '../../chat/src/groups/index.ts';
import { ServerMember } from '../groups/_server-member.ts';
import { POLL, checkLayout, registerInChat } from './_chat-page.ts';
import { useE2eSuite } from './_suite.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SHOTS = path.join(ROOT, 'docs/screenshots');
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 800 };
const ALARM = /could not be decrypted/;

async function newPage(viewport = DESKTOP): Promise<Page> {
  const ctx = await suite.browser.newContext({ viewport, deviceScaleFactor: 1, locale: 'en-GB', timezoneId: 'UTC' });
  suite.contexts.push(ctx);
  const p = await ctx.newPage();
  p.on('pageerror', (e) => console.error(`[page error] ${e.message}`));
  return p;
}

async function send(p: Page, to: string, text: string): Promise<void> {
  const before = await p.locator('li.msg.out[data-state="sent"]').count();
  const box = p.getByLabel(`Message ${to}`);
  await box.fill(text);
  await box.press('Enter');
  await expect.poll(() => p.locator('li.msg.out[data-state="sent"]').count(), POLL).toBe(before + 1);
}

async function addContact(p: Page, handle: string): Promise<void> {
  await p.getByLabel('Add a contact by handle').fill(handle);
  await p.getByRole('button', { name: 'Add', exact: true }).click();
  await expect.poll(() => p.getByRole('heading', { level: 1, name: handle }).count(), POLL).toBe(1);
}

async function createGroup(p: Page, name: string, members: string): Promise<void> {
  await p.getByRole('button', { name: 'New group' }).click();
  await p.getByLabel('Group name').fill(name);
  await p.getByLabel(/^Members/).fill(members);
  await p.getByRole('button', { name: 'Create group' }).click();
  await expect.poll(() => p.getByRole('heading', { level: 1, name }).count(), POLL).toBe(1);
}

/** A moderator session on the dashboard API (the first-start admin). */
async function moderator(): Promise<Record<string, string>> {
  const login = await fetch(`${suite.server.url}/v1/mod/session`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ moderatorId: suite.server.adminId, password: suite.server.adminPassword }),
  });
  expect(login.status).toBe(201);
  const { csrfToken } = (await login.json()) as { csrfToken: string };
  return { cookie: (login.headers.get('set-cookie') ?? '').split(';')[0] as string, 'x-csrf-token': csrfToken, 'content-type': 'application/json' };
}

const suite = useE2eSuite({ only: ['chat'], shots: SHOTS });

describe('sign-up and handles', () => {
  it('an invalid handle is explained in words; staff-like handles are refused by the suite.server; "That\'s you" goes once the field changes', async () => {
    const p = await newPage(PHONE);
    await p.goto(`${suite.server.url}/`);
    const field = p.getByLabel('Choose a handle');
    const create = p.getByRole('button', { name: 'Create account' });
    const error = p.locator('#handle-error');
    await field.fill('ab');
    await create.click();
    await expect.poll(() => error.textContent(), POLL).toBe('That handle is 2 characters long: handles are at least 3.');
    expect(await field.getAttribute('aria-invalid')).toBe('true');
    await field.fill('ana maría!');
    expect(await error.count()).toBe(0); // the old error goes as soon as the handle changes
    await create.click();
    await expect.poll(() => error.textContent(), POLL).toBe('Handles can use only letters A–Z, digits, dots, dashes and underscores, so spaces, “í”, “!” cannot be used.');
    await checkLayout(p, 'phone-welcome-error', path.join(SHOTS, 'chat-phone-welcome-error.png'));
    // staff-like: the server refuses it (400 handle_reserved) and says why
    for (const h of ['Adm1n', 'support-team', 'franking-chat']) {
      await field.fill(h);
      await create.click();
      await expect.poll(() => error.textContent(), POLL).toBe(`The handle “${h}” looks like the service or its staff (admin, moderator, support, staff, franking-chat and similar names are reserved, in any spelling), so it cannot be registered. Choose another handle.`);
    }
    await field.fill('dana');
    await create.click();
    await expect.poll(() => p.getByTestId('me').textContent(), POLL).toBe('dana');

    await p.getByLabel('Add a contact by handle').fill('DANA');
    await p.getByRole('button', { name: 'Add', exact: true }).click();
    await expect.poll(() => p.locator('#add-error').textContent(), POLL).toBe("That's you. Add someone else's handle.");
    await p.getByLabel('Add a contact by handle').fill('DAN');
    expect(await p.locator('#add-error').count()).toBe(0);
  });
});

describe('groups', () => {
  let alice: Page;
  let bob: Page;
  let carol: Page;

  it('created into groups, a member sees no "could not be decrypted" alarm, in the chat or as its preview', async () => {
    [alice, bob, carol] = await Promise.all([newPage(), newPage(), newPage()]);
    await Promise.all([registerInChat(alice, suite.server.url, 'alice'), registerInChat(bob, suite.server.url, 'bob'), registerInChat(carol, suite.server.url, 'carol')]);
    for (const name of ['Climbing crew', 'Book club', 'Allotment']) {
      await createGroup(alice, name, 'bob, carol');
      for (const p of [bob, carol]) {
        const entry = p.getByRole('button', { name: new RegExp(`${name}.*\\(group\\)`) });
        await expect.poll(() => entry.count(), POLL).toBe(1);
        await entry.click();
        await expect.poll(() => p.locator('li.msg.info', { hasText: `alice named the group “${name}”` }).count(), POLL).toBe(1);
        await expect.poll(() => p.locator('li.system', { hasText: 'You joined the group (added by alice)' }).count(), POLL).toBe(1);
      }
    }
    // Let the inbox long-poll and the periodic refresh both run over what was delivered.
    await carol.waitForTimeout(3000);
    for (const p of [bob, carol]) {
      expect(await p.getByText(ALARM).count()).toBe(0);
      expect(await p.locator('.preview', { hasText: ALARM }).count()).toBe(0);
    }
    expect(await alice.getByText(ALARM).count()).toBe(0);
  });

  it('an admin renames the group: franked and encrypted like the first name; members see who renamed it; members get no Rename', async () => {
    await alice.getByRole('button', { name: /Climbing crew.*\(group\)/ }).click();
    await alice.getByRole('button', { name: /^Members \(3\)/ }).click();
    await alice.getByLabel('Group name').fill('Crag crew');
    await alice.getByRole('button', { name: 'Rename', exact: true }).click();
    await expect.poll(() => alice.getByRole('heading', { level: 1, name: 'Crag crew' }).count(), POLL).toBe(1);
    await expect.poll(() => alice.locator('li.msg.out.info[data-state="sent"]', { hasText: 'You renamed the group to “Crag crew”' }).count(), POLL).toBe(1);
    for (const p of [bob, carol]) {
      await p.getByRole('button', { name: /Crag crew.*\(group\)/ }).click();
      await expect.poll(() => p.getByRole('heading', { level: 1, name: 'Crag crew' }).count(), POLL).toBe(1);
      await expect.poll(() => p.locator('li.msg.in.info', { hasText: 'alice renamed the group to “Crag crew”' }).count(), POLL).toBe(1);
      // a renaming is a franked message like any other: it can be reported
      expect(await p.locator('li.msg.in.info', { hasText: 'renamed' }).getByRole('button', { name: /^Report this message from alice/ }).count()).toBe(1);
    }
    await bob.getByRole('button', { name: /^Members \(3\)/ }).click();
    await expect.poll(() => bob.locator('.roster-list li').count(), POLL).toBe(3);
    expect(await bob.locator('#rename-group').count()).toBe(0); // plain members are not offered it (receivers refuse it anyway)
    // The creator makes bob an admin: now he may rename.
    await alice.getByRole('button', { name: 'Make admin' }).first().click();
    await expect.poll(() => bob.locator('#rename-group').count(), POLL).toBe(1);
    await bob.locator('#rename-group').fill('Crag crew 2026');
    await bob.getByRole('button', { name: 'Rename', exact: true }).click();
    for (const p of [alice, carol]) await expect.poll(() => p.locator('li.msg.in.info', { hasText: 'bob renamed the group to “Crag crew 2026”' }).count(), POLL).toBe(1);
    expect(await carol.getByText(ALARM).count()).toBe(0);
    // end-to-end encrypted: neither name is anywhere in what the server keeps (database, its journal, logs)
    const files = (dir: string): string[] => fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)) : [path.join(dir, e.name)]));
    const kept = files(suite.server.dataDir);
    expect(kept.some((f) => /\.(db|sqlite)$/.test(f))).toBe(true);
    expect(kept.some((f) => fs.readFileSync(f).includes('carol')), 'the scan reads what the server stores (handles are kept in clear)').toBe(true);
    for (const f of kept) for (const name of ['Climbing crew', 'Crag crew']) expect(fs.readFileSync(f).includes(name), `${name} in ${f}`).toBe(false);
    // franked: carol reports alice's renaming, and it verifies for her and for the moderator
    await carol.locator('li.msg.in.info', { hasText: 'alice renamed the group to “Crag crew”' }).getByRole('button', { name: /^Report this message from alice/ }).click();
    const dialog = carol.locator('dialog[open]');
    await dialog.getByRole('radio', { name: /Harassment/ }).check();
    await dialog.getByRole('button', { name: 'Send report' }).click();
    await expect.poll(() => dialog.getByRole('heading', { name: 'Report sent' }).count(), POLL).toBe(1);
    expect(await dialog.getByText('Verified.').count()).toBe(1);
    await dialog.getByRole('button', { name: 'Done' }).click();
    const headers = await moderator();
    const queue = (await (await fetch(`${suite.server.url}/v1/mod/queue?view=all`, { headers })).json()) as { reports: Array<{ id: string; reporterId: string; accusedId: string; verdict: string }> };
    const mine = queue.reports.find((r) => r.reporterId === 'carol');
    expect(mine).toMatchObject({ accusedId: 'alice', verdict: 'verified' });
    const detail = (await (await fetch(`${suite.server.url}/v1/mod/reports/${mine?.id}`, { headers })).json()) as { messages: Array<{ senderId: string; verdict: string; text: string | null }> };
    const renaming = detail.messages.filter((m) => m.text?.includes('"rename":true'));
    expect(renaming.length).toBeGreaterThanOrEqual(1);
    expect(renaming.find((m) => m.text?.includes('Crag crew"'))).toMatchObject({ senderId: 'alice', verdict: 'verified' });
  });
});

describe('a modified client', () => {
  it('a plain member\'s rename is refused by every member\'s page: the name stays, the attempt is shown and reportable', async () => {
    const [nia, oli] = await Promise.all([newPage(), newPage()]);
    await Promise.all([registerInChat(nia, suite.server.url, 'nia'), registerInChat(oli, suite.server.url, 'oli')]);
    // pat runs a client of his own on the SDK: it sends a group-info message the chat's UI would not let him send.
    const pat = await ServerMember.create('pat', suite.server.url);
    await createGroup(nia, 'Quiz night', 'oli, pat');
    const entry = oli.getByRole('button', { name: /Quiz night.*\(group\)/ });
    await expect.poll(() => entry.count(), POLL).toBe(1);
    await entry.click();
    await expect.poll(async () => {
      await pat.sync();
      return pat.groups.size;
    }, POLL).toBe(1);
    const conv = [...pat.groups.keys()][0] as string;
    await pat.send(conv, JSON.stringify({ name: 'Pat rules', rename: true }), { contentType: GROUP_INFO_TYPE });
    const attempt = 'pat tried to rename the group to “Pat rules”, but only its creator and admins can: the name was not changed.';
    for (const p of [nia, oli]) {
      await expect.poll(() => p.locator('li.msg.in.info', { hasText: attempt }).count(), POLL).toBe(1);
      expect(await p.getByRole('heading', { level: 1, name: 'Quiz night' }).count()).toBe(1);
      expect(await p.locator('.contact-name', { hasText: 'Pat rules' }).count()).toBe(0); // the list keeps the name too
      expect(await p.locator('li.msg.in.info', { hasText: attempt }).getByRole('button', { name: /^Report this message from pat/ }).count()).toBe(1);
    }
  });
});

describe('unsent messages', () => {
  it('go out by themselves when the connection returns, with the same clientMessageId: the relay delivers each once', async () => {
    const [erin, frank] = await Promise.all([newPage(), newPage()]);
    // What the server pushes to frank: every envelope id, by the text frank's page shows for it later. Listened to
    // before frank registers: his page opens the push socket as soon as it is signed in.
    const pushed: string[] = [];
    frank.on('websocket', (ws) => ws.on('framereceived', (f) => {
      try {
        const frame = JSON.parse(String(f.payload)) as { type?: string; envelopes?: Array<{ id: string; stamp: { senderId: string } }> };
        if (frame.type === 'envelopes') for (const e of frame.envelopes ?? []) if (e.stamp.senderId === 'erin') pushed.push(e.id);
      } catch {
        // not JSON
      }
    }));
    const sends: string[] = [];
    erin.on('request', (r) => {
      if (r.method() === 'POST' && new URL(r.url()).pathname === '/v1/messages') sends.push((JSON.parse(r.postData() ?? '{}') as { clientMessageId: string }).clientMessageId);
    });
    await Promise.all([registerInChat(erin, suite.server.url, 'erin'), registerInChat(frank, suite.server.url, 'frank')]);
    await addContact(erin, 'frank');
    await send(erin, 'frank', 'hello frank');
    await expect.poll(() => frank.getByTestId('requests').getByRole('button', { name: /erin/ }).count(), POLL).toBe(1);
    await frank.getByTestId('requests').getByRole('button', { name: /erin/ }).click();
    await frank.getByTestId('request-bar').getByRole('button', { name: 'Accept' }).click();
    await expect.poll(() => frank.locator('li.msg.in', { hasText: 'hello frank' }).count(), POLL).toBe(1);

    // 1. Offline: the send fails, the page says it will go by itself; back online, it does.
    await erin.context().setOffline(true);
    const box = erin.getByLabel('Message frank');
    await box.fill('written on the train');
    await box.press('Enter');
    const failed = erin.locator('li.msg.out[data-state="failed"]', { hasText: 'written on the train' });
    await expect.poll(() => failed.count(), POLL).toBe(1);
    expect(await failed.locator('.failed').textContent()).toContain("Not sent yet: the server can't be reached. It will be sent by itself when the connection returns.");
    await erin.context().setOffline(false);
    const resent = erin.locator('li.msg.out[data-state="sent"]', { hasText: 'written on the train' });
    await expect.poll(() => resent.count(), POLL).toBe(1);
    expect(await resent.getByTestId('resent').textContent()).toContain('sent by itself when the connection returned');
    await expect.poll(() => frank.locator('li.msg.in', { hasText: 'written on the train' }).count(), POLL).toBe(1);

    // 2. The send reached the server but its answer was lost: the page retries with the same clientMessageId when the
    //    connection returns, and the relay answers with the original result instead of delivering it twice.
    let dropAnswer = true;
    await erin.route('**/v1/messages', async (route) => {
      if (!dropAnswer || route.request().method() !== 'POST') return route.continue();
      dropAnswer = false;
      await route.fetch(); // the server accepts and delivers it …
      await route.abort('connectionreset'); // … and the answer never arrives
    });
    const sendsBefore = sends.length;
    await box.fill('did this arrive?');
    await box.press('Enter');
    await expect.poll(() => erin.locator('li.msg.out[data-state="failed"]', { hasText: 'did this arrive?' }).count(), POLL).toBe(1);
    await expect.poll(() => frank.locator('li.msg.in', { hasText: 'did this arrive?' }).count(), POLL).toBe(1);
    await erin.context().setOffline(true);
    await erin.context().setOffline(false);
    await expect.poll(() => erin.locator('li.msg.out[data-state="sent"]', { hasText: 'did this arrive?' }).count(), POLL).toBe(1);
    const retried = sends.slice(sendsBefore);
    expect(retried).toHaveLength(2);
    expect(retried[0]).toBe(retried[1]); // the same clientMessageId both times
    await frank.waitForTimeout(1500); // room for a second delivery, if there were one
    expect(await frank.locator('li.msg.in', { hasText: 'did this arrive?' }).count()).toBe(1);
    // Server-side deliveries to frank, as pushed on his socket: one envelope per message sent (the three texts and
    // the key-log gossip that starts a conversation, docs/PROTOCOL.md §8.4), none twice.
    expect(new Set(pushed).size).toBe(new Set(sends).size);
    expect(new Set(sends).size).toBe(4);
    expect(await frank.locator('li.msg.in').count()).toBe(3);
  });
});

describe('unsent group messages', () => {
  it('a group message whose answer was lost is resent by itself; the relay stores it twice, members show it once and raise no alarm', async () => {
    const [kai, lea] = await Promise.all([newPage(), newPage()]);
    await Promise.all([registerInChat(kai, suite.server.url, 'kai'), registerInChat(lea, suite.server.url, 'lea')]);
    await createGroup(kai, 'Choir', 'lea');
    const entry = lea.getByRole('button', { name: /Choir.*\(group\)/ });
    await expect.poll(() => entry.count(), POLL).toBe(1);
    await entry.click();
    await expect.poll(() => lea.locator('li.msg.info', { hasText: 'kai named the group “Choir”' }).count(), POLL).toBe(1);
    const posts: string[] = [];
    kai.on('request', (r) => {
      if (r.method() === 'POST' && /\/v1\/groups\/[^/]+\/messages$/.test(new URL(r.url()).pathname)) posts.push(r.postData() ?? '');
    });
    let dropAnswer = true;
    await kai.route('**/v1/groups/*/messages', async (route) => {
      if (!dropAnswer || route.request().method() !== 'POST') return route.continue();
      dropAnswer = false;
      await route.fetch(); // stored and delivered …
      await route.abort('connectionreset'); // … but the answer is lost
    });
    const box = kai.getByLabel('Message Choir');
    await box.fill('rehearsal moved to 7pm');
    await box.press('Enter');
    await expect.poll(() => kai.locator('li.msg.out[data-state="failed"]', { hasText: 'rehearsal moved to 7pm' }).count(), POLL).toBe(1);
    await kai.context().setOffline(true);
    await kai.context().setOffline(false);
    await expect.poll(() => kai.locator('li.msg.out[data-state="sent"]', { hasText: 'rehearsal moved to 7pm' }).count(), POLL).toBe(1);
    expect(posts).toHaveLength(2);
    expect(posts[0]).toBe(posts[1]); // exactly the same MLS bytes (same seq, same commitment)
    await expect.poll(() => lea.locator('li.msg.in', { hasText: 'rehearsal moved to 7pm' }).count(), POLL).toBe(1);
    await lea.waitForTimeout(2500); // the second copy arrives and is processed
    expect(await lea.locator('li.msg.in', { hasText: 'rehearsal moved to 7pm' }).count()).toBe(1);
    expect(await lea.getByText(ALARM).count()).toBe(0);
  });
});

describe('staff notices', () => {
  it('a moderator\'s warning is shown as from the service (badge), never as a chat message from a handle', async () => {
    const [gina, hugo] = await Promise.all([newPage(), newPage()]);
    await Promise.all([registerInChat(gina, suite.server.url, 'gina'), registerInChat(hugo, suite.server.url, 'hugo')]);
    await addContact(gina, 'hugo');
    await send(gina, 'hugo', 'you are pathetic');
    await hugo.getByTestId('requests').getByRole('button', { name: /gina/ }).click();
    await hugo.getByTestId('request-bar').getByRole('button', { name: 'Report and block' }).click();
    const dialog = hugo.locator('dialog[open]');
    await dialog.getByRole('radio', { name: /Harassment/ }).check();
    await dialog.getByRole('button', { name: 'Report and block' }).click();
    await expect.poll(() => dialog.getByRole('button', { name: 'Done' }).count(), POLL).toBe(1);
    const headers = await moderator();
    const queue = (await (await fetch(`${suite.server.url}/v1/mod/queue`, { headers })).json()) as { reports: Array<{ id: string; accusedId: string }> };
    const id = queue.reports.find((r) => r.accusedId === 'gina')?.id as string;
    expect((await fetch(`${suite.server.url}/v1/mod/reports/${id}/claim`, { method: 'POST', headers, body: '{}' })).status).toBe(200);
    expect((await fetch(`${suite.server.url}/v1/mod/reports/${id}/decision`, { method: 'POST', headers, body: JSON.stringify({ action: 'warn', policyId: 'harassment' }) })).status).toBe(200);
    await gina.reload();
    const notice = gina.locator('section.staff-notice');
    await expect.poll(() => notice.count(), { timeout: 40_000, interval: 250 }).toBe(1);
    expect(await notice.getAttribute('aria-label')).toBe('Official notice from the franking-chat moderators');
    expect(await notice.getByTestId('staff-badge').textContent()).toContain('franking-chat staff · official');
    // the badge is drawn only by the page: no message bubble carries it
    expect(await gina.locator('li.msg [data-testid="staff-badge"]').count()).toBe(0);
    expect(await notice.evaluate((el) => getComputedStyle(el.querySelector('.staff-badge') as Element).backgroundColor)).toBe('rgb(29, 42, 92)');
    expect(await gina.locator('section.statement').getByTestId('staff-badge').count()).toBe(1);
    await checkLayout(gina, 'desktop-staff-notice', path.join(SHOTS, 'chat-desktop-staff-notice.png'));
    // on a phone the notice and the statement of reasons leave the composer on screen
    await gina.setViewportSize(PHONE);
    await checkLayout(gina, 'phone-staff-notice', path.join(SHOTS, 'chat-phone-staff-notice.png'));
  });
});

describe('phone (390×844) and desktop (1280×800)', () => {
  const LONG_URL = `https://example.com/${'x'.repeat(400)}`;

  it('list, then conversation with Back; composer on screen; members panel and dialogs fit and wrap; axe', async () => {
    for (const [label, viewport] of [['phone', PHONE], ['desktop', DESKTOP]] as const) {
      const me = `ivy-${label}`;
      const peer = `jon-${label}`;
      const p = await newPage(viewport);
      const other = await newPage(DESKTOP);
      await registerInChat(other, suite.server.url, peer);
      await registerInChat(p, suite.server.url, me);
      await checkLayout(p, `${label}-list`);
      expect(await p.getByRole('heading', { level: 1 }).count(), 'one h1 on every screen').toBe(1);
      await addContact(p, peer);
      for (let i = 0; i < 14; i++) await send(p, peer, `message ${i + 1} of a long conversation, so the composer has to stay on screen while the list scrolls`);
      await other.getByTestId('requests').getByRole('button', { name: new RegExp(me) }).click();
      await other.getByTestId('request-bar').getByRole('button', { name: 'Accept' }).click();
      await send(other, me, `look at this: ${LONG_URL}`);
      await expect.poll(() => p.locator('li.msg.in').count(), POLL).toBe(1);
      if (label === 'phone') {
        expect(await p.locator('aside.sidebar').isVisible()).toBe(false); // one pane at a time
        expect(await p.getByRole('button', { name: 'Back to Chats' }).isVisible()).toBe(true);
      }
      await checkLayout(p, `${label}-conversation`, path.join(SHOTS, `chat-${label}-conversation.png`));

      await p.locator('li.msg.in').last().getByRole('button', { name: /^Report this message/ }).click();
      await expect.poll(() => p.locator('dialog[open]').count(), POLL).toBe(1);
      await checkLayout(p, `${label}-report-dialog`, path.join(SHOTS, `chat-${label}-report-dialog.png`));
      await p.keyboard.press('Escape');
      await p.getByRole('button', { name: 'Block', exact: true }).click();
      await checkLayout(p, `${label}-block-dialog`);
      await p.keyboard.press('Escape');
      await p.getByRole('button', { name: 'Safety number' }).click();
      await checkLayout(p, `${label}-safety-number`);
      await p.keyboard.press('Escape');

      if (label === 'phone') {
        await p.getByRole('button', { name: 'Back to Chats' }).click();
        expect(await p.getByRole('heading', { level: 1, name: peer }).isVisible()).toBe(false);
        await expect.poll(() => p.locator('aside.sidebar').isVisible(), POLL).toBe(true);
        await checkLayout(p, `${label}-list-after-back`, path.join(SHOTS, `chat-${label}-list.png`));
        // from the list, tapping a chat opens it in the one pane, composer on screen, and Back leads back
        await p.locator('aside.sidebar').getByRole('button', { name: new RegExp(`^${peer}`) }).click();
        await expect.poll(() => p.getByRole('heading', { level: 1, name: peer }).isVisible(), POLL).toBe(true);
        expect(await p.locator('aside.sidebar').isVisible()).toBe(false);
        await checkLayout(p, `${label}-conversation-from-list`);
        await p.getByRole('button', { name: 'Back to Chats' }).click();
        await expect.poll(() => p.locator('aside.sidebar').isVisible(), POLL).toBe(true);
      }
      await createGroup(p, `Trip ${label}`, peer);
      await expect.poll(() => p.locator('li.msg.out.info[data-state="sent"]').count(), POLL).toBe(1);
      await checkLayout(p, `${label}-group`);
      await p.getByRole('button', { name: /^Members \(2\)/ }).click();
      await expect.poll(() => p.locator('.roster-list li').count(), POLL).toBe(2);
      const roster = await p.locator('.roster').boundingBox();
      expect(roster?.y ?? 9999, 'members panel opens on screen').toBeLessThan(viewport.height / 2);
      await checkLayout(p, `${label}-group-members`, path.join(SHOTS, `chat-${label}-group-members.png`));
      // a name of 60 letters with no break (the longest a group name can be) wraps in the heading, the panel,
      // the list and the rename line
      const longName = `Trip${'W'.repeat(56)}`;
      await p.locator('#rename-group').fill(longName);
      await p.getByRole('button', { name: 'Rename', exact: true }).click();
      await expect.poll(() => p.getByRole('heading', { level: 1, name: longName }).count(), POLL).toBe(1);
      await expect.poll(() => p.locator('li.msg.out.info[data-state="sent"]', { hasText: `You renamed the group to “${longName}”` }).count(), POLL).toBe(1);
      await checkLayout(p, `${label}-group-members-long-name`);
      await p.locator('.roster').getByRole('button', { name: 'Close' }).click();
      await checkLayout(p, `${label}-group-long-name`);
      if (label === 'phone') {
        await p.getByRole('button', { name: 'Back to Chats' }).click();
        await expect.poll(() => p.locator('aside.sidebar').isVisible(), POLL).toBe(true);
        await checkLayout(p, `${label}-list-long-group-name`);
        await p.getByRole('button', { name: /My reports/ }).click();
        await checkLayout(p, `${label}-my-reports`);
      }
    }
  });
});
