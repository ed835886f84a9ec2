import { expect } from '@jest/globals';
import type { CompleteAllResult, Problem, SyncPage, Task, TaskPage } from './support/api-types.js';
import { type Session, type TestResponse, useTestApp, useUsers } from './support/test-app.js';

/** Subtasks (API.md, "Lists, sharing and subtasks"): parent_id, depth, cycles, completion, deletion, moves. */
describe('subtasks', () => {
  const t = useTestApp();
  const [alice] = useUsers(t, 1);

  const request = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, body?: unknown, session = alice) =>
    t.request({ method, url, token: session.token, body });
  const create = async (body: Record<string, unknown>, session = alice): Promise<Task> => {
    const res = await request('POST', '/api/tasks', body, session);
    expect(res.statusCode).toBe(201);
    return res.json<Task>();
  };
  const get = async (id: number): Promise<Task> => {
    const res = await request('GET', `/api/tasks/${id}`);
    expect(res.statusCode).toBe(200);
    return res.json<Task>();
  };
  const patch = (id: number, body: unknown) => request('PATCH', `/api/tasks/${id}`, body);
  /** The ids a list query returns, in its order. */
  const ids = async (query: string): Promise<number[]> => {
    const res = await request('GET', `/api/tasks?limit=100&${query}`);
    expect(res.statusCode).toBe(200);
    return res.json<TaskPage>().items.map((task) => task.id);
  };
  /** The stored rows of these tasks, by id: what a refused write must leave as it was. */
  const rows = async (...taskIds: number[]) =>
    (
      await t.sql.query<{
        id: number;
        list_id: number;
        parent_id: number | null;
        completed: boolean;
        position: string;
        version: number;
      }>('SELECT id, list_id, parent_id, completed, position, version FROM tasks WHERE id = ANY ($1) ORDER BY id', [
        taskIds,
      ])
    ).rows;
  const completedOf = async (...taskIds: number[]) => (await rows(...taskIds)).map((row) => row.completed);
  const expect422 = (res: TestResponse, field: string) => {
    expect(res.statusCode).toBe(422);
    expect(res.json<Problem>().errors).toEqual([expect.objectContaining({ field })]);
  };
  /** A list of `session`'s own besides the inbox, made in SQL (the list routes are not this file's). */
  const createList = async (session: Session, name: string): Promise<number> => {
    const {
      rows: [{ id }],
    } = await t.sql.query<{ id: number }>('INSERT INTO lists (owner_id, name) VALUES ($1, $2) RETURNING id', [
      session.user.id,
      name,
    ]);
    await t.sql.query(`INSERT INTO list_members (list_id, user_id, role, position) VALUES ($1, $2, 'owner', 'b0')`, [
      id,
      session.user.id,
    ]);
    return id;
  };
  /** A chain of `levels` tasks, each the subtask of the one before; the top one first. */
  const chain = async (levels: number, extra: Record<string, unknown> = {}): Promise<Task[]> => {
    const tasks = [await create({ title: 'level 1', ...extra })];
    for (let level = 2; level <= levels; level++) {
      tasks.push(await create({ title: `level ${level}`, parent_id: tasks[tasks.length - 1].id }));
    }
    return tasks;
  };

  let inbox: number;
  let other: number;
  beforeAll(async () => {
    inbox = (await create({ title: 'find the inbox' })).list_id;
    other = await createList(alice, 'Work');
  });

  describe('create with parent_id', () => {
    it("goes to the parent's list, and the parent counts its direct subtasks", async () => {
      const parent = await create({ title: 'parent', list_id: other });
      const first = await create({ title: 'first', parent_id: parent.id });
      expect(first).toMatchObject({ parent_id: parent.id, list_id: other, subtask_count: 0 });
      const second = await create({ title: 'second', parent_id: parent.id, completed: true });
      const grandchild = await create({ title: 'grandchild', parent_id: first.id });
      expect(grandchild).toMatchObject({ parent_id: first.id, list_id: other });
      expect(await rows(first.id, second.id, grandchild.id)).toEqual([
        expect.objectContaining({ list_id: other, parent_id: parent.id }),
        expect.objectContaining({ list_id: other, parent_id: parent.id }),
        expect.objectContaining({ list_id: other, parent_id: first.id }),
      ]);

      // Direct subtasks only: the grandchild counts for `first`, not for the parent.
      expect(await get(parent.id)).toMatchObject({ parent_id: null, subtask_count: 2, pending_subtask_count: 1 });
      expect(await get(first.id)).toMatchObject({ subtask_count: 1, pending_subtask_count: 1 });
      expect(await get(second.id)).toMatchObject({ subtask_count: 0, pending_subtask_count: 0 });
    });

    it('filters by parent_id: a parent id lists its direct subtasks, none the top-level tasks', async () => {
      const list = await createList(alice, 'Filtered');
      const parent = await create({ title: 'parent', list_id: list });
      const loose = await create({ title: 'loose', list_id: list });
      const a = await create({ title: 'a', parent_id: parent.id });
      const b = await create({ title: 'b', parent_id: parent.id });
      const deeper = await create({ title: 'deeper', parent_id: a.id });

      expect(await ids(`parent_id=${parent.id}&sort=position`)).toEqual([a.id, b.id]);
      expect(await ids(`parent_id=${a.id}`)).toEqual([deeper.id]);
      expect(await ids(`parent_id=${deeper.id}`)).toEqual([]);
      expect(await ids(`list_id=${list}&parent_id=none&sort=position`)).toEqual([parent.id, loose.id]);
      expect(await ids(`list_id=${list}&sort=position`)).toEqual(expect.arrayContaining([a.id, b.id, deeper.id]));
      expect((await ids('parent_id=none')).every((id) => ![a.id, b.id, deeper.id].includes(id))).toBe(true);
      expect((await request('GET', '/api/tasks?parent_id=top')).statusCode).toBe(422);
    });

    it('is 422 on parent_id for a parent that does not exist or another user’s task', async () => {
      const bob = await t.signUp();
      const bobs = await create({ title: "bob's" }, bob);
      const before = await ids('sort=position');
      expect422(await request('POST', '/api/tasks', { title: 'x', parent_id: 2_000_000_000 }), 'parent_id');
      expect422(await request('POST', '/api/tasks', { title: 'x', parent_id: bobs.id }), 'parent_id');
      expect(await ids('sort=position')).toEqual(before);
      expect(await rows(bobs.id)).toEqual([expect.objectContaining({ version: 1 })]);
      const fromBob = await request('GET', `/api/tasks/${bobs.id}`, undefined, bob);
      expect(fromBob.json<Task>()).toMatchObject({ subtask_count: 0 });
    });
  });

  describe('depth', () => {
    it('allows 4 levels; a 5th is 422 on parent_id on create', async () => {
      const levels = await chain(4);
      expect(levels.map((task) => task.parent_id)).toEqual([null, levels[0].id, levels[1].id, levels[2].id]);
      const count = async () => (await t.sql.query('SELECT 1 FROM tasks WHERE user_id = $1', [alice.user.id])).rowCount;
      const before = await count();
      expect422(await request('POST', '/api/tasks', { title: 'level 5', parent_id: levels[3].id }), 'parent_id');
      expect(await count()).toBe(before);
      expect(await get(levels[3].id)).toMatchObject({ subtask_count: 0 });
    });

    it('is 422 on parent_id when re-parenting would make a 5th level, counting the moved subtree’s height', async () => {
      const levels = await chain(4);
      const single = await create({ title: 'single' });
      const [top, child] = await chain(2);
      const before = await rows(single.id, top.id, child.id);

      expect422(await patch(single.id, { parent_id: levels[3].id }), 'parent_id');
      // A task with a subtask (height 2) under level 3 would put that subtask at level 5.
      expect422(await patch(top.id, { parent_id: levels[2].id }), 'parent_id');
      expect(await rows(single.id, top.id, child.id)).toEqual(before);

      // Exactly 4 levels is fine, both ways.
      expect((await patch(single.id, { parent_id: levels[2].id })).json<Task>()).toMatchObject({
        parent_id: levels[2].id,
      });
      const moved = await patch(top.id, { parent_id: levels[1].id });
      expect(moved.statusCode).toBe(200);
      expect(await rows(top.id, child.id)).toEqual([
        expect.objectContaining({ parent_id: levels[1].id }),
        expect.objectContaining({ parent_id: top.id }),
      ]);
      // Now full to the 4th level under levels[1]: nothing more goes below child.
      expect422(await request('POST', '/api/tasks', { title: 'too deep', parent_id: child.id }), 'parent_id');
    });
  });

  describe('cycles', () => {
    it('is 422 on parent_id for the task itself or one of its descendants, and changes nothing', async () => {
      const [top, middle, bottom] = await chain(3);
      const before = await rows(top.id, middle.id, bottom.id);
      expect422(await patch(top.id, { parent_id: top.id }), 'parent_id');
      expect422(await patch(top.id, { parent_id: middle.id }), 'parent_id');
      expect422(await patch(top.id, { parent_id: bottom.id }), 'parent_id');
      expect422(await patch(middle.id, { parent_id: bottom.id }), 'parent_id');
      expect422(await patch(middle.id, { parent_id: middle.id }), 'parent_id');
      expect(await rows(top.id, middle.id, bottom.id)).toEqual(before);
    });

    it('never forms from two concurrent re-parentings (A under B, B under A)', async () => {
      const a = await create({ title: 'A' });
      const b = await create({ title: 'B' });
      for (let round = 0; round < 10; round++) {
        await t.sql.query('UPDATE tasks SET parent_id = NULL WHERE id = ANY ($1)', [[a.id, b.id]]);
        const results = await Promise.all([patch(a.id, { parent_id: b.id }), patch(b.id, { parent_id: a.id })]);
        expect(results.map((res) => res.statusCode).sort()).toEqual([200, 422]);
        const parents = await rows(a.id, b.id);
        expect(parents.filter((row) => row.parent_id !== null)).toHaveLength(1);
      }
      // Walking parent_id up from every task of the user ends (at a top-level task) within 4 steps.
      const { rows: walks } = await t.sql.query<{ id: number; steps: number; parent_id: number | null }>(
        `WITH RECURSIVE walk AS (
           SELECT id, 1 AS steps, parent_id FROM tasks WHERE user_id = $1
           UNION ALL SELECT walk.id, walk.steps + 1, tasks.parent_id FROM walk JOIN tasks ON tasks.id = walk.parent_id
            WHERE walk.steps < 20)
         SELECT id, steps, parent_id FROM walk WHERE parent_id IS NOT NULL AND steps >= 4`,
        [alice.user.id],
      );
      expect(walks).toEqual([]);
    });
  });

  describe('cycles between two editors of a shared list', () => {
    it('never forms from concurrent re-parentings by two members, who do not deadlock', async () => {
      const bob = await t.signUp();
      const shared = await createList(alice, 'Shared');
      await t.sql.query(`INSERT INTO list_members (list_id, user_id, role, position) VALUES ($1, $2, 'editor', 'b0')`, [
        shared,
        bob.user.id,
      ]);
      const a = await create({ title: 'A', list_id: shared });
      const b = await create({ title: 'B', list_id: shared });
      const started = Date.now();
      for (let round = 0; round < 10; round++) {
        await t.sql.query('UPDATE tasks SET parent_id = NULL WHERE id = ANY ($1)', [[a.id, b.id]]);
        const results = await Promise.all([
          request('PATCH', `/api/tasks/${a.id}`, { parent_id: b.id }),
          request('PATCH', `/api/tasks/${b.id}`, { parent_id: a.id }, bob),
        ]);
        expect(results.map((res) => res.statusCode).sort()).toEqual([200, 422]);
        expect((await rows(a.id, b.id)).filter((row) => row.parent_id !== null)).toHaveLength(1);
      }
      // Without deadlocks: each costs deadlock_timeout (1 s) before PostgreSQL breaks it off and the
      // write is retried; taking the row lock before the tree lock, every round had one.
      expect(Date.now() - started).toBeLessThan(5000);
    });
  });

  describe('lists', () => {
    it('is 422 on parent_id for a parent in another list, on create and on re-parent', async () => {
      const elsewhere = await create({ title: 'elsewhere', list_id: other });
      const here = await create({ title: 'here' });
      const [parent, child] = await chain(2);
      const before = await rows(elsewhere.id, here.id, parent.id, child.id);

      expect422(
        await request('POST', '/api/tasks', { title: 'x', list_id: inbox, parent_id: elsewhere.id }),
        'parent_id',
      );
      expect422(await patch(here.id, { parent_id: elsewhere.id }), 'parent_id');
      expect422(await patch(here.id, { list_id: inbox, parent_id: elsewhere.id }), 'parent_id');
      // Moving to another list and keeping a parent of the list it leaves.
      expect422(await patch(child.id, { list_id: other, parent_id: parent.id }), 'parent_id');
      expect(await rows(elsewhere.id, here.id, parent.id, child.id)).toEqual(before);

      // To another list under a parent of that list.
      const moved = await patch(here.id, { list_id: other, parent_id: elsewhere.id });
      expect(moved.statusCode).toBe(200);
      expect(moved.json<Task>()).toMatchObject({ list_id: other, parent_id: elsewhere.id });
    });

    it('moving a task to another list carries its subtasks, to the end of the top level there', async () => {
      const target = await createList(alice, 'Target');
      const first = await create({ title: 'already there', list_id: target });
      const [top, middle, bottom] = await chain(3);
      const sibling = await create({ title: 'sibling', parent_id: top.id });

      const res = await patch(top.id, { list_id: target });
      expect(res.statusCode).toBe(200);
      expect(res.json<Task>()).toMatchObject({ list_id: target, parent_id: null, subtask_count: 2 });
      expect(await rows(top.id, middle.id, bottom.id, sibling.id)).toEqual([
        expect.objectContaining({ id: top.id, list_id: target, parent_id: null }),
        expect.objectContaining({ id: middle.id, list_id: target, parent_id: top.id }),
        expect.objectContaining({ id: bottom.id, list_id: target, parent_id: middle.id }),
        expect.objectContaining({ id: sibling.id, list_id: target, parent_id: top.id }),
      ]);
      expect(await ids(`list_id=${target}&parent_id=none&sort=position`)).toEqual([first.id, top.id]);
      expect(await get(middle.id)).toMatchObject({ list_id: target, parent_id: top.id });
      expect(await ids(`list_id=${inbox}&parent_id=none`)).not.toContain(top.id);
    });

    it('a subtask moved alone becomes top-level there, with its own subtasks', async () => {
      const target = await createList(alice, 'Target 2');
      const first = await create({ title: 'already there', list_id: target });
      const [top, middle, bottom] = await chain(3);

      const res = await patch(middle.id, { list_id: target });
      expect(res.statusCode).toBe(200);
      expect(res.json<Task>()).toMatchObject({ list_id: target, parent_id: null, subtask_count: 1 });
      expect(await rows(top.id, middle.id, bottom.id)).toEqual([
        expect.objectContaining({ list_id: inbox, parent_id: null }),
        expect.objectContaining({ list_id: target, parent_id: null }),
        expect.objectContaining({ list_id: target, parent_id: middle.id }),
      ]);
      expect(await get(top.id)).toMatchObject({ subtask_count: 0 });
      expect(await ids(`list_id=${target}&parent_id=none&sort=position`)).toEqual([first.id, middle.id]);
    });
  });

  describe('recurrence', () => {
    const series = { due_date: '2030-01-01T09:00:00.000Z', recurrence: 'FREQ=DAILY' };

    it('is 422 on recurrence for a subtask, on create and on update', async () => {
      const [parent, child] = await chain(2);
      expect422(await request('POST', '/api/tasks', { title: 'x', parent_id: parent.id, ...series }), 'recurrence');
      const before = await rows(child.id);
      expect422(await patch(child.id, series), 'recurrence');
      expect422(await patch(child.id, { ...series, parent_id: parent.id }), 'recurrence');
      expect(await rows(child.id)).toEqual(before);
      const stored = await t.sql.query('SELECT recurrence FROM tasks WHERE id = $1', [child.id]);
      expect(stored.rows).toEqual([{ recurrence: null }]);
    });

    it('is 422 on parent_id for giving a recurring task a parent', async () => {
      const parent = await create({ title: 'parent' });
      const recurring = await create({ title: 'recurring', ...series });
      const before = await rows(recurring.id);
      expect422(await patch(recurring.id, { parent_id: parent.id }), 'parent_id');
      expect(await rows(recurring.id)).toEqual(before);
      // Clearing the rule in the same request is fine.
      const res = await patch(recurring.id, { parent_id: parent.id, recurrence: null });
      expect(res.statusCode).toBe(200);
      expect(res.json<Task>()).toMatchObject({ parent_id: parent.id, recurrence: null });
    });

    it.each([
      ['PATCH .../complete', (id: number) => request('PATCH', `/api/tasks/${id}/complete`, { completed: true })],
      ['PATCH {completed: true}', (id: number) => patch(id, { completed: true })],
      [
        'complete-all',
        (id: number) => request('POST', `/api/tasks/complete-all?q=recurring${id}x`, { completed: true }),
      ],
    ])('completing a recurring task whose series goes on reopens its subtasks (%s)', async (_, complete) => {
      const parent = await create({ title: 'recurring', ...series });
      await patch(parent.id, { title: `recurring${parent.id}x` });
      const done = await create({ title: 'done', parent_id: parent.id, completed: true });
      const open = await create({ title: 'open', parent_id: parent.id });
      const deeper = await create({ title: 'deeper', parent_id: open.id, completed: true });

      const res = await complete(parent.id);
      expect(res.statusCode).toBe(200);
      const after = await get(parent.id);
      expect(after).toMatchObject({ completed: false, due_date: '2030-01-02T09:00:00.000Z' });
      expect(after).toMatchObject({ subtask_count: 2, pending_subtask_count: 2 });
      expect(await completedOf(done.id, open.id, deeper.id)).toEqual([false, false, false]);
    });

    it('completing the last occurrence completes the task and its subtasks', async () => {
      const parent = await create({ title: 'twice', due_date: series.due_date, recurrence: 'FREQ=DAILY;COUNT=2' });
      const child = await create({ title: 'child', parent_id: parent.id });
      expect((await request('PATCH', `/api/tasks/${parent.id}/complete`)).json<Task>()).toMatchObject({
        completed: false,
      });
      const last = await request('PATCH', `/api/tasks/${parent.id}/complete`);
      expect(last.json<Task>()).toMatchObject({ completed: true, pending_subtask_count: 0 });
      expect(await completedOf(parent.id, child.id)).toEqual([true, true]);
    });
  });

  describe('completion', () => {
    /** A parent with an open subtree three levels below it, and a done subtask. */
    const tree = async () => {
      const [top, middle, bottom, leaf] = await chain(4);
      const done = await create({ title: 'done', parent_id: top.id, completed: true });
      const sideways = await create({ title: 'sideways', parent_id: middle.id });
      await patch(top.id, { title: `tree${top.id}x` });
      return { top, rest: [middle.id, bottom.id, leaf.id, done.id, sideways.id] };
    };

    it.each([
      ['PATCH .../complete', (id: number) => request('PATCH', `/api/tasks/${id}/complete`, { completed: true })],
      ['PATCH .../complete (toggle)', (id: number) => request('PATCH', `/api/tasks/${id}/complete`)],
      ['PATCH {completed: true}', (id: number) => patch(id, { completed: true })],
      [
        'PUT {completed: true}',
        (id: number) =>
          t.request({ method: 'PUT', url: `/api/tasks/${id}`, token: alice.token, body: { completed: true } }),
      ],
    ])(
      'completes the open subtasks at every level in the same request (%s); reopening reopens none',
      async (_, complete) => {
        const { top, rest } = await tree();
        const versions = await rows(...rest);

        const res = await complete(top.id);
        expect(res.statusCode).toBe(200);
        expect(res.json<Task>()).toMatchObject({ completed: true, subtask_count: 2, pending_subtask_count: 0 });
        expect(await completedOf(top.id, ...rest)).toEqual([true, true, true, true, true, true]);
        // The done one was left alone: same version (ETag); the others have a new one.
        const after = await rows(...rest);
        for (const [i, row] of after.entries()) {
          expect(row.version).toBe(versions[i].version + (versions[i].completed ? 0 : 1));
        }
        expect(await get(top.id)).toMatchObject({ pending_subtask_count: 0 });

        const reopened = await request('PATCH', `/api/tasks/${top.id}/complete`, { completed: false });
        expect(reopened.json<Task>()).toMatchObject({ completed: false, pending_subtask_count: 0 });
        expect(await completedOf(top.id, ...rest)).toEqual([false, true, true, true, true, true]);
        const viaPatch = await patch(top.id, { completed: true });
        expect(viaPatch.statusCode).toBe(200);
        expect((await patch(top.id, { completed: false })).statusCode).toBe(200);
        expect(await completedOf(top.id, ...rest)).toEqual([false, true, true, true, true, true]);
      },
    );

    it('completing a task whose direct subtasks are all done still completes an open one below them', async () => {
      const [top, middle, leaf] = await chain(3);
      await request('PATCH', `/api/tasks/${middle.id}/complete`, { completed: true });
      await request('PATCH', `/api/tasks/${leaf.id}/complete`, { completed: false });
      expect(await completedOf(top.id, middle.id, leaf.id)).toEqual([false, true, false]);

      const res = await request('PATCH', `/api/tasks/${top.id}/complete`);
      expect(res.json<Task>()).toMatchObject({ completed: true, subtask_count: 1, pending_subtask_count: 0 });
      expect(await completedOf(top.id, middle.id, leaf.id)).toEqual([true, true, true]);
    });

    it('complete-all with a filter that matches only the parent completes its subtree; reopening-all reopens only the parent', async () => {
      const { top, rest } = await tree();
      const res = await request('POST', `/api/tasks/complete-all?q=tree${top.id}x`, { completed: true });
      expect(res.statusCode).toBe(200);
      expect(res.json<CompleteAllResult>().updated).toBeGreaterThanOrEqual(1);
      expect(await completedOf(top.id, ...rest)).toEqual([true, true, true, true, true, true]);

      const reopen = await request('POST', `/api/tasks/complete-all?q=tree${top.id}x`, { completed: false });
      expect(reopen.json<CompleteAllResult>()).toEqual({ updated: 1 });
      expect(await completedOf(top.id, ...rest)).toEqual([false, true, true, true, true, true]);
    });

    it('completing a subtask leaves its parent and siblings as they are, and counts on the parent', async () => {
      const parent = await create({ title: 'parent' });
      const a = await create({ title: 'a', parent_id: parent.id });
      const b = await create({ title: 'b', parent_id: parent.id });
      expect((await request('PATCH', `/api/tasks/${a.id}/complete`)).statusCode).toBe(200);
      expect(await completedOf(parent.id, a.id, b.id)).toEqual([false, true, false]);
      expect(await get(parent.id)).toMatchObject({ subtask_count: 2, pending_subtask_count: 1 });
    });
  });

  describe('delete', () => {
    it('deletes the subtasks at every level, and sync reports every id as deleted', async () => {
      const [top, middle, bottom] = await chain(3);
      const sibling = await create({ title: 'sibling', parent_id: top.id });
      const bystander = await create({ title: 'bystander' });
      const full = await request('GET', '/api/sync');
      expect(full.statusCode).toBe(200);
      const { cursor } = full.json<SyncPage>();

      expect((await request('DELETE', `/api/tasks/${top.id}`)).statusCode).toBe(204);
      for (const id of [top.id, middle.id, bottom.id, sibling.id]) {
        expect((await request('GET', `/api/tasks/${id}`)).statusCode).toBe(404);
      }
      expect(await rows(top.id, middle.id, bottom.id, sibling.id, bystander.id)).toEqual([
        expect.objectContaining({ id: bystander.id }),
      ]);
      const delta = await request('GET', `/api/sync?cursor=${encodeURIComponent(cursor)}`);
      expect(delta.statusCode).toBe(200);
      expect([...delta.json<SyncPage>().deleted.tasks].sort((x, y) => x - y)).toEqual(
        [top.id, middle.id, bottom.id, sibling.id].sort((x, y) => x - y),
      );
    });

    it('deleting a subtask leaves its parent, with one subtask fewer', async () => {
      const [top, middle, bottom] = await chain(3);
      expect((await request('DELETE', `/api/tasks/${middle.id}`)).statusCode).toBe(204);
      expect(await rows(top.id, middle.id, bottom.id)).toEqual([expect.objectContaining({ id: top.id })]);
      expect(await get(top.id)).toMatchObject({ subtask_count: 0, pending_subtask_count: 0 });
    });
  });

  describe('move', () => {
    it('orders siblings by position; an anchor that is not a sibling is 422 and nothing moves', async () => {
      const parent = await create({ title: 'parent' });
      const [a, b, c] = [
        await create({ title: 'a', parent_id: parent.id }),
        await create({ title: 'b', parent_id: parent.id }),
        await create({ title: 'c', parent_id: parent.id }),
      ];
      const cousin = await create({ title: 'cousin', parent_id: a.id });
      const elsewhere = await create({ title: 'elsewhere', list_id: other });
      const children = `parent_id=${parent.id}&sort=position`;
      expect(await ids(children)).toEqual([a.id, b.id, c.id]);

      const move = (id: number, body: unknown) => request('POST', `/api/tasks/${id}/move`, body);
      expect((await move(c.id, { after_id: null })).statusCode).toBe(200);
      expect(await ids(children)).toEqual([c.id, a.id, b.id]);
      expect((await move(c.id, { before_id: b.id })).statusCode).toBe(200);
      expect(await ids(children)).toEqual([a.id, c.id, b.id]);
      expect((await move(a.id, { after_id: b.id })).statusCode).toBe(200);
      expect(await ids(children)).toEqual([c.id, b.id, a.id]);
      // The manual order the API lists is the positions' order.
      const stored = (await rows(a.id, b.id, c.id)).sort((x, y) => (x.position < y.position ? -1 : 1));
      expect(stored.map((row) => row.id)).toEqual([c.id, b.id, a.id]);

      const before = await rows(parent.id, a.id, b.id, c.id, cousin.id, elsewhere.id);
      expect422(await move(a.id, { after_id: parent.id }), 'after_id');
      expect422(await move(a.id, { before_id: cousin.id }), 'before_id');
      expect422(await move(cousin.id, { after_id: b.id }), 'after_id');
      expect422(await move(parent.id, { before_id: a.id }), 'before_id');
      expect422(await move(parent.id, { before_id: elsewhere.id }), 'before_id');
      expect(await rows(parent.id, a.id, b.id, c.id, cousin.id, elsewhere.id)).toEqual(before);

      // To the top of its siblings, not of the list.
      expect((await move(a.id, { after_id: null })).statusCode).toBe(200);
      expect(await ids(children)).toEqual([a.id, c.id, b.id]);
      expect((await rows(parent.id))[0].position).toBe(before[0].position);
    });

    it('a re-parented task goes to the end of its new siblings', async () => {
      const parent = await create({ title: 'parent' });
      const a = await create({ title: 'a', parent_id: parent.id });
      const b = await create({ title: 'b', parent_id: parent.id });
      const loose = await create({ title: 'loose' });
      const res = await patch(loose.id, { parent_id: parent.id });
      expect(res.statusCode).toBe(200);
      expect(await ids(`parent_id=${parent.id}&sort=position`)).toEqual([a.id, b.id, loose.id]);
      // And back to the top level, at its end.
      expect((await patch(a.id, { parent_id: null })).json<Task>()).toMatchObject({ parent_id: null });
      const top = await ids(`list_id=${inbox}&parent_id=none&sort=position`);
      expect(top[top.length - 1]).toBe(a.id);
    });
  });
});
