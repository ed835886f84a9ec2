import { randomUUID } from 'node:crypto';
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
export const userIds = (f: Fixtures) => [...f.readers, ...f.betterAuthReaders, ...f.writers, f.large].map((u) => u.id);

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
