import type { Pool, PoolClient } from 'pg';
import { DataSource, QueryFailedError } from 'typeorm';
import { Statement } from '../src/database/statement.js';
import type { SyncPage, Task, TaskPage } from './support/api-types.js';
import { useTestApp } from './support/test-app.js';

/**
 * The hot routes' statements are prepared once per connection (src/database/statement.ts). With a
 * pool of two connections, both are taken and asked what they have prepared.
 */
const t = useTestApp({ DB_POOL_SIZE: '2' });
let dataSource: DataSource;
beforeAll(() => {
  dataSource = t.app.get(DataSource);
});

/** What `ask` finds on each of the pool's two connections, taken both at once so each is asked. */
const onEachConnection = async <T>(ask: (client: PoolClient) => Promise<T[]>): Promise<T[]> => {
  const pool = (dataSource.driver as unknown as { master: Pool }).master;
  const clients = [await pool.connect(), await pool.connect()];
  try {
    const found: T[] = [];
    for (const client of clients) found.push(...(await ask(client)));
    return found;
  } finally {
    for (const client of clients) client.release();
  }
};

const prepared = () =>
  onEachConnection(async (client) =>
    (await client.query<{ statement: string }>('SELECT statement FROM pg_prepared_statements')).rows.map(
      (row) => row.statement,
    ),
  );

/** How each connection ran the prepared list page ordered by `order`: generic and custom plans used. */
const pagePlans = (order: string) =>
  onEachConnection(async (client) =>
    (
      await client.query<{ generic_plans: string; custom_plans: string }>(
        'SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement LIKE $1',
        [`%ORDER BY ${order}%`],
      )
    ).rows.map((row) => ({ generic: Number(row.generic_plans), custom: Number(row.custom_plans) })),
  );

/** Generic plans used, over both connections. */
const genericPlans = async (order: string) => (await pagePlans(order)).reduce((sum, plans) => sum + plans.generic, 0);

