// Dashboard shell: session, navigation (History API under /dashboard/), the help overlay and the shared
// queue order that j/k follow on the detail page.
import { useCallback, useEffect, useState } from 'react';
import { Account } from './Account.tsx';
import { Admin } from './Admin.tsx';
import { AppealView, Appeals } from './Appeals.tsx';
import { CaseView, Cases } from './Cases.tsx';
import { Metrics } from './Metrics.tsx';
import { Policies } from './Policies.tsx';
import { ApiError, type Me, call, setCsrfToken } from './api.ts';
import { Audit } from './Audit.tsx';
import { HelpOverlay } from './HelpOverlay.tsx';
import { Login } from './Login.tsx';
import { Queue } from './Queue.tsx';
import { type QueueState, initialQueueState, viewFromUrl } from './queueState.ts';
import { ReportView } from './ReportView.tsx';
import { Stats } from './Stats.tsx';
import { UserAccount } from './UserAccount.tsx';
import { type Route, parseRoute, pathOf } from './routes.ts';

const TITLES: Record<Route['page'], string> = {
  queue: 'Queue', report: 'Report', audit: 'Audit log', stats: 'Statistics', admin: 'Staff', account: 'My account',
  appeals: 'Appeals', appeal: 'Appeal', cases: 'Cases', case: 'Case', policies: 'Policies', metrics: 'Metrics', user: 'Accounts',
};
const PARENT: Partial<Record<Route['page'], Route['page']>> = { report: 'queue', appeal: 'appeals', case: 'cases' };

export function App() {
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const [route, setRoute] = useState<Route>(() => parseRoute(location.pathname));
  const [help, setHelp] = useState(false);
  const [queue, setQueue] = useState<QueueState>(() => ({ ...initialQueueState, view: viewFromUrl() }));

  useEffect(() => {
    call('moderatorSession')
      .then((m) => {
        setCsrfToken(m.csrfToken);
        setMe(m);
      })
      .catch(() => setMe(null));
    const onPop = () => setRoute(parseRoute(location.pathname));
    addEventListener('popstate', onPop);
    return () => removeEventListener('popstate', onPop);
  }, []);

  useEffect(() => {
    document.title = `${TITLES[route.page]} — Moderation`;
  }, [route]);

  const navigate = useCallback((r: Route) => {
    history.pushState(null, '', pathOf(r));
    setRoute(r);
    window.scrollTo(0, 0);
  }, []);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement | null;
      if (t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT' || t.isContentEditable)) return;
      if (e.key === '?' && !e.ctrlKey && !e.metaKey) {
        e.preventDefault();
        setHelp((h) => !h);
      } else if (e.key === 'Escape') setHelp(false);
    };
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  }, []);

  const onAuthError = useCallback((e: unknown) => {
    if (e instanceof ApiError && e.status === 401) setMe(null);
  }, []);

  if (me === undefined) return <main className="center" aria-busy="true"><p>Loading…</p></main>;
  if (me === null)
    return (
      <Login
        onLoggedIn={(m) => {
          setCsrfToken(m.csrfToken);
          setMe(m);
          if (route.page === 'admin' && m.moderator.role !== 'admin') navigate({ page: 'queue' });
        }}
      />
    );

  const logout = async () => {
    await call('moderatorLogout').catch(() => undefined);
    setCsrfToken(null);
    setMe(null);
  };
  const triage = (me.moderator.role as string) === 'triage';
  const nav: Array<[Route, string]> = [[{ page: 'queue' }, 'Queue'], [{ page: 'cases' }, 'Cases'], [{ page: 'appeals' }, 'Appeals'], [{ page: 'policies' }, 'Policies']];
  if (!triage) nav.push([{ page: 'user', id: null }, 'Accounts'], [{ page: 'audit' }, 'Audit log'], [{ page: 'stats' }, 'Statistics'], [{ page: 'metrics' }, 'Metrics']);
  if (me.moderator.role === 'admin') nav.push([{ page: 'admin' }, 'Staff']);

  return (
    <>
      <a className="skip" href="#main">Skip to content</a>
      <header className="topbar">
        <span className="brand">Moderation</span>
        <nav aria-label="Main">
          <ul>
            {nav.map(([r, label]) => (
              <li key={label}>
                <a
                  href={pathOf(r)}
                  aria-current={route.page === r.page || PARENT[route.page] === r.page ? 'page' : undefined}
                  onClick={(e) => {
                    e.preventDefault();
                    navigate(r);
                  }}
                >
                  {label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div className="who">
          <button type="button" className="link" onClick={() => setHelp(true)} aria-haspopup="dialog">Shortcuts (?)</button>
          <a href={pathOf({ page: 'account' })} className="account-link" aria-current={route.page === 'account' ? 'page' : undefined} onClick={(e) => { e.preventDefault(); navigate({ page: 'account' }); }}>
            {me.moderator.displayName} <span className="role">{me.moderator.role}</span>
            <span className="sr-only"> — my account</span>
          </a>
          <button type="button" onClick={() => void logout()}>Log out</button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {route.page === 'queue' && <Queue state={queue} setState={setQueue} me={me} navigate={navigate} onAuthError={onAuthError} />}
        {route.page === 'report' && <ReportView id={route.id} me={me} queue={queue} navigate={navigate} onAuthError={onAuthError} />}
        {route.page === 'audit' && <Audit onAuthError={onAuthError} navigate={navigate} />}
        {route.page === 'stats' && <Stats onAuthError={onAuthError} />}
        {route.page === 'account' && (
          <Account me={me} onAuthError={onAuthError} onChanged={() => void call('moderatorSession').then((m) => { setCsrfToken(m.csrfToken); setMe(m); })} />
        )}
        {route.page === 'appeals' && <Appeals navigate={navigate} onAuthError={onAuthError} />}
        {route.page === 'appeal' && <AppealView id={route.id} me={me} navigate={navigate} onAuthError={onAuthError} />}
        {route.page === 'cases' && <Cases navigate={navigate} onAuthError={onAuthError} />}
        {route.page === 'case' && <CaseView id={route.id} me={me} navigate={navigate} onAuthError={onAuthError} />}
        {route.page === 'policies' && <Policies me={me} onAuthError={onAuthError} />}
        {route.page === 'metrics' && <Metrics onAuthError={onAuthError} />}
        {route.page === 'user' && <UserAccount key={route.id ?? ''} id={route.id} me={me} navigate={navigate} onAuthError={onAuthError} />}
        {route.page === 'admin' && (me.moderator.role === 'admin'
          ? <Admin me={me} onAuthError={onAuthError} />
          : <section><h1>Staff</h1><p>Only admins manage staff accounts.</p></section>)}
      </main>
      {help && <HelpOverlay onClose={() => setHelp(false)} />}
    </>
  );
}
