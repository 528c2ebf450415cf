// The dashboard's own pages and their URLs under /dashboard/ (History API). Its own module, so the views that
// navigate take the Route type from here rather than from the shell (App.tsx) that imports them.

export type Route = { page: 'queue' } | { page: 'report'; id: string } | { page: 'audit' } | { page: 'stats' } | { page: 'admin' } | { page: 'account' }
  | { page: 'appeals' } | { page: 'appeal'; id: string } | { page: 'cases' } | { page: 'case'; id: string } | { page: 'policies' } | { page: 'metrics' }
  | { page: 'user'; id: string | null };
const BASE = '/dashboard';

export function parseRoute(pathname: string): Route {
  const rest = pathname.startsWith(BASE) ? pathname.slice(BASE.length) : pathname;
  const m = /^\/reports\/([A-Za-z0-9._:-]{1,64})$/.exec(rest);
  if (m?.[1]) return { page: 'report', id: m[1] };
  const user = /^\/accounts(?:\/([A-Za-z0-9._:-]{1,64}))?$/.exec(rest);
  if (user) return { page: 'user', id: user[1] ?? null };
  const sub = /^\/(appeals|cases)\/([A-Za-z0-9_-]{1,64})$/.exec(rest);
  if (sub?.[2]) return sub[1] === 'appeals' ? { page: 'appeal', id: sub[2] } : { page: 'case', id: sub[2] };
  if (rest === '/appeals' || rest === '/cases' || rest === '/policies' || rest === '/metrics') return { page: rest.slice(1) as 'appeals' | 'cases' | 'policies' | 'metrics' };
  if (rest === '/audit') return { page: 'audit' };
  if (rest === '/stats') return { page: 'stats' };
  if (rest === '/admin') return { page: 'admin' };
  if (rest === '/account') return { page: 'account' };
  return { page: 'queue' };
}

export const pathOf = (r: Route) =>
  BASE + (r.page === 'queue' ? '/' : r.page === 'report' ? `/reports/${r.id}` : r.page === 'appeal' ? `/appeals/${r.id}` : r.page === 'case' ? `/cases/${r.id}` : r.page === 'user' ? `/accounts${r.id ? `/${r.id}` : ''}` : `/${r.page}`);
