import { expect } from '@jest/globals';
import { createMedium, ifMatch, type Medium, problemOf, VERSION, versionOf } from '../support/medium.js';

/** CategoriesService's rules against a real database, without HTTP. */
describe('CategoriesService', () => {
  let m: Medium;
  let alice: string;
  let bob: string;
  beforeAll(async () => {
    m = await createMedium();
    [alice, bob] = await Promise.all([m.createUser(), m.createUser()]);
  });
  afterAll(() => m.close());

  const stored = async (id: number) =>
    (await m.sql.query<Record<string, unknown>>('SELECT * FROM categories WHERE id = $1', [id])).rows[0];
  const countOf = async (userId: string) =>
    (await m.sql.query<{ n: number }>('SELECT count(*)::int AS n FROM categories WHERE user_id = $1', [userId])).rows[0]
      .n;
  const taskRow = async (id: number) =>
    (await m.sql.query<{ version: number }>('SELECT version FROM tasks WHERE id = $1', [id])).rows[0];

  it('creates with the default colour and no tasks, at version 1', async () => {
    const category = await m.categories.create(alice, { name: 'Home' });
    expect(category).toEqual({
      id: expect.any(Number),
      name: 'Home',
      color: '#3b82f6',
      task_count: 0,
      pending_count: 0,
      created_at: expect.any(String),
      updated_at: expect.any(String),
      [VERSION]: 1,
    });
    expect(await stored(category.id)).toMatchObject({ user_id: alice, name: 'Home', color: '#3b82f6', version: 1 });
  });

  it('counts the tasks carrying a category, and the pending ones among them', async () => {
    const user = await m.createUser();
    const category = await m.categories.create(user, { name: 'Counted' });
    await m.tasks.create(user, { title: 'pending', category_ids: [category.id] });
    await m.tasks.create(user, { title: 'done', completed: true, category_ids: [category.id] });
    await m.tasks.create(user, { title: 'uncategorized' });
    expect(await m.categories.findOne(user, category.id)).toMatchObject({ task_count: 2, pending_count: 1 });
    expect((await m.categories.list(user)).items).toEqual([
      expect.objectContaining({ id: category.id, task_count: 2, pending_count: 1 }),
    ]);
  });

  describe('the limit of 200 per user (docs/categories.md)', () => {
    it('allows the 200th and refuses the 201st with 422, storing nothing; other users are not held to it', async () => {
      const user = await m.createUser();
      await m.sql.query(
        `INSERT INTO categories (user_id, name) SELECT $1, 'seeded ' || n FROM generate_series(1, 199) n`,
        [user],
      );
      const last = await m.categories.create(user, { name: 'The 200th' });
      expect(last.name).toBe('The 200th');
      expect(await countOf(user)).toBe(200);

      const problem = await problemOf(() => m.categories.create(user, { name: 'One too many' }));
      expect(problem).toMatchObject({ status: 422, detail: expect.stringContaining('200 categories') });
      expect(await countOf(user)).toBe(200);

      const other = await m.createUser();
      await expect(m.categories.create(other, { name: 'One too many' })).resolves.toMatchObject({
        name: 'One too many',
      });
    });
  });

  describe('names', () => {
    it('are unique per user whatever the case: the unique index’s error maps to 409', async () => {
      await m.categories.create(alice, { name: 'Work' });
      const problem = await problemOf(() => m.categories.create(alice, { name: 'WORK' }));
      expect(problem).toMatchObject({ status: 409, detail: 'You already have a category with this name' });
      expect(
        (await m.sql.query('SELECT 1 FROM categories WHERE user_id = $1 AND lower(name) = $2', [alice, 'work']))
          .rowCount,
      ).toBe(1);
      await expect(m.categories.create(bob, { name: 'Work' })).resolves.toMatchObject({ name: 'Work' });
    });

    it('a rename onto a name in use is 409 too, and leaves the category as it was', async () => {
      await m.categories.create(alice, { name: 'Errands' });
      const shopping = await m.categories.create(alice, { name: 'Shopping' });
      expect(await problemOf(() => m.categories.update(alice, shopping.id, { name: 'errands' }))).toMatchObject({
        status: 409,
        detail: 'You already have a category with this name',
      });
      expect(await stored(shopping.id)).toMatchObject({ name: 'Shopping', version: 1 });
    });
  });

  describe('update and If-Match', () => {
    it('applies a current tag and moves the version; a stale tag is 412 and changes nothing', async () => {
      const category = await m.categories.create(alice, { name: 'Garden' });
      const updated = await m.categories.update(alice, category.id, { color: '#22c55e' }, ifMatch(category));
      expect(updated).toMatchObject({ name: 'Garden', color: '#22c55e' });
      expect(versionOf(updated)).toBe(2);
      expect(
        await problemOf(() => m.categories.update(alice, category.id, { name: 'Yard' }, ifMatch(category))),
      ).toMatchObject({ status: 412 });
      expect(await stored(category.id)).toMatchObject({ name: 'Garden', color: '#22c55e', version: 2 });
    });

    it('with nothing to change writes nothing, but still answers 412 and 404', async () => {
      const category = await m.categories.create(alice, { name: 'Idle' });
      const before = await stored(category.id);
      expect(await m.categories.update(alice, category.id, {}, ifMatch(category))).toEqual(category);
      expect(await stored(category.id)).toEqual(before);

      await m.categories.update(alice, category.id, { name: 'Idle no more' });
      expect(await problemOf(() => m.categories.update(alice, category.id, {}, ifMatch(category)))).toMatchObject({
        status: 412,
      });
      expect(await problemOf(() => m.categories.update(bob, category.id, {}))).toMatchObject({ status: 404 });
    });

    it('answers another user’s category as 404, whatever the tag, and leaves it unchanged', async () => {
      const theirs = await m.categories.create(bob, { name: 'Bob’s own' });
      for (const tag of [ifMatch(theirs), '*' as const, undefined]) {
        expect(await problemOf(() => m.categories.update(alice, theirs.id, { name: 'Taken' }, tag))).toMatchObject({
          status: 404,
          detail: 'Category not found',
        });
        expect(await problemOf(() => m.categories.remove(alice, theirs.id, tag))).toMatchObject({ status: 404 });
      }
      expect(await problemOf(() => m.categories.findOne(alice, theirs.id))).toMatchObject({ status: 404 });
      expect(await stored(theirs.id)).toMatchObject({ name: 'Bob’s own', version: 1 });
    });
  });

  describe('remove', () => {
    it('keeps its tasks, unlinks them and moves their versions; other tasks are untouched', async () => {
      const doomed = await m.categories.create(alice, { name: 'Doomed' });
      const kept = await m.categories.create(alice, { name: 'Kept' });
      const both = await m.tasks.create(alice, { title: 'both', category_ids: [doomed.id, kept.id] });
      const only = await m.tasks.create(alice, { title: 'only doomed', category_ids: [doomed.id] });
      const other = await m.tasks.create(alice, { title: 'only kept', category_ids: [kept.id] });

      await m.categories.remove(alice, doomed.id, ifMatch(doomed));

      expect(await stored(doomed.id)).toBeUndefined();
      expect(await m.tasks.findOne(alice, both.id)).toMatchObject({ category_ids: [kept.id] });
      expect(await m.tasks.findOne(alice, only.id)).toMatchObject({ category_ids: [] });
      expect(await taskRow(both.id)).toEqual({ version: versionOf(both) + 1 });
      expect(await taskRow(only.id)).toEqual({ version: versionOf(only) + 1 });
      expect(await taskRow(other.id)).toEqual({ version: versionOf(other) });
      expect((await m.sql.query('SELECT 1 FROM task_categories WHERE category_id = $1', [doomed.id])).rowCount).toBe(0);
    });

    it('refuses a stale tag with 412, keeping the category, its links and its tasks’ versions', async () => {
      const category = await m.categories.create(alice, { name: 'Guarded' });
      const task = await m.tasks.create(alice, { title: 'guarded task', category_ids: [category.id] });
      await m.categories.update(alice, category.id, { color: '#ef4444' });

      expect(await problemOf(() => m.categories.remove(alice, category.id, ifMatch(category)))).toMatchObject({
        status: 412,
      });
      expect(await stored(category.id)).toMatchObject({ version: 2 });
      expect(await m.tasks.findOne(alice, task.id)).toMatchObject({ category_ids: [category.id] });
      expect(await taskRow(task.id)).toEqual({ version: versionOf(task) });
    });
  });
});
