import { Pool } from 'pg';
import { DataSource } from 'typeorm';
import { TombstonePurgeService } from '../src/sync/tombstone-purge.service.js';
import type { Category, CategoryList, Problem, SyncPage, Task } from './support/api-types.js';
import { useTestApp, useUsers } from './support/test-app.js';

/** GET /api/sync: the change cursor, pages, deletions, stale cursors, and a replica kept by polling. */

const t = useTestApp();

const sync = async (token: string, cursor?: string) => {
  const response = await t.request({
    method: 'GET',
    url: cursor === undefined ? '/api/sync' : `/api/sync?cursor=${encodeURIComponent(cursor)}`,
    token,
  });
  if (response.statusCode !== 200) throw new Error(`sync: ${response.statusCode} ${response.body}`);
  return response.json<SyncPage>();
};

const createTask = async (token: string, title: string, categoryIds?: number[]) => {
  const response = await t.request({
    method: 'POST',
    url: '/api/tasks',
    token,
    body: categoryIds ? { title, category_ids: categoryIds } : { title },
  });
  expect(response.statusCode).toBe(201);
  return response.json<Task>();
};

const createCategory = async (token: string, name: string) => {
  const response = await t.request({ method: 'POST', url: '/api/categories', token, body: { name } });
  expect(response.statusCode).toBe(201);
  return response.json<Category>();
};

/** The change stamp a row carries now (set by the trigger). */
const stampOf = async (table: 'tasks' | 'categories', id: number) =>
  Number(
    (await t.sql.query<{ seq: string }>(`SELECT change_seq AS seq FROM ${table} WHERE id = $1`, [id])).rows[0].seq,
  );

/** A client's copy of the tasks and categories, kept by applying every page in order. */
class Replica {
  readonly tasks = new Map<number, Task>();
  readonly categories = new Map<number, Category>();
  cursor: string | undefined;
  pages = 0;

  apply(page: SyncPage): void {
    for (const task of page.tasks) this.tasks.set(task.id, task);
    for (const category of page.categories) this.categories.set(category.id, category);
    for (const id of page.deleted.tasks) this.tasks.delete(id);
    for (const id of page.deleted.categories) this.categories.delete(id);
    this.cursor = page.cursor;
    this.pages++;
  }

  /** Pages until has_more is false. */
  async catchUp(token: string): Promise<void> {
    for (;;) {
      const page = await sync(token, this.cursor);
      this.apply(page);
      if (!page.has_more) return;
    }
  }

  /** Each category's counts as a client keeps them: from the tasks it holds, not from the category rows. */
  counts(): { id: number; task_count: number; pending_count: number }[] {
    return [...this.categories.keys()]
      .sort((a, b) => a - b)
      .map((id) => {
        const tasks = [...this.tasks.values()].filter((task) => task.category_ids.includes(id));
        return { id, task_count: tasks.length, pending_count: tasks.filter((task) => !task.completed).length };
      });
  }
}

const UTC_MS = `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`;
const serverTasks = async (userId: string) =>
  (
    await t.sql.query<{ id: number; title: string; completed: boolean; updated_at: string; category_ids: number[] }>(
      `SELECT id, title, completed, to_char(updated_at AT TIME ZONE 'UTC', ${UTC_MS}) AS updated_at,
              ARRAY(SELECT category_id FROM task_categories WHERE user_id = tasks.user_id AND task_id = tasks.id
                     ORDER BY category_id) AS category_ids
         FROM tasks WHERE user_id = $1 ORDER BY id`,
      [userId],
    )
  ).rows;
const replicaTasks = (replica: Replica) =>
  [...replica.tasks.values()]
    .map(({ id, title, completed, updated_at, category_ids }) => ({ id, title, completed, updated_at, category_ids }))
    .sort((a, b) => a.id - b.id);
const serverCategories = async (userId: string) =>
  (
    await t.sql.query<{ id: number; name: string; color: string; updated_at: string }>(
      `SELECT id, name, color, to_char(updated_at AT TIME ZONE 'UTC', ${UTC_MS}) AS updated_at
         FROM categories WHERE user_id = $1 ORDER BY id`,
      [userId],
    )
  ).rows;
