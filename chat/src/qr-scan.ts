// Reading the new device's link code from its QR code (docs/PROTOCOL-linking.md L1): from camera frames or from a
// picture (a file or a pasted image). Whatever is read is only text: the dialog hands it to the same path as a pasted
// code, which alone decides whether it is a link code.
//
// The decoder is jsQR: pure JavaScript with no dependencies, so it runs under the chat's Content-Security-Policy
// (script-src 'self', no 'wasm-unsafe-eval': a WebAssembly decoder such as zxing-wasm would be refused) and needs no
// download at run time. The native BarcodeDetector is not used: desktop Chromium on Linux and Windows, and Firefox,
// have none, so a second decoder would only add a path most browsers never take. It is loaded when first needed (its
// own chunk, 130 kB, 46 kB gzipped): the chat page does not grow for the people who never link a device.

/** Frames and pictures are scaled down to this many pixels on the longer side before decoding: a QR code shown on a
 *  screen stays readable, and a 12-megapixel photo does not freeze the page. */
export const MAX_DECODE_SIDE = 1024;

/** Why no text came out of a picture, in words the dialog shows as they are. */
export class QrScanError extends Error {
  constructor(readonly code: 'not_an_image' | 'no_qr_code' | 'reader_unavailable', message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'QrScanError';
  }
}

/** Reads the text of the QR code in an RGBA image (ImageData's layout); null when there is none. */
export type QrReader = (rgba: Uint8ClampedArray, width: number, height: number) => string | null;

let reader: Promise<QrReader> | undefined;

/** The QR reader, loaded once (a failed load is tried again on the next call). */
export function loadQrReader(): Promise<QrReader> {
  reader ??= import('jsqr').then(
    ({ default: jsQR }): QrReader =>
      (rgba, width, height) => {
        // A QR code shown in dark mode is light on dark: try both.
        const found = jsQR(rgba, width, height, { inversionAttempts: 'attemptBoth' });
        return found && found.data.length > 0 ? found.data : null;
      },
    (e: unknown) => {
      reader = undefined;
      throw new QrScanError('reader_unavailable', 'The QR code reader could not be loaded. Check your connection and try again, or paste the code.', { cause: e });
    },
  );
  return reader;
}

/** The size to draw a `width`×`height` source at so that its longer side is at most `max` pixels. */
export function scaledSize(width: number, height: number, max = MAX_DECODE_SIDE): { width: number; height: number } {
  const k = Math.min(1, max / Math.max(width, height));
  return { width: Math.max(1, Math.round(width * k)), height: Math.max(1, Math.round(height * k)) };
}

/** Draws `source` (a video frame or a decoded picture) into `canvas`, scaled down, and decodes it. */
export function decodeQrFrom(read: QrReader, source: CanvasImageSource, width: number, height: number, canvas: HTMLCanvasElement | OffscreenCanvas): string | null {
  const size = scaledSize(width, height);
  canvas.width = size.width;
  canvas.height = size.height;
  const ctx = canvas.getContext('2d', { willReadFrequently: true }) as CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D | null;
  if (!ctx) return null;
  // Transparent pixels (a PNG with no background) are read as white, the paper a QR code is printed on.
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, size.width, size.height);
  ctx.drawImage(source, 0, 0, size.width, size.height);
  const img = ctx.getImageData(0, 0, size.width, size.height);
  return read(img.data, img.width, img.height);
}

/** The text of the QR code in a picture (a chosen file or a pasted image); throws QrScanError otherwise. */
export async function decodeQrImage(picture: Blob): Promise<string> {
  const read = await loadQrReader();
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(picture);
  } catch {
    throw new QrScanError('not_an_image', 'That file is not a picture this browser can open. Choose a screenshot or photo of the QR code (PNG or JPEG).');
  }
  try {
    const canvas = typeof OffscreenCanvas === 'function' ? new OffscreenCanvas(1, 1) : document.createElement('canvas');
    const text = decodeQrFrom(read, bitmap, bitmap.width, bitmap.height, canvas);
    if (text === null)
      throw new QrScanError('no_qr_code', 'No QR code was found in that picture. Use a picture where the whole QR code is sharp and visible, or paste the code as text.');
    return text;
  } finally {
    bitmap.close();
  }
}

/** The first image among pasted or dropped items, if any. */
export function imageFromClipboard(data: DataTransfer | null): File | null {
  if (!data) return null;
  for (const f of Array.from(data.files)) if (f.type.startsWith('image/')) return f;
  return null;
}

/** The camera could not be used: why, in words the dialog shows as they are (getUserMedia's DOMException names). */
export function cameraProblem(e: unknown): string {
  const name = e instanceof DOMException || e instanceof Error ? e.name : '';
  switch (name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return 'Camera access was denied. Allow the camera for this site in your browser’s settings and try again, or scan from a picture, or paste the code.';
    case 'NotFoundError':
    case 'OverconstrainedError':
      return 'No camera was found on this device. Scan from a picture (a screenshot or photo of the QR code), or paste the code.';
    case 'NotReadableError':
    case 'AbortError':
      return 'The camera could not be started: another app may be using it. Close that app and try again, or paste the code.';
    default:
      return 'The camera could not be started. Scan from a picture, or paste the code.';
  }
}

/** Why this page cannot ask for the camera at all (null when it can). */
export function cameraUnavailable(): string | null {
  if (!window.isSecureContext) return 'The camera can be used only on a secure (https) page. Scan from a picture, or paste the code.';
  if (!navigator.mediaDevices?.getUserMedia) return 'This browser gives no access to a camera. Scan from a picture, or paste the code.';
  return null;
}
