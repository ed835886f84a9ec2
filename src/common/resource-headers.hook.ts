import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { etagOf, pageEtagOf, VERSION, type Versioned, type VersionedPage } from './etag.js';

/**
 * Adds the headers a resource response carries, for any resource whose service marks what it
 * returns with its VERSION (etag.ts): its ETag (a page of a list gets a weak one), and on a 201 its
 * Location under the route family the client used (`/api/tasks/7` or `/api/{user_id}/tasks/7`).
 * Handlers only return the resource; errors and unversioned bodies get neither header.
 *
 * A Fastify hook rather than a Nest interceptor: an interceptor puts every request of the controller
 * through an RxJS pipeline and two AsyncResources, which the benchmark showed costing about 40% of
 * the CPU of a GET of one task (docs/performance.md).
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
