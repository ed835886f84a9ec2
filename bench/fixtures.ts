import { randomUUID } from 'node:crypto';
import { generateNKeysBetween } from 'fractional-indexing';
import type { Client } from 'pg';
import { BetterAuthIssuer } from './better-auth-issuer.js';
import { load, type Request } from './load.js';

export interface BenchUser {
  id: string;
  token: string;
  taskIds: number[];
  /** The user's categories; task i carries categoryIds[i % length]. */
  categoryIds: number[];
}

export interface Fixtures {
  /** Users with HS256 tokens from the service's own sign-up, each with `tasksPerUser` tasks. */
  readers: BenchUser[];
  /** Users with Better Auth EdDSA tokens, provisioned by the service on first sight. */
  betterAuthReaders: BenchUser[];
  /** Users whose task lists grow under the create route, so the readers' lists keep their size. */
  writers: BenchUser[];
  /** One user with `largeTasks` tasks and `largeCategories` categories, for the list's growth. */
  large: BenchUser;
  /** A list of another user's that `member` edits (set up by SQL, see shareList); absent on a baseline without lists. */
  shared?: SharedList;
}

/** A list owned by `owner`, with `member` as an editor and the member's labels on its tasks. */
export interface SharedList {
  listId: number;
  owner: BenchUser;
  /** `taskIds` and `categoryIds` are the member's view: the list's tasks, the member's own labels. */
  member: BenchUser;
}

const PRIORITIES = ['low', 'medium', 'high'];

/** Everything is created through the service's API, as a client would. */
export async function seed(
  serviceUrl: string,
  issuer: BetterAuthIssuer,
  sizes: {
    users: number;
    tasksPerUser: number;
    largeTasks: number;
    categoriesPerUser: number;
    largeCategories: number;
  },
): Promise<Fixtures> {
  const signUps = (n: number) => Promise.all(Array.from({ length: n }, () => signUp(serviceUrl)));
  const readers = await signUps(sizes.users);
  const writers = await signUps(sizes.users);
  const [large] = await signUps(1);
  const betterAuthReaders: BenchUser[] = [];
  for (let i = 0; i < sizes.users; i++) {
    const id = `bench-better-auth-${randomUUID()}`;
    const token = await issuer.sign({ id, email: `${id}@example.com`, name: `Bench ${i}` });
    betterAuthReaders.push({ id, token, taskIds: [], categoryIds: [] });
  }
  for (const user of [...readers, ...betterAuthReaders]) {
    await addCategories(serviceUrl, user, sizes.categoriesPerUser);
    await addTasks(serviceUrl, user, sizes.tasksPerUser);
  }
  await addCategories(serviceUrl, large, sizes.largeCategories);
  await addTasks(serviceUrl, large, sizes.largeTasks);
  return { readers, betterAuthReaders, writers, large };
}

/** The ids of every user the fixtures created (to clean up a shared database). */
export const userIds = (f: Fixtures) =>
  [...f.readers, ...f.betterAuthReaders, ...f.writers, f.large]
    .concat(f.shared ? [f.shared.owner, f.shared.member] : [])
    .map((u) => u.id);

/**
 * A shared list, set up with SQL as the lists API would leave it: two users signed up through the
 * API, a list of the owner's with both as members (owner, editor), `sizes.tasksPerUser` tasks in it
 * shaped like the readers' (created a second apart, so newest first is a stable order), and
 * `sizes.categoriesPerUser` categories of the member's, task i labelled with the member's category
 * i mod n (labels are personal). The tasks' and labels' triggers stamp both members as the API's
 * writes would.
 */
