import { expect } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Category, List, SyncPage, Task, TaskPage } from './support/api-types.js';
import { TombstonePurgeService } from '../src/sync/tombstone-purge.service.js';
import { type EventStreamClient, listen, openEventStream } from './support/event-stream.js';
import { describeWithPgBouncer, PgBouncer } from './support/pgbouncer.js';
import {
  type Change,
  type ClientSyncPage,
  createList,
  ok,
  PUSH,
  PushClient,
  type PushProblem,
  type PushResponse,
  share,
} from './support/push.js';
import {
  createTestApp,
  type Session,
  type TestApp,
  type TestResponse,
  useTestApp,
  useUsers,
} from './support/test-app.js';
import { createTestDatabase, serverUrl, type TestDatabase } from './support/test-database.js';

/**
 * POST /api/sync/push on real PostgreSQL (contract: "Offline changes: push"; issue 23): each mutation
 * applied exactly once, in order, through retries, races, rule failures and a dropped database
 * connection; temp ids; the limits; and GET /api/sync?client_id=.
 */

const t = useTestApp();

const create = (tempId: string, title: string, extra: Record<string, unknown> = {}): Change => ({
  name: 'task.create',
  args: { temp_id: tempId, title, ...extra },
});

interface StoredTask {
  id: number;
  title: string;
  completed: boolean;
  list_id: number;
  parent_id: number | null;
}

/** The tasks of `userId`'s lists whose title starts with `prefix`, as stored, by id. */
const stored = async (app: TestApp, userId: string, prefix: string): Promise<StoredTask[]> =>
  (
    await app.sql.query<StoredTask>(
      `SELECT id, title, completed, list_id, parent_id FROM tasks
        WHERE user_id = $1 AND left(title, length($2)) = $2 ORDER BY id`,
      [userId, prefix],
    )
  ).rows;

const statuses = (response: PushResponse) => response.results.map(({ id, status }) => ({ id, status }));
const each = (from: number, to: number, status: string) =>
  Array.from({ length: to - from + 1 }, (_, i) => ({ id: from + i, status }));

const expectProblem = (response: TestResponse, status: number) => {
  expect(response.statusCode).toBe(status);
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  const problem = response.json<PushProblem>();
  expect(problem).toMatchObject({ status, title: expect.any(String), detail: expect.any(String) });
  return problem;
};

const getTask = async (session: Session, id: number) => {
  const response = await t.request({ method: 'GET', url: `/api/tasks/${id}`, token: session.token });
  expect(response.statusCode).toBe(200);
  return response;
};

