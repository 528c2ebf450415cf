// The audit log: every moderation event, newest first, filterable, keyset-paginated. Read-only by design.
import { useEffect, useState } from 'react';
import type { Route } from './routes.ts';
import { ApiError, type ModEvent, call, fmtTime } from './api.ts';
import { describeEvent } from './events.ts';

const TYPES = ['', 'report_filed', 'claimed', 'released', 'note', 'decision', 'action', 'outcome_sent', 'account_status_changed', 'account_role_changed', 'handle_released', 'handle_release_revoked', 'account_reset', 'moderator_created', 'moderator_updated', 'moderator_password_changed', 'moderator_totp_enabled', 'moderator_totp_disabled'];

export function Audit({ onAuthError, navigate }: { onAuthError: (e: unknown) => void; navigate: (r: Route) => void }) {
  const [type, setType] = useState('');
  const [actor, setActor] = useState('');
  const [subject, setSubject] = useState('');
  const [befores, setBefores] = useState<Array<number | null>>([null]);
  const [events, setEvents] = useState<ModEvent[]>([]);
  const [next, setNext] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const before = befores[befores.length - 1] ?? null;

  useEffect(() => {
    const q = new URLSearchParams({ limit: '50' });
    if (type) q.set('type', type);
    if (actor.trim()) q.set('actorId', actor.trim());
    if (subject.trim()) q.set('subjectId', subject.trim());
    if (before) q.set('before', String(before));
    call('auditLog', { query: Object.fromEntries(q) })
      .then((r) => {
        setEvents(r.events);
        setNext(r.nextBefore);
        setError(null);
      })
      .catch((e: unknown) => {
        onAuthError(e);
        setError(e instanceof ApiError ? e.detail : 'Could not load the audit log.');
      });
  }, [type, actor, subject, before, onAuthError]);

  const reset = () => setBefores([null]);
  return (
    <section aria-labelledby="audit-title">
      <h1 id="audit-title">Audit log</h1>
      <p className="muted">Append-only: every claim, note, decision, enforcement action, notice and staff change. Nothing here can be edited or deleted.</p>
      <form className="filters" onSubmit={(e) => e.preventDefault()} aria-label="Audit filters">
        <label>Event type
          <select value={type} onChange={(e) => { setType(e.target.value); reset(); }}>
            {TYPES.map((t) => <option key={t} value={t}>{t ? t.replace(/_/g, ' ') : 'any'}</option>)}
          </select>
        </label>
        <label>Actor<input value={actor} onChange={(e) => { setActor(e.target.value); reset(); }} placeholder="staff:alice" spellCheck={false} /></label>
        <label>Subject id<input value={subject} onChange={(e) => { setSubject(e.target.value); reset(); }} placeholder="report or account id" spellCheck={false} /></label>
      </form>
      {error && <p className="error" role="alert">{error}</p>}
      <table className="audit">
        <caption className="sr-only">Moderation events, newest first</caption>
        <thead><tr><th scope="col">#</th><th scope="col">Time</th><th scope="col">Actor</th><th scope="col">Event</th><th scope="col">Subject</th><th scope="col">Details</th></tr></thead>
        <tbody>
          {events.map((e) => (
            <tr key={e.id}>
              <td>{e.id}</td>
              <td>{fmtTime(e.createdAt)}</td>
              <td>{e.actorId ?? 'system'}</td>
              <td>{e.type.replace(/_/g, ' ')}</td>
              <td>
                {e.subjectType === 'report'
                  ? <a href={`/dashboard/reports/${e.subjectId}`} onClick={(ev) => { ev.preventDefault(); navigate({ page: 'report', id: e.subjectId }); }}>report {e.subjectId}</a>
                  : <>{e.subjectType} <code>{e.subjectId}</code></>}
              </td>
              <td>
                <span data-testid="event-sentence">{describeEvent(e)}</span>
                <details className="json">
                  <summary>Show JSON</summary>
                  <code className="payload">{JSON.stringify(e.payload)}</code>
                </details>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <nav className="pager" aria-label="Pages">
        <button type="button" disabled={befores.length <= 1} onClick={() => setBefores((b) => b.slice(0, -1))}>Newer</button>
        <button type="button" disabled={next === null} onClick={() => setBefores((b) => [...b, next])}>Older</button>
      </nav>
    </section>
  );
}
