import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { EmbeddedPostgres } from '../src/database/embedded-postgres.js';
import { serverCpuMs } from './server-process.js';

const BENCH_DATABASE = 'todo_bench';
const BASELINE_DATABASE = 'todo_bench_baseline';
const RAW_DATABASE = 'todo_bench_raw';

/** Drops `name` and creates it again: empty, or a copy of `template` (which nothing may be connected to). */
async function recreate(embedded: EmbeddedPostgres, name: string, template?: string): Promise<void> {
  const admin = new Client({ connectionString: embedded.url });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${name}${template ? ` TEMPLATE ${template}` : ''}`);
  } finally {
    await admin.end();
  }
}

/**
 * The service's database. DATABASE_URL when set (the bench then removes its own users, and their
 * tasks, when it ends); otherwise one embedded PostgreSQL for the whole run, under ./.data/bench,
 * with a database that is recreated empty on every run so figures are comparable (and, once seeded,
 * copied for the raw server: rawDatabase).
 */
export class BenchDatabase {
  /** Reconnected by rawDatabase(), which needs this database free of connections for a moment. */
  sql: Client;

  private constructor(
    readonly url: string,
    private readonly embedded?: EmbeddedPostgres,
    /** False for a second database on the same embedded server, which closing leaves running. */
    private readonly ownsServer = true,
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
    await recreate(embedded, BENCH_DATABASE);
    const db = new BenchDatabase(embedded.urlFor(BENCH_DATABASE), embedded);
    await db.sql.connect();
    return db;
  }

  /**
   * The baseline's own database: an older build runs its own migrations on it, since its statements
   * may not run on this build's schema (an index an `ON CONFLICT` names may be gone). On the embedded
   * server, a second database recreated empty; with DATABASE_URL, BASELINE_DATABASE_URL (another
   * database, whose bench users are removed at the end).
   */
  async baselineDatabase(): Promise<BenchDatabase> {
    if (!this.embedded) {
      const given = process.env.BASELINE_DATABASE_URL?.trim();
      if (!given) throw new Error('--baseline with DATABASE_URL needs BASELINE_DATABASE_URL, another database for it');
      const db = new BenchDatabase(given);
      await db.sql.connect();
      return db;
    }
    await recreate(this.embedded, BASELINE_DATABASE);
    const db = new BenchDatabase(this.embedded.urlFor(BASELINE_DATABASE), this.embedded, false);
    await db.sql.connect();
    return db;
  }

  /**
   * The raw server's database: on the embedded server, a copy of this one as seeded (same rows, ids,
   * statistics, `CREATE DATABASE ... TEMPLATE`), so that neither server's writes bloat the other's
   * tables: sharing one, the service's toggles walked the dead row versions of the raw server's
   * toggles of the same tasks too, and the baseline's database had no such guest. Nothing may be
   * connected to this database meanwhile (stop the servers first); `sql` reconnects. With
   * DATABASE_URL, this database itself: the raw server shares it, as the report says.
   */
  async rawDatabase(): Promise<BenchDatabase> {
    if (!this.embedded) return this;
    await this.sql.end();
    await recreate(this.embedded, RAW_DATABASE, BENCH_DATABASE);
    this.sql = new Client({ connectionString: this.url });
    await this.sql.connect();
    const db = new BenchDatabase(this.embedded.urlFor(RAW_DATABASE), this.embedded, false);
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
    return this.embedded
      ? `embedded PostgreSQL on 127.0.0.1:${this.embedded.port}, a database of its own for each server, seeded alike`
      : "DATABASE_URL (the raw server shares the service's database)";
  }

  /**
   * Brings statistics and the visibility map up to date after a bulk load, as autovacuum would: the
   * tasks' table, then every table's statistics (small ones such as list_members stay below
   * autovacuum's threshold of 50 changed rows, so would otherwise never have any).
   */
  async settle(): Promise<void> {
    await this.sql.query('VACUUM (ANALYZE) tasks');
    await this.sql.query('ANALYZE');
  }

  async close(userIds: string[]): Promise<void> {
    if (!this.embedded && userIds.length) await this.sql.query('DELETE FROM users WHERE id = ANY($1)', [userIds]);
    await this.sql.end();
    if (this.ownsServer) await this.embedded?.stop();
  }
}
