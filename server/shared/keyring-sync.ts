// One stamping keyring for every process (docs/SCALING.md "Stamping keys"). The key file is the single source
// (configured once: STAMP_KEYRING_FILE, the same file for every process); this keeps each process's in-memory
// copy current without a restart:
//   - `npm run admin -- keys rotate` writes the file, then announces it on the bus (channel "keyring"): every
//     process reloads at once;
//   - every KEYRING_CHECK_SECONDS each process checks the file (a lost announcement, a file replaced by hand or by
//     a secret manager);
//   - before verifying a report the verifier checks the file again (`fresh()`), so a stamp made by a process that
//     already reloaded always finds its key here: the new key is in the file before any process can stamp with it.
// With STAMP_KEYRING (JSON in the environment) there is nothing to reload: every process is configured alike.
import fs from 'node:fs';
import type { Keyring } from '../../client/protocol.ts';
import type { Logger } from '../logger.ts';
import { type KeyringSource, loadKeyring } from '../services/stamping/index.ts';
import type { Bus } from './bus.ts';

export const KEYRING_CHANNEL = 'keyring';

const fingerprint = (file: string): string => {
  try {
    const st = fs.statSync(file);
    return `${st.ino}:${st.size}:${st.mtimeMs}`;
  } catch {
    return 'missing';
  }
};

export class KeyringSync {
  private seen: string;
  private timer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly src: KeyringSource,
    private readonly apply: (k: Keyring) => void,
    private readonly logger: Logger,
  ) {
    this.seen = src.json ? 'env' : fingerprint(src.file);
  }

  start(bus: Bus, checkMs: number): void {
    if (this.src.json) return;
    const sub = bus.subscribe(KEYRING_CHANNEL, () => this.reload('announced'));
    this.unsubscribe = () => sub.close();
    if (checkMs > 0) {
      this.timer = setInterval(() => this.fresh(), checkMs);
      this.timer.unref();
    }
  }

  /** Reloads if the file changed since the last load (cheap: one stat). */
  fresh(): void {
    if (this.src.json) return;
    if (fingerprint(this.src.file) !== this.seen) this.reload('file changed');
  }

  reload(why: string): void {
    if (this.src.json) return;
    try {
      const print = fingerprint(this.src.file);
      const { keyring } = loadKeyring(this.src);
      this.seen = print;
      this.apply(keyring);
      this.logger.info({ kid: keyring.activeKid, why }, 'stamping keyring reloaded');
    } catch (e) {
      // A half-written file cannot occur (atomic rename); an unreadable one keeps the keys already loaded.
      this.logger.error({ err: e }, 'stamping keyring reload failed; keeping the loaded keys');
    }
  }

  stop(): void {
    clearInterval(this.timer);
    this.unsubscribe?.();
  }
}
