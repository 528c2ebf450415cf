// Linking a device by its QR code in real browsers (docs/PROTOCOL-linking.md L1), through the real server process on a
// fresh SQLite database. The new browser shows its QR code; a screenshot of that element is what the existing device
// reads: (a) as a picture ("Scan from a picture"), after a picture with no QR code and a file that is no picture are
// refused in words; (b) with the camera, in a Chromium whose fake camera plays a Y4M video made from the screenshot.
// Both ways end the same as a pasted code: the same short code on both devices, confirm, the new device is signed in.
// Screenshots go to test-artifacts/e2e/.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Browser, type Page, chromium } from 'playwright-core';
import QRCode from 'qrcode';
import { afterAll, describe, expect, it } from 'vitest';
import { CHROMIUM, CHROMIUM_ARGS } from '../../vitest.config.ts';
import { POLL, a11yViolations, checkLayout, newChatPage, registerInChat } from './_chat-page.ts';
import { SHOTS, useE2eSuite } from './_suite.ts';

const LONG = { timeout: 60_000, interval: 200 };
const PHONE = { width: 390, height: 844 };

let camBrowser: Browser | undefined;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fc-qr-'));

const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`) });

/** The new browser, on the welcome page, shows its link code; returns the text and a PNG screenshot of the QR code. */
async function showLinkCode(page: Page, name: string): Promise<{ text: string; qrPng: Buffer }> {
  await page.goto(`${suite.server.url}/`);
  await page.getByRole('tab', { name: 'Link to an existing account' }).click();
  await page.getByLabel('Name for this device').fill(name);
  await page.getByRole('button', { name: 'Show link code' }).click();
  await expect.poll(async () => (await page.getByTestId('link-code').inputValue()).startsWith('FCLINK1-'), LONG).toBe(true);
  const qr = page.getByRole('img', { name: /QR code/ });
  await expect.poll(async () => qr.count(), LONG).toBe(1);
  await expect.poll(async () => qr.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0), POLL).toBe(true);
  return { text: await page.getByTestId('link-code').inputValue(), qrPng: await qr.screenshot() };
}

async function openLinkDialog(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Linked devices' }).click();
  await page.getByRole('button', { name: 'Link a device' }).click();
  await expect.poll(async () => page.getByRole('button', { name: 'Scan the QR code' }).count(), POLL).toBe(1);
}

/** "Scan from a picture", the way a person does it: the button opens the file chooser, the file is chosen there. */
async function scanPicture(page: Page, file: { name: string; mimeType: string; buffer: Buffer }): Promise<void> {
  const chooser = page.waitForEvent('filechooser');
  await page.getByRole('button', { name: 'Scan from a picture' }).click();
  await (await chooser).setFiles(file);
}

/** Both devices show the same short code; the existing one confirms; the new one ends signed in as `handle`. */
async function compareAndConfirm(existing: Page, fresh: Page, freshName: string, handle: string): Promise<void> {
  await expect.poll(async () => existing.getByTestId('short-code').count(), LONG).toBe(1);
  await expect.poll(async () => fresh.getByTestId('short-code').count(), LONG).toBe(1);
  const onExisting = await existing.getByTestId('short-code').textContent();
  expect(onExisting).toMatch(/^[0-9]{3} [0-9]{3}$/);
  expect(await fresh.getByTestId('short-code').textContent()).toBe(onExisting);
  expect(await existing.getByText(`Does ${freshName} show this code?`).count()).toBe(1);
  await existing.getByRole('button', { name: 'Codes match — link device' }).click();
  await expect.poll(async () => fresh.getByTestId('me').textContent(), LONG).toBe(handle);
  await expect.poll(async () => existing.getByText('The device is linked.', { exact: false }).count(), LONG).toBe(1);
  await existing.getByRole('button', { name: 'Done' }).click();
  await expect.poll(async () => existing.getByTestId('device-list').locator('li').count(), LONG).toBe(2);
}

/**
 * A Y4M video (YUV4MPEG2, 4:2:0) that Chromium's fake camera plays in a loop at 10 frames a second: `blank` grey
 * frames (the camera not yet pointed at anything), then `frames` frames of the PNG centred on a white 640×480 frame,
 * as luma (the QR code is black and white: chroma stays neutral, 128). The PNG is decoded by the browser.
 */
async function y4mFromPng(page: Page, png: Buffer, { blank, frames }: { blank: number; frames: number }): Promise<Buffer> {
  const W = 640;
  const H = 480;
  const lumaB64 = await page.evaluate(
    async ({ b64, W, H }) => {
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const bitmap = await createImageBitmap(new Blob([bytes], { type: 'image/png' }));
      const canvas = new OffscreenCanvas(W, H);
      const ctx = canvas.getContext('2d');
      if (!ctx) throw new Error('no 2d context');
      ctx.fillStyle = '#fff';
      ctx.fillRect(0, 0, W, H);
      ctx.drawImage(bitmap, Math.floor((W - bitmap.width) / 2), Math.floor((H - bitmap.height) / 2));
      const rgba = ctx.getImageData(0, 0, W, H).data;
      let s = '';
      for (let i = 0; i < W * H; i++) s += String.fromCharCode(Math.round(0.299 * rgba[i * 4]! + 0.587 * rgba[i * 4 + 1]! + 0.114 * rgba[i * 4 + 2]!));
      return btoa(s);
    },
    { b64: png.toString('base64'), W, H },
  );
  const luma = Buffer.from(lumaB64, 'base64');
  expect(luma.length).toBe(W * H);
  const chroma = Buffer.alloc((W / 2) * (H / 2) * 2, 128);
  const parts = [Buffer.from(`YUV4MPEG2 W${W} H${H} F10:1 Ip A1:1 C420jpeg\n`, 'ascii')];
  const grey = Buffer.alloc(W * H, 96);
  for (let f = 0; f < blank; f++) parts.push(Buffer.from('FRAME\n', 'ascii'), grey, chroma);
  for (let f = 0; f < frames; f++) parts.push(Buffer.from('FRAME\n', 'ascii'), luma, chroma);
  return Buffer.concat(parts);
}

const suite = useE2eSuite({ only: ['chat'], env: { RATE_LIMIT_AUTH: '300' } });

// Runs before the suite's own closing (hooks stack): the camera browser and the video's folder are this suite's.
afterAll(async () => {
  await camBrowser?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('link a device by scanning its QR code', () => {
  it('the chat page may use the camera (its own origin only); the microphone stays off', async () => {
    const res = await fetch(`${suite.server.url}/`);
    expect(res.headers.get('permissions-policy')).toBe('camera=(self), microphone=(), geolocation=()');
  });

  it('(a) from a picture: a screenshot of the new device\'s QR code links it; no QR code and no picture are refused in words', async () => {
    const phone = await newChatPage(suite.browser, suite.contexts);
    const laptop = await newChatPage(suite.browser, suite.contexts);
    await registerInChat(phone, suite.server.url, 'alice');
    const { qrPng } = await showLinkCode(laptop, 'Laptop');
    await shot(laptop, 'linking-qr-01-new-device-code');

    await phone.setViewportSize(PHONE);
    await openLinkDialog(phone);
    expect(await a11yViolations(phone, 'dialog[open]')).toEqual([]);
    await checkLayout(phone, 'link a device at phone width', path.join(SHOTS, 'linking-qr-02-scan-choices-phone.png'));

    // Not a picture at all, then a picture with no QR code in it (the phone's own screen): refused, nothing sent.
    await scanPicture(phone, { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('FCLINK1-not-a-picture') });
    await expect.poll(async () => phone.getByRole('alert').textContent(), POLL).toContain('not a picture this browser can open');
    await scanPicture(phone, { name: 'screen.png', mimeType: 'image/png', buffer: await phone.getByRole('heading', { name: 'Link a device' }).screenshot() });
    await expect.poll(async () => phone.getByRole('alert').textContent(), POLL).toContain('No QR code was found in that picture');
    expect(await phone.getByTestId('short-code').count()).toBe(0);

    // The QR code's screenshot: read, put in the field, and sent the way a pasted code is.
    await scanPicture(phone, { name: 'qr.png', mimeType: 'image/png', buffer: qrPng });
    await expect.poll(async () => phone.getByTestId('short-code').count(), LONG).toBe(1);
    await shot(phone, 'linking-qr-03-picture-read-compare');
    await compareAndConfirm(phone, laptop, 'Laptop', 'alice');
  });

  it('a QR code whose text is no link code, chosen or pasted as a picture, gets the same words as the same text pasted', async () => {
    const phone = await newChatPage(suite.browser, suite.contexts);
    await registerInChat(phone, suite.server.url, 'dave');
    await openLinkDialog(phone);
    const text = 'https://example.org/not-a-link-code';
    await phone.getByLabel('Link code').fill(text);
    await phone.getByRole('button', { name: 'Continue' }).click();
    await expect.poll(async () => phone.getByRole('alert').count(), LONG).toBe(1);
    const pastedWords = await phone.getByRole('alert').textContent();
    expect(pastedWords).toBeTruthy();
    await phone.getByLabel('Link code').fill('');
    // The same text as a QR code, drawn by the encoder the new device uses (the qrcode package).
    await scanPicture(phone, { name: 'web.png', mimeType: 'image/png', buffer: await QRCode.toBuffer(text, { type: 'png', margin: 2, width: 300 }) });
    await expect.poll(async () => phone.getByLabel('Link code').inputValue(), POLL).toBe(text);
    await expect.poll(async () => phone.getByRole('alert').textContent(), LONG).toBe(pastedWords);

    // A pasted screenshot (an image on the clipboard, pasted into the dialog) is read the same way.
    await phone.getByLabel('Link code').fill('');
    const other = 'https://example.org/pasted-picture';
    const b64 = (await QRCode.toBuffer(other, { type: 'png', margin: 2, width: 300 })).toString('base64');
    await phone.getByLabel('Link code').evaluate((field, b64) => {
      const data = new DataTransfer();
      data.items.add(new File([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))], 'pasted.png', { type: 'image/png' }));
      field.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
    }, b64);
    await expect.poll(async () => phone.getByLabel('Link code').inputValue(), POLL).toBe(other);
    await expect.poll(async () => phone.getByRole('alert').textContent(), LONG).toBe(pastedWords);
  });

  it('(b) with the camera: the fake camera shows the new device\'s QR code; scanning links it and switches the camera off', async () => {
    const tablet = await newChatPage(suite.browser, suite.contexts);
    const { qrPng } = await showLinkCode(tablet, 'Tablet');
    const video = path.join(tmp, 'qr.y4m');
    // Four seconds before the QR code comes into view: time to see the live preview as a person does.
    fs.writeFileSync(video, await y4mFromPng(tablet, qrPng, { blank: 40, frames: 5 }));

    camBrowser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      // No --use-fake-ui-for-media-stream: it would answer every camera prompt with yes; here each context's own
      // permission decides (granted for carol below, denied for frank in the next test).
      args: [...CHROMIUM_ARGS, '--use-fake-device-for-media-stream', `--use-file-for-fake-video-capture=${video}`],
    });
    const carol = await newChatPage(camBrowser, suite.contexts);
    // Keeps what the page asked for and the streams it got, to see the rear camera asked for and every track stopped.
    await carol.addInitScript(() => {
      const md = navigator.mediaDevices;
      const get = md.getUserMedia.bind(md);
      const seen: { constraints: MediaStreamConstraints; stream: MediaStream }[] = [];
      (window as unknown as { qrStreams: typeof seen }).qrStreams = seen;
      md.getUserMedia = async (constraints?: MediaStreamConstraints) => {
        const stream = await get(constraints);
        seen.push({ constraints: constraints ?? {}, stream });
        return stream;
      };
    });
    await carol.context().grantPermissions(['camera'], { origin: suite.server.url });
    await carol.setViewportSize(PHONE);
    await registerInChat(carol, suite.server.url, 'carol');
    await openLinkDialog(carol);
    await carol.getByRole('button', { name: 'Scan the QR code' }).click();
    // The live preview, named, with its words in a live region, before the QR code comes into view.
    await expect.poll(async () => carol.getByRole('status').filter({ hasText: 'Point the camera at the QR code on the new device.' }).count(), POLL).toBe(1);
    expect(await carol.getByLabel('Camera preview for scanning the QR code').evaluate((v: HTMLVideoElement) => v.videoWidth)).toBe(640);
    expect(await a11yViolations(carol, 'dialog[open]')).toEqual([]);
    await shot(carol, 'linking-qr-04-camera-preview-phone');
    // The code is read, the camera is off (no live track left), and the link goes on as with a pasted code.
    await expect.poll(async () => carol.getByTestId('short-code').count(), LONG).toBe(1);
    expect(await carol.getByLabel('Camera preview for scanning the QR code').count()).toBe(0);
    const streams = await carol.evaluate(() =>
      (window as unknown as { qrStreams: { constraints: MediaStreamConstraints; stream: MediaStream }[] }).qrStreams.map((s) => ({
        constraints: JSON.stringify(s.constraints),
        tracks: s.stream.getTracks().map((t) => `${t.kind}:${t.readyState}`),
      })),
    );
    // (The view may mount more than once: each mount's camera is switched off by its own cleanup.)
    expect(streams.length).toBeGreaterThanOrEqual(1);
    for (const s of streams) expect(s).toEqual({ constraints: JSON.stringify({ video: { facingMode: { ideal: 'environment' } }, audio: false }), tracks: ['video:ended'] });
    await checkLayout(carol, 'compare after a camera scan at phone width', path.join(SHOTS, 'linking-qr-05-camera-read-compare-phone.png'));
    await compareAndConfirm(carol, tablet, 'Tablet', 'carol');
  });

  it('camera access denied: the words say so and point to the other ways', async () => {
    if (!camBrowser) throw new Error('the camera browser starts in the test before');
    const frank = await newChatPage(camBrowser, suite.contexts);
    await registerInChat(frank, suite.server.url, 'frank');
    // The browser's own setting for this site, as a person who answered "Block" leaves it.
    const cdp = await camBrowser.newBrowserCDPSession();
    await cdp.send('Browser.setPermission', { permission: { name: 'camera' }, setting: 'denied', origin: suite.server.url });
    await openLinkDialog(frank);
    await frank.getByRole('button', { name: 'Scan the QR code' }).click();
    await expect.poll(async () => frank.getByRole('alert').textContent(), POLL).toMatch(/^Camera access was denied\..*scan from a picture, or paste the code\.$/);
    expect(await frank.getByLabel('Camera preview for scanning the QR code').count()).toBe(0);
  });

  it('without a camera: the words say so, and nothing else changes', async () => {
    // The first browser has no camera (no fake device): what a desktop without a webcam gets.
    const erin = await newChatPage(suite.browser, suite.contexts);
    await erin.context().grantPermissions(['camera'], { origin: suite.server.url });
    await registerInChat(erin, suite.server.url, 'erin');
    await openLinkDialog(erin);
    await erin.getByRole('button', { name: 'Scan the QR code' }).click();
    await expect.poll(async () => erin.getByRole('alert').textContent(), POLL).toMatch(/No camera was found on this device/);
    expect(await a11yViolations(erin, 'dialog[open]')).toEqual([]);
    await erin.getByRole('button', { name: 'Stop scanning' }).click();
    expect(await erin.getByRole('button', { name: 'Scan from a picture' }).count()).toBe(1);
    expect(await a11yViolations(erin, 'dialog[open]')).toEqual([]);
  });
});
