import { jest } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import { Writable } from 'node:stream';
import { Client } from 'pg';
import pino from 'pino';
import { ReminderScheduler } from '../src/reminders/reminder-scheduler.service.js';
import { type ReminderClaim, RemindersRepository } from '../src/reminders/reminders.repository.js';
import type { Reminder, SyncPage, Task } from './support/api-types.js';
import { listen, openEventStream, type EventStreamClient, type ServerSentEvent } from './support/event-stream.js';
import { createTestApp, type Session, signUpUsers, type TestApp } from './support/test-app.js';

/**
 * The reminder scheduler, end to end: two real instances (two apps listening on ports of their own)
 * on one database, both polling every 100 ms. A due reminder reaches every stream of its user once,
 * whichever instance claims it, within 5 s of `remind_at`; `reminded_at` is set; and nothing else
 * is disturbed (another user's stream, the task's ETag, concurrent writes).
 */

const POLL_MS = 100;
/** Warnings and errors the apps log: a failed claim (a deadlock, a closed pool) is one. */
const problems: string[] = [];
const logger = pino(
  { level: 'warn' },
  new Writable({
    write(chunk: Buffer, _encoding, done) {
      problems.push(chunk.toString());
      done();
    },
  }),
);

let a: TestApp;
let b: TestApp;
let urlA: string;
let urlB: string;
/** Every announcement on the reminder channel, from either instance: how many times each was claimed. */
let channel: Client;
const announced: (Reminder & { user_id: string })[] = [];
const open: EventStreamClient[] = [];

beforeAll(async () => {
  a = await createTestApp({ REMINDER_POLL_MS: String(POLL_MS) }, { logger });
  b = await createTestApp({ REMINDER_POLL_MS: String(POLL_MS) }, { db: a.db, logger });
  urlA = await listen(a.app);
  urlB = await listen(b.app);
  channel = new Client({ connectionString: a.db.url });
  await channel.connect();
  channel.on('notification', ({ payload }) => announced.push(JSON.parse(payload!) as (typeof announced)[number]));
  await channel.query('LISTEN task_reminders');
});
afterEach(() => {
  for (const stream of open.splice(0)) stream.close();
  // A claim that failed (a deadlock, say) is logged once per streak and retried; the tests would
  // still pass on the retry, so the log is where it shows.
  expect(problems.splice(0)).toEqual([]);
});
afterAll(async () => {
  await channel?.end();
  await b?.close();
  await a?.close();
});

const stream = async (url: string, session: Session) => {
  const client = await openEventStream(url, session.token);
  expect(client.status).toBe(200);
  open.push(client);
  return client;
};
const isReminder = (event: ServerSentEvent) => event.event === 'reminder';
const isChange = (event: ServerSentEvent) => event.event === 'change';
const remindersOf = (client: EventStreamClient) =>
  client.events.filter(isReminder).map((e) => JSON.parse(e.data) as Reminder);
/** Resolves with the reminder event for `taskId` and the time it arrived. */
const reminderFor = async (client: EventStreamClient, taskId: number, timeoutMs = 8_000) => {
  const event = await client.next(
    (e) => isReminder(e) && (JSON.parse(e.data) as Reminder).task_id === taskId,
    timeoutMs,
  );
  return { reminder: JSON.parse(event.data) as Reminder, at: Date.now() };
};
const announcementsOf = (taskId: number) => announced.filter((n) => n.task_id === taskId);

const create = async (session: Session, body: Record<string, unknown>, app = a) => {
  const res = await app.request({
    method: 'POST',
    url: '/api/tasks',
    token: session.token,
    body: { title: 'Call', ...body },
  });
  expect(res.statusCode).toBe(201);
  return { task: res.json<Task>(), etag: res.headers.etag as string };
};
const row = async (id: number) =>
  (
    await a.sql.query<{ remind_at: Date | null; reminded_at: Date | null; version: number }>(
      'SELECT remind_at, reminded_at, version FROM tasks WHERE id = $1',
      [id],
    )
  ).rows[0];
const iso = (ms: number) => new Date(ms).toISOString();
/**
 * Set-up for the tests of many reminders: `count` tasks spread over `users` in one INSERT (the
 * change trigger stamps them as for any write), so they fall due together however slow the machine.
 */
const insertTasks = async (users: Session[], count: number, remindAt: (i: number) => number) =>
  (
    await a.sql.query<{ id: number; user_id: string }>(
      `INSERT INTO tasks (user_id, title, position, remind_at)
       SELECT ($1::text[])[n % cardinality($1::text[]) + 1], 'reminder ' || n, 'z' || lpad(n::text, 6, '0'),
              ($2::timestamptz[])[n + 1]
         FROM generate_series(0, $3 - 1) n
       RETURNING id, user_id`,
      [users.map((user) => user.user.id), Array.from({ length: count }, (_, i) => iso(remindAt(i))), count],
    )
  ).rows;
