/**
 * Applies pending prisma/<provider>/migrations; returns the names applied. On PostgreSQL everything runs under one
 * advisory lock; `whileLocked` runs after the migrations, still under it (first-start admin creation).
 */
export function deployMigrations(url?: string, log?: (line: string) => void, opts?: { whileLocked?: () => Promise<void> }): Promise<string[]>;

/** The nearest directory with a package.json at or above `from` (default: the script's own directory). */
export function projectRoot(from?: string): string;
