import { expect } from '@jest/globals';
import { Client } from 'pg';
import { createLogger } from '../src/logging/logger.js';
import { serverUrl } from './support/test-database.js';
import { type Session, useTestApp } from './support/test-app.js';

interface LogLine {
  level: number;
  msg: string;
  request_id?: string;
  method?: string;
  route?: string;
  status?: number;
  duration_ms?: number;
  context?: string;
}

describe('Structured logs', () => {
  const output: string[] = [];
  const lines = () =>
    output
      .join('')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as LogLine);
  const PASSWORD = 'a password nobody should read 4711';
  // trace: the most the service ever logs, request headers included, so redaction is really exercised.
  const logger = createLogger(
    { logLevel: 'trace', logFormat: 'json' },
    { write: (chunk: string) => output.push(chunk) },
  );
  const t = useTestApp({}, { logger });
  let session: Session;

  beforeAll(async () => {
    await t.signUp({ email: 'logged@example.com', password: PASSWORD });
    const signIn = await t.request({
      method: 'POST',
      url: '/api/auth/sign-in/email',
      body: { email: 'logged@example.com', password: PASSWORD },
    });
    expect(signIn.statusCode).toBe(200);
    session = signIn.json<Session>();
  });

  it('writes one JSON line per request with method, route template, status and duration', async () => {
    const response = await t.request({ method: 'GET', url: '/api/tasks/12345', token: session.token });
    expect(response.statusCode).toBe(404);
    const id = response.headers['x-request-id'] as string;

    const requestLines = lines().filter((line) => line.request_id === id && line.status !== undefined);
    expect(requestLines).toHaveLength(1);
    expect(requestLines[0]).toMatchObject({ method: 'GET', route: '/api/tasks/:id', status: 404 });
    expect(typeof requestLines[0].duration_ms).toBe('number');
  });

  it('takes the request id from X-Request-Id, returns it, and puts it on every line of that request', async () => {
    const response = await t.request({
      method: 'GET',
      url: '/api/auth/me',
      token: session.token,
      headers: { 'x-request-id': 'frontend-42' },
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers['x-request-id']).toBe('frontend-42');

    const mine = lines().filter((line) => line.request_id === 'frontend-42');
    expect(mine.map((line) => line.msg)).toEqual([
      'request received',
      'GET /api/auth/me 200 ' + mine[1].duration_ms + ' ms',
    ]);
  });

  it('generates a request id when none (or a malformed one) is given', async () => {
    const plain = await t.request({ method: 'GET', url: '/health/live' });
    const junk = await t.request({ method: 'GET', url: '/health/live', headers: { 'x-request-id': 'x'.repeat(500) } });
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
    expect(plain.headers['x-request-id']).toMatch(uuid);
    expect(junk.headers['x-request-id']).toMatch(uuid);
    expect(lines().some((line) => line.request_id === junk.headers['x-request-id'] && line.status === 200)).toBe(true);
  });

  it("puts the request id on the problem filter's error line", async () => {
    // Take the database away from the app so the request fails with a 503 the filter logs.
    const admin = new Client({ connectionString: serverUrl() });
    await admin.connect();
    const db = admin.escapeIdentifier(t.db.name);
    const { rows } = await t.sql.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    try {
      await admin.query(`ALTER DATABASE ${db} ALLOW_CONNECTIONS false`);
      await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> $2', [
        t.db.name,
        rows[0].pid,
      ]);
      const response = await t.request({
        method: 'GET',
        url: '/api/tasks',
        token: session.token,
        headers: { 'x-request-id': 'db-down-1' },
      });
      expect(response.statusCode).toBe(503);
    } finally {
      await admin.query(`ALTER DATABASE ${db} ALLOW_CONNECTIONS true`);
      await admin.end();
    }
    const errorLine = lines().find((line) => line.request_id === 'db-down-1' && line.context === 'Errors');
    expect(errorLine).toMatchObject({ level: 50, msg: expect.stringContaining('GET /api/tasks -> 503') });
  });

  it('never writes the password, the tokens or the Authorization header', async () => {
    await t.request({
      method: 'GET',
      url: '/api/auth/me',
      token: session.token,
      headers: { cookie: 'session=cookie-secret-1' },
    });
    const text = output.join('');
    expect(text).toContain('"authorization":"[Redacted]"');
    expect(text).toContain('"cookie":"[Redacted]"');
    for (const secret of [
      PASSWORD,
      session.token,
      session.refresh_token,
      session.token.split('.')[2],
      'cookie-secret-1',
    ]) {
      expect(text).not.toContain(secret);
    }
  });
});
