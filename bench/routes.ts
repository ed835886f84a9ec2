import type { BenchUser, Fixtures } from './fixtures.js';
import type { Request } from './load.js';

export interface Route {
  name: string;
  /** The p99 target in ms for this route. */
  p99TargetMs: number;
  requests: Request[];
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
 * too. The same request lists drive the service and the raw server.
 */
export function hotRoutes(f: Fixtures): Route[] {
  return [
    { name: 'list 50 (HS256)', p99TargetMs: 25, requests: list(f.readers) },
    {
      name: 'get one',
      p99TargetMs: 15,
      requests: eachTask(f.readers, (u, id) => ({ method: 'GET', path: `/api/${u.id}/tasks/${id}`, token: u.token })),
    },
    {
      name: 'create',
      p99TargetMs: 15,
      requests: f.writers.map((u) => ({
        method: 'POST',
        path: `/api/${u.id}/tasks`,
        token: u.token,
        body: { title: 'Benchmark task', priority: 'high' },
      })),
    },
    {
      name: 'toggle complete',
      p99TargetMs: 15,
      requests: eachTask(f.readers, (u, id) => ({
        method: 'PATCH',
        path: `/api/${u.id}/tasks/${id}/complete`,
        token: u.token,
      })),
    },
    { name: 'list 50 (EdDSA)', p99TargetMs: 25, requests: list(f.betterAuthReaders) },
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
      p99TargetMs: 25,
      requests: f.readers.flatMap((u) =>
        u.categoryIds.map((categoryId): Request => ({
          method: 'GET',
          path: `/api/${u.id}/tasks?limit=50&category_id=${categoryId}`,
          token: u.token,
        })),
      ),
    },
  ];
}

/** The list route for one user, to compare a user with few tasks and one with many. */
export const listOf = (user: BenchUser): Request[] => list([user]);
