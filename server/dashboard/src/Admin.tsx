// Admin only: staff accounts. Create moderators/admins, change roles, disable, reset passwords.
import { useCallback, useEffect, useState } from 'react';
import { type Answer, ApiError, type Me, call, fmtTime } from './api.ts';

type Moderator = Answer<'listModerators'>['moderators'][number];

export function Admin({ me, onAuthError }: { me: Me; onAuthError: (e: unknown) => void }) {
  const [list, setList] = useState<Moderator[]>([]);
  const [status, setStatus] = useState<string | null>(null);
  const [form, setForm] = useState({ id: '', displayName: '', role: 'moderator', password: '' });
  const load = useCallback(() => {
    call('listModerators').then((r) => setList(r.moderators)).catch(onAuthError);
  }, [onAuthError]);
  useEffect(load, [load]);
  const act = async (label: string, fn: () => Promise<unknown>) => {
    try {
      await fn();
      setStatus(label);
      load();
      return true;
    } catch (e) {
      onAuthError(e);
      setStatus(e instanceof ApiError ? `${e.detail} (${e.code})` : 'Request failed.');
      return false;
    }
  };
  const create = async (e: React.FormEvent) => {
    e.preventDefault();
    if (await act(`Created ${form.id}.`, () => call('createModerator', { body: { ...form, role: form.role as Moderator['role'] } }))) setForm({ id: '', displayName: '', role: 'moderator', password: '' });
  };
  /** Inline reset form, not a browser prompt dialog (which shows the typed password in clear text). */
  const [resetting, setResetting] = useState<{ id: string; password: string } | null>(null);
  const resetPassword = async (e: React.FormEvent) => {
    e.preventDefault();
    if (!resetting) return;
    const { id, password } = resetting;
    if (await act(`Password of ${id} reset; their sessions ended and any two-factor login was removed.`, () => call('updateModerator', { params: { moderatorId: id }, body: { password } }))) setResetting(null);
  };
  return (
    <section aria-labelledby="admin-title">
      <h1 id="admin-title">Staff</h1>
      {status && <p className="status-line" role="status">{status}</p>}
      {/* A keyboard user must be able to scroll the table sideways at phone width (axe scrollable-region-focusable). */}
      <div className="table-wrap admin" tabIndex={0} role="region" aria-label="Staff accounts (scrolls sideways)"><table>
        <caption className="sr-only">Staff accounts</caption>
        <thead><tr><th scope="col">Login</th><th scope="col">Name</th><th scope="col">Role</th><th scope="col">State</th><th scope="col">Two-factor</th><th scope="col">Last login</th><th scope="col">Actions</th></tr></thead>
        <tbody>
          {list.map((m) => (
            <tr key={m.id}>
              <td><code>{m.id}</code>{m.id === me.moderator.id && ' (you)'}</td>
              <td>{m.displayName}</td>
              <td>
                <label className="sr-only" htmlFor={`role-${m.id}`}>Role of {m.id}</label>
                <select id={`role-${m.id}`} value={m.role} onChange={(e) => void act(`${m.id} is now ${e.target.value}.`, () => call('updateModerator', { params: { moderatorId: m.id }, body: { role: e.target.value as Moderator['role'] } }))}>
                  <option value="moderator">moderator</option>
                  <option value="admin">admin</option>
                </select>
              </td>
              <td>{m.disabled ? 'disabled' : 'active'}</td>
              <td>{m.twoFactor ? 'on' : 'off'}</td>
              <td>{m.lastLoginAt ? fmtTime(m.lastLoginAt) : 'never'}</td>
              <td className="row">
                <button type="button" onClick={() => void act(`${m.id} ${m.disabled ? 'enabled' : 'disabled'}.`, () => call('updateModerator', { params: { moderatorId: m.id }, body: { disabled: !m.disabled } }))}>{m.disabled ? 'Enable' : 'Disable'}</button>
                <button type="button" aria-expanded={resetting?.id === m.id} onClick={() => setResetting(resetting?.id === m.id ? null : { id: m.id, password: '' })}>Reset password</button>
              </td>
            </tr>
          ))}
        </tbody>
      </table></div>
      {resetting && (
        <form className="stack panel" onSubmit={(e) => void resetPassword(e)} aria-labelledby="reset-title" data-testid="reset-form">
          <h2 id="reset-title">Reset the password of {resetting.id}</h2>
          <p className="muted">Ends their sessions and removes their two-factor login (the recovery path for a lost device). Tell them the new password in person or by another channel.</p>
          <label>New password (at least 12 characters)
            <input type="password" autoComplete="new-password" minLength={12} value={resetting.password} onChange={(e) => setResetting({ ...resetting, password: e.target.value })} required autoFocus />
          </label>
          <div className="row">
            <button type="submit" className="primary">Reset password</button>
            <button type="button" onClick={() => setResetting(null)}>Cancel</button>
          </div>
        </form>
      )}
      <h2>Add a staff account</h2>
      <form className="stack" onSubmit={(e) => void create(e)}>
        <label>Login name<input value={form.id} onChange={(e) => setForm({ ...form, id: e.target.value })} pattern="[a-z0-9][a-z0-9._\-]{1,31}" required spellCheck={false} /></label>
        <label>Display name<input value={form.displayName} onChange={(e) => setForm({ ...form, displayName: e.target.value })} required /></label>
        <label>Role
          <select value={form.role} onChange={(e) => setForm({ ...form, role: e.target.value })}><option value="moderator">moderator</option><option value="admin">admin</option></select>
        </label>
        <label>Initial password<input type="password" autoComplete="new-password" minLength={12} value={form.password} onChange={(e) => setForm({ ...form, password: e.target.value })} required /></label>
        <button type="submit">Create</button>
      </form>
    </section>
  );
}
