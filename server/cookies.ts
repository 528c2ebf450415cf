// Minimal RFC 6265 cookie parsing/serialisation for the dashboard session (no dependency needed for one cookie).
export const MOD_SESSION_COOKIE = 'fc_mod_session';

export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  if (!header || header.length > 8192) return out;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    if (!(name in out)) out[name] = value;
  }
  return out;
}

/**
 * The session cookie: HttpOnly (scripts never see it), SameSite=Strict (never sent on cross-site requests),
 * Path=/ and Secure whenever the request came over HTTPS or COOKIE_SECURE=always.
 */
export function sessionCookie(value: string, opts: { maxAgeMs: number; secure: boolean }): string {
  const parts = [`${MOD_SESSION_COOKIE}=${value}`, 'Path=/', 'HttpOnly', 'SameSite=Strict', `Max-Age=${Math.max(0, Math.floor(opts.maxAgeMs / 1000))}`];
  if (opts.secure) parts.push('Secure');
  return parts.join('; ');
}

export function clearSessionCookie(secure: boolean): string {
  return sessionCookie('', { maxAgeMs: 0, secure });
}
