import type { FastifyInstance } from 'fastify';
import type { Task } from './support/api-types.js';
import { type Session, useTestApp, useUsers } from './support/test-app.js';

/**
 * Every route the server has (read from Fastify's router, not from the OpenAPI document, so an
 * undocumented route is walked too) that names a task or a list by id must apply the list-access
 * rule: a non-member gets 404, as if nothing were there, and a viewer may read but not write.
 * A new route that forgets the check fails here; one with a new body shape fails until it is given
 * one below, which is the moment to review its access.
 */
const BODIES: Record<string, unknown> = {
  'PUT /tasks/:id': { title: 'x' },
  'PATCH /tasks/:id': { title: 'x' },
  'PATCH /tasks/:id/complete': {},
  'POST /tasks/:id/move': { after_id: null },
  'PATCH /lists/:id': { name: 'x' },
  'POST /lists/:id/move': { after_id: null },
  'PATCH /lists/:id/members/:x': { role: 'viewer' },
  'POST /lists/:id/invitations': { role: 'viewer' },
};

/** What a viewer may do besides reading: order the list among their own lists. */
const VIEWER_ALLOWED = ['POST /lists/:id/move'];

/** Every route Fastify serves, as `METHOD /path` with Fastify's `:param` names (HEAD left out). */
export function serverRoutes(fastify: FastifyInstance): string[] {
  const routes: string[] = [];
  const stack: string[] = [];
  for (const line of fastify.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = /^((?:│ {3}| {4})*)[├└]── (\S+)(?: \(([A-Z, ]+)\))?/.exec(line);
    if (!match) continue;
    const depth = match[1].length / 4;
    stack.length = depth;
    stack.push(match[2]);
    const path = stack.join('');
    for (const method of match[3]?.split(', ') ?? []) if (method !== 'HEAD') routes.push(`${method} ${path}`);
  }
  return routes;
}

describe('every route with a task or list id applies the list-access rule', () => {
  const t = useTestApp();
  const [owner, viewer, stranger] = useUsers(t, 3);

  it('answers a non-member 404 and a viewer 403 on writes, on every such route of the router', async () => {
    const { rows } = await t.sql.query<{ id: number }>(
      `INSERT INTO lists (owner_id, name) VALUES ($1, 'Shared') RETURNING id`,
      [owner.user.id],
    );
    const listId = rows[0].id;
    await t.sql.query(
      `INSERT INTO list_members (list_id, user_id, role, position) VALUES ($1, $2, 'owner', 'a0'), ($1, $3, 'viewer', 'a1')`,
      [listId, owner.user.id, viewer.user.id],
    );
    const created = await t.request({
      method: 'POST',
      url: '/api/tasks',
      token: owner.token,
      body: { title: 'Guarded', list_id: listId },
    });
    const task = created.json<Task>();
    const stored = async (): Promise<unknown[]> =>
      (await t.sql.query<Record<string, unknown>>('SELECT * FROM tasks WHERE list_id = $1', [listId])).rows;
    const before = await stored();

    const routes = serverRoutes(t.app.getHttpAdapter().getInstance()).filter((route) =>
      /^\w+ \/api\/(:userId\/)?(tasks|lists)\/:id/.test(route),
    );
    // The walk is not vacuous: both families of both resources are there.
    expect(routes).toEqual(
      expect.arrayContaining(['GET /api/tasks/:id', 'DELETE /api/:userId/tasks/:id', 'PATCH /api/lists/:id']),
    );
    const answers: string[] = [];
    const expected: string[] = [];
    for (const route of routes) {
      const [method, path] = route.split(' ');
      // The resource's own path, its further parameters (a member, a code) named `:x`.
      const rest = path.replace(/^\/api\/(:userId\/)?/, '/');
      const shape = `${method} ${rest.replace(/(:id\/.*?):\w+/, '$1:x')}`;
      const id = rest.startsWith('/tasks/') ? task.id : listId;
      for (const [name, session] of [
        ['stranger', stranger],
        ['viewer', viewer],
      ] as [string, Session][]) {
        const url = `/api${path.startsWith('/api/:userId/') ? `/${session.user.id}` : ''}${rest}`
          .replace(':id', String(id))
          .replace(/:\w+/, owner.user.id);
        const res = await t.request({
          method: method,
          url,
          token: session.token,
          body: method === 'GET' || method === 'DELETE' ? undefined : (BODIES[shape] ?? {}),
        });
        answers.push(`${name} ${route} -> ${res.statusCode}`);
        const read = method === 'GET' && !/invitations/.test(path);
        const viewerStatus = read || VIEWER_ALLOWED.includes(shape) ? 'allowed' : '403';
        expected.push(`${name} ${route} -> ${name === 'stranger' ? 404 : viewerStatus}`);
      }
    }
    const normalised = answers.map((answer, i) =>
      expected[i].endsWith('allowed') && /-> 2\d\d$/.test(answer) ? expected[i] : answer,
    );
    expect(normalised).toEqual(expected);
    expect(await stored()).toEqual(before);
  });
});
