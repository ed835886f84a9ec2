import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { EmbeddedPostgres } from '../src/database/embedded-postgres.js';
import { serverCpuMs } from './server-process.js';

const BENCH_DATABASE = 'todo_bench';

/**
 * The database both servers use. DATABASE_URL when set (the bench then removes its own users, and
 * their tasks, when it ends); otherwise one embedded PostgreSQL for the whole run, under
 * ./.data/bench, with a database that is recreated empty on every run so figures are comparable.
 */
export class BenchDatabase {
  readonly sql: Client;

  private constructor(
    readonly url: string,
    private readonly embedded?: EmbeddedPostgres,
  ) {
    this.sql = new Client({ connectionString: url });
  }

  static async open(root: string): Promise<BenchDatabase> {
    const given = process.env.DATABASE_URL?.trim();
    if (given) {
      const db = new BenchDatabase(given);
      await db.sql.connect();
      return db;
    }
    const embedded = await EmbeddedPostgres.start({
      dataDir: join(root, '.data', 'bench', 'postgres'),
      database: 'postgres',
    });
    const admin = new Client({ connectionString: embedded.url });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${BENCH_DATABASE} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${BENCH_DATABASE}`);
    await admin.end();
    const db = new BenchDatabase(embedded.urlFor(BENCH_DATABASE), embedded);
    await db.sql.connect();
    return db;
  }

  /**
   * CPU time the embedded PostgreSQL has used so far (the postmaster and its backends, living or
   * gone), in ms; undefined with DATABASE_URL, whose server may be anywhere.
   */
  cpuMs(): number | undefined {
    if (!this.embedded) return undefined;
    const pid = Number(readFileSync(join(this.embedded.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    return serverCpuMs(pid);
  }

  get description(): string {
    return this.embedded ? `embedded PostgreSQL on 127.0.0.1:${this.embedded.port}` : 'DATABASE_URL';
  }

  /** Brings statistics and the visibility map up to date after a bulk load, as autovacuum would. */
  async settle(): Promise<void> {
    await this.sql.query('VACUUM (ANALYZE) tasks');
  }

  async close(userIds: string[]): Promise<void> {
    if (!this.embedded && userIds.length) await this.sql.query('DELETE FROM users WHERE id = ANY($1)', [userIds]);
    await this.sql.end();
    await this.embedded?.stop();
  }
}
