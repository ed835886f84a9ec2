import { expect } from '@jest/globals';
import type { Category, List, ListList, Problem, Task } from './support/api-types.js';
import { createList, PushClient, share, withoutInstance } from './support/push.js';
import { type Session, type TestApp, useTestApp, useUsers } from './support/test-app.js';

/**
 * One implementation of each rule (issue 23): a change a REST route refuses is refused the same way
 * as a push mutation, with the same status and the same problem (its `errors` included), and
 * neither stores anything. Each row of the table is sent both ways; the REST answer is also checked
 * against the status and fields the row names, so two paths that broke alike still fail.
 */

const t = useTestApp();
const [alice, bob, carol, full] = useUsers(t, 4);

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';
/** The REST route that does what each mutation does. */
const ROUTES = {
  'task.create': () => ['POST', '/api/tasks'],
  'task.update': (id) => ['PATCH', `/api/tasks/${id}`],
  'task.complete': (id) => ['PATCH', `/api/tasks/${id}/complete`],
  'task.move': (id) => ['POST', `/api/tasks/${id}/move`],
  'task.delete': (id) => ['DELETE', `/api/tasks/${id}`],
  'category.create': () => ['POST', '/api/categories'],
  'category.update': (id) => ['PATCH', `/api/categories/${id}`],
  'category.delete': (id) => ['DELETE', `/api/categories/${id}`],
  'list.create': () => ['POST', '/api/lists'],
  'list.update': (id) => ['PATCH', `/api/lists/${id}`],
} satisfies Record<string, (id?: number) => [Method, string]>;
type Name = keyof typeof ROUTES;

/** What the rows refer to, made in the beforeAll below. */
interface Fixtures {
  inbox: number;
  /** Alice's, shared with Bob as a viewer. */
  shared: number;
  /** Another list of Alice's. */
  second: number;
  carolsList: number;
  /** Alice's tasks in her inbox. */
  task: number;
  sibling: number;
  /** Alice's task in `shared`. */
  sharedTask: number;
  /** Alice's task in `second`. */
  elsewhere: number;
  bobsTask: number;
  recurring: number;
  parent: number;
  child: number;
  /** The third and fourth levels of a chain of subtasks: nothing may nest under the fourth. */
  third: number;
  deepest: number;
  home: number;
  work: number;
  carolsCategory: number;
  /** ETags from before a write: If-Match with one of them is 412. */
  staleTask: string;
  staleCategory: string;
  staleList: string;
}
const f = {} as Fixtures;
const users = { alice, bob, carol, full } as const;
type Who = keyof typeof users;

interface Rule {
  rule: string;
  name: Name;
  /** Who sends it (default alice). */
  as?: Who;
  id?: (f: Fixtures) => number;
  args?: (f: Fixtures) => Record<string, unknown>;
  ifMatch?: (f: Fixtures) => string;
  /** The REST route's answer: its status, and for a 422 the fields its `errors` name. */
  status: number;
  fields?: string[];
}

const DUE = '2026-12-01T09:00:00Z';
const MISSING = 2_147_483_647;

