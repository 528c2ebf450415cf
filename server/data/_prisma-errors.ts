// Prisma error shapes we react to (driver adapters map both SQLite and PostgreSQL unique violations to P2002).
export function isUniqueViolation(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { code?: unknown }).code === 'P2002';
}
