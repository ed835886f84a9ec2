import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { etagOf, pageEtagOf, VERSION, type Versioned, type VersionedPage } from './etag.js';

/**
 * Adds the headers of a body its service marked with a VERSION (etag.ts): its ETag (weak for a page of
 * a list), and on a 201 its Location under the route family the client used (`/api/tasks/7` or
 * `/api/{user_id}/tasks/7`). Errors and unversioned bodies get neither. A Fastify hook, not a Nest
 * interceptor: an interceptor's RxJS pipeline cost about 40% of a GET's CPU (docs/performance.md).
 */
export function registerResourceHeaders(fastify: FastifyInstance): void {
  fastify.addHook('preSerialization', resourceHeaders);
}

function resourceHeaders(
  request: FastifyRequest,
  reply: FastifyReply,
  body: unknown,
  done: (error: null, body: unknown) => void,
): void {
  if (isVersioned(body)) {
    reply.header('ETag', etagOf(body));
    if (reply.statusCode === 201) reply.header('Location', `${collectionPath(request.url)}/${body.id}`);
  } else if (isPage(body)) {
    reply.header('ETag', pageEtagOf(body));
  }
  done(null, body);
}

/** The path the resource was created at (`/api/tasks`), without query or trailing slashes. */
function collectionPath(url: string): string {
  const query = url.indexOf('?');
  return (query === -1 ? url : url.slice(0, query)).replace(/\/+$/, '');
}

function isVersioned(body: unknown): body is Versioned {
  return typeof body === 'object' && body !== null && VERSION in body;
}

function isPage(body: unknown): body is VersionedPage {
  return (
    typeof body === 'object' &&
    body !== null &&
    Array.isArray((body as VersionedPage).items) &&
    (body as VersionedPage).items.every(isVersioned)
  );
}
