import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Where the service keeps what it generates for itself: the embedded database and the dev secret. */
export const DATA_DIR = join(process.cwd(), '.data');

/**
 * Reads `.env` when present (real environment variables win), then, outside production, makes
 * sure there is a BETTER_AUTH_SECRET: a generated one kept under ./.data so tokens survive restarts.
 * Returns the warning to log when it had to use that generated secret (the logger is not set up yet).
 */
export function prepareEnvironment(envFile = '.env'): string | undefined {
  if (existsSync(envFile)) process.loadEnvFile(envFile);

  const production = ['production', 'prod'].includes((process.env.NODE_ENV || process.env.ENVIRONMENT || '').trim());
  if (production || process.env.BETTER_AUTH_SECRET?.trim()) return undefined;

  const file = join(DATA_DIR, 'auth-secret');
  if (!existsSync(file)) {
    mkdirSync(DATA_DIR, { recursive: true });
    writeFileSync(file, randomBytes(48).toString('base64url'), { mode: 0o600 });
  }
  process.env.BETTER_AUTH_SECRET = readFileSync(file, 'utf8').trim();
  return `BETTER_AUTH_SECRET is not set: using the development secret kept in ${file}. Set it in production.`;
}
