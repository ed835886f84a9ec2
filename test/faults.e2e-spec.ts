import { expect } from '@jest/globals';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { EmbeddedPostgres } from '../src/database/embedded-postgres.js';
import { freePort } from '../src/common/free-port.js';
import type { Problem, Task, TaskPage } from './support/api-types.js';
import { createTestApp, type TestApp } from './support/test-app.js';
import { mintToken } from './support/tokens.js';

const expectProblem = (
  response: { statusCode: number; headers: Record<string, unknown>; json(): unknown },
  status: number,
) => {
  expect(response.statusCode).toBe(status);
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(response.json()).toMatchObject({ status, type: 'about:blank', detail: expect.any(String) });
};

describe('database down mid-traffic (e2e, a real PostgreSQL stopped and started)', () => {
  let dir: string;
  let pg: EmbeddedPostgres;
  let port: number;
  let t: TestApp;
  let token: string;

  const startServer = async () => {
    pg = await EmbeddedPostgres.start({ dataDir: join(dir, 'postgres'), database: 'postgres', port });
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'todo-api-faults-'));
    // As root the server runs as the postgres OS user, which must be able to reach its directory.
    chmodSync(dir, 0o755);
    port = await freePort();
    await startServer();
    t = await createTestApp({}, { server: pg.url });
    token = mintToken({ sub: 'fault-tester' });
  });

  afterAll(async () => {
    await t?.close();
    await pg?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers 503 problem+json while the database is down, keeps /health/live up, and recovers without a restart', async () => {
    const created = await t.request({
      method: 'POST',
      url: '/api/tasks',
      token,
      body: { title: 'Survives the outage' },
    });
    expect(created.statusCode).toBe(201);
    await t.sql.end();

    await pg.stop();

    expectProblem(await t.request({ method: 'GET', url: '/api/tasks', token }), 503);
    expectProblem(
      await t.request({ method: 'POST', url: '/api/tasks', token, body: { title: 'During the outage' } }),
      503,
    );
    expectProblem(
      await t.request({ method: 'PATCH', url: `/api/tasks/${created.json<Task>().id}/complete`, token }),
      503,
    );
    expectProblem(
      await t.request({
        method: 'POST',
        url: '/api/auth/sign-in/email',
        body: { email: 'a@example.com', password: 'whatever-long' },
      }),
      503,
    );
    const health = await t.request({ method: 'GET', url: '/health' });
    expect(health.statusCode).toBe(503);
    expect(health.json()).toMatchObject({ status: 'error' });
    expect((await t.request({ method: 'GET', url: '/health/live' })).statusCode).toBe(200);

    await startServer();

    // The pool replaces its dead connections on demand: the first requests after the restart may
    // still meet one, so allow a few tries, then everything must work again.
    let recovered = false;
    for (let i = 0; i < 40 && !recovered; i++) {
      recovered = (await t.request({ method: 'GET', url: '/health' })).statusCode === 200;
      if (!recovered) await sleep(250);
    }
    expect(recovered).toBe(true);
    const list = await t.request({ method: 'GET', url: '/api/tasks', token });
    expect(list.statusCode).toBe(200);
    expect(list.json<TaskPage>().items.map((task) => task.title)).toEqual(['Survives the outage']);
    const after = await t.request({ method: 'POST', url: '/api/tasks', token, body: { title: 'After the outage' } });
    expect(after.statusCode).toBe(201);
  });

  it('answers 503 "database unavailable" when the database accepts connections but never answers: the connect timeout ends the wait, not the request timeout', async () => {
    await pg.stop();
    // A black hole where the database was: TCP connects, nothing ever comes back.
    const sockets = new Set<Socket>();
    const blackHole = createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => blackHole.listen(port, '127.0.0.1', resolve));
    try {
      const started = Date.now();
      const [list, create, health] = await Promise.all([
        t.request({ method: 'GET', url: '/api/tasks', token }),
        t.request({ method: 'POST', url: '/api/tasks', token, body: { title: 'Into the void' } }),
        t.request({ method: 'GET', url: '/health' }),
      ]);
      console.log(`a database that never answers was given up on after ${Date.now() - started} ms`);
      expectProblem(list, 503);
      expectProblem(create, 503);
      // The request timeout (REQUEST_TIMEOUT_MS) would answer 'The request took too long to answer'.
      expect(list.json<Problem>().detail).toBe('The database is unavailable; try again shortly');
      expect(create.json<Problem>().detail).toBe('The database is unavailable; try again shortly');
      expect(health.statusCode).toBe(503);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => blackHole.close(resolve));
    }
    await startServer();
  });
});

describe('request timeout (e2e)', () => {
  let t: TestApp;
  const token = mintToken({ sub: 'timeout-tester' });

  beforeAll(async () => {
    t = await createTestApp({ REQUEST_TIMEOUT_MS: '1000' });
  });
  afterAll(() => t.close());

  it('answers 503 problem+json when a request waits too long, here on a row lock held elsewhere', async () => {
    const created = await t.request({ method: 'POST', url: '/api/tasks', token, body: { title: 'Locked' } });
    await t.sql.query('BEGIN');
    await t.sql.query('SELECT 1 FROM tasks WHERE id = $1 FOR UPDATE', [created.json<Task>().id]);
    try {
      const response = await t.request({
        method: 'PATCH',
        url: `/api/tasks/${created.json<Task>().id}`,
        token,
        body: { title: 'Waited' },
      });
      expectProblem(response, 503);
      expect(response.json<Problem>().detail).toMatch(/timed out|took too long/i);
    } finally {
      await t.sql.query('ROLLBACK');
    }
  });
});
