import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import { freePort } from '../../src/common/free-port.js';

/** Debian's PgBouncer (`apt-get install pgbouncer`; 1.18 on Debian 12). */
export const PGBOUNCER = '/usr/sbin/pgbouncer';

const ci = !!process.env.CI && process.env.CI !== 'false';
const installed = existsSync(PGBOUNCER);

/**
 * `describe` for tests that need PgBouncer. Without it they are skipped, saying so, but only on a
 * developer's machine: under CI they run (.ci/run installs it), and fail if it is missing.
 */
export function describeWithPgBouncer(name: string, body: () => void): void {
  if (installed || ci) {
    describe(name, body);
    return;
  }
  describe.skip(name, body);
  console.warn(
    `Skipping "${name}": PgBouncer is not installed at ${PGBOUNCER} (apt-get install pgbouncer). Under CI=true these tests run.`,
  );
}

/**
 * A PgBouncer of the test's own on a loopback port, in transaction mode (as Supabase's and Neon's
 * poolers run), in front of the PostgreSQL server `serverUrl` names: every database of that server
 * is reachable through it under the same name. It refuses named prepared statements and every
 * startup parameter but the few it tracks, as hosted poolers do.
 */
export class PgBouncer {
  private constructor(
    private readonly child: ChildProcess,
    private readonly dir: string,
    readonly port: number,
    private readonly server: URL,
    private readonly log: () => string,
  ) {}

  static async start(serverUrl: string, { poolSize = 20 }: { poolSize?: number } = {}): Promise<PgBouncer> {
    if (!installed)
      throw new Error(`PgBouncer is required but ${PGBOUNCER} does not exist: apt-get install -y pgbouncer`);
    const server = new URL(serverUrl);
    const user = decodeURIComponent(server.username || 'postgres');
    const password = decodeURIComponent(server.password);
    const dir = mkdtempSync(join(tmpdir(), 'todo-api-pgbouncer-'));
    const port = await freePort();
    const quote = (value: string) => `"${value.replace(/"/g, '""')}"`;
    writeFileSync(join(dir, 'users.txt'), `${quote(user)} ${quote(password)}\n`, { mode: 0o600 });
    writeFileSync(
      join(dir, 'pgbouncer.ini'),
      [
        '[databases]',
        // Any database name, passed through to the server with the client's user and password.
        `* = host=${server.hostname} port=${server.port || 5432}`,
        '[pgbouncer]',
        'listen_addr = 127.0.0.1',
        `listen_port = ${port}`,
        'unix_socket_dir =',
        'auth_type = trust',
        `auth_file = ${join(dir, 'users.txt')}`,
        'pool_mode = transaction',
        `default_pool_size = ${poolSize}`,
        'max_client_conn = 1000',
        // How long a client may wait for a server connection; longer than any test needs.
        'query_wait_timeout = 30',
        `logfile = ${join(dir, 'pgbouncer.log')}`,
        `pidfile = ${join(dir, 'pgbouncer.pid')}`,
        '',
      ].join('\n'),
    );
    // PgBouncer refuses to run as root: as root it runs as the postgres OS user, which owns its files.
    const owner = typeof process.getuid === 'function' && process.getuid() === 0 ? postgresOsUser() : undefined;
    if (owner) for (const file of ['', 'users.txt', 'pgbouncer.ini']) chownSync(join(dir, file), owner.uid, owner.gid);
    const child = spawn(PGBOUNCER, [join(dir, 'pgbouncer.ini')], {
      ...(owner ?? {}),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4000)));
    const log = () => {
      const file = join(dir, 'pgbouncer.log');
      return `${stderr}${existsSync(file) ? readFileSync(file, 'utf8').slice(-4000) : ''}`;
    };
    const bouncer = new PgBouncer(child, dir, port, server, log);
    await bouncer.waitUntilReady();
    return bouncer;
  }

  /** The URL of `database` on the server, through this PgBouncer. */
  urlFor(databaseUrl: string): string {
    const url = new URL(databaseUrl);
    url.hostname = '127.0.0.1';
    url.port = String(this.port);
    return url.toString();
  }

  /** CPU time (user + system) PgBouncer has used so far, in ms (Linux: /proc). */
  cpuMs(): number {
    try {
      // Fields after the command name; utime and stime are the 14th and 15th, in clock ticks of 10 ms.
      const fields = readFileSync(`/proc/${this.child.pid}/stat`, 'utf8').split(') ')[1].split(' ');
      return (Number(fields[11]) + Number(fields[12])) * 10;
    } catch {
      return 0;
    }
  }

  /** What PgBouncer has written (its log), for a failure's message. */
  output(): string {
    return this.log();
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.kill('SIGINT');
      await exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async waitUntilReady(): Promise<void> {
    const deadline = Date.now() + 15_000;
    const url = new URL(this.server);
    url.pathname = '/postgres';
    for (;;) {
      if (this.child.exitCode !== null) throw new Error(`PgBouncer exited during start-up: ${this.log()}`);
      const client = new Client({ connectionString: this.urlFor(url.toString()), connectionTimeoutMillis: 1000 });
      try {
        await client.connect();
        await client.end();
        return;
      } catch (error) {
        await client.end().catch(() => undefined);
        if (Date.now() > deadline)
          throw new Error(`PgBouncer did not accept connections within 15 s: ${String(error)}`);
        await sleep(50);
      }
    }
  }
}

function postgresOsUser(): { uid: number; gid: number } {
  return {
    uid: Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim()),
    gid: Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim()),
  };
}