const replicaCategories = (replica: Replica) =>
  [...replica.categories.values()]
    .map(({ id, name, color, updated_at }) => ({ id, name, color, updated_at }))
    .sort((a, b) => a.id - b.id);
/** The counts GET /api/categories answers now. */
const serverCounts = async (token: string) =>
  (await t.request({ method: 'GET', url: '/api/categories', token }))
    .json<CategoryList>()
    .items.map(({ id, task_count, pending_count }) => ({ id, task_count, pending_count }))
    .sort((a, b) => a.id - b.id);

/** A position key for the n-th row a test inserts by SQL (tasks.position is NOT NULL and unique per user). */
const POSITION = (n: string) =>
  `'b' || substr('0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz', ${n} / 62 + 1, 1) || substr('0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz', ${n} % 62 + 1, 1)`;

describe('GET /api/sync', () => {
  const [session] = useUsers(t, 1);

  it('without a cursor gives the full state; with one, what changed since, deletions as ids', async () => {
    const empty = await sync(session.token);
    // The inbox, made at sign-up, took the first two stamps (the list, then its owner's membership).
    expect(empty).toEqual({
      tasks: [],
      categories: [],
      lists: [expect.objectContaining({ name: 'Inbox', is_inbox: true, role: 'owner', owner_id: session.user.id })],
      deleted: { tasks: [], categories: [], lists: [] },
      cursor: 'v1.2',
      has_more: false,
    });

    const kept = await createTask(session.token, 'kept');
    const changed = await createTask(session.token, 'changed');
    const removed = await createTask(session.token, 'removed');
    const full = await sync(session.token);
    expect(full.tasks.map((task) => task.id)).toEqual([kept.id, changed.id, removed.id]);
    expect(full.tasks[0]).toMatchObject({ id: kept.id, user_id: session.user.id, title: 'kept', completed: false });

    const patch = await t.request({
      method: 'PATCH',
      url: `/api/tasks/${changed.id}`,
      token: session.token,
      body: { completed: true },
    });
    expect(patch.statusCode).toBe(200);
    expect(
      (await t.request({ method: 'DELETE', url: `/api/tasks/${removed.id}`, token: session.token })).statusCode,
    ).toBe(204);

    const delta = await sync(session.token, full.cursor);
    expect(delta.tasks).toEqual([patch.json()]);
    expect(delta.deleted).toEqual({ tasks: [removed.id], categories: [], lists: [] });
    expect(delta.has_more).toBe(false);
    expect(delta.cursor).not.toBe(full.cursor);

    // Nothing new: an empty page with the same cursor.
    expect(await sync(session.token, delta.cursor)).toMatchObject({ tasks: [], cursor: delta.cursor });
  });

  it('never shows another user’s changes: tasks, categories or deletions', async () => {
    const before = await sync(session.token);
    const other = await t.signUp();
    const theirs = await createCategory(other.token, 'Not yours');
    const doomed = await createCategory(other.token, 'Not yours either');
    const task = await createTask(other.token, 'not yours', [theirs.id, doomed.id]);
    await t.request({
      method: 'PATCH',
      url: `/api/categories/${theirs.id}`,
      token: other.token,
      body: { name: 'Still not' },
    });
    await t.request({ method: 'DELETE', url: `/api/categories/${doomed.id}`, token: other.token });
    await t.request({ method: 'DELETE', url: `/api/tasks/${task.id}`, token: other.token });
    // Their own sync does show all of it, so the checks below are not vacuous.
    const theirPage = await sync(other.token, 'v1.1');
    expect(theirPage.categories.map((category) => category.id)).toEqual([theirs.id]);
    expect(theirPage.deleted).toEqual({ tasks: [task.id], categories: [doomed.id], lists: [] });

    const page = await sync(session.token);
    expect(page.tasks.every((mine) => mine.user_id === session.user.id)).toBe(true);
    expect(page.tasks.map((mine) => mine.title)).not.toContain('not yours');
    expect(page.categories).toEqual([]);
    const delta = await sync(session.token, before.cursor);
    expect(delta).toEqual({ ...before, has_more: false, tasks: [], categories: [], lists: [] });
  });

  it.each(['42', 'v1.', 'v1.-3', 'v2.1', 'v1.1e3', "v1.1' OR 1=1"])(
    'refuses the malformed cursor %j (422)',
    async (cursor) => {
      const response = await t.request({
        method: 'GET',
        url: `/api/sync?cursor=${encodeURIComponent(cursor)}`,
        token: session.token,
      });
      expect(response.statusCode).toBe(422);
      expect(response.headers['content-type']).toContain('application/problem+json');
      expect(response.json<Problem>().errors).toEqual([expect.objectContaining({ field: 'cursor' })]);
    },
  );

  it('answers 410 to a cursor from beyond the user’s history (another database, another user)', async () => {
    const response = await t.request({ method: 'GET', url: '/api/sync?cursor=v1.999999', token: session.token });
    expect(response.statusCode).toBe(410);
    expect(response.headers['content-type']).toContain('application/problem+json');
  });

  it('needs a bearer token in the header; a token in the query string is not one', async () => {
    expect((await t.request({ method: 'GET', url: '/api/sync' })).statusCode).toBe(401);
    const response = await t.request({ method: 'GET', url: `/api/sync?access_token=${session.token}` });
    expect([401, 422]).toContain(response.statusCode);
  });
});

