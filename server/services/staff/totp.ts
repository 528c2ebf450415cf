// Staff second factor: TOTP (RFC 6238; SHA-1, 6 digits, 30 s — what every authenticator app accepts) from the
// `otpauth` library. Enrolment shows the base32 secret and its otpauth:// URI (no QR image: the dashboard's
// CSP allows no third-party script, and both forms type or paste into any app). A code is accepted once:
// the time step it matched must be later than the last accepted one (no replay within its 90 s window).
import { Secret, TOTP } from 'otpauth';

export const TOTP_ISSUER = 'franking-chat';
const PERIOD = 30;

export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

export function totpUri(secret: string, login: string): string {
  return new TOTP({ issuer: TOTP_ISSUER, label: login, secret: Secret.fromBase32(secret), period: PERIOD }).toString();
}

/** The code for `timestamp` (tests and the enrolment check). */
export function totpCode(secret: string, timestamp = Date.now()): string {
  return TOTP.generate({ secret: Secret.fromBase32(secret), period: PERIOD, timestamp });
}

/**
 * The time step `code` matches (±1 step for clock drift), or null. A code that is not exactly six digits is
 * refused before any HMAC (no library parsing of arbitrary input).
 */
export function matchTotp(secret: string, code: string, now = Date.now()): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  const delta = TOTP.validate({ token: code, secret: Secret.fromBase32(secret), period: PERIOD, timestamp: now, window: 1 });
  return delta === null ? null : Math.floor(now / 1000 / PERIOD) + delta;
}