const RULES: Rule[] = [
  // task.create: validation
  { rule: 'empty title', name: 'task.create', args: () => ({ title: '' }), status: 422, fields: ['title'] },
  { rule: 'title of spaces', name: 'task.create', args: () => ({ title: '   ' }), status: 422, fields: ['title'] },
  {
    rule: 'title too long',
    name: 'task.create',
    args: () => ({ title: 'x'.repeat(256) }),
    status: 422,
    fields: ['title'],
  },
  { rule: 'no title', name: 'task.create', args: () => ({}), status: 422, fields: ['title'] },
  { rule: 'null title', name: 'task.create', args: () => ({ title: null }), status: 422, fields: ['title'] },
  {
    rule: 'bad priority',
    name: 'task.create',
    args: () => ({ title: 'x', priority: 'urgent' }),
    status: 422,
    fields: ['priority'],
  },
  {
    rule: 'bad due_date',
    name: 'task.create',
    args: () => ({ title: 'x', due_date: 'tomorrow' }),
    status: 422,
    fields: ['due_date'],
  },
  {
    rule: 'due_date without a time zone',
    name: 'task.create',
    args: () => ({ title: 'x', due_date: '2026-12-01T10:00:00' }),
    status: 422,
    fields: ['due_date'],
  },
  {
    rule: 'due_date on a day the calendar does not have',
    name: 'task.create',
    args: () => ({ title: 'x', due_date: '2026-02-30' }),
    status: 422,
    fields: ['due_date'],
  },
  {
    rule: 'unknown field',
    name: 'task.create',
    args: () => ({ title: 'x', colour: 'red' }),
    status: 422,
    fields: ['colour'],
  },
  {
    rule: 'wrong types',
    name: 'task.create',
    args: () => ({ title: 42, completed: 'yes', list_id: 1.5, category_ids: '1', description: false }),
    status: 422,
    fields: ['title', 'completed', 'list_id', 'category_ids', 'description'],
  },
  {
    rule: 'description too long',
    name: 'task.create',
    args: () => ({ title: 'x', description: 'd'.repeat(2001) }),
    status: 422,
    fields: ['description'],
  },
  {
    rule: 'NUL in a string',
    name: 'task.create',
    args: () => ({ title: 'x', description: 'a\u0000b' }),
    status: 422,
    fields: ['description'],
  },
  {
    rule: 'bad remind_at',
    name: 'task.create',
    args: () => ({ title: 'x', remind_at: '9am' }),
    status: 422,
    fields: ['remind_at'],
  },
  {
    rule: 'recurrence with an INTERVAL over 1000',
    name: 'task.create',
    args: () => ({ title: 'x', due_date: DUE, recurrence: 'FREQ=DAILY;INTERVAL=1001' }),
    status: 422,
    fields: ['recurrence'],
  },
  {
    rule: 'bad recurrence',
    name: 'task.create',
    args: () => ({ title: 'x', due_date: DUE, recurrence: 'FREQ=HOURLY' }),
    status: 422,
    fields: ['recurrence'],
  },
  {
    rule: 'recurrence without a due_date',
    name: 'task.create',
    args: () => ({ title: 'x', recurrence: 'FREQ=DAILY' }),
    status: 422,
    fields: ['recurrence'],
  },
  {
    rule: 'a subtask with recurrence',
    name: 'task.create',
    args: (f) => ({ title: 'x', parent_id: f.task, due_date: DUE, recurrence: 'FREQ=DAILY' }),
    status: 422,
    fields: ['recurrence'],
  },
  {
    rule: 'list_id not readable',
    name: 'task.create',
    args: (f) => ({ title: 'x', list_id: f.carolsList }),
    status: 422,
    fields: ['list_id'],
  },
  {
    rule: 'list_id that does not exist',
    name: 'task.create',
    args: () => ({ title: 'x', list_id: MISSING }),
    status: 422,
    fields: ['list_id'],
  },
  {
    rule: 'category_ids with a foreign id',
    name: 'task.create',
    args: (f) => ({ title: 'x', category_ids: [f.home, f.carolsCategory] }),
    status: 422,
    fields: ['category_ids'],
  },
  {
    rule: 'more than 20 category_ids',
    name: 'task.create',
    args: () => ({ title: 'x', category_ids: Array.from({ length: 21 }, (_, i) => i + 1) }),
    status: 422,
    fields: ['category_ids'],
  },
  {
    rule: 'parent_id not readable',
    name: 'task.create',
    args: () => ({ title: 'x', parent_id: MISSING }),
    status: 422,
    fields: ['parent_id'],
  },
  {
    rule: 'a fifth level of subtasks',
    name: 'task.create',
    args: (f) => ({ title: 'x', parent_id: f.deepest }),
    status: 422,
    fields: ['parent_id'],
  },
  {
    rule: 'a parent in another list',
    name: 'task.create',
    args: (f) => ({ title: 'x', list_id: f.second, parent_id: f.task }),
    status: 422,
    fields: ['parent_id'],
  },
  {
    rule: 'an assignee who is not a member',
    name: 'task.create',
    args: (f) => ({ title: 'x', list_id: f.shared, assignee_id: carol.user.id }),
    status: 422,
    fields: ['assignee_id'],
  },
  {
    rule: 'viewer write',
    name: 'task.create',
    as: 'bob',
    args: (f) => ({ title: 'x', list_id: f.shared }),
    status: 403,
  },

  // task.update
  {
    rule: 'null title and priority',
    name: 'task.update',
    id: (f) => f.task,
    args: () => ({ title: null, priority: null }),
    status: 422,
    fields: ['title', 'priority'],
  },
  {
    rule: 'title too long',
    name: 'task.update',
    id: (f) => f.task,
    args: () => ({ title: 'x'.repeat(256) }),
    status: 422,
    fields: ['title'],
  },
  {
    rule: 'unknown field',
    name: 'task.update',
    id: (f) => f.task,
    args: () => ({ position: 'a0' }),
    status: 422,
    fields: ['position'],
  },
  {
    rule: 'non-member id',
    name: 'task.update',
    as: 'carol',
    id: (f) => f.task,
    args: () => ({ title: 'x' }),
    status: 404,
  },
  {
    rule: 'an id that does not exist',
    name: 'task.update',
    id: () => MISSING,
    args: () => ({ title: 'x' }),
    status: 404,
  },
  {
    rule: 'viewer write',
    name: 'task.update',
    as: 'bob',
    id: (f) => f.sharedTask,
    args: () => ({ title: 'x' }),
    status: 403,
  },
  {
    rule: 'if_match stale',
    name: 'task.update',
    id: (f) => f.task,
    args: () => ({ title: 'x' }),
    ifMatch: (f) => f.staleTask,
    status: 412,
  },
  {
    rule: 'if_match not an entity tag',
    name: 'task.update',
    id: (f) => f.task,
    args: () => ({ title: 'x' }),
    ifMatch: () => 'version 3',
    status: 400,
  },
  {
    rule: 'if_match stale with no field',
    name: 'task.update',
    id: (f) => f.task,
    args: () => ({}),
    ifMatch: (f) => f.staleTask,
    status: 412,
  },
  {
    rule: 'a parent that is its own subtask',
    name: 'task.update',
    id: (f) => f.parent,
    args: (f) => ({ parent_id: f.child }),
    status: 422,
    fields: ['parent_id'],
  },
  {
    rule: 'a parent in another list',
    name: 'task.update',
    id: (f) => f.sibling,
    args: (f) => ({ parent_id: f.elsewhere }),
    status: 422,
    fields: ['parent_id'],
  },
  {
    rule: 'a subtree moved past the fourth level',
    name: 'task.update',
    id: (f) => f.parent,
    args: (f) => ({ parent_id: f.third }),
    status: 422,
    fields: ['parent_id'],
  },
  {
    rule: 'a parent for a recurring task',
    name: 'task.update',
    id: (f) => f.recurring,
    args: (f) => ({ parent_id: f.task }),
    status: 422,
    fields: ['parent_id'],
  },
  {
    rule: 'recurrence on a subtask',
    name: 'task.update',
    id: (f) => f.child,
    args: () => ({ due_date: DUE, recurrence: 'FREQ=DAILY' }),
    status: 422,
    fields: ['recurrence'],
  },
  {
    rule: 'due_date cleared on a recurring task',
    name: 'task.update',
    id: (f) => f.recurring,
    args: () => ({ due_date: null }),
    status: 422,
    fields: ['due_date'],
  },
  {
    rule: 'list_id not readable',
    name: 'task.update',
    id: (f) => f.task,
    args: (f) => ({ list_id: f.carolsList }),
    status: 422,
    fields: ['list_id'],
  },
  {
    rule: 'moved into a list its sender only views',
    name: 'task.update',
    as: 'bob',
    id: (f) => f.bobsTask,
    args: (f) => ({ list_id: f.shared }),
    status: 403,
  },
  {
    rule: 'category_ids with a foreign id',
    name: 'task.update',
    id: (f) => f.task,
    args: (f) => ({ category_ids: [f.carolsCategory] }),
    status: 422,
    fields: ['category_ids'],
  },

  // task.complete
  {
    rule: 'completed not a boolean',
    name: 'task.complete',
    id: (f) => f.task,
    args: () => ({ completed: 'yes' }),
    status: 422,
    fields: ['completed'],
  },
  {
    rule: 'unknown field',
    name: 'task.complete',
    id: (f) => f.task,
    args: () => ({ done: true }),
    status: 422,
    fields: ['done'],
  },
  {
    rule: 'viewer write',
    name: 'task.complete',
    as: 'bob',
    id: (f) => f.sharedTask,
    args: () => ({ completed: true }),
    status: 403,
  },
  {
    rule: 'non-member id',
    name: 'task.complete',
    as: 'carol',
    id: (f) => f.task,
    args: () => ({ completed: true }),
    status: 404,
  },
  {
    rule: 'if_match stale',
    name: 'task.complete',
    id: (f) => f.task,
    args: () => ({ completed: true }),
    ifMatch: (f) => f.staleTask,
    status: 412,
  },

  // task.move
  {
    rule: 'both after_id and before_id',
    name: 'task.move',
    id: (f) => f.task,
    args: (f) => ({ after_id: f.sibling, before_id: f.sibling }),
    status: 422,
    fields: ['before_id'],
  },
  { rule: 'no anchor', name: 'task.move', id: (f) => f.task, args: () => ({}), status: 422, fields: ['after_id'] },
  {
    rule: 'itself as the anchor',
    name: 'task.move',
    id: (f) => f.task,
    args: (f) => ({ after_id: f.task }),
    status: 422,
    fields: ['after_id'],
  },
  {
    rule: 'an anchor in another list',
    name: 'task.move',
    id: (f) => f.task,
    args: (f) => ({ before_id: f.elsewhere }),
    status: 422,
    fields: ['before_id'],
  },
  {
    rule: 'an anchor that is a subtask, not a sibling',
    name: 'task.move',
    id: (f) => f.task,
    args: (f) => ({ after_id: f.child }),
    status: 422,
    fields: ['after_id'],
  },
  {
    rule: 'an anchor that is not an integer',
    name: 'task.move',
    id: (f) => f.task,
    args: () => ({ after_id: 1.5 }),
    status: 422,
    fields: ['after_id'],
  },
  {
    rule: 'viewer write',
    name: 'task.move',
    as: 'bob',
    id: (f) => f.sharedTask,
    args: () => ({ after_id: null }),
    status: 403,
  },
  {
    rule: 'non-member id',
    name: 'task.move',
    as: 'carol',
    id: (f) => f.task,
    args: () => ({ after_id: null }),
    status: 404,
  },
  {
    rule: 'if_match stale',
    name: 'task.move',
    id: (f) => f.task,
    args: (f) => ({ after_id: f.sibling }),
    ifMatch: (f) => f.staleTask,
    status: 412,
  },

  // task.delete
  { rule: 'non-member id', name: 'task.delete', as: 'carol', id: (f) => f.task, status: 404 },
  { rule: 'an id that does not exist', name: 'task.delete', id: () => MISSING, status: 404 },
  { rule: 'viewer write', name: 'task.delete', as: 'bob', id: (f) => f.sharedTask, status: 403 },
  { rule: 'if_match stale', name: 'task.delete', id: (f) => f.task, ifMatch: (f) => f.staleTask, status: 412 },

  // category.create and category.update
  { rule: 'empty name', name: 'category.create', args: () => ({ name: '' }), status: 422, fields: ['name'] },
  {
    rule: 'name too long',
    name: 'category.create',
    args: () => ({ name: 'n'.repeat(101) }),
    status: 422,
    fields: ['name'],
  },
  {
    rule: 'bad colour',
    name: 'category.create',
    args: () => ({ name: 'Colourful', color: 'red' }),
    status: 422,
    fields: ['color'],
  },
  {
    rule: 'unknown field',
    name: 'category.create',
    args: () => ({ name: 'Extra', icon: 'star' }),
    status: 422,
    fields: ['icon'],
  },
  { rule: 'duplicate name, another case', name: 'category.create', args: () => ({ name: 'HOME' }), status: 409 },
  {
    rule: 'the 201st category',
    name: 'category.create',
    as: 'full',
    args: () => ({ name: 'One too many' }),
    status: 422,
    fields: [],
  },
  {
    rule: 'null name',
    name: 'category.update',
    id: (f) => f.work,
    args: () => ({ name: null }),
    status: 422,
    fields: ['name'],
  },
  {
    rule: 'renamed to a name taken',
    name: 'category.update',
    id: (f) => f.work,
    args: () => ({ name: 'home' }),
    status: 409,
  },
  {
    rule: 'another user’s category',
    name: 'category.update',
    id: (f) => f.carolsCategory,
    args: () => ({ name: 'Mine now' }),
    status: 404,
  },
  {
    rule: 'if_match stale',
    name: 'category.update',
    id: (f) => f.home,
    args: () => ({ color: '#000000' }),
    ifMatch: (f) => f.staleCategory,
    status: 412,
  },
  { rule: 'another user’s category', name: 'category.delete', id: (f) => f.carolsCategory, status: 404 },
  {
    rule: 'if_match stale',
    name: 'category.delete',
    id: (f) => f.home,
    ifMatch: (f) => f.staleCategory,
    status: 412,
  },

  // list.create and list.update
  { rule: 'empty name', name: 'list.create', args: () => ({ name: '' }), status: 422, fields: ['name'] },
  {
    rule: 'name too long',
    name: 'list.create',
    args: () => ({ name: 'n'.repeat(101) }),
    status: 422,
    fields: ['name'],
  },
  {
    rule: 'bad colour',
    name: 'list.create',
    args: () => ({ name: 'Colourful', color: '#12345' }),
    status: 422,
    fields: ['color'],
  },
  {
    rule: 'unknown field',
    name: 'list.create',
    args: () => ({ name: 'Extra', is_inbox: true }),
    status: 422,
    fields: ['is_inbox'],
  },
  {
    rule: 'the 201st list',
    name: 'list.create',
    as: 'full',
    args: () => ({ name: 'One too many' }),
    status: 422,
    fields: [],
  },
  {
    rule: 'viewer write',
    name: 'list.update',
    as: 'bob',
    id: (f) => f.shared,
    args: () => ({ name: 'x' }),
    status: 403,
  },
  {
    rule: 'non-member id',
    name: 'list.update',
    as: 'carol',
    id: (f) => f.shared,
    args: () => ({ name: 'x' }),
    status: 404,
  },
  {
    rule: 'empty name',
    name: 'list.update',
    id: (f) => f.shared,
    args: () => ({ name: '' }),
    status: 422,
    fields: ['name'],
  },
  {
    rule: 'if_match stale',
    name: 'list.update',
    id: (f) => f.shared,
    args: () => ({ name: 'Renamed again' }),
    ifMatch: (f) => f.staleList,
    status: 412,
  },
];

