import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { freePort } from '../../src/common/free-port.js';

/** Debian's PostgreSQL 15 server binaries (package postgresql-15). */
export const PG15_BIN = '/usr/lib/postgresql/15/bin';

const ci = !!process.env.CI && process.env.CI !== 'false';
const installed = existsSync(join(PG15_BIN, 'pg_ctl'));

/**
 * `describe` for tests that run PostgreSQL clusters of their own from Debian's packages. Without
 * them they are skipped, saying so, but only on a developer's machine: under CI they run.
 */
export function describeWithPostgres15(name: string, body: () => void): void {
  if (installed || ci) {
    describe(name, body);
    return;
  }
  describe.skip(name, body);
  console.warn(
    `Skipping "${name}": PostgreSQL 15's server binaries are not at ${PG15_BIN} (apt-get install postgresql-15). Under CI=true these tests run.`,
  );
}

/**
 * A PostgreSQL 15 cluster in a directory of the test's own, on a loopback port, trusting local
 * connections (replication included): a primary made with `init`, or a streaming standby of one made
 * with `standbyOf`. As root its programs run as the postgres OS user, as PostgreSQL requires.
 */
export class PgCluster {
  private constructor(
    readonly dataDir: string,
    readonly port: number,
    /** `-c` settings the server starts with. */
    private readonly settings: Record<string, string>,
  ) {}

  /** A new primary; `settings` are passed as `-c` options whenever it starts. */
  static async init(dir: string, settings: Record<string, string> = {}): Promise<PgCluster> {
    const cluster = new PgCluster(join(dir, 'data'), await freePort(), settings);
    prepare(dir);
    run('initdb', ['-D', cluster.dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C']);
    return cluster;
  }

  /** A standby streaming from `primary` (pg_basebackup -R), not started yet. */
  static async standbyOf(primary: PgCluster, dir: string, settings: Record<string, string> = {}): Promise<PgCluster> {
    const cluster = new PgCluster(join(dir, 'data'), await freePort(), settings);
    prepare(dir);
    run('pg_basebackup', [
      '-h',
      '127.0.0.1',
      '-p',
      String(primary.port),
      '-U',
      'postgres',
      '-D',
      cluster.dataDir,
      '-R',
      '-X',
      'stream',
      '-c',
      'fast',
    ]);
    return cluster;
  }

  url(database = 'postgres'): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  get logFile(): string {
    return join(this.dataDir, '..', 'server.log');
  }

  log(): string {
    return existsSync(this.logFile) ? readFileSync(this.logFile, 'utf8') : '';
  }

  async start(settings: Record<string, string> = {}): Promise<void> {
    const options = Object.entries({
      listen_addresses: '127.0.0.1',
      port: String(this.port),
      unix_socket_directories: "''",
      fsync: 'off',
      ...this.settings,
      ...settings,
    })
      .map(([name, value]) => `-c ${name}=${value}`)
      .join(' ');
    run('pg_ctl', ['-D', this.dataDir, '-l', this.logFile, '-w', '-t', '60', '-o', options, 'start']);
    await this.query('SELECT 1');
  }

  /** `fast`: ends every session at once and shuts down cleanly; `immediate`: as a crash would. */
  stop(mode: 'fast' | 'immediate' = 'fast'): void {
    if (!existsSync(join(this.dataDir, 'postmaster.pid'))) return;
    run('pg_ctl', ['-D', this.dataDir, '-m', mode, '-w', '-t', '60', 'stop']);
  }

  /** Ends recovery: the standby becomes a primary of its own, on a new timeline. */
  promote(): void {
    run('pg_ctl', ['-D', this.dataDir, '-w', '-t', '60', 'promote']);
  }

  /** Runs `sql` on a connection of its own, straight to this server (not through any endpoint). */
  async query<T extends object>(sql: string, values: unknown[] = [], database = 'postgres'): Promise<T[]> {
    return (await this.session([sql], values, database)).at(-1) as T[];
  }

  /** Runs each statement in turn in one session (each in a transaction of its own); the rows of each. */
  async session(statements: string[], values: unknown[] = [], database = 'postgres'): Promise<object[][]> {
    const client = new Client({ connectionString: this.url(database), connectionTimeoutMillis: 5_000 });
    await client.connect();
    try {
      const results: object[][] = [];
      for (const sql of statements) results.push((await client.query<object>(sql, values)).rows);
      return results;
    } finally {
      await client.end();
    }
  }
}

function postgresOsUser(): { uid: number; gid: number } | undefined {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined;
  return {
    uid: Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim()),
    gid: Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim()),
  };
}

/** The cluster's parent directory, owned by the user its programs run as. */
function prepare(dir: string): void {
  mkdirSync(dir, { recursive: true });
  chmodSync(dir, 0o755);
  const owner = postgresOsUser();
  if (owner) chownSync(dir, owner.uid, owner.gid);
}

function run(program: string, args: string[]): void {
  try {
    execFileSync(join(PG15_BIN, program), args, {
      ...(postgresOsUser() ?? {}),
      stdio: ['ignore', 'pipe', 'pipe'],
      encoding: 'utf8',
    });
  } catch (error) {
    const { stderr, stdout } = error as { stderr?: string; stdout?: string };
    throw new Error(`${program} failed: ${(stderr || stdout || String(error)).trim()}`);
  }
}
