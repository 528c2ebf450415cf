// First visit: create an account (keys generated here), link this browser to an existing account (docs/PROTOCOL-linking.md),
// restore an account from its recovery kit (docs/PROTOCOL-devices.md D6.5), or without one reset it under the
// operator's handle release (D6.6).
import { LockIcon } from './Icons.tsx';
import { type FormEvent, useEffect, useState } from 'react';
import type { ChatEngine } from './engine.ts';
import type { PowProgress } from './pow.ts';
import { NewDeviceLinkPanel } from './LinkDevice.tsx';
import { RestoreFromKit } from './RecoveryKit.tsx';
import { InviteField, PowStatus } from './SignupGate.tsx';
import { errorText } from './wording.ts';

type Mode = 'create' | 'link' | 'restore';
const MODES: Array<[Mode, string]> = [['create', 'Create account'], ['link', 'Link to an existing account'], ['restore', 'Restore from recovery kit']];

export function Welcome({ engine, banner }: { engine: ChatEngine; banner: string | null }) {
  const [mode, setMode] = useState<Mode>('create');
  const [handle, setHandle] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // Registration gate (docs/MODERATION.md "Registration gate"): invite code field, proof-of-work progress.
  const [gate, setGate] = useState<'open' | 'invite' | 'pow' | null>(null);
  const [invite, setInvite] = useState('');
  const [pow, setPow] = useState<PowProgress | null>(null);
  useEffect(() => {
    engine.registrationGate().then(setGate, () => setGate(null));
    // A reset waiting for support's release (D6.6) reopens where it was.
    engine.pendingReset().then((r) => r && setMode('restore'), () => undefined);
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
        <div className="tabs" role="tablist" aria-label="How to start">
          {MODES.map(([m, text]) => (
            <button key={m} type="button" role="tab" id={`tab-${m}`} aria-selected={mode === m} aria-controls={`panel-${m}`} className={mode === m ? 'tab active' : 'tab'} onClick={() => setMode(m)}>
              {text}
            </button>
          ))}
        </div>
        {mode === 'link' && (
          <div role="tabpanel" id="panel-link" aria-labelledby="tab-link">
            <NewDeviceLinkPanel engine={engine} />
          </div>
        )}
        {mode === 'restore' && (
          <div role="tabpanel" id="panel-restore" aria-labelledby="tab-restore">
            <RestoreFromKit engine={engine} />
          </div>
        )}
        {mode === 'create' && (
        <form id="panel-create" role="tabpanel" aria-labelledby="tab-create" onSubmit={submit} aria-describedby="keys-note" noValidate>
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
        )}
        <ul id="keys-note" className="promises">
          <li>Each of your devices has its own encryption keys, made on that device; private keys never leave it. Link your phone and laptop to the same account, and keep a recovery kit in case you lose them all.</li>
          <li>The server relays only ciphertext. It cannot read your messages.</li>
          <li>Only messages you choose to report are ever revealed, and only to moderators.</li>
        </ul>
      </div>
    </main>
  );
}
