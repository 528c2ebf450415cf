// Starts the real server (`tsx server/main.ts`, as `npm start` does after building) on an ephemeral port with
// a fresh SQLite database in a temp DATA_DIR, and reads the URLs and the first-start admin password from stdout.
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface E2eServer {
  url: string;
  dataDir: string;
  adminId: string;
  adminPassword: string;
  output(): string;
  stop(): Promise<void>;
}

export async function startE2eServer(root: string, env: Record<string, string> = {}): Promise<E2eServer> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fc-e2e-'));
  // The embedded SQLite database under DATA_DIR: no DATABASE_URL, and a generated admin password.
  // Every simulated user and moderator shares 127.0.0.1, so the per-address auth limit (30/min by default) would
  // make the suites flaky; the limiters themselves are tested in test/server/rate-limits.test.ts.
  const childEnv: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn', RATE_LIMIT_AUTH: '10000', REGISTRATION_LIMIT_PER_ADDRESS: '0', ...env };
  delete childEnv.DATABASE_URL;
  delete childEnv.ADMIN_PASSWORD;
  const child: ChildProcess = spawn(path.join(root, 'node_modules/.bin/tsx'), ['server/main.ts'], {
    cwd: root,
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString('utf8')));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString('utf8')));
  const deadline = Date.now() + 60_000;
  for (;;) {
    const url = /Chat:\s+(http:\/\/127\.0\.0\.1:\d+)\//.exec(out)?.[1];
    const admin = /as "([^"]+)" with password (\S+)/.exec(out);
    if (url && admin?.[1] && admin[2]) {
      return {
        url, dataDir, adminId: admin[1], adminPassword: admin[2],
        output: () => out,
        async stop() {
          if (child.exitCode === null) {
            const exited = new Promise((r) => child.once('exit', r));
            child.kill('SIGTERM');
            await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
            if (child.exitCode === null) child.kill('SIGKILL');
          }
          fs.rmSync(dataDir, { recursive: true, force: true });
        },
      };
    }
    if (child.exitCode !== null) throw new Error(`server exited (${child.exitCode}):\n${out}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server did not start within 60 s:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
