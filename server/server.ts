// startServer(): database + migrations + keyring + services + HTTP + push + sweeper. Used by
// server/main.ts (npm start), the tests and the benchmark.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { deployMigrations } from '../scripts/migrate-deploy.mjs';
import { createApp } from './app.ts';
import type { ServerConfig } from './config.ts';
import { createDb, providerOf } from './db.ts';
import type { Logger } from './logger.ts';
import { attachPush } from './push.ts';
import { type Services, createServices } from './services/index.ts';
import { loadKeyring } from './services/stamp-keys.ts';

export interface RunningServer {
  url: string;
  port: number;
  services: Services;
  reloadKeyring(): void;
  close(): Promise<void>;
}

export async function startServer(config: ServerConfig, logger: Logger, opts: { migrate?: boolean } = {}): Promise<RunningServer> {
  if (opts.migrate ?? true) {
    const applied = await deployMigrations(config.databaseUrl, () => {});
    if (applied.length) logger.info({ applied }, 'migrations applied');
  }
  const keySource = { json: config.keyringJson, file: config.keyringFile };
  const { keyring, created } = loadKeyring(keySource);
  if (created) logger.warn({ file: config.keyringFile }, 'created a new stamping keyring file; back it up and keep it out of the database');
  const db = await createDb(config.databaseUrl);
  const services = createServices(db, config, keyring, logger);
  const app = createApp(services);
  const server = http.createServer(app);
  server.keepAliveTimeout = 65_000;
  const push = attachPush(server, services);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const sweeper = setInterval(() => {
    services.sweep().catch((e: unknown) => logger.warn({ err: e }, 'sweep failed'));
  }, config.sweepIntervalMs);
  sweeper.unref();
  const { port } = server.address() as AddressInfo;
  logger.info({ port, db: providerOf(config.databaseUrl), stamping: config.stamping, kid: keyring.activeKid }, 'server listening');
  return {
    url: `http://${config.host}:${port}`,
    port,
    services,
    reloadKeyring() {
      services.stamping.replaceKeyring(loadKeyring(keySource).keyring);
    },
    async close() {
      clearInterval(sweeper);
      push.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await db.$disconnect();
    },
  };
}