/**
 * Waits until `dueBy` (ms) has passed and nothing due is unsent, then a few polls more, so that a
 * duplicate would have arrived.
 */
const settled = async (dueBy = Date.now(), timeoutMs = 10_000) => {
  while (Date.now() <= dueBy) await sleep(20);
  const started = Date.now();
  for (;;) {
    const { rows } = await a.sql.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM tasks WHERE remind_at <= now() AND reminded_at IS NULL',
    );
    if (rows[0].n === 0) break;
    if (Date.now() - started > timeoutMs) throw new Error(`${rows[0].n} reminders still unsent`);
    await sleep(50);
  }
  await sleep(POLL_MS * 5);
};

describe('reminders', () => {
  let alice: Session;
  let bob: Session;
  beforeAll(async () => {
    [alice, bob] = await signUpUsers(a, 2);
  });

  it("reaches each of two streams of its user, on different instances, once, within 5 s of remind_at; another user's stream gets none", async () => {
    const onA = await stream(urlA, alice);
    const onB = await stream(urlB, alice);
    const bobsStream = await stream(urlA, bob);
    const remindAt = Date.now() + 1_000;
    const { task } = await create(alice, { title: 'Call the dentist', remind_at: iso(remindAt) }, b);
    expect(task.reminded_at).toBeNull();

    const received = await Promise.all([reminderFor(onA, task.id), reminderFor(onB, task.id)]);
    for (const { reminder, at } of received) {
      expect(reminder).toEqual({ task_id: task.id, title: 'Call the dentist', remind_at: iso(remindAt) });
      // Never early, and late by at most 5 s.
      expect(at).toBeGreaterThanOrEqual(remindAt);
      expect(at - remindAt).toBeLessThan(5_000);
    }
    console.log(
      `a reminder reached both streams ${Math.max(...received.map((r) => r.at)) - remindAt} ms after remind_at`,
    );

    const stored = await row(task.id);
    expect(stored.reminded_at).not.toBeNull();
    expect(stored.reminded_at!.getTime()).toBeGreaterThanOrEqual(remindAt);

    // A later change reaches every stream after the reminder; by then a duplicate would have too.
    await settled();
    await create(alice, { title: 'later' });
    await create(bob, { title: 'later' });
    for (const client of [onA, onB, bobsStream]) await client.next(isChange, 5_000);
    expect(remindersOf(onA)).toHaveLength(1);
    expect(remindersOf(onB)).toHaveLength(1);
    expect(remindersOf(bobsStream)).toEqual([]);
    expect(announcementsOf(task.id)).toHaveLength(1);
  });

  it('fires on the next poll for a remind_at already past when the task is created', async () => {
    const events = await stream(urlB, alice);
    // Counted in polls, not milliseconds, so a busy machine does not fail it. Every poll and claim of
    // both instances is spied on; Jest numbers the calls of all mocks in one sequence.
    const polls = [a, b].map((app) =>
      jest.spyOn(app.app.get<ReminderScheduler, { poll(): Promise<void> }>(ReminderScheduler), 'poll'),
    );
    const claims = [a, b].map((app) => jest.spyOn(app.app.get(RemindersRepository), 'claimDue'));
    const now = () => {
      const marker = jest.fn();
      marker();
      return marker.mock.invocationCallOrder[0];
    };
    try {
      // A poll already under way when the spies went in could still claim through an unspied call.
      // Polls of one instance run one after another, so once each instance has finished a spied
      // poll, every claim from here on is seen.
      for (const spy of polls) {
        while (spy.mock.results.length === 0) await sleep(5);
        await spy.mock.results[0].value;
      }
      const remindAt = Date.now() - 3_600_000;
      const { task } = await create(alice, { remind_at: iso(remindAt) });
      const created = now();
      const { reminder } = await reminderFor(events, task.id);
      expect(reminder.remind_at).toBe(iso(remindAt));

      const claimed = await Promise.all(
        claims.flatMap((spy) =>
          spy.mock.results.map(async (result, i) => ({
            order: spy.mock.invocationCallOrder[i],
            ids: (await (result.value as Promise<ReminderClaim>)).claimed.map((row) => row.task_id),
          })),
        ),
      );
      const sent = claimed.filter((claim) => claim.ids.includes(task.id));
      expect(sent).toHaveLength(1);
      // The polls begun after the create up to the claim that sent it: the next of either instance
      // claims it (the other's may run at the same time and find it taken).
      const pollsBefore = polls
        .flatMap((spy) => spy.mock.invocationCallOrder)
        .filter((order) => order > created && order < sent[0].order);
      expect(pollsBefore.length).toBeLessThanOrEqual(2);
    } finally {
      for (const spy of [...polls, ...claims]) spy.mockRestore();
    }
  });

  it('sets reminded_at without a new ETag: an If-Match read before the reminder still applies, and sync carries it', async () => {
    const events = await stream(urlA, alice);
    const { cursor } = (await a.request({ method: 'GET', url: '/api/sync', token: alice.token })).json<SyncPage>();
    const { task, etag } = await create(alice, { remind_at: iso(Date.now() + 300) });
    await reminderFor(events, task.id);

    const read = await b.request({ method: 'GET', url: `/api/tasks/${task.id}`, token: alice.token });
    expect(read.json<Task>().reminded_at).toEqual(expect.any(String));
    expect(read.json<Task>().updated_at).toBe(task.updated_at);
    expect(read.headers.etag).toBe(etag);
    const saved = await b.request({
      method: 'PATCH',
      url: `/api/tasks/${task.id}`,
      token: alice.token,
      headers: { 'if-match': etag },
      body: { title: 'Call back', remind_at: task.remind_at },
    });
    expect(saved.statusCode).toBe(200);
    // The same time sent again (a client saving the whole task) does not fire again.
    expect(saved.json<Task>().reminded_at).toBe(read.json<Task>().reminded_at);

    const synced = (
      await a.request({ method: 'GET', url: `/api/sync?cursor=${encodeURIComponent(cursor)}`, token: alice.token })
    ).json<SyncPage>();
    expect(synced.tasks.find((t) => t.id === task.id)?.reminded_at).toEqual(expect.any(String));

    await settled();
    expect(remindersOf(events).filter((r) => r.task_id === task.id)).toHaveLength(1);
  });

  it('fires again when remind_at changes after it fired', async () => {
    const events = await stream(urlB, alice);
    const { task } = await create(alice, { remind_at: iso(Date.now() + 200) });
    await reminderFor(events, task.id);

    const again = Date.now() + 500;
    const moved = await a.request({
      method: 'PATCH',
      url: `/api/tasks/${task.id}`,
      token: alice.token,
      body: { remind_at: iso(again) },
    });
    expect(moved.json<Task>().reminded_at).toBeNull();
    const second = await events.next(
      (e) => isReminder(e) && (JSON.parse(e.data) as Reminder).remind_at === iso(again),
      8_000,
    );
    expect(JSON.parse(second.data)).toMatchObject({ task_id: task.id });
    await settled();
    expect(
      remindersOf(events)
        .filter((r) => r.task_id === task.id)
        .map((r) => r.remind_at),
    ).toEqual([task.remind_at, iso(again)]);
    expect(announcementsOf(task.id)).toHaveLength(2);
    expect((await row(task.id)).reminded_at).not.toBeNull();
  });

  it('fires for the next occurrence when a recurring task is completed', async () => {
    const events = await stream(urlA, alice);
    const day = 86_400_000;
    // Two days overdue: completing moves it to the next occurrence, yesterday, still past.
    const due = Math.floor(Date.now() / 1000) * 1000 - 2 * day;
    const { task } = await create(alice, {
      due_date: iso(due),
      remind_at: iso(due - 3_600_000),
      recurrence: 'FREQ=DAILY',
    });
    await reminderFor(events, task.id);

    const completed = await b.request({
      method: 'PATCH',
      url: `/api/tasks/${task.id}/complete`,
      token: alice.token,
      body: { completed: true },
    });
    expect(completed.json<Task>()).toMatchObject({ completed: false, remind_at: iso(due + day - 3_600_000) });
    const next = await events.next(
      (e) => isReminder(e) && (JSON.parse(e.data) as Reminder).remind_at === iso(due + day - 3_600_000),
      8_000,
    );
    expect(JSON.parse(next.data)).toMatchObject({ task_id: task.id });
    await settled();
    expect(announcementsOf(task.id)).toHaveLength(2);
  });

  it('delivers 200 reminders due together across 20 users, each once, on the right streams, with both instances polling', async () => {
    const users = await signUpUsers(a, 20);
    const streams = await Promise.all(users.map((user, i) => stream(i % 2 ? urlA : urlB, user)));
    const before = announced.length;
    const remindAt = Date.now() + 1_000;
    const ids = new Map<string, number[]>();
    for (const task of await insertTasks(users, 200, () => remindAt)) {
      ids.set(task.user_id, [...(ids.get(task.user_id) ?? []), task.id]);
    }
    await settled(remindAt);
    const claimed = announced.slice(before);
    expect(claimed).toHaveLength(200);
    expect(new Set(claimed.map((n) => n.task_id)).size).toBe(200);

    // Each stream hears its own user's ten, once each, and no one else's.
    for (const [i, user] of users.entries()) {
      const mine = ids.get(user.user.id)!;
      expect(mine).toHaveLength(10);
      await streams[i].next(() => remindersOf(streams[i]).length >= mine.length, 5_000);
      expect(
        remindersOf(streams[i])
          .map((r) => r.task_id)
          .sort((x, y) => x - y),
      ).toEqual([...mine].sort((x, y) => x - y));
    }
    const fired = (text: string) => Number(/^reminders_fired_total (\d+)$/m.exec(text)?.[1]);
    const [metricsA, metricsB] = await Promise.all(
      [a, b].map(async (app) => (await app.request({ method: 'GET', url: '/metrics' })).body),
    );
    // Both instances together counted every reminder this file has fired, once. (Which instance claims
    // which is up to the timing of their polls: either may claim them all.)
    expect(fired(metricsA) + fired(metricsB)).toBe(announced.length);
  });

  it('does not deadlock with concurrent writes of the same users while their reminders are claimed', async () => {
    const users = await signUpUsers(a, 5);
    const before = announced.length;
    const start = Date.now() + 1_000;
    // 300 reminders falling due over a second, while each user completes and reopens all their tasks
    // (multi-row writes that lock the user's cursor row, then task after task) and toggles some.
    const tasks = await insertTasks(users, 300, (i) => start + (i % 10) * 100);
    while (Date.now() < start) await sleep(10);
    const statuses: number[] = [];
    // Rounds of 20 concurrent writes until every reminder has fallen due.
    for (let round = 0; round < 3 || Date.now() < start + 1_200; round++) {
      const writes = Array.from({ length: 20 }, (_, i) => {
        const app = i % 2 ? a : b;
        const user = users[i % 5];
        return i % 4 < 2
          ? app.request({
              method: 'POST',
              url: '/api/tasks/complete-all',
              token: user.token,
              body: { completed: round % 2 === 0 },
            })
          : app.request({
              method: 'PATCH',
              url: `/api/tasks/${tasks[(round * 20 + i) % 300].id}/complete`,
              token: user.token,
            });
      });
      for (const res of await Promise.all(writes)) statuses.push(res.statusCode);
    }
    expect(statuses.filter((status) => status !== 200)).toEqual([]);
    await settled(start + 1_000);
    // A deadlock is retried (by UserWrites, by the next poll), so it shows only in the log.
    expect(problems.filter((line) => /deadlock/.test(line))).toEqual([]);
    const claimed = announced.slice(before).map((n) => n.task_id);
    expect(claimed).toHaveLength(300);
    expect(new Set(claimed).size).toBe(300);
  });
});

