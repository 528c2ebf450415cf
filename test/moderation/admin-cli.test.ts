// `npm run admin -- moderators …` (server/admin.ts + server/admin-moderators.ts) against a fresh SQLite file:
// create from MOD_PASSWORD and from stdin, refuse weak passwords, keep the last admin, and the created
// account can log in with the password it was given.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { moderatorsRepo } from '../../server/data/moderators.ts';
import { createDb } from '../../server/db.ts';
import { loadModerationConfig } from '../../server/moderation-config.ts';
import { ModeratorsService } from '../../server/services/staff/index.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fc-admin-cli-'));
const url = `file:${path.join(dir, 'cli.db')}`;
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function admin(args: string[], env: Record<string, string> = {}, stdin?: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const child = execFile(path.join(ROOT, 'node_modules/.bin/tsx'), ['server/admin.ts', ...args], {
      cwd: ROOT, env: { ...process.env, DATABASE_URL: url, MOD_ARGON2_M: '1024', MOD_ARGON2_T: '1', ...env }, timeout: 60_000,
    }, (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr }));
    child.stdin?.end(stdin ?? '');
  });
}

describe('admin CLI: moderators', () => {
  it('creates, lists, refuses weak passwords and demoting the last admin', async () => {
    const a = await admin(['moderators', 'create', 'chief', '--role', 'admin', '--name', 'Chief'], { MOD_PASSWORD: 'chief password 123' });
    expect(a.out).toContain('created admin chief');
    const m = await admin(['moderators', 'create', 'mo'], {}, 'password from stdin\n');
    expect(m.out).toContain('created moderator mo');
    const weak = await admin(['moderators', 'create', 'weak'], { MOD_PASSWORD: 'short' });
    expect(weak.code).not.toBe(0);
    expect(weak.out).toContain('validation_failed');
    const last = await admin(['moderators', 'role', 'chief', 'moderator']);
    expect(last.out).toContain('last_admin');
    const list = await admin(['moderators', 'list']);
    expect(list.out).toMatch(/chief\tadmin\tactive\tChief/);
    expect(list.out).toMatch(/mo\tmoderator\tactive\tmo/);

    const db = await createDb(url);
    try {
      const svc = new ModeratorsService(moderatorsRepo(db), loadModerationConfig({}));
      const s = await svc.login('mo', 'password from stdin');
      expect(s.moderator.role).toBe('moderator');
      await expect(svc.login('chief', 'wrong password')).rejects.toMatchObject({ code: 'invalid_credentials' });
    } finally {
      await db.$disconnect();
    }
  });
});
