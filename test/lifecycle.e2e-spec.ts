import { existsSync, mkdtempSync, readFileSync, chmodSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import { freePort } from '../src/common/free-port.js';
import { startService } from './support/service-process.js';
import { TEST_SECRET } from './support/test-app.js';
import { mintToken } from './support/tokens.js';

/** The process itself: start-up without a database, and SIGTERM with a request in flight. */
describe('process lifecycle (e2e, src/main.ts in a child process)', () => {
  it('gives up after the configured attempts with a clear message and exit code 1 when the database is unreachable', async () => {
    const deadPort = await freePort();
    const service = startService({
      DATABASE_URL: `postgres://todo:secret-password@127.0.0.1:${deadPort}/todo`,
      BETTER_AUTH_SECRET: TEST_SECRET,
      PORT: String(await freePort()),
      DB_CONNECT_ATTEMPTS: '3',
      DB_CONNECT_RETRY_DELAY_MS: '50',
    });
    expect(await service.exited).toBe(1);
    const output = service.output();
    expect(output).toContain(
      `Start-up failed: could not connect to the database at 127.0.0.1:${deadPort}/todo after 3 attempts: connect ECONNREFUSED`,
    );
    expect(output.match(/attempt \d of 3 failed, retrying in 50 ms/g)).toHaveLength(2);
    expect(output).not.toContain('secret-password');
    expect(output).not.toContain('Listening on');
    // One clear line, not the same error again with a stack trace (raw, or escaped in a JSON line).
    expect(output).not.toMatch(/(\n|\\n)\s+at /);
  });

  describe('SIGTERM with a request in flight (embedded PostgreSQL)', () => {
    let dir: string;
    let service: ReturnType<typeof startService> | undefined;
    let sql: Client | undefined;

    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'todo-api-lifecycle-'));
      // As root the embedded server runs as the postgres OS user, which must reach ./.data.
      chmodSync(dir, 0o755);
    });
    afterAll(async () => {
      await sql?.end().catch(() => undefined);
      if (service && service.child.exitCode === null) {
        service.child.kill('SIGKILL');
        await service.exited;
      }
      rmSync(dir, { recursive: true, force: true });
    });

    it('stops accepting, finishes the in-flight request, closes the pool and the database, and exits 0', async () => {
      const port = await freePort();
      service = startService(
        { DATABASE_URL: '', BETTER_AUTH_SECRET: TEST_SECRET, PORT: String(port), HOST: '127.0.0.1' },
        dir,
      );
      const [, pgPort] = await service.waitFor(/Embedded PostgreSQL is ready on 127\.0\.0\.1:(\d+)/);
      await service.waitFor(/Listening on/);

      const token = mintToken({ sub: 'shutdown-tester' });
      expect((await get(port, '/api/tasks', token)).status).toBe(200);

      // Hold a lock that the next list request must wait for, from our own connection.
      const password = readFileSync(join(dir, '.data', 'postgres-password'), 'utf8').trim();
      sql = new Client({ host: '127.0.0.1', port: Number(pgPort), user: 'postgres', password, database: 'todo' });
      sql.on('error', () => undefined);
      await sql.connect();
      await sql.query('BEGIN');
      await sql.query('LOCK TABLE tasks IN ACCESS EXCLUSIVE MODE');
      // Past the end of an empty list the service runs a second query for the total, so the request
      // still needs the pool after the lock is released, that is, after SIGTERM.
      const inFlight = get(port, '/api/tasks?offset=5', token);
      await until(async () => {
        const { rows } = await sql!.query(
          `SELECT 1 FROM pg_stat_activity WHERE application_name = 'todo-api' AND wait_event_type = 'Lock'`,
        );
        return rows.length > 0;
      });

      service.child.kill('SIGTERM');
      await service.waitFor(/SIGTERM received/);
      await until(async () => !(await accepts(port)));

      await sql.query('COMMIT');
      await sql.end();
      sql = undefined;
      const response = await inFlight;
      expect(response.status).toBe(200);
      expect(JSON.parse(response.body)).toEqual({ items: [], total: 0, limit: 50, offset: 5 });

      expect(await service.exited).toBe(0);
      expect(service.output()).toContain('Stopped');
      expect(existsSync(join(dir, '.data', 'postgres', 'postmaster.pid'))).toBe(false);
      expect(await accepts(Number(pgPort))).toBe(false);
    });
  });
});

/** A GET on its own connection (no keep-alive pool), so it is really in flight on its own socket. */
function get(port: number, path: string, token: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port, path, agent: false, headers: { authorization: `Bearer ${token}` } },
      (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function until(condition: () => Promise<boolean>, tries = 200): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await condition()) return;
    await sleep(50);
  }
  throw new Error('condition not met in time');
}
