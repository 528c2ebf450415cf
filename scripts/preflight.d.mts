/** null when Chromium runs, else what is wrong and what to do. */
export function checkChromium(bin?: string): string | null;

/** checkChromium, installing Debian's chromium first when it is missing and we may (root, apt-get, PREFLIGHT_INSTALL≠0). */
export function ensureChromium(deps?: {
  bin?: string;
  explicit?: boolean;
  isRoot?: boolean;
  allowed?: boolean;
  hasApt?: boolean;
  run?: (cmd: string, argv: string[]) => unknown;
  log?: (line: string) => void;
}): string | null;