it('stops polling when the app closes, even when a claim is under way, and logs no failed claim', async () => {
  const c = await createTestApp({ REMINDER_POLL_MS: '50' }, { logger });
  let closed = false;
  try {
    // poll() is private; the spy only counts the calls.
    const scheduler: { poll(): Promise<void> } = c.app.get<ReminderScheduler, { poll(): Promise<void> }>(
      ReminderScheduler,
    );
    const poll = jest.spyOn(scheduler, 'poll');
    for (let i = 0; i < 100 && poll.mock.calls.length < 3; i++) await sleep(20);
    expect(poll.mock.calls.length).toBeGreaterThanOrEqual(3);

    // A claim that is under way when the app closes: a table lock holds the next one up.
    const locker = new Client({ connectionString: c.db.url });
    await locker.connect();
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE tasks IN ACCESS EXCLUSIVE MODE');
    const waiting = async () =>
      (
        await locker.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity
            WHERE datname = current_database() AND application_name = 'todo-api' AND wait_event_type = 'Lock'
              AND query LIKE '%WITH candidates AS%'`,
        )
      ).rows[0].n;
    for (let i = 0; i < 100 && (await waiting()) === 0; i++) await sleep(20);
    expect(await waiting()).toBe(1);
    const started = Date.now();
    const closing = c.close().then(() => (closed = true));
    await sleep(300);
    await locker.end();
    await closing;
    expect(Date.now() - started).toBeLessThan(3_000);
    const polls = poll.mock.calls.length;
    await sleep(300);
    expect(poll.mock.calls.length).toBe(polls);
    expect(problems).toEqual([]);
  } finally {
    if (!closed) await c.close();
  }
});
