import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { EmbeddedPostgres } from '../../src/database/embedded-postgres';

declare global {
  // eslint-disable-next-line no-var
  var __EMBEDDED_PG__: EmbeddedPostgres | undefined;
}

/**
 * Finds the PostgreSQL server the e2e run uses: TEST_DATABASE_URL or DATABASE_URL when set (CI
 * points it at the PostgreSQL service), otherwise a throwaway embedded server. Each e2e file then
 * creates its own database on it (test/support/test-app.ts), so files never see each other's rows.
 */
export default async function globalSetup(): Promise<void> {
  const given = process.env.TEST_DATABASE_URL || process.env.DATABASE_URL;
  if (given) {
    const client = new Client({ connectionString: given, connectionTimeoutMillis: 5_000 });
    try {
      await client.connect();
    } catch (error) {
      throw new Error(`TEST_DATABASE_URL/DATABASE_URL is set but PostgreSQL is not reachable: ${(error as Error).message}`);
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
  globalThis.__EMBEDDED_PG__ = await EmbeddedPostgres.start({ dataDir: join(dir, 'postgres'), database: 'postgres' });
  process.env.TEST_DATABASE_URL = globalThis.__EMBEDDED_PG__.url;
  process.env.TEST_EMBEDDED_PG_DIR = dir;
  console.log(`\ne2e: no TEST_DATABASE_URL, started an embedded PostgreSQL in ${Date.now() - started} ms`);
}
