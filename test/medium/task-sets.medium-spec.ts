import { expect } from '@jest/globals';
import { createMedium, type Medium, problemOf } from '../support/medium.js';

/** TaskSetsService's rules (complete-all, bulk delete, summary) against a real database, without HTTP. */
describe('TaskSetsService', () => {
  let m: Medium;
  beforeAll(async () => {
    m = await createMedium();
  });
  afterAll(() => m.close());

  const rowsOf = async (userId: string) =>
    (
      await m.sql.query<{ title: string; completed: boolean; due_date: Date | null; version: number }>(
        'SELECT title, completed, due_date, version FROM tasks WHERE user_id = $1 ORDER BY id',
        [userId],
      )
    ).rows;
  const titlesOf = async (userId: string) => (await rowsOf(userId)).map((row) => row.title);

  describe('completeAll', () => {
    it('completes the matching tasks, advances recurring ones, completes series that are over, and counts them', async () => {
      const user = await m.createUser();
      const other = await m.createUser();
      await m.tasks.create(user, { title: 'plain' });
      await m.tasks.create(user, { title: 'done already', completed: true });
      await m.tasks.create(user, { title: 'daily', due_date: '2030-01-07T09:00:00.000Z', recurrence: 'FREQ=DAILY' });
      await m.tasks.create(user, {
        title: 'last of its series',
        due_date: '2030-01-07T09:00:00.000Z',
        recurrence: 'FREQ=DAILY;COUNT=1',
      });
      await m.tasks.create(other, { title: 'someone else’s' });

      expect(await m.taskSets.completeAll(user, {}, true)).toEqual({ updated: 3 });
      expect(await rowsOf(user)).toEqual([
        { title: 'plain', completed: true, due_date: null, version: 2 },
        { title: 'done already', completed: true, due_date: null, version: 1 },
        { title: 'daily', completed: false, due_date: new Date('2030-01-08T09:00:00Z'), version: 2 },
        { title: 'last of its series', completed: true, due_date: new Date('2030-01-07T09:00:00Z'), version: 2 },
      ]);
      expect(await rowsOf(other)).toEqual([expect.objectContaining({ completed: false, version: 1 })]);

      // Again: the recurring task advances once more, the rest are already completed.
      expect(await m.taskSets.completeAll(user, {}, true)).toEqual({ updated: 1 });
      expect((await rowsOf(user))[2]).toMatchObject({ due_date: new Date('2030-01-09T09:00:00Z'), version: 3 });
    });

    it('changes only the tasks its filter matches, and un-completes only completed ones', async () => {
      const user = await m.createUser();
      await m.tasks.create(user, { title: 'urgent', priority: 'high' });
      await m.tasks.create(user, { title: 'later', priority: 'low' });
      await m.tasks.create(user, { title: 'urgent, done', priority: 'high', completed: true });

      expect(await m.taskSets.completeAll(user, { priority: 'high' }, true)).toEqual({ updated: 1 });
      expect((await rowsOf(user)).map((row) => [row.title, row.completed, row.version])).toEqual([
        ['urgent', true, 2],
        ['later', false, 1],
        ['urgent, done', true, 1],
      ]);

      expect(await m.taskSets.completeAll(user, {}, false)).toEqual({ updated: 2 });
      expect((await rowsOf(user)).map((row) => [row.title, row.completed, row.version])).toEqual([
        ['urgent', false, 3],
        ['later', false, 1],
        ['urgent, done', false, 2],
      ]);
    });
  });

  describe('removeMatching', () => {
    it.each([[{}], [{ status: 'all' as const }], [{ q: '' }], [{ uncategorized: false }]])(
      'refuses %j with 422: a filter must leave some task out',
      async (query) => {
        const user = await m.createUser();
        await m.tasks.create(user, { title: 'survivor' });
        const problem = await problemOf(() => m.taskSets.removeMatching(user, query));
        expect(problem).toMatchObject({ status: 422, detail: expect.stringContaining('needs at least one filter') });
        expect(await titlesOf(user)).toEqual(['survivor']);
      },
    );

    it('deletes only the matching tasks of the user, and counts them', async () => {
      const user = await m.createUser();
      const other = await m.createUser();
      await m.tasks.create(user, { title: 'open' });
      await m.tasks.create(user, { title: 'closed 1', completed: true });
      await m.tasks.create(user, { title: 'closed 2', completed: true });
      await m.tasks.create(other, { title: 'closed elsewhere', completed: true });

      expect(await m.taskSets.removeMatching(user, { status: 'completed' })).toEqual({ deleted: 2 });
      expect(await titlesOf(user)).toEqual(['open']);
      expect(await titlesOf(other)).toEqual(['closed elsewhere']);
    });

    it('deletes by category, leaving the category and the other tasks', async () => {
      const user = await m.createUser();
      const category = await m.categories.create(user, { name: 'Project' });
      await m.tasks.create(user, { title: 'in project', category_ids: [category.id] });
      await m.tasks.create(user, { title: 'outside' });

      expect(await m.taskSets.removeMatching(user, { category_id: category.id })).toEqual({ deleted: 1 });
      expect(await titlesOf(user)).toEqual(['outside']);
      expect(await m.categories.findOne(user, category.id)).toMatchObject({ task_count: 0 });
    });
  });

  describe('summary', () => {
    it('counts totals, pending, completed, overdue, due today, priorities and categories, for the user alone', async () => {
      const user = await m.createUser();
      const other = await m.createUser();
      const home = await m.categories.create(user, { name: 'Home' });
      const work = await m.categories.create(user, { name: 'Work' });
      const empty = await m.categories.create(user, { name: 'Empty' });
      // Due at the last millisecond of today (UTC): not yet overdue, and due today.
      const endOfToday = new Date();
      endOfToday.setUTCHours(23, 59, 59, 999);

      await m.tasks.create(user, {
        title: 'overdue',
        priority: 'high',
        due_date: '2000-01-01T00:00:00.000Z',
        category_ids: [home.id],
      });
      await m.tasks.create(user, {
        title: 'due today',
        priority: 'low',
        due_date: endOfToday.toISOString(),
        category_ids: [home.id, work.id],
      });
      await m.tasks.create(user, {
        title: 'done, was due long ago',
        priority: 'high',
        completed: true,
        due_date: '2000-01-01T00:00:00.000Z',
        category_ids: [work.id],
      });
      await m.tasks.create(user, { title: 'undated' });
      await m.tasks.create(other, { title: 'not theirs', priority: 'high', due_date: '2000-01-01T00:00:00.000Z' });

      expect(await m.taskSets.summary(user, {})).toEqual({
        total: 4,
        pending: 3,
        completed: 1,
        overdue: 1,
        due_today: 1,
        by_priority: { low: 1, medium: 1, high: 1 },
        by_category: [
          { category_id: home.id, total: 2, pending: 2 },
          { category_id: work.id, total: 2, pending: 1 },
          { category_id: empty.id, total: 0, pending: 0 },
        ],
      });

      // The same filters as the list: only high-priority tasks, every category still listed.
      expect(await m.taskSets.summary(user, { priority: 'high' })).toEqual({
        total: 2,
        pending: 1,
        completed: 1,
        overdue: 1,
        due_today: 0,
        by_priority: { low: 0, medium: 0, high: 1 },
        by_category: [
          { category_id: home.id, total: 1, pending: 1 },
          { category_id: work.id, total: 1, pending: 0 },
          { category_id: empty.id, total: 0, pending: 0 },
        ],
      });
    });

    it('is all zeros for a user with no tasks', async () => {
      const user = await m.createUser();
      expect(await m.taskSets.summary(user, {})).toEqual({
        total: 0,
        pending: 0,
        completed: 0,
        overdue: 0,
        due_today: 0,
        by_priority: { low: 0, medium: 0, high: 0 },
        by_category: [],
      });
    });
  });
});
