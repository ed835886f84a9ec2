import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnv as parseDotenv } from 'node:util';

/** Where the service keeps what it generates for itself: the embedded database and the dev secret. */
export const DATA_DIR = join(process.cwd(), '.data');

export interface Environment {
  /** The variables to parse (env.validation.ts): `.env`'s, then the real environment's on top. */
  variables: Record<string, string | undefined>;
  /** The warning to log when the generated development secret is used (the logger is not set up yet). */
  secretWarning?: string;
}

/**
 * Reads `.env` when present (real environment variables win), then, outside production, makes
 * sure there is a BETTER_AUTH_SECRET: a generated one kept under ./.data so tokens survive restarts.
 * Returns the variables for the one parse at start-up; process.env is read, never written.
 */
export function readEnvironment(envFile = '.env', given: NodeJS.ProcessEnv = process.env): Environment {
  const variables: Record<string, string | undefined> = {
    ...(existsSync(envFile) ? parseDotenv(readFileSync(envFile, 'utf8')) : {}),
    ...given,
  };

  const production = ['production', 'prod'].includes((variables.NODE_ENV || variables.ENVIRONMENT || '').trim());
  if (production || variables.BETTER_AUTH_SECRET?.trim()) return { variables };

  const file = join(DATA_DIR, 'auth-secret');
  if (!existsSync(file)) {
    mkdirSync(DATA_DIR, { recursive: true });
    writeFileSync(file, randomBytes(48).toString('base64url'), { mode: 0o600 });
  }
  return {
    variables: { ...variables, BETTER_AUTH_SECRET: readFileSync(file, 'utf8').trim() },
    secretWarning: `BETTER_AUTH_SECRET is not set: using the development secret kept in ${file}. Set it in production.`,
  };
}