describe('POST /api/sync/push: exactly once', () => {
  const [alice] = useUsers(t, 1);

  it('applies each mutation once when the same push is sent 5 times at once by a new client', async () => {
    const client = new PushClient(t, alice);
    const creates = Array.from({ length: 10 }, (_, i) => create(`c${i}`, `race ${i}`));
    // Toggles: applied twice, a task would be pending again.
    const toggles = Array.from({ length: 5 }, (_, i) => ({ name: 'task.complete', args: { id: `temp:c${i}` } }));
    const mutations = client.number(...creates, ...toggles);

    const responses = await Promise.all(Array.from({ length: 5 }, () => client.send(mutations)));
    expect(responses.map((response) => response.statusCode)).toEqual([200, 200, 200, 200, 200]);
    const bodies = responses.map(ok);
    for (const body of bodies) {
      expect(body.results.map((result) => result.id)).toEqual(mutations.map((mutation) => mutation.id));
      for (const result of body.results) expect(['applied', 'duplicate']).toContain(result.status);
      expect(body.last_mutation_id).toBe(15);
    }
    for (const { id } of mutations) {
      const applied = bodies.filter((body) => body.results.find((result) => result.id === id)?.status === 'applied');
      expect({ id, applied: applied.length }).toEqual({ id, applied: 1 });
    }

    const rows = await stored(t, alice.user.id, 'race ');
    expect(rows.map((row) => row.title).sort()).toEqual(creates.map((change) => change.args.title).sort());
    expect(rows.filter((row) => row.completed).map((row) => row.title)).toEqual(
      ['race 0', 'race 1', 'race 2', 'race 3', 'race 4'].sort(),
    );
    // Every answer maps every create, whether it applied it or found it done.
    const idMap = Object.fromEntries(rows.map((row) => [`c${row.title.slice('race '.length)}`, row.id]));
    for (const body of bodies) expect(body.id_map).toEqual(idMap);
  });

  it('applies each mutation once when a known client’s retries race its originals, some with more mutations behind', async () => {
    const client = new PushClient(t, alice);
    await client.push(create('k0', 'overlap 0'));
    const short = client.number(
      ...Array.from({ length: 10 }, (_, i) => create(`k${i + 1}`, `overlap ${i + 1}`)),
      ...Array.from({ length: 3 }, (_, i) => ({ name: 'task.complete', args: { id: `temp:k${i}` } })),
    );
    const more = client.number(...Array.from({ length: 5 }, (_, i) => create(`k${i + 11}`, `overlap ${i + 11}`)));
    const long = [...short, ...more];
    const sent = [short, long, short, long, short];

    const responses = await Promise.all(sent.map((mutations) => client.send(mutations)));
    expect(responses.map((response) => response.statusCode)).toEqual([200, 200, 200, 200, 200]);
    const bodies = responses.map(ok);
    bodies.forEach((body, i) => {
      expect(body.results.map((result) => result.id)).toEqual(sent[i].map((mutation) => mutation.id));
      for (const result of body.results) expect(['applied', 'duplicate']).toContain(result.status);
    });
    for (const { id } of long) {
      const applied = bodies.filter((body) => body.results.find((result) => result.id === id)?.status === 'applied');
      expect({ id, applied: applied.length }).toEqual({ id, applied: 1 });
    }
    expect(bodies[1].last_mutation_id).toBe(19);
    expect(bodies[3].last_mutation_id).toBe(19);

    const rows = await stored(t, alice.user.id, 'overlap ');
    expect(rows.map((row) => Number(row.title.slice('overlap '.length))).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 16 }, (_, i) => i),
    );
    expect(rows.filter((row) => row.completed).map((row) => row.title)).toEqual([
      'overlap 0',
      'overlap 1',
      'overlap 2',
    ]);
    expect(await client.lastMutationId()).toBe(19);
  });

  it('answers a resent push whose response was lost with duplicates and the same ids, and creates nothing twice', async () => {
    const client = new PushClient(t, alice);
    const mutations = client.number(create('a', 'lost a'), create('b', 'lost b', { priority: 'high' }), {
      name: 'task.complete',
      args: { id: 'temp:a' },
    });
    const first = ok(await client.send(mutations)); // the response the client never saw
    expect(statuses(first)).toEqual(each(1, 3, 'applied'));
    const rowsBefore = await stored(t, alice.user.id, 'lost ');
    expect(rowsBefore.map(({ title, completed }) => ({ title, completed }))).toEqual([
      { title: 'lost a', completed: true },
      { title: 'lost b', completed: false },
    ]);
    expect(first.id_map).toEqual({ a: rowsBefore[0].id, b: rowsBefore[1].id });

    const retry = ok(await client.send(mutations));
    expect(statuses(retry)).toEqual(each(1, 3, 'duplicate'));
    expect(retry.results.every((result) => result.error === undefined)).toBe(true);
    expect(retry.last_mutation_id).toBe(3);
    expect(retry.id_map).toEqual(first.id_map);
    expect(typeof retry.cursor).toBe('string');
    // No second task, and the toggle did not run again.
    expect(await stored(t, alice.user.id, 'lost ')).toEqual(rowsBefore);

    // The queue as a client resends it with newer changes behind: the old part is skipped, the new applied.
    const newer = client.number(create('c', 'lost c'), {
      name: 'task.update',
      args: { id: 'temp:b', title: 'lost b!' },
    });
    const mixed = ok(await client.send([mutations[2], ...newer]));
    expect(statuses(mixed)).toEqual([
      { id: 3, status: 'duplicate' },
      { id: 4, status: 'applied' },
      { id: 5, status: 'applied' },
    ]);
    expect(mixed.last_mutation_id).toBe(5);
    const rows = await stored(t, alice.user.id, 'lost ');
    expect(rows.map((row) => row.title)).toEqual(['lost a', 'lost b!', 'lost c']);
    expect(mixed.id_map).toMatchObject({ c: rows[2].id });
  });

  it('answers a gap with 409 and expected_id, and applies nothing of that request', async () => {
    const client = new PushClient(t, alice);
    ok(await client.send(client.number(create('g1', 'gap one'))));
    const missing = client.number(create('g2', 'gap two'));
    const later = client.number(create('g3', 'gap three'), create('g4', 'gap four'));

    const problem = expectProblem(await client.send(later), 409);
    expect(problem.expected_id).toBe(2);
    expect((await stored(t, alice.user.id, 'gap ')).map((row) => row.title)).toEqual(['gap one']);
    expect(await client.lastMutationId()).toBe(1);

    // With the missing mutation in front, the same queue goes through.
    const filled = ok(await client.send([...missing, ...later]));
    expect(statuses(filled)).toEqual(each(2, 4, 'applied'));
    expect((await stored(t, alice.user.id, 'gap ')).map((row) => row.title)).toEqual([
      'gap one',
      'gap two',
      'gap three',
      'gap four',
    ]);
  });

  it('answers 409 with expected_id 1 to a client it has never seen that starts past 1', async () => {
    const client = new PushClient(t, alice);
    client.number(create('x', 'forgotten one'));
    const problem = expectProblem(await client.send(client.number(create('y', 'forgotten two'))), 409);
    expect(problem.expected_id).toBe(1);
    expect(problem.detail).toMatch(/unknown|forgot/i);
    expect(await stored(t, alice.user.id, 'forgotten ')).toEqual([]);
    expect(await client.lastMutationId()).toBe(0);
  });

  it.each([
    ['skip one', [1, 3]],
    ['descend', [2, 1]],
    ['repeat one', [1, 1]],
  ])('answers ids that %s inside one request with 422 on mutations, and applies nothing', async (_how, ids) => {
    const client = new PushClient(t, alice);
    const title = `unordered ${randomUUID()}`;
    const mutations = ids.map((id, i) => ({ id, ...create(`u${i}`, `${title} ${i}`) }));
    const problem = expectProblem(await client.send(mutations), 422);
    expect(problem.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'mutations' })]));
    expect(await stored(t, alice.user.id, title)).toEqual([]);
    expect(await client.lastMutationId()).toBe(0);
  });

  it('answers an empty push with no results, and the client stays at 0', async () => {
    const client = new PushClient(t, alice);
    const response = ok(await client.send([]));
    expect(response.results).toEqual([]);
    expect(response.last_mutation_id).toBe(0);
    expect(response.id_map).toEqual({});
    expect(await client.lastMutationId()).toBe(0);
  });
});

