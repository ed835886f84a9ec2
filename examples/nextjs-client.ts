/**
 * A typed client for the todo API in a Next.js app that signs users in with Better Auth.
 *
 * Types: copy `openapi/schema.d.ts` into the frontend, or regenerate it from a running API with
 * `npx openapi-typescript http://localhost:8000/docs-json -o src/lib/api-schema.d.ts`. When the API's
 * contract changes, calls that no longer fit it stop compiling (see the end of this file).
 *
 * Auth: Better Auth's `jwt` plugin mints a short-lived JWT for the signed-in user; the API verifies it
 * against Better Auth's JWKS (set BETTER_AUTH_URL on the API).
 */
import { createAuthClient } from 'better-auth/client';
import { jwtClient } from 'better-auth/client/plugins';
import createClient, { type Middleware } from 'openapi-fetch';
import type { components, paths } from '../openapi/schema';

export type Task = components['schemas']['TaskDto'];
export type NewTask = components['schemas']['CreateTaskDto'];

export const authClient = createAuthClient({ plugins: [jwtClient()] });

/** Asks Better Auth for a JWT, reusing it until shortly before it expires. */
let cached: { token: string; expiresAt: number } | undefined;
export async function bearerToken(): Promise<string | undefined> {
  if (cached && cached.expiresAt - 30_000 > Date.now()) return cached.token;
  const { data } = await authClient.token();
  if (!data?.token) return undefined;
  const { exp } = JSON.parse(atob(data.token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/'))) as { exp: number };
  cached = { token: data.token, expiresAt: exp * 1000 };
  return cached.token;
}

const withBearer: Middleware = {
  async onRequest({ request }) {
    const token = await bearerToken();
    if (token) request.headers.set('Authorization', `Bearer ${token}`);
    return request;
  },
};

export const API_URL = process.env.NEXT_PUBLIC_API_URL ?? 'http://localhost:8000';
export const api = createClient<paths>({ baseUrl: API_URL });
api.use(withBearer);

/** RFC 9457 problem details, the body of every error the API sends. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    detail: string,
  ) {
    super(detail);
  }
}

async function problem(response: Response): Promise<ApiError> {
  const body = (await response
    .clone()
    .json()
    .catch(() => ({}))) as { detail?: string };
  return new ApiError(response.status, body.detail ?? response.statusText);
}

export async function pendingTasks(): Promise<Task[]> {
  const { data, response } = await api.GET('/api/tasks', {
    params: { query: { status: 'pending', sort: 'due_date', limit: 20 } },
  });
  if (!data) throw await problem(response);
  return data.items;
}

/** Creates a task; the ETag lets a later update refuse to overwrite someone else's change (412). */
export async function addTask(task: NewTask): Promise<{ task: Task; etag: string | null }> {
  const { data, response } = await api.POST('/api/tasks', { body: task });
  if (!data) throw await problem(response);
  return { task: data, etag: response.headers.get('ETag') };
}

export async function completeTask(id: number, etag?: string): Promise<Task> {
  const { data, response } = await api.PATCH('/api/tasks/{id}/complete', {
    params: { path: { id } },
    body: { completed: true },
    headers: etag ? { 'If-Match': etag } : {},
  });
  if (!data) throw await problem(response);
  return data;
}

/** Creates a category (409 if you have one of that name, whatever its case) and a task carrying it. */
export async function addTaskInNewCategory(title: string, category: string): Promise<Task> {
  const created = await api.POST('/api/categories', { body: { name: category, color: '#22c55e' } });
  if (!created.data) throw await problem(created.response);
  return (await addTask({ title, category_ids: [created.data.id] })).task;
}

/** Drag and drop: puts the task right after another (`after_id: null` would put it at the top). */
export async function moveTaskAfter(id: number, afterId: number): Promise<Task> {
  const { data, response } = await api.POST('/api/tasks/{id}/move', {
    params: { path: { id } },
    body: { after_id: afterId },
  });
  if (!data) throw await problem(response);
  return data;
}

/** What the generated types catch at compile time (each line is a type error). */
export async function contractViolations(): Promise<void> {
  // @ts-expect-error: "urgent" is not a priority the API knows.
  await api.POST('/api/tasks', { body: { title: 'Ship it', priority: 'urgent' } });
  // @ts-expect-error: `title` is required.
  await api.POST('/api/tasks', { body: { description: 'No title' } });
  // @ts-expect-error: `/api/todos` is not a route of the API.
  await api.GET('/api/todos');
  const task = await addTask({ title: 'Read the docs' });
  // @ts-expect-error: `title` is a string.
  const title: number = task.task.title;
  void title;
}