export async function shareList(
  serviceUrl: string,
  sql: Client,
  sizes: { tasksPerUser: number; categoriesPerUser: number },
): Promise<SharedList> {
  const [owner, member] = await Promise.all([signUp(serviceUrl), signUp(serviceUrl)]);
  const [{ id: listId }] = (
    await sql.query<{ id: number }>(
      `INSERT INTO lists (owner_id, name) VALUES ($1, 'Bench shared list') RETURNING id`,
      [owner.id],
    )
  ).rows;
  await sql.query(
    `INSERT INTO list_members (list_id, user_id, role, position) VALUES ($1, $2, 'owner', 'm0'), ($1, $3, 'editor', 'm1')`,
    [listId, owner.id, member.id],
  );
  await addCategories(serviceUrl, member, sizes.categoriesPerUser);
  const n = sizes.tasksPerUser;
  const taskIds = (
    await sql.query<{ id: number }>(
      `INSERT INTO tasks (user_id, list_id, created_by, title, description, priority, due_date, position, created_at, updated_at)
       SELECT $1, $2, $1, 'Task ' || (i + 1), CASE WHEN i % 3 = 0 THEN NULL ELSE 'Details for task ' || (i + 1) END,
              ($3::text[])[i % 3 + 1]::task_priority,
              CASE WHEN i % 2 = 1 THEN timestamptz '2027-01-01 00:00:00Z' + make_interval(days => i % 365) END,
              ($4::text[])[i + 1], now() - make_interval(secs => $5 - i), now() - make_interval(secs => $5 - i)
         FROM generate_series(0, $5 - 1) AS i ORDER BY i
       RETURNING id`,
      [owner.id, listId, PRIORITIES, generateNKeysBetween(null, null, n), n],
    )
  ).rows.map((row) => row.id);
  await sql.query(
    `INSERT INTO task_categories (user_id, task_id, category_id)
     SELECT $1, task.id, ($3::int[])[(task.n - 1) % cardinality($3::int[]) + 1]
       FROM unnest($2::int[]) WITH ORDINALITY AS task (id, n)`,
    [member.id, taskIds, member.categoryIds],
  );
  member.taskIds = taskIds;
  return { listId, owner, member };
}

async function signUp(url: string): Promise<BenchUser> {
  const response = await fetch(`${url}/api/auth/sign-up/email`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: `bench-${randomUUID()}@example.com`, password: 'bench password 123' }),
  });
  if (response.status !== 201) throw new Error(`sign-up failed: ${response.status} ${await response.text()}`);
  const session = (await response.json()) as { user: { id: string }; token: string };
  return { id: session.user.id, token: session.token, taskIds: [], categoryIds: [] };
}

async function addCategories(url: string, user: BenchUser, count: number): Promise<void> {
  const requests: Request[] = Array.from({ length: count }, (_, i) => ({
    method: 'POST',
    path: `/api/${user.id}/categories`,
    token: user.token,
    body: { name: `Category ${i + 1}` },
  }));
  const result = await load(url, requests, { connections: Math.min(8, count), amount: count });
  if (result.failures) throw new Error(`seeding ${user.id}: ${result.failures} of ${count} categories failed`);
  const list = await fetch(`${url}/api/${user.id}/categories`, { headers: { authorization: `Bearer ${user.token}` } });
  user.categoryIds = ((await list.json()) as { items: { id: number }[] }).items.map((c) => c.id);
}

async function addTasks(url: string, user: BenchUser, count: number): Promise<void> {
  const requests: Request[] = Array.from({ length: count }, (_, i) => ({
    method: 'POST',
    path: `/api/${user.id}/tasks`,
    token: user.token,
    body: {
      title: `Task ${i + 1}`,
      description: i % 3 ? `Details for task ${i + 1}` : null,
      priority: PRIORITIES[i % 3],
      due_date: i % 2 ? new Date(Date.UTC(2027, 0, 1 + (i % 365))).toISOString() : null,
      category_ids: user.categoryIds.length ? [user.categoryIds[i % user.categoryIds.length]] : [],
    },
  }));
  const result = await load(url, requests, { connections: 32, amount: count });
  if (result.failures) throw new Error(`seeding ${user.id}: ${result.failures} of ${count} task creations failed`);
  const page = await fetch(`${url}/api/${user.id}/tasks?limit=100`, {
    headers: { authorization: `Bearer ${user.token}` },
  });
  const body = (await page.json()) as { items: { id: number }[]; total: number };
  if (body.total !== count)
    throw new Error(`seeding ${user.id}: expected ${count} tasks, the service lists ${body.total}`);
  user.taskIds = body.items.map((t) => t.id);
}