describe('POST /api/sync/push: one bad change never blocks the queue', () => {
  const [alice, carol] = useUsers(t, 2);

  it('rejects a bad mutation in the middle with its problem, rolls it back, applies the rest and moves past it', async () => {
    const foreign = await t.request({
      method: 'POST',
      url: '/api/categories',
      token: carol.token,
      body: { name: 'Carol’s' },
    });
    expect(foreign.statusCode).toBe(201);
    const client = new PushClient(t, alice);
    const mutations = client.number(
      create('m1', 'middle first'),
      // Rolled back whole: the task is written before its links, in the same transaction.
      create('m2', 'middle doomed', { category_ids: [foreign.json<Category>().id] }),
      { name: 'task.update', args: { id: 'temp:m1', title: '', priority: 'high' } },
      create('m4', 'middle last'),
    );
    const response = ok(await client.send(mutations));
    expect(statuses(response)).toEqual([
      { id: 1, status: 'applied' },
      { id: 2, status: 'rejected' },
      { id: 3, status: 'rejected' },
      { id: 4, status: 'applied' },
    ]);
    expect(response.last_mutation_id).toBe(4);
    const [, doomed, blank] = response.results;
    expect(doomed.error).toMatchObject({
      type: 'about:blank',
      title: 'Unprocessable Entity',
      status: 422,
      detail: expect.any(String),
      errors: [{ field: 'category_ids', message: expect.any(String) }],
    });
    expect(blank.error).toMatchObject({
      status: 422,
      errors: [{ field: 'title', message: expect.any(String) }],
    });
    expect(response.results[0].error).toBeUndefined();

    const rows = await stored(t, alice.user.id, 'middle ');
    expect(rows.map((row) => row.title)).toEqual(['middle first', 'middle last']);
    // The rejected update changed nothing, not even the field that was valid.
    expect((await getTask(alice, rows[0].id)).json<Task>().priority).toBe('medium');
    expect(response.id_map).toEqual({ m1: rows[0].id, m4: rows[1].id });

    // Resent, the rejected ones are done too: duplicates, and the ids of what was created.
    const resent = ok(await client.send(mutations));
    expect(statuses(resent)).toEqual(each(1, 4, 'duplicate'));
    expect(resent.id_map).toEqual(response.id_map);
    expect(await stored(t, alice.user.id, 'middle ')).toEqual(rows);

    // The next push starts after the rejected ones.
    expect(await client.lastMutationId()).toBe(4);
    expect(statuses(await client.push(create('m5', 'middle next')))).toEqual([{ id: 5, status: 'applied' }]);
  });

  it('rejects an unknown mutation name with 422 on name, and moves past it', async () => {
    const client = new PushClient(t, alice);
    const response = await client.push({ name: 'task.frobnicate', args: { id: 1 } }, create('n2', 'after the unknown'));
    expect(statuses(response)).toEqual([
      { id: 1, status: 'rejected' },
      { id: 2, status: 'applied' },
    ]);
    expect(response.results[0].error).toMatchObject({
      status: 422,
      errors: [expect.objectContaining({ field: 'name' })],
    });
    expect(response.last_mutation_id).toBe(2);
  });

  it('rejects a task id that is not a positive integer with 422 on id', async () => {
    const client = new PushClient(t, alice);
    const response = await client.push(
      { name: 'task.update', args: { id: 0, title: 'zero' } },
      { name: 'task.delete', args: { id: 'seven' } },
      { name: 'task.complete', args: {} },
    );
    expect(statuses(response)).toEqual(each(1, 3, 'rejected'));
    for (const result of response.results) {
      expect(result.error).toMatchObject({ status: 422, errors: [expect.objectContaining({ field: 'id' })] });
    }
  });
});

describe('POST /api/sync/push: temp ids', () => {
  const [alice] = useUsers(t, 1);
  let client: PushClient;
  let ids: Record<string, number>;

  beforeAll(() => {
    client = new PushClient(t, alice);
  });

  it('resolve "temp:<id>" within one push: a list, a task in it, a subtask, then updates, completes, moves and deletes', async () => {
    const category = `Packing ${randomUUID().slice(0, 8)}`;
    const response = await client.push(
      { name: 'list.create', args: { temp_id: 'L', name: 'Trip' } },
      { name: 'category.create', args: { temp_id: 'C', name: category } },
      create('T', 'temp passport', { list_id: 'temp:L', category_ids: ['temp:C'] }),
      create('S', 'temp photo', { parent_id: 'temp:T' }),
      create('U', 'temp tickets', { list_id: 'temp:L' }),
      create('D', 'temp doomed', { list_id: 'temp:L' }),
      { name: 'task.update', args: { id: 'temp:T', title: 'temp passport renewed', priority: 'high' } },
      { name: 'task.complete', args: { id: 'temp:S', completed: true } },
      { name: 'task.move', args: { id: 'temp:U', before_id: 'temp:T' } },
      { name: 'task.delete', args: { id: 'temp:D' } },
      { name: 'category.update', args: { id: 'temp:C', color: '#22C55E' } },
      { name: 'list.update', args: { id: 'temp:L', name: 'Trip to Rome' } },
    );
    expect(statuses(response)).toEqual(each(1, 12, 'applied'));
    ids = response.id_map;
    expect(Object.keys(ids).sort()).toEqual(['C', 'D', 'L', 'S', 'T', 'U']);

    const list = await t.request({ method: 'GET', url: `/api/lists/${ids.L}`, token: alice.token });
    expect(list.json<List>()).toMatchObject({ id: ids.L, name: 'Trip to Rome', role: 'owner', is_inbox: false });
    const categoryRead = await t.request({ method: 'GET', url: `/api/categories/${ids.C}`, token: alice.token });
    expect(categoryRead.json<Category>()).toMatchObject({ name: category, color: '#22c55e', task_count: 1 });
    expect((await getTask(alice, ids.T)).json<Task>()).toMatchObject({
      title: 'temp passport renewed',
      priority: 'high',
      list_id: ids.L,
      parent_id: null,
      category_ids: [ids.C],
    });
    expect((await getTask(alice, ids.S)).json<Task>()).toMatchObject({
      title: 'temp photo',
      list_id: ids.L,
      parent_id: ids.T,
      completed: true,
    });
    const gone = await t.request({ method: 'GET', url: `/api/tasks/${ids.D}`, token: alice.token });
    expect(gone.statusCode).toBe(404);
    const order = await t.request({
      method: 'GET',
      url: `/api/tasks?list_id=${ids.L}&parent_id=none&sort=position`,
      token: alice.token,
    });
    expect(order.json<TaskPage>().items.map((task) => task.id)).toEqual([ids.U, ids.T]);
  });

  it('resolve temp ids of an earlier push of the same client', async () => {
    const response = await client.push(
      create('V', 'temp visa', { parent_id: 'temp:T' }),
      { name: 'task.update', args: { id: 'temp:S', title: 'temp photos' } },
      { name: 'task.move', args: { id: 'temp:T', before_id: 'temp:U' } },
      { name: 'task.update', args: { id: 'temp:U', category_ids: ['temp:C'] } },
    );
    expect(statuses(response)).toEqual(each(13, 16, 'applied'));
    expect(response.id_map).toMatchObject({ V: expect.any(Number) });
    expect((await getTask(alice, response.id_map.V)).json<Task>()).toMatchObject({
      list_id: ids.L,
      parent_id: ids.T,
    });
    expect((await getTask(alice, ids.S)).json<Task>().title).toBe('temp photos');
    expect((await getTask(alice, ids.U)).json<Task>().category_ids).toEqual([ids.C]);
    const order = await t.request({
      method: 'GET',
      url: `/api/tasks?list_id=${ids.L}&parent_id=none&sort=position`,
      token: alice.token,
    });
    expect(order.json<TaskPage>().items.map((task) => task.id)).toEqual([ids.T, ids.U]);
  });

  it.each([
    ['an unknown temp id as id', { name: 'task.update', args: { id: 'temp:nothing', title: 'x' } }, 'id'],
    ['an unknown temp id as list_id', create('x1', 'temp nowhere', { list_id: 'temp:nothing' }), 'list_id'],
    ['an unknown temp id as parent_id', create('x2', 'temp orphan', { parent_id: 'temp:nothing' }), 'parent_id'],
    [
      'an unknown temp id as after_id',
      { name: 'task.move', args: { id: 'temp:T', after_id: 'temp:nothing' } },
      'after_id',
    ],
    ['a category’s temp id as a task id', { name: 'task.complete', args: { id: 'temp:C' } }, 'id'],
    ['a task’s temp id as list_id', create('x3', 'temp misplaced', { list_id: 'temp:T' }), 'list_id'],
    ['a list’s temp id as parent_id', create('x4', 'temp misnested', { parent_id: 'temp:L' }), 'parent_id'],
    ['a temp_id this client used already', create('T', 'temp again'), 'temp_id'],
  ])('reject %s with 422 on that field, and change nothing', async (_what, change, field) => {
    const before = await stored(t, alice.user.id, 'temp ');
    const response = await client.push(change);
    expect(statuses(response)).toEqual([{ id: response.last_mutation_id, status: 'rejected' }]);
    expect(response.results[0].error).toMatchObject({ status: 422, errors: [expect.objectContaining({ field })] });
    // A create that was rejected has no id: id_map names none for it (not even an earlier object's).
    expect(response.id_map).toEqual({});
    expect(await stored(t, alice.user.id, 'temp ')).toEqual(before);
  });

  it('reject an unknown temp id in category_ids with 422 on category_ids', async () => {
    const response = await client.push(create('x5', 'temp unlabelled', { category_ids: ['temp:nothing'] }));
    expect(response.results[0]).toMatchObject({
      status: 'rejected',
      error: { status: 422, errors: [{ field: expect.stringMatching(/^category_ids/) }] },
    });
    expect(await stored(t, alice.user.id, 'temp unlabelled')).toEqual([]);
  });

  it('are the client’s own: another client of the same user cannot name them', async () => {
    const other = new PushClient(t, alice);
    const response = await other.push(
      { name: 'task.update', args: { id: 'temp:T', title: 'temp hijacked' } },
      create('L', 'temp its own L'),
    );
    expect(response.results[0]).toMatchObject({ status: 'rejected', error: { status: 422 } });
    expect(response.results[0].error?.errors).toEqual([expect.objectContaining({ field: 'id' })]);
    // Its own temp_id "L" is free: the first client's is another object.
    expect(response.results[1].status).toBe('applied');
    expect(response.id_map.L).not.toBe(ids.L);
    expect((await getTask(alice, ids.T)).json<Task>().title).toBe('temp passport renewed');
  });
});

