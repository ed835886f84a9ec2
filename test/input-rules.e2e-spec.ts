import type { LightMyRequestResponse } from 'fastify';
import type { Problem, Task, TaskPage } from './support/api-types.js';
import { useTestApp, useUsers } from './support/test-app.js';

/**
 * The input rules the OpenAPI document states, held by the service: one message per field, `null`
 * only where a field is nullable, the full range of ISO 8601 years, and headers only on the
 * responses they belong to (issue 15).
 */
describe('Input rules', () => {
  const t = useTestApp();
  const [ada] = useUsers(t, 1);

  const json = (method: 'POST' | 'PUT' | 'PATCH', url: string, body: string, token = ada.token) =>
    t.request({ method, url, token, body, headers: { 'content-type': 'application/json' } });
  const errorsOf = (response: LightMyRequestResponse) => {
    expect(response.statusCode).toBe(422);
    return response.json<Problem>().errors;
  };

  describe('sign-up', () => {
    it('sends Location on the 201 only, never on its errors', async () => {
      const email = `location-${Date.now()}@example.com`;
      const body = { email, password: 'correct horse battery' };
      const created = await t.request({ method: 'POST', url: '/api/auth/sign-up/email', body });
      expect(created.statusCode).toBe(201);
      expect(created.headers.location).toBe('/api/auth/me');

      const taken = await t.request({ method: 'POST', url: '/api/auth/sign-up/email', body });
      expect(taken.statusCode).toBe(409);
      expect(taken.headers.location).toBeUndefined();
      const invalid = await t.request({ method: 'POST', url: '/api/auth/sign-up/email', body: { email } });
      expect(invalid.statusCode).toBe(422);
      expect(invalid.headers.location).toBeUndefined();
    });
  });

  describe('validation messages: one per field, the one that helps', () => {
    it('reports a missing field as required, not by its length rule', async () => {
      const response = await t.request({ method: 'POST', url: '/api/auth/sign-up/email', body: {} });
      expect(errorsOf(response)).toEqual([
        { field: 'email', message: 'is required' },
        { field: 'password', message: 'is required' },
      ]);
    });

    it.each([
      ['limit=2.5', 'limit', 'must be an integer number'],
      ['limit=0', 'limit', 'must not be less than 1'],
      ['limit=101', 'limit', 'must not be greater than 100'],
      ['offset=-1', 'offset', 'must be an integer number'],
    ])('gives ?%s only its first broken rule', async (query, field, message) => {
      const response = await t.request({ method: 'GET', url: `/api/tasks?${query}`, token: ada.token });
      expect(errorsOf(response)).toEqual([{ field, message }]);
    });

    it('gives a wrongly typed body field its type error alone', async () => {
      expect(errorsOf(await json('POST', '/api/tasks', '{"title": 42}'))).toEqual([
        { field: 'title', message: 'must be a string' },
      ]);
    });

    it('names the field that holds a NUL character', async () => {
      expect(errorsOf(await json('POST', '/api/tasks', '{"title": "ok", "description": "a\\u0000b"}'))).toEqual([
        { field: 'description', message: 'must not contain the NUL character (PostgreSQL cannot store it)' },
      ]);
    });

    it('names the Idempotency-Key when it was used with another body', async () => {
      const headers = { 'idempotency-key': `key-${Date.now()}` };
      const first = await t.request({
        method: 'POST',
        url: '/api/tasks',
        token: ada.token,
        body: { title: 'A' },
        headers,
      });
      expect(first.statusCode).toBe(201);
      const other = await t.request({
        method: 'POST',
        url: '/api/tasks',
        token: ada.token,
        body: { title: 'B' },
        headers,
      });
      expect(errorsOf(other)).toEqual([
        { field: 'Idempotency-Key', message: 'was already used with a different request body' },
      ]);
    });
  });

  describe('null: accepted only where a field is nullable', () => {
    let task: Task;
    beforeAll(async () => {
      const body = { title: 'Null rules', description: 'kept', due_date: '2026-12-01T09:00:00Z' };
      task = (await json('POST', '/api/tasks', JSON.stringify(body))).json<Task>();
    });

    it.each([
      ['PUT', () => `/api/tasks/${task.id}`],
      ['PATCH', () => `/api/tasks/${task.id}`],
      ['PATCH', () => `/api/tasks/${task.id}/complete`],
    ] as const)('a null body on %s %s is a 422, not "no body", and nothing changes', async (method, url) => {
      expect(errorsOf(await json(method, url(), 'null'))).toEqual([
        { field: 'body', message: 'must be a JSON object' },
      ]);
      const after = await t.request({ method: 'GET', url: url().replace(/\/complete$/, ''), token: ada.token });
      expect(after.json()).toMatchObject({ updated_at: task.updated_at, completed: false });
    });

    it('a null body on sign-out is a 422, and the session stays signed in', async () => {
      const session = await t.signUp();
      expect(errorsOf(await json('POST', '/api/auth/sign-out', 'null', session.token))).toEqual([
        { field: 'body', message: 'must be a JSON object' },
      ]);
      const me = await t.request({ method: 'GET', url: '/api/auth/me', token: session.token });
      expect(me.statusCode).toBe(200);
    });

    it('a null refresh_token on sign-out is a 422, and the session stays signed in', async () => {
      const session = await t.signUp();
      expect(errorsOf(await json('POST', '/api/auth/sign-out', '{"refresh_token": null}', session.token))).toEqual([
        { field: 'refresh_token', message: 'must not be null' },
      ]);
      expect((await t.request({ method: 'GET', url: '/api/auth/me', token: session.token })).statusCode).toBe(200);
    });

    it('a null name on sign-up is a 422, and no account is created', async () => {
      const email = `null-name-${Date.now()}@example.com`;
      const body = JSON.stringify({ email, password: 'correct horse battery', name: null });
      expect(errorsOf(await json('POST', '/api/auth/sign-up/email', body))).toEqual([
        { field: 'name', message: 'must not be null' },
      ]);
      expect((await t.sql.query('SELECT 1 FROM users WHERE email = $1', [email])).rows).toEqual([]);
    });

    it('a null title or priority is a 422; a null description or due_date clears it', async () => {
      expect(errorsOf(await json('PATCH', `/api/tasks/${task.id}`, '{"title": null, "priority": null}'))).toEqual([
        { field: 'title', message: 'must not be null' },
        { field: 'priority', message: 'must not be null' },
      ]);
      expect(task).toMatchObject({ description: 'kept', due_date: '2026-12-01T09:00:00.000Z' });
      const cleared = await json('PATCH', `/api/tasks/${task.id}`, '{"description": null, "due_date": null}');
      expect(cleared.statusCode).toBe(200);
      expect(cleared.json()).toMatchObject({ description: null, due_date: null });
    });
  });

  describe('due dates in the years 0000 to 0099', () => {
    it.each([
      ['0000-01-01T00:00:00.000Z', '0000-01-01T00:00:00.000Z'],
      ['0050-06-15T12:30:00+02:00', '0050-06-15T10:30:00.000Z'],
      ['0099-12-31T23:59:59.999Z', '0099-12-31T23:59:59.999Z'],
      ['0001-02-28', '0001-02-28T00:00:00.000Z'],
    ])('store and return %s', async (due, stored) => {
      const created = await json('POST', '/api/tasks', JSON.stringify({ title: 'Ancient', due_date: due }));
      expect(created.statusCode).toBe(201);
      const task = created.json<Task>();
      expect(task.due_date).toBe(stored);
      const read = await t.request({ method: 'GET', url: `/api/tasks/${task.id}`, token: ada.token });
      expect(read.json<Task>().due_date).toBe(stored);
    });

    it('still refuse a day the calendar does not have', async () => {
      expect(errorsOf(await json('POST', '/api/tasks', '{"title": "x", "due_date": "0050-02-30"}'))).toEqual([
        { field: 'due_date', message: 'must be an ISO 8601 timestamp with a time zone, like 2026-12-01T17:00:00Z' },
      ]);
    });

    it('filter with due_before and due_after in those years', async () => {
      const bob = await t.signUp();
      for (const due of ['0040-01-01', '0060-01-01', '2026-01-01']) {
        const body = JSON.stringify({ title: due, due_date: due });
        expect((await json('POST', '/api/tasks', body, bob.token)).statusCode).toBe(201);
      }
      const titles = async (query: string) => {
        const response = await t.request({ method: 'GET', url: `/api/tasks?${query}&sort=due_date`, token: bob.token });
        expect(response.statusCode).toBe(200);
        return response.json<TaskPage>().items.map((task) => task.title);
      };
      expect(await titles('due_before=0050-01-01')).toEqual(['0040-01-01']);
      expect(await titles('due_after=0050-01-01T00:00:00Z&due_before=0099-12-31')).toEqual(['0060-01-01']);
    });
  });
});