/** Every row a change could touch, of every user: equal before and after means nothing was stored. */
const fingerprint = async (app: TestApp) =>
  (
    await app.sql.query<{ digest: string }>(
      `SELECT concat_ws('/',
         (SELECT md5(coalesce(string_agg(r::text, '|' ORDER BY r::text), '')) FROM tasks r),
         (SELECT md5(coalesce(string_agg(r::text, '|' ORDER BY r::text), '')) FROM categories r),
         (SELECT md5(coalesce(string_agg(r::text, '|' ORDER BY r::text), '')) FROM task_categories r),
         (SELECT md5(coalesce(string_agg(r::text, '|' ORDER BY r::text), '')) FROM lists r),
         (SELECT md5(coalesce(string_agg(r::text, '|' ORDER BY r::text), '')) FROM list_members r)) AS digest`,
    )
  ).rows[0].digest;

const call = async (session: Session, method: Method, url: string, body?: unknown, headers?: Record<string, string>) =>
  t.request({ method, url, token: session.token, body, headers });

const created = async <T>(session: Session, url: string, body: object): Promise<{ body: T; etag: string }> => {
  const response = await call(session, 'POST', url, body);
  if (response.statusCode !== 201) throw new Error(`${url}: ${response.statusCode} ${response.body}`);
  return { body: response.json<T>(), etag: response.headers.etag as string };
};
const taskOf = async (session: Session, body: object) => (await created<Task>(session, '/api/tasks', body)).body.id;

