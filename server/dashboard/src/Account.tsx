// "My account" (docs/MODERATION.md "Roles and staff accounts"): change your own password, and turn TOTP two-factor login on or off. The secret is
// shown as a QR code (drawn here by the qrcode library: the secret never leaves the page), as text and as its
// otpauth:// URI; it becomes active only after a code from it is confirmed. A mistyped code keeps the session
// (400 totp_mismatch). Lost your device? An admin's password reset removes the second factor.
import { useEffect, useState } from 'react';
import QRCode from 'qrcode';
import { ApiError, type Me, call, sentence } from './api.ts';

/** The otpauth:// URI as a QR code (SVG as a data: URL: the CSP allows `img-src data:`, no script or network). */
function TotpQr({ uri }: { uri: string }) {
  const [src, setSrc] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 })
      .then((svg) => live && setSrc(`data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`))
      .catch(() => live && setSrc(null));
    return () => {
      live = false;
    };
  }, [uri]);
  return src ? <img className="totp-qr" src={src} width={200} height={200} alt="QR code for your authenticator app (the same secret as the key below)" data-testid="totp-qr" /> : null;
}

export function Account({ me, onChanged, onAuthError }: { me: Me; onChanged: () => void; onAuthError: (e: unknown) => void }) {
  const [status, setStatus] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [pw, setPw] = useState({ current: '', next: '', again: '' });
  const [enrol, setEnrol] = useState<{ secret: string; uri: string } | null>(null);
  const [code, setCode] = useState('');
  const [off, setOff] = useState({ password: '', code: '' });
  const twoFactor = Boolean(me.moderator.twoFactor);

  const run = async (ok: string, fn: () => Promise<unknown>) => {
    setError(null);
    setStatus(null);
    try {
      await fn();
      setStatus(ok);
      return true;
    } catch (e) {
      onAuthError(e);
      setError(e instanceof ApiError ? sentence(e.detail) : 'Request failed.');
      return false;
    }
  };

  const changePassword = async (e: React.FormEvent) => {
    e.preventDefault();
    if (pw.next !== pw.again) return setError('The two new passwords differ.');
    if (await run('Password changed. Your other sessions were logged out.', () => call('changeOwnPassword', { body: { currentPassword: pw.current, newPassword: pw.next } })))
      setPw({ current: '', next: '', again: '' });
  };

  return (
    <section aria-labelledby="account-title">
      <h1 id="account-title">My account</h1>
      <p className="muted">
        Signed in as <code>{me.moderator.id}</code> ({me.moderator.role}).
      </p>
      {status && <p className="status-line" role="status">{status}</p>}
      {error && <p className="error" role="alert">{error}</p>}

      <h2>Change password</h2>
      <form className="stack" onSubmit={(e) => void changePassword(e)}>
        <label>Current password<input type="password" autoComplete="current-password" value={pw.current} onChange={(e) => setPw({ ...pw, current: e.target.value })} required /></label>
        <label>New password (at least 12 characters)<input type="password" autoComplete="new-password" minLength={12} value={pw.next} onChange={(e) => setPw({ ...pw, next: e.target.value })} required /></label>
        <label>New password again<input type="password" autoComplete="new-password" minLength={12} value={pw.again} onChange={(e) => setPw({ ...pw, again: e.target.value })} required /></label>
        <button type="submit" className="primary">Change password</button>
      </form>

      <h2>Two-factor login</h2>
      {twoFactor ? (
        <>
          <p data-testid="totp-on"><strong className="ok-text">On.</strong> Logging in needs your password and a six-digit code from your authenticator app.</p>
          <form className="stack" onSubmit={(e) => { e.preventDefault(); void run('Two-factor login turned off.', () => call('disableTotp', { body: off })).then((ok) => ok && onChanged()); }}>
            <label>Password<input type="password" autoComplete="current-password" value={off.password} onChange={(e) => setOff({ ...off, password: e.target.value })} required /></label>
            <label>Current code<input inputMode="numeric" autoComplete="one-time-code" pattern="[0-9]{6}" maxLength={6} value={off.code} onChange={(e) => setOff({ ...off, code: e.target.value.replace(/\D/g, '') })} required /></label>
            <button type="submit">Turn off two-factor login</button>
          </form>
        </>
      ) : enrol ? (
        <form className="stack" onSubmit={(e) => { e.preventDefault(); void run('Two-factor login is on. The code you just typed is now used up: when you next sign in, wait for your app to show a new code.', () => call('confirmTotpEnrolment', { body: { code } })).then((ok) => ok && (setEnrol(null), onChanged())); }}>
          <p>Scan this code with an authenticator app (any TOTP app), then type the six-digit code it shows.</p>
          <TotpQr uri={enrol.uri} />
          <p>Or type this secret key: <span className="secret" data-testid="totp-secret">{enrol.secret}</span></p>
          <p>Or paste this link into the app: <code className="payload" data-testid="totp-uri">{enrol.uri}</code></p>
          <label>Code from the app<input inputMode="numeric" autoComplete="one-time-code" pattern="[0-9]{6}" maxLength={6} value={code} onChange={(e) => setCode(e.target.value.replace(/\D/g, ''))} required autoFocus /></label>
          <div className="row">
            <button type="submit" className="primary">Turn on</button>
            <button type="button" onClick={() => setEnrol(null)}>Cancel</button>
          </div>
        </form>
      ) : (
        <>
          <p>Off. With two-factor login, a stolen password alone cannot open the dashboard. If you lose the device, an admin resets your password, which also removes the second factor.</p>
          <button type="button" onClick={() => void run('', async () => setEnrol(await call('startTotpEnrolment')))}>Set up two-factor login</button>
        </>
      )}
    </section>
  );
}
