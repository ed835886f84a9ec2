import type { Task, TaskPage } from './support/api-types.js';
import { type Session, type TestResponse, useTestApp, useUsers } from './support/test-app.js';

/**
 * Tasks of a shared list, for each role (contract: "Lists, sharing and subtasks"): what every task
 * route answers to the owner, an editor, a viewer, a non-member and a removed member, what it
 * stores, and what each one's sync and labels hold. Memberships are written with SQL here, as the
 * lists module would (test/list-sharing.e2e-spec.ts covers its routes): the triggers do the rest.
 */
type Shared = Task & { list_id: number; created_by: string | null; assignee_id: string | null };
interface SyncPage {
  tasks: Shared[];
  lists: { id: number }[];
  deleted: { tasks: number[]; categories: number[]; lists: number[] };
  cursor: string;
  has_more: boolean;
}

describe('tasks of a shared list', () => {
  const t = useTestApp();
  const [owner, editor, viewer, stranger, removed] = useUsers(t, 5);

  const call = (session: Session, method: string, url: string, body?: unknown): Promise<TestResponse> =>
    t.request({ method: method, url, token: session.token, body });

  const share = async (listId: number, session: Session, role: 'editor' | 'viewer') => {
    await t.sql.query(
      `INSERT INTO list_members (list_id, user_id, role, position) VALUES ($1::int, $2, $3, 'n' || $1::int)`,
      [listId, session.user.id, role],
    );
  };
  const unshare = (listId: number, session: Session) =>
    t.sql.query('DELETE FROM list_members WHERE list_id = $1 AND user_id = $2', [listId, session.user.id]);

  /** A list of `owner`'s, shared with the editor and the viewer; the removed member was in it once. */
  const sharedList = async (): Promise<number> => {
    const { rows } = await t.sql.query<{ id: number }>(
      `INSERT INTO lists (owner_id, name) VALUES ($1, 'Family') RETURNING id`,
      [owner.user.id],
    );
    const listId = rows[0].id;
    await t.sql.query(`INSERT INTO list_members (list_id, user_id, role, position) VALUES ($1, $2, 'owner', 'm0')`, [
      listId,
      owner.user.id,
    ]);
    await share(listId, editor, 'editor');
    await share(listId, viewer, 'viewer');
    await share(listId, removed, 'editor');
    await unshare(listId, removed);
    return listId;
  };

  const createIn = async (session: Session, listId: number, title: string): Promise<Shared> => {
    const res = await call(session, 'POST', '/api/tasks', { title, list_id: listId });
    expect(res.statusCode).toBe(201);
    return res.json<Shared>();
  };

  const stored = async (id: number) =>
    (await t.sql.query('SELECT title, completed, version, position FROM tasks WHERE id = $1', [id])).rows[0] as unknown;

  const sync = async (session: Session, cursor?: string): Promise<SyncPage> => {
    const res = await call(session, 'GET', `/api/sync${cursor ? `?cursor=${cursor}` : ''}`);
    expect(res.statusCode).toBe(200);
    return res.json<SyncPage>();
  };

  it('lets the owner and editors write its tasks, viewers only read them, and shows others nothing', async () => {
    const listId = await sharedList();
    const task = await createIn(owner, listId, 'Milk');
    const anchor = await createIn(owner, listId, 'Bread');
    const routes: { method: string; url: string; body?: unknown; ok: number }[] = [
      { method: 'GET', url: `/api/tasks/${task.id}`, ok: 200 },
      { method: 'PATCH', url: `/api/tasks/${task.id}`, body: { title: 'Oat milk' }, ok: 200 },
      { method: 'PUT', url: `/api/tasks/${task.id}`, body: { priority: 'high' }, ok: 200 },
      { method: 'PATCH', url: `/api/tasks/${task.id}/complete`, ok: 200 },
      { method: 'POST', url: `/api/tasks/${task.id}/move`, body: { after_id: anchor.id }, ok: 200 },
    ];
    const expected = {
      owner: (ok: number) => ok,
      editor: (ok: number) => ok,
      viewer: (ok: number, method: string) => (method === 'GET' ? ok : 403),
      stranger: () => 404,
      removed: () => 404,
    };
    const sessions = { owner, editor, viewer, stranger, removed };
    for (const [name, session] of Object.entries(sessions) as [keyof typeof sessions, Session][]) {
      for (const route of routes) {
        const before = await stored(task.id);
        const res = await call(session, route.method, route.url, route.body);
        const status = expected[name](route.ok, route.method);
        expect({ name, route: `${route.method} ${route.url}`, status: res.statusCode }).toEqual({
          name,
          route: `${route.method} ${route.url}`,
          status,
        });
        if (status !== 200 || route.method === 'GET') expect(await stored(task.id)).toEqual(before);
        if (status === 403) expect(res.json<{ detail: string }>().detail).toMatch(/editor or owner role/);
      }
    }
    // Deleting: refused to the viewer and to non-members, allowed to an editor.
    for (const session of [viewer, stranger, removed]) {
      expect((await call(session, 'DELETE', `/api/tasks/${task.id}`)).statusCode).toBe(session === viewer ? 403 : 404);
    }
    expect((await call(editor, 'DELETE', `/api/tasks/${task.id}`)).statusCode).toBe(204);
    expect(await stored(task.id)).toBeUndefined();
  });

  it('creates tasks in the list for writers only: 403 for a viewer, 422 on list_id for a non-member', async () => {
    const listId = await sharedList();
    const byEditor = await createIn(editor, listId, 'By the editor');
    expect(byEditor).toMatchObject({ list_id: listId, user_id: owner.user.id, created_by: editor.user.id });
    expect((await call(viewer, 'POST', '/api/tasks', { title: 'no', list_id: listId })).statusCode).toBe(403);
    for (const session of [stranger, removed]) {
      const res = await call(session, 'POST', '/api/tasks', { title: 'no', list_id: listId });
      expect(res.statusCode).toBe(422);
      expect(res.json<{ errors: { field: string }[] }>().errors).toEqual([
        expect.objectContaining({ field: 'list_id' }),
      ]);
    }
    const { rows } = await t.sql.query('SELECT title FROM tasks WHERE list_id = $1', [listId]);
    expect(rows).toEqual([{ title: 'By the editor' }]);
  });

  it('lists, filters and counts the shared tasks for members; bulk writes skip lists the caller only views', async () => {
    const listId = await sharedList();
    await createIn(owner, listId, 'Shared one');
    await createIn(owner, listId, 'Shared two');
    await call(viewer, 'POST', '/api/tasks', { title: 'Viewer own' });

    const page = async (session: Session, query: string) =>
      (await call(session, 'GET', `/api/tasks?${query}`))
        .json<TaskPage>()
        .items.map((task) => task.title)
        .sort();
    expect(await page(viewer, 'limit=100')).toEqual(expect.arrayContaining(['Shared one', 'Shared two', 'Viewer own']));
    expect(await page(viewer, `list_id=${listId}`)).toEqual(['Shared one', 'Shared two']);
    expect(await page(stranger, `list_id=${listId}`)).toEqual([]);
    expect(await page(removed, 'q=Shared')).toEqual([]);

    const completeAll = await call(viewer, 'POST', '/api/tasks/complete-all?q=Shared', { completed: true });
    expect(completeAll.json()).toEqual({ updated: 0 });
    const cleared = await call(viewer, 'DELETE', '/api/tasks?q=Shared');
    expect(cleared.json()).toEqual({ deleted: 0 });
    expect(await page(owner, `list_id=${listId}&status=pending`)).toEqual(['Shared one', 'Shared two']);

    const summary = await call(editor, 'GET', `/api/tasks/summary?list_id=${listId}`);
    expect(summary.json()).toMatchObject({ total: 2, pending: 2 });
    const done = await call(editor, 'POST', `/api/tasks/complete-all?list_id=${listId}`, { completed: true });
    expect(done.json()).toEqual({ updated: 2 });
  });

  it('keeps labels personal: each member sees their own categories on a shared task', async () => {
    const listId = await sharedList();
    const task = await createIn(owner, listId, 'Labelled');
    const category = async (session: Session, name: string) =>
      (await call(session, 'POST', '/api/categories', { name })).json<{ id: number }>().id;
    const ownerLabel = await category(owner, 'Home');
    const viewerLabel = await category(viewer, 'Mine');
    expect((await call(owner, 'PATCH', `/api/tasks/${task.id}`, { category_ids: [ownerLabel] })).statusCode).toBe(200);
    const labelled = await call(viewer, 'PATCH', `/api/tasks/${task.id}`, { category_ids: [viewerLabel] });
    expect(labelled.statusCode).toBe(200);
    expect(labelled.json<Task>().category_ids).toEqual([viewerLabel]);
    expect((await call(owner, 'GET', `/api/tasks/${task.id}`)).json<Task>().category_ids).toEqual([ownerLabel]);
    expect((await call(editor, 'GET', `/api/tasks/${task.id}`)).json<Task>().category_ids).toEqual([]);
    // Another member's label is not one of yours: 422, as for any category that is not yours.
    expect((await call(editor, 'PATCH', `/api/tasks/${task.id}`, { category_ids: [ownerLabel] })).statusCode).toBe(422);
    // Leaving the list takes the member's labels on it.
    await unshare(listId, viewer);
    const { rows } = await t.sql.query('SELECT user_id FROM task_categories WHERE task_id = $1', [task.id]);
    expect(rows).toEqual([{ user_id: owner.user.id }]);
  });

  it('syncs what access allows: a joined list arrives in full, a left one as deleted.lists and then nothing', async () => {
    const listId = await sharedList();
    const old = await createIn(owner, listId, 'Older than the member');
    const joiner = stranger;
    const before = await sync(joiner);
    expect(before.tasks.map((task) => task.id)).not.toContain(old.id);

    await share(listId, joiner, 'viewer');
    const joined = await sync(joiner, before.cursor);
    expect(joined.tasks.map((task) => task.id)).toEqual([old.id]);

    const changed = await call(editor, 'PATCH', `/api/tasks/${old.id}`, { title: 'Changed by the editor' });
    expect(changed.statusCode).toBe(200);
    const later = await sync(joiner, joined.cursor);
    expect(later.tasks.map((task) => task.title)).toEqual(['Changed by the editor']);

    await unshare(listId, joiner);
    const left = await sync(joiner, later.cursor);
    expect(left.deleted.lists).toEqual([listId]);
    expect(left.tasks).toEqual([]);
    await call(owner, 'PATCH', `/api/tasks/${old.id}`, { title: 'After they left' });
    await createIn(owner, listId, 'New after they left');
    const after = await sync(joiner, left.cursor);
    expect(after.tasks).toEqual([]);
    expect(after.deleted).toEqual({ tasks: [], categories: [], lists: [] });
    expect(after.cursor).toBe(left.cursor);
  });

  it('drops a list left and joined again since the cursor before sending it anew, so no deleted task survives', async () => {
    const listId = await sharedList();
    const doomed = await createIn(owner, listId, 'Deleted while away');
    const kept = await createIn(owner, listId, 'Still there');
    const member = stranger;
    await share(listId, member, 'editor');
    const start = await sync(member);
    expect(start.tasks.map((task) => task.id)).toEqual(expect.arrayContaining([doomed.id, kept.id]));

    await unshare(listId, member);
    expect((await call(owner, 'DELETE', `/api/tasks/${doomed.id}`)).statusCode).toBe(204);
    await share(listId, member, 'viewer');

    // First the loss, alone: whatever order a client applies a page's parts in, it drops the list.
    const lost = await sync(member, start.cursor);
    expect(lost).toMatchObject({ deleted: { lists: [listId] }, lists: [], has_more: true });
    expect(lost.tasks.filter((task) => task.list_id === listId)).toEqual([]);
    // Then the list in full, as it is now.
    const back = await sync(member, lost.cursor);
    expect(back.deleted.lists).toEqual([]);
    expect(back.lists.map((list) => list.id)).toEqual([listId]);
    expect(back.tasks.map((task) => task.id)).toEqual([kept.id]);
  });

  it('sends a task moved out of a list the member reads as deleted, and nothing of it after', async () => {
    const listId = await sharedList();
    const task = await createIn(owner, listId, 'Moving out');
    const start = await sync(editor);
    const inbox = (await call(owner, 'GET', '/api/tasks')).json<TaskPage>();
    const ownInbox = inbox.items.find((item) => item.id !== task.id);
    const { rows } = await t.sql.query<{ id: number }>('SELECT id FROM lists WHERE owner_id = $1 AND is_inbox', [
      owner.user.id,
    ]);
    expect(ownInbox === undefined || ownInbox.id !== task.id).toBe(true);
    const moved = await call(owner, 'PATCH', `/api/tasks/${task.id}`, { list_id: rows[0].id });
    expect(moved.statusCode).toBe(200);
    expect(moved.json<Shared>().list_id).toBe(rows[0].id);
    const page = await sync(editor, start.cursor);
    expect(page.deleted.tasks).toEqual([task.id]);
    expect(page.tasks.map((item) => item.id)).not.toContain(task.id);
    expect((await call(editor, 'GET', `/api/tasks/${task.id}`)).statusCode).toBe(404);
  });
});
