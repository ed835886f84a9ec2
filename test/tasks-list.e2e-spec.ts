import type { Problem, Task, TaskPage } from './support/api-types.js';
import { useTestApp, useUsers } from './support/test-app.js';

describe('listing tasks', () => {
  const t = useTestApp();
  const [me, other] = useUsers(t, 2);
  let mine: Task[];

  const list = async (query = '', session = me) => {
    const res = await t.request({ method: 'GET', url: `/api/tasks${query}`, token: session.token });
    return res;
  };
  const ids = async (query: string) => {
    const res = await list(query);
    expect(res.statusCode).toBe(200);
    return res.json<TaskPage>().items.map((task) => task.id);
  };

  beforeAll(async () => {
    const specs = [
      { title: 'Write report', description: 'Quarterly numbers', priority: 'high', due_date: '2026-12-01T09:00:00Z' },
      { title: 'buy milk', description: null, priority: 'low', due_date: '2026-11-25T09:00:00Z', completed: true },
      { title: 'Call Bob', description: 'about the 100% discount', priority: 'medium', due_date: null },
      {
        title: 'Alpha task',
        description: 'under_score',
        priority: 'high',
        due_date: '2026-11-30T09:00:00Z',
        completed: true,
      },
      { title: 'Zeta task', description: 'REPORT draft', priority: 'low', due_date: null },
    ];
    mine = [];
    for (const spec of specs) {
      const res = await t.request({ method: 'POST', url: '/api/tasks', token: me.token, body: spec });
      mine.push(res.json<Task>());
    }
    // Same created_at for two tasks, to check the id tie-break.
    await t.sql.query('UPDATE tasks SET created_at = $1 WHERE id = ANY($2)', [
      '2026-11-20T00:00:00.000Z',
      [mine[0].id, mine[1].id],
    ]);
    mine[0].created_at = mine[1].created_at = '2026-11-20T00:00:00.000Z';
    // updated_at in an order of its own, neither the ids' nor created_at's, with a tie for the id to break.
    const updated = ['2026-11-22', '2026-11-23', '2026-11-24', '2026-11-21', '2026-11-22'];
    for (const [i, day] of updated.entries()) {
      mine[i].updated_at = `${day}T00:00:00.000Z`;
      await t.sql.query('UPDATE tasks SET updated_at = $1 WHERE id = $2', [mine[i].updated_at, mine[i].id]);
    }
    await t.request({
      method: 'POST',
      url: '/api/tasks',
      token: other.token,
      body: { title: 'Write report for someone else', priority: 'high' },
    });
  });

  it('returns a page with total, limit and offset, newest first by default', async () => {
    const res = await list();
    expect(res.statusCode).toBe(200);
    const page = res.json<TaskPage>();
    expect(page).toMatchObject({ total: 5, limit: 50, offset: 0 });
    expect(page.items).toHaveLength(5);
    const expected = [...mine]
      .map((task) => ({
        id: task.id,
        created: task.id === mine[0].id || task.id === mine[1].id ? '2026-11-20T00:00:00.000Z' : task.created_at,
      }))
      .sort((a, b) => b.created.localeCompare(a.created) || b.id - a.id)
      .map((x) => x.id);
    expect(page.items.map((task) => task.id)).toEqual(expected);
  });

  it('pages with limit and offset while total counts every match', async () => {
    const all = await ids('?sort=title');
    const first = (await list('?sort=title&limit=2')).json<TaskPage>();
    const second = (await list('?sort=title&limit=2&offset=2')).json<TaskPage>();
    expect(first).toMatchObject({ total: 5, limit: 2, offset: 0 });
    expect(second).toMatchObject({ total: 5, limit: 2, offset: 2 });
    expect([...first.items, ...second.items].map((task) => task.id)).toEqual(all.slice(0, 4));
    const past = (await list('?offset=10')).json<TaskPage>();
    expect(past).toEqual({ items: [], total: 5, limit: 50, offset: 10 });
  });

  it('filters by status and by completed', async () => {
    const done = mine
      .filter((task) => task.completed)
      .map((task) => task.id)
      .sort();
    const pending = mine
      .filter((task) => !task.completed)
      .map((task) => task.id)
      .sort();
    expect((await ids('?status=completed')).sort()).toEqual(done);
    expect((await ids('?status=pending')).sort()).toEqual(pending);
    expect((await ids('?completed=true')).sort()).toEqual(done);
    expect((await ids('?completed=false')).sort()).toEqual(pending);
    expect((await ids('?status=all')).length).toBe(5);
    expect((await list('?status=completed')).json<TaskPage>().total).toBe(done.length);
  });

  it('filters by priority', async () => {
    expect((await ids('?priority=high')).sort()).toEqual([mine[0].id, mine[3].id].sort());
  });

  it('searches title and description case-insensitively', async () => {
    expect((await ids('?q=REPORT')).sort()).toEqual([mine[0].id, mine[4].id].sort());
    expect(await ids('?q=MILK')).toEqual([mine[1].id]);
    // In the description alone ('Quarterly numbers'), in another case.
    expect(await ids('?q=QUARTERLY')).toEqual([mine[0].id]);
  });

  it('treats % and _ in q as plain characters', async () => {
    expect(await ids('?q=100%25')).toEqual([mine[2].id]);
    expect(await ids('?q=under_score')).toEqual([mine[3].id]);
    expect(await ids('?q=%25')).toEqual([mine[2].id]);
    expect(await ids('?q=_')).toEqual([mine[3].id]);
  });

  it('filters by due date, strictly before and after', async () => {
    expect((await ids('?due_before=2026-12-01T09:00:00Z')).sort()).toEqual([mine[1].id, mine[3].id].sort());
    expect(await ids('?due_after=2026-11-30T09:00:00Z')).toEqual([mine[0].id]);
    expect(await ids('?due_after=2026-11-26&due_before=2026-12-01')).toEqual([mine[3].id]);
  });

  it('sorts by every field in both directions, ties broken by id in the same direction', async () => {
    const byTitle = [...mine]
      .sort((a, b) => a.title.localeCompare(b.title, 'en', { sensitivity: 'base' }))
      .map((task) => task.id);
    expect(await ids('?sort=title')).toEqual(byTitle);
    expect(await ids('?sort=-title')).toEqual([...byTitle].reverse());

    const rank = { low: 0, medium: 1, high: 2 };
    const byPriority = [...mine]
      .sort((a, b) => rank[a.priority] - rank[b.priority] || a.id - b.id)
      .map((task) => task.id);
    expect(await ids('?sort=priority')).toEqual(byPriority);
    expect(await ids('?sort=-priority')).toEqual([...byPriority].reverse());

    const dated = mine
      .filter((task) => task.due_date)
      .sort((a, b) => a.due_date!.localeCompare(b.due_date!))
      .map((task) => task.id);
    const undated = mine.filter((task) => !task.due_date).map((task) => task.id);
    expect(await ids('?sort=due_date')).toEqual([...dated, ...undated.sort((a, b) => a - b)]);
    expect(await ids('?sort=-due_date')).toEqual([...[...dated].reverse(), ...undated.sort((a, b) => b - a)]);

    const tied = [mine[0].id, mine[1].id];
    const asc = await ids('?sort=created_at');
    expect(asc.slice(0, 2)).toEqual([...tied].sort((a, b) => a - b));
    const desc = await ids('?sort=-created_at');
    expect(desc.slice(-2)).toEqual([...tied].sort((a, b) => b - a));
    const byCreated = [...mine]
      .sort((a, b) => a.created_at.localeCompare(b.created_at) || a.id - b.id)
      .map((task) => task.id);
    expect(asc).toEqual(byCreated);
    expect(desc).toEqual([...byCreated].reverse());

    const byUpdated = [...mine]
      .sort((a, b) => a.updated_at.localeCompare(b.updated_at) || a.id - b.id)
      .map((task) => task.id);
    expect(byUpdated).toEqual([mine[3].id, mine[0].id, mine[4].id, mine[1].id, mine[2].id]);
    expect(await ids('?sort=updated_at')).toEqual(byUpdated);
    expect(await ids('?sort=-updated_at')).toEqual([...byUpdated].reverse());
  });

  it("lists only the caller's tasks, also through /api/{user_id}/tasks", async () => {
    const res = await t.request({ method: 'GET', url: `/api/${me.user.id}/tasks?q=report`, token: me.token });
    expect(res.json<TaskPage>().total).toBe(2);
    const theirs = (await list('', other)).json<TaskPage>();
    expect(theirs.total).toBe(1);
    expect(theirs.items[0].title).toBe('Write report for someone else');
  });

  it.each([
    ['limit=0', 'limit'],
    ['limit=101', 'limit'],
    ['limit=abc', 'limit'],
    ['limit=1.5', 'limit'],
    ['offset=-1', 'offset'],
    ['offset=x', 'offset'],
    ['status=done', 'status'],
    ['completed=yes', 'completed'],
    ['priority=urgent', 'priority'],
    ['sort=owner', 'sort'],
    ['sort=--title', 'sort'],
    ['due_before=tomorrow', 'due_before'],
    ['due_after=2026-13-01', 'due_after'],
    ['status=pending&status=completed', 'status'],
    [`q=${'x'.repeat(201)}`, 'q'],
    ['user_id=someone', 'user_id'],
  ])('answers ?%s with 422 naming the parameter', async (query, field) => {
    const res = await list(`?${query}`);
    expect(res.statusCode).toBe(422);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json<Problem>().errors).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
  });

  it('accepts the limits at their edges', async () => {
    const one = await list('?limit=1');
    expect(one.statusCode).toBe(200);
    expect(one.json<TaskPage>().items).toHaveLength(1);
    const hundred = await list('?limit=100&offset=0');
    expect(hundred.statusCode).toBe(200);
    expect(hundred.json<TaskPage>()).toMatchObject({ limit: 100, offset: 0, total: 5 });
  });
});
