// A user account's page (docs/MODERATION.md "Account reset"): its moderation history (the event log of subject
// `account`), and for admins the handle release for a reset (docs/PROTOCOL-devices.md D6.6) — the person lost every
// device and their recovery kit, support has checked that the account is theirs, and their new browser shows a
// 30-digit reset code. The release lets exactly that browser replace every device of the account, once, until it
// expires; every contact then sees the account's safety number change. While a release is live the page shows it, and
// an admin can revoke it with a reason (D6.6 "Revocation": released for the wrong code, or support was deceived).
import { useCallback, useEffect, useState } from 'react';
import { HANDLE_RELEASE_DEFAULT_DAYS, HANDLE_RELEASE_MAX_DAYS } from '@franking-chat/sdk/contract/moderation';
import { type Answer, ApiError, type Me, type ModEvent, call, fmtTime, sentence } from './api.ts';
import { describeEvent } from './events.ts';
import type { Route } from './routes.ts';

const codeDigits = (s: string) => s.replace(/\s+/g, '');
const grouped = (digits: string) => (digits.match(/\d{1,5}/g) ?? []).join(' ');

type LiveRelease = NonNullable<Answer<'getHandleRelease'>['release']>;

/** The live release, and for admins its revocation (a reason and a confirmation). */
function LiveReleasePanel({ live, isAdmin, onDone, onAuthError }: { live: LiveRelease; isAdmin: boolean; onDone: (message: string) => void; onAuthError: (e: unknown) => void }) {
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const ready = reason.trim().length > 0;

  const revoke = async () => {
    setError(null);
    try {
      const r = await call('revokeHandleRelease', { params: { userId: live.userId }, body: { reason: reason.trim() } });
      setConfirming(false);
      setOpen(false);
      setReason('');
      onDone(`Release revoked. The browser with reset code ${grouped(r.fingerprint)} can no longer reset the account.`);
    } catch (e) {
      onAuthError(e);
      setConfirming(false);
      if (e instanceof ApiError && e.code === 'release_used') setError('Too late: a reset has already used this release, and the account now belongs to that browser. If it was not the owner, suspend the account.');
      else if (e instanceof ApiError && e.code === 'no_live_release') setError('This release is no longer live (it expired, was used, or another admin revoked it). Reload the page.');
      else setError(e instanceof ApiError ? sentence(e.detail) : 'Request failed.');
    }
  };

  return (
    <div className="stack panel" role="region" aria-labelledby="live-release-title" data-testid="live-release">
      <h2 id="live-release-title">Live handle release</h2>
      <p>
        The browser with reset code <code>{grouped(live.fingerprint)}</code> can reset this account until {fmtTime(live.expiresAt)}.
        Released by {live.releasedBy ?? 'the system'} (reason: {live.reason}).
      </p>
      {error && <p className="error" role="alert">{error}</p>}
      {isAdmin && !open && <button type="button" className="danger" onClick={() => { setOpen(true); setError(null); }}>Revoke release…</button>}
      {isAdmin && open && (
        <form className="stack" aria-label="Revoke the release" data-testid="revoke-form" onSubmit={(e) => { e.preventDefault(); if (ready) setConfirming(true); }}>
          <label>Why are you revoking it? (recorded in the audit log)
            <input value={reason} onChange={(e) => { setReason(e.target.value); setConfirming(false); }} maxLength={500} required placeholder="e.g. released for the wrong code; the caller was not the owner" data-testid="revoke-reason" />
          </label>
          {confirming ? (
            <div className="panel" role="alertdialog" aria-labelledby="revoke-confirm" data-testid="revoke-confirm">
              <p id="revoke-confirm">
                Revoke the release for code <code>{grouped(live.fingerprint)}</code>? That browser can no longer reset <strong>{live.userId}</strong>. If the
                owner still needs a reset, support must check them again and release the handle anew.
              </p>
              <div className="row">
                <button type="button" className="primary danger" onClick={() => void revoke()}>Confirm revocation</button>
                <button type="button" onClick={() => setConfirming(false)}>Cancel</button>
              </div>
            </div>
          ) : (
            <div className="row">
              <button type="submit" className="primary" disabled={!ready}>Revoke release…</button>
              <button type="button" onClick={() => { setOpen(false); setReason(''); }}>Cancel</button>
            </div>
          )}
        </form>
      )}
    </div>
  );
}

/** What became of a release, after its row in the history: revoked by whom and why, or used by the reset. */
function releaseOutcome(release: ModEvent, events: readonly ModEvent[]): string {
  const later = events.filter((e) => e.id > release.id);
  const revoked = later.find((e) => e.type === 'handle_release_revoked' && e.payload.releaseId === release.id);
  if (revoked) return ` — revoked by ${revoked.actorId ?? 'the system'} on ${fmtTime(revoked.createdAt)} (${String(revoked.payload.reason)})`;
  const nextRelease = later.find((e) => e.type === 'handle_released');
  const used = later.find((e) => e.type === 'account_reset' && (nextRelease === undefined || e.id < nextRelease.id));
  if (used) return ` — used by the reset on ${fmtTime(used.createdAt)}`;
  if (nextRelease) return ' — replaced by a newer release';
  return '';
}

