import type { Problem, Task } from './support/api-types.js';
import { useTestApp, useUsers } from './support/test-app.js';

describe('remind_at and reminded_at', () => {
  const t = useTestApp();
  const [alice] = useUsers(t, 1);

  const create = (body: unknown) => t.request({ method: 'POST', url: '/api/tasks', token: alice.token, body });
  const patch = (id: number, body: unknown) =>
    t.request({ method: 'PATCH', url: `/api/tasks/${id}`, token: alice.token, body });
  const row = async (id: number) =>
    (await t.sql.query<{ remind_at: Date | null; reminded_at: Date | null }>('SELECT * FROM tasks WHERE id = $1', [id]))
      .rows[0];
  /**
   * What the scheduler does when the reminder goes out (test/reminders.e2e-spec.ts tests the real
   * one). The times here are far ahead, so that the scheduler never fires them mid-test.
   */
  const markReminded = (id: number) => t.sql.query('UPDATE tasks SET reminded_at = now() WHERE id = $1', [id]);

  it('is set on create, in UTC with milliseconds, and starts pending', async () => {
    const res = await create({ title: 'Call', remind_at: '2099-12-01T17:00:00+01:00' });
    expect(res.statusCode).toBe(201);
    expect(res.json<Task>()).toMatchObject({ remind_at: '2099-12-01T16:00:00.000Z', reminded_at: null });
    expect((await create({ title: 'No reminder' })).json<Task>()).toMatchObject({
      remind_at: null,
      reminded_at: null,
    });
  });

  it('clears reminded_at when it changes (to another time or to null), not when the same time is sent again', async () => {
    const { id } = (await create({ title: 'Call', remind_at: '2099-12-01T16:00:00Z' })).json<Task>();

    await markReminded(id);
    const same = await patch(id, { remind_at: '2099-12-01T17:00:00+01:00', title: 'Call back' });
    expect(same.json<Task>().reminded_at).toEqual(expect.any(String));
    const other = await patch(id, { title: 'Call again' });
    expect(other.json<Task>().reminded_at).toEqual(expect.any(String));

    const moved = await patch(id, { remind_at: '2099-12-02T16:00:00Z' });
    expect(moved.statusCode).toBe(200);
    expect(moved.json<Task>()).toMatchObject({ remind_at: '2099-12-02T16:00:00.000Z', reminded_at: null });
    expect((await row(id)).reminded_at).toBeNull();

    await markReminded(id);
    const cleared = await patch(id, { remind_at: null });
    expect(cleared.json<Task>()).toMatchObject({ remind_at: null, reminded_at: null });
  });

  it.each([
    ['create', () => '/api/tasks', 'POST', { title: 'x', reminded_at: '2099-12-01T16:00:00Z' }, 'reminded_at'],
    ['PATCH', (id: number) => `/api/tasks/${id}`, 'PATCH', { reminded_at: null }, 'reminded_at'],
    ['PUT', (id: number) => `/api/tasks/${id}`, 'PUT', { reminded_at: '2099-12-01T16:00:00Z' }, 'reminded_at'],
    ['a bad remind_at', (id: number) => `/api/tasks/${id}`, 'PATCH', { remind_at: 'tomorrow' }, 'remind_at'],
    ['a numeric remind_at', () => '/api/tasks', 'POST', { title: 'x', remind_at: 1764000000000 }, 'remind_at'],
  ] as const)('is 422 for %s, and nothing changes', async (_, url, method, body, field) => {
    const { id } = (await create({ title: 'Keep', remind_at: '2099-12-01T16:00:00Z' })).json<Task>();
    await markReminded(id);
    const before = await row(id);
    const count = await t.sql.query('SELECT count(*) FROM tasks');
    const res = await t.request({ method, url: url(id), token: alice.token, body });
    expect(res.statusCode).toBe(422);
    expect(res.json<Problem>().errors?.map((error) => error.field)).toContain(field);
    expect(await row(id)).toEqual(before);
    expect((await t.sql.query('SELECT count(*) FROM tasks')).rows).toEqual(count.rows);
  });
});
