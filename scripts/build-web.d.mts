/** Builds the web apps whose output is missing or stale (always with force); returns the names built. */
export function buildWeb(opts?: { force?: boolean; strict?: boolean; only?: string[] }): Promise<string[]>;
