// Jest runs its global setup in its own process, outside the test module registry and without the
// TypeScript transform, so this file is plain ESM, and SWC's loader (as for src/main.ts in the
// process tests) lets it import the embedded PostgreSQL runner from src/.
import { chmodSync, mkdtempSync } from 'node:fs';
import { register } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/**
 * Finds the PostgreSQL server the medium and e2e specs use (Jest runs this once for both):
 * TEST_DATABASE_URL or DATABASE_URL when set (CI points it at the PostgreSQL service), otherwise a
 * throwaway embedded server. Each file then creates its own database on it (test/support/test-app.ts,
 * test/support/medium.ts), so files never see each other's rows.
 */
export default async function globalSetup() {
  const given = process.env.TEST_DATABASE_URL || process.env.DATABASE_URL;
  if (given) {
    const client = new pg.Client({ connectionString: given, connectionTimeoutMillis: 5_000 });
    try {
      await client.connect();
    } catch (error) {
      throw new Error(`TEST_DATABASE_URL/DATABASE_URL is set but PostgreSQL is not reachable: ${error.message}`);
    } finally {
      await client.end().catch(() => undefined);
    }
    process.env.TEST_DATABASE_URL = given;
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'todo-api-e2e-'));
  // As root the server runs as the postgres OS user, which must be able to reach its directory.
  chmodSync(dir, 0o755);
  const started = Date.now();
  register('@swc-node/register/esm', import.meta.url);
  const { EmbeddedPostgres } = await import('../../src/database/embedded-postgres.ts');
  globalThis.__EMBEDDED_PG__ = await EmbeddedPostgres.start({ dataDir: join(dir, 'postgres'), database: 'postgres' });
  process.env.TEST_DATABASE_URL = globalThis.__EMBEDDED_PG__.url;
  process.env.TEST_EMBEDDED_PG_DIR = dir;
  console.log(`\ntests: no TEST_DATABASE_URL, started an embedded PostgreSQL in ${Date.now() - started} ms`);
}
