import { Client } from 'pg';
import { freePort } from '../src/common/free-port.js';
import type { SyncPage, Task } from './support/api-types.js';
import { startService } from './support/service-process.js';
import { createTestDatabase } from './support/test-database.js';
import { openEventStream, listen, type EventStreamClient } from './support/event-stream.js';
import { createTestApp, type Session, signUpUsers, TEST_SECRET, type TestApp } from './support/test-app.js';
import { mintToken, nowSeconds } from './support/tokens.js';

/**
 * GET /api/events on two real instances (two apps listening on ports of their own, as two processes
 * behind a load balancer) sharing one database: changes fan out through LISTEN/NOTIFY.
 */

let a: TestApp;
let b: TestApp;
let urlA: string;
let urlB: string;
const open: EventStreamClient[] = [];

beforeAll(async () => {
  a = await createTestApp();
  b = await createTestApp({}, { db: a.db });
  urlA = await listen(a.app);
  urlB = await listen(b.app);
});
afterEach(() => {
  for (const stream of open.splice(0)) stream.close();
});
afterAll(async () => {
  await b?.close();
  await a?.close();
});

const stream = async (url: string, token: string | undefined, headers: Record<string, string> = {}) => {
  const client = await openEventStream(url, token, headers);
  open.push(client);
  return client;
};
const changes = (client: EventStreamClient) => client.events.filter((event) => event.event === 'change');
const isChange = (event: { event: string }) => event.event === 'change';

const createTask = async (app: TestApp, token: string, title = 'a task') => {
  const response = await app.request({ method: 'POST', url: '/api/tasks', token, body: { title } });
  expect(response.statusCode).toBe(201);
  return response.json<Task>();
};
/** `count` tasks written with SQL, as a script would: no API call, so nothing announces them. */
const insertTasks = (userId: string, count: number) =>
  a.sql.query(
    `INSERT INTO tasks (user_id, title, position) SELECT $1, 'bulk ' || n, 'b' || lpad(n::text, 4, '0') FROM generate_series(1, $2) n`,
    [userId, count],
  );
/** The cursor at the end of the user's full sync, all pages read. */
const cursorNow = async (token: string) => {
  let page = (await a.request({ method: 'GET', url: '/api/sync', token })).json<SyncPage>();
  while (page.has_more) {
    page = (await a.request({ method: 'GET', url: `/api/sync?cursor=${page.cursor}`, token })).json<SyncPage>();
  }
  return page.cursor;
};