describe('categories', () => {
  const patch = async (token: string, url: string, body: object) => {
    const response = await t.request({ method: 'PATCH', url, token, body });
    expect(response.statusCode).toBe(200);
    return response;
  };

  it('a category’s creation, rename and deletion reach sync in stamp order, in full as GET /api/categories/{id} has it', async () => {
    const { token } = await t.signUp();
    const home = await createCategory(token, 'Home');
    const work = await createCategory(token, 'Work');
    const full = await sync(token);
    expect(full.categories).toEqual([home, work]);
    expect(full.deleted).toEqual({ tasks: [], categories: [], lists: [] });

    // Renamed in the order work, then home: the page lists them in the order of their new stamps.
    const renamedWork = await patch(token, `/api/categories/${work.id}`, { color: '#22C55E' });
    const renamedHome = await patch(token, `/api/categories/${home.id}`, { name: 'House' });
    const delta = await sync(token, full.cursor);
    expect(delta.categories).toEqual([renamedWork.json(), renamedHome.json()]);
    expect(delta.categories.map((category) => category.name)).toEqual(['Work', 'House']);
    expect(await stampOf('categories', home.id)).toBeGreaterThan(await stampOf('categories', work.id));
    // The row as the category route answers it now, counts included.
    const current = await t.request({ method: 'GET', url: `/api/categories/${home.id}`, token });
    expect(delta.categories[1]).toEqual(current.json());

    expect((await t.request({ method: 'DELETE', url: `/api/categories/${work.id}`, token })).statusCode).toBe(204);
    const deletion = await sync(token, delta.cursor);
    expect(deletion).toMatchObject({ tasks: [], categories: [], deleted: { tasks: [], categories: [work.id] } });
    // A full sync holds only what exists: no tombstones.
    expect(await sync(token)).toMatchObject({ categories: [renamedHome.json()], deleted: { categories: [] } });
  });

  it('a category is not sent again when only its counts change (linking, completing, unlinking, deleting its tasks)', async () => {
    const { token } = await t.signUp();
    const errands = await createCategory(token, 'Errands');
    const other = await createCategory(token, 'Other');
    const stamp = await stampOf('categories', errands.id);
    const read = () => t.request({ method: 'GET', url: `/api/categories/${errands.id}`, token });
    const etag = (await read()).headers.etag;
    const start = await sync(token);
    expect(start.categories.map((category) => category.id)).toEqual([errands.id, other.id]);

    const milk = await createTask(token, 'milk', [errands.id]);
    const bread = await createTask(token, 'bread');
    await patch(token, `/api/tasks/${bread.id}`, { category_ids: [errands.id, other.id] });
    await patch(token, `/api/tasks/${milk.id}/complete`, {});
    const completeAll = await t.request({
      method: 'POST',
      url: `/api/tasks/complete-all?category_id=${errands.id}`,
      token,
      body: { completed: true },
    });
    expect(completeAll.json()).toEqual({ updated: 1 });
    await patch(token, `/api/tasks/${milk.id}`, { category_ids: [] });
    expect((await read()).json()).toMatchObject({ task_count: 1, pending_count: 0 });
    const cleared = await t.request({ method: 'DELETE', url: '/api/tasks?status=completed', token });
    expect(cleared.json()).toEqual({ deleted: 2 });

    const delta = await sync(token, start.cursor);
    expect(delta.categories).toEqual([]);
    expect(delta.tasks).toEqual([]);
    expect([...delta.deleted.tasks].sort((a, b) => a - b)).toEqual([milk.id, bread.id].sort((a, b) => a - b));
    // The category's row was never written: its stamp, ETag and updated_at are as they were.
    expect(await stampOf('categories', errands.id)).toBe(stamp);
    const now = await read();
    expect(now.headers.etag).toBe(etag);
    expect(now.json()).toEqual({ ...errands, task_count: 0, pending_count: 0 });
  });

  it('deleting a category sends its id in deleted.categories and its tasks, unlinked, in tasks', async () => {
    const { token } = await t.signUp();
    const doomed = await createCategory(token, 'Doomed');
    const kept = await createCategory(token, 'Kept');
    const both = await createTask(token, 'both', [doomed.id, kept.id]);
    const only = await createTask(token, 'only', [doomed.id]);
    const untouched = await createTask(token, 'untouched', [kept.id]);
    const before = await sync(token);
    expect(before.tasks.map((task) => task.id)).toEqual([both.id, only.id, untouched.id]);

    expect((await t.request({ method: 'DELETE', url: `/api/categories/${doomed.id}`, token })).statusCode).toBe(204);
    const delta = await sync(token, before.cursor);
    expect(delta.deleted).toEqual({ tasks: [], categories: [doomed.id], lists: [] });
    expect(delta.categories).toEqual([]);
    expect(delta.tasks.map(({ id, category_ids }) => ({ id, category_ids }))).toEqual([
      { id: both.id, category_ids: [kept.id] },
      { id: only.id, category_ids: [] },
    ]);
    // In full, each with its new version.
    for (const task of delta.tasks) {
      expect(task).toEqual((await t.request({ method: 'GET', url: `/api/tasks/${task.id}`, token })).json());
    }
    // The unlinked tasks are stamped before the category's tombstone, in the same transaction.
    const { rows } = await t.sql.query<{ seq: string }>(
      `SELECT change_seq AS seq FROM sync_tombstones WHERE kind = 'categories' AND id = $1`,
      [doomed.id],
    );
    expect(Number(rows[0].seq)).toBeGreaterThan(
      Math.max(await stampOf('tasks', both.id), await stampOf('tasks', only.id)),
    );
  });

  it('a category comes with the counts of the tasks that carry it, pending ones apart', async () => {
    const { user, token } = await t.signUp();
    const [{ id }] = (
      await t.sql.query<{ id: number }>(`INSERT INTO categories (user_id, name) VALUES ($1, 'Counted') RETURNING id`, [
        user.id,
      ])
    ).rows;
    await t.sql.query(
      `INSERT INTO tasks (user_id, title, completed, position) SELECT $1, 'task ' || n, n % 3 = 0, ${POSITION('n')}
         FROM generate_series(1, 10) n`,
      [user.id],
    );
    await t.sql.query(
      `INSERT INTO task_categories (user_id, task_id, category_id) SELECT $1, id, $2 FROM tasks WHERE user_id = $1`,
      [user.id, id],
    );
    const page = await sync(token);
    expect(page.categories).toEqual([expect.objectContaining({ id, task_count: 10, pending_count: 7 })]);
  });
});

