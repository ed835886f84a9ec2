import { randomUUID } from 'node:crypto';
import type { BenchUser, Fixtures, SharedList } from './fixtures.js';
import type { Request } from './load.js';

export interface Route {
  name: string;
  /** The p99 target in ms for this route (issue 13: get 15, lists 30, writes 25). */
  p99TargetMs: number;
  requests: Request[];
  /**
   * Concurrent connections for this route, when not the run's: a push of 100 takes seconds at 16,
   * so a 5 s run would finish a push or two per connection and count the rest's CPU against them.
   */
  connections?: number;
}

const list = (users: BenchUser[]): Request[] =>
  users.map((u) => ({ method: 'GET', path: `/api/${u.id}/tasks?limit=50`, token: u.token }));

/** Every (user, task) pair, interleaved across users so consecutive requests hit different users. */
function eachTask(users: BenchUser[], request: (user: BenchUser, taskId: number) => Request): Request[] {
  const longest = Math.max(...users.map((u) => u.taskIds.length));
  const requests: Request[] = [];
  for (let i = 0; i < longest; i++)
    for (const u of users) if (i < u.taskIds.length) requests.push(request(u, u.taskIds[i]));
  return requests;
}

/**
 * The hot routes, on the `/api/{user_id}/tasks` family so that the ownership check is on the path
 * too. The same request lists drive the service and the raw server. `syncCursors` are cursors of
 * the large user, each with at least 500 changes after it.
 */
/**
 * Whether `--routes=` part `part` names route `name`: a whole word of it, so `create` is the create
 * route and not also `push 100 creates`, and `list` is every list route.
 */
export const routeNamed = (name: string, part: string): boolean =>
  name
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .includes(part.toLowerCase());

export function hotRoutes(f: Fixtures, syncCursors: string[]): Route[] {
  return [
    { name: 'list 50 (HS256)', p99TargetMs: 30, requests: list(f.readers) },
    {
      name: 'get one',
      p99TargetMs: 15,
      requests: eachTask(f.readers, (u, id) => ({ method: 'GET', path: `/api/${u.id}/tasks/${id}`, token: u.token })),
    },
    {
      name: 'create',
      p99TargetMs: 25,
      requests: f.writers.map((u) => ({
        method: 'POST',
        path: `/api/${u.id}/tasks`,
        token: u.token,
        body: { title: 'Benchmark task', priority: 'high' },
      })),
    },
    {
      name: 'toggle complete',
      p99TargetMs: 25,
      requests: eachTask(f.readers, (u, id) => ({
        method: 'PATCH',
        path: `/api/${u.id}/tasks/${id}/complete`,
        token: u.token,
      })),
    },
    { name: 'list 50 (EdDSA)', p99TargetMs: 30, requests: list(f.betterAuthReaders) },
    {
      // Each task in turn to the top: a transaction under the user's write lock, like every move,
      // with keys that stay short (no rebalance), so rounds measure the same work.
      name: 'move to top',
      p99TargetMs: 25,
      requests: eachTask(f.readers, (u, id) => ({
        method: 'POST',
        path: `/api/${u.id}/tasks/${id}/move`,
        token: u.token,
        body: { after_id: null },
      })),
    },
    {
      name: 'list by category',
      p99TargetMs: 30,
      requests: f.readers.flatMap((u) =>
        u.categoryIds.map((categoryId): Request => ({
          method: 'GET',
          path: `/api/${u.id}/tasks?limit=50&category_id=${categoryId}`,
          token: u.token,
        })),
      ),
    },
    {
      // A device catching up: a full page of 500 changes (tasks with their category ids) after a
      // cursor, read in one REPEATABLE READ snapshot.
      name: 'sync 500 changes',
      p99TargetMs: 30,
      requests: syncCursors.map((cursor) => ({
        method: 'GET',
        path: `/api/sync?cursor=${cursor}`,
        token: f.large.token,
      })),
    },
    ...(f.shared ? [sharedListRoute(f.shared)] : []),
    {
      // An installation coming back online with 100 queued creates (the contract's most per push):
      // each push from a new client id, so every mutation is applied, none a duplicate.
      name: 'push 100 creates (4 connections)',
      p99TargetMs: 25,
      connections: 4,
      requests: f.writers.map((u) => ({
        method: 'POST',
        path: '/api/sync/push',
        token: u.token,
        body: () => ({ client_id: randomUUID(), mutations: PUSHED_CREATES }),
      })),
    },
  ];
}

/** The mutations of the push route: 100 task.create, numbered from 1. */
const PUSHED_CREATES = Array.from({ length: 100 }, (_, i) => ({
  id: i + 1,
  name: 'task.create',
  args: { title: 'Benchmark task', priority: 'high' },
}));

/**
 * A member (editor) listing a list another user owns: `GET /api/tasks?list_id=`, a page of 50 of
 * its tasks, read through the shared branch of the access rule (list-access.ts's readableTasks).
 */
const sharedListRoute = ({ listId, member }: SharedList): Route => ({
  name: 'list 50 (shared list)',
  p99TargetMs: 30,
  requests: [{ method: 'GET', path: `/api/tasks?list_id=${listId}&limit=50`, token: member.token }],
});

/** Cursors that each have a full page of `pageSize` changes after them, spread over `head` stamps. */
export function syncCursorsBelow(head: number, pageSize = 500, count = 8): string[] {
  const last = head - pageSize;
  if (last < 1) throw new Error(`the large user has only ${head} changes; a sync page needs ${pageSize}`);
  return Array.from({ length: count }, (_, i) => `v1.${1 + Math.floor((i * (last - 1)) / Math.max(1, count - 1))}`);
}

/** The list route for one user, to compare a user with few tasks and one with many. */
export const listOf = (user: BenchUser): Request[] => list([user]);
