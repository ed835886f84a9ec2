import { expect } from '@jest/globals';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { freePort } from '../src/common/free-port.js';
import { EmbeddedPostgres } from '../src/database/embedded-postgres.js';
import { createTestApp, type TestApp } from './support/test-app.js';
import { mintToken } from './support/tokens.js';
import { checkStored, Writers } from './support/writers.js';

/**
 * A fast restart of PostgreSQL (SIGINT: sessions are ended at once, then it starts again on the
 * same port) under 8 concurrent writers, half of them sending Idempotency-Key. The server is one this
 * file starts, so the run's shared server is never restarted.
 */
describe('PostgreSQL restarted under concurrent writers (e2e)', () => {
  let dir: string;
  let pg: EmbeddedPostgres;
  let port: number;
  let t: TestApp;

  const startServer = async () => {
    pg = await EmbeddedPostgres.start({ dataDir: join(dir, 'postgres'), database: 'postgres', port });
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'todo-api-restart-'));
    // As root the server runs as the postgres OS user, which must be able to reach its directory.
    chmodSync(dir, 0o755);
    port = await freePort();
    await startServer();
    t = await createTestApp({}, { server: pg.url });
    // The test's own connection would not survive a restart.
    await t.sql.end();
  });

  afterAll(async () => {
    await t?.close();
    await pg?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  // RESTART_ROUNDS=20: the same scenario that many times in a row, on the same server and app.
  const rounds = Number(process.env.RESTART_ROUNDS) || 1;
  it.each(Array.from({ length: rounds }, (_, i) => i + 1))(
    'answers 503, never 500, stores every acknowledged write once, and recovers without a restart (round %i)',
    async () => {
      const writers = new Writers((options) => t.request(options), mintToken({ sub: `restart-${process.pid}` }), {
        writers: 8,
        withKeys: 4,
      });
      expect(await writers.acknowledgedMore(40)).toBe(true);
      await pg.stop();
      await startServer();
      const restartedAt = writers.now();
      const recovered = await writers.acknowledgedMore(40);
      const result = await writers.stop();

      expect(result.unexpected).toEqual([]);
      expect(recovered).toBe(true);
      expect(result.answers.some(({ status, at }) => status === 201 && at > restartedAt)).toBe(true);

      const sql = new Client({ connectionString: t.db.url });
      await sql.connect();
      const { lost, duplicated } = await checkStored(sql, result).finally(() => sql.end());
      if (rounds > 1) console.log(`restart round: ${JSON.stringify(result.statuses)}, ${lost.length} lost`);
      expect(lost).toEqual([]);
      expect(duplicated).toEqual([]);
    },
  );
});
