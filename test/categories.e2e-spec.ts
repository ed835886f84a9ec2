import { createLogger } from '../src/logging/logger.js';
import type { Category, CategoryList, Problem, Task, TaskPage } from './support/api-types.js';
import { type Session, useTestApp, useUsers } from './support/test-app.js';

const ISO_MS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

describe('category routes', () => {
  /** What the app logs at warn and above: a write that deadlocked and ran again shows only there. */
  const warnings: string[] = [];
  const t = useTestApp(
    {},
    { logger: createLogger({ logLevel: 'warn', logFormat: 'json' }, { write: (line: string) => warnings.push(line) }) },
  );
  const [alice, bob] = useUsers(t, 2);

  const request = (
    session: Session,
    method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE',
    url: string,
    body?: unknown,
  ) => t.request({ method, url, token: session.token, body });
  const createCategory = async (session: Session, body: unknown) => {
    const res = await request(session, 'POST', '/api/categories', body);
    if (res.statusCode !== 201) throw new Error(`create category: ${res.statusCode} ${res.body}`);
    return res.json<Category>();
  };
  const createTask = async (session: Session, body: Record<string, unknown>) => {
    const res = await request(session, 'POST', '/api/tasks', body);
    if (res.statusCode !== 201) throw new Error(`create task: ${res.statusCode} ${res.body}`);
    return res.json<Task>();
  };
  const rows = async (table: string, userId: string): Promise<unknown[]> =>
    (await t.sql.query<Record<string, unknown>>(`SELECT * FROM ${table} WHERE user_id = $1 ORDER BY 1, 2, 3`, [userId]))
      .rows;

  describe('create, read, update, delete', () => {
    it('creates with a trimmed name and the default colour, 201 with Location and ETag, in both route families', async () => {
      const res = await request(alice, 'POST', '/api/categories', { name: '  Home  ' });
      expect(res.statusCode).toBe(201);
      const category = res.json<Category>();
      expect(category).toEqual({
        id: category.id,
        name: 'Home',
        color: '#3b82f6',
        task_count: 0,
        pending_count: 0,
        created_at: category.created_at,
        updated_at: category.updated_at,
      });
      expect(Number.isInteger(category.id)).toBe(true);
      expect(category.created_at).toMatch(ISO_MS);
      expect(category.updated_at).toMatch(ISO_MS);
      expect(res.headers.location).toBe(`/api/categories/${category.id}`);
      expect(res.headers.etag).toMatch(/^"\d+-1"$/);

      const scoped = await request(alice, 'POST', `/api/${alice.user.id}/categories`, {
        name: 'Scoped',
        color: '#AABBCC',
      });
      expect(scoped.statusCode).toBe(201);
      expect(scoped.json()).toMatchObject({ color: '#aabbcc' });
      expect(scoped.headers.location).toBe(`/api/${alice.user.id}/categories/${scoped.json<Category>().id}`);

      const read = await request(alice, 'GET', `/api/${alice.user.id}/categories/${category.id}`);
      expect(read.statusCode).toBe(200);
      expect(read.headers.etag).toBe(res.headers.etag);
    });

    it.each([
      ['no body', undefined, 'name'],
      ['a blank name', { name: '   ' }, 'name'],
      ['a name over 100 characters', { name: 'n'.repeat(101) }, 'name'],
      ['a numeric name', { name: 7 }, 'name'],
      ['a colour that is not #RRGGBB', { name: 'x', color: 'blue' }, 'color'],
      ['a short colour', { name: 'x', color: '#abc' }, 'color'],
      ['a null colour', { name: 'x', color: null }, 'color'],
      ['an unknown field', { name: 'x', user_id: 'someone' }, 'user_id'],
    ])('refuses %s with 422 on that field, storing nothing', async (_case, body, field) => {
      const before = await rows('categories', alice.user.id);
      const res = await request(alice, 'POST', '/api/categories', body);
      expect(res.statusCode).toBe(422);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.json<Problem>().errors).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
      expect(await rows('categories', alice.user.id)).toEqual(before);
    });

    it('keeps names unique per user whatever the case: 409, while another user may use the name', async () => {
      await createCategory(alice, { name: 'Errands' });
      const clash = await request(alice, 'POST', '/api/categories', { name: ' ERRANDS ' });
      expect(clash.statusCode).toBe(409);
      expect(clash.json<Problem>().detail).toBe('You already have a category with this name');
      expect(await createCategory(bob, { name: 'errands' })).toMatchObject({ name: 'errands' });

      const other = await createCategory(alice, { name: 'Other errands' });
      const rename = await request(alice, 'PATCH', `/api/categories/${other.id}`, { name: 'errands' });
      expect(rename.statusCode).toBe(409);
      expect((await request(alice, 'GET', `/api/categories/${other.id}`)).json<Category>().name).toBe('Other errands');
    });

    it('lists all of them by name case-insensitively, with their counts', async () => {
      const user = await t.signUp();
      const b = await createCategory(user, { name: 'beta' });
      const a = await createCategory(user, { name: 'Alpha' });
      const c = await createCategory(user, { name: 'Gamma' });
      await createTask(user, { title: 'one', category_ids: [a.id, b.id] });
      await createTask(user, { title: 'two', category_ids: [a.id], completed: true });
      const res = await request(user, 'GET', '/api/categories');
      expect(res.statusCode).toBe(200);
      expect(res.headers.etag).toMatch(/^W\//);
      expect(res.json<CategoryList>().items.map((x) => [x.name, x.task_count, x.pending_count])).toEqual([
        ['Alpha', 2, 1],
        ['beta', 1, 1],
        ['Gamma', 0, 0],
      ]);
      expect((await request(user, 'GET', `/api/categories/${a.id}`)).json()).toMatchObject({
        task_count: 2,
        pending_count: 1,
      });
      expect((await request(user, 'PATCH', `/api/categories/${c.id}`, { color: '#000000' })).json()).toMatchObject({
        color: '#000000',
        task_count: 0,
      });
    });

    it('updates with If-Match: a stale tag is 412 and changes nothing; the ETag moves with every write', async () => {
      const category = await createCategory(alice, { name: 'Work' });
      const first = await request(alice, 'GET', `/api/categories/${category.id}`);
      const renamed = await t.request({
        method: 'PATCH',
        url: `/api/categories/${category.id}`,
        token: alice.token,
        body: { name: 'Office' },
        headers: { 'if-match': first.headers.etag as string },
      });
      expect(renamed.statusCode).toBe(200);
      expect(renamed.json()).toMatchObject({ name: 'Office' });
      expect(renamed.headers.etag).not.toBe(first.headers.etag);

      for (const method of ['PATCH', 'DELETE'] as const) {
        const stale = await t.request({
          method,
          url: `/api/categories/${category.id}`,
          token: alice.token,
          body: method === 'PATCH' ? { name: 'Stale' } : undefined,
          headers: { 'if-match': first.headers.etag as string },
        });
        expect(stale.statusCode).toBe(412);
      }
      expect((await request(alice, 'GET', `/api/categories/${category.id}`)).json<Category>().name).toBe('Office');

      const deleted = await t.request({
        method: 'DELETE',
        url: `/api/categories/${category.id}`,
        token: alice.token,
        headers: { 'if-match': renamed.headers.etag as string },
      });
      expect(deleted.statusCode).toBe(204);
      expect((await request(alice, 'GET', `/api/categories/${category.id}`)).statusCode).toBe(404);
    });

    it('deleting a category keeps its tasks, unlinks them and moves their ETags', async () => {
      const doomed = await createCategory(alice, { name: 'Doomed' });
      const kept = await createCategory(alice, { name: 'Kept' });
      const linked = await createTask(alice, { title: 'linked', category_ids: [kept.id, doomed.id] });
      const untouched = await createTask(alice, { title: 'untouched', category_ids: [kept.id] });
      const etag = async (id: number) => (await request(alice, 'GET', `/api/tasks/${id}`)).headers.etag;
      const [linkedTag, untouchedTag] = [await etag(linked.id), await etag(untouched.id)];

      expect((await request(alice, 'DELETE', `/api/categories/${doomed.id}`)).statusCode).toBe(204);
      const after = await request(alice, 'GET', `/api/tasks/${linked.id}`);
      expect(after.json<Task>().category_ids).toEqual([kept.id]);
      expect(after.headers.etag).not.toBe(linkedTag);
      expect(await etag(untouched.id)).toBe(untouchedTag);
      const { rows: left } = await t.sql.query('SELECT 1 FROM task_categories WHERE category_id = $1', [doomed.id]);
      expect(left).toEqual([]);
    });

    it('refuses the 201st category with 422, also when the creations race', async () => {
      const user = await t.signUp();
      const names = Array.from({ length: 210 }, (_, i) => `c${i}`);
      await t.sql.query(
        `INSERT INTO categories (user_id, name) SELECT $1, unnest($2::text[])`, // seed 195, then race for the last 5
        [user.user.id, names.slice(0, 195)],
      );
      const results = await Promise.all(
        names.slice(195).map((name) => request(user, 'POST', '/api/categories', { name })),
      );
      const statuses = results.map((r) => r.statusCode).sort();
      expect(statuses.filter((s) => s === 201)).toHaveLength(5);
      expect(statuses.filter((s) => s === 422)).toHaveLength(10);
      const { rows: count } = await t.sql.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM categories WHERE user_id = $1',
        [user.user.id],
      );
      expect(count[0].n).toBe(200);
    });
  });

  describe('isolation', () => {
    it("answers another user's category as 404 on every route and leaves it unchanged", async () => {
      const theirs = await createCategory(bob, { name: 'Private' });
      const before = await rows('categories', bob.user.id);
      for (const [method, body] of [
        ['GET', undefined],
        ['PATCH', { name: 'Hijacked' }],
        ['DELETE', undefined],
      ] as const) {
        const res = await request(alice, method, `/api/categories/${theirs.id}`, body);
        expect(res.statusCode).toBe(404);
        expect(res.json<Problem>().detail).toBe('Category not found');
      }
      expect(await rows('categories', bob.user.id)).toEqual(before);
      expect(
        (await request(alice, 'GET', '/api/categories')).json<CategoryList>().items.map((c) => c.id),
      ).not.toContain(theirs.id);
    });

    it("is 403 on another user's path, and 422 for an id that is not a positive integer", async () => {
      const mine = await createCategory(alice, { name: 'Mine for 403' });
      const theirs = await createCategory(bob, { name: 'Theirs for 403' });
      const before = await rows('categories', bob.user.id);
      for (const url of [`/api/${bob.user.id}/categories`, `/api/${bob.user.id}/categories/${mine.id}`]) {
        expect((await request(alice, 'GET', url)).statusCode).toBe(403);
      }
      expect((await request(alice, 'POST', `/api/${bob.user.id}/categories`, { name: 'Planted' })).statusCode).toBe(
        403,
      );
      const theirUrl = `/api/${bob.user.id}/categories/${theirs.id}`;
      expect((await request(alice, 'PATCH', theirUrl, { name: 'Hijacked' })).statusCode).toBe(403);
      expect((await request(alice, 'DELETE', theirUrl)).statusCode).toBe(403);
      expect(await rows('categories', bob.user.id)).toEqual(before);
      for (const id of ['abc', '0', '-1', '1.5', '99999999999']) {
        const res = await request(alice, 'GET', `/api/categories/${id}`);
        expect(res.statusCode).toBe(422);
        expect(res.json<Problem>().errors).toEqual([expect.objectContaining({ field: 'id' })]);
      }
      expect((await t.request({ method: 'GET', url: '/api/categories' })).statusCode).toBe(401);
    });

    it("refuses linking a task to another user's category with 422 on category_ids, changing nothing", async () => {
      const theirs = await createCategory(bob, { name: 'Not yours' });
      const mine = await createCategory(alice, { name: 'Yours' });
      const tasksBefore = await rows('tasks', alice.user.id);

      const created = await request(alice, 'POST', '/api/tasks', { title: 'x', category_ids: [mine.id, theirs.id] });
      expect(created.statusCode).toBe(422);
      expect(created.json<Problem>().errors).toEqual([expect.objectContaining({ field: 'category_ids' })]);
      expect(await rows('tasks', alice.user.id)).toEqual(tasksBefore);

      const task = await createTask(alice, { title: 'linked', category_ids: [mine.id] });
      const snapshot = await rows('task_categories', alice.user.id);
      const updated = await request(alice, 'PATCH', `/api/tasks/${task.id}`, {
        title: 'new',
        category_ids: [theirs.id],
      });
      expect(updated.statusCode).toBe(422);
      expect(updated.json<Problem>().errors).toEqual([expect.objectContaining({ field: 'category_ids' })]);
      expect((await request(alice, 'GET', `/api/tasks/${task.id}`)).json()).toMatchObject({
        title: 'linked',
        category_ids: [mine.id],
      });
      expect(await rows('task_categories', alice.user.id)).toEqual(snapshot);
      expect((await request(bob, 'GET', `/api/categories/${theirs.id}`)).json<Category>().task_count).toBe(0);
    });

    it('cannot link across users even in SQL that skips every guard (the composite foreign key)', async () => {
      const theirs = await createCategory(bob, { name: 'Raw SQL' });
      const task = await createTask(alice, { title: 'raw' });
      await expect(
        t.sql.query('INSERT INTO task_categories (user_id, task_id, category_id) VALUES ($1, $2, $3)', [
          alice.user.id,
          task.id,
          theirs.id,
        ]),
      ).rejects.toMatchObject({ code: '23503', constraint: 'task_categories_category_fkey' });
      await expect(
        t.sql.query('INSERT INTO task_categories (user_id, task_id, category_id) VALUES ($1, $2, $3)', [
          bob.user.id,
          task.id,
          theirs.id,
        ]),
      ).rejects.toMatchObject({ code: '23503', constraint: 'task_categories_task_fkey' });
    });
  });

  describe('category_ids on tasks', () => {
    it('sets them on create (ascending, each once), replaces them as a whole on update, returns them everywhere', async () => {
      const [a, b, c] = [
        await createCategory(alice, { name: 'ids-a' }),
        await createCategory(alice, { name: 'ids-b' }),
        await createCategory(alice, { name: 'ids-c' }),
      ];
      const task = await createTask(alice, { title: 'carry', category_ids: [c.id, a.id, c.id] });
      expect(task.category_ids).toEqual([a.id, c.id]);
      const got = await request(alice, 'GET', `/api/tasks/${task.id}`);
      expect(got.json<Task>().category_ids).toEqual([a.id, c.id]);

      const replaced = await t.request({
        method: 'PUT',
        url: `/api/tasks/${task.id}`,
        token: alice.token,
        body: { category_ids: [b.id] },
        headers: { 'if-match': got.headers.etag as string },
      });
      expect(replaced.statusCode).toBe(200);
      expect(replaced.json<Task>().category_ids).toEqual([b.id]);
      expect(replaced.headers.etag).not.toBe(got.headers.etag);
      const stale = await t.request({
        method: 'PATCH',
        url: `/api/tasks/${task.id}`,
        token: alice.token,
        body: { category_ids: [] },
        headers: { 'if-match': got.headers.etag as string },
      });
      expect(stale.statusCode).toBe(412);

      const list = await request(alice, 'GET', '/api/tasks?limit=100');
      expect(list.json<TaskPage>().items.find((x) => x.id === task.id)?.category_ids).toEqual([b.id]);
      const cleared = await request(alice, 'PATCH', `/api/tasks/${task.id}`, { category_ids: [] });
      expect(cleared.json<Task>().category_ids).toEqual([]);
      expect(await rows('task_categories', alice.user.id)).not.toContainEqual(
        expect.objectContaining({ task_id: task.id }),
      );
    });

    it.each([
      ['1,000 ids', Array.from({ length: 1000 }, (_, i) => i + 1)],
      ['21 ids', Array.from({ length: 21 }, (_, i) => i + 1)],
      ['a non-integer id', [1.5]],
      ['a string id', ['1']],
      ['a zero id', [0]],
      ['an id beyond 32 bits', [2 ** 31]],
      ['null', null],
      ['not an array', 3],
    ])('refuses %s with 422 on category_ids, storing nothing', async (_case, ids) => {
      const before = await rows('tasks', alice.user.id);
      const res = await request(alice, 'POST', '/api/tasks', { title: 'hostile', category_ids: ids });
      expect(res.statusCode).toBe(422);
      expect(res.json<Problem>().errors).toEqual(
        expect.arrayContaining([expect.objectContaining({ field: 'category_ids' })]),
      );
      expect(await rows('tasks', alice.user.id)).toEqual(before);
    });

    it('replays an Idempotency-Key retry with its categories, and links nothing twice', async () => {
      const user = await t.signUp();
      const cat = await createCategory(user, { name: 'Idempotent' });
      const send = () =>
        t.request({
          method: 'POST',
          url: '/api/tasks',
          token: user.token,
          body: { title: 'once', category_ids: [cat.id] },
          headers: { 'idempotency-key': 'tag-once' },
        });
      const [first, retry] = [await send(), await send()];
      expect(first.statusCode).toBe(201);
      expect(retry.json()).toEqual(first.json());
      expect(first.json<Task>().category_ids).toEqual([cat.id]);
      expect(await rows('task_categories', user.user.id)).toHaveLength(1);
    });

    it('filters the list by category_id and uncategorized=true', async () => {
      const user = await t.signUp();
      const cat = await createCategory(user, { name: 'Filter' });
      const other = await createCategory(user, { name: 'Other' });
      const tagged = await createTask(user, { title: 'tagged', category_ids: [cat.id] });
      const both = await createTask(user, { title: 'both', category_ids: [cat.id, other.id] });
      const bare = await createTask(user, { title: 'bare' });
      const ids = async (query: string) =>
        (await request(user, 'GET', `/api/tasks?sort=created_at${query}`)).json<TaskPage>().items.map((x) => x.id);
      expect(await ids(`&category_id=${cat.id}`)).toEqual([tagged.id, both.id]);
      expect(await ids(`&category_id=${other.id}`)).toEqual([both.id]);
      expect(await ids('&uncategorized=true')).toEqual([bare.id]);
      expect(await ids('&uncategorized=false')).toEqual([tagged.id, both.id, bare.id]);
      expect(await ids(`&category_id=${cat.id}&q=BOTH`)).toEqual([both.id]);
      const theirs = await createCategory(bob, { name: 'Foreign filter' });
      await createTask(bob, { title: 'bob', category_ids: [theirs.id] });
      expect(await ids(`&category_id=${theirs.id}`)).toEqual([]);
      for (const bad of ['category_id=abc', 'category_id=0', 'uncategorized=yes']) {
        expect((await request(user, 'GET', `/api/tasks?${bad}`)).statusCode).toBe(422);
      }
    });

    it('a category deleted while tasks are being linked to it: every create succeeds or is 422, and no link is left', async () => {
      const user = await t.signUp();
      const target = await createCategory(user, { name: 'Racing' });
      const creates = Array.from({ length: 20 }, (_, i) =>
        request(user, 'POST', '/api/tasks', { title: `race ${i}`, category_ids: [target.id] }),
      );
      const deletion = request(user, 'DELETE', `/api/categories/${target.id}`);
      const [results, deleted] = await Promise.all([Promise.all(creates), deletion]);
      expect(deleted.statusCode).toBe(204);
      for (const res of results) expect([201, 422]).toContain(res.statusCode);
      const { rows: links } = await t.sql.query('SELECT 1 FROM task_categories WHERE user_id = $1', [user.user.id]);
      expect(links).toEqual([]);
      // A refused create left no task behind; an accepted one is there, without the category.
      const created = results.filter((r) => r.statusCode === 201).length;
      const list = (await request(user, 'GET', '/api/tasks?limit=100')).json<TaskPage>();
      expect(list.total).toBe(created);
      for (const task of list.items) expect(task.category_ids).toEqual([]);
    });

    it('a category deleted while existing tasks are being relinked to it: no deadlock, every answer 200 or 422', async () => {
      warnings.length = 0;
      const user = await t.signUp();
      const [target, other] = [
        await createCategory(user, { name: 'Contended' }),
        await createCategory(user, { name: 'Bystander' }),
      ];
      const tasks: { id: number }[] = [];
      for (let i = 0; i < 20; i++) {
        tasks.push(await createTask(user, { title: `existing ${i}`, category_ids: i % 2 ? [target.id] : [other.id] }));
      }
      const relinks = tasks.map((task) =>
        request(user, 'PATCH', `/api/tasks/${task.id}`, { category_ids: [target.id, other.id] }),
      );
      const [results, deleted] = await Promise.all([
        Promise.all(relinks),
        request(user, 'DELETE', `/api/categories/${target.id}`),
      ]);
      expect(deleted.statusCode).toBe(204);
      for (const res of results) expect([200, 422]).toContain(res.statusCode);
      // UserWrites runs a deadlocked write again, so a deadlock would not show in the statuses.
      expect(warnings.filter((line) => line.includes('40P01'))).toEqual([]);
      const { rows: links } = await t.sql.query('SELECT 1 FROM task_categories WHERE category_id = $1', [target.id]);
      expect(links).toEqual([]);
      // A relink that won keeps the other category; one refused keeps what the task had, less the deleted one.
      for (const [i, task] of tasks.entries()) {
        const now = (await request(user, 'GET', `/api/tasks/${task.id}`)).json<Task>();
        expect(now.category_ids).toEqual(results[i].statusCode === 200 || i % 2 === 0 ? [other.id] : []);
      }
    });
  });
});
