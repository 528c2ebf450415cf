// Linking a device (docs/PROTOCOL-linking.md L1), both screens: the new browser shows its link code (QR code and the
// same text to paste) and then the short code; an existing device scans the QR code (camera, or a picture of it) or takes
// the pasted code — a scanned code goes the same way as a pasted one —, shows the same short code with the new device's
// name, and links it only when the person confirms, choosing whether message history comes.
import QRCode from 'qrcode';
import { useEffect, useRef, useState } from 'react';
import type { ChatEngine, ExistingLinkProgress, LinkDecision, NewLinkProgress } from './engine.ts';
import { QrScanError, decodeQrImage, imageFromClipboard } from './qr-scan.ts';
import { QrCameraScanner } from './qr-scan-camera.tsx';
import { errorText } from './wording.ts';

/** The short code as both devices show it: large, spaced, read out the same on both. */
function ShortCode({ code }: { code: string }) {
  return (
    <p className="short-code" data-testid="short-code" aria-label={`Short code ${code.split('').join(' ')}`}>
      {code}
    </p>
  );
}

/** On the new browser (the welcome page): "Link to an existing account". */
export function NewDeviceLinkPanel({ engine }: { engine: ChatEngine }) {
  const [name, setName] = useState('This browser');
  const [progress, setProgress] = useState<NewLinkProgress | null>(null);
  const [qr, setQr] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const abort = useRef<AbortController | null>(null);
  useEffect(() => () => abort.current?.abort(), []);

  async function start() {
    setError(null);
    setQr(null);
    abort.current?.abort();
    const ctl = (abort.current = new AbortController());
    try {
      await engine.linkAsNewDevice(name, (p) => {
        setProgress(p);
        if (p.stage === 'code') void QRCode.toDataURL(p.text, { errorCorrectionLevel: 'M', margin: 1, width: 232 }).then(setQr, () => setQr(null));
      }, ctl.signal);
    } catch (e) {
      if (ctl.signal.aborted) return;
      setError(errorText(e));
      setProgress(null);
    }
  }

  if (!progress)
    return (
      <div className="link-panel">
        <p>Open the chat on a device where you are already signed in, choose <strong>Linked devices</strong> → <strong>Link a device</strong>, and scan the QR code this browser shows (or enter its link code).</p>
        <label htmlFor="device-name">Name for this device</label>
        <div className="row">
          <input id="device-name" value={name} maxLength={64} onChange={(e) => setName(e.target.value)} autoComplete="off" />
          <button type="button" className="primary" onClick={() => void start()}>
            Show link code
          </button>
        </div>
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
      </div>
    );

  return (
    <div className="link-panel" aria-live="polite">
      {progress.stage === 'code' && (
        <>
          <p>On your other device, open <strong>Linked devices</strong> → <strong>Link a device</strong> and scan this QR code, or paste the link code below (the same text). It works for 10 minutes and only once.</p>
          {qr && <img className="qr" src={qr} width={232} height={232} alt="QR code of the link code (the same as the text below)" />}
          <label htmlFor="link-code-text">Link code</label>
          <textarea id="link-code-text" data-testid="link-code" readOnly rows={3} value={progress.text} onFocus={(e) => e.currentTarget.select()} />
          <button type="button" onClick={() => void navigator.clipboard?.writeText(progress.text).catch(() => undefined)}>
            Copy code
          </button>
        </>
      )}
      {(progress.stage === 'compare' || progress.stage === 'joining') && (
        <>
          <p>Check that your other device shows the same code, and confirm there:</p>
          <ShortCode code={progress.shortCode} />
          {progress.stage === 'joining' && <p>Joining the account <strong>{progress.accountId}</strong>…</p>}
          <p className="hint">If the codes differ, cancel on your other device: someone else may be in between.</p>
        </>
      )}
      {progress.stage === 'receiving' && <p>Linked. Receiving your contacts and conversations…</p>}
      {progress.stage === 'done' && <p>This browser is now one of your devices.</p>}
      <button
        type="button"
        className="link"
        onClick={() => {
          abort.current?.abort();
          setProgress(null);
        }}
      >
        Cancel
      </button>
    </div>
  );
}

