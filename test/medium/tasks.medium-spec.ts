import { expect } from '@jest/globals';
import { createMedium, ifMatch, type Medium, problemOf, VERSION, versionOf } from '../support/medium.js';

/** TasksService's rules against a real database, without HTTP. */
describe('TasksService', () => {
  let m: Medium;
  let alice: string;
  let bob: string;
  beforeAll(async () => {
    m = await createMedium();
    [alice, bob] = await Promise.all([m.createUser(), m.createUser()]);
  });
  afterAll(() => m.close());

  const stored = async (id: number) =>
    (await m.sql.query<Record<string, unknown>>('SELECT * FROM tasks WHERE id = $1', [id])).rows[0];
  const links = async (taskId: number) =>
    (
      await m.sql.query<{ category_id: number }>(
        'SELECT category_id FROM task_categories WHERE task_id = $1 ORDER BY category_id',
        [taskId],
      )
    ).rows.map((row) => row.category_id);
  const countTitled = async (userId: string, title: string) =>
    (
      await m.sql.query<{ n: number }>('SELECT count(*)::int AS n FROM tasks WHERE user_id = $1 AND title = $2', [
        userId,
        title,
      ])
    ).rows[0].n;

  describe('create', () => {
    it('fills the defaults and stores them, at version 1', async () => {
      const task = await m.tasks.create(alice, { title: 'Buy milk' });
      expect(task).toEqual({
        id: expect.any(Number),
        user_id: alice,
        title: 'Buy milk',
        description: null,
        completed: false,
        priority: 'medium',
        due_date: null,
        position: expect.any(String),
        remind_at: null,
        reminded_at: null,
        recurrence: null,
        created_at: expect.any(String),
        updated_at: expect.any(String),
        category_ids: [],
        list_id: expect.any(Number),
        created_by: alice,
        assignee_id: null,
        parent_id: null,
        subtask_count: 0,
        pending_subtask_count: 0,
        [VERSION]: 1,
      });
      expect(await stored(task.id)).toMatchObject({
        user_id: alice,
        title: 'Buy milk',
        description: null,
        completed: false,
        priority: 'medium',
        due_date: null,
        position: task.position,
        recurrence: null,
        recurrence_start: null,
        version: 1,
      });
    });

    it('puts each new task after the user’s last one', async () => {
      const user = await m.createUser();
      const created = [];
      for (const title of ['one', 'two', 'three']) created.push(await m.tasks.create(user, { title }));
      const positions = created.map((task) => task.position);
      expect([...positions].sort()).toEqual(positions);
      expect(new Set(positions).size).toBe(3);
      const page = await m.tasks.list(user, { sort: 'position' });
      expect(page.items.map((task) => task.title)).toEqual(['one', 'two', 'three']);
    });

    it('refuses a recurrence without a due date (422 on recurrence) and stores nothing', async () => {
      const problem = await problemOf(() =>
        m.tasks.create(alice, { title: 'Undated series', recurrence: 'FREQ=DAILY' }),
      );
      expect(problem).toMatchObject({ status: 422, errors: [{ field: 'recurrence', message: expect.any(String) }] });
      expect(await countTitled(alice, 'Undated series')).toBe(0);
    });
  });

  describe('Idempotency-Key', () => {
    it('replays the first result for the same key and body, whatever the field order, creating nothing', async () => {
      const first = await m.tasks.create(alice, { title: 'Pay rent', priority: 'high' }, 'replay-1');
      const again = await m.tasks.create(alice, { priority: 'high', title: 'Pay rent' }, 'replay-1');
      expect(again).toEqual(first);
      expect(versionOf(again)).toBe(versionOf(first));
      expect(await countTitled(alice, 'Pay rent')).toBe(1);
      const keys = await m.sql.query('SELECT 1 FROM idempotency_keys WHERE user_id = $1 AND key = $2', [
        alice,
        'replay-1',
      ]);
      expect(keys.rowCount).toBe(1);
    });

    it('replays the first result even after the task has changed', async () => {
      const first = await m.tasks.create(alice, { title: 'Snapshot' }, 'replay-2');
      await m.tasks.update(alice, first.id, { title: 'Renamed' });
      const again = await m.tasks.create(alice, { title: 'Snapshot' }, 'replay-2');
      expect(again).toEqual(first);
      expect(versionOf(again)).toBe(1);
    });

    it('refuses the same key with another body: 422 on Idempotency-Key, and nothing is created', async () => {
      await m.tasks.create(alice, { title: 'Walk the dog' }, 'mismatch');
      const problem = await problemOf(() => m.tasks.create(alice, { title: 'Walk the cat' }, 'mismatch'));
      expect(problem).toMatchObject({
        status: 422,
        errors: [{ field: 'Idempotency-Key', message: 'was already used with a different request body' }],
      });
      expect(await countTitled(alice, 'Walk the cat')).toBe(0);
      expect(await countTitled(alice, 'Walk the dog')).toBe(1);
    });

    it('keeps keys per user', async () => {
      const mine = await m.tasks.create(alice, { title: 'Per user' }, 'shared-key');
      const theirs = await m.tasks.create(bob, { title: 'Per user' }, 'shared-key');
      expect(theirs.id).not.toBe(mine.id);
      expect(theirs.user_id).toBe(bob);
    });

    it('forgets a key once it has expired', async () => {
      const first = await m.tasks.create(alice, { title: 'Expiring' }, 'expiring');
      await m.sql.query(`UPDATE idempotency_keys SET expires_at = now() - interval '1 second' WHERE key = 'expiring'`);
      const later = await m.tasks.create(alice, { title: 'Expiring' }, 'expiring');
      expect(later.id).not.toBe(first.id);
      expect(await countTitled(alice, 'Expiring')).toBe(2);
    });

    it('stores no key for a create that failed, so its retry runs', async () => {
      const theirs = await m.categories.create(bob, { name: 'Bob’s' });
      const failed = await problemOf(() =>
        m.tasks.create(alice, { title: 'Linked wrongly', category_ids: [theirs.id] }, 'failed-once'),
      );
      expect(failed.status).toBe(422);
      const retry = await m.tasks.create(alice, { title: 'Fixed' }, 'failed-once');
      expect(retry.title).toBe('Fixed');
      expect(await countTitled(alice, 'Linked wrongly')).toBe(0);
    });
  });

  describe('If-Match: 404 for no such task, 412 for a changed one', () => {
    const writes: [string, (m: Medium, user: string, id: number, tag?: string[] | '*') => Promise<unknown>][] = [
      ['update', (m, user, id, tag) => m.tasks.update(user, id, { title: 'Changed' }, tag)],
      ['complete', (m, user, id, tag) => m.tasks.complete(user, id, undefined, tag)],
      ['remove', (m, user, id, tag) => m.tasks.remove(user, id, tag)],
    ];

    it.each(writes)('%s: a stale tag is 412 and the stored task is unchanged', async (_name, write) => {
      const task = await m.tasks.create(alice, { title: 'Original' });
      await m.tasks.update(alice, task.id, { description: 'moved on' });
      expect(await problemOf(() => write(m, alice, task.id, ifMatch(task)))).toMatchObject({ status: 412 });
      expect(await stored(task.id)).toMatchObject({ title: 'Original', completed: false, version: 2 });
    });

    it.each(writes)('%s: a current tag applies the write', async (name, write) => {
      const task = await m.tasks.create(alice, { title: 'Original' });
      await write(m, alice, task.id, ifMatch(task));
      const row = await stored(task.id);
      if (name === 'remove') expect(row).toBeUndefined();
      else expect(row).toMatchObject({ version: 2 });
    });

    it.each(writes)(
      '%s: 404, not 412, for a missing task or another user’s, whatever the tag; theirs is unchanged',
      async (_name, write) => {
        const theirs = await m.tasks.create(bob, { title: 'Bob’s' });
        for (const tag of [ifMatch(theirs), '*' as const, undefined]) {
          expect(await problemOf(() => write(m, alice, theirs.id, tag))).toMatchObject({
            status: 404,
            detail: 'Task not found',
          });
          expect(await problemOf(() => write(m, alice, 2_147_483_647, tag))).toMatchObject({ status: 404 });
        }
        expect(await stored(theirs.id)).toMatchObject({ title: 'Bob’s', completed: false, version: 1 });
      },
    );

    it('a tag of another task never matches, even with the same version', async () => {
      const one = await m.tasks.create(alice, { title: 'One' });
      const two = await m.tasks.create(alice, { title: 'Two' });
      expect(await problemOf(() => m.tasks.update(alice, two.id, { title: 'X' }, ifMatch(one)))).toMatchObject({
        status: 412,
      });
      expect(await stored(two.id)).toMatchObject({ title: 'Two', version: 1 });
    });
  });

  describe('an update with nothing to change', () => {
    it('writes nothing: the same version and updated_at, and the task as stored', async () => {
      const task = await m.tasks.create(alice, { title: 'Idle' });
      const before = await stored(task.id);
      const answer = await m.tasks.update(alice, task.id, {}, ifMatch(task));
      expect(answer).toEqual(task);
      expect(versionOf(answer)).toBe(1);
      expect(await stored(task.id)).toEqual(before);
    });

    it('still answers 412 for a stale tag and 404 for a missing or foreign task', async () => {
      const task = await m.tasks.create(alice, { title: 'Idle, then changed' });
      await m.tasks.update(alice, task.id, { title: 'Changed' });
      expect(await problemOf(() => m.tasks.update(alice, task.id, {}, ifMatch(task)))).toMatchObject({ status: 412 });
      const theirs = await m.tasks.create(bob, { title: 'Bob’s idle' });
      expect(await problemOf(() => m.tasks.update(alice, theirs.id, {}))).toMatchObject({ status: 404 });
      expect(await problemOf(() => m.tasks.update(alice, theirs.id, {}, ifMatch(theirs)))).toMatchObject({
        status: 404,
      });
    });
  });

  describe('move', () => {
    let user: string;
    let ids: Record<string, number>;
    const order = async () => (await m.tasks.list(user, { sort: 'position' })).items.map((task) => task.title);
    beforeEach(async () => {
      user = await m.createUser();
      ids = {};
      for (const title of ['a', 'b', 'c', 'd']) ids[title] = (await m.tasks.create(user, { title })).id;
    });

    it('moves after a task, before a task and to the top; the others keep their position and version', async () => {
      const others = async () =>
        (
          await m.sql.query<{ title: string; position: string; version: number }>(
            `SELECT title, position, version FROM tasks WHERE user_id = $1 AND title <> 'a' ORDER BY title`,
            [user],
          )
        ).rows;
      const untouched = await others();

      const moved = await m.tasks.move(user, ids.a, { after_id: ids.c });
      expect(await order()).toEqual(['b', 'c', 'a', 'd']);
      expect(versionOf(moved)).toBe(2);
      expect(await stored(ids.a)).toMatchObject({ position: moved.position, version: 2 });

      await m.tasks.move(user, ids.a, { before_id: ids.b });
      expect(await order()).toEqual(['a', 'b', 'c', 'd']);
      await m.tasks.move(user, ids.a, { after_id: ids.d });
      expect(await order()).toEqual(['b', 'c', 'd', 'a']);
      await m.tasks.move(user, ids.a, { after_id: null });
      expect(await order()).toEqual(['a', 'b', 'c', 'd']);
      expect(await others()).toEqual(untouched);
    });

    it('needs exactly one anchor, and not the task itself: 422 on the field', async () => {
      expect(await problemOf(() => m.tasks.move(user, ids.a, {}))).toMatchObject({
        status: 422,
        errors: [{ field: 'after_id' }],
      });
      expect(await problemOf(() => m.tasks.move(user, ids.a, { after_id: ids.b, before_id: ids.c }))).toMatchObject({
        status: 422,
        errors: [{ field: 'before_id' }],
      });
      expect(await problemOf(() => m.tasks.move(user, ids.a, { before_id: ids.a }))).toMatchObject({
        status: 422,
        errors: [{ field: 'before_id', message: 'must be another task than the one moved' }],
      });
      expect(await order()).toEqual(['a', 'b', 'c', 'd']);
    });

    it('refuses an anchor that is not one of the user’s tasks with 422, and moves nothing', async () => {
      const theirs = await m.tasks.create(bob, { title: 'Bob’s anchor' });
      for (const anchor of [{ after_id: theirs.id }, { before_id: 2_147_483_647 }]) {
        expect(await problemOf(() => m.tasks.move(user, ids.a, anchor))).toMatchObject({
          status: 422,
          errors: [{ message: 'must be the id of a sibling of the task moved (same list, same parent)' }],
        });
      }
      expect(await order()).toEqual(['a', 'b', 'c', 'd']);
      expect(await stored(ids.a)).toMatchObject({ version: 1 });
    });

    it('is 404 for another user’s task and 412 for a stale tag, moving nothing', async () => {
      const theirs = await m.tasks.create(bob, { title: 'Bob’s moved' });
      expect(await problemOf(() => m.tasks.move(user, theirs.id, { after_id: ids.a }))).toMatchObject({ status: 404 });
      expect(await stored(theirs.id)).toMatchObject({ version: 1, position: theirs.position });

      const a = await m.tasks.findOne(user, ids.a);
      await m.tasks.update(user, ids.a, { title: 'a' });
      expect(await problemOf(() => m.tasks.move(user, ids.a, { after_id: ids.d }, ifMatch(a)))).toMatchObject({
        status: 412,
      });
      expect(await order()).toEqual(['a', 'b', 'c', 'd']);
    });
  });

  describe('categories on tasks', () => {
    it('links each category once, ascending, on create; an update replaces the set as a whole', async () => {
      const [x, y, z] = await Promise.all(['x', 'y', 'z'].map((name) => m.categories.create(alice, { name })));
      const task = await m.tasks.create(alice, { title: 'Tagged', category_ids: [z.id, x.id, z.id] });
      expect(task.category_ids).toEqual([x.id, z.id].sort((p, q) => p - q));
      expect(await links(task.id)).toEqual(task.category_ids);

      const relinked = await m.tasks.update(alice, task.id, { category_ids: [y.id] });
      expect(relinked.category_ids).toEqual([y.id]);
      expect(await links(task.id)).toEqual([y.id]);
      expect(versionOf(relinked)).toBe(2);

      const cleared = await m.tasks.update(alice, task.id, { category_ids: [] });
      expect(cleared.category_ids).toEqual([]);
      expect(await links(task.id)).toEqual([]);
    });

    it('refuses another user’s category: 422 on category_ids, no task created, an update links nothing', async () => {
      const mine = await m.categories.create(alice, { name: 'Mine' });
      const theirs = await m.categories.create(bob, { name: 'Theirs' });
      const problem = await problemOf(() =>
        m.tasks.create(alice, { title: 'Poached', category_ids: [mine.id, theirs.id] }),
      );
      expect(problem).toMatchObject({
        status: 422,
        errors: [{ field: 'category_ids', message: 'must contain only ids of your own categories' }],
      });
      expect(await countTitled(alice, 'Poached')).toBe(0);
      expect(
        (await m.sql.query('SELECT 1 FROM task_categories WHERE category_id = ANY ($1)', [[mine.id, theirs.id]]))
          .rowCount,
      ).toBe(0);

      const task = await m.tasks.create(alice, { title: 'Relinked', category_ids: [mine.id] });
      expect(
        await problemOf(() => m.tasks.update(alice, task.id, { title: 'Renamed', category_ids: [theirs.id] })),
      ).toMatchObject({ status: 422, errors: [{ field: 'category_ids' }] });
      expect(await links(task.id)).toEqual([mine.id]);
      expect(await stored(task.id)).toMatchObject({ title: 'Relinked', version: 1 });
    });
  });

  describe('recurrence on complete', () => {
    const day = (date: string) => new Date(date).toISOString();

    it('moves the due date (and the reminder) along the series, then completes the task once it is over', async () => {
      const task = await m.tasks.create(alice, {
        title: 'Stand-up',
        due_date: '2030-01-07T09:00:00.000Z',
        remind_at: '2030-01-07T08:45:00.000Z',
        recurrence: 'FREQ=DAILY;COUNT=3',
      });

      const second = await m.tasks.complete(alice, task.id, undefined, ifMatch(task));
      expect(second).toMatchObject({
        completed: false,
        due_date: day('2030-01-08T09:00:00Z'),
        remind_at: day('2030-01-08T08:45:00Z'),
      });
      expect(versionOf(second)).toBe(2);
      expect(await stored(task.id)).toMatchObject({
        completed: false,
        due_date: new Date('2030-01-08T09:00:00Z'),
        remind_at: new Date('2030-01-08T08:45:00Z'),
        version: 2,
      });

      const third = await m.tasks.complete(alice, task.id, true);
      expect(third).toMatchObject({ completed: false, due_date: day('2030-01-09T09:00:00Z') });

      const last = await m.tasks.complete(alice, task.id, true);
      expect(last).toMatchObject({ completed: true, due_date: day('2030-01-09T09:00:00Z') });
      expect(await stored(task.id)).toMatchObject({
        completed: true,
        due_date: new Date('2030-01-09T09:00:00Z'),
        version: 4,
      });
    });

    it('advances on update({ completed: true }) as well, and un-completing leaves the date', async () => {
      const task = await m.tasks.create(alice, {
        title: 'Weekly review',
        due_date: '2030-01-07T17:00:00.000Z',
        recurrence: 'FREQ=WEEKLY',
      });
      const advanced = await m.tasks.update(alice, task.id, { completed: true });
      expect(advanced).toMatchObject({ completed: false, due_date: day('2030-01-14T17:00:00Z') });

      const plain = await m.tasks.create(alice, { title: 'Once', due_date: '2030-01-07T17:00:00.000Z' });
      const done = await m.tasks.complete(alice, plain.id, undefined);
      expect(done).toMatchObject({ completed: true, due_date: plain.due_date });
      const undone = await m.tasks.complete(alice, plain.id, undefined);
      expect(undone).toMatchObject({ completed: false, due_date: plain.due_date });
    });

    it('refuses to clear the due date of a recurring task (422), changing nothing', async () => {
      const task = await m.tasks.create(alice, {
        title: 'Dated series',
        due_date: '2030-01-07T09:00:00.000Z',
        recurrence: 'FREQ=DAILY',
      });
      expect(await problemOf(() => m.tasks.update(alice, task.id, { due_date: null }))).toMatchObject({
        status: 422,
        errors: [{ field: 'due_date' }],
      });
      expect(await stored(task.id)).toMatchObject({ due_date: new Date('2030-01-07T09:00:00Z'), version: 1 });
    });
  });
});
