// The evidence export dialog (docs/MODERATION.md "Evidence packages"): nothing leaves until the admin has said
// why (a purpose from the list, plus details) and given the requester's reference when there is one. Both are
// signed into the package and recorded in the audit log.
import { useEffect, useId, useRef, useState } from 'react';
import { call } from './api.ts';

const PURPOSES = [
  'Lawful request from a law-enforcement authority',
  'Court order or subpoena',
  'Data access request from the person concerned',
  'Internal legal review',
  'Other',
] as const;

export interface EvidenceRequest {
  purpose: string;
  requestReference?: string;
}

export async function downloadEvidence(path: string, request: EvidenceRequest, say: (s: string) => void): Promise<void> {
  try {
    const res = await fetch(path, {
      method: 'POST', credentials: 'same-origin',
      headers: { 'content-type': 'application/json', 'x-csrf-token': (await call('moderatorSession')).csrfToken ?? '' },
      body: JSON.stringify(request),
    });
    if (!res.ok) {
      const p = (await res.json().catch(() => ({}))) as { detail?: string; code?: string };
      say(`Export refused: ${p.detail ?? res.status} (${p.code ?? 'error'})`);
      return;
    }
    const blob = await res.blob();
    const name = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? 'evidence.json';
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = name;
    a.click();
    URL.revokeObjectURL(a.href);
    say(`Signed evidence package exported for “${request.purpose}”${request.requestReference ? ` (reference ${request.requestReference})` : ''} (SHA-256 ${res.headers.get('x-evidence-sha256') ?? '?'}); the export is in the audit log. Verify with npm run evidence:verify.`);
  } catch {
    say('Export failed.');
  }
}

/** "Export signed evidence" button and its dialog, for a report or a case. */
export function EvidenceExport({ path, what, say, disabled }: { path: string; what: string; say: (s: string) => void; disabled?: boolean }) {
  const [open, setOpen] = useState(false);
  const [purpose, setPurpose] = useState('');
  const [details, setDetails] = useState('');
  const [reference, setReference] = useState('');
  const [busy, setBusy] = useState(false);
  const ids = useId();
  const first = useRef<HTMLSelectElement>(null);
  const opener = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (!open) return;
    first.current?.focus();
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && setOpen(false);
    addEventListener('keydown', onKey);
    return () => {
      removeEventListener('keydown', onKey);
      opener.current?.focus();
    };
  }, [open]);
  const needsDetails = purpose === 'Other';
  const stated = details.trim() ? `${purpose}: ${details.trim()}` : purpose;
  const ready = purpose !== '' && (!needsDetails || details.trim().length >= 3);
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    if (!ready) return;
    setBusy(true);
    await downloadEvidence(path, { purpose: stated, ...(reference.trim() ? { requestReference: reference.trim() } : {}) }, say);
    setBusy(false);
    setOpen(false);
  };
  return (
    <>
      <button ref={opener} type="button" disabled={disabled} aria-haspopup="dialog" onClick={() => setOpen(true)}>Export signed evidence</button>
      {open && (
        <div className="overlay" role="presentation">
          <div className="dialog" role="dialog" aria-modal="true" aria-labelledby={`${ids}-title`} data-testid="evidence-dialog">
            <h2 id={`${ids}-title`}>Export signed evidence: {what}</h2>
            <p className="muted">Only content the reporters revealed leaves. The purpose and the reference are signed into the package and recorded in the audit log.</p>
            <form className="stack" onSubmit={(e) => void submit(e)}>
              <label>
                Purpose (required)
                <select ref={first} value={purpose} onChange={(e) => setPurpose(e.target.value)} required aria-required="true">
                  <option value="">— why does this leave? —</option>
                  {PURPOSES.map((p) => <option key={p} value={p}>{p}</option>)}
                </select>
              </label>
              <label>
                Details{needsDetails ? ' (required)' : ' (optional)'}
                <input value={details} onChange={(e) => setDetails(e.target.value)} maxLength={300} required={needsDetails} placeholder="e.g. the requesting authority" />
              </label>
              <label>
                Request reference (case or order number; leave empty if there is none)
                <input value={reference} onChange={(e) => setReference(e.target.value)} maxLength={200} spellCheck={false} />
              </label>
              <div className="row">
                <button type="submit" className="primary" disabled={!ready || busy}>{busy ? 'Exporting…' : 'Export signed package'}</button>
                <button type="button" onClick={() => setOpen(false)}>Cancel</button>
              </div>
            </form>
          </div>
        </div>
      )}
    </>
  );
}
