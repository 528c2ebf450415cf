/** Applies pending prisma/<provider>/migrations; returns the names applied. */
export function deployMigrations(url?: string, log?: (line: string) => void): Promise<string[]>;
