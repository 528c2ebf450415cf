// The recovery kit (docs/PROTOCOL-devices.md D2.4, D6.5): a code to keep offline that takes the account back on a new
// browser when every device is lost. It restores the account, its safety numbers and its place in groups — not
// messages (those come only from a device, by linking). Whoever holds it can take the account over, visibly.
import { type FormEvent, useState } from 'react';
import type { ChatEngine } from './engine.ts';
import { errorText } from './wording.ts';

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

/** On the welcome page: "Restore from recovery kit". */
export function RestoreFromKit({ engine }: { engine: ChatEngine }) {
  const [handle, setHandle] = useState('');
  const [kit, setKit] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
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
  return (
    <form className="link-panel" onSubmit={submit}>
      <p>Use this when none of your devices is left. Every old device of the account is signed out; your contacts see that the account was restored with a kit.</p>
      <label htmlFor="restore-handle">Your handle</label>
      <input id="restore-handle" value={handle} onChange={(e) => setHandle(e.target.value)} autoComplete="username" required />
      <label htmlFor="restore-kit">Recovery kit</label>
      <textarea id="restore-kit" rows={2} value={kit} onChange={(e) => setKit(e.target.value)} required />
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <button type="submit" className="primary" disabled={busy || !handle.trim() || !kit.trim()}>
        {busy ? 'Restoring…' : 'Restore account'}
      </button>
    </form>
  );
}
