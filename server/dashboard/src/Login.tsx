import { useState } from 'react';
import { ApiError, type Me, call, sentence } from './api.ts';

export function Login({ onLoggedIn }: { onLoggedIn: (m: Me) => void }) {
  const [id, setId] = useState('');
  const [password, setPassword] = useState('');
  /** Shown once the server says this account has a second factor (totp_required). */
  const [needCode, setNeedCode] = useState(false);
  const [code, setCode] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onLoggedIn(await call('moderatorLogin', { body: { moderatorId: id.trim(), password, ...(needCode && code ? { totp: code.trim() } : {}) } }));
    } catch (err) {
      if (err instanceof ApiError && (err.code === 'totp_required' || err.code === 'totp_invalid' || err.code === 'totp_code_used')) {
        setNeedCode(true);
        setCode('');
        // totp_code_used: the code was right but already spent (e.g. just used to turn two-factor login on)
        setError(err.code === 'totp_required' ? 'Enter the six-digit code from your authenticator app.' : sentence(err.detail));
        return;
      }
      // rate_limited and the few-attempts-left warning come as one sentence from the server (hours and minutes)
      setError(err instanceof ApiError ? sentence(err.detail) : 'The server could not be reached.');
      setPassword('');
      setNeedCode(false);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main className="login" id="main">
      <h1>Moderation dashboard</h1>
      <form onSubmit={(e) => void submit(e)} aria-describedby={error ? 'login-error' : undefined}>
        <label htmlFor="login-id">Login name</label>
        <input id="login-id" name="username" autoComplete="username" value={id} onChange={(e) => setId(e.target.value)} required autoFocus />
        <label htmlFor="login-password">Password</label>
        <input id="login-password" name="password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} required />
        {needCode && (
          <>
            <label htmlFor="login-totp">Two-factor code</label>
            <input id="login-totp" name="totp" inputMode="numeric" autoComplete="one-time-code" pattern="[0-9]{6}" maxLength={6} value={code} onChange={(e) => setCode(e.target.value.replace(/\D/g, ''))} required autoFocus />
          </>
        )}
        {error && <p id="login-error" className="error" role="alert">{error}</p>}
        <button type="submit" disabled={busy}>{busy ? 'Signing in…' : 'Sign in'}</button>
      </form>
      <p className="hint">Accounts are created by an admin (<code>npm run admin -- moderators create</code> or the Staff page).</p>
    </main>
  );
}