beforeAll(async () => {
  const lists = await call(alice, 'GET', '/api/lists');
  f.inbox = lists.json<ListList>().items.find((list) => list.is_inbox)!.id;
  const shared = await created<List>(alice, '/api/lists', { name: 'Shared' });
  f.shared = shared.body.id;
  f.staleList = shared.etag;
  await share(t, alice, bob, f.shared, 'viewer');
  expect((await call(alice, 'PATCH', `/api/lists/${f.shared}`, { name: 'Shared with Bob' })).statusCode).toBe(200);
  f.second = (await createList(t, alice, 'Second')).id;
  f.carolsList = (await createList(t, carol, 'Carol’s')).id;

  const home = await created<Category>(alice, '/api/categories', { name: 'Home' });
  f.home = home.body.id;
  f.staleCategory = home.etag;
  expect((await call(alice, 'PATCH', `/api/categories/${f.home}`, { color: '#22c55e' })).statusCode).toBe(200);
  f.work = (await created<Category>(alice, '/api/categories', { name: 'Work' })).body.id;
  f.carolsCategory = (await created<Category>(carol, '/api/categories', { name: 'Carol’s' })).body.id;

  const task = await created<Task>(alice, '/api/tasks', { title: 'Fixture', category_ids: [f.home] });
  f.task = task.body.id;
  f.staleTask = task.etag;
  expect((await call(alice, 'PATCH', `/api/tasks/${f.task}`, { title: 'Fixture, renamed' })).statusCode).toBe(200);
  f.sibling = await taskOf(alice, { title: 'Sibling' });
  f.sharedTask = await taskOf(alice, { title: 'In the shared list', list_id: f.shared });
  f.elsewhere = await taskOf(alice, { title: 'In the second list', list_id: f.second });
  f.bobsTask = await taskOf(bob, { title: 'Bob’s own' });
  f.recurring = await taskOf(alice, { title: 'Daily', due_date: DUE, recurrence: 'FREQ=DAILY' });
  f.parent = await taskOf(alice, { title: 'Parent' });
  f.child = await taskOf(alice, { title: 'Child', parent_id: f.parent });
  let level = await taskOf(alice, { title: 'Level 1' });
  for (const depth of [2, 3, 4]) {
    if (depth === 4) f.third = level;
    level = await taskOf(alice, { title: `Level ${depth}`, parent_id: level });
  }
  f.deepest = level;

  // At both limits: 200 lists owned (the inbox and 199 more) and 200 categories.
  await t.sql.query(
    `WITH made AS (INSERT INTO lists (owner_id, name) SELECT $1, 'List ' || g FROM generate_series(1, 199) g RETURNING id)
     INSERT INTO list_members (list_id, user_id, role, position) SELECT id, $1, 'owner', 'a0' FROM made`,
    [full.user.id],
  );
  await t.sql.query(`INSERT INTO categories (user_id, name) SELECT $1, 'c' || g FROM generate_series(1, 200) g`, [
    full.user.id,
  ]);
});

