import { useState } from 'react';
import { ApiError, type Me, call } from './api.ts';

export function Login({ onLoggedIn }: { onLoggedIn: (m: Me) => void }) {
  const [id, setId] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onLoggedIn(await call<Me>('POST', '/v1/mod/session', { moderatorId: id.trim(), password }));
    } catch (err) {
      setError(err instanceof ApiError ? err.message : 'The server could not be reached.');
      setPassword('');
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
        {error && <p id="login-error" className="error" role="alert">{error}</p>}
        <button type="submit" disabled={busy}>{busy ? 'Signing in…' : 'Sign in'}</button>
      </form>
      <p className="hint">Accounts are created by an admin (<code>npm run admin -- moderators create</code> or the Staff page).</p>
    </main>
  );
}
