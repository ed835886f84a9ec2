import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyBaseLogger, FastifyInstance, FastifyRequest } from 'fastify';

export const REQUEST_ID_HEADER = 'x-request-id';

/** Ids a caller may choose: short and plain, so a crafted header cannot bloat or garble the logs. */
const ACCEPTED_REQUEST_ID = /^[\w.:@-]{1,128}$/;

/** The request's own logger (its id bound) while a handler runs, for code that has no request. */
const requestLogs = new AsyncLocalStorage<FastifyBaseLogger>();

export function currentRequestLogger(): FastifyBaseLogger | undefined {
  return requestLogs.getStore();
}

/** Keeps the caller's X-Request-Id (a proxy or the frontend may have set it) or makes one. */
export function requestId(raw: IncomingMessage): string {
  const given = raw.headers[REQUEST_ID_HEADER];
  return typeof given === 'string' && ACCEPTED_REQUEST_ID.test(given) ? given : randomUUID();
}

/** Returns the id on every response, errors included, and makes the request's logger current. */
export function registerRequestContext(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    reply.header(REQUEST_ID_HEADER, request.id);
    done();
  });
  // After body parsing: the body stream's events would otherwise run outside the context.
  fastify.addHook('preHandler', (request, reply, done) => requestLogs.run(request.log, done));
}

/** The route as declared (`/api/tasks/:id`), never the raw URL: bounded for metric labels, free of ids. */
export function routeTemplate(request: FastifyRequest): string {
  return request.routeOptions.url ?? UNMATCHED_ROUTE;
}

/** Label for requests no route matched (404s, and errors raised before routing). */
export const UNMATCHED_ROUTE = '(unmatched)';
