import type { List, SyncPage, Task } from './support/api-types.js';
import { type EventStreamClient, listen, openEventStream } from './support/event-stream.js';
import { createTestApp, type Session, signUpUsers, type TestApp } from './support/test-app.js';

/**
 * Sync and events that follow access (contract: "Sync and live events", the shared-list bullets),
 * on two instances sharing one database: members writing at once, a member who joins and one who
 * is removed, each replica built only from its own sync pages.
 */

let a: TestApp;
let b: TestApp;
let urlA: string;
const open: EventStreamClient[] = [];

beforeAll(async () => {
  a = await createTestApp();
  b = await createTestApp({}, { db: a.db });
  urlA = await listen(a.app);
});
afterEach(() => {
  for (const stream of open.splice(0)) stream.close();
});
afterAll(async () => {
  await b?.close();
  await a?.close();
});

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';
const call = async (app: TestApp, session: Session, method: Method, url: string, body?: unknown) =>
  app.request({ method, url, token: session.token, body });

/** A client's copy, built only from its sync pages: a lost list takes its tasks with it. */
class Replica {
  readonly tasks = new Map<number, Task>();
  readonly lists = new Map<number, List>();
  cursor: string | undefined;

  constructor(
    private readonly app: TestApp,
    readonly session: Session,
  ) {}

  async catchUp(): Promise<void> {
    for (;;) {
      const query = this.cursor ? `?cursor=${this.cursor}` : '';
      const res = await call(this.app, this.session, 'GET', `/api/sync${query}`);
      expect(res.statusCode).toBe(200);
      const page = res.json<SyncPage>();
      for (const task of page.tasks) this.tasks.set(task.id, task);
      for (const list of page.lists) this.lists.set(list.id, list);
      for (const id of page.deleted.tasks) this.tasks.delete(id);
      for (const id of page.deleted.lists) {
        this.lists.delete(id);
        for (const task of [...this.tasks.values()]) if (task.list_id === id) this.tasks.delete(task.id);
      }
      this.cursor = page.cursor;
      if (!page.has_more) return;
    }
  }
}

/** What `session` can read through the REST routes: every task of every list, and the lists. */
const readable = async (session: Session) => {
  const tasks: Task[] = [];
  for (let offset = 0; ; offset += 100) {
    const res = await call(a, session, 'GET', `/api/tasks?limit=100&offset=${offset}&sort=created_at`);
    const page = res.json<{ items: Task[]; total: number }>();
    tasks.push(...page.items);
    if (offset + 100 >= page.total) break;
  }
  const lists = (await call(a, session, 'GET', '/api/lists')).json<{ items: List[] }>().items;
  return { tasks, lists };
};

const byId = <T extends { id: number }>(rows: Iterable<T>) => [...rows].sort((x, y) => x.id - y.id);
/**
 * A task as sync keeps it: its subtask counts change with its subtasks, which sync sends, not with
 * the task, so a client counts them from the tasks it holds (checked apart, below).
 */
const taskView = ({ subtask_count: _count, pending_subtask_count: _pending, ...task }: Task) => task;
/** Each task's subtask counts as a client keeps them: from the tasks it holds. */
const counted = (tasks: Task[]) =>
  byId(tasks).map((task) => {
    const children = tasks.filter((child) => child.parent_id === task.id);
    return {
      id: task.id,
      subtask_count: children.length,
      pending_subtask_count: children.filter((child) => !child.completed).length,
    };
  });
/** A list as sync sends it: its counts are the client's to keep, so they are left out. */
const listView = ({ id, name, color, role, position, owner_id, is_inbox }: List) => ({
  id,
  name,
  color,
  role,
  position,
  owner_id,
  is_inbox,
});

const invite = async (owner: Session, listId: number, role: 'editor' | 'viewer', app = a) => {
  const res = await call(app, owner, 'POST', `/api/lists/${listId}/invitations`, { role });
  expect(res.statusCode).toBe(201);
  return res.json<{ code: string }>().code;
};
const join = async (owner: Session, member: Session, listId: number, role: 'editor' | 'viewer', app = a) => {
  const code = await invite(owner, listId, role, app);
  expect((await call(app, member, 'POST', `/api/invitations/${code}/accept`)).statusCode).toBe(200);
};
const newList = async (owner: Session, name: string) => {
  const res = await call(a, owner, 'POST', '/api/lists', { name });
  expect(res.statusCode).toBe(201);
  return res.json<List>().id;
};

