import type { Task } from './support/api-types.js';
import { useTestApp, useUsers } from './support/test-app.js';

/** ETag and Location come from a Fastify hook (common/resource-headers.hook.ts), not from the handlers. */
describe('task response headers', () => {
  const t = useTestApp();
  const [me] = useUsers(t, 1);

  it.each([
    ['/api/tasks', () => '/api/tasks'],
    ['/api/{user_id}/tasks', () => `/api/${me.user.id}/tasks`],
  ])('on %s: Location on create, and an ETag that changes with every write', async (_family, base) => {
    const created = await t.request({ method: 'POST', url: base(), token: me.token, body: { title: 'Headers' } });
    expect(created.statusCode).toBe(201);
    const id = created.json<Task>().id;
    expect(created.headers.location).toBe(`${base()}/${id}`);
    expect(created.headers.etag).toMatch(/^"[^"]+"$/);

    const read = await t.request({ method: 'GET', url: `${base()}/${id}`, token: me.token });
    expect(read.headers.etag).toBe(created.headers.etag);
    expect(read.headers.location).toBeUndefined();

    const toggled = await t.request({ method: 'PATCH', url: `${base()}/${id}/complete`, token: me.token });
    expect(toggled.statusCode).toBe(200);
    expect(toggled.headers.etag).toMatch(/^"[^"]+"$/);
    expect(toggled.headers.etag).not.toBe(created.headers.etag);

    const seen = new Set([created.headers.etag, toggled.headers.etag]);
    for (const method of ['PATCH', 'PUT'] as const) {
      const updated = await t.request({ method, url: `${base()}/${id}`, token: me.token, body: { title: method } });
      expect(updated.statusCode).toBe(200);
      expect(updated.headers.etag).toMatch(/^"[^"]+"$/);
      expect(seen).not.toContain(updated.headers.etag);
      seen.add(updated.headers.etag);
    }
  });

  it('gives a list page a weak ETag and an error none', async () => {
    const list = await t.request({ method: 'GET', url: '/api/tasks', token: me.token });
    expect(list.statusCode).toBe(200);
    expect(list.headers.etag).toMatch(/^W\/"[^"]+"$/);

    const missing = await t.request({ method: 'GET', url: '/api/tasks/999999', token: me.token });
    expect(missing.statusCode).toBe(404);
    expect(missing.headers.etag).toBeUndefined();
  });
});
