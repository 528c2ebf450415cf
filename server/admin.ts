// Admin commands: npm run admin -- keys list|rotate|retire <kid> ; accounts status|role <userId> ... ;
// moderators create|list|role|disable|enable|reset-password (server/admin-moderators.ts)
// Stamping keys live in the key file (STAMP_KEYRING_FILE), never in the database; after `keys rotate`
// send SIGHUP to the running server to reload.
import { Command } from 'commander';
import { deployMigrations } from '../scripts/migrate-deploy.mjs';
import { registerModeratorCommands } from './admin-moderators.ts';
import { loadConfig } from './config.ts';
import { accountsRepo } from './data/accounts.ts';
import { createDb } from './db.ts';
import { EnforcementService } from './services/enforcement.ts';
import { loadKeyring, retireKey, rotateKeyFile } from './services/stamp-keys.ts';

const config = loadConfig();
const program = new Command('admin');

const keys = program.command('keys').description('stamping keyring (key file)');
keys.command('list').action(() => {
  console.log(JSON.stringify(loadKeyring({ json: config.keyringJson, file: config.keyringFile }).keyring.list(), null, 2));
});
keys.command('rotate').description('new active key; retire keys rotated out longer than the report window ago').action(() => {
  const r = rotateKeyFile(config.keyringFile, config.reportWindowMs);
  console.log(`active kid ${r.kid}${r.retired.length ? `; retired ${r.retired.join(', ')}` : ''}. Send SIGHUP to the server to reload.`);
});
keys.command('retire <kid>').description('retire a key at once (suspected compromise)').action((kid: string) => {
  retireKey(config.keyringFile, kid);
  console.log(`retired ${kid}`);
});

async function withEnforcement(fn: (e: EnforcementService) => Promise<void>) {
  await deployMigrations(config.databaseUrl, () => {});
  const db = await createDb(config.databaseUrl);
  try {
    await fn(new EnforcementService(accountsRepo(db)));
  } finally {
    await db.$disconnect();
  }
}
const accounts = program.command('accounts').description('account standing and roles');
accounts
  .command('status <userId> <status>')
  .description('active | suspended | banned')
  .option('--until <iso>', 'suspension end')
  .option('--reason <text>')
  .action(async (userId: string, status: string, o: { until?: string; reason?: string }) => {
    if (status !== 'active' && status !== 'suspended' && status !== 'banned') throw new Error('status: active | suspended | banned');
    await withEnforcement(async (e) => {
      await e.setStatus(userId, { status, suspendedUntil: o.until ? new Date(o.until) : null, reason: o.reason, actorId: null });
    });
    console.log(`${userId}: ${status}`);
  });
accounts.command('role <userId> <role>').description('user | moderator | admin').action(async (userId: string, role: string) => {
  if (role !== 'user' && role !== 'moderator' && role !== 'admin') throw new Error('role: user | moderator | admin');
  await withEnforcement((e) => e.setRole(userId, role, null));
  console.log(`${userId}: ${role}`);
});

registerModeratorCommands(program, config);

await program.parseAsync();
