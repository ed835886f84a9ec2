import fc from 'fast-check';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';

type Method = NonNullable<InjectOptions['method']>;
import { documentDrift } from './openapi-validator.js';
import type { Category, CategoryList, Invitation, List, ListList, SyncPage, Task, TaskPage } from './api-types.js';
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
 * (tasks, subtasks, categories, lists shared with roles) checked against a simple model, with each
 * user's sync replica checked against what they read; and random bodies, queries, headers and path
 * values on every route. Runs are bounded (numRuns) so the suite stays quick; a failure prints the shrunk case.
 *
 * `open` starts the app they drive: test/properties.e2e-spec.ts runs them on the usual one,
 * test/pooled.e2e-spec.ts through a transaction pooler.
 */
export function describeProperties(
  name: string,
  open: () => Promise<TestApp>,
  runs: PropertyRuns = { model: 20, input: 300 },
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
    type Role = 'owner' | 'editor' | 'viewer';
    interface ModelTask {
      id: number;
      list: number;
      parent: number | null;
      title: string;
      description: string | null;
      completed: boolean;
      priority: 'low' | 'medium' | 'high';
      /** Each user's own labels on the task (categories are personal), by user index. */
      labels: number[][];
    }
    interface ModelCategory {
      id: number;
      owner: number;
      name: string;
    }
    interface ModelList {
      id: number;
      owner: number;
      inbox: boolean;
      /** Every member's role, the owner's included. */
      members: Map<number, Role>;
    }
    /** What one user's client holds, built only from GET /api/sync pages. */
    interface Replica {
      cursor?: string;
      tasks: Map<number, Task>;
      lists: Map<number, List>;
    }
    type Op =
      | {
          kind: 'create';
          user: number;
          title: string;
          description: string | null;
          priority: ModelTask['priority'];
          completed: boolean;
          /** The inbox (no list_id), a list (list_id) or a parent task (parent_id). */
          where: 'inbox' | 'list' | 'parent';
          at: number;
          anyones: boolean;
        }
      | {
          kind: 'update';
          user: number;
          pick: number;
          anyones: boolean;
          title?: string;
          description?: string | null;
          priority?: ModelTask['priority'];
        }
      | { kind: 'complete'; user: number; pick: number; anyones: boolean; completed?: boolean }
      | { kind: 'delete'; user: number; pick: number; anyones: boolean }
      | { kind: 'get'; user: number; pick: number; anyones: boolean }
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
        }
      | { kind: 'create-list'; user: number; name: string }
      | { kind: 'share'; user: number; pick: number; other: number; role: 'editor' | 'viewer'; anyones: boolean }
      | { kind: 'set-role'; user: number; pick: number; member: number; role: 'editor' | 'viewer'; anyones: boolean }
      | { kind: 'remove-member'; user: number; pick: number; member: number; anyones: boolean }
      | { kind: 'delete-list'; user: number; pick: number; anyones: boolean }
      | { kind: 'sync'; user: number };

    const USERS = 3;
    /** Levels of tasks: a task, its subtasks, theirs, and one more. */
    const MAX_DEPTH = 4;
    const user = fc.nat({ max: USERS - 1 });
    const pick = fc.nat({ max: 40 });
    const title = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }).filter((s) => s.trim().length > 0);
    const description = fc.option(fc.string({ unit: 'grapheme', maxLength: 40 }), { nil: null });
    const priority = fc.constantFrom('low' as const, 'medium' as const, 'high' as const);
    const role = fc.constantFrom('editor' as const, 'viewer' as const);
    /** Mostly a target chosen to succeed (the user's own, a sibling, ...); sometimes anyone's. */
    const anyones = fc.oneof({ arbitrary: fc.constant(false), weight: 3 }, { arbitrary: fc.constant(true), weight: 1 });
    const op: fc.Arbitrary<Op> = fc.oneof(
      // Weighted up, so that users hold several tasks for the other operations (moves above all) to act on.
      {
        weight: 8,
        arbitrary: fc.record({
          kind: fc.constant('create' as const),
          user,
          title,
          description,
          priority,
          completed: fc.boolean(),
          // Subtasks of recent tasks, so that trees grow to the depth limit and past it.
          where: fc.constantFrom('inbox' as const, 'list' as const, 'parent' as const, 'parent' as const),
          at: pick,
          anyones,
        }),
      },
      fc.record(
        { kind: fc.constant('update' as const), user, pick, anyones, title, description, priority },
        { requiredKeys: ['kind', 'user', 'pick', 'anyones'] },
      ),
      fc.record(
        { kind: fc.constant('complete' as const), user, pick, anyones, completed: fc.boolean() },
        { requiredKeys: ['kind', 'user', 'pick', 'anyones'] },
      ),
      fc.record({ kind: fc.constant('delete' as const), user, pick, anyones }),
      fc.record({ kind: fc.constant('get' as const), user, pick, anyones }),
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
        anyones,
      }),
      fc.record(
        { kind: fc.constant('complete-all' as const), user, completed: fc.boolean(), category: pick },
        { requiredKeys: ['kind', 'user', 'completed'] },
      ),
      fc.record({ kind: fc.constant('clear-completed' as const), user }),
      // Weighted up: a move needs two sibling tasks the user may write, which a short run has only now and then.
      {
        weight: 3,
        arbitrary: fc.record({
          kind: fc.constant('move' as const),
          user,
          pick,
          anchor: pick,
          where: fc.constantFrom('after' as const, 'before' as const, 'top' as const),
          anyones,
        }),
      },
      {
        weight: 3,
        arbitrary: fc.record({
          kind: fc.constant('create-list' as const),
          user,
          name: fc.constantFrom('Shared', 'Trip'),
        }),
      },
      // Weighted up: shared lists are what the other list operations and most task rules act on.
      {
        weight: 4,
        arbitrary: fc.record({ kind: fc.constant('share' as const), user, pick, other: user, role, anyones }),
      },
      fc.record({ kind: fc.constant('set-role' as const), user, pick, member: user, role, anyones }),
      fc.record({ kind: fc.constant('remove-member' as const), user, pick, member: user, anyones }),
      fc.record({ kind: fc.constant('delete-list' as const), user, pick, anyones }),
      { weight: 2, arbitrary: fc.record({ kind: fc.constant('sync' as const), user }) },
    );

    let run = 0;

    it('each user sees exactly the tasks and lists their roles let them read, refused writes change nothing, sync replicas match, and nothing is ever a 5xx', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(op, { minLength: 5, maxLength: 40, size: 'medium' }),
          fc.boolean(),
          async (ops, viaUserPath) => {
            run++;
            const ids = Array.from({ length: USERS }, (_, i) => `model-${process.pid}-${run}-${i}`);
            const tokens = ids.map((sub) => mintToken({ sub }));
            const base = (u: number) => (viaUserPath ? `/api/${ids[u]}/tasks` : '/api/tasks');
            const listsBase = (u: number) => (viaUserPath ? `/api/${ids[u]}/lists` : '/api/lists');
            const model = new Map<number, ModelTask>();
            const lists = new Map<number, ModelList>();
            /** Every list of the run, deleted ones included, in the order they were made. */
            const createdLists: number[] = [];
            const inboxes: number[] = [];
            /** Each user's lists in their own order: the inbox first, then those made or joined. */
            const listOrders: number[][] = Array.from({ length: USERS }, () => []);
            /** Each (list, parent)'s task ids in manual order. */
            const siblings = new Map<string, number[]>();
            const group = (task: Pick<ModelTask, 'list' | 'parent'>) => `${task.list}/${task.parent ?? ''}`;
            const siblingsOf = (task: Pick<ModelTask, 'list' | 'parent'>) => {
              const key = group(task);
              if (!siblings.has(key)) siblings.set(key, []);
              return siblings.get(key)!;
            };
            const created: number[] = [];
            const target = (n: number) => (created.length ? created[n % created.length] : 2_147_483_647);
            const listTarget = (n: number) => createdLists[n % createdLists.length];
            const categories = new Map<number, ModelCategory>();
            const createdCategories: number[] = [];
            const categoryTarget = (n: number) =>
              createdCategories.length ? createdCategories[n % createdCategories.length] : 2_147_483_647;
            const categoriesBase = (u: number) => (viaUserPath ? `/api/${ids[u]}/categories` : '/api/categories');
            const replicas: Replica[] = Array.from({ length: USERS }, () => ({
              tasks: new Map(),
              lists: new Map(),
            }));
            const call = async (
              u: number,
              method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
              url: string,
              body?: object,
            ) => {
              const response = await t.request({ method, url, token: tokens[u], body });
              noServerError(response, `${method} ${url} ${JSON.stringify(body)}`);
              return response;
            };
            const send = (
              u: number,
              method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
              path: string,
              body?: object,
            ) => call(u, method, `${base(u)}${path}`, body);

            /** The user's role in the list; undefined when they are not a member (or it is gone). */
            const roleIn = (u: number, listId: number | undefined) =>
              listId === undefined ? undefined : lists.get(listId)?.members.get(u);
            const canWrite = (u: number, listId: number | undefined) => {
              const r = roleIn(u, listId);
              return r === 'owner' || r === 'editor';
            };
            /** The task when the user may read it (a member of its list); any other is a 404. */
            const readable = (u: number, id: number) => {
              const task = model.get(id);
              return task && roleIn(u, task.list) ? task : undefined;
            };
            /** Mostly a task the user can read; sometimes anyone's, deleted ones included. */
            const taskFor = (u: number, n: number, any: boolean) => {
              const mine = created.filter((id) => readable(u, id));
              return any || !mine.length ? target(n) : mine[n % mine.length];
            };
            const children = (id: number) => [...model.values()].filter((task) => task.parent === id);
            const subtree = (id: number): ModelTask[] => children(id).flatMap((child) => [child, ...subtree(child.id)]);
            const depth = (task: ModelTask): number => (task.parent === null ? 1 : 1 + depth(model.get(task.parent)!));
            const removeTask = (id: number) => {
              const task = model.get(id);
              if (!task) return;
              for (const child of children(id)) removeTask(child.id);
              model.delete(id);
              const order = siblingsOf(task);
              order.splice(order.indexOf(id), 1);
            };
            /** Losing a list: it leaves the user's order, and their labels on its tasks go (a trigger drops them). */
            const loseList = (u: number, listId: number) => {
              listOrders[u].splice(listOrders[u].indexOf(listId), 1);
              for (const task of model.values()) if (task.list === listId) task.labels[u] = [];
            };

            const expectTask = (response: LightMyRequestResponse, task: ModelTask, u: number) => {
              expect(response.json()).toMatchObject({
                id: task.id,
                user_id: ids[lists.get(task.list)!.owner],
                title: task.title,
                description: task.description,
                completed: task.completed,
                priority: task.priority,
                category_ids: task.labels[u],
                list_id: task.list,
                parent_id: task.parent,
              });
            };

            // Every user's inbox, made when first needed (here, by listing their lists).
            for (let u = 0; u < USERS; u++) {
              const response = await call(u, 'GET', listsBase(u));
              expect(response.statusCode).toBe(200);
              const [inbox] = response.json<ListList>().items;
              expect(inbox).toMatchObject({ is_inbox: true, role: 'owner', owner_id: ids[u] });
              lists.set(inbox.id, { id: inbox.id, owner: u, inbox: true, members: new Map([[u, 'owner']]) });
              createdLists.push(inbox.id);
              inboxes.push(inbox.id);
              listOrders[u].push(inbox.id);
            }

            for (const o of ops) {
              if (o.kind === 'create') {
                const body: Record<string, unknown> = {
                  title: o.title,
                  description: o.description,
                  priority: o.priority,
                  completed: o.completed,
                };
                let status = 201;
                let list = inboxes[o.user];
                let parent: number | null = null;
                if (o.where === 'list') {
                  const mine = listOrders[o.user];
                  list = o.anyones ? listTarget(o.at) : mine[o.at % mine.length];
                  body.list_id = list;
                  status = !roleIn(o.user, list) ? 422 : canWrite(o.user, list) ? 201 : 403;
                } else if (o.where === 'parent' && (o.anyones || created.some((id) => readable(o.user, id)))) {
                  // Mostly one of the last tasks the user can read, so that chains of subtasks grow.
                  const mine = created.filter((id) => readable(o.user, id));
                  parent = o.anyones ? target(o.at) : mine[mine.length - 1 - (o.at % Math.min(5, mine.length))];
                  body.parent_id = parent;
                  const parentTask = readable(o.user, parent);
                  list = parentTask?.list ?? list;
                  status = !parentTask || depth(parentTask) >= MAX_DEPTH ? 422 : canWrite(o.user, list) ? 201 : 403;
                }
                const response = await send(o.user, 'POST', '', body);
                expect(response.statusCode).toBe(status);
                if (status === 201) {
                  const task: ModelTask = {
                    id: response.json<Task>().id,
                    list,
                    parent,
                    title: o.title.trim(),
                    description: o.description,
                    completed: o.completed,
                    priority: o.priority,
                    labels: Array.from({ length: USERS }, () => []),
                  };
                  model.set(task.id, task);
                  siblingsOf(task).push(task.id);
                  created.push(task.id);
                  expectTask(response, task, o.user);
                }
              } else if (o.kind === 'update') {
                const id = taskFor(o.user, o.pick, o.anyones);
                const changes = { title: o.title, description: o.description, priority: o.priority };
                const response = await send(o.user, 'PATCH', `/${id}`, changes);
                const task = readable(o.user, id);
                // A PATCH that changes nothing is a read.
                const noop = o.title === undefined && o.description === undefined && o.priority === undefined;
                expect(response.statusCode).toBe(!task ? 404 : noop || canWrite(o.user, task.list) ? 200 : 403);
                if (task && (noop || canWrite(o.user, task.list))) {
                  if (o.title !== undefined) task.title = o.title.trim();
                  if (o.description !== undefined) task.description = o.description;
                  if (o.priority !== undefined) task.priority = o.priority;
                  expectTask(response, task, o.user);
                }
              } else if (o.kind === 'complete') {
                const id = taskFor(o.user, o.pick, o.anyones);
                const response = await send(
                  o.user,
                  'PATCH',
                  `/${id}/complete`,
                  o.completed === undefined ? undefined : { completed: o.completed },
                );
                const task = readable(o.user, id);
                expect(response.statusCode).toBe(!task ? 404 : canWrite(o.user, task.list) ? 200 : 403);
                if (task && canWrite(o.user, task.list)) {
                  task.completed = o.completed ?? !task.completed;
                  // Completing completes the open subtasks at every level; reopening reopens none.
                  if (task.completed) for (const sub of subtree(id)) sub.completed = true;
                  expectTask(response, task, o.user);
                }
              } else if (o.kind === 'delete') {
                const id = taskFor(o.user, o.pick, o.anyones);
                const response = await send(o.user, 'DELETE', `/${id}`);
                const task = readable(o.user, id);
                expect(response.statusCode).toBe(!task ? 404 : canWrite(o.user, task.list) ? 204 : 403);
                if (task && canWrite(o.user, task.list)) removeTask(id);
              } else if (o.kind === 'get') {
                const id = taskFor(o.user, o.pick, o.anyones);
                const response = await send(o.user, 'GET', `/${id}`);
                const task = readable(o.user, id);
                expect(response.statusCode).toBe(task ? 200 : 404);
                if (task) expectTask(response, task, o.user);
              } else if (o.kind === 'list') {
                await checkUser(o.user);
              } else if (o.kind === 'create-category') {
                const response = await call(o.user, 'POST', categoriesBase(o.user), { name: o.name });
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
                const response = await call(o.user, 'DELETE', `${categoriesBase(o.user)}/${id}`);
                const mine = categories.get(id)?.owner === o.user;
                expect(response.statusCode).toBe(mine ? 204 : 404);
                if (mine) {
                  categories.delete(id);
                  for (const task of model.values()) task.labels[o.user] = task.labels[o.user].filter((c) => c !== id);
                }
              } else if (o.kind === 'tag') {
                const id = taskFor(o.user, o.pick, o.anyones);
                const own = createdCategories.filter((c) => categories.get(c)?.owner === o.user);
                const categoryIds = o.categories.map((n) =>
                  o.anyones || !own.length ? categoryTarget(n) : own[n % own.length],
                );
                const response = await send(o.user, 'PATCH', `/${id}`, { category_ids: categoryIds });
                // Labels are personal: any member may put theirs on a task they read, a viewer too.
                const task = readable(o.user, id);
                const allMine = categoryIds.every((c) => categories.get(c)?.owner === o.user);
                // The task decides first (404); then a category that is not the user's is a 422.
                expect(response.statusCode).toBe(!task ? 404 : allMine ? 200 : 422);
                if (task && allMine) {
                  task.labels[o.user] = [...new Set(categoryIds)].sort((a, b) => a - b);
                  expectTask(response, task, o.user);
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
                // Never a task of a list the user only views.
                const matching = [...model.values()].filter(
                  (task) =>
                    canWrite(o.user, task.list) &&
                    task.completed !== o.completed &&
                    (category === undefined || task.labels[o.user].includes(category)),
                );
                for (const task of matching) task.completed = o.completed;
                // Completing completes their open subtasks too, matching or not (all in lists the user writes).
                const closed = o.completed
                  ? [...new Set(matching.flatMap((task) => subtree(task.id)))].filter((task) => !task.completed)
                  : [];
                for (const task of closed) task.completed = true;
                expect(response.json()).toEqual({ updated: matching.length + closed.length });
              } else if (o.kind === 'clear-completed') {
                const response = await send(o.user, 'DELETE', '?status=completed');
                expect(response.statusCode).toBe(200);
                const done = [...model.values()].filter((task) => canWrite(o.user, task.list) && task.completed);
                expect(response.json()).toEqual({ deleted: done.length });
                // Their subtasks go with them, open ones too.
                for (const task of done) removeTask(task.id);
              } else if (o.kind === 'move') {
                // Mostly a task the user may write, with a sibling (same list, same parent) as the anchor.
                const writable = created.filter((id) => model.has(id) && canWrite(o.user, model.get(id)!.list));
                const paired = writable.filter((id) => siblingsOf(model.get(id)!).length > 1);
                const mine = o.anyones ? [] : paired.length ? paired : writable;
                const id = mine.length ? mine[o.pick % mine.length] : target(o.pick);
                const own = mine.length ? siblingsOf(model.get(id)!) : [];
                // Another sibling as the anchor (the task itself only when it is its only one).
                const anchor = mine.length
                  ? own[(own.indexOf(id) + 1 + (o.anchor % Math.max(1, own.length - 1))) % own.length]
                  : target(o.anchor);
                const body = o.where === 'top' ? { after_id: null } : { [`${o.where}_id`]: anchor };
                const response = await send(o.user, 'POST', `/${id}/move`, body);
                const task = readable(o.user, id);
                const anchorTask = model.get(anchor);
                const status =
                  o.where !== 'top' && anchor === id
                    ? 422
                    : !task
                      ? 404
                      : !canWrite(o.user, task.list)
                        ? 403
                        : o.where !== 'top' && (!anchorTask || group(anchorTask) !== group(task))
                          ? 422
                          : 200;
                expect(response.statusCode).toBe(status);
                if (status === 200) {
                  const order = siblingsOf(task!);
                  order.splice(order.indexOf(id), 1);
                  const at = o.where === 'top' ? 0 : order.indexOf(anchor) + (o.where === 'after' ? 1 : 0);
                  order.splice(at, 0, id);
                  expectTask(response, task!, o.user);
                }
              } else if (o.kind === 'create-list') {
                const response = await call(o.user, 'POST', listsBase(o.user), { name: o.name });
                expect(response.statusCode).toBe(201);
                const list = response.json<List>();
                expect(list).toMatchObject({ name: o.name, role: 'owner', owner_id: ids[o.user], is_inbox: false });
                lists.set(list.id, { id: list.id, owner: o.user, inbox: false, members: new Map([[o.user, 'owner']]) });
                createdLists.push(list.id);
                listOrders[o.user].push(list.id);
              } else if (o.kind === 'share') {
                // Through the real routes: the owner makes a code, the other user accepts it. Mostly by the
                // owner of a list, to one who is not in it yet; sometimes by anyone, to anyone.
                const live = createdLists.filter((id) => lists.has(id) && !lists.get(id)!.inbox);
                const mostly = !o.anyones && live.length > 0;
                const listId = mostly ? live[o.pick % live.length] : listTarget(o.pick);
                const list = lists.get(listId);
                const actor = mostly ? list!.owner : o.user;
                const outside = [...Array(USERS).keys()].filter((u) => !roleIn(u, listId));
                const other = mostly && outside.length ? outside[o.other % outside.length] : o.other;
                const r = roleIn(actor, listId);
                const invited = await call(actor, 'POST', `${listsBase(actor)}/${listId}/invitations`, {
                  role: o.role,
                });
                expect(invited.statusCode).toBe(!r ? 404 : r !== 'owner' ? 403 : list!.inbox ? 422 : 201);
                if (invited.statusCode === 201) {
                  const { code } = invited.json<Invitation>();
                  const accepted = await call(other, 'POST', `/api/invitations/${code}/accept`);
                  // One already in the list, the owner included, gets 409 and the code stays open.
                  const member = roleIn(other, listId);
                  expect(accepted.statusCode).toBe(member ? 409 : 200);
                  if (member) {
                    const revoked = await call(actor, 'DELETE', `${listsBase(actor)}/${listId}/invitations/${code}`);
                    expect(revoked.statusCode).toBe(204);
                  } else {
                    list!.members.set(other, o.role);
                    listOrders[other].push(listId);
                    expect(accepted.json()).toMatchObject({ id: listId, role: o.role, owner_id: ids[list!.owner] });
                  }
                }
              } else if (o.kind === 'set-role') {
                // Mostly by the owner of a shared list, of another member.
                const shared = createdLists.filter((id) => (lists.get(id)?.members.size ?? 0) > 1);
                const mostly = !o.anyones && shared.length > 0;
                const listId = mostly ? shared[o.pick % shared.length] : listTarget(o.pick);
                const list = lists.get(listId);
                const actor = mostly ? list!.owner : o.user;
                const others = mostly ? [...list!.members.keys()].filter((m) => m !== actor) : [];
                const member = mostly ? others[o.member % others.length] : o.member;
                const response = await call(actor, 'PATCH', `${listsBase(actor)}/${listId}/members/${ids[member]}`, {
                  role: o.role,
                });
                const r = roleIn(actor, listId);
                const theirs = roleIn(member, listId);
                const status = !r ? 404 : r !== 'owner' ? 403 : !theirs ? 404 : theirs === 'owner' ? 422 : 200;
                expect(response.statusCode).toBe(status);
                if (status === 200) {
                  list!.members.set(member, o.role);
                  expect(response.json()).toMatchObject({ user_id: ids[member], role: o.role });
                }
              } else if (o.kind === 'remove-member') {
                // Mostly a shared list: the user leaves it when they are a member, else its owner removes one.
                const shared = createdLists.filter((id) => (lists.get(id)?.members.size ?? 0) > 1);
                const mostly = !o.anyones && shared.length > 0;
                const listId = mostly ? shared[o.pick % shared.length] : listTarget(o.pick);
                const list = lists.get(listId);
                const inIt = mostly && roleIn(o.user, listId) !== undefined && list!.owner !== o.user;
                const actor = mostly && !inIt ? list!.owner : o.user;
                const others = mostly ? [...list!.members.keys()].filter((m) => m !== actor) : [];
                const member = !mostly ? o.member : inIt ? o.user : others[o.member % others.length];
                const response = await call(actor, 'DELETE', `${listsBase(actor)}/${listId}/members/${ids[member]}`);
                const r = roleIn(actor, listId);
                const leaving = member === actor;
                const status = !r
                  ? 404
                  : leaving
                    ? list!.inbox || r === 'owner'
                      ? 422
                      : 204
                    : r !== 'owner'
                      ? 403
                      : !roleIn(member, listId)
                        ? 404
                        : 204;
                expect(response.statusCode).toBe(status);
                if (status === 204) {
                  list!.members.delete(member);
                  loseList(member, listId);
                }
              } else if (o.kind === 'delete-list') {
                const own = createdLists.filter((id) => roleIn(o.user, id) === 'owner' && !lists.get(id)!.inbox);
                const listId = o.anyones || !own.length ? listTarget(o.pick) : own[o.pick % own.length];
                const list = lists.get(listId);
                const response = await call(o.user, 'DELETE', `${listsBase(o.user)}/${listId}`);
                const r = roleIn(o.user, listId);
                const status = !r ? 404 : r !== 'owner' ? 403 : list!.inbox ? 422 : 204;
                expect(response.statusCode).toBe(status);
                if (status === 204) {
                  for (const task of [...model.values()]) if (task.list === listId) removeTask(task.id);
                  for (const member of list!.members.keys()) loseList(member, listId);
                  lists.delete(listId);
                }
              } else if (o.kind === 'sync') {
                await pull(o.user);
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
            for (let u = 0; u < USERS; u++) {
              const { tasks, lists: listed } = await checkUser(u);
              // The replica built from sync pages alone holds exactly what the user reads through REST.
              await pull(u);
              const syncFields = (task: Task) => ({
                id: task.id,
                user_id: task.user_id,
                title: task.title,
                completed: task.completed,
                list_id: task.list_id,
                parent_id: task.parent_id,
                category_ids: task.category_ids,
              });
              const listFields = (list: List) => ({
                id: list.id,
                name: list.name,
                role: list.role,
                owner_id: list.owner_id,
              });
              const byId = <T extends { id: number }>(rows: Iterable<T>) => [...rows].sort((a, b) => a.id - b.id);
              expect(byId([...replicas[u].tasks.values()].map(syncFields))).toEqual(byId(tasks.map(syncFields)));
              expect(byId([...replicas[u].lists.values()].map(listFields))).toEqual(byId(listed.map(listFields)));
            }

            /** Applies the user's sync pages after their replica's cursor, to the last one. */
            async function pull(u: number) {
              const replica = replicas[u];
              let page: SyncPage;
              do {
                const query = replica.cursor === undefined ? '' : `?cursor=${encodeURIComponent(replica.cursor)}`;
                const response = await call(u, 'GET', `/api/sync${query}`);
                expect(response.statusCode).toBe(200);
                page = response.json<SyncPage>();
                // A page holds a row once, changed or deleted; a list deleted (or lost) takes its tasks along.
                for (const id of page.deleted.lists) {
                  replica.lists.delete(id);
                  for (const task of [...replica.tasks.values()])
                    if (task.list_id === id) replica.tasks.delete(task.id);
                }
                for (const id of page.deleted.tasks) replica.tasks.delete(id);
                for (const list of page.lists) replica.lists.set(list.id, list);
                for (const task of page.tasks) replica.tasks.set(task.id, task);
                replica.cursor = page.cursor;
              } while (page.has_more);
            }

            /** The user's tasks, manual order, categories and lists through REST, against the model; returns what was read. */
            async function checkUser(u: number) {
              // One page in manual order serves both: every task the user reads, and each one's place among its siblings.
              const response = await send(u, 'GET', '?sort=position&limit=100');
              expect(response.statusCode).toBe(200);
              const visible = [...model.values()].filter((task) => roleIn(u, task.list));
              const page = response.json<TaskPage>();
              expect(page.total).toBe(visible.length);
              expect(new Map(page.items.map((item) => [item.id, item]))).toEqual(
                new Map(
                  visible.map((task) => [
                    task.id,
                    expect.objectContaining({
                      user_id: ids[lists.get(task.list)!.owner],
                      title: task.title,
                      description: task.description,
                      completed: task.completed,
                      priority: task.priority,
                      category_ids: task.labels[u],
                      list_id: task.list,
                      parent_id: task.parent,
                      subtask_count: children(task.id).length,
                      pending_subtask_count: children(task.id).filter((sub) => !sub.completed).length,
                    }),
                  ]),
                ),
              );
              // Positions order tasks among their siblings (same list, same parent).
              const manual = page.items;
              const groups = new Set(visible.map(group));
              for (const key of groups) {
                expect([
                  key,
                  manual
                    .filter((item) => group({ list: item.list_id, parent: item.parent_id }) === key)
                    .map((item) => item.id),
                ]).toEqual([key, siblings.get(key)]);
              }
              const labelled = (id: number) => visible.filter((task) => task.labels[u].includes(id));
              const counts = (id: number) => ({
                task_count: labelled(id).length,
                pending_count: labelled(id).filter((task) => !task.completed).length,
              });
              const listedCategories = await call(u, 'GET', categoriesBase(u));
              expect(listedCategories.statusCode).toBe(200);
              expect(listedCategories.json<CategoryList>().items).toEqual(
                [...categories.values()]
                  .filter((category) => category.owner === u)
                  .sort((a, b) => a.name.toLowerCase().localeCompare(b.name.toLowerCase()) || a.id - b.id)
                  .map((category): unknown =>
                    expect.objectContaining({ id: category.id, name: category.name, ...counts(category.id) }),
                  ),
              );
              const listed = await call(u, 'GET', listsBase(u));
              expect(listed.statusCode).toBe(200);
              const items = listed.json<ListList>().items;
              expect(items).toEqual(
                listOrders[u].map((id): unknown => {
                  const list = lists.get(id)!;
                  const tasks = [...model.values()].filter((task) => task.list === id);
                  return expect.objectContaining({
                    id,
                    role: list.members.get(u),
                    owner_id: ids[list.owner],
                    is_inbox: list.inbox,
                    member_count: list.members.size,
                    task_count: tasks.length,
                    pending_count: tasks.filter((task) => !task.completed).length,
                  });
                }),
              );
              return { tasks: page.items, lists: items };
            }
          },
        ),
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
