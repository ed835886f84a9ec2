import { expect } from '@jest/globals';
import { createMedium, type Medium, problemOf } from '../support/medium.js';

/** SyncService's pages (cursor, deletions, paging, 410) against a real database, without HTTP. */
describe('SyncService', () => {
  let m: Medium;
  beforeAll(async () => {
    m = await createMedium();
  });
  afterAll(() => m.close());

  /** The user's newest stamp, as the change cursor's trigger keeps it. */
  const head = async (userId: string) =>
    Number(
      (await m.sql.query<{ seq: string }>('SELECT seq FROM user_changes WHERE user_id = $1', [userId])).rows[0]?.seq ??
        0,
    );
  const ids = (items: { id: number }[]) => items.map((item) => item.id);

  it('starts with the inbox alone, at v1.2, for a user who never wrote', async () => {
    const user = await m.createUser();
    expect(await m.sync.page(user)).toEqual({
      tasks: [],
      categories: [],
      lists: [expect.objectContaining({ is_inbox: true, owner_id: user, role: 'owner' })],
      deleted: { tasks: [], categories: [], lists: [] },
      cursor: 'v1.2',
      has_more: false,
    });
  });

  it('without a cursor gives the live rows only, and a cursor at the user’s head', async () => {
    const user = await m.createUser();
    const kept = await m.tasks.create(user, { title: 'kept' });
    const gone = await m.tasks.create(user, { title: 'gone' });
    const category = await m.categories.create(user, { name: 'Listed' });
    await m.tasks.remove(user, gone.id);

    const full = await m.sync.page(user);
    expect(full.tasks).toEqual([kept]);
    expect(full.categories).toEqual([category]);
    expect(full.deleted).toEqual({ tasks: [], categories: [], lists: [] });
    expect(full.has_more).toBe(false);
    expect(full.cursor).toBe(`v1.${await head(user)}`);
  });

  it('after a cursor gives what changed since, in stamp order, and deletions as ids', async () => {
    const user = await m.createUser();
    const changed = await m.tasks.create(user, { title: 'changed' });
    const removed = await m.tasks.create(user, { title: 'removed' });
    const untouched = await m.tasks.create(user, { title: 'untouched' });
    const category = await m.categories.create(user, { name: 'Doomed' });
    const linked = await m.tasks.create(user, { title: 'linked', category_ids: [category.id] });
    const before = await m.sync.page(user);

    await m.tasks.update(user, changed.id, { completed: true });
    await m.tasks.remove(user, removed.id);
    const added = await m.tasks.create(user, { title: 'added' });
    await m.categories.remove(user, category.id);

    const delta = await m.sync.page(user, before.cursor);
    // The category's delete unlinked `linked`, so it comes again, after the task added before it.
    expect(ids(delta.tasks)).toEqual([changed.id, added.id, linked.id]);
    expect(ids(delta.tasks)).not.toContain(untouched.id);
    expect(delta.tasks[0]).toEqual(await m.tasks.findOne(user, changed.id));
    expect(delta.tasks[2]).toMatchObject({ id: linked.id, category_ids: [] });
    expect(delta.categories).toEqual([]);
    expect(delta.deleted).toEqual({ tasks: [removed.id], categories: [category.id], lists: [] });
    expect(delta.has_more).toBe(false);
    expect(delta.cursor).toBe(`v1.${await head(user)}`);

    // Nothing new: an empty page with the same cursor.
    expect(await m.sync.page(user, delta.cursor)).toEqual({
      tasks: [],
      categories: [],
      lists: [],
      deleted: { tasks: [], categories: [], lists: [] },
      cursor: delta.cursor,
      has_more: false,
    });
  });

  it('never shows another user’s rows or deletions', async () => {
    const user = await m.createUser();
    const other = await m.createUser();
    const before = await m.sync.page(user);
    const theirs = await m.tasks.create(other, { title: 'theirs' });
    await m.categories.create(other, { name: 'Theirs' });
    await m.tasks.remove(other, theirs.id);
    await m.tasks.create(other, { title: 'theirs too' });

    expect(await m.sync.page(user)).toMatchObject({ tasks: [], categories: [], cursor: 'v1.2' });
    expect(await m.sync.page(user, before.cursor)).toMatchObject({
      tasks: [],
      categories: [],
      lists: [],
      deleted: { tasks: [], categories: [], lists: [] },
    });
  });

  it('pages 500 rows at a time, every kind counted, the first page wholly before the next', async () => {
    const user = await m.createUser();
    // Raw SQL: quicker than 600 creates, and stamped by the same trigger. Stamps 1-2 the inbox (one
    // row of the page), 3-302 tasks, 303-402 categories, 403-602 tasks.
    const insertTasks = (from: number, to: number) =>
      m.sql.query(
        `INSERT INTO tasks (user_id, title, position)
         SELECT $1, 'task ' || n, 'b' || lpad(n::text, 4, '0') FROM generate_series($2::int, $3::int) n`,
        [user, from, to],
      );
    await insertTasks(1, 300);
    await m.sql.query(
      `INSERT INTO categories (user_id, name) SELECT $1, 'category ' || n FROM generate_series(1, 100) n`,
      [user],
    );
    await insertTasks(301, 500);

    const first = await m.sync.page(user);
    expect([first.lists.length, first.tasks.length, first.categories.length, first.has_more]).toEqual([
      1,
      399,
      100,
      true,
    ]);
    expect(first.cursor).toBe('v1.501.602');
    const second = await m.sync.page(user, first.cursor);
    expect([second.tasks.length, second.categories.length, second.has_more]).toEqual([101, 0, false]);
    expect(second.cursor).toBe('v1.602');

    const all = [...ids(first.tasks), ...ids(second.tasks)];
    const { rows } = await m.sql.query<{ id: number }>('SELECT id FROM tasks WHERE user_id = $1 ORDER BY change_seq', [
      user,
    ]);
    expect(all).toEqual(rows.map((row) => row.id));

    // Deletions count toward the 500 too: 500 tasks' (stamps 603-1102), then 100 categories'.
    await m.sql.query(`DELETE FROM tasks WHERE user_id = $1`, [user]);
    await m.sql.query(`DELETE FROM categories WHERE user_id = $1`, [user]);
    const deletions = await m.sync.page(user, second.cursor);
    expect(deletions.deleted.tasks).toEqual(all);
    expect([deletions.deleted.categories.length, deletions.has_more, deletions.cursor]).toEqual([0, true, 'v1.1102']);
    const rest = await m.sync.page(user, deletions.cursor);
    expect([rest.deleted.tasks.length, rest.deleted.categories.length, rest.has_more]).toEqual([0, 100, false]);
  });

  describe('410', () => {
    it('for a cursor beyond the user’s history (another user’s, another database’s)', async () => {
      const user = await m.createUser();
      await m.tasks.create(user, { title: 'one change' });
      const beyond = `v1.${(await head(user)) + 1}`;
      const problem = await problemOf(() => m.sync.page(user, beyond));
      expect(problem).toMatchObject({ status: 410, detail: expect.stringContaining('without a cursor') });
    });

    it('for a cursor older than the purged deletion history; a newer cursor and a fresh start still work', async () => {
      const user = await m.createUser();
      const doomed = await m.tasks.create(user, { title: 'doomed' });
      const kept = await m.tasks.create(user, { title: 'kept' });
      const before = await m.sync.page(user);
      await m.tasks.remove(user, doomed.id);
      const after = await m.sync.page(user, before.cursor);
      expect(after.deleted.tasks).toEqual([doomed.id]);

      // Younger than SYNC_RETENTION_DAYS: kept.
      await m.tombstones.purge();
      expect((await m.sync.page(user, before.cursor)).deleted.tasks).toEqual([doomed.id]);

      await m.sql.query(`UPDATE sync_tombstones SET deleted_at = now() - interval '31 days' WHERE user_id = $1`, [
        user,
      ]);
      expect(await m.tombstones.purge()).toBeGreaterThanOrEqual(1);
      expect(await problemOf(() => m.sync.page(user, before.cursor))).toMatchObject({ status: 410 });
      expect(await m.sync.page(user, after.cursor)).toMatchObject({ tasks: [], deleted: { tasks: [] } });
      expect((await m.sync.page(user)).tasks).toEqual([kept]);
    });
  });
});
