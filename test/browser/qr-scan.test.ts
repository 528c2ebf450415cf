// The chat's QR reader (chat/src/qr-scan.ts) in Chromium, on pictures made here: QR codes drawn by the encoder the
// new device uses (the qrcode package), plain, light on dark, inside a large photo-sized picture; and pictures that
// hold no QR code or are no picture at all, which must fail with their own words (docs/PROTOCOL-linking.md L1).
import QRCode from 'qrcode';
import { describe, expect, it } from 'vitest';
import { MAX_DECODE_SIDE, QrScanError, decodeQrImage, scaledSize } from '../../chat/src/qr-scan.ts';

const TEXT = 'FCLINK1-AXnDnjggOkOCI9hVIHPjjSJXGCMsX0QiW44Q-PqJzOhD6oGd74pVbmHYBTHJd-PacEY-bdWLULHbBdLJ074dVsxIA';

/** A PNG of `canvas`. */
async function png(canvas: HTMLCanvasElement): Promise<Blob> {
  return new Promise((resolve, reject) => canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('toBlob failed'))), 'image/png'));
}

/** `text` as a QR code drawn on a `size`×`size` canvas (dark modules on light, or inverted), placed at (x, y). */
async function qrPicture(text: string, opts: { size?: number; inverted?: boolean; canvas?: [number, number]; at?: [number, number] } = {}): Promise<Blob> {
  const qr = document.createElement('canvas');
  const dark = opts.inverted ? '#ffffffff' : '#000000ff';
  const light = opts.inverted ? '#000000ff' : '#ffffffff';
  await QRCode.toCanvas(qr, text, { errorCorrectionLevel: 'M', margin: 2, width: opts.size ?? 240, color: { dark, light } });
  if (!opts.canvas) return png(qr);
  const big = document.createElement('canvas');
  [big.width, big.height] = opts.canvas;
  const ctx = big.getContext('2d');
  if (!ctx) throw new Error('no 2d context');
  ctx.fillStyle = '#d8d0c0';
  ctx.fillRect(0, 0, big.width, big.height);
  ctx.drawImage(qr, ...(opts.at ?? [0, 0]));
  return png(big);
}

async function failure(p: Promise<unknown>): Promise<QrScanError> {
  const e = await p.then(() => null, (err: unknown) => err);
  expect(e).toBeInstanceOf(QrScanError);
  return e as QrScanError;
}

describe('reading a QR code from a picture', () => {
  it('reads the link code from a QR code as the new device draws it', async () => {
    expect(await decodeQrImage(await qrPicture(TEXT))).toBe(TEXT);
  });

  it('reads a QR code shown light on dark (a screen in dark mode)', async () => {
    expect(await decodeQrImage(await qrPicture(TEXT, { inverted: true }))).toBe(TEXT);
  });

  it('reads a QR code in a large photo-sized picture, scaled down first', async () => {
    expect(scaledSize(4000, 3000)).toEqual({ width: MAX_DECODE_SIDE, height: 768 });
    expect(scaledSize(300, 200)).toEqual({ width: 300, height: 200 });
    const photo = await qrPicture(TEXT, { size: 1400, canvas: [4000, 3000], at: [1900, 900] });
    expect(await decodeQrImage(photo)).toBe(TEXT);
  });

  it('says so when a picture holds no QR code', async () => {
    const c = document.createElement('canvas');
    c.width = 400;
    c.height = 300;
    const ctx = c.getContext('2d');
    if (!ctx) throw new Error('no 2d context');
    const g = ctx.createLinearGradient(0, 0, 400, 300);
    g.addColorStop(0, '#204080');
    g.addColorStop(1, '#f0e0a0');
    ctx.fillStyle = g;
    ctx.fillRect(0, 0, 400, 300);
    ctx.fillStyle = '#000';
    ctx.font = '40px sans-serif';
    ctx.fillText('not a QR code', 40, 160);
    const e = await failure(decodeQrImage(await png(c)));
    expect(e.code).toBe('no_qr_code');
    expect(e.message).toMatch(/^No QR code was found in that picture/);
  });

  it('says so when the file is no picture', async () => {
    const e = await failure(decodeQrImage(new Blob([TEXT], { type: 'text/plain' })));
    expect(e.code).toBe('not_an_image');
    expect(e.message).toMatch(/^That file is not a picture this browser can open/);
  });

  it('reads whatever text a QR code holds: deciding whether it is a link code is left to the pasted-code path', async () => {
    expect(await decodeQrImage(await qrPicture('https://example.org/not-a-link-code'))).toBe('https://example.org/not-a-link-code');
  });
});