it('prepares the statements of get, toggle, create and list once, and reuses them', async () => {
  const { token } = await t.signUp();
  const created = await t.request({ method: 'POST', url: '/api/tasks', token, body: { title: 'prepared' } });
  expect(created.statusCode).toBe(201);
  const { id } = created.json<Task>();
  for (let i = 0; i < 3; i++) {
    expect((await t.request({ method: 'GET', url: `/api/tasks/${id}`, token })).statusCode).toBe(200);
    expect((await t.request({ method: 'PATCH', url: `/api/tasks/${id}/complete`, token })).statusCode).toBe(200);
    expect((await t.request({ method: 'GET', url: '/api/tasks?limit=5', token })).statusCode).toBe(200);
  }
  const statements = await prepared();
  expect(statements).toEqual(
    expect.arrayContaining([
      expect.stringMatching(
        /^SELECT tasks\.id, tasks\.user_id, .* FROM tasks WHERE id = \$1 AND \(tasks\.user_id = \$2 OR/s,
      ),
      expect.stringMatching(/^UPDATE tasks SET completed = COALESCE\(\$4, NOT completed\)/),
      expect.stringMatching(/^INSERT INTO tasks/),
      expect.stringMatching(
        /^SELECT position FROM tasks WHERE list_id = \(SELECT id FROM lists WHERE owner_id = \$1 AND is_inbox\)/,
      ),
      expect.stringMatching(
        /\(SELECT count\(\*\) FROM tasks WHERE tasks\.user_id = \(SELECT \$1::text\) .*\) AS total\s+FROM \(\(SELECT tasks\.\* FROM tasks WHERE/s,
      ),
    ]),
  );
  // Prepared at most once per connection: the same text three times is not three statements.
  for (const text of new Set(statements)) expect(statements.filter((s) => s === text).length).toBeLessThanOrEqual(2);
});

it('gives each connection its statement timeout with a SET, not as a startup parameter a pooler would refuse', async () => {
  const pool = (dataSource.driver as unknown as { master: Pool & { options: object } }).master;
  expect(pool.options).not.toHaveProperty('statement_timeout');
  const settings = await onEachConnection(async (client) => [
    (await client.query<{ timeout: string }>("SELECT current_setting('statement_timeout') AS timeout")).rows[0].timeout,
  ]);
  expect(settings).toEqual(['15s', '15s']);
});

it('fails like db.query() does: a QueryFailedError carrying the driver error', async () => {
  const duplicate = new Statement('SELECT 1 / $1::int AS x');
  await expect(duplicate.rows(dataSource, [1])).resolves.toEqual([{ x: 1 }]);
  const error: unknown = await duplicate.rows(dataSource, [0]).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(QueryFailedError);
  expect((error as QueryFailedError).driverError).toMatchObject({ code: '22012' });
});

it('runs on the transaction it is given, not on another connection', async () => {
  const read = new Statement('SELECT txid_current_if_assigned()::text AS xid, pg_backend_pid() AS pid');
  await dataSource.transaction(async (db) => {
    await db.query('SELECT txid_current()');
    const [own] = await db.query<{ pid: number }[]>('SELECT pg_backend_pid() AS pid');
    const [row] = await read.rows<{ xid: string | null; pid: number }>(db, []);
    expect(row.pid).toBe(own.pid);
    expect(row.xid).not.toBeNull();
  });
});

it('plans a prepared statement once per connection, even after its tables grew (no custom plans)', async () => {
  const { token, user } = await t.signUp();
  await dataSource.query(
    `INSERT INTO tasks (user_id, title, position) SELECT $1, 'grown ' || n, 'g' || n FROM generate_series(1, 3) n`,
    [user.id],
  );
  const page = () => t.request({ method: 'GET', url: '/api/tasks?sort=-priority&limit=4', token });
  for (let i = 0; i < 12; i++) expect((await page()).statusCode).toBe(200);
  // Another user's tasks arrive, and ANALYZE makes every plan of tasks dearer. Left to choose,
  // PostgreSQL would weigh the new generic plan against the cheap custom plans of the small table,
  // and plan every call of a connection opened before for thousands of calls.
  const { user: other } = await t.signUp();
  await dataSource.query(
    `INSERT INTO tasks (user_id, title, position) SELECT $1, 'bulk ' || n, 'b' || lpad(n::text, 5, '0') FROM generate_series(1, 5000) n`,
    [other.id],
  );
  await dataSource.query('ANALYZE tasks');
  for (let i = 0; i < 12; i++) expect((await page()).json<TaskPage>()).toMatchObject({ total: 3 });
  const modes = await onEachConnection(async (client) => [
    (await client.query<{ mode: string }>("SELECT current_setting('plan_cache_mode') AS mode")).rows[0].mode,
  ]);
  expect(modes).toEqual(['force_generic_plan', 'force_generic_plan']);
  const plans = await pagePlans('priority DESC, tasks.id DESC');
  expect(plans.length).toBeGreaterThan(0);
  expect(plans.map((used) => used.custom)).toEqual(plans.map(() => 0));
  expect(plans.reduce((sum, used) => sum + used.generic, 0)).toBe(24);
});

/**
 * Where no session can be set (a pooler with DB_PREPARED_STATEMENTS=on), PostgreSQL chooses between
 * custom and generic plans itself; the statements are written so that it keeps the generic one. The
 * two tests below ask it to choose, on both connections, as it would there.
 */
const choosingPlans = async (work: () => Promise<void>) => {
  const setMode = (mode: string) =>
    onEachConnection(async (client) => [await client.query(`SET plan_cache_mode = ${mode}`)]);
  await setMode('auto');
  try {
    await work();
  } finally {
    await setMode('force_generic_plan');
  }
};

it('serves a list page from the generic plan, not one plan per call (LIMIT and OFFSET as sub-selects)', async () => {
  await choosingPlans(async () => {
    const { token, user } = await t.signUp();
    // Enough tasks that a plan guessing a tenth of them costs more than one that reads a page:
    // then PostgreSQL would plan each call anew if it could see LIMIT's value.
    await dataSource.query(
      `INSERT INTO tasks (user_id, title, position) SELECT $1, 'plan ' || n, 'p' || lpad(n::text, 4, '0') FROM generate_series(1, 2000) n`,
      [user.id],
    );
    await dataSource.query('ANALYZE tasks');
    // PostgreSQL plans a prepared statement's first five calls for their own values, then keeps the
    // generic plan only if it costs no more than those did; twelve calls on at most two connections
    // reach a sixth call on one of them.
    for (let i = 0; i < 12; i++) {
      const page = await t.request({
        method: 'GET',
        url: `/api/tasks?sort=title&limit=${1 + (i % 3)}&offset=${i % 2}`,
        token,
      });
      expect(page.statusCode).toBe(200);
      expect(page.json<TaskPage>().items).toHaveLength(1 + (i % 3));
    }
    expect(await genericPlans('lower(title) ASC, tasks.id ASC')).toBeGreaterThan(0);
  });
});

it('serves a page of a user with few tasks from the generic plan too (the caller as a sub-select)', async () => {
  await choosingPlans(async () => {
    const { token, user } = await t.signUp();
    await dataSource.query(
      `INSERT INTO tasks (user_id, title, position) SELECT $1, 'few ' || n, 'f' || n FROM generate_series(1, 3) n`,
      [user.id],
    );
    // Others with many tasks: a plan for this user's own 3 would look cheaper than the generic one,
    // which guesses an average user, and PostgreSQL would plan every call anew if it could see $1.
    const { user: other } = await t.signUp();
    await dataSource.query(
      `INSERT INTO tasks (user_id, title, position) SELECT $1, 'many ' || n, 'm' || lpad(n::text, 4, '0') FROM generate_series(1, 2000) n`,
      [other.id],
    );
    await dataSource.query('ANALYZE tasks');
    for (let i = 0; i < 12; i++) {
      const page = await t.request({ method: 'GET', url: '/api/tasks?sort=-updated_at&limit=7', token });
      expect(page.statusCode).toBe(200);
      expect(page.json<TaskPage>()).toMatchObject({ total: 3 });
    }
    expect(await genericPlans('updated_at DESC, tasks.id DESC')).toBeGreaterThan(0);
  });
});

it("reads a sync page off the (user_id, change_seq) index in order, not by sorting all of the user's changes", async () => {
  const { token, user } = await t.signUp();
  await dataSource.query(
    `INSERT INTO tasks (user_id, title, position) SELECT $1, 'sync ' || n, 's' || lpad(n::text, 4, '0') FROM generate_series(1, 3000) n`,
    [user.id],
  );
  await dataSource.query('ANALYZE tasks');
  const first = await t.request({ method: 'GET', url: '/api/sync', token });
  expect(first.statusCode).toBe(200);
  expect(first.json<SyncPage>()).toMatchObject({ has_more: true });
  // `ORDER BY change_seq` next to `change_seq::float8 AS change_seq` sorted by the float output
  // column: every matching row read and sorted for each page of 500 (8.5 against 1.3 ms at 10,000).
  const plans = await onEachConnection(async (client) => {
    const { rows } = await client.query<{ name: string }>(
      `SELECT name FROM pg_prepared_statements WHERE statement LIKE '%FROM tasks%change_seq > $2%FROM member_changes%'`,
    );
    const found: string[] = [];
    for (const { name } of rows) {
      const plan = await client.query<{ 'QUERY PLAN': string }>(
        `EXPLAIN EXECUTE ${name}(${client.escapeLiteral(user.id)}, 0, 501)`,
      );
      found.push(plan.rows.map((row) => row['QUERY PLAN']).join('\n'));
    }
    return found;
  });
  expect(plans.length).toBeGreaterThan(0);
  for (const plan of plans) {
    // Both halves of a page, each off its index: the rows of the user's own lists, and those stamped
    // for them as a member.
    expect(plan).toContain('Index Scan using tasks_user_change_seq_idx');
    expect(plan).toContain('Index Scan using member_changes_user_change_seq_idx');
    expect(plan).not.toMatch(/Sort Key: .*change_seq/);
  }
});
