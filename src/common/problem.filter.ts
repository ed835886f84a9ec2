import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { PROBLEM_CONTENT_TYPE, toProblem } from './problem.js';

/**
 * The only place errors become responses: Nest's exceptions, Fastify's own errors (bad JSON, body
 * too large, wrong content type, unknown route) and the database's, all as problem+json.
 */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const path = request.url.split('?')[0];
    const problem = toProblem(error, path);

    if (problem.status >= 500) {
      // The request's logger: the line carries the request id the client got in X-Request-Id.
      request.log.error(
        { context: 'Errors', err: error },
        `${request.method} ${path} -> ${problem.status}: ${describe(error)}`,
      );
    }
    if (reply.sent) return;
    if (problem.status === 401) reply.header('WWW-Authenticate', bearerChallenge(error));
    const headers =
      error instanceof HttpException
        ? (error.getResponse() as { headers?: Record<string, string> }).headers
        : undefined;
    if (headers) reply.headers(headers);
    reply.status(problem.status).type(PROBLEM_CONTENT_TYPE).send(problem);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** RFC 6750: a request that carried a token that failed gets `error="invalid_token"`. */
function bearerChallenge(error: unknown): string {
  const invalid = error instanceof HttpException && (error.getResponse() as { invalidToken?: boolean }).invalidToken;
  return invalid ? 'Bearer error="invalid_token"' : 'Bearer';
}
