import type { List, ListList, Problem } from './support/api-types.js';
import { type Session, useTestApp, useUsers } from './support/test-app.js';

const ISO_MS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

describe('list routes', () => {
  const t = useTestApp();
  const [alice, bob] = useUsers(t, 2);

  const request = (
    session: Session,
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    url: string,
    body?: unknown,
    headers?: Record<string, string>,
  ) => t.request({ method, url, token: session.token, body, headers });
  const createList = async (session: Session, body: unknown) => {
    const res = await request(session, 'POST', '/api/lists', body);
    if (res.statusCode !== 201) throw new Error(`create list: ${res.statusCode} ${res.body}`);
    return res.json<List>();
  };
  const lists = async (session: Session) => (await request(session, 'GET', '/api/lists')).json<ListList>().items;
  /** The user's lists and memberships as stored, to check that a refused request changed nothing. */
  const stored = async (userId: string) => ({
    lists: (await t.sql.query('SELECT * FROM lists WHERE owner_id = $1 ORDER BY id', [userId])).rows,
    members: (await t.sql.query('SELECT * FROM list_members WHERE user_id = $1 ORDER BY list_id', [userId])).rows,
  });
  /** Tasks are written here with SQL: the task routes learn about lists separately. */
  const insertTasks = async (session: Session, listId: number, completed: boolean[]) => {
    for (const [i, done] of completed.entries()) {
      await t.sql.query(
        `INSERT INTO tasks (user_id, list_id, created_by, title, position, completed)
         VALUES ($1, $2, $1, $3, $4, $5)`,
        [session.user.id, listId, `task ${i}`, `a${i}`, done],
      );
    }
  };

  describe('the inbox', () => {
    it('exists for every new user: first, named Inbox, owned by them, and the only list they have', async () => {
      const user = await t.signUp();
      const res = await request(user, 'GET', '/api/lists');
      expect(res.statusCode).toBe(200);
      expect(res.headers.etag).toMatch(/^W\//);
      const [inbox, ...rest] = res.json<ListList>().items;
      expect(rest).toEqual([]);
      expect(inbox).toEqual({
        id: inbox.id,
        name: 'Inbox',
        color: '#3b82f6',
        owner_id: user.user.id,
        role: 'owner',
        is_inbox: true,
        position: inbox.position,
        member_count: 1,
        task_count: 0,
        pending_count: 0,
        created_at: inbox.created_at,
        updated_at: inbox.updated_at,
      });
    });

    it('cannot be deleted (422), but may be renamed', async () => {
      const user = await t.signUp();
      const [inbox] = await lists(user);
      const res = await request(user, 'DELETE', `/api/lists/${inbox.id}`);
      expect(res.statusCode).toBe(422);
      expect(res.json<Problem>().detail).toBe('Your inbox cannot be deleted');
      expect((await request(user, 'GET', `/api/lists/${inbox.id}`)).statusCode).toBe(200);
      const renamed = await request(user, 'PATCH', `/api/lists/${inbox.id}`, { name: 'Later' });
      expect(renamed.json()).toMatchObject({ name: 'Later', is_inbox: true });
    });

    it('stays first whatever the order of the other lists', async () => {
      const user = await t.signUp();
      const [inbox] = await lists(user);
      const a = await createList(user, { name: 'A' });
      await request(user, 'POST', `/api/lists/${a.id}/move`, { after_id: null });
      expect((await lists(user)).map((list) => list.id)).toEqual([inbox.id, a.id]);
    });
  });

  describe('create, read, update, delete', () => {
    it('creates with a trimmed name and the default colour, owned by the caller: 201 with Location and ETag, in both route families', async () => {
      const res = await request(alice, 'POST', '/api/lists', { name: '  Groceries  ' });
      expect(res.statusCode).toBe(201);
      const list = res.json<List>();
      expect(list).toEqual({
        id: list.id,
        name: 'Groceries',
        color: '#3b82f6',
        owner_id: alice.user.id,
        role: 'owner',
        is_inbox: false,
        position: list.position,
        member_count: 1,
        task_count: 0,
        pending_count: 0,
        created_at: list.created_at,
        updated_at: list.updated_at,
      });
      expect(list.created_at).toMatch(ISO_MS);
      expect(res.headers.location).toBe(`/api/lists/${list.id}`);
      expect(res.headers.etag).toBe(`"${list.id}-1"`);

      const scoped = await request(alice, 'POST', `/api/${alice.user.id}/lists`, { name: 'Scoped', color: '#AABBCC' });
      expect(scoped.statusCode).toBe(201);
      expect(scoped.json()).toMatchObject({ color: '#aabbcc' });
      expect(scoped.headers.location).toBe(`/api/${alice.user.id}/lists/${scoped.json<List>().id}`);

      const read = await request(alice, 'GET', `/api/${alice.user.id}/lists/${list.id}`);
      expect(read.statusCode).toBe(200);
      expect(read.headers.etag).toBe(res.headers.etag);
      expect(read.json()).toEqual(list);
    });

    it('puts a new list at the end of its creator’s order', async () => {
      const user = await t.signUp();
      const a = await createList(user, { name: 'A' });
      const b = await createList(user, { name: 'B' });
      const c = await createList(user, { name: 'C' });
      const all = await lists(user);
      expect(all.slice(1).map((list) => list.id)).toEqual([a.id, b.id, c.id]);
      const positions = all.map((list) => list.position);
      expect([...positions].sort()).toEqual(positions);
    });

    it.each([
      ['no body', undefined, 'name'],
      ['a blank name', { name: '   ' }, 'name'],
      ['a name over 100 characters', { name: 'n'.repeat(101) }, 'name'],
      ['a numeric name', { name: 7 }, 'name'],
      ['a null name', { name: null }, 'name'],
      ['a colour that is not #RRGGBB', { name: 'x', color: 'blue' }, 'color'],
      ['a short colour', { name: 'x', color: '#abc' }, 'color'],
      ['a null colour', { name: 'x', color: null }, 'color'],
      ['an owner of its own', { name: 'x', owner_id: 'someone' }, 'owner_id'],
      ['an inbox of its own', { name: 'x', is_inbox: true }, 'is_inbox'],
    ])('refuses %s with 422 on that field, storing nothing', async (_case, body, field) => {
      const before = await stored(alice.user.id);
      const res = await request(alice, 'POST', '/api/lists', body);
      expect(res.statusCode).toBe(422);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.json<Problem>().errors).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
      expect(await stored(alice.user.id)).toEqual(before);
    });

    it('accepts a name of exactly 100 characters', async () => {
      expect(await createList(alice, { name: 'n'.repeat(100) })).toMatchObject({ name: 'n'.repeat(100) });
    });

    it.each([
      ['a blank name', { name: ' ' }, 'name'],
      ['a null name', { name: null }, 'name'],
      ['a bad colour', { color: '#12345g' }, 'color'],
      ['an unknown field', { position: 'a0' }, 'position'],
    ])('refuses an update with %s: 422, and the list is unchanged', async (_case, body, field) => {
      const list = await createList(alice, { name: 'Unchanged' });
      const res = await request(alice, 'PATCH', `/api/lists/${list.id}`, body);
      expect(res.statusCode).toBe(422);
      expect(res.json<Problem>().errors).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
      expect((await request(alice, 'GET', `/api/lists/${list.id}`)).json()).toEqual(list);
    });

    it.each(['0', '-1', 'abc', '1e3', '2147483648'])('refuses the id %s in the path with 422', async (id) => {
      const res = await request(alice, 'GET', `/api/lists/${id}`);
      expect(res.statusCode).toBe(422);
      expect(res.json<Problem>().errors).toEqual([expect.objectContaining({ field: 'id' })]);
    });

    it('counts the list’s tasks, and those still pending', async () => {
      const list = await createList(alice, { name: 'Counted' });
      await insertTasks(alice, list.id, [false, true, false]);
      expect((await request(alice, 'GET', `/api/lists/${list.id}`)).json()).toMatchObject({
        task_count: 3,
        pending_count: 2,
      });
      expect((await lists(alice)).find((x) => x.id === list.id)).toMatchObject({ task_count: 3, pending_count: 2 });
    });

    it('updates with If-Match: a stale tag is 412 and changes nothing; the ETag moves with every write', async () => {
      const list = await createList(alice, { name: 'Work' });
      const first = await request(alice, 'GET', `/api/lists/${list.id}`);
      const renamed = await request(
        alice,
        'PATCH',
        `/api/lists/${list.id}`,
        { name: 'Office', color: '#00FF00' },
        { 'if-match': first.headers.etag as string },
      );
      expect(renamed.statusCode).toBe(200);
      expect(renamed.json()).toMatchObject({ name: 'Office', color: '#00ff00' });
      expect(renamed.headers.etag).toBe(`"${list.id}-2"`);
      expect(renamed.json<List>().updated_at >= list.updated_at).toBe(true);

      for (const method of ['PATCH', 'DELETE'] as const) {
        const stale = await request(
          alice,
          method,
          `/api/lists/${list.id}`,
          method === 'PATCH' ? { name: 'x' } : undefined,
          {
            'if-match': first.headers.etag as string,
          },
        );
        expect(stale.statusCode).toBe(412);
        expect(stale.json<Problem>().detail).toBe(
          'The list has changed since you read it (If-Match); fetch it again and retry',
        );
      }
      // No field at all still honours If-Match.
      const empty = await request(
        alice,
        'PATCH',
        `/api/lists/${list.id}`,
        {},
        { 'if-match': first.headers.etag as string },
      );
      expect(empty.statusCode).toBe(412);
      const current = await request(alice, 'GET', `/api/lists/${list.id}`);
      expect(current.json()).toMatchObject({ name: 'Office' });
      expect(current.headers.etag).toBe(renamed.headers.etag);

      const unchanged = await request(alice, 'PATCH', `/api/lists/${list.id}`, {}, { 'if-match': '*' });
      expect(unchanged.statusCode).toBe(200);
      expect(unchanged.headers.etag).toBe(renamed.headers.etag);

      const deleted = await request(alice, 'DELETE', `/api/lists/${list.id}`, undefined, {
        'if-match': renamed.headers.etag as string,
      });
      expect(deleted.statusCode).toBe(204);
    });

    it('deletes a list with all its tasks: 204, then 404 everywhere', async () => {
      const list = await createList(alice, { name: 'Doomed' });
      await insertTasks(alice, list.id, [false, true]);
      const res = await request(alice, 'DELETE', `/api/${alice.user.id}/lists/${list.id}`);
      expect(res.statusCode).toBe(204);
      expect(res.body).toBe('');
      expect((await t.sql.query('SELECT 1 FROM tasks WHERE list_id = $1', [list.id])).rows).toEqual([]);
      expect((await t.sql.query('SELECT 1 FROM list_members WHERE list_id = $1', [list.id])).rows).toEqual([]);
      for (const [method, url] of [
        ['GET', `/api/lists/${list.id}`],
        ['PATCH', `/api/lists/${list.id}`],
        ['DELETE', `/api/lists/${list.id}`],
      ] as const) {
        const gone = await request(alice, method, url, method === 'PATCH' ? { name: 'x' } : undefined);
        expect(gone.statusCode).toBe(404);
        expect(gone.json<Problem>().detail).toBe('List not found');
      }
      expect((await lists(alice)).map((x) => x.id)).not.toContain(list.id);
    });

    it("answers another user's list exactly as a list that does not exist: 404, and nothing changes", async () => {
      const list = await createList(alice, { name: 'Private' });
      const before = await stored(alice.user.id);
      for (const [method, url, body] of [
        ['GET', `/api/lists/${list.id}`, undefined],
        ['PATCH', `/api/lists/${list.id}`, { name: 'Mine now' }],
        ['DELETE', `/api/lists/${list.id}`, undefined],
        ['POST', `/api/lists/${list.id}/move`, { after_id: null }],
      ] as const) {
        const theirs = await request(bob, method, url, body);
        const none = await request(bob, method, url.replace(String(list.id), '2147483647'), body);
        expect([theirs.statusCode, theirs.json<Problem>().detail]).toEqual([404, 'List not found']);
        expect({ ...theirs.json<Problem>(), instance: undefined }).toEqual({
          ...none.json<Problem>(),
          instance: undefined,
        });
      }
      expect((await lists(bob)).map((x) => x.id)).not.toContain(list.id);
      expect(await stored(alice.user.id)).toEqual(before);
    });

    it("refuses another user's id in the path with 403", async () => {
      const res = await request(alice, 'GET', `/api/${bob.user.id}/lists`);
      expect(res.statusCode).toBe(403);
      const create = await request(alice, 'POST', `/api/${bob.user.id}/lists`, { name: 'x' });
      expect(create.statusCode).toBe(403);
    });
  });

  describe('the limit', () => {
    it('is 200 lists owned, the inbox included: one more is 422 and stores nothing', async () => {
      const user = await t.signUp();
      // 198 made directly, with the inbox 199: one more through the API reaches the limit.
      await t.sql.query(
        `WITH made AS (INSERT INTO lists (owner_id, name) SELECT $1, 'List ' || g FROM generate_series(1, 198) g RETURNING id)
         INSERT INTO list_members (list_id, user_id, role, position) SELECT id, $1, 'owner', 'a0' FROM made`,
        [user.user.id],
      );
      await createList(user, { name: 'The last one' });
      const before = await stored(user.user.id);
      const res = await request(user, 'POST', '/api/lists', { name: 'One too many' });
      expect(res.statusCode).toBe(422);
      expect(res.json<Problem>().detail).toMatch(/200 lists/);
      expect(await stored(user.user.id)).toEqual(before);
    });

    it('never lets concurrent creations pass the limit', async () => {
      const user = await t.signUp();
      await t.sql.query(
        `WITH made AS (INSERT INTO lists (owner_id, name) SELECT $1, 'List ' || g FROM generate_series(1, 195) g RETURNING id)
         INSERT INTO list_members (list_id, user_id, role, position) SELECT id, $1, 'owner', 'a0' FROM made`,
        [user.user.id],
      );
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) => request(user, 'POST', '/api/lists', { name: `Racing ${i}` })),
      );
      expect(results.filter((res) => res.statusCode === 201)).toHaveLength(4);
      expect(results.filter((res) => res.statusCode === 422)).toHaveLength(6);
      const { rows } = await t.sql.query<{ n: number }>('SELECT count(*)::int AS n FROM lists WHERE owner_id = $1', [
        user.user.id,
      ]);
      expect(rows[0].n).toBe(200);
    });
  });

  describe('move', () => {
    let user: Session;
    let inbox: List;
    let a: List, b: List, c: List;
    const order = async () => (await lists(user)).map((list) => list.id);

    beforeAll(async () => {
      user = await t.signUp();
      [inbox] = await lists(user);
      a = await createList(user, { name: 'A' });
      b = await createList(user, { name: 'B' });
      c = await createList(user, { name: 'C' });
    });

    it('moves a list after another, before another, or first; 200 with the list and its new position', async () => {
      const moved = await request(user, 'POST', `/api/lists/${a.id}/move`, { after_id: c.id });
      expect(moved.statusCode).toBe(200);
      expect(moved.headers.etag).toBe(`"${a.id}-1"`);
      expect(moved.json<List>().position > c.position).toBe(true);
      expect(await order()).toEqual([inbox.id, b.id, c.id, a.id]);

      expect((await request(user, 'POST', `/api/lists/${a.id}/move`, { before_id: c.id })).statusCode).toBe(200);
      expect(await order()).toEqual([inbox.id, b.id, a.id, c.id]);

      expect(
        (await request(user, 'POST', `/api/${user.user.id}/lists/${c.id}/move`, { after_id: null })).statusCode,
      ).toBe(200);
      expect(await order()).toEqual([inbox.id, c.id, b.id, a.id]);

      const positions = (await lists(user)).slice(1).map((list) => list.position);
      expect([...positions].sort()).toEqual(positions);
    });

    it('keeps working when moves keep splitting the same gap', async () => {
      for (let i = 0; i < 40; i++) {
        const [from, to] = i % 2 ? [a, b] : [b, a];
        const res = await request(user, 'POST', `/api/lists/${from.id}/move`, { before_id: to.id });
        expect(res.statusCode).toBe(200);
      }
      const { rows } = await t.sql.query<{ n: number }>(
        'SELECT max(length(position))::int AS n FROM list_members WHERE user_id = $1',
        [user.user.id],
      );
      expect(rows[0].n).toBeLessThanOrEqual(32);
    });

    it('rewrites the caller’s keys evenly when a move would leave one too long, keeping the order', async () => {
      // Two neighbours whose keys leave no short key between them.
      const long = 'a0' + 'V'.repeat(40);
      await t.sql.query('UPDATE list_members SET position = $3 WHERE list_id = $1 AND user_id = $2', [
        b.id,
        user.user.id,
        long,
      ]);
      await t.sql.query('UPDATE list_members SET position = $3 WHERE list_id = $1 AND user_id = $2', [
        c.id,
        user.user.id,
        long + 'V',
      ]);
      await t.sql.query('UPDATE list_members SET position = $3 WHERE list_id = $1 AND user_id = $2', [
        a.id,
        user.user.id,
        'a1',
      ]);
      const res = await request(user, 'POST', `/api/lists/${a.id}/move`, { after_id: b.id });
      expect(res.statusCode).toBe(200);
      expect(await order()).toEqual([inbox.id, b.id, a.id, c.id]);
      const { rows } = await t.sql.query<{ n: number }>(
        'SELECT max(length(position))::int AS n FROM list_members WHERE user_id = $1',
        [user.user.id],
      );
      expect(rows[0].n).toBeLessThanOrEqual(4);
    });

    it.each([
      ['neither anchor', {}, 'after_id'],
      ['both anchors', { after_id: 1, before_id: 2 }, 'before_id'],
      ['a string anchor', { after_id: '1' }, 'after_id'],
      ['a null before_id', { before_id: null }, 'before_id'],
      ['a zero anchor', { before_id: 0 }, 'before_id'],
    ])('refuses %s with 422', async (_case, body, field) => {
      const res = await request(user, 'POST', `/api/lists/${a.id}/move`, body);
      expect(res.statusCode).toBe(422);
      expect(res.json<Problem>().errors).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
    });

    it('refuses as an anchor the moved list itself, a list that does not exist, or one the caller is not in: 422 on that field, nothing moves', async () => {
      const foreign = await createList(alice, { name: 'Not yours' });
      const before = await stored(user.user.id);
      for (const [body, field] of [
        [{ after_id: a.id }, 'after_id'],
        [{ before_id: 2147483647 }, 'before_id'],
        [{ after_id: foreign.id }, 'after_id'],
        [{ before_id: foreign.id }, 'before_id'],
      ] as const) {
        const res = await request(user, 'POST', `/api/lists/${a.id}/move`, body);
        expect(res.statusCode).toBe(422);
        expect(res.json<Problem>().errors).toEqual([expect.objectContaining({ field })]);
      }
      expect(await stored(user.user.id)).toEqual(before);
    });
  });
});
