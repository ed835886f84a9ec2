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
export type List = components['schemas']['ListDto'];
/** The body of every error (RFC 9457); a 422's `errors` names each field at fault. */
export type Problem = components['schemas']['Problem'];
export type FieldError = components['schemas']['FieldError'];

export const authClient = createAuthClient({ plugins: [jwtClient()] });

/**
 * Better Auth's JWT for the signed-in user, reused until shortly before it expires. The cache holds
 * one user's access: it is dropped whenever the session changes (sign-in, sign-up, sign-out, a
 * revoked session), so the next user of the tab never sends the previous user's token. A module-
 * level token that outlived sign-out let user B see A's tasks and create tasks as A.
 */
let cached: { token: string; expiresAt: number } | undefined;
let generation = 0;
authClient.$store.listen('$sessionSignal', () => {
  cached = undefined;
  generation++;
});

export async function bearerToken(): Promise<string | undefined> {
  if (cached && cached.expiresAt - 30_000 > Date.now()) return cached.token;
  const asked = generation;
  const { data } = await authClient.token();
  if (!data?.token) return undefined;
  const { exp } = JSON.parse(atob(data.token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/'))) as { exp: number };
  // A sign-out while the token was being fetched: it belongs to the old session, use it once at most.
  if (asked === generation) cached = { token: data.token, expiresAt: exp * 1000 };
  return data.token;
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

/** An error the API answered with: its status and its problem document, typed from the schema. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem,
  ) {
    super(problem.detail);
  }

  /** A 422's messages by field, ready for a form: `{ title: "must be longer than ..." }`. */
  get fieldErrors(): Record<string, string> {
    return Object.fromEntries((this.problem.errors ?? []).map((e: FieldError) => [e.field, e.message]));
  }
}

function apiError(response: Response, problem: Problem | undefined): ApiError {
  return new ApiError(
    response.status,
    problem ?? {
      type: 'about:blank',
      title: response.statusText,
      status: response.status,
      detail: response.statusText,
    },
  );
}

export async function pendingTasks(): Promise<Task[]> {
  const { data, error, response } = await api.GET('/api/tasks', {
    params: { query: { status: 'pending', sort: 'due_date', limit: 20 } },
  });
  if (!data) throw apiError(response, error);
  return data.items;
}

/** Creates a task; the ETag lets a later update refuse to overwrite someone else's change (412). */
export async function addTask(task: NewTask): Promise<{ task: Task; etag: string | null }> {
  const { data, error, response } = await api.POST('/api/tasks', { body: task });
  if (!data) throw apiError(response, error);
  return { task: data, etag: response.headers.get('ETag') };
}

export async function completeTask(id: number, etag?: string): Promise<Task> {
  const { data, error, response } = await api.PATCH('/api/tasks/{id}/complete', {
    params: { path: { id }, header: etag ? { 'If-Match': etag } : {} },
    body: { completed: true },
  });
  if (!data) throw apiError(response, error);
  return data;
}

/** Creates a category (409 if you have one of that name, whatever its case) and a task carrying it. */
export async function addTaskInNewCategory(title: string, category: string): Promise<Task> {
  const created = await api.POST('/api/categories', { body: { name: category, color: '#22c55e' } });
  if (!created.data) throw apiError(created.response, created.error);
  return (await addTask({ title, category_ids: [created.data.id] })).task;
}

/** Makes a list and an invitation code to send to someone: they join as an editor when they accept it. */
export async function shareNewList(name: string): Promise<{ list: List; code: string }> {
  const created = await api.POST('/api/lists', { body: { name } });
  if (!created.data) throw apiError(created.response, created.error);
  const invited = await api.POST('/api/lists/{id}/invitations', {
    params: { path: { id: created.data.id } },
    body: { role: 'editor' },
  });
  if (!invited.data) throw apiError(invited.response, invited.error);
  return { list: created.data, code: invited.data.code };
}

/** Joins a list with a code someone sent (404: expired, used or revoked; 409: already a member). */
export async function joinList(code: string): Promise<List> {
  const { data, error, response } = await api.POST('/api/invitations/{code}/accept', { params: { path: { code } } });
  if (!data) throw apiError(response, error);
  return data;
}

/** Drag and drop: puts the task right after another (`after_id: null` would put it at the top). */
export async function moveTaskAfter(id: number, afterId: number): Promise<Task> {
  const { data, error, response } = await api.POST('/api/tasks/{id}/move', {
    params: { path: { id } },
    body: { after_id: afterId },
  });
  if (!data) throw apiError(response, error);
  return data;
}

/**
 * Renames a task only if nobody changed it since `etag` was read: what a form's submit does. A 412
 * (someone else saved first) and a 422 (the title breaks a rule, by field) come back as values the
 * form shows; anything else is thrown.
 */
export async function renameTask(
  id: number,
  title: string,
  etag: string,
): Promise<
  | { ok: true; task: Task; etag: string | null }
  | { ok: false; conflict: true; detail: string }
  | { ok: false; conflict: false; fields: Record<string, string> }
> {
  const { data, error, response } = await api.PATCH('/api/tasks/{id}', {
    params: { path: { id }, header: { 'If-Match': etag } },
    body: { title },
  });
  if (data) return { ok: true, task: data, etag: response.headers.get('ETag') };
  if (response.status === 412) return { ok: false, conflict: true, detail: error?.detail ?? 'The task changed' };
  if (response.status === 422 && error)
    return { ok: false, conflict: false, fields: apiError(response, error).fieldErrors };
  throw apiError(response, error);
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
