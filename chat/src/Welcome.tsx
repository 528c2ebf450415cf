// First visit: choose a handle. Keys are generated here and stored in this browser only.
import { LockIcon } from './Icons.tsx';
import { type FormEvent, useEffect, useState } from 'react';
import type { ChatEngine } from './engine.ts';
import type { PowProgress } from './pow.ts';
import { InviteField, PowStatus } from './SignupGate.tsx';
import { errorText } from './wording.ts';

export function Welcome({ engine, banner }: { engine: ChatEngine; banner: string | null }) {
  const [handle, setHandle] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // Registration gate (docs/MODERATION.md "Registration gate"): invite code field, proof-of-work progress.
  const [gate, setGate] = useState<'open' | 'invite' | 'pow' | null>(null);
  const [invite, setInvite] = useState('');
  const [pow, setPow] = useState<PowProgress | null>(null);
  useEffect(() => {
    engine.registrationGate().then(setGate, () => setGate(null));
  }, [engine]);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setPow(null);
    try {
      await engine.register(handle.trim(), { invite, onPow: setPow });
    } catch (err) {
      setError(errorText(err));
      setBusy(false);
      setPow(null);
    }
  }

  return (
    <main className="welcome">
      <div className="card">
        <h1>
          <LockIcon size={22} /> franking-chat
        </h1>
        <p className="lead">End-to-end encrypted chat where abuse can still be reported — and every report can be verified.</p>
        {banner && (
          <p className="banner warn" role="alert">
            {banner}
          </p>
        )}
        <form onSubmit={submit} aria-describedby="keys-note" noValidate>
          <label htmlFor="handle">Choose a handle</label>
          <div className="row">
            <input
              id="handle"
              name="handle"
              autoComplete="username"
              autoFocus
              required
              minLength={3}
              maxLength={32}
              pattern="[A-Za-z0-9._\-]{3,32}"
              value={handle}
              onChange={(e) => {
                setHandle(e.target.value);
                setError(null);
              }}
              aria-invalid={error ? true : undefined}
              aria-describedby={error ? 'handle-error handle-hint' : 'handle-hint'}
            />
            <button type="submit" className="primary" disabled={busy}>
              {busy ? (pow ? 'Checking…' : 'Creating keys…') : 'Create account'}
            </button>
          </div>
          {gate === 'invite' && <InviteField value={invite} onChange={setInvite} />}
          {busy && pow && <PowStatus progress={pow} />}
          <p id="handle-hint" className="hint">
            3–32 letters, digits, dots, dashes or underscores. Others add you by this handle.
          </p>
          {error && (
            <p id="handle-error" className="error" role="alert">
              {error}
            </p>
          )}
        </form>
        <ul id="keys-note" className="promises">
          <li>Your encryption keys are created in this browser and never leave it. There is no password: this browser is your login.</li>
          <li>The server relays only ciphertext. It cannot read your messages.</li>
          <li>Only messages you choose to report are ever revealed, and only to moderators.</li>
        </ul>
      </div>
    </main>
  );
}