describe('POST /api/sync/push: who may push what', () => {
  const [alice, bob, carol] = useUsers(t, 3);

  it('answers 403 to another user’s client_id, on push and on GET /api/sync?client_id=, and applies nothing', async () => {
    const mine = new PushClient(t, alice);
    await mine.push(create('a', 'owned client'));
    const theirs = new PushClient(t, bob, mine.clientId);
    // Bob's next id would be 1 for a client of his own; 2 follows Alice's: neither may pass.
    for (const id of [1, 2]) {
      const response = await theirs.send([{ id, ...create('b', 'stolen client') }]);
      expectProblem(response, 403);
    }
    expectProblem(await theirs.send([]), 403);
    const read = await t.request({
      method: 'GET',
      url: `/api/sync?client_id=${mine.clientId}`,
      token: bob.token,
    });
    expectProblem(read, 403);
    expect(await stored(t, bob.user.id, 'stolen ')).toEqual([]);
    expect(await stored(t, alice.user.id, 'stolen ')).toEqual([]);
    expect(await mine.lastMutationId()).toBe(1);
  });

  it('runs each mutation with the roles of its REST route: a viewer is refused 403, a non-member 404', async () => {
    const shared = await createList(t, alice, 'Shared with a viewer');
    await share(t, alice, bob, shared.id, 'viewer');
    const created = await t.request({
      method: 'POST',
      url: '/api/tasks',
      token: alice.token,
      body: { title: 'roles: read only', list_id: shared.id },
    });
    expect(created.statusCode).toBe(201);
    const task = created.json<Task>();

    const viewer = await new PushClient(t, bob).push(
      { name: 'task.update', args: { id: task.id, title: 'roles: changed by a viewer' } },
      { name: 'task.complete', args: { id: task.id } },
      create('v', 'roles: added by a viewer', { list_id: shared.id }),
    );
    expect(statuses(viewer)).toEqual(each(1, 3, 'rejected'));
    for (const result of viewer.results) expect(result.error).toMatchObject({ status: 403 });
    expect(viewer.last_mutation_id).toBe(3);

    const stranger = await new PushClient(t, carol).push(
      { name: 'task.update', args: { id: task.id, title: 'roles: changed by a stranger' } },
      { name: 'task.delete', args: { id: task.id } },
    );
    expect(statuses(stranger)).toEqual(each(1, 2, 'rejected'));
    for (const result of stranger.results) {
      expect(result.error).toMatchObject({ status: 404, detail: 'Task not found' });
    }

    expect((await getTask(alice, task.id)).json<Task>()).toMatchObject({
      title: 'roles: read only',
      completed: false,
    });
    expect(await stored(t, alice.user.id, 'roles: ')).toHaveLength(1);
  });

  it('applies if_match like If-Match: a stale ETag is rejected 412, the current one applies', async () => {
    const created = await t.request({ method: 'POST', url: '/api/tasks', token: alice.token, body: { title: 'v1' } });
    const stale = created.headers.etag as string;
    const id = created.json<Task>().id;
    const renamed = await t.request({
      method: 'PATCH',
      url: `/api/tasks/${id}`,
      token: alice.token,
      body: { title: 'v2' },
    });
    const current = renamed.headers.etag as string;
    expect(current).not.toBe(stale);

    const response = await new PushClient(t, alice).push(
      { name: 'task.update', args: { id, title: 'v3 from a stale copy', if_match: stale } },
      { name: 'task.complete', args: { id, if_match: stale } },
      { name: 'task.update', args: { id, title: 'v3', if_match: current } },
    );
    expect(statuses(response)).toEqual([
      { id: 1, status: 'rejected' },
      { id: 2, status: 'rejected' },
      { id: 3, status: 'applied' },
    ]);
    expect(response.results[0].error).toMatchObject({ status: 412 });
    expect(response.results[1].error).toMatchObject({ status: 412 });
    expect((await getTask(alice, id)).json<Task>()).toMatchObject({ title: 'v3', completed: false });
  });
});