describe('GET /api/events', () => {
  let alice: Session;
  let bob: Session;
  beforeAll(async () => {
    [alice, bob] = await signUpUsers(a, 2);
  });

  it('is an event stream with the headers a proxy and a browser need', async () => {
    const events = await stream(urlA, alice.token, { origin: 'http://localhost:3000', 'accept-encoding': 'gzip, br' });
    expect(events.status).toBe(200);
    expect(events.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(events.headers['x-accel-buffering']).toBe('no');
    expect(events.headers['cache-control']).toContain('no-transform');
    expect(events.headers['content-encoding']).toBeUndefined();
    // CORS as for every route (hijacked replies skip Fastify's hooks: the headers are copied).
    expect(events.headers['access-control-allow-origin']).toBe('http://localhost:3000');
    expect(events.headers['access-control-allow-credentials']).toBe('true');
    // helmet's headers too.
    expect(events.headers['x-content-type-options']).toBe('nosniff');
    expect(events.headers['x-request-id']).toBeDefined();
  });

  it('lets a browser send Last-Event-ID across origins (CORS preflight)', async () => {
    const preflight = await a.request({
      method: 'OPTIONS',
      url: '/api/events',
      headers: {
        origin: 'http://localhost:3000',
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'authorization,last-event-id',
      },
    });
    expect(preflight.headers['access-control-allow-headers']).toMatch(/last-event-id/i);
  });

  it('delivers a change made on instance B to a stream on instance A, and nothing to another user', async () => {
    const aliceOnA = await stream(urlA, alice.token);
    const bobOnA = await stream(urlA, bob.token);
    const bobOnB = await stream(urlB, bob.token);
    const started = Date.now();
    await createTask(b, alice.token);
    const event = await aliceOnA.next(isChange, 5_000);
    console.log(
      `a change committed on instance B reached a stream on instance A ${Date.now() - started} ms after the request began`,
    );
    const cursor = await cursorNow(alice.token);
    expect(event).toEqual({ event: 'change', id: cursor, data: JSON.stringify({ cursor }) });

    // Bob's own change then reaches both his streams, as their first and only change.
    await createTask(a, bob.token);
    await bobOnA.next(isChange, 5_000);
    await bobOnB.next(isChange, 5_000);
    const bobCursor = await cursorNow(bob.token);
    expect(changes(bobOnA).map((e) => e.id)).toEqual([bobCursor]);
    expect(changes(bobOnB).map((e) => e.id)).toEqual([bobCursor]);
  });

  it('delivers a reminder announced on the reminder channel once to each stream of its user, on every instance', async () => {
    const carol = await a.signUp();
    const onA = await stream(urlA, carol.token);
    const onB = await stream(urlB, carol.token);
    const bobStream = await stream(urlB, bob.token);
    const reminder = { task_id: 7, title: 'Call the dentist', remind_at: '2026-12-01T09:00:00.000Z' };
    // As the reminder scheduler will: one notification, from whichever instance claimed it.
    await a.sql.query(`SELECT pg_notify('task_reminders', $1)`, [
      JSON.stringify({ user_id: carol.user.id, ...reminder }),
    ]);
    const isReminder = (event: { event: string }) => event.event === 'reminder';
    for (const client of [onA, onB]) expect(JSON.parse((await client.next(isReminder, 5_000)).data)).toEqual(reminder);

    // A later change arrives after it on each stream; by then a duplicate would have arrived too.
    await createTask(a, carol.token);
    await createTask(a, bob.token);
    for (const client of [onA, onB, bobStream]) await client.next(isChange, 5_000);
    expect(onA.events.filter(isReminder)).toHaveLength(1);
    expect(onB.events.filter(isReminder)).toHaveLength(1);
    expect(bobStream.events.filter(isReminder)).toHaveLength(0);
  });

  it('announces a bulk action on 500 tasks with one event at the final cursor', async () => {
    const { user, token } = await a.signUp();
    await insertTasks(user.id, 500);
    const events = await stream(urlA, token);
    const response = await b.request({
      method: 'POST',
      url: '/api/tasks/complete-all',
      token,
      body: { completed: true },
    });
    expect(response.statusCode).toBe(200);
    const cursor = await cursorNow(token);
    // Two stamps for the inbox made at sign-up, 500 for the inserts, 500 for the completions.
    expect(cursor).toBe('v1.1002');
    await events.next((event) => isChange(event) && event.id === cursor, 5_000);
    expect(changes(events)).toHaveLength(1);
  });

  it('tells streams of a change made outside the API (psql, a script) at the next catch-up', async () => {
    const c = await createTestApp({ EVENT_CATCH_UP_MS: '200' }, { db: a.db });
    try {
      const { user, token } = await c.signUp();
      const events = await stream(await listen(c.app), token);
      await insertTasks(user.id, 3);
      // The inbox made at sign-up took stamps 1 and 2.
      await events.next((event) => isChange(event) && event.id === 'v1.5', 2_000);
      expect(changes(events)).toHaveLength(1);
    } finally {
      await c.close();
    }
  });

  it('with Last-Event-ID, sends a change at once when something changed since, and none otherwise', async () => {
    const { token } = await a.signUp();
    await createTask(a, token, 'one');
    const seen = await cursorNow(token);
    await createTask(b, token, 'two');
    const current = await cursorNow(token);

    const behind = await stream(urlA, token, { 'last-event-id': seen });
    expect((await behind.next(isChange, 5_000)).id).toBe(current);

    const upToDate = await stream(urlB, token, { 'last-event-id': current });
    await createTask(a, token, 'three');
    const next = await upToDate.next(isChange, 5_000);
    expect(changes(upToDate)).toEqual([next]);
    expect(next.id).not.toBe(current);
  });

  it('answers a Last-Event-ID it did not write with a change to sync from', async () => {
    const { token } = await a.signUp();
    await createTask(a, token);
    const events = await stream(urlA, token, { 'last-event-id': 'garbage' });
    expect((await events.next(isChange, 5_000)).id).toBe(await cursorNow(token));
  });

  it('opens at most EVENT_STREAMS_PER_USER (10) streams per user: the 11th is 429', async () => {
    const { token } = await a.signUp();
    for (let i = 0; i < 10; i++) expect((await stream(urlA, token)).status).toBe(200);
    const refused = await stream(urlA, token);
    expect(refused.status).toBe(429);
    expect(refused.headers['content-type']).toContain('application/problem+json');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    await refused.ended;
    expect(JSON.parse(refused.body())).toMatchObject({ status: 429 });

    // Closing one frees its place.
    open[0].close();
    await open[0].ended;
    let status = 429;
    for (let i = 0; i < 50 && status === 429; i++) status = (await stream(urlA, token)).status;
    expect(status).toBe(200);
  });

  it('needs the bearer header: no token, or a token in the query string, is 401', async () => {
    expect((await stream(urlA, undefined)).status).toBe(401);
    const client = await openEventStream(urlA, undefined, {}, `/api/events?access_token=${alice.token}`);
    open.push(client);
    expect(client.status).toBe(401);
  });

  it('ends when the token expires', async () => {
    const user = await a.signUp();
    const exp = nowSeconds() + 2;
    const token = mintToken({ sub: user.user.id, exp });
    const events = await stream(urlA, token);
    expect(events.status).toBe(200);
    await events.ended;
    // Not before: a lower bound, which a slow machine cannot break (20 ms for timer granularity).
    expect(Date.now()).toBeGreaterThanOrEqual(exp * 1000 - 20);
  });

  it('ends when its session signs out, on any instance', async () => {
    const session = await a.signUp();
    const events = await stream(urlA, session.token);
    expect(events.status).toBe(200);
    // Open and delivering until then.
    await createTask(b, session.token);
    await events.next(isChange, 5_000);
    expect((await b.request({ method: 'POST', url: '/api/auth/sign-out', token: session.token })).statusCode).toBe(204);
    await events.ended;
  });

  it('keeps delivering after the database drops every connection; each stream hears the current cursor', async () => {
    const { token } = await a.signUp();
    await createTask(a, token);
    const current = await cursorNow(token);
    // Up to date when they open (no Last-Event-ID needed: nothing is sent then), one on each instance.
    const events = await stream(urlA, token);
    const onB = await stream(urlB, token);
    const admin = new Client({ connectionString: a.db.url });
    await admin.connect();
    try {
      const { rowCount } = await admin.query(
        // Every connection of both instances (pools and listeners); the test's own clients stay.
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
          WHERE datname = current_database() AND application_name LIKE 'todo-api%'`,
      );
      // At least the two listeners and a pooled connection of each instance.
      expect(rowCount).toBeGreaterThanOrEqual(4);
    } finally {
      await admin.end();
    }
    // After reconnecting, the listener tells every stream where its user stands.
    for (const client of [events, onB]) expect((await client.next(isChange, 10_000)).id).toBe(current);
    const before = changes(events).length;

    // The next change still arrives (the pools reconnect too; a request may meet a dead connection first).
    let created = 0;
    for (let i = 0; i < 20 && created !== 201; i++) {
      created = (await b.request({ method: 'POST', url: '/api/tasks', token, body: { title: 'after' } })).statusCode;
    }
    expect(created).toBe(201);
    const cursor = await cursorNow(token);
    await events.next((event) => isChange(event) && event.id === cursor, 10_000);
    expect(changes(events).length).toBeGreaterThan(before);
  });
});

it('closing an instance ends its streams, so shutdown is not held open', async () => {
  const c = await createTestApp({}, { db: a.db });
  const url = await listen(c.app);
  const session = await c.signUp();
  const events = await stream(url, session.token);
  expect(events.status).toBe(200);
  await c.close();
  await events.ended;
});

it('SIGTERM ends the open streams and the process exits 0 (src/main.ts in a child process)', async () => {
  const db = await createTestDatabase('events_sigterm');
  const port = await freePort();
  const service = startService({
    DATABASE_URL: db.url,
    BETTER_AUTH_SECRET: TEST_SECRET,
    PORT: String(port),
    HOST: '127.0.0.1',
  });
  try {
    await service.waitFor(/Listening on/);
    const events = await stream(`http://127.0.0.1:${port}`, mintToken({ sub: 'sigterm-tester' }));
    expect(events.status).toBe(200);
    service.child.kill('SIGTERM');
    await events.ended;
    expect(await service.exited).toBe(0);
    expect(service.output()).toContain('Stopped');
  } finally {
    if (service.child.exitCode === null) service.child.kill('SIGKILL');
    await service.exited;
    await db.drop();
  }
}, 60_000);
