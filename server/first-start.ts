// First start of a fresh installation: with no dashboard staff yet, create the admin moderator and tell the
// operator once how to log in. ADMIN_PASSWORD sets the password (e.g. in containers); otherwise a random one
// is generated and printed to this terminal only (never to the log). Later staff: the dashboard or
// `npm run admin -- moderators create <id> --role moderator`.
import { randomBytes } from 'node:crypto';
import type { Services } from './services/index.ts';

export const FIRST_ADMIN_ID = 'admin';

export interface FirstAdmin {
  id: string;
  /** Only when generated here; null when it came from ADMIN_PASSWORD. */
  generatedPassword: string | null;
}

export async function ensureFirstAdmin(s: Services, env: NodeJS.ProcessEnv = process.env): Promise<FirstAdmin | null> {
  if ((await s.moderators.list()).length > 0) return null;
  const given = env.ADMIN_PASSWORD;
  const password = given || randomBytes(15).toString('base64url');
  await s.moderators.create({ id: FIRST_ADMIN_ID, displayName: 'Administrator', role: 'admin', password }, null);
  return { id: FIRST_ADMIN_ID, generatedPassword: given ? null : password };
}
