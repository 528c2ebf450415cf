// In-app image viewer (chat/README.md "Images"): a received image opens here, enlarged, with "Save image" — a data: or blob:
// URL in a new tab is blocked by Chromium, and a viewer keeps the verified bytes inside the app.
import { useEffect, useRef } from 'react';

export function ImageViewer({ url, alt, fileName, onClose }: { url: string; alt: string; fileName: string; onClose: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
  }, []);
  return (
    <dialog ref={ref} className="dialog viewer" aria-label="Image" onClose={onClose} onClick={(e) => e.target === ref.current && ref.current?.close()}>
      <img src={url} alt={alt} />
      <div className="actions">
        <a className="button-like" href={url} download={fileName}>
          Save image
        </a>
        <button type="button" className="primary" autoFocus onClick={() => ref.current?.close()}>
          Close
        </button>
      </div>
    </dialog>
  );
}