describe('pages', () => {
  it('pages past 500 rows, in stamp order, deletions and updates included, to exactly the server’s state', async () => {
    const { user, token } = await t.signUp();
    // 1,100 tasks by one bulk statement: the trigger stamps every row of it.
    await t.sql.query(
      `INSERT INTO tasks (user_id, title, position) SELECT $1, 'bulk ' || n, ${POSITION('n')} FROM generate_series(1, 1100) n`,
      [user.id],
    );
    const replica = new Replica();
    const first = await sync(token);
    // The inbox is one of the first page's 500 rows.
    expect([first.lists.length, first.tasks.length]).toEqual([1, 499]);
    expect(first.has_more).toBe(true);
    replica.apply(first);
    await replica.catchUp(token);
    expect(replica.pages).toBe(3);
    expect(replicaTasks(replica)).toEqual(await serverTasks(user.id));

    // 700 deletions and 300 updates in two statements, then the delta in pages.
    await t.sql.query(
      `DELETE FROM tasks WHERE user_id = $1 AND id IN (SELECT id FROM tasks WHERE user_id = $1 ORDER BY id LIMIT 700)`,
      [user.id],
    );
    await t.sql.query(`UPDATE tasks SET completed = true, updated_at = now() WHERE user_id = $1`, [user.id]);
    const delta = await sync(token, replica.cursor);
    expect(delta.deleted.tasks.length + delta.tasks.length).toBe(500);
    expect(delta.has_more).toBe(true);
    replica.apply(delta);
    await replica.catchUp(token);
    expect(replica.tasks.size).toBe(400);
    expect(replicaTasks(replica)).toEqual(await serverTasks(user.id));
  });

  it('counts every kind toward the 500 rows of a page, in one stamp order across kinds', async () => {
    const { user, token } = await t.signUp();
    const insertTasks = (from: number, to: number) =>
      t.sql.query(
        `INSERT INTO tasks (user_id, title, position) SELECT $1, 'task ' || n, ${POSITION('n')} FROM generate_series($2::int, $3::int) n`,
        [user.id, from, to],
      );
    const insertCategories = (from: number, to: number) =>
      t.sql.query(
        `INSERT INTO categories (user_id, name) SELECT $1, 'category ' || n FROM generate_series($2::int, $3::int) n`,
        [user.id, from, to],
      );
    // Stamps 1-2 the inbox (one row), 3-202 tasks, 203-352 categories, 353-552 tasks, 553-602
    // categories (raw SQL: the 200-category limit is the routes', and sync has to page whatever the
    // table holds).
    await insertTasks(1, 200);
    await insertCategories(1, 150);
    await insertTasks(201, 400);
    await insertCategories(151, 200);

    const replica = new Replica();
    const first = await sync(token);
    expect([first.lists.length, first.tasks.length, first.categories.length, first.has_more]).toEqual([
      1,
      349,
      150,
      true,
    ]);
    replica.apply(first);
    const second = await sync(token, first.cursor);
    expect([second.tasks.length, second.categories.length, second.has_more]).toEqual([51, 50, false]);
    replica.apply(second);
    // Every row of the first page is stamped before every row of the second.
    const stamps = async (page: SyncPage) => {
      const { rows } = await t.sql.query<{ first: string; last: string }>(
        `SELECT min(change_seq) AS first, max(change_seq) AS last
           FROM (SELECT change_seq FROM tasks WHERE id = ANY ($1) UNION ALL SELECT change_seq FROM categories WHERE id = ANY ($2)) s`,
        [page.tasks.map((task) => task.id), page.categories.map((category) => category.id)],
      );
      return [Number(rows[0].first), Number(rows[0].last)];
    };
    expect(await stamps(first)).toEqual([3, 501]);
    expect(await stamps(second)).toEqual([502, 602]);
    expect(replicaTasks(replica)).toEqual(await serverTasks(user.id));
    expect(replicaCategories(replica)).toEqual(await serverCategories(user.id));

    // Deletions and updates of both kinds, linking included, then the delta in pages.
    await t.sql.query(
      `DELETE FROM categories WHERE user_id = $1 AND id IN (SELECT id FROM categories WHERE user_id = $1 ORDER BY id LIMIT 120)`,
      [user.id],
    );
    await t.sql.query(
      `INSERT INTO task_categories (user_id, task_id, category_id)
       SELECT $1, t.id, c.id FROM (SELECT id FROM tasks WHERE user_id = $1 ORDER BY id LIMIT 60) t,
                                  (SELECT id FROM categories WHERE user_id = $1 ORDER BY id LIMIT 2) c`,
      [user.id],
    );
    await t.sql.query(
      `UPDATE tasks SET title = title || '!', version = version + 1 WHERE user_id = $1 AND id IN (SELECT task_id FROM task_categories)`,
      [user.id],
    );
    await t.sql.query(`UPDATE categories SET color = '#22c55e', version = version + 1 WHERE user_id = $1`, [user.id]);
    await t.sql.query(
      `DELETE FROM tasks WHERE user_id = $1 AND id IN (SELECT id FROM tasks WHERE user_id = $1 ORDER BY id DESC LIMIT 350)`,
      [user.id],
    );
    // 120 + 60 + 80 + 350 = 610 changes.
    const delta = await sync(token, replica.cursor);
    const rows = (page: SyncPage) =>
      page.tasks.length + page.categories.length + page.deleted.tasks.length + page.deleted.categories.length;
    expect(rows(delta)).toBe(500);
    expect(delta.has_more).toBe(true);
    replica.apply(delta);
    await replica.catchUp(token);
    expect(replicaTasks(replica)).toEqual(await serverTasks(user.id));
    expect(replicaCategories(replica)).toEqual(await serverCategories(user.id));
    expect(replica.tasks.size).toBe(50);
    expect(replica.categories.size).toBe(80);
  });
});

