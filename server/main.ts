// npm start: SQLite under ./data/ by default (migrations applied automatically), or DATABASE_URL.
import { loadConfig } from './config.ts';
import { providerOf } from './db.ts';
import { ensureFirstAdmin } from './first-start.ts';
import { createLogger } from './logger.ts';
import { startServer } from './server.ts';

const config = loadConfig();
const logger = createLogger(config.logLevel);
try {
  const running = await startServer(config, logger);
  const { url } = running;
  const db = providerOf(config.databaseUrl) === 'sqlite' ? `SQLite ${config.databaseUrl.replace(/^file:/, '')}` : 'PostgreSQL (DATABASE_URL)';
  console.log(
    [
      `franking-chat is running`,
      `  Chat:       ${url}/`,
      `  Dashboard:  ${url}/dashboard/`,
      `  API:        ${url}/docs  (OpenAPI ${url}/openapi.json, push ws://${config.host}:${running.port}/v1/stream)`,
      `  Database:   ${db}`,
    ].join('\n'),
  );
  const admin = await ensureFirstAdmin(running.services);
  if (admin) {
    console.log(
      [
        ``,
        `First start: created the dashboard admin "${admin.id}".`,
        `  Log in at ${url}/dashboard/ as "${admin.id}" with password ${admin.generatedPassword ?? '(the one in ADMIN_PASSWORD)'}`,
        ...(admin.generatedPassword ? [`  This password is shown only now. Change it with: npm run admin -- moderators reset-password ${admin.id}`] : []),
        `  Add moderators in the dashboard, or: npm run admin -- moderators create <id> --role moderator`,
      ].join('\n'),
    );
  }
  process.on('SIGHUP', () => {
    running.reloadKeyring();
    logger.info({ kid: running.services.stamping.currentKeyring.activeKid }, 'stamping keyring reloaded');
  });
  const stop = () => void running.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
} catch (e) {
  logger.fatal({ err: e }, 'server failed to start');
  process.exit(1);
}