describe('POST /api/sync/push: malformed requests', () => {
  const [alice] = useUsers(t, 1);

  const post = (body: unknown) => t.request({ method: 'POST', url: PUSH, token: alice.token, body });
  const valid = () => [{ id: 1, ...create('a', `malformed ${randomUUID()}`) }];

  it.each([
    ['no client_id', () => ({ mutations: valid() }), 'client_id'],
    ['a client_id that is not a UUID', () => ({ client_id: 'phone-1', mutations: valid() }), 'client_id'],
    ['a numeric client_id', () => ({ client_id: 42, mutations: valid() }), 'client_id'],
    ['no mutations', () => ({ client_id: randomUUID() }), 'mutations'],
    ['mutations that are an object', () => ({ client_id: randomUUID(), mutations: { 1: valid()[0] } }), 'mutations'],
    ['mutations that are a string', () => ({ client_id: randomUUID(), mutations: 'task.create' }), 'mutations'],
    [
      'a mutation id of 0',
      () => ({ client_id: randomUUID(), mutations: [{ ...valid()[0], id: 0 }] }),
      'mutations.0.id',
    ],
    [
      'a mutation id that is a string',
      () => ({ client_id: randomUUID(), mutations: [{ ...valid()[0], id: '1' }] }),
      'mutations.0.id',
    ],
    [
      'a mutation without a name',
      () => ({ client_id: randomUUID(), mutations: [{ id: 1, args: { title: 'x' } }] }),
      'mutations.0.name',
    ],
    [
      'a mutation whose args are an array',
      () => ({ client_id: randomUUID(), mutations: [{ id: 1, name: 'task.create', args: [] }] }),
      'mutations.0.args',
    ],
  ])('answers %s with 422 naming the field, and applies nothing', async (_what, body, field) => {
    const before = await stored(t, alice.user.id, 'malformed ');
    const problem = expectProblem(await post(body()), 422);
    expect(problem.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
    expect(await stored(t, alice.user.id, 'malformed ')).toEqual(before);
  });

  it('answers a body that is not JSON with 400 and one that is not an object with 422', async () => {
    const broken = await t.request({
      method: 'POST',
      url: PUSH,
      token: alice.token,
      body: '{"client_id":',
      headers: { 'content-type': 'application/json' },
    });
    expectProblem(broken, 400);
    expectProblem(await post([]), 422);
  });

  it('needs a bearer token', async () => {
    const response = await t.request({ method: 'POST', url: PUSH, body: { client_id: randomUUID(), mutations: [] } });
    expect(response.statusCode).toBe(401);
  });
});

describe('POST /api/sync/push: limits', () => {
  const [alice] = useUsers(t, 1);
  const KiB = 1024;
  const MiB = 1024 * KiB;

  const body = (clientId: string, mutations: unknown[]) => JSON.stringify({ client_id: clientId, mutations });
  const postRaw = (payload: string, url = PUSH) =>
    t.request({
      method: 'POST',
      url,
      token: alice.token,
      body: payload,
      headers: { 'content-type': 'application/json' },
    });

  it('answers 101 mutations with 413 and applies none; 100 go through', async () => {
    const client = new PushClient(t, alice);
    const mutations = Array.from({ length: 101 }, (_, i) => ({ id: i + 1, ...create(`l${i}`, `limit ${i}`) }));
    expectProblem(await client.send(mutations), 413);
    expect(await stored(t, alice.user.id, 'limit ')).toEqual([]);
    expect(await client.lastMutationId()).toBe(0);

    const hundred = ok(await client.send(mutations.slice(0, 100)));
    expect(statuses(hundred)).toEqual(each(1, 100, 'applied'));
    expect(await stored(t, alice.user.id, 'limit ')).toHaveLength(100);
  });

  it('reads a 200 KiB push where every other route stops at 64 KiB', async () => {
    const clientId = randomUUID();
    const mutations = Array.from({ length: 100 }, (_, i) => ({
      id: i + 1,
      ...create(`k${i}`, `kib ${i} ${'t'.repeat(240)}`, { description: 'd'.repeat(2000) }),
    }));
    const payload = body(clientId, mutations);
    expect(payload.length).toBeGreaterThan(200 * KiB);
    const response = ok(await postRaw(payload));
    expect(statuses(response)).toEqual(each(1, 100, 'applied'));
    expect(await stored(t, alice.user.id, 'kib ')).toHaveLength(100);

    // The same size to a task route: 413, as before.
    const task = JSON.stringify({ title: 'too big', description: 'd'.repeat(70 * KiB) });
    expectProblem(await postRaw(task, '/api/tasks'), 413);
  });

  it('reads a body just under 1 MiB, and answers one over 1 MiB with 413, applying nothing', async () => {
    const client = new PushClient(t, alice);
    // Each description is too long for a task: read, then rejected one by one.
    const near = Array.from({ length: 100 }, (_, i) => ({
      id: i + 1,
      ...create(`n${i}`, `near ${i}`, { description: 'd'.repeat(10_300) }),
    }));
    const nearPayload = body(client.clientId, near);
    expect(nearPayload.length).toBeGreaterThan(1_000_000);
    expect(nearPayload.length).toBeLessThan(MiB);
    const read = ok(await postRaw(nearPayload));
    expect(statuses(read)).toEqual(each(1, 100, 'rejected'));
    for (const result of read.results) {
      expect(result.error).toMatchObject({ status: 422, errors: [expect.objectContaining({ field: 'description' })] });
    }

    const other = new PushClient(t, alice);
    const over = body(other.clientId, [
      { id: 1, ...create('o1', 'over the limit') },
      { id: 2, ...create('o2', 'over the limit too', { description: 'd'.repeat(MiB) }) },
    ]);
    expect(over.length).toBeGreaterThan(MiB);
    expectProblem(await postRaw(over), 413);
    expect(await stored(t, alice.user.id, 'over ')).toEqual([]);
    expect(await other.lastMutationId()).toBe(0);
  });
});

describe('GET /api/sync?client_id=', () => {
  const [alice] = useUsers(t, 1);

  it('gives last_mutation_id: 0 for a client never seen, the count after pushes, none without client_id', async () => {
    const client = new PushClient(t, alice);
    const fresh = await client.sync();
    expect(fresh.last_mutation_id).toBe(0);
    const plain = await t.request({ method: 'GET', url: '/api/sync', token: alice.token });
    expect(plain.statusCode).toBe(200);
    expect(plain.json<SyncPage>()).not.toHaveProperty('last_mutation_id');

    await client.push(create('a', 'pulled a'), { name: 'task.frobnicate', args: {} }, create('c', 'pulled c'));
    const page = await client.sync();
    expect(page.last_mutation_id).toBe(3);
    expect(page.tasks.filter((task) => task.title.startsWith('pulled ')).map((task) => task.title)).toEqual([
      'pulled a',
      'pulled c',
    ]);
    // Also on a delta page.
    expect((await client.sync(fresh.cursor)).last_mutation_id).toBe(3);
  });

  it('answers a client_id that is not a UUID with 422 on client_id', async () => {
    const response = await t.request({ method: 'GET', url: '/api/sync?client_id=phone-1', token: alice.token });
    expect(expectProblem(response, 422).errors).toEqual([expect.objectContaining({ field: 'client_id' })]);
  });

  it('reads last_mutation_id in the same snapshot as the page, while a push is being applied', async () => {
    const user = await t.signUp();
    const client = new PushClient(t, user);
    const creates = Array.from({ length: 100 }, (_, i) => create(`s${i}`, `snapshot ${i}`));
    let done = false;
    const pushing = client.push(...creates).finally(() => {
      done = true;
    });
    const seen: { last: number; tasks: number }[] = [];
    while (!done) {
      const page: ClientSyncPage = await client.sync();
      seen.push({ last: page.last_mutation_id ?? -1, tasks: page.tasks.length });
    }
    await pushing;
    const final = await client.sync();
    seen.push({ last: final.last_mutation_id ?? -1, tasks: final.tasks.length });
    // Each create is one task: a page reflects exactly the mutations up to its last_mutation_id.
    expect(seen.filter(({ last, tasks }) => last !== tasks)).toEqual([]);
    expect(seen[seen.length - 1]).toEqual({ last: 100, tasks: 100 });
    const midway = seen.filter(({ last }) => last > 0 && last < 100).length;
    console.log(`snapshot: ${seen.length} pages read during the push, ${midway} of them midway`);
    expect(midway).toBeGreaterThan(0);
  });
});

describe('POST /api/sync/push: changes like any other', () => {
  let baseUrl: string;
  const open: EventStreamClient[] = [];

  beforeAll(async () => {
    baseUrl = await listen(t.app);
  });
  afterEach(() => {
    for (const stream of open.splice(0)) stream.close();
  });

  /** The cursor at the end of the user's full sync. */
  const cursorNow = async (token: string) => {
    let cursor: string | undefined;
    for (;;) {
      const url = cursor ? `/api/sync?cursor=${cursor}` : '/api/sync';
      const page = (await t.request({ method: 'GET', url, token })).json<SyncPage>();
      cursor = page.cursor;
      if (!page.has_more) return cursor;
    }
  };
  const delta = async (token: string, cursor: string) => {
    const response = await t.request({ method: 'GET', url: `/api/sync?cursor=${cursor}`, token });
    expect(response.statusCode).toBe(200);
    return response.json<SyncPage>();
  };

  it('advances the sync cursor: the answer’s cursor is at or after every applied mutation', async () => {
    const user = await t.signUp();
    const before = await cursorNow(user.token);
    const response = await new PushClient(t, user).push(
      create('a', 'cursor a'),
      create('b', 'cursor b'),
      { name: 'task.complete', args: { id: 'temp:a' } },
      { name: 'category.create', args: { temp_id: 'c', name: 'Cursor' } },
    );
    expect(statuses(response)).toEqual(each(1, 4, 'applied'));

    const since = await delta(user.token, before);
    expect(since.tasks.map((task) => [task.title, task.completed])).toEqual([
      ['cursor b', false],
      ['cursor a', true],
    ]);
    expect(since.categories.map((category) => category.name)).toEqual(['Cursor']);
    // Nothing the push did comes after its cursor.
    const after = await delta(user.token, response.cursor);
    expect(after).toMatchObject({ tasks: [], categories: [], lists: [], has_more: false });
    expect(after.deleted).toEqual({ tasks: [], categories: [], lists: [] });
  });

  it('reaches the live event stream', async () => {
    const user = await t.signUp();
    const stream = await openEventStream(baseUrl, user.token);
    open.push(stream);
    expect(stream.status).toBe(200);
    const response = await new PushClient(t, user).push(create('a', 'live a'), create('b', 'live b'));
    expect(statuses(response)).toEqual(each(1, 2, 'applied'));
    const cursor = await cursorNow(user.token);
    const event = await stream.next((e) => e.event === 'change' && e.id === cursor, 5_000);
    expect(JSON.parse(event.data)).toEqual({ cursor });
  });

  it('reaches the streams of the other members of a shared list, as the REST route does', async () => {
    const owner = await t.signUp();
    const editor = await t.signUp();
    const list = await createList(t, owner, 'Shared live');
    await share(t, owner, editor, list.id, 'editor');
    const created = await t.request({
      method: 'POST',
      url: '/api/tasks',
      token: owner.token,
      body: { title: 'live shared', list_id: list.id },
    });
    expect(created.statusCode).toBe(201);
    const ownerStream = await openEventStream(baseUrl, owner.token);
    open.push(ownerStream);
    const before = await cursorNow(owner.token);

    const response = await new PushClient(t, editor).push({
      name: 'task.update',
      args: { id: created.json<Task>().id, title: 'live shared, edited' },
    });
    expect(statuses(response)).toEqual([{ id: 1, status: 'applied' }]);
    const cursor = await cursorNow(owner.token);
    expect(cursor).not.toBe(before);
    await ownerStream.next((e) => e.event === 'change' && e.id === cursor, 5_000);
    expect((await delta(owner.token, before)).tasks.map((task) => task.title)).toEqual(['live shared, edited']);
  });
});

describe('POST /api/sync/push on the smallest pool (DB_POOL_SIZE=1)', () => {
  // REST works with one connection; a push must too, not wait for a second one until it times out.
  const small = useTestApp({ DB_POOL_SIZE: '1', REQUEST_TIMEOUT_MS: '5000' });

  it('applies mutations whose rules read before they write (a task into a list, a subtask)', async () => {
    const session = await small.signUp();
    const list = await createList(small, session, 'One connection');
    const rest = await small.request({
      method: 'POST',
      url: '/api/tasks',
      token: session.token,
      body: { title: 'small rest', list_id: list.id },
    });
    expect(rest.statusCode).toBe(201);

    const response = await new PushClient(small, session).send([
      { id: 1, ...create('a', 'small push', { list_id: list.id }) },
      { id: 2, ...create('b', 'small subtask', { parent_id: 'temp:a' }) },
    ]);
    expect(response.statusCode).toBe(200);
    expect(statuses(response.json<PushResponse>())).toEqual(each(1, 2, 'applied'));
    expect((await stored(small, session.user.id, 'small ')).map((row) => row.title)).toEqual([
      'small rest',
      'small push',
      'small subtask',
    ]);
  });

  it('applies mutations that only read: no-op updates of a task, a category and a list', async () => {
    const session = await small.signUp();
    const started = Date.now();
    const body = ok(
      await new PushClient(small, session).send([
        { id: 1, name: 'list.create', args: { name: 'Errands', temp_id: 'l' } },
        { id: 2, ...create('t', 'small milk', { list_id: 'temp:l' }) },
        { id: 3, name: 'category.create', args: { name: 'Shop', temp_id: 'c' } },
        // No field changes: each answers from a read of the current row.
        { id: 4, name: 'task.update', args: { id: 'temp:t' } },
        { id: 5, name: 'category.update', args: { id: 'temp:c' } },
        { id: 6, name: 'list.update', args: { id: 'temp:l' } },
        { id: 7, name: 'task.update', args: { id: 'temp:t', category_ids: ['temp:c'] } },
      ]),
    );
    expect(statuses(body)).toEqual(each(1, 7, 'applied'));
    // Well within the 5 s a statement waits for a pool connection before it fails.
    expect(Date.now() - started).toBeLessThan(4_000);
  });
});

describeWithPgBouncer('POST /api/sync/push through a transaction pooler (PgBouncer in transaction mode)', () => {
  let bouncer: PgBouncer;
  let db: TestDatabase;
  let p: TestApp;

  beforeAll(async () => {
    bouncer = await PgBouncer.start(serverUrl());
    db = await createTestDatabase('e2e');
    p = await createTestApp({ DATABASE_URL: bouncer.urlFor(db.url), DATABASE_DIRECT_URL: db.url }, { db });
  });
  afterAll(async () => {
    await p?.close();
    await db?.drop();
    await bouncer?.stop();
  });

  it('applies racing copies of a push with temp ids and a rejected mutation, each mutation once', async () => {
    const session = await p.signUp();
    const client = new PushClient(p, session);
    const mutations = client.number(
      { name: 'list.create', args: { temp_id: 'L', name: 'Pooled' } },
      create('a', 'pooled a', { list_id: 'temp:L' }),
      { name: 'task.update', args: { id: 'temp:a', title: '' } },
      create('b', 'pooled b', { parent_id: 'temp:a' }),
      { name: 'task.complete', args: { id: 'temp:a' } },
    );
    const responses = await Promise.all([1, 2, 3].map(() => client.send(mutations)));
    expect(responses.map((response) => response.statusCode)).toEqual([200, 200, 200]);
    const bodies = responses.map(ok);
    for (const { id } of mutations) {
      const statusesOf = bodies.map((body) => body.results.find((result) => result.id === id)?.status);
      const first = id === 3 ? 'rejected' : 'applied';
      expect({ id, done: statusesOf.filter((status) => status === first).length }).toEqual({ id, done: 1 });
      expect(statusesOf.filter((status) => status === 'duplicate')).toHaveLength(2);
    }
    const rows = await stored(p, session.user.id, 'pooled ');
    expect(rows.map(({ title, completed }) => ({ title, completed }))).toEqual([
      { title: 'pooled a', completed: true },
      // Completing a task completes its open subtasks.
      { title: 'pooled b', completed: true },
    ]);
    expect(rows[1].parent_id).toBe(rows[0].id);
    for (const body of bodies) expect(body.id_map).toEqual({ L: rows[0].list_id, a: rows[0].id, b: rows[1].id });
    expect(await client.lastMutationId()).toBe(5);
  });
});

describe('push clients idle past SYNC_RETENTION_DAYS', () => {
  const [alice] = useUsers(t, 1);

  /** As if the client's last push was `days` days ago; then the hourly purge runs. */
  const idle = async (client: PushClient, days: number) => {
    await t.sql.query(`UPDATE sync_clients SET last_push_at = now() - make_interval(days => $2) WHERE client_id = $1`, [
      client.clientId,
      days,
    ]);
    await t.app.get(TombstonePurgeService).purge();
  };

  it('are kept, temp ids included, for 7 days at least; then forgotten, and told so (409, expected_id 1)', async () => {
    const client = new PushClient(t, alice);
    const first = await client.push(create('a', 'retained a'), create('b', 'retained b'));
    expect(statuses(first)).toEqual(each(1, 2, 'applied'));

    await idle(client, 6);
    expect(await client.lastMutationId()).toBe(2);
    const week = await client.push({ name: 'task.update', args: { id: 'temp:a', title: 'retained a, 6 days on' } });
    expect(statuses(week)).toEqual([{ id: 3, status: 'applied' }]);

    await idle(client, 3650);
    expect(await client.lastMutationId()).toBe(0);
    const late = client.number({ name: 'task.update', args: { id: 'temp:b', title: 'retained b, too late' } });
    const problem = expectProblem(await client.send(late), 409);
    expect(problem.expected_id).toBe(1);
    expect(problem.detail).toMatch(/unknown|forgot|no mutations on record/i);
    // Renumbered from 1, as the answer says: its old temp ids name nothing any more.
    const renumbered = ok(await client.send([{ ...late[0], id: 1 }]));
    expect(renumbered.results[0]).toMatchObject({ id: 1, status: 'rejected', error: { status: 422 } });
    expect(renumbered.results[0].error?.errors).toEqual([expect.objectContaining({ field: 'id' })]);
    expect((await stored(t, alice.user.id, 'retained ')).map((row) => row.title)).toEqual([
      'retained a, 6 days on',
      'retained b',
    ]);
  });
});

describe('POST /api/sync/push: the database connection dropped in the middle of a push', () => {
  // An app of its own: its every backend is terminated.
  const d = useTestApp();

  /** Ends every session of the app's database but the test's own, as a failover or a restart would. */
  const terminateBackends = async () =>
    (
      await d.sql.query<{ n: number }>(
        `SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
          WHERE datname = current_database() AND pid <> pg_backend_pid()`,
      )
    ).rows[0].n;

  /** How many of the push's mutations show in the database: one per create, one per completion. */
  const progress = async (userId: string) =>
    (
      await d.sql.query<{ n: number }>(
        `SELECT (count(*) + count(*) FILTER (WHERE completed))::int AS n FROM tasks
          WHERE user_id = $1 AND left(title, 4) = 'cut '`,
        [userId],
      )
    ).rows[0].n;

  /** Polls `probe` until it gives a value. */
  const waitFor = async <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await probe();
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error(`waited ${timeoutMs} ms for ${what}`);
      await sleep(5);
    }
  };

  /**
   * 60 creates, then 40 toggles of the first 40 (a toggle applied twice leaves its task pending):
   * sent once while `cut` drops the connections midway, then resent until 200, as a client's retry
   * loop does. Every mutation must then be applied exactly once. `cut` answers how many mutations
   * showed in the database when it cut (at least one, fewer than all).
   */
  const pushThroughCut = async (
    cut: (userId: string, answered: () => boolean) => Promise<number[]>,
    { holdList = false } = {},
  ) => {
    const session = await d.signUp();
    const client = new PushClient(d, session);
    // With holdList, the second half of the creates goes to a list whose row the test holds locked
    // from before the push: the 31st create's foreign key check waits on it, however fast the rest ran.
    const held = holdList ? await createList(d, session, 'cut held') : undefined;
    const creates = Array.from({ length: 60 }, (_, i) =>
      create(`k${i}`, `cut ${i}`, held && i >= 30 ? { list_id: held.id } : {}),
    );
    const toggles = Array.from({ length: 40 }, (_, i) => ({ name: 'task.complete', args: { id: `temp:k${i}` } }));
    const mutations = client.number(...creates, ...toggles);
    if (held) {
      await d.sql.query('BEGIN');
      await d.sql.query('SELECT 1 FROM lists WHERE id = $1 FOR UPDATE', [held.id]);
    }

    let answered = false;
    const first = client.send(mutations).finally(() => {
      answered = true;
    });
    const cutsAt = await cut(session.user.id, () => answered);
    const response = await first;
    console.log(`push cut at ${JSON.stringify(cutsAt)} of ${mutations.length}: first answer ${response.statusCode}`);
    expect(cutsAt.length).toBeGreaterThan(0);
    for (const at of cutsAt) expect(at > 0 && at < mutations.length).toBe(true);
    expect([200, 503]).toContain(response.statusCode);
    if (response.statusCode === 503) {
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    }

    // The client's retry loop: the same push until it is answered 200.
    const answers = [response.statusCode];
    let final = response.statusCode === 200 ? response.json<PushResponse>() : undefined;
    for (let attempt = 0; !final && attempt < 80; attempt++) {
      await sleep(250);
      const retry = await client.send(mutations);
      answers.push(retry.statusCode);
      if (retry.statusCode === 200) final = retry.json<PushResponse>();
      else expect(retry.statusCode).toBe(503);
    }
    console.log(`answers until 200: ${JSON.stringify(answers)}`);
    expect(final).toBeDefined();
    const results = final!.results;
    expect(results.map((result) => result.id)).toEqual(mutations.map((mutation) => mutation.id));
    for (const result of results) expect(['applied', 'duplicate']).toContain(result.status);
    // What committed before a failed attempt stayed applied, and the retry reports it as done.
    if (response.statusCode === 503) {
      expect(results.filter((result) => result.status === 'duplicate').length).toBeGreaterThanOrEqual(cutsAt[0]);
    }
    expect(final!.last_mutation_id).toBe(100);

    const rows = await stored(d, session.user.id, 'cut ');
    expect(rows.map((row) => row.title).sort()).toEqual(creates.map((change) => String(change.args.title)).sort());
    const completed = rows.filter((row) => row.completed).map((row) => Number(row.title.slice(4)));
    expect(completed.sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(final!.id_map).toEqual(Object.fromEntries(rows.map((row) => [`k${row.title.slice(4)}`, row.id])));

    // And once more, as a client whose 200 was lost would: nothing is applied again.
    const resent = ok(await client.send(mutations));
    expect(statuses(resent)).toEqual(each(1, 100, 'duplicate'));
    expect(await stored(d, session.user.id, 'cut ')).toEqual(rows);
    return response.statusCode;
  };

  it('ends a push whose mutation loses its connection mid-transaction with 503; retried until 200, each mutation is applied once', async () => {
    const status = await pushThroughCut(
      async (userId) => {
        // The held list's row: the 31st create waits on it in its transaction.
        try {
          await waitFor('a mutation waiting on the held list', async () => {
            // Inside a transaction, pg_stat_activity is read once and kept: drop that copy first.
            await d.sql.query('SELECT pg_stat_clear_snapshot()');
            const { rows } = await d.sql.query<{ pid: number }>(
              `SELECT pid FROM pg_stat_activity
              WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()`,
            );
            return rows[0];
          });
          const at = await progress(userId);
          expect(await terminateBackends()).toBeGreaterThan(0);
          expect(at).toBe(30);
          return [at];
        } finally {
          await d.sql.query('ROLLBACK');
        }
      },
      { holdList: true },
    );
    // The contract: a database failure ends the request with 503.
    expect(status).toBe(503);
  });

  it('survives every connection being cut three times as the push goes: 503 or 200, then each mutation applied once', async () => {
    await pushThroughCut(async (userId, answered) => {
      // Cut every connection each time the push has made progress since the last cut, up to 3 times.
      const cutsAt: number[] = [];
      let last = 0;
      while (!answered() && cutsAt.length < 3) {
        const now = await progress(userId);
        if (now > last && now < 100 && !answered()) {
          if ((await terminateBackends()) > 0) cutsAt.push(now);
          last = now;
        }
        await sleep(5);
      }
      return cutsAt;
    });
  });
});
