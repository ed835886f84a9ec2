import { randomUUID } from 'node:crypto';
import { expect } from '@jest/globals';
import { DataSource } from 'typeorm';
import { transaction } from '../src/database/transaction.js';
import { createLogger } from '../src/logging/logger.js';
import type { Category, SyncPage, Task } from './support/api-types.js';
import { type EventStreamClient, listen, openEventStream } from './support/event-stream.js';
import { documentedOperations, operationOf } from './support/openapi-validator.js';
import { describeWithPgBouncer, PgBouncer } from './support/pgbouncer.js';
import { describeProperties } from './support/properties.js';
import { createTestApp, type RequestOptions, type Session, type TestApp } from './support/test-app.js';
import { createTestDatabase, serverUrl, type TestDatabase } from './support/test-database.js';
import { mintToken } from './support/tokens.js';
import { checkStored, Writers } from './support/writers.js';

/**
 * The service with DATABASE_URL pointing at a transaction-mode PgBouncer (Debian's 1.18, the
 * hardest case: it keeps no named prepared statement and refuses startup parameters), and
 * DATABASE_DIRECT_URL at the server itself, as on Supabase or Neon with their poolers.
 */
describeWithPgBouncer('through a transaction pooler (e2e, PgBouncer in transaction mode)', () => {
  let bouncer: PgBouncer;
  const databases: TestDatabase[] = [];
  const apps: TestApp[] = [];

  /** An app whose pool goes through PgBouncer, with the direct URL unless told otherwise; its log lines. */
  const openPooled = async ({ direct = true, env = {} }: { direct?: boolean; env?: Record<string, string> } = {}) => {
    const db = await createTestDatabase('pooled');
    databases.push(db);
    const lines: { level: number; msg: string }[] = [];
    const logger = createLogger(
      { logLevel: 'info', logFormat: 'json' },
      { write: (chunk: string) => void lines.push(JSON.parse(chunk) as { level: number; msg: string }) },
    );
    const t = await createTestApp(
      { DATABASE_URL: bouncer.urlFor(db.url), ...(direct ? { DATABASE_DIRECT_URL: db.url } : {}), ...env },
      { db, logger },
    );
    apps.push(t);
    return { t, lines };
  };

  beforeAll(async () => {
    bouncer = await PgBouncer.start(serverUrl());
  });

  afterAll(async () => {
    for (const t of apps) await t.close();
    for (const db of databases) await db.drop();
    await bouncer?.stop();
  });

  describe('one app, DATABASE_URL through PgBouncer and DATABASE_DIRECT_URL direct', () => {
    let t: TestApp;
    let lines: { level: number; msg: string }[];
    let baseUrl: string;

    beforeAll(async () => {
      ({ t, lines } = await openPooled());
      baseUrl = await listen(t.app);
    });

    it('starts (no startup parameter PgBouncer refuses), tells the pooler apart, and needs no warning', () => {
      expect(lines.map((line) => line.msg)).toContain(
        'Connected through a connection pooler: hot statements sent unnamed, statement timeouts set per transaction',
      );
      expect(lines.filter((line) => line.level >= 40)).toEqual([]);
    });

    it('sets the statement timeout per transaction, since no session outlives one', async () => {
      const dataSource = t.app.get(DataSource);
      const timeout = "SELECT current_setting('statement_timeout') AS timeout";
      const [inside] = await transaction(dataSource, (db) => db.query<{ timeout: string }[]>(timeout));
      expect(inside.timeout).toBe('15s');
      // And nothing of it stays behind on the server connection for the pooler's next client.
      const [after] = await dataSource.query<{ timeout: string }[]>(timeout);
      expect(after.timeout).toBe('0');
    });

    it('answers every documented operation with a 2xx through the pooler', async () => {
      const answered = new Set<string>();
      const call = async (options: RequestOptions, status: number) => {
        const response = await t.request(options);
        expect({ call: `${options.method} ${options.url}`, status: response.statusCode }).toEqual({
          call: `${options.method} ${options.url}`,
          status,
        });
        answered.add(operationOf(options.method!, options.url)!);
        return response;
      };

      await call({ method: 'GET', url: '/' }, 200);
      await call({ method: 'GET', url: '/health' }, 200);
      await call({ method: 'GET', url: '/health/live' }, 200);
      const email = `pooled-${process.pid}@example.com`;
      const password = 'correct horse battery';
      await call({ method: 'POST', url: '/api/auth/sign-up/email', body: { email, password } }, 201);
      const session = (
        await call({ method: 'POST', url: '/api/auth/sign-in/email', body: { email, password } }, 200)
      ).json<Session>();
      const refreshed = (
        await call({ method: 'POST', url: '/api/auth/refresh', body: { refresh_token: session.refresh_token } }, 200)
      ).json<Session>();
      const token = refreshed.token;
      const me = session.user.id;
      await call({ method: 'GET', url: '/api/auth/me', token }, 200);

      for (const base of ['/api', `/api/${me}`]) {
        const category = (
          await call({ method: 'POST', url: `${base}/categories`, token, body: { name: `Errands ${base}` } }, 201)
        ).json<Category>();
        await call({ method: 'GET', url: `${base}/categories`, token }, 200);
        await call({ method: 'GET', url: `${base}/categories/${category.id}`, token }, 200);
        await call(
          { method: 'PATCH', url: `${base}/categories/${category.id}`, token, body: { name: `Shop ${base}` } },
          200,
        );
        const task = (
          await call(
            {
              method: 'POST',
              url: `${base}/tasks`,
              token,
              body: { title: 'Through the pooler', category_ids: [category.id] },
              headers: { 'idempotency-key': `pooled-${base}` },
            },
            201,
          )
        ).json<Task>();
        const second = (
          await call({ method: 'POST', url: `${base}/tasks`, token, body: { title: 'Second' } }, 201)
        ).json<Task>();
        await call({ method: 'GET', url: `${base}/tasks?limit=10&category_id=${category.id}`, token }, 200);
        await call({ method: 'GET', url: `${base}/tasks/summary`, token }, 200);
        await call({ method: 'GET', url: `${base}/tasks/${task.id}`, token }, 200);
        await call({ method: 'PUT', url: `${base}/tasks/${task.id}`, token, body: { title: 'Replaced' } }, 200);
        await call({ method: 'PATCH', url: `${base}/tasks/${task.id}`, token, body: { priority: 'high' } }, 200);
        await call({ method: 'PATCH', url: `${base}/tasks/${task.id}/complete`, token }, 200);
        await call({ method: 'POST', url: `${base}/tasks/${second.id}/move`, token, body: { after_id: null } }, 200);
        await call({ method: 'POST', url: `${base}/tasks/complete-all`, token, body: { completed: true } }, 200);
        await call({ method: 'DELETE', url: `${base}/tasks?status=completed`, token }, 200);
        const third = (
          await call({ method: 'POST', url: `${base}/tasks`, token, body: { title: 'Third' } }, 201)
        ).json<Task>();
        await call({ method: 'DELETE', url: `${base}/tasks/${third.id}`, token }, 204);
        await call({ method: 'DELETE', url: `${base}/categories/${category.id}`, token }, 204);

        // Lists, members and invitations, shared with a second user who joins through this family too.
        const guest = mintToken({ sub: `pooled-guest-${process.pid}` });
        const guestId = `pooled-guest-${process.pid}`;
        const guestBase = base === '/api' ? '/api' : `/api/${guestId}`;
        const list = (
          await call({ method: 'POST', url: `${base}/lists`, token, body: { name: `Shared ${base}` } }, 201)
        ).json<{ id: number }>();
        await call({ method: 'GET', url: `${base}/lists`, token }, 200);
        await call({ method: 'GET', url: `${base}/lists/${list.id}`, token }, 200);
        await call({ method: 'PATCH', url: `${base}/lists/${list.id}`, token, body: { color: '#22c55e' } }, 200);
        await call({ method: 'POST', url: `${base}/lists/${list.id}/move`, token, body: { after_id: null } }, 200);
        const revoked = (
          await call(
            { method: 'POST', url: `${base}/lists/${list.id}/invitations`, token, body: { role: 'viewer' } },
            201,
          )
        ).json<{ code: string }>();
        await call({ method: 'GET', url: `${base}/lists/${list.id}/invitations`, token }, 200);
        await call({ method: 'DELETE', url: `${base}/lists/${list.id}/invitations/${revoked.code}`, token }, 204);
        const invitation = (
          await call(
            { method: 'POST', url: `${base}/lists/${list.id}/invitations`, token, body: { role: 'editor' } },
            201,
          )
        ).json<{ code: string }>();
        await call({ method: 'POST', url: `${guestBase}/invitations/${invitation.code}/accept`, token: guest }, 200);
        await call(
          {
            method: 'POST',
            url: `${guestBase}/tasks`,
            token: guest,
            body: { title: 'By the guest', list_id: list.id },
          },
          201,
        );
        await call({ method: 'GET', url: `${base}/lists/${list.id}/members`, token }, 200);
        await call(
          { method: 'PATCH', url: `${base}/lists/${list.id}/members/${guestId}`, token, body: { role: 'viewer' } },
          200,
        );
        await call({ method: 'DELETE', url: `${base}/lists/${list.id}/members/${guestId}`, token }, 204);
        await call({ method: 'DELETE', url: `${base}/lists/${list.id}`, token }, 204);
      }
      await call({ method: 'POST', url: '/api/tasks', token, body: { title: 'Kept' } }, 201);
      const page = (await call({ method: 'GET', url: '/api/sync', token }, 200)).json<SyncPage>();
      expect(page.tasks.map((task) => task.title)).toEqual(['Kept']);

      // A push: a transaction and a savepoint per mutation; the rejected one is rolled back to it alone.
      const clientId = randomUUID();
      const mutations = [
        { id: 1, name: 'task.create', args: { title: 'Pushed', temp_id: 'p' } },
        { id: 2, name: 'task.update', args: { id: 'temp:p', title: '' } },
        { id: 3, name: 'task.complete', args: { id: 'temp:p' } },
      ];
      const pushed = (
        await call({ method: 'POST', url: '/api/sync/push', token, body: { client_id: clientId, mutations } }, 200)
      ).json<{ results: { status: string }[] }>();
      expect(pushed.results.map((result) => result.status)).toEqual(['applied', 'rejected', 'applied']);
      const synced = (await call({ method: 'GET', url: `/api/sync?client_id=${clientId}`, token }, 200)).json<
        SyncPage & { last_mutation_id: number }
      >();
      expect(synced.last_mutation_id).toBe(3);
      expect(synced.tasks.find((task) => task.title === 'Pushed')?.completed).toBe(true);

      const stream = await openEventStream(baseUrl, token);
      expect(stream.status).toBe(200);
      stream.close();
      answered.add('streamEvents');
      await call({ method: 'POST', url: '/api/auth/sign-out', token }, 204);

      expect(documentedOperations().filter((operation) => !answered.has(operation))).toEqual([]);
    });

    it('brings each write to an open event stream at once (LISTEN on the direct URL), and serves sync pages', async () => {
      const token = mintToken({ sub: `pooled-events-${process.pid}` });
      const stream: EventStreamClient = await openEventStream(baseUrl, token, { 'last-event-id': 'v1.0' });
      try {
        const started = Date.now();
        const created = await t.request({ method: 'POST', url: '/api/tasks', token, body: { title: 'Heard' } });
        expect(created.statusCode).toBe(201);
        const page = await t.request({ method: 'GET', url: '/api/sync?cursor=v1.0', token });
        expect(page.statusCode).toBe(200);
        expect(page.json<SyncPage>()).toMatchObject({ tasks: [expect.objectContaining({ title: 'Heard' })] });
        // Well within EVENT_CATCH_UP_MS (10 s): the announcement came over LISTEN, not the catch-up.
        const cursor = page.json<SyncPage>().cursor;
        await stream.next((event) => event.event === 'change' && event.id === cursor, 3_000);
        expect(Date.now() - started).toBeLessThan(3_000);
      } finally {
        stream.close();
      }
    });

    it('takes 8 concurrent writers (4 with Idempotency-Key) with no 5xx, and stores every acknowledged write once', async () => {
      const writers = new Writers((options) => t.request(options), mintToken({ sub: `pooled-writers-${process.pid}` }));
      expect(await writers.acknowledgedMore(200)).toBe(true);
      const result = await writers.stop();
      expect(result.statuses).toEqual({ 201: result.answers.length });
      const { lost, duplicated } = await checkStored(t.sql, result);
      expect(lost).toEqual([]);
      expect(duplicated).toEqual([]);
    });
  });

  it('warns once at start-up that live events need DATABASE_DIRECT_URL when it is missing', async () => {
    const { t, lines } = await openPooled({ direct: false });
    const warnings = lines.filter((line) => line.level === 40);
    expect(warnings).toHaveLength(1);
    expect(warnings[0].msg).toMatch(/DATABASE_URL goes through a connection pooler and DATABASE_DIRECT_URL is not set/);
    // It works all the same (migrations ran through the pooler, under a transaction's lock).
    const token = mintToken({ sub: `pooled-no-direct-${process.pid}` });
    expect((await t.request({ method: 'POST', url: '/api/tasks', token, body: { title: 'Still' } })).statusCode).toBe(
      201,
    );
  });

  describeProperties('random requests (fast-check), through the pooler', async () => (await openPooled()).t, {
    model: 15,
    input: 150,
  });
});