describe('deletion history', () => {
  const ageTombstones = (userId: string) =>
    t.sql.query(`UPDATE sync_tombstones SET deleted_at = now() - interval '31 days' WHERE user_id = $1`, [userId]);

  it('answers 410 to a cursor older than the purged history; a fresh start works', async () => {
    const { user, token } = await t.signUp();
    const doomed = await createTask(token, 'doomed');
    const before = await sync(token);
    expect((await t.request({ method: 'DELETE', url: `/api/tasks/${doomed.id}`, token })).statusCode).toBe(204);
    const after = await sync(token, before.cursor);
    expect(after.deleted.tasks).toEqual([doomed.id]);

    await ageTombstones(user.id);
    expect(await t.app.get(TombstonePurgeService).purge()).toBeGreaterThanOrEqual(1);
    const { rowCount } = await t.sql.query(`SELECT 1 FROM sync_tombstones WHERE user_id = $1`, [user.id]);
    expect(rowCount).toBe(0);

    const stale = await t.request({ method: 'GET', url: `/api/sync?cursor=${before.cursor}`, token });
    expect(stale.statusCode).toBe(410);
    expect(stale.json<Problem>().detail).toMatch(/without a cursor/);
    // A cursor taken after the deletion is still good, and so is starting again.
    expect((await sync(token, after.cursor)).tasks).toEqual([]);
    expect((await sync(token)).tasks).toEqual([]);
  });

  it('keeps tombstones younger than SYNC_RETENTION_DAYS', async () => {
    const { user, token } = await t.signUp();
    const task = await createTask(token, 'recent');
    const before = await sync(token);
    await t.request({ method: 'DELETE', url: `/api/tasks/${task.id}`, token });
    await t.app.get(TombstonePurgeService).purge();
    expect((await sync(token, before.cursor)).deleted.tasks).toEqual([task.id]);
    const { rowCount } = await t.sql.query(`SELECT 1 FROM sync_tombstones WHERE user_id = $1`, [user.id]);
    expect(rowCount).toBe(1);
  });

  it('a full sync of many pages started after a purge is never told 410 midway', async () => {
    const { user, token } = await t.signUp();
    await t.sql.query(
      `INSERT INTO tasks (user_id, title, position) SELECT $1, 'old ' || n, ${POSITION('n')} FROM generate_series(1, 600) n`,
      [user.id],
    );
    await t.sql.query(`DELETE FROM tasks WHERE user_id = $1 AND title = 'old 1'`, [user.id]);
    // The deletion is stamped after the 600 rows; once purged, the purge point is past them.
    await t.sql.query(`UPDATE tasks SET title = 'still here' WHERE user_id = $1 AND title = 'old 2'`, [user.id]);
    await ageTombstones(user.id);
    await t.app.get(TombstonePurgeService).purge();

    const replica = new Replica();
    await replica.catchUp(token);
    expect(replica.pages).toBe(2);
    expect(replicaTasks(replica)).toEqual(await serverTasks(user.id));
  });
});

