/**
 * The API's typed client and the two helpers from examples/: nothing here is specific to this app
 * but the small `unwrap` that turns an answer into data or an ApiError.
 */
import { ApiError, type Problem } from '../../nextjs-client';

export { api, authClient, bearerToken, ApiError } from '../../nextjs-client';
export type { List, Problem, Task } from '../../nextjs-client';
export type { components } from '../../../openapi/schema';

/** openapi-fetch's answer: data, or the problem document the API sent (RFC 9457). */
interface Answer<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** The data of a successful answer, with its ETag; an ApiError otherwise. */
export async function unwrap<T>(call: Promise<Answer<T>>): Promise<{ data: T; etag: string | null }> {
  const { data, error, response } = await call;
  if (!response.ok) {
    const problem = (error as Problem | undefined) ?? {
      type: 'about:blank',
      title: response.statusText,
      status: response.status,
      detail: `The API answered ${response.status}`,
    };
    throw new ApiError(response.status, problem);
  }
  return { data: data as T, etag: response.headers.get('ETag') };
}

/** A sentence for a person: the problem's detail, or what went wrong with the network. */
export function messageOf(error: unknown): string {
  if (error instanceof ApiError) return error.problem.detail ?? error.problem.title ?? 'The API refused that';
  if (error instanceof TypeError) return 'The API cannot be reached: check your connection';
  return error instanceof Error ? error.message : String(error);
}

/** A 422's message for one field, if the error is one. */
export function fieldError(error: unknown, field: string): string | undefined {
  return error instanceof ApiError ? error.fieldErrors[field] : undefined;
}
