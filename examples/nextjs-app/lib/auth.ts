import { betterAuth } from 'better-auth';
import { getMigrations } from 'better-auth/db/migration';
import { jwt } from 'better-auth/plugins/jwt';
import { Pool } from 'pg';

/**
 * Better Auth on its own PostgreSQL database (DATABASE_URL), with the jwt plugin whose tokens the
 * API verifies against /api/auth/jwks. Made on first use, not at import: `next build` loads this
 * module without the runtime environment.
 */
function createAuth() {
  return betterAuth({
    baseURL: process.env.BETTER_AUTH_URL,
    secret: process.env.BETTER_AUTH_SECRET,
    database: new Pool({ connectionString: process.env.DATABASE_URL, max: 5 }),
    emailAndPassword: { enabled: true, minPasswordLength: 8 },
    plugins: [jwt()],
    // Better Auth allows 3 sign-ins or sign-ups per 10 s from one address; AUTH_RATE_LIMIT=0 lifts
    // that for the browser tests, which sign several people up from 127.0.0.1 at once.
    rateLimit: { enabled: process.env.AUTH_RATE_LIMIT === '0' ? false : undefined },
  });
}

let instance: ReturnType<typeof createAuth> | undefined;

export function auth(): ReturnType<typeof createAuth> {
  return (instance ??= createAuth());
}

/** Creates or updates Better Auth's tables (user, session, account, verification, jwks). */
export async function migrate(): Promise<void> {
  const { runMigrations } = await getMigrations(auth().options);
  await runMigrations();
}
