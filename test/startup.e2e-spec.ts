import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../src/common/free-port.js';
import type { Session, TaskPage } from './support/api-types.js';
import { startService } from './support/service-process.js';

describe('start-up as `npm start` runs it', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'todo-api-start-'));
    // As root the embedded server runs as the postgres OS user, which must reach ./.data.
    chmodSync(dir, 0o755);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses invalid configuration with one clear line per problem and no stack trace', async () => {
    const app = startService({ NODE_ENV: 'production', PORT: 'eighty', DB_POOL_SIZE: '-3' }, dir);
    expect(await app.exited).toBe(1);
    const lines = app.output().trim().split('\n');
    expect(lines.sort()).toEqual([
      expect.stringMatching(/^Configuration error: BETTER_AUTH_SECRET: is required in production/),
      expect.stringMatching(/^Configuration error: DB_POOL_SIZE: must be a whole number/),
      expect.stringMatching(/^Configuration error: PORT: must be a whole number/),
    ]);
  });

  it('runs on an embedded PostgreSQL under ./.data when DATABASE_URL is unset, and keeps the data across a restart', async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const env = { PORT: String(port), HOST: '127.0.0.1', NODE_ENV: 'development' };

    const first = startService(env, dir);
    await first.waitFor(/Listening on/);
    expect(first.output()).toContain('starting an embedded PostgreSQL');
    expect(first.output()).toContain('BETTER_AUTH_SECRET is not set');
    expect(existsSync(join(dir, '.data', 'postgres', 'PG_VERSION'))).toBe(true);
    expect(readFileSync(join(dir, '.data', 'auth-secret'), 'utf8').length).toBeGreaterThanOrEqual(32);

    const json = { 'content-type': 'application/json' };
    const signUp = await fetch(`${base}/api/auth/sign-up/email`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ email: 'keep@example.com', password: 'correct horse' }),
    });
    expect(signUp.status).toBe(201);
    const { token } = (await signUp.json()) as Session;
    const auth = { ...json, authorization: `Bearer ${token}` };
    const created = await fetch(`${base}/api/tasks`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ title: 'Survive a restart' }),
    });
    expect(created.status).toBe(201);

    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(first.output()).toContain('Stopped');
    // The embedded server stopped with the app: its lock file is gone.
    expect(existsSync(join(dir, '.data', 'postgres', 'postmaster.pid'))).toBe(false);

    const second = startService(env, dir);
    try {
      await second.waitFor(/Listening on/);
      expect(second.output()).not.toContain('First run');
      // Same generated secret, so the token from before the restart still works.
      const list = await fetch(`${base}/api/tasks`, { headers: auth });
      expect(list.status).toBe(200);
      const page = (await list.json()) as TaskPage;
      expect(page.items.map((task) => task.title)).toEqual(['Survive a restart']);
      const signIn = await fetch(`${base}/api/auth/sign-in/email`, {
        method: 'POST',
        headers: json,
        body: JSON.stringify({ email: 'keep@example.com', password: 'correct horse' }),
      });
      expect(signIn.status).toBe(200);
    } finally {
      second.child.kill('SIGTERM');
      expect(await second.exited).toBe(0);
    }
  }, 180_000);
});