describe('a rule broken through REST and through push gives the same answer', () => {
  const clients = new Map<Who, PushClient>();
  const clientOf = (who: Who) => {
    if (!clients.has(who)) clients.set(who, new PushClient(t, users[who]));
    return clients.get(who)!;
  };
  let temp = 0;

  it.each(RULES)(
    '$name: $rule',
    async ({ name, as = 'alice', id: idOf, args: argsOf, ifMatch: ifMatchOf, status, fields }) => {
      const session = users[as];
      const id = idOf?.(f);
      const args = argsOf?.(f);
      const ifMatch = ifMatchOf?.(f);
      const [method, url] = ROUTES[name](id);
      const before = await fingerprint(t);

      const rest = await call(session, method, url, args, ifMatch ? { 'if-match': ifMatch } : undefined);
      expect(rest.statusCode).toBe(status);
      const problem = rest.json<Problem>();
      if (fields) expect(problem.errors?.map((error) => error.field).sort()).toEqual([...fields].sort());
      else expect(problem.errors).toBeUndefined();
      expect(await fingerprint(t)).toBe(before);

      const pushArgs = {
        ...(name.endsWith('.create') ? { temp_id: `rule-${++temp}` } : {}),
        ...(id !== undefined ? { id } : {}),
        ...args,
        ...(ifMatch ? { if_match: ifMatch } : {}),
      };
      const pushed = await clientOf(as).push({ name, args: pushArgs });
      expect(pushed.results).toHaveLength(1);
      expect(pushed.results[0].status).toBe('rejected');
      expect(withoutInstance(pushed.results[0].error!)).toEqual(withoutInstance(problem));
      expect(await fingerprint(t)).toBe(before);
    },
  );

  it('accepts a valid change both ways, with the same result (the table does not compare two broken paths)', async () => {
    const body = {
      title: '  Same both ways  ',
      description: 'With everything',
      priority: 'high',
      due_date: '2026-12-02',
      remind_at: '2026-12-01T08:00:00+01:00',
      recurrence: 'FREQ=WEEKLY;BYDAY=MO',
      category_ids: [f.work, f.home, f.work],
      list_id: f.shared,
    };
    const rest = await call(alice, 'POST', '/api/tasks', body);
    expect(rest.statusCode).toBe(201);
    const pushed = await clientOf('alice').push({ name: 'task.create', args: { temp_id: 'valid', ...body } });
    expect(pushed.results[0].status).toBe('applied');
    const read = await call(alice, 'GET', `/api/tasks/${pushed.id_map.valid}`);
    const comparable = ({ id: _id, position: _p, created_at: _c, updated_at: _u, ...task }: Task) => task;
    expect(comparable(read.json<Task>())).toEqual(comparable(rest.json<Task>()));
  });
});