function ReleaseHandle({ userId, onDone, onAuthError }: { userId: string; onDone: (message: string) => void; onAuthError: (e: unknown) => void }) {
  const [code, setCode] = useState('');
  const [reason, setReason] = useState('');
  const [days, setDays] = useState(HANDLE_RELEASE_DEFAULT_DAYS);
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const digits = codeDigits(code);
  const ready = /^\d{30}$/.test(digits) && reason.trim().length > 0;

  const release = async () => {
    setError(null);
    try {
      const r = await call('releaseHandle', { params: { userId }, body: { fingerprint: digits, reason: reason.trim(), expiresInDays: days } });
      setConfirming(false);
      setCode('');
      setReason('');
      onDone(`Handle released for reset code ${grouped(r.fingerprint)} until ${fmtTime(r.expiresAt)}. The person can now press “Complete reset” on that browser.`);
    } catch (e) {
      onAuthError(e);
      setError(e instanceof ApiError ? sentence(e.detail) : 'Request failed.');
    }
  };

  return (
    <form className="stack panel" aria-labelledby="release-title" data-testid="release-form" onSubmit={(e) => { e.preventDefault(); if (ready) setConfirming(true); }}>
      <h2 id="release-title">Release handle for reset</h2>
      <p className="muted">
        Only when the person has lost every device and their recovery kit, and support has checked that the account is theirs. Their new browser
        shows a reset code under “No kit? Reset the account”. The reset gives the account new keys: every contact sees its safety number change, its
        groups drop it, and messages are not restored.
      </p>
      <label>Reset code shown on the new browser (30 digits)
        <input value={code} onChange={(e) => { setCode(e.target.value); setConfirming(false); }} inputMode="numeric" autoComplete="off" spellCheck={false} placeholder="12345 67890 …" required data-testid="release-code" />
      </label>
      <label>Reason (recorded in the audit log)
        <input value={reason} onChange={(e) => { setReason(e.target.value); setConfirming(false); }} maxLength={500} required placeholder="e.g. identity checked by video call, ticket 4711" data-testid="release-reason" />
      </label>
      <label>Valid for (days)
        <input type="number" min={1} max={HANDLE_RELEASE_MAX_DAYS} value={days} onChange={(e) => setDays(Math.min(HANDLE_RELEASE_MAX_DAYS, Math.max(1, Number(e.target.value) || 1)))} />
      </label>
      {error && <p className="error" role="alert">{error}</p>}
      {confirming ? (
        <div className="panel" role="alertdialog" aria-labelledby="release-confirm" data-testid="release-confirm">
          <p id="release-confirm">
            Release <strong>{userId}</strong> for the browser with code <code>{grouped(digits)}</code> for {days} {days === 1 ? 'day' : 'days'}? Whoever holds that
            browser takes the account over and every other device of it is signed out.
          </p>
          <div className="row">
            <button type="button" className="primary danger" onClick={() => void release()}>Confirm release</button>
            <button type="button" onClick={() => setConfirming(false)}>Cancel</button>
          </div>
        </div>
      ) : (
        <button type="submit" className="primary" disabled={!ready}>Release handle for reset…</button>
      )}
    </form>
  );
}

export function UserAccount({ id, me, navigate, onAuthError }: { id: string | null; me: Me; navigate: (r: Route) => void; onAuthError: (e: unknown) => void }) {
  const [lookup, setLookup] = useState(id ?? '');
  const [events, setEvents] = useState<ModEvent[] | null>(null);
  const [live, setLive] = useState<LiveRelease | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [status, setStatus] = useState<string | null>(null);

  const load = useCallback(() => {
    if (!id) return;
    Promise.all([call('listModerationEvents', { query: { subjectType: 'account', subjectId: id } }), call('getHandleRelease', { params: { userId: id } })])
      .then(([r, l]) => {
        setEvents(r.events);
        setLive(l.release);
        setError(null);
      })
      .catch((e: unknown) => {
        onAuthError(e);
        setError(e instanceof ApiError ? sentence(e.detail) : 'Could not load the account’s history.');
      });
  }, [id, onAuthError]);
  useEffect(load, [load]);

  return (
    <section aria-labelledby="user-title">
      <h1 id="user-title">{id ? <>Account <code>{id}</code></> : 'Accounts'}</h1>
      <form className="filters" aria-label="Find an account" onSubmit={(e) => { e.preventDefault(); if (lookup.trim()) navigate({ page: 'user', id: lookup.trim() }); }}>
        <label>Account id<input value={lookup} onChange={(e) => setLookup(e.target.value)} spellCheck={false} placeholder="alice" data-testid="account-lookup" /></label>
        <button type="submit">Open</button>
      </form>
      {status && <p className="status-line" role="status">{status}</p>}
      {error && <p className="error" role="alert">{error}</p>}
      {id && events && (
        <>
          {live && <LiveReleasePanel live={live} isAdmin={me.moderator.role === 'admin'} onAuthError={onAuthError} onDone={(m) => { setStatus(m); load(); }} />}
          <h2>History</h2>
          {events.length === 0 ? <p className="muted">No moderation events for this account.</p> : (
            <table className="audit" data-testid="account-history">
              <caption className="sr-only">Moderation events of {id}, oldest first</caption>
              <thead><tr><th scope="col">Time</th><th scope="col">Actor</th><th scope="col">Event</th></tr></thead>
              <tbody>
                {events.map((e) => (
                  <tr key={e.id}><td>{fmtTime(e.createdAt)}</td><td>{e.actorId ?? 'system'}</td><td>{describeEvent(e)}{e.type === 'handle_released' ? releaseOutcome(e, events) : ''}</td></tr>
                ))}
              </tbody>
            </table>
          )}
          {me.moderator.role === 'admin'
            ? <ReleaseHandle userId={id} onAuthError={onAuthError} onDone={(m) => { setStatus(m); load(); }} />
            : <p className="muted">An admin can release this account’s handle for a reset when its owner lost every device and the recovery kit.</p>}
        </>
      )}
    </section>
  );
}
