// Admin commands: npm run admin -- keys list|rotate|retire <kid> ; accounts status|role <userId> ... ;
// moderators create|list|role|disable|enable|reset-password (server/admin-moderators.ts); invites create [--count n] [--days d]
// Stamping keys live in the key file (STAMP_KEYRING_FILE), never in the database. `keys rotate` and `retire`
// write the file, then (with REDIS_URL) announce it: every running process reloads at once; without Redis each
// process notices the changed file within KEYRING_CHECK_SECONDS (server/shared/keyring-sync.ts). Standing changes
// (`accounts status`) are announced too, so every process closes the account's push sockets.
import { Command } from 'commander';
import { deployMigrations } from '../scripts/migrate-deploy.mjs';
import { registerModeratorCommands } from './admin-moderators.ts';
import { loadConfig } from './config.ts';
import { accountsRepo } from './data/accounts.ts';
import { createDb } from './db.ts';
import { EnforcementService, RegistrationGate, loadRegistrationKeys } from './services/accounts/index.ts';
import { registrationRepo } from './data/registration.ts';
import { loadKeyring, retireKey, rotateKeyFile } from './services/stamping/index.ts';
import { createLogger } from './logger.ts';
import { KEYRING_CHANNEL } from './shared/keyring-sync.ts';
import { createSharedState } from './shared/index.ts';
import { Revocations } from './shared/revocations.ts';

/** Publishes on the deployment's bus (REDIS_URL), if any; returns whether it did. */
async function announce(publish: (s: Awaited<ReturnType<typeof createSharedState>>) => void): Promise<boolean> {
  if (!config.scale.redisUrl) return false;
  const shared = await createSharedState({ redisUrl: config.scale.redisUrl, keyPrefix: config.scale.redisPrefix }, createLogger('warn'));
  try {
    publish(shared);
    await shared.redis?.ping(); // the PUBLISH before it has been sent and answered
  } finally {
    await shared.close();
  }
  return true;
}
const announceKeyring = () => announce((s) => s.bus.publish(KEYRING_CHANNEL, 'rotated'));
const reloadHint = async () =>
  (await announceKeyring())
    ? 'Every running process has been told to reload it (REDIS_URL).'
    : `Running processes reload it within ${config.scale.keyringCheckMs / 1000} s (or at once on SIGHUP).`;

const config = loadConfig();
const program = new Command('admin');

const keys = program.command('keys').description('stamping keyring (key file)');
keys.command('list').action(() => {
  console.log(JSON.stringify(loadKeyring({ json: config.keyringJson, file: config.keyringFile }).keyring.list(), null, 2));
});
const refuseEnvKeyring = () => {
  if (config.keyringJson) throw new Error('the keyring comes from STAMP_KEYRING (environment): change it there and restart; rotate works on STAMP_KEYRING_FILE');
};
keys.command('rotate').description('new active key; retire keys rotated out longer than the report window ago').action(async () => {
  refuseEnvKeyring();
  const r = rotateKeyFile(config.keyringFile, config.reportWindowMs);
  console.log(`active kid ${r.kid}${r.retired.length ? `; retired ${r.retired.join(', ')}` : ''}. ${await reloadHint()}`);
});
keys.command('retire <kid>').description('retire a key at once (suspected compromise)').action(async (kid: string) => {
  refuseEnvKeyring();
  retireKey(config.keyringFile, kid);
  console.log(`retired ${kid}. ${await reloadHint()}`);
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
    await announce((s) => new Revocations(s.bus).publish({ kind: 'account', userId }));
    console.log(`${userId}: ${status}`);
  });
accounts.command('role <userId> <role>').description('user | moderator | admin').action(async (userId: string, role: string) => {
  if (role !== 'user' && role !== 'moderator' && role !== 'admin') throw new Error('role: user | moderator | admin');
  await withEnforcement((e) => e.setRole(userId, role, null));
  console.log(`${userId}: ${role}`);
});

// Registration gate "invite" (docs/MODERATION.md "Registration gate"): single-use codes, shown once, stored hashed.
program
  .command('invites')
  .description('registration invite codes (REGISTRATION_GATE=invite)')
  .command('create')
  .option('--count <n>', 'how many codes (1–100)', '1')
  .option('--days <n>', 'days until they expire (default REGISTRATION_INVITE_TTL_DAYS)')
  .action(async (o: { count: string; days?: string }) => {
    const count = Number(o.count);
    const days = o.days === undefined ? undefined : Number(o.days);
    if (!Number.isInteger(count) || count < 1 || count > 100) throw new Error('--count: expected an integer 1–100');
    if (days !== undefined && (!Number.isInteger(days) || days < 1 || days > 365)) throw new Error('--days: expected an integer 1–365');
    await deployMigrations(config.databaseUrl, () => {});
    const db = await createDb(config.databaseUrl);
    try {
      const gate = new RegistrationGate(config.registration, registrationRepo(db), loadRegistrationKeys(config.registration).keys);
      const r = await gate.createInvites(count, null, days === undefined ? undefined : days * 86_400_000);
      for (const c of r.codes) console.log(c);
      console.error(`${count} invite code(s), single use, valid until ${r.expiresAt.toISOString()}${config.registration.gate === 'invite' ? '' : ` (note: REGISTRATION_GATE is ${config.registration.gate}, not invite)`}`);
    } finally {
      await db.$disconnect();
    }
  });

registerModeratorCommands(program, config);

await program.parseAsync();
