// `npm run admin -- moderators …`: dashboard staff accounts from the command line (the first admin must be
// created here). Passwords come from MOD_PASSWORD or piped stdin, never from argv (argv is visible in `ps`);
// with neither (a terminal, or empty input) a strong one is generated and printed once, so the first-start hint
// `npm run admin -- moderators reset-password admin` works exactly as printed.
import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import { deployMigrations } from '../scripts/migrate-deploy.mjs';
import type { ServerConfig } from './config.ts';
import { moderatorsRepo } from './data/moderators.ts';
import { createDb } from './db.ts';
import { AppError } from './errors.ts';
import { loadModerationConfig } from './moderation-config.ts';
import { ModeratorsService } from './services/staff/index.ts';

/** MOD_PASSWORD, else piped stdin; null when there is none (a terminal, or empty input). */
async function readPassword(): Promise<string | null> {
  if (process.env.MOD_PASSWORD) return process.env.MOD_PASSWORD;
  if (process.stdin.isTTY) return null;
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '') || null;
}

/** 20 random bytes, base64url: 27 characters, 160 bits. */
const generatePassword = () => randomBytes(20).toString('base64url');
const showGenerated = (id: string, password: string) =>
  console.log(`${id}: new password (shown only now): ${password}\n  Log in at /dashboard/ and change it under "My account".`);

function role(value: string): 'triage' | 'moderator' | 'admin' {
  if (value !== 'triage' && value !== 'moderator' && value !== 'admin') throw new Error('role: triage | moderator | admin');
  return value;
}

export function registerModeratorCommands(program: Command, config: ServerConfig): void {
  async function withModerators(fn: (m: ModeratorsService) => Promise<void>) {
    await deployMigrations(config.databaseUrl, () => {});
    const db = await createDb(config.databaseUrl);
    try {
      await fn(new ModeratorsService(moderatorsRepo(db), loadModerationConfig()));
    } catch (e) {
      if (AppError.is(e)) {
        console.error(`error: ${e.code}: ${e.message}`);
        process.exitCode = 1;
      } else throw e;
    } finally {
      await db.$disconnect();
    }
  }
  const mods = program.command('moderators').description('dashboard staff (moderator | admin); passwords from MOD_PASSWORD or stdin');
  mods
    .command('create <id>')
    .description('create a staff account')
    .option('--role <role>', 'moderator | admin', 'moderator')
    .option('--name <displayName>', 'display name (default: the id)')
    .action(async (id: string, o: { role: string; name?: string }) => {
      const given = await readPassword();
      const password = given ?? generatePassword();
      await withModerators(async (m) => {
        const r = await m.create({ id, displayName: o.name ?? id, role: role(o.role), password }, null);
        console.log(`created ${r.role} ${r.id}`);
        if (!given) showGenerated(r.id, password);
      });
    });
  mods.command('list').action(async () => {
    await withModerators(async (m) => {
      for (const r of await m.list())
        console.log(`${r.id}\t${r.role}\t${r.disabled ? 'disabled' : 'active'}\t${r.displayName}${r.twoFactor ? '\t2FA' : ''}`);
    });
  });
  mods.command('role <id> <role>').description('moderator | admin').action(async (id: string, r: string) => {
    await withModerators(async (m) => void (await m.update(id, { role: role(r) }, null), console.log(`${id}: ${r}`)));
  });
  mods.command('disable <id>').action(async (id: string) => {
    await withModerators(async (m) => void (await m.update(id, { disabled: true }, null), console.log(`${id}: disabled`)));
  });
  mods.command('enable <id>').action(async (id: string) => {
    await withModerators(async (m) => void (await m.update(id, { disabled: false }, null), console.log(`${id}: enabled`)));
  });
  mods
    .command('reset-password <id>')
    .description('new password from MOD_PASSWORD or stdin, else generated and printed; also removes their TOTP second factor (recovery) and ends their sessions')
    .action(async (id: string) => {
      const given = await readPassword();
      const password = given ?? generatePassword();
      await withModerators(async (m) => {
        await m.update(id, { password }, null);
        console.log(`${id}: password reset; sessions ended; any two-factor enrolment removed (enrol again under "My account")`);
        if (!given) showGenerated(id, password);
      });
    });
}