/** On an existing device: scan or paste the code, compare the short code, confirm, choose history. */
export function LinkDeviceDialog({ engine, onClose }: { engine: ChatEngine; onClose: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const [code, setCode] = useState('');
  const [progress, setProgress] = useState<ExistingLinkProgress | null>(null);
  const [history, setHistory] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [scanning, setScanning] = useState(false);
  const [scanNote, setScanNote] = useState('');
  const picture = useRef<HTMLInputElement>(null);
  const answer = useRef<((d: LinkDecision) => void) | null>(null);
  const abort = useRef<AbortController | null>(null);
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
    return () => abort.current?.abort();
  }, []);

  async function connect(text = code) {
    setError(null);
    const ctl = (abort.current = new AbortController());
    try {
      await engine.linkFromThisDevice(text, setProgress, () => new Promise<LinkDecision>((resolve) => (answer.current = resolve)), ctl.signal);
    } catch (e) {
      if (ctl.signal.aborted) return;
      setError(errorText(e));
      setProgress(null);
    }
  }
  // A scanned code is handled exactly as a pasted one: into the field, then Continue.
  const scanned = (text: string) => {
    setScanning(false);
    setScanNote('QR code read.');
    setCode(text);
    void connect(text);
  };
  async function scanPicture(file: File | undefined) {
    if (!file) return;
    setError(null);
    setScanning(false);
    setScanNote('Reading the QR code in the picture…');
    try {
      scanned(await decodeQrImage(file));
    } catch (e) {
      setScanNote('');
      setError(e instanceof QrScanError ? e.message : String(e));
    }
  }
  const decide = (link: boolean) => {
    answer.current?.({ link, history });
    answer.current = null;
  };

  return (
    <dialog
      ref={ref}
      className="dialog"
      aria-labelledby="link-device-title"
      onClose={onClose}
      onPaste={(e) => {
        // A pasted screenshot of the QR code is read like a chosen picture; pasted text goes into the field as usual.
        const image = progress ? null : imageFromClipboard(e.clipboardData);
        if (!image) return;
        e.preventDefault();
        void scanPicture(image);
      }}
    >
      <h2 id="link-device-title">Link a device</h2>
      {!progress && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void connect();
          }}
        >
          <p>On the new device, choose <strong>Link to an existing account</strong>. Scan the QR code it shows, or paste its link code here.</p>
          {scanning ? (
            <QrCameraScanner onText={scanned} onClose={() => setScanning(false)} />
          ) : (
            <div className="scan-buttons">
              <button
                type="button"
                onClick={() => {
                  setError(null);
                  setScanNote('');
                  setScanning(true);
                }}
              >
                Scan the QR code
              </button>
              <button type="button" onClick={() => picture.current?.click()}>
                Scan from a picture
              </button>
              <input
                ref={picture}
                type="file"
                accept="image/*"
                hidden
                aria-label="Picture of the QR code"
                onChange={(e) => {
                  const file = e.currentTarget.files?.[0];
                  e.currentTarget.value = '';
                  void scanPicture(file);
                }}
              />
            </div>
          )}
          <p className="hint" role="status" aria-live="polite">
            {scanNote}
          </p>
          <label htmlFor="link-code-input">Link code</label>
          <textarea id="link-code-input" rows={3} value={code} onChange={(e) => setCode(e.target.value)} placeholder="FCLINK1-…" autoFocus />
          <p className="hint">Only link a device you own and have in front of you. A linked device can read every new message of your account.</p>
          {error && (
            <p className="error" role="alert">
              {error}
            </p>
          )}
          <div className="actions">
            <button type="button" onClick={() => ref.current?.close()}>
              Close
            </button>
            <button type="submit" className="primary" disabled={!code.trim()}>
              Continue
            </button>
          </div>
        </form>
      )}
      {progress && (progress.stage === 'connecting' || progress.stage === 'compare') && <p aria-live="polite">Connecting to the new device…</p>}
      {progress?.stage === 'confirm' && (
        <div>
          <p>
            Does <strong>{progress.name}</strong> show this code?
          </p>
          <ShortCode code={progress.shortCode} />
          <label className="check">
            <input type="checkbox" checked={history} onChange={(e) => setHistory(e.target.checked)} /> Also copy message history (so old messages can be read and reported from it)
          </label>
          <p className="hint">Contacts and conversations always come along. Nothing is copied through the server in a form it can read.</p>
          <div className="actions">
            <button type="button" onClick={() => decide(false)}>
              Codes differ — cancel
            </button>
            <button type="button" className="primary" onClick={() => decide(true)}>
              Codes match — link device
            </button>
          </div>
        </div>
      )}
      {(progress?.stage === 'linking' || progress?.stage === 'sending') && <p aria-live="polite">{progress.stage === 'linking' ? 'Linking…' : 'Sending contacts and history…'}</p>}
      {progress?.stage === 'done' && (
        <>
          <p role="status">The device is linked. It receives your messages from now on.</p>
          <div className="actions">
            <button type="button" className="primary" onClick={() => ref.current?.close()}>
              Done
            </button>
          </div>
        </>
      )}
    </dialog>
  );
}
