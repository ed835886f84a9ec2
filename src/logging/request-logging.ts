import { LogController } from 'fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { routeTemplate } from './request-context.js';

/**
 * One line per request, written when the response is finished: method, route template, status and
 * duration, on the request's logger so it carries the request id. Headers only at debug level, and
 * then redacted (see REDACTED_PATHS).
 */
export class RequestLogController extends LogController {
  constructor() {
    super({ requestIdLogLabel: 'request_id' });
  }

  override incomingRequest(request: FastifyRequest): void {
    request.log.debug({ method: request.method, url: request.url, headers: request.headers }, 'request received');
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const status = reply.statusCode;
    const route = routeTemplate(request);
    const duration_ms = Math.round(reply.elapsedTime * 10) / 10;
    const line = { method: request.method, route, status, duration_ms, ...(error ? { err: error } : {}) };
    const level = error || status >= 500 ? 'error' : 'info';
    reply.log[level](line, `${request.method} ${route} ${status} ${duration_ms} ms`);
  }
}