describe('shared lists in sync', () => {
  it('gives every member exactly what they can read while three write at once and a fourth joins and is removed', async () => {
    const [owner, second, third, fourth] = await signUpUsers(a, 4);
    const listId = await newList(owner, 'Household');
    await join(owner, second, listId, 'editor');
    await join(owner, third, listId, 'editor');
    const replicas = [owner, second, third, fourth].map((session) => new Replica(a, session));
    for (const replica of replicas) await replica.catchUp();

    let writing = true;
    // Each member writes on its own instance half the time: announcements cross instances too.
    const writer = async (session: Session, index: number) => {
      const mine: number[] = [];
      for (let i = 0; i < 24; i++) {
        const app = i % 2 ? a : b;
        const step = (i + index) % 6;
        if (step < 2 || mine.length < 2) {
          const parent = step === 1 && mine.length ? mine[mine.length - 1] : undefined;
          const body = parent
            ? { title: `sub ${index}.${i}`, parent_id: parent }
            : { title: `task ${index}.${i}`, list_id: listId };
          const res = await call(app, session, 'POST', '/api/tasks', body);
          if (res.statusCode === 201) mine.push(res.json<Task>().id);
        } else if (step === 2) {
          await call(app, session, 'PATCH', `/api/tasks/${mine[i % mine.length]}/complete`);
        } else if (step === 3) {
          await call(app, session, 'PATCH', `/api/tasks/${mine[(i * 7) % mine.length]}`, {
            title: `renamed ${index}.${i}`,
          });
        } else if (step === 4) {
          const [gone] = mine.splice(i % mine.length, 1);
          await call(app, session, 'DELETE', `/api/tasks/${gone}`);
        } else {
          await call(app, session, 'POST', '/api/tasks/complete-all?status=pending&q=sub', { completed: true });
        }
      }
    };
    // Every replica syncs while the writing goes on, so pages are read between concurrent commits.
    const poller = async (replica: Replica) => {
      while (writing) {
        await replica.catchUp();
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    };
    const membership = async () => {
      await new Promise((resolve) => setTimeout(resolve, 100));
      await join(owner, fourth, listId, 'viewer', b);
      await replicas[3].catchUp();
      expect(replicas[3].lists.has(listId)).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 150));
      expect((await call(b, owner, 'DELETE', `/api/lists/${listId}/members/${fourth.user.id}`)).statusCode).toBe(204);
    };
    const polling = Promise.all(replicas.map(poller));
    try {
      await Promise.all([owner, second, third].map(writer).concat(membership()));
    } finally {
      writing = false;
      await polling;
    }

    for (const replica of replicas) {
      await replica.catchUp();
      const server = await readable(replica.session);
      expect(byId(replica.tasks.values()).map(taskView)).toEqual(byId(server.tasks).map(taskView));
      expect(counted([...replica.tasks.values()])).toEqual(
        byId(server.tasks).map(({ id, subtask_count, pending_subtask_count }) => ({
          id,
          subtask_count,
          pending_subtask_count,
        })),
      );
      expect(byId(replica.lists.values()).map(listView)).toEqual(byId(server.lists).map(listView));
    }
    // The members saw the shared list's tasks; the removed one has none of it left.
    expect([...replicas[1].tasks.values()].filter((task) => task.list_id === listId).length).toBeGreaterThan(10);
    expect(replicas[3].lists.has(listId)).toBe(false);
    expect([...replicas[3].tasks.values()].some((task) => task.list_id === listId)).toBe(false);
    // And what the removed member can read through REST is none of it either.
    expect((await call(a, fourth, 'GET', `/api/lists/${listId}`)).statusCode).toBe(404);
  });
});

describe('shared lists in events, across instances', () => {
  const isChange = (event: { event: string }) => event.event === 'change';

  it('tells a member on instance A of a change on instance B within 1 s, and a non-member nothing', async () => {
    const [owner, member, stranger] = await signUpUsers(a, 3);
    const listId = await newList(owner, 'Team');
    await join(owner, member, listId, 'editor', b);
    const memberOnA = await openEventStream(urlA, member.token);
    const strangerOnA = await openEventStream(urlA, stranger.token);
    open.push(memberOnA, strangerOnA);
    await new Promise((resolve) => setTimeout(resolve, 100));

    const seen = memberOnA.events.length;
    expect((await call(b, owner, 'POST', '/api/tasks', { title: 'From B', list_id: listId })).statusCode).toBe(201);
    // From the commit (the response) on: the contract's 1 s.
    const started = Date.now();
    await memberOnA.next((event) => isChange(event) && memberOnA.events.indexOf(event) >= seen, 1_000);
    expect(Date.now() - started).toBeLessThan(1_000);
    // Another moment for anything misrouted to arrive; the stranger heard nothing.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(strangerOnA.events.filter(isChange)).toEqual([]);
  });

  it('ends access on instance A at once when a member is removed on instance B, and tells their stream', async () => {
    const [owner, member] = await signUpUsers(a, 2);
    const listId = await newList(owner, 'Short-lived');
    await join(owner, member, listId, 'editor');
    const task = (await call(a, owner, 'POST', '/api/tasks', { title: 'Shared', list_id: listId })).json<Task>();
    expect((await call(a, member, 'GET', `/api/tasks/${task.id}`)).statusCode).toBe(200);
    const memberOnA = await openEventStream(urlA, member.token);
    open.push(memberOnA);
    await new Promise((resolve) => setTimeout(resolve, 100));

    const seen = memberOnA.events.length;
    expect((await call(b, owner, 'DELETE', `/api/lists/${listId}/members/${member.user.id}`)).statusCode).toBe(204);
    expect((await call(a, member, 'GET', `/api/tasks/${task.id}`)).statusCode).toBe(404);
    expect((await call(a, member, 'GET', `/api/lists/${listId}`)).statusCode).toBe(404);
    expect((await call(a, member, 'PATCH', `/api/tasks/${task.id}`, { title: 'too late' })).statusCode).toBe(404);
    await memberOnA.next((event) => isChange(event) && memberOnA.events.indexOf(event) >= seen, 1_000);
  });
});
