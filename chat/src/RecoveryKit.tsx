// The recovery kit (docs/PROTOCOL-devices.md D2.4, D6.5): a code to keep offline that takes the account back on a new
// browser when every device is lost. It restores the account, its safety numbers and its place in groups — not
// messages (those come only from a device, by linking). Whoever holds it can take the account over, visibly. Without
// it, a reset under the operator's handle release (D6.6): a new identity, shown to every contact.
import { type FormEvent, useEffect, useState } from 'react';
import type { ChatEngine } from './engine.ts';
import { kitFileName, kitFileText, parseKitFile } from './recovery-kit-file.ts';
import { errorText } from './wording.ts';

/** Offers `text` as a file download (the kit never leaves this browser otherwise). */
function saveTextFile(name: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/plain;charset=utf-8' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** In "Linked devices": create (or replace) the kit and show it once. */
export function RecoveryKitSection({ engine }: { engine: ChatEngine }) {
  const [kit, setKit] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  async function create() {
    setBusy(true);
    setError(null);
    try {
      setKit(await engine.createRecoveryKit());
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  }
  return (
    <section aria-labelledby="kit-title">
      <h3 id="kit-title">Recovery kit</h3>
      <ul className="plain-list">
        <li>If you lose every device, the kit takes your account back on a new browser: your handle, your contacts&apos; safety numbers and your groups.</li>
        <li>It does not bring back messages. There is no copy of your messages on the server.</li>
        <li>Anyone who has the kit can take over your account (your devices and contacts would see it). Keep it offline, like a spare key. A new kit replaces the old one.</li>
      </ul>
      {kit ? (
        <>
          <label htmlFor="kit-text">Your recovery kit — write it down or save it somewhere safe now</label>
          <textarea id="kit-text" data-testid="recovery-kit" readOnly rows={2} value={kit} onFocus={(e) => e.currentTarget.select()} />
          <div className="row">
            <button type="button" onClick={() => {
              const me = engine.getSnapshot().me ?? 'account';
              saveTextFile(kitFileName(me), kitFileText(me, kit, location.origin));
            }}>
              Save as a file
            </button>
          </div>
        </>
      ) : (
        <button type="button" onClick={() => void create()} disabled={busy}>
          {busy ? 'Creating…' : 'Create recovery kit'}
        </button>
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}

/**
 * On the welcome page, with neither device nor kit (docs/PROTOCOL-devices.md D6.6): this browser makes the account's
 * new keys (kept here from the start) and shows their reset code; support checks the account is the person's and
 * releases the handle for that code; "Complete reset" then makes this browser the account's only device — a new
 * identity: every contact sees the safety number change, groups must add the account again, messages are not restored.
 */
export function ResetAccount({ engine, onBack }: { engine: ChatEngine; onBack: () => void }) {
  const [handle, setHandle] = useState('');
  const [waiting, setWaiting] = useState<{ accountId: string; code: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    engine.pendingReset().then(setWaiting, () => setWaiting(null));
  }, [engine]);

  async function run(fn: () => Promise<unknown>) {
    setBusy(true);
    setError(null);
    try {
      await fn();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  }

  if (!waiting) {
    return (
      <form className="link-panel" data-testid="reset-start" onSubmit={(e) => { e.preventDefault(); void run(async () => setWaiting(await engine.beginReset(handle))); }}>
        <p>Lost every device <em>and</em> your recovery kit? The operator&apos;s support can release your handle to this browser after checking that the account is yours.</p>
        <ul className="plain-list">
          <li>Your account gets new keys: every contact sees “your safety number changed — the account was reset”.</li>
          <li>Your groups drop you until a member adds you again. No message comes back: there is no copy of your messages on the server.</li>
        </ul>
        <label htmlFor="reset-handle">Your handle</label>
        <input id="reset-handle" value={handle} onChange={(e) => setHandle(e.target.value)} autoComplete="username" required />
        {error && <p className="error" role="alert">{error}</p>}
        <div className="row">
          <button type="submit" className="primary" disabled={busy || !handle.trim()}>{busy ? 'Making keys…' : 'Show my reset code'}</button>
          <button type="button" onClick={onBack}>Back to the recovery kit</button>
        </div>
      </form>
    );
  }
  return (
    <div className="link-panel" data-testid="reset-waiting">
      <p>Tell support your handle <strong>{waiting.accountId}</strong> and this reset code. It belongs to this browser only: keep this page (you can close and reopen it).</p>
      {/* Groups of five, three to a line (as the safety number): a narrow card never breaks the code at an odd place. */}
      <p className="safety-number reset-code" data-testid="reset-code" aria-label="Reset code">
        {waiting.code.split(' ').map((g, i, all) => <span key={i}>{i > 0 ? ' ' : ''}<span className="digits">{g}</span>{i % 3 === 2 && i < all.length - 1 ? <br /> : null}</span>)}
      </p>
      <p>Once support says your handle is released, press “Complete reset”.</p>
      {error && <p className="error" role="alert">{error}</p>}
      <div className="row">
        <button type="button" className="primary" disabled={busy} onClick={() => void run(() => engine.completeReset())}>{busy ? 'Resetting…' : 'Complete reset'}</button>
        <button type="button" disabled={busy} onClick={() => void run(async () => { await engine.cancelReset(); setWaiting(null); })}>Cancel reset</button>
      </div>
    </div>
  );
}

/** On the welcome page: "Restore from recovery kit", and the way to a reset without one. */
export function RestoreFromKit({ engine }: { engine: ChatEngine }) {
  const [handle, setHandle] = useState('');
  const [kit, setKit] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [noKit, setNoKit] = useState(false);
  useEffect(() => {
    engine.pendingReset().then((r) => r && setNoKit(true), () => undefined);
  }, [engine]);
  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await engine.restoreFromKit(handle, kit);
    } catch (err) {
      setError(errorText(err));
      setBusy(false);
    }
  }
  if (noKit) return <ResetAccount engine={engine} onBack={() => setNoKit(false)} />;
  return (
    <form className="link-panel" onSubmit={submit}>
      <p>Use this when none of your devices is left. Every old device of the account is signed out; your contacts see that the account was restored with a kit.</p>
      <label htmlFor="restore-handle">Your handle</label>
      <input id="restore-handle" value={handle} onChange={(e) => setHandle(e.target.value)} autoComplete="username" required />
      <label htmlFor="restore-kit">Recovery kit</label>
      <textarea id="restore-kit" rows={2} value={kit} onChange={(e) => setKit(e.target.value)} required />
      <label htmlFor="restore-kit-file">Or open the kit file you saved</label>
      <input
        id="restore-kit-file"
        type="file"
        accept=".txt,text/plain"
        onChange={(e) => {
          const file = e.currentTarget.files?.[0];
          e.currentTarget.value = '';
          if (!file) return;
          setError(null);
          file.text().then((text) => {
            const read = file.size <= 16_384 ? parseKitFile(text) : null;
            if (!read) return setError('That file is not a recovery kit. Choose the file you saved from "Linked devices", or paste the kit.');
            setKit(read.kit);
            if (read.handle) setHandle(read.handle);
          }, () => setError('That file could not be read.'));
        }}
      />
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <div className="row">
        <button type="submit" className="primary" disabled={busy || !handle.trim() || !kit.trim()}>
          {busy ? 'Restoring…' : 'Restore account'}
        </button>
        <button type="button" onClick={() => setNoKit(true)}>No kit? Reset the account</button>
      </div>
    </form>
  );
}
