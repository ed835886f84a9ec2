import { expect } from '@jest/globals';
import type { Problem, Task, TaskPage } from './support/api-types.js';
import { type Session, useTestApp, useUsers } from './support/test-app.js';

const ISO_MS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

describe('task routes', () => {
  const t = useTestApp();
  const [alice, bob] = useUsers(t, 2);

  const create = (session: Session, body: unknown) =>
    t.request({ method: 'POST', url: '/api/tasks', token: session.token, body });
  const snapshot = async (id: number) =>
    (await t.sql.query<Record<string, unknown>>('SELECT * FROM tasks WHERE id = $1', [id])).rows[0];

  describe('create', () => {
    it('creates a task with defaults, 201 and a Location under the same route family', async () => {
      const res = await create(alice, { title: '  Buy milk  ' });
      expect(res.statusCode).toBe(201);
      const task = res.json<Task>();
      expect(task).toEqual({
        id: expect.any(Number),
        user_id: alice.user.id,
        title: 'Buy milk',
        description: null,
        completed: false,
        priority: 'medium',
        due_date: null,
        position: expect.any(String) as unknown,
        remind_at: null,
        reminded_at: null,
        recurrence: null,
        created_at: expect.stringMatching(ISO_MS),
        updated_at: expect.stringMatching(ISO_MS),
        category_ids: [],
        list_id: expect.any(Number),
        created_by: alice.user.id,
        assignee_id: null,
        parent_id: null,
        subtask_count: 0,
        pending_subtask_count: 0,
      });
      expect(res.headers.location).toBe(`/api/tasks/${task.id}`);
      expect(res.headers.etag).toMatch(/^".+"$/);

      const scoped = await t.request({
        method: 'POST',
        url: `/api/${alice.user.id}/tasks`,
        token: alice.token,
        body: { title: 'Scoped' },
      });
      expect(scoped.statusCode).toBe(201);
      expect(scoped.headers.location).toBe(`/api/${alice.user.id}/tasks/${scoped.json<Task>().id}`);
    });

    it('stores every field it is given', async () => {
      const res = await create(alice, {
        title: 'Report',
        description: 'Quarterly',
        priority: 'high',
        due_date: '2026-12-01T17:00:00+01:00',
        completed: true,
      });
      expect(res.statusCode).toBe(201);
      expect(res.json()).toMatchObject({
        title: 'Report',
        description: 'Quarterly',
        priority: 'high',
        due_date: '2026-12-01T16:00:00.000Z',
        completed: true,
      });
    });

    it('takes a plain date as midnight UTC', async () => {
      const res = await create(alice, { title: 'Dated', due_date: '2026-12-24' });
      expect(res.json<Task>().due_date).toBe('2026-12-24T00:00:00.000Z');
    });

    it.each([
      ['no body', undefined, 'title'],
      ['a blank title', { title: '   ' }, 'title'],
      ['a title over 255 characters', { title: 't'.repeat(256) }, 'title'],
      ['a numeric title', { title: 42 }, 'title'],
      ['a null title', { title: null }, 'title'],
      ['a description over 2000 characters', { title: 'x', description: 'd'.repeat(2001) }, 'description'],
      ['an unknown priority', { title: 'x', priority: 'urgent' }, 'priority'],
      ['a string for completed', { title: 'x', completed: 'true' }, 'completed'],
      ['a due date that is not ISO 8601', { title: 'x', due_date: 'next tuesday' }, 'due_date'],
      ['a due date without a time zone', { title: 'x', due_date: '2026-12-01T10:00:00' }, 'due_date'],
      ['an impossible date', { title: 'x', due_date: '2026-02-30' }, 'due_date'],
      ['a user_id', { title: 'x', user_id: 'someone-else' }, 'user_id'],
      ['an id', { title: 'x', id: 1 }, 'id'],
      ['a created_at', { title: 'x', created_at: '2020-01-01T00:00:00Z' }, 'created_at'],
    ])('rejects %s with 422', async (_, body, field) => {
      const before = (await t.sql.query<{ n: number }>('SELECT count(*)::int AS n FROM tasks')).rows[0].n;
      const res = await t.request({
        method: 'POST',
        url: '/api/tasks',
        token: alice.token,
        body,
        headers: { 'content-type': 'application/json' },
      });
      expect(res.statusCode).toBe(422);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.json<Problem>().errors).toEqual(expect.arrayContaining([{ field, message: expect.any(String) }]));
      expect((await t.sql.query<{ n: number }>('SELECT count(*)::int AS n FROM tasks')).rows[0].n).toBe(before);
    });

    it('rejects a body that is not an object with 422', async () => {
      for (const body of ['[]', '"text"', '42', 'null']) {
        const res = await t.request({
          method: 'POST',
          url: '/api/tasks',
          token: alice.token,
          body,
          headers: { 'content-type': 'application/json' },
        });
        expect(res.statusCode).toBe(422);
      }
    });
  });

  describe('malformed requests', () => {
    it('answers bad JSON with 400 problem+json', async () => {
      const res = await t.request({
        method: 'POST',
        url: '/api/tasks',
        token: alice.token,
        body: '{"title": ',
        headers: { 'content-type': 'application/json' },
      });
      expect(res.statusCode).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.json()).toMatchObject({
        status: 400,
        title: 'Bad Request',
        detail: 'The request body is not valid JSON',
      });
      expect(res.body).not.toMatch(/Unexpected|position/);
    });

    it('answers a body over 64 KiB with 413', async () => {
      const res = await t.request({
        method: 'POST',
        url: '/api/tasks',
        token: alice.token,
        body: JSON.stringify({ title: 'x', description: 'd'.repeat(70_000) }),
        headers: { 'content-type': 'application/json' },
      });
      expect(res.statusCode).toBe(413);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    });

    it('answers other content types with 415, form bodies included', async () => {
      for (const [type, body] of [
        ['text/plain', 'title=x'],
        ['application/x-www-form-urlencoded', 'title=x'],
        ['application/xml', '<title>x</title>'],
      ]) {
        const res = await t.request({
          method: 'POST',
          url: '/api/tasks',
          token: alice.token,
          body,
          headers: { 'content-type': type },
        });
        expect(res.statusCode).toBe(415);
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      }
    });

    it('treats an empty JSON body as no body on DELETE and PATCH .../complete', async () => {
      const task = (await create(alice, { title: 'Empty bodies' })).json<Task>();
      const headers = { 'content-type': 'application/json' };
      const toggled = await t.request({
        method: 'PATCH',
        url: `/api/tasks/${task.id}/complete`,
        token: alice.token,
        headers,
      });
      expect(toggled.statusCode).toBe(200);
      expect(toggled.json<Task>().completed).toBe(true);
      const deleted = await t.request({ method: 'DELETE', url: `/api/tasks/${task.id}`, token: alice.token, headers });
      expect(deleted.statusCode).toBe(204);
    });

    it('never leaks a stack trace or SQL', async () => {
      const res = await t.request({
        method: 'POST',
        url: '/api/tasks',
        token: alice.token,
        body: '{"title": "\\u0000"}',
        headers: { 'content-type': 'application/json' },
      });
      expect(res.statusCode).toBeGreaterThanOrEqual(400);
      expect(res.statusCode).toBeLessThan(500);
      expect(res.body).not.toMatch(/at \w+ \(|INSERT|SELECT|QueryFailedError/);
    });
  });

  describe('read, update, complete, delete', () => {
    let task: Task;
    beforeEach(async () => {
      task = (await create(alice, { title: 'Original', description: 'keep me', priority: 'low' })).json<Task>();
    });

    it('GET returns the task with an ETag, on both route families', async () => {
      for (const url of [`/api/tasks/${task.id}`, `/api/${alice.user.id}/tasks/${task.id}`]) {
        const res = await t.request({ method: 'GET', url, token: alice.token });
        expect(res.statusCode).toBe(200);
        expect(res.json()).toMatchObject({ id: task.id, title: 'Original' });
        expect(res.headers.etag).toBeDefined();
      }
    });

    it.each(['PUT', 'PATCH'] as const)(
      '%s merges the given fields, moves updated_at and changes the ETag',
      async (method) => {
        // Back-dated, so that a write that leaves updated_at alone shows: a write in the same
        // millisecond as the create would not.
        await t.sql.query(`UPDATE tasks SET updated_at = '2000-01-01T00:00:00Z' WHERE id = $1`, [task.id]);
        task.updated_at = '2000-01-01T00:00:00.000Z';
        const etagBefore = (await t.request({ method: 'GET', url: `/api/tasks/${task.id}`, token: alice.token }))
          .headers.etag;
        const res = await t.request({
          method,
          url: `/api/tasks/${task.id}`,
          token: alice.token,
          body: { title: ' Renamed ', completed: true },
        });
        expect(res.statusCode).toBe(200);
        const updated = res.json<Task>();
        expect(updated).toMatchObject({
          id: task.id,
          title: 'Renamed',
          completed: true,
          description: 'keep me',
          priority: 'low',
        });
        expect(Date.parse(updated.updated_at)).toBeGreaterThan(Date.parse(task.updated_at));
        expect(res.headers.etag).toBeDefined();
        expect(res.headers.etag).not.toBe(etagBefore);
      },
    );

    it('clears nullable fields with null', async () => {
      // The task has a description; give it a due date too, so that clearing both shows.
      const dated = await t.request({
        method: 'PATCH',
        url: `/api/tasks/${task.id}`,
        token: alice.token,
        body: { due_date: '2026-12-01T09:00:00Z' },
      });
      expect(dated.json<Task>()).toMatchObject({ description: 'keep me', due_date: '2026-12-01T09:00:00.000Z' });
      const res = await t.request({
        method: 'PATCH',
        url: `/api/tasks/${task.id}`,
        token: alice.token,
        body: { description: null, due_date: null },
      });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ description: null, due_date: null });
      expect(await snapshot(task.id)).toMatchObject({ description: null, due_date: null });
    });

    it.each([
      [{ title: null }, 'title'],
      [{ completed: null }, 'completed'],
      [{ priority: null }, 'priority'],
      [{ user_id: 'someone-else' }, 'user_id'],
      [{ id: 999 }, 'id'],
      [{ updated_at: '2020-01-01T00:00:00Z' }, 'updated_at'],
      [{ title: '' }, 'title'],
    ])('rejects %j with 422 and changes nothing', async (body, field) => {
      const before = await snapshot(task.id);
      for (const method of ['PUT', 'PATCH'] as const) {
        const res = await t.request({ method, url: `/api/tasks/${task.id}`, token: alice.token, body });
        expect(res.statusCode).toBe(422);
        expect(res.json<Problem>().errors).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
      }
      expect(await snapshot(task.id)).toEqual(before);
    });

    it('PATCH .../complete toggles without a body and sets with one', async () => {
      const url = `/api/tasks/${task.id}/complete`;
      expect((await t.request({ method: 'PATCH', url, token: alice.token })).json<Task>().completed).toBe(true);
      expect((await t.request({ method: 'PATCH', url, token: alice.token })).json<Task>().completed).toBe(false);
      expect(
        (await t.request({ method: 'PATCH', url, token: alice.token, body: { completed: false } })).json<Task>()
          .completed,
      ).toBe(false);
      expect(
        (await t.request({ method: 'PATCH', url, token: alice.token, body: { completed: true } })).json<Task>()
          .completed,
      ).toBe(true);
      expect(
        (await t.request({ method: 'PATCH', url, token: alice.token, body: { completed: 'yes' } })).statusCode,
      ).toBe(422);
      expect(
        (await t.request({ method: 'PATCH', url, token: alice.token, body: { title: 'sneaky' } })).statusCode,
      ).toBe(422);
      expect((await snapshot(task.id)).title).toBe('Original');
    });

    it('DELETE answers 204, then the task is gone', async () => {
      const res = await t.request({
        method: 'DELETE',
        url: `/api/${alice.user.id}/tasks/${task.id}`,
        token: alice.token,
      });
      expect(res.statusCode).toBe(204);
      expect(res.body).toBe('');
      expect((await t.request({ method: 'GET', url: `/api/tasks/${task.id}`, token: alice.token })).statusCode).toBe(
        404,
      );
      expect((await t.request({ method: 'DELETE', url: `/api/tasks/${task.id}`, token: alice.token })).statusCode).toBe(
        404,
      );
    });

    it('answers a missing task with a problem+json 404 "Task not found"', async () => {
      const res = await t.request({ method: 'GET', url: '/api/tasks/2147483647', token: alice.token });
      expect(res.statusCode).toBe(404);
      expect(res.json()).toEqual({
        type: 'about:blank',
        title: 'Not Found',
        status: 404,
        detail: 'Task not found',
        instance: '/api/tasks/2147483647',
      });
    });

    it.each(['0', '-1', 'abc', '1.5', '1e3', '0x10', '+5', '007', '2147483648', '99999999999999999999', '%20'])(
      'answers the task id %s with 422',
      async (id) => {
        const res = await t.request({ method: 'GET', url: `/api/tasks/${id}`, token: alice.token });
        expect(res.statusCode).toBe(422);
        expect(res.json<Problem>().errors).toEqual([{ field: 'id', message: 'must be a positive integer' }]);
      },
    );
  });

  describe('isolation between users', () => {
    let secret: Task;
    beforeAll(async () => {
      secret = (await create(alice, { title: "Alice's secret", description: 'private' })).json<Task>();
    });

    const routes = (id: number) => [
      { method: 'GET' as const, url: `/api/tasks/${id}` },
      { method: 'PUT' as const, url: `/api/tasks/${id}`, body: { title: 'pwned' } },
      { method: 'PATCH' as const, url: `/api/tasks/${id}`, body: { title: 'pwned' } },
      { method: 'PATCH' as const, url: `/api/tasks/${id}/complete` },
      { method: 'DELETE' as const, url: `/api/tasks/${id}` },
    ];

    it("answers another user's task exactly like a missing one, on every method, and never changes it", async () => {
      const before = await snapshot(secret.id);
      for (const route of routes(secret.id)) {
        const theirs = await t.request({ ...route, token: bob.token });
        const missing = await t.request({
          ...route,
          url: route.url.replace(String(secret.id), '2147483000'),
          token: bob.token,
        });
        expect(theirs.statusCode).toBe(404);
        expect(missing.statusCode).toBe(404);
        expect(theirs.json<Problem>().detail).toBe(missing.json<Problem>().detail);
      }
      expect(await snapshot(secret.id)).toEqual(before);
    });

    it("never lists another user's tasks", async () => {
      const res = await t.request({ method: 'GET', url: '/api/tasks?limit=100', token: bob.token });
      expect(res.json<TaskPage>().items.map((task) => task.user_id)).not.toContain(alice.user.id);
    });

    it('answers 403 when the path names another user, on every method of that family', async () => {
      const before = await snapshot(secret.id);
      const family = [
        { method: 'GET' as const, url: `/api/${alice.user.id}/tasks` },
        { method: 'POST' as const, url: `/api/${alice.user.id}/tasks`, body: { title: 'planted' } },
        ...routes(secret.id).map((r) => ({ ...r, url: r.url.replace('/api/tasks', `/api/${alice.user.id}/tasks`) })),
      ];
      for (const route of family) {
        const res = await t.request({ ...route, token: bob.token });
        expect(res.statusCode).toBe(403);
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      }
      expect(await snapshot(secret.id)).toEqual(before);
      const planted = await t.sql.query(`SELECT 1 FROM tasks WHERE title = 'planted'`);
      expect(planted.rows).toHaveLength(0);
    });

    it('needs a token on every task route', async () => {
      for (const route of [
        { method: 'GET' as const, url: '/api/tasks' },
        { method: 'POST' as const, url: '/api/tasks', body: { title: 'x' } },
        ...routes(secret.id),
      ]) {
        const res = await t.request(route);
        expect(res.statusCode).toBe(401);
        expect(res.headers['www-authenticate']).toBe('Bearer');
      }
    });
  });
});
