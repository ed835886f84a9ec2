import fc from 'fast-check';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';

type Method = NonNullable<InjectOptions['method']>;
import { documentDrift } from './openapi-validator.js';
import type { Category, CategoryList, Task, TaskPage } from './api-types.js';
import type { TestApp } from './test-app.js';
import { mintToken } from './tokens.js';

export interface PropertyRuns {
  /** Random sequences of operations checked against the model. */
  model: number;
  /** Random requests on every route. */
  input: number;
}

/**
 * Property-based tests that drive the real app: random sequences of operations by several users
 * checked against a simple model, and random bodies, queries, headers and path values on every
 * route. Runs are bounded (numRuns) so the suite stays quick; a failure prints the shrunk case.
 *
 * `open` starts the app they drive: test/properties.e2e-spec.ts runs them on the usual one,
 * test/pooled.e2e-spec.ts through a transaction pooler.
 */
export function describeProperties(
  name: string,
  open: () => Promise<TestApp>,
  runs: PropertyRuns = { model: 30, input: 300 },
): void {
  describe(name, () => properties(open, runs));
}

function properties(open: () => Promise<TestApp>, runs: PropertyRuns): void {
  let t: TestApp;

  beforeAll(async () => {
    t = await open();
  });
  afterAll(() => t.close());

  const noServerError = (response: LightMyRequestResponse, what: string) => {
    if (response.statusCode >= 500) throw new Error(`${what} -> ${response.statusCode} ${response.body}`);
    if (
      response.statusCode >= 400 &&
      !String(response.headers['content-type']).startsWith('application/problem+json')
    ) {
      throw new Error(
        `${what} -> ${response.statusCode} without problem+json: ${String(response.headers['content-type'])}`,
      );
    }
  };

  describe('several users against a model', () => {
    interface ModelTask {
      id: number;
      owner: number;
      title: string;
      description: string | null;
      completed: boolean;
      priority: 'low' | 'medium' | 'high';
      categoryIds: number[];
    }
    interface ModelCategory {
      id: number;
      owner: number;
      name: string;
    }
    type Op =
      | {
          kind: 'create';
          user: number;
          title: string;
          description: string | null;
          priority: ModelTask['priority'];
          completed: boolean;
        }
      | {
          kind: 'update';
          user: number;
          pick: number;
          title?: string;
          description?: string | null;
          priority?: ModelTask['priority'];
        }
      | { kind: 'complete'; user: number; pick: number; completed?: boolean }
      | { kind: 'delete'; user: number; pick: number }
      | { kind: 'get'; user: number; pick: number }
      | { kind: 'list'; user: number }
      | { kind: 'foreign-path'; user: number; other: number }
      | { kind: 'create-category'; user: number; name: string }
      | { kind: 'delete-category'; user: number; pick: number }
      | { kind: 'tag'; user: number; pick: number; categories: number[]; anyones: boolean }
      | { kind: 'complete-all'; user: number; completed: boolean; category?: number }
      | { kind: 'clear-completed'; user: number }
      | {
          kind: 'move';
          user: number;
          pick: number;
          anchor: number;
          where: 'after' | 'before' | 'top';
          anyones: boolean;
        };

    const USERS = 3;
    const user = fc.nat({ max: USERS - 1 });
    const pick = fc.nat({ max: 40 });
    const title = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }).filter((s) => s.trim().length > 0);
    const description = fc.option(fc.string({ unit: 'grapheme', maxLength: 40 }), { nil: null });
    const priority = fc.constantFrom('low' as const, 'medium' as const, 'high' as const);
    const op: fc.Arbitrary<Op> = fc.oneof(
      // Weighted up, so that users hold several tasks for the other operations (moves above all) to act on.
      {
        weight: 4,
        arbitrary: fc.record({
          kind: fc.constant('create' as const),
          user,
          title,
          description,
          priority,
          completed: fc.boolean(),
        }),
      },
      fc.record(
        { kind: fc.constant('update' as const), user, pick, title, description, priority },
        { requiredKeys: ['kind', 'user', 'pick'] },
      ),
      fc.record(
        { kind: fc.constant('complete' as const), user, pick, completed: fc.boolean() },
        { requiredKeys: ['kind', 'user', 'pick'] },
      ),
      fc.record({ kind: fc.constant('delete' as const), user, pick }),
      fc.record({ kind: fc.constant('get' as const), user, pick }),
      fc.record({ kind: fc.constant('list' as const), user }),
      fc.record({ kind: fc.constant('foreign-path' as const), user, other: user }),
      // Few names, in several cases, so that case-insensitive clashes happen.
      fc.record({
        kind: fc.constant('create-category' as const),
        user,
        name: fc.constantFrom('Home', 'home', 'Work', 'x'),
      }),
      fc.record({ kind: fc.constant('delete-category' as const), user, pick }),
      // Mostly the user's own categories, so that tasks do get them; sometimes anyone's, which is 422.
      fc.record({
        kind: fc.constant('tag' as const),
        user,
        pick,
        categories: fc.array(pick, { maxLength: 3 }),
        anyones: fc.oneof({ arbitrary: fc.constant(false), weight: 3 }, { arbitrary: fc.constant(true), weight: 1 }),
      }),
      fc.record(
        { kind: fc.constant('complete-all' as const), user, completed: fc.boolean(), category: pick },
        { requiredKeys: ['kind', 'user', 'completed'] },
      ),
      fc.record({ kind: fc.constant('clear-completed' as const), user }),
      // Weighted up: a move needs two tasks of the same user, which a short run has only now and then.
      {
        weight: 4,
        arbitrary: fc.record({
          kind: fc.constant('move' as const),
          user,
          pick,
          anchor: pick,
          where: fc.constantFrom('after' as const, 'before' as const, 'top' as const),
          // Mostly between the user's own tasks, so that moves do happen; sometimes anyone's.
          anyones: fc.oneof({ arbitrary: fc.constant(false), weight: 3 }, { arbitrary: fc.constant(true), weight: 1 }),
        }),
      },
    );

    let run = 0;

    it("each user sees exactly their own tasks, another user's task is a 404 that changes nothing, and nothing is ever a 5xx", async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(op, { minLength: 5, maxLength: 40 }), fc.boolean(), async (ops, viaUserPath) => {
          run++;
          const ids = Array.from({ length: USERS }, (_, i) => `model-${process.pid}-${run}-${i}`);
          const tokens = ids.map((sub) => mintToken({ sub }));
          const base = (u: number) => (viaUserPath ? `/api/${ids[u]}/tasks` : '/api/tasks');
          const model = new Map<number, ModelTask>();
          /** Each user's task ids in manual order. */
          const orders: number[][] = Array.from({ length: USERS }, () => []);
          const unorder = (id: number) => {
            for (const order of orders) if (order.includes(id)) order.splice(order.indexOf(id), 1);
          };
          const created: number[] = [];
          const target = (n: number) => (created.length ? created[n % created.length] : 2_147_483_647);
          const categories = new Map<number, ModelCategory>();
          const createdCategories: number[] = [];
          const categoryTarget = (n: number) =>
            createdCategories.length ? createdCategories[n % createdCategories.length] : 2_147_483_647;
          const categoriesBase = (u: number) => (viaUserPath ? `/api/${ids[u]}/categories` : '/api/categories');
          const send = async (
            u: number,
            method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
            path: string,
            body?: object,
          ) => {
            const response = await t.request({ method, url: `${base(u)}${path}`, token: tokens[u], body });
            noServerError(response, `${method} ${path} ${JSON.stringify(body)}`);
            return response;
          };
          const expectTask = (response: LightMyRequestResponse, task: ModelTask) => {
            expect(response.json()).toMatchObject({
              id: task.id,
              user_id: ids[task.owner],
              title: task.title,
              description: task.description,
              completed: task.completed,
              priority: task.priority,
              category_ids: task.categoryIds,
            });
          };
          /** The user's write applies only to their own, still existing task; any other is a 404. */
          const owned = (u: number, id: number) => (model.get(id)?.owner === u ? model.get(id) : undefined);

          for (const o of ops) {
            if (o.kind === 'create') {
              const response = await send(o.user, 'POST', '', {
                title: o.title,
                description: o.description,
                priority: o.priority,
                completed: o.completed,
              });
              expect(response.statusCode).toBe(201);
              const task: ModelTask = {
                id: response.json<Task>().id,
                owner: o.user,
                title: o.title.trim(),
                description: o.description,
                completed: o.completed,
                priority: o.priority,
                categoryIds: [],
              };
              model.set(task.id, task);
              orders[o.user].push(task.id);
              created.push(task.id);
              expectTask(response, task);
            } else if (o.kind === 'update') {
              const id = target(o.pick);
              const changes = { title: o.title, description: o.description, priority: o.priority };
              const response = await send(o.user, 'PATCH', `/${id}`, changes);
              const task = owned(o.user, id);
              expect(response.statusCode).toBe(task ? 200 : 404);
              if (task) {
                if (o.title !== undefined) task.title = o.title.trim();
                if (o.description !== undefined) task.description = o.description;
                if (o.priority !== undefined) task.priority = o.priority;
                expectTask(response, task);
              }
            } else if (o.kind === 'complete') {
              const id = target(o.pick);
              const response = await send(
                o.user,
                'PATCH',
                `/${id}/complete`,
                o.completed === undefined ? undefined : { completed: o.completed },
              );
              const task = owned(o.user, id);
              expect(response.statusCode).toBe(task ? 200 : 404);
              if (task) {
                task.completed = o.completed ?? !task.completed;
                expectTask(response, task);
              }
            } else if (o.kind === 'delete') {
              const id = target(o.pick);
              const response = await send(o.user, 'DELETE', `/${id}`);
              const task = owned(o.user, id);
              expect(response.statusCode).toBe(task ? 204 : 404);
              if (task) {
                model.delete(id);
                unorder(id);
              }
            } else if (o.kind === 'get') {
              const id = target(o.pick);
              const response = await send(o.user, 'GET', `/${id}`);
              const task = owned(o.user, id);
              expect(response.statusCode).toBe(task ? 200 : 404);
              if (task) expectTask(response, task);
            } else if (o.kind === 'list') {
              await checkList(o.user);
            } else if (o.kind === 'create-category') {
              const response = await t.request({
                method: 'POST',
                url: categoriesBase(o.user),
                token: tokens[o.user],
                body: { name: o.name },
              });
              noServerError(response, `create category ${o.name}`);
              const clash = [...categories.values()].some(
                (c) => c.owner === o.user && c.name.toLowerCase() === o.name.toLowerCase(),
              );
              expect(response.statusCode).toBe(clash ? 409 : 201);
              if (!clash) {
                const category = { id: response.json<Category>().id, owner: o.user, name: o.name };
                categories.set(category.id, category);
                createdCategories.push(category.id);
              }
            } else if (o.kind === 'delete-category') {
              const id = categoryTarget(o.pick);
              const response = await t.request({
                method: 'DELETE',
                url: `${categoriesBase(o.user)}/${id}`,
                token: tokens[o.user],
              });
              noServerError(response, 'delete category');
              const mine = categories.get(id)?.owner === o.user;
              expect(response.statusCode).toBe(mine ? 204 : 404);
              if (mine) {
                categories.delete(id);
                for (const task of model.values()) task.categoryIds = task.categoryIds.filter((c) => c !== id);
              }
            } else if (o.kind === 'tag') {
              const id = target(o.pick);
              const own = createdCategories.filter((c) => categories.get(c)?.owner === o.user);
              const categoryIds = o.categories.map((n) =>
                o.anyones || !own.length ? categoryTarget(n) : own[n % own.length],
              );
              const response = await send(o.user, 'PATCH', `/${id}`, { category_ids: categoryIds });
              const task = owned(o.user, id);
              const allMine = categoryIds.every((c) => categories.get(c)?.owner === o.user);
              // The task decides first (404); then a category that is not the user's is a 422.
              expect(response.statusCode).toBe(!task ? 404 : allMine ? 200 : 422);
              if (task && allMine) {
                task.categoryIds = [...new Set(categoryIds)].sort((a, b) => a - b);
                expectTask(response, task);
              }
            } else if (o.kind === 'complete-all') {
              const category = o.category === undefined ? undefined : categoryTarget(o.category);
              const response = await send(
                o.user,
                'POST',
                `/complete-all${category === undefined ? '' : `?category_id=${category}`}`,
                { completed: o.completed },
              );
              expect(response.statusCode).toBe(200);
              const matching = [...model.values()].filter(
                (task) =>
                  task.owner === o.user &&
                  task.completed !== o.completed &&
                  (category === undefined || task.categoryIds.includes(category)),
              );
              expect(response.json()).toEqual({ updated: matching.length });
              for (const task of matching) task.completed = o.completed;
            } else if (o.kind === 'clear-completed') {
              const response = await send(o.user, 'DELETE', '?status=completed');
              expect(response.statusCode).toBe(200);
              const done = [...model.values()].filter((task) => task.owner === o.user && task.completed);
              expect(response.json()).toEqual({ deleted: done.length });
              for (const task of done) {
                model.delete(task.id);
                unorder(task.id);
              }
            } else if (o.kind === 'move') {
              const own = orders[o.user];
              const mine = !o.anyones && own.length > 0;
              const id = mine ? own[o.pick % own.length] : target(o.pick);
              // Another of the user's tasks as the anchor (the task itself only when it is their only one).
              const anchor = mine
                ? own[(own.indexOf(id) + 1 + (o.anchor % Math.max(1, own.length - 1))) % own.length]
                : target(o.anchor);
              const body = o.where === 'top' ? { after_id: null } : { [`${o.where}_id`]: anchor };
              const response = await send(o.user, 'POST', `/${id}/move`, body);
              const task = owned(o.user, id);
              const status =
                o.where !== 'top' && anchor === id
                  ? 422
                  : !task
                    ? 404
                    : o.where !== 'top' && !owned(o.user, anchor)
                      ? 422
                      : 200;
              expect(response.statusCode).toBe(status);
              if (status === 200) {
                const order = orders[o.user];
                order.splice(order.indexOf(id), 1);
                const at = o.where === 'top' ? 0 : order.indexOf(anchor) + (o.where === 'after' ? 1 : 0);
                order.splice(at, 0, id);
                expectTask(response, task!);
              }
            } else {
              const response = await t.request({
                method: 'GET',
                url: `/api/${ids[o.other]}/tasks`,
                token: tokens[o.user],
              });
              noServerError(response, 'foreign path');
              expect(response.statusCode).toBe(o.other === o.user ? 200 : 403);
            }
          }
          for (let u = 0; u < USERS; u++) await checkList(u);

          async function checkList(u: number) {
            const response = await send(u, 'GET', '?limit=100');
            expect(response.statusCode).toBe(200);
            const manual = await send(u, 'GET', '?sort=position&limit=100');
            expect(manual.json<TaskPage>().items.map((item) => item.id)).toEqual(orders[u]);
            const mine = [...model.values()].filter((task) => task.owner === u);
            const page = response.json<TaskPage>();
            expect(page.total).toBe(mine.length);
            expect(new Map(page.items.map((item) => [item.id, item]))).toEqual(
              new Map(
                mine.map((task) => [
                  task.id,
                  expect.objectContaining({
                    user_id: ids[u],
                    title: task.title,
                    description: task.description,
                    completed: task.completed,
                    priority: task.priority,
                    category_ids: task.categoryIds,
                  }),
                ]),
              ),
            );
            const listed = await t.request({ method: 'GET', url: categoriesBase(u), token: tokens[u] });
            expect(listed.statusCode).toBe(200);
            const counts = (id: number) => {
              const carrying = mine.filter((task) => task.categoryIds.includes(id));
              return { task_count: carrying.length, pending_count: carrying.filter((task) => !task.completed).length };
            };
            expect(listed.json<CategoryList>().items).toEqual(
              [...categories.values()]
                .filter((category) => category.owner === u)
                .sort((a, b) => a.name.toLowerCase().localeCompare(b.name.toLowerCase()) || a.id - b.id)
                .map((category): unknown =>
                  expect.objectContaining({ id: category.id, name: category.name, ...counts(category.id) }),
                ),
            );
          }
        }),
        { numRuns: runs.model },
      );
    });
  });

  describe('random input on every route', () => {
    const fuzzUser = `fuzz-${process.pid}`;
    const victim = `victim-${process.pid}`;
    const token = mintToken({ sub: fuzzUser });
    let victimTaskId: number;
    let victimCategoryId: number;
    let ownTaskId: number;

    beforeAll(async () => {
      victimCategoryId = (
        await t.request({
          method: 'POST',
          url: '/api/categories',
          token: mintToken({ sub: victim }),
          body: { name: 'Victim' },
        })
      ).json<Category>().id;
      victimTaskId = (
        await t.request({
          method: 'POST',
          url: '/api/tasks',
          token: mintToken({ sub: victim }),
          body: { title: 'Victim', category_ids: [victimCategoryId] },
        })
      ).json<Task>().id;
      ownTaskId = (await t.request({ method: 'POST', url: '/api/tasks', token, body: { title: 'Own' } })).json<Task>()
        .id;
    });

    const ROUTES: [Method, string][] = [
      ['GET', '/'],
      ['GET', '/health'],
      ['GET', '/health/live'],
      ['GET', '/api/auth/me'],
      ['POST', '/api/auth/sign-up/email'],
      ['POST', '/api/auth/sign-in/email'],
      ['POST', '/api/auth/refresh'],
      ['POST', '/api/auth/sign-out'],
      ...['/api/tasks', '/api/:userId/tasks'].flatMap((prefix): [Method, string][] => [
        ['GET', prefix],
        ['POST', prefix],
        ['GET', `${prefix}/:id`],
        ['PUT', `${prefix}/:id`],
        ['PATCH', `${prefix}/:id`],
        ['PATCH', `${prefix}/:id/complete`],
        ['DELETE', `${prefix}/:id`],
        ['POST', `${prefix}/complete-all`],
        ['POST', `${prefix}/:id/move`],
        ['DELETE', prefix],
        ['GET', `${prefix}/summary`],
      ]),
      ...['/api/categories', '/api/:userId/categories'].flatMap((prefix): [Method, string][] => [
        ['GET', prefix],
        ['POST', prefix],
        ['GET', `${prefix}/:id`],
        ['PATCH', `${prefix}/:id`],
        ['DELETE', `${prefix}/:id`],
      ]),
    ];

    const text = fc.oneof(
      fc.string(),
      fc.string({ unit: 'binary', maxLength: 30 }),
      fc.string({ unit: 'binary-ascii', maxLength: 30 }),
    );
    const numberText = fc.oneof(
      fc.integer().map(String),
      fc.double().map(String),
      fc.bigInt().map(String),
      fc.constantFrom('0', '-1', '1.5', '1e3', '01', '0x10', '2147483648', '1e400', 'NaN', ''),
    );
    const FIELDS = [
      'title',
      'description',
      'priority',
      'due_date',
      'completed',
      'user_id',
      'id',
      'created_at',
      'version',
      'email',
      'password',
      'name',
      'refresh_token',
      'category_ids',
      'color',
      'after_id',
      'before_id',
      'position',
      'remind_at',
      'reminded_at',
      'recurrence',
      '__proto__',
      'constructor',
    ];
    const value = fc.oneof(
      fc.jsonValue({ maxDepth: 2, stringUnit: 'binary' }),
      text,
      fc.constantFrom('high', 'low', '2026-01-01', '2026-02-30', 'a@b.co', '#aabbcc'),
      fc.constantFrom('FREQ=DAILY', 'FREQ=WEEKLY;BYDAY=MO;COUNT=3', 'FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30'),
      fc.array(fc.oneof(fc.integer(), fc.constant(1)), { maxLength: 25 }),
    );
    const body = fc.oneof(
      fc.constant(undefined),
      fc.dictionary(fc.oneof(fc.constantFrom(...FIELDS), text), value, { maxKeys: 6 }).map((o) => JSON.stringify(o)),
      fc.jsonValue({ maxDepth: 3, stringUnit: 'binary' }).map((v) => JSON.stringify(v)),
      text,
    );
    const QUERY_KEYS = [
      'status',
      'completed',
      'priority',
      'q',
      'due_before',
      'due_after',
      'sort',
      'limit',
      'offset',
      'category_id',
      'uncategorized',
      'tz',
    ];
    const query = fc.dictionary(
      fc.oneof(fc.constantFrom(...QUERY_KEYS), text),
      fc.oneof(text, numberText, fc.constantFrom('-title', 'priority', 'pending', 'true', '%', '_', 'Europe/Paris')),
      { maxKeys: 5 },
    );
    // Task ids exist only once beforeAll has run, so the arbitrary names them and the run resolves them.
    const pathId = fc.oneof(fc.constantFrom('<own task>', '<victim task>', '<victim category>'), numberText, text);
    const pathUser = fc.oneof(fc.constant(fuzzUser), fc.constant(victim), text);
    const visible = fc.string({
      unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
      maxLength: 40,
    });
    const request = fc.record({
      route: fc.constantFrom(...ROUTES),
      id: pathId,
      userId: pathUser,
      query,
      body,
      // Mostly well-formed envelopes, so most requests get past authentication and parsing.
      contentType: fc.oneof(
        { arbitrary: fc.constantFrom('application/json', 'application/json; charset=utf-8'), weight: 6 },
        {
          arbitrary: fc.constantFrom(
            'text/plain',
            'application/x-www-form-urlencoded',
            'application/xml',
            'multipart/form-data; boundary=x',
          ),
          weight: 1,
        },
      ),
      auth: fc.oneof(
        { arbitrary: fc.constant('token'), weight: 6 },
        { arbitrary: fc.constantFrom('none', 'garbage'), weight: 1 },
      ),
      ifMatch: fc.option(visible, { nil: undefined }),
      idempotencyKey: fc.option(visible, { nil: undefined }),
    });

    it("never answers 5xx or anything the OpenAPI document does not promise, and never touches another user's task", async () => {
      const victimRows = async () => {
        const rows: unknown[] = [];
        for (const table of ['tasks', 'categories', 'task_categories']) {
          rows.push((await t.sql.query(`SELECT * FROM ${table} WHERE user_id = $1`, [victim])).rows);
        }
        return rows;
      };
      const victimBefore = await victimRows();
      await fc.assert(
        fc.asyncProperty(request, async (r) => {
          const [method, template] = r.route;
          const placeholders: Record<string, number> = {
            '<own task>': ownTaskId,
            '<victim task>': victimTaskId,
            '<victim category>': victimCategoryId,
          };
          const id = r.id in placeholders ? String(placeholders[r.id]) : r.id;
          const path = template.replace(':id', encodeURIComponent(id)).replace(':userId', encodeURIComponent(r.userId));
          const search = new URLSearchParams(r.query).toString();
          const url = `${path}${search ? `?${search}` : ''}`;
          const headers: Record<string, string> = {};
          if (r.auth === 'token') headers.authorization = `Bearer ${token}`;
          if (r.auth === 'garbage') headers.authorization = `Bearer ${r.userId}`;
          if (r.body !== undefined) headers['content-type'] = r.contentType;
          if (r.ifMatch !== undefined) headers['if-match'] = r.ifMatch;
          if (r.idempotencyKey !== undefined) headers['idempotency-key'] = r.idempotencyKey;
          const response = await t.app.inject({ method, url, headers, payload: r.body });
          noServerError(response, `${method} ${url} ${JSON.stringify(headers)} ${r.body}`);
          // And every status and body is one the OpenAPI document promises for that operation.
          expect(documentDrift(method, url, response)).toEqual([]);
        }),
        { numRuns: runs.input },
      );
      expect(await victimRows()).toEqual(victimBefore);
    });
  });
}
