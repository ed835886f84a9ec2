import { generateNKeysBetween } from 'fractional-indexing';
import { DataSource } from 'typeorm';
import { MAX_POSITION_LENGTH } from '../src/tasks/task-order.service.js';
import type { Problem, Task, TaskPage } from './support/api-types.js';
import { type Session, useTestApp, useUsers } from './support/test-app.js';

describe('manual order: position, sort=position and move', () => {
  const t = useTestApp();
  const [alice, bob] = useUsers(t, 2);

  const create = async (session: Session, title: string): Promise<Task> => {
    const res = await t.request({ method: 'POST', url: '/api/tasks', token: session.token, body: { title } });
    expect(res.statusCode).toBe(201);
    return res.json<Task>();
  };
  const anyString: unknown = expect.any(String);
  const move = (session: Session, id: number | string, body: unknown, headers?: Record<string, string>) =>
    t.request({ method: 'POST', url: `/api/tasks/${id}/move`, token: session.token, body, headers });
  /** The user's task ids in manual order, as the API lists them. */
  const order = async (session: Session): Promise<number[]> => {
    const res = await t.request({ method: 'GET', url: '/api/tasks?sort=position&limit=100', token: session.token });
    expect(res.statusCode).toBe(200);
    return res.json<TaskPage>().items.map((task) => task.id);
  };
  /** Every row of the user, straight from the database: position and version. */
  const rows = async (session: Session) =>
    (
      await t.sql.query<{ id: number; position: string; version: number }>(
        'SELECT id, position, version FROM tasks WHERE user_id = $1 ORDER BY id',
        [session.user.id],
      )
    ).rows;
  /** The order JavaScript's plain string comparison gives, then id: what the contract promises. */
  const jsOrder = async (session: Session) =>
    (await rows(session))
      .sort((a, b) => (a.position < b.position ? -1 : a.position > b.position ? 1 : a.id - b.id))
      .map((row) => row.id);
  const fresh = async (session: Session, n: number) => {
    await t.sql.query('DELETE FROM tasks WHERE user_id = $1', [session.user.id]);
    const tasks: Task[] = [];
    for (let i = 0; i < n; i++) tasks.push(await create(session, `task ${i}`));
    return tasks.map((task) => task.id);
  };

  describe('position', () => {
    it('puts a new task at the end, and sort=position lists the manual order', async () => {
      const ids = await fresh(alice, 4);
      expect(await order(alice)).toEqual(ids);
      expect(await jsOrder(alice)).toEqual(ids);
    });

    it('is returned on every task, as an opaque string', async () => {
      const [id] = await fresh(alice, 1);
      const created = await create(alice, 'another');
      expect(created).toMatchObject({ position: anyString });
      const res = await t.request({ method: 'GET', url: `/api/tasks/${id}`, token: alice.token });
      expect(res.json<Task>()).toMatchObject({ position: anyString });
      const updated = await t.request({ method: 'PATCH', url: `/api/tasks/${id}`, token: alice.token, body: {} });
      expect(updated.json<Task>()).toMatchObject({ position: anyString });
      const list = await t.request({ method: 'GET', url: '/api/tasks', token: alice.token });
      expect(list.json<TaskPage>().items).toEqual([
        expect.objectContaining({ position: anyString }),
        expect.objectContaining({ position: anyString }),
      ]);
    });

    it('refuses sort=-position: the manual order is ascending only', async () => {
      const res = await t.request({ method: 'GET', url: '/api/tasks?sort=-position', token: alice.token });
      expect(res.statusCode).toBe(422);
      expect(res.json<Problem>().errors).toEqual([expect.objectContaining({ field: 'sort' })]);
    });

    it.each([
      ['create', 'POST', () => '/api/tasks', { title: 'x', position: 'a0' }],
      ['PATCH', 'PATCH', (id: number) => `/api/tasks/${id}`, { position: 'a0' }],
      ['PUT', 'PUT', (id: number) => `/api/tasks/${id}`, { title: 'y', position: 'a0' }],
    ] as const)('is read-only: %s with a position is 422 and changes nothing', async (_, method, url, body) => {
      const [id] = await fresh(alice, 1);
      const before = await rows(alice);
      const res = await t.request({ method, url: url(id), token: alice.token, body });
      expect(res.statusCode).toBe(422);
      expect(res.json<Problem>().errors).toEqual([expect.objectContaining({ field: 'position' })]);
      expect(await rows(alice)).toEqual(before);
    });
  });

  describe('move', () => {
    it('moves after a task, before a task and to the top; the others keep their position and ETag', async () => {
      const [a, b, c, d] = await fresh(alice, 4);
      const before = await rows(alice);

      const res = await move(alice, a, { after_id: c });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ id: a, position: anyString });
      expect(res.headers.etag).toBe(`"${a}-2"`);
      expect(await order(alice)).toEqual([b, c, a, d]);
      const after = await rows(alice);
      expect(after.filter((row) => row.id !== a)).toEqual(before.filter((row) => row.id !== a));

      expect((await move(alice, d, { before_id: b })).statusCode).toBe(200);
      expect(await order(alice)).toEqual([d, b, c, a]);
      expect((await move(alice, a, { after_id: null })).statusCode).toBe(200);
      expect(await order(alice)).toEqual([a, d, b, c]);
      expect((await move(alice, a, { after_id: c })).statusCode).toBe(200);
      expect(await order(alice)).toEqual([d, b, c, a]);
      expect(await jsOrder(alice)).toEqual(await order(alice));
    });

    it('works on the /api/{user_id}/tasks family too, and is 403 there for another user', async () => {
      const [a, b] = await fresh(alice, 2);
      const own = await t.request({
        method: 'POST',
        url: `/api/${alice.user.id}/tasks/${b}/move`,
        token: alice.token,
        body: { after_id: null },
      });
      expect(own.statusCode).toBe(200);
      expect(await order(alice)).toEqual([b, a]);
      const other = await t.request({
        method: 'POST',
        url: `/api/${alice.user.id}/tasks/${a}/move`,
        token: bob.token,
        body: { after_id: null },
      });
      expect(other.statusCode).toBe(403);
      expect(await order(alice)).toEqual([b, a]);
    });

    it.each([
      ['neither field', {}, 'after_id'],
      ['both fields', { after_id: null, before_id: 1 }, 'before_id'],
      ['a string id', { after_id: '1' }, 'after_id'],
      ['a fractional id', { before_id: 1.5 }, 'before_id'],
      ['a zero id', { after_id: 0 }, 'after_id'],
      ['an id past integer', { before_id: 2_147_483_648 }, 'before_id'],
      ['a null before_id', { before_id: null }, 'before_id'],
      ['an unknown field', { after_id: null, position: 'a0' }, 'position'],
    ])('is 422 with %s, and nothing moves', async (_, body, field) => {
      const [a] = await fresh(alice, 2);
      const before = await rows(alice);
      const res = await move(alice, a, body);
      expect(res.statusCode).toBe(422);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(new Set(res.json<Problem>().errors?.map((error) => error.field))).toEqual(new Set([field]));
      expect(await rows(alice)).toEqual(before);
    });

    it('is 422 on the anchor field for the task itself, a missing task and another user’s task', async () => {
      const [a, b] = await fresh(alice, 2);
      const [bobs] = await fresh(bob, 1);
      const before = await rows(alice);
      const bobBefore = await rows(bob);
      for (const [body, field] of [
        [{ after_id: a }, 'after_id'],
        [{ before_id: a }, 'before_id'],
        [{ after_id: 2_000_000_000 }, 'after_id'],
        [{ after_id: bobs }, 'after_id'],
        [{ before_id: bobs }, 'before_id'],
      ] as const) {
        const res = await move(alice, a, body);
        expect(res.statusCode).toBe(422);
        expect(res.json<Problem>().errors).toEqual([{ field, message: anyString }]);
      }
      expect(await rows(alice)).toEqual(before);
      expect(await rows(bob)).toEqual(bobBefore);
      expect(b).toBeGreaterThan(a);
    });

    it('is 404 for another user’s task or a missing one, and 422 for an id that is not a positive integer', async () => {
      const [a] = await fresh(alice, 2);
      const [bobs, bobs2] = await fresh(bob, 2);
      const bobBefore = await rows(bob);
      expect((await move(alice, bobs, { before_id: bobs2 })).statusCode).toBe(404);
      expect((await move(alice, bobs, { after_id: null })).statusCode).toBe(404);
      expect((await move(alice, 2_000_000_000, { after_id: a })).statusCode).toBe(404);
      expect((await move(alice, 'abc', { after_id: a })).statusCode).toBe(422);
      expect((await move(alice, '-1', { after_id: a })).statusCode).toBe(422);
      expect(await rows(bob)).toEqual(bobBefore);
    });

    it('honours If-Match: a stale tag is 412 and nothing moves', async () => {
      const [a, b] = await fresh(alice, 2);
      const before = await rows(alice);
      const stale = await move(alice, b, { after_id: null }, { 'if-match': `"${b}-7"` });
      expect(stale.statusCode).toBe(412);
      expect(await rows(alice)).toEqual(before);
      const current = await move(alice, b, { after_id: null }, { 'if-match': `"${b}-1"` });
      expect(current.statusCode).toBe(200);
      expect(await order(alice)).toEqual([b, a]);
    });

    it('never gives two tasks the same position under 20 concurrent moves, with creates in between', async () => {
      const ids = await fresh(alice, 21);
      const [anchor, ...moved] = ids;
      const results = await Promise.all([
        ...moved.map((id) => move(alice, id, { after_id: anchor })),
        ...Array.from({ length: 5 }, (_, i) =>
          t.request({ method: 'POST', url: '/api/tasks', token: alice.token, body: { title: `late ${i}` } }),
        ),
      ]);
      expect(results.map((res) => res.statusCode).sort()).toEqual([
        ...Array<number>(20).fill(200),
        ...Array<number>(5).fill(201),
      ]);
      const all = await rows(alice);
      expect(new Set(all.map((row) => row.position)).size).toBe(all.length);
      const listed = await order(alice);
      expect(listed).toEqual(await jsOrder(alice));
      // Every moved task sits right after the anchor, in some order; the late ones at the end.
      expect(listed[0]).toBe(anchor);
      expect(new Set(listed.slice(1, 21))).toEqual(new Set(moved));
      expect(all.filter((row) => moved.includes(row.id)).every((row) => row.version === 2)).toBe(true);
    });

    it(`keeps keys at most ${MAX_POSITION_LENGTH} characters however often tasks go into the same gap`, async () => {
      const [a, x, y, b] = await fresh(alice, 4);
      const model = [a, x, y, b];
      const others = async () => (await rows(alice)).filter((row) => row.id !== x && row.id !== y);
      const before = await others();
      let longest = 0;
      // Each move halves the gap after `a`: unchecked, keys would grow to ~40 characters.
      for (let i = 0; i < 240; i++) {
        const mover = i % 2 ? y : x;
        const res = await move(alice, mover, { after_id: a });
        expect(res.statusCode).toBe(200);
        model.splice(model.indexOf(mover), 1);
        model.splice(1, 0, mover);
        longest = Math.max(longest, ...(await rows(alice)).map((row) => row.position.length));
      }
      expect(longest).toBeLessThanOrEqual(MAX_POSITION_LENGTH);
      expect(await order(alice)).toEqual(model);
      expect(await jsOrder(alice)).toEqual(model);
      // A rebalance gave every task a new, short key, and a new version (its ETag changed with its body).
      const after = await others();
      expect(after.every((row) => row.position.length <= 3)).toBe(true);
      expect(after.map((row) => row.version)).not.toEqual(before.map((row) => row.version));
    });
  });

  describe('sort=position', () => {
    it("orders by the caller's order of their lists, then position, however many tasks", async () => {
      const heavy = await t.signUp();
      // 5,000 tasks in one statement, keyed as creates would key them.
      await t.sql.query(
        `INSERT INTO tasks (user_id, title, position) SELECT $1, 'task ' || n, ($2::text[])[n] FROM generate_series(1, 5000) AS n`,
        [heavy.user.id, generateNKeysBetween(null, null, 5000)],
      );
      // A second list, ordered before the inbox by the caller: its tasks come first.
      const [{ id: listId }] = (
        await t.sql.query<{ id: number }>(`INSERT INTO lists (owner_id, name) VALUES ($1, 'First') RETURNING id`, [
          heavy.user.id,
        ])
      ).rows;
      await t.sql.query(`INSERT INTO list_members (list_id, user_id, role, position) VALUES ($1, $2, 'owner', 'Zz')`, [
        listId,
        heavy.user.id,
      ]);
      await t.sql.query(`INSERT INTO tasks (user_id, list_id, title, position) VALUES ($1, $2, 'first list', 'a0')`, [
        heavy.user.id,
        listId,
      ]);
      const res = await t.request({ method: 'GET', url: '/api/tasks?sort=position&limit=50', token: heavy.token });
      expect(res.statusCode).toBe(200);
      expect(res.json<TaskPage>().items.map((task) => task.title)).toEqual([
        'first list',
        ...Array.from({ length: 49 }, (_, i) => `task ${i + 1}`),
      ]);
    });
  });

  describe('migration', () => {
    it('gives existing tasks positions in the order they were created, per user', async () => {
      const dataSource = t.app.get(DataSource);
      const ids = await fresh(alice, 3);
      const bobIds = await fresh(bob, 2);
      // Scramble the creation times so the backfill's order is visible, then re-run the migration.
      await t.sql.query(`UPDATE tasks SET created_at = now() - id * interval '1 minute' WHERE id = ANY($1)`, [
        [...ids, ...bobIds],
      ]);
      const undone: string[] = [];
      while (!undone.includes('TaskPosition1764300000000')) {
        const [last] = await dataSource.query<{ name: string }[]>(
          'SELECT name FROM migrations ORDER BY id DESC LIMIT 1',
        );
        await dataSource.undoLastMigration({ transaction: 'each' });
        undone.push(last.name);
      }
      await dataSource.runMigrations({ transaction: 'each' });
      expect(await order(alice)).toEqual([...ids].reverse());
      expect(await order(bob)).toEqual([...bobIds].reverse());
    });
  });
});