describe('while other devices write', () => {
  it('a replica that polls during concurrent writers ends equal to the server, tasks and categories', async () => {
    const { user, token } = await t.signUp();
    const seeded = await Promise.all(Array.from({ length: 20 }, (_, i) => createTask(token, `seed ${i}`)));
    const replica = new Replica();
    let writing = true;
    // Bulk statements from connections of their own, concurrent with the API's writes.
    const bulk = new Pool({ connectionString: t.db.url, max: 4 });
    const request = (method: 'PATCH' | 'DELETE', url: string, body?: object) =>
      t.request({ method, url, token, body }).then((response) => {
        // No write may fail: a deadlock given up would be a 503.
        expect([200, 204]).toContain(response.statusCode);
        return response;
      });

    // Four devices: creates, updates, toggles, deletes, and one bulk statement each round; each device
    // also keeps two categories of its own, which it renames, links, relinks and deletes (unlinking
    // its tasks) and replaces.
    const device = async (n: number) => {
      const mine: number[] = [seeded[n].id, seeded[n + 4].id];
      const labels = [await createCategory(token, `device ${n} a`), await createCategory(token, `device ${n} b`)].map(
        (category) => category.id,
      );
      for (let round = 0; round < 25; round++) {
        const created = await createTask(token, `device ${n} round ${round}`, [labels[round % 2]]);
        mine.push(created.id);
        await request('PATCH', `/api/tasks/${mine[round % mine.length]}`, { title: `edit ${n}.${round}` });
        await request('PATCH', `/api/tasks/${mine[(round * 7) % mine.length]}/complete`);
        await request('PATCH', `/api/tasks/${mine[(round * 3) % mine.length]}`, {
          category_ids: round % 4 === 0 ? [] : labels.slice(0, 1 + (round % 2)),
        });
        if (round % 3 === 0) {
          const victim = mine.splice(round % mine.length, 1)[0];
          await request('DELETE', `/api/tasks/${victim}`);
        }
        if (round % 4 === 1) {
          const label = labels[Math.floor(round / 4) % 2];
          await request('PATCH', `/api/categories/${label}`, { name: `device ${n} round ${round}` });
        }
        if (round % 8 === 7) {
          // Delete a category its tasks carry, and use a new one from then on.
          await request('DELETE', `/api/categories/${labels[0]}`);
          labels[0] = (await createCategory(token, `device ${n} new ${round}`)).id;
        }
        if (round % 10 === 5) {
          // In the order docs/reliability.md asks of every writer: the rows first, in id order, then
          // the change cursor. Written row after row, a statement holds the cursor while it waits for
          // a row a device's toggle holds while that toggle waits for the cursor: a deadlock.
          await bulk.query(
            `UPDATE tasks SET completed = NOT completed
              WHERE id = ANY (ARRAY(SELECT id FROM tasks WHERE user_id = $1 AND title LIKE 'seed%' ORDER BY id FOR UPDATE))`,
            [user.id],
          );
          await bulk.query(
            `UPDATE categories SET color = '#' || substr(md5(random()::text), 1, 6)
              WHERE id = ANY (ARRAY(SELECT id FROM categories WHERE user_id = $1 AND name LIKE $2 ORDER BY id FOR UPDATE))`,
            [user.id, `device ${n} %`],
          );
        }
      }
    };
    const poller = async () => {
      while (writing) {
        const page = await sync(token, replica.cursor);
        replica.apply(page);
      }
    };

    const polling = poller();
    try {
      // Every device runs to its end before this test does: one left writing would race the next test.
      const outcomes = await Promise.allSettled([0, 1, 2, 3].map(device));
      const failed = outcomes.find((outcome) => outcome.status === 'rejected');
      if (failed) throw failed.reason;
    } finally {
      writing = false;
      await polling;
      await bulk.end();
    }
    await replica.catchUp(token);

    expect(replica.pages).toBeGreaterThan(3);
    const server = await serverTasks(user.id);
    expect(server.length).toBeGreaterThan(50);
    expect(replicaTasks(replica)).toEqual(server);
    const categories = await serverCategories(user.id);
    expect(categories.length).toBe(8);
    expect(replicaCategories(replica)).toEqual(categories);
    // A client that counts from the tasks it holds has the server's counts.
    expect(replica.counts()).toEqual(await serverCounts(token));
    expect(replica.counts().some((count) => count.task_count > 0)).toBe(true);
  });
});

