// The camera view of "Link a device" (docs/PROTOCOL-linking.md L1): a live preview from the rear camera where there
// is one, frames decoded a few times a second (chat/src/qr-scan.ts) until a QR code is read. The camera is switched
// off (every track stopped) as soon as a code is read, when the person closes the view, and when it unmounts.
import { useEffect, useRef, useState } from 'react';
import { type QrReader, QrScanError, cameraProblem, cameraUnavailable, decodeQrFrom, loadQrReader } from './qr-scan.ts';

/** Between two decoded frames: fast enough to feel instant, slow enough to leave a phone's CPU alone. */
const FRAME_MS = 150;

export function QrCameraScanner({ onText, onClose }: { onText: (text: string) => void; onClose: () => void }) {
  const video = useRef<HTMLVideoElement>(null);
  const [status, setStatus] = useState('Starting the camera…');
  const [problem, setProblem] = useState<string | null>(null);
  // The latest callback, so that a re-render of the dialog does not restart the camera.
  const found = useRef(onText);
  found.current = onText;

  useEffect(() => {
    let stream: MediaStream | null = null;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    const canvas = document.createElement('canvas');
    const stop = () => {
      stopped = true;
      clearTimeout(timer);
      for (const t of stream?.getTracks() ?? []) t.stop();
      stream = null;
      if (video.current) video.current.srcObject = null;
    };
    const scan = (read: QrReader) => {
      if (stopped) return;
      const v = video.current;
      if (v && v.readyState >= HTMLMediaElement.HAVE_CURRENT_DATA && v.videoWidth > 0) {
        const text = decodeQrFrom(read, v, v.videoWidth, v.videoHeight, canvas);
        if (text !== null) {
          stop();
          setStatus('QR code read.');
          found.current(text);
          return;
        }
      }
      timer = setTimeout(() => scan(read), FRAME_MS);
    };
    const unavailable = cameraUnavailable();
    if (unavailable) {
      setProblem(unavailable);
      return stop;
    }
    // The rear camera where there is one (a phone pointed at the other screen); any camera otherwise.
    // The reader loads while the person answers the camera prompt.
    const reading = loadQrReader();
    reading.catch(() => undefined);
    navigator.mediaDevices.getUserMedia({ video: { facingMode: { ideal: 'environment' } }, audio: false }).then(
      async (s) => {
        if (stopped) {
          for (const t of s.getTracks()) t.stop();
          return;
        }
        stream = s;
        const v = video.current;
        if (!v) return;
        v.srcObject = s;
        await v.play().catch(() => undefined);
        let read: QrReader;
        try {
          read = await reading;
        } catch (e) {
          if (!stopped) setProblem(e instanceof QrScanError ? e.message : cameraProblem(e));
          stop();
          return;
        }
        if (stopped) return;
        setStatus('Point the camera at the QR code on the new device.');
        scan(read);
      },
      (e: unknown) => {
        if (!stopped) setProblem(cameraProblem(e));
      },
    );
    return stop;
  }, []);

  return (
    <div className="qr-camera">
      {!problem && <video ref={video} className="qr-video" aria-label="Camera preview for scanning the QR code" muted playsInline autoPlay />}
      {problem ? (
        <p className="error" role="alert">
          {problem}
        </p>
      ) : (
        <p role="status" aria-live="polite">
          {status}
        </p>
      )}
      <button type="button" onClick={onClose}>
        Stop scanning
      </button>
    </div>
  );
}
