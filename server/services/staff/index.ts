// Dashboard staff: accounts, passwords, TOTP, sessions and the login throttle (docs/MODERATION.md).
export { ModeratorsService, type StaffPrincipal } from './moderators.ts';
export { type ArgonParams, MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from './passwords.ts';
export { totpCode } from './totp.ts';
export { LoginThrottle, formatWait, loadLoginThrottleConfig } from './login-throttle.ts';