describe('migration', () => {
  it('stamps existing categories after everything their owner was sent, so a client up to date gets them next', async () => {
    const dataSource = t.app.get(DataSource);
    const undone: string[] = [];
    while (!undone.includes('CategorySync1764500000000')) {
      const [last] = await dataSource.query<{ name: string }[]>('SELECT name FROM migrations ORDER BY id DESC LIMIT 1');
      await dataSource.undoLastMigration({ transaction: 'each' });
      undone.push(last.name);
    }
    const withTasks = await t.signUp();
    const onlyCategories = await t.signUp();
    const nothing = await t.signUp();
    // The schema is as it was then: the routes of today cannot write it.
    await t.sql.query(`INSERT INTO tasks (user_id, title, position) VALUES ($1, 'one', 'a0'), ($1, 'two', 'a1')`, [
      withTasks.user.id,
    ]);
    const insert = (userId: string, ...names: string[]) =>
      t.sql.query(`INSERT INTO categories (user_id, name) SELECT $1, unnest($2::text[])`, [userId, names]);
    await insert(withTasks.user.id, 'first', 'second');
    await insert(onlyCategories.user.id, 'alone');
    await dataSource.runMigrations({ transaction: 'each' });

    const cursors = async () =>
      (
        await t.sql.query<{ user_id: string; seq: string }>(
          `SELECT user_id, seq FROM user_changes WHERE user_id = ANY ($1) ORDER BY seq`,
          [[withTasks.user.id, onlyCategories.user.id, nothing.user.id]],
        )
      ).rows.map((row) => [row.user_id, Number(row.seq)]);
    // Stamps: the categories (this migration), then each user's inbox and its membership, then the
    // tasks again in their inbox (the lists migration, 1764800000000).
    expect(await cursors()).toEqual([
      [nothing.user.id, 2],
      [onlyCategories.user.id, 1 + 2],
      [withTasks.user.id, 4 + 2 + 2],
    ]);
    // The client that had synced both tasks (cursor 2) gets the two categories, stamped 3 and 4, then
    // the tasks again with their list.
    const delta = await sync(withTasks.token, 'v1.2');
    expect(delta.categories.map((category) => category.name)).toEqual(['first', 'second']);
    expect(delta.tasks.map((task) => task.title)).toEqual(['one', 'two']);
    expect(new Set(delta.tasks.map((task) => task.list_id)).size).toBe(1);
    expect(delta.cursor).toBe('v1.8');
    expect((await sync(onlyCategories.token)).categories.map((category) => category.name)).toEqual(['alone']);

    // And the triggers run from here on.
    await createCategory(onlyCategories.token, 'after');
    expect(await cursors()).toEqual([
      [nothing.user.id, 2],
      [onlyCategories.user.id, 4],
      [withTasks.user.id, 8],
    ]);
  });
});
