// npm start: SQLite under ./data/ by default (migrations applied automatically), or DATABASE_URL.
import { loadConfig } from './config.ts';
import { createLogger } from './logger.ts';
import { startServer } from './server.ts';

const config = loadConfig();
const logger = createLogger(config.logLevel);
try {
  const running = await startServer(config, logger);
  console.log(`franking-chat server: ${running.url}  (API index ${running.url}/docs, OpenAPI ${running.url}/openapi.json, push ws://${config.host}:${running.port}/v1/stream)`);
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
