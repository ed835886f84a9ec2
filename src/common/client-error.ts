import type { Socket } from 'node:net';
import { PROBLEM_CONTENT_TYPE, toProblem } from './problem.js';

/**
 * Answers the errors Node raises before a request exists (headers too large, a request too slow to
 * arrive, bytes that are not HTTP). No filter can see these, so the body comes straight from the
 * catalogue, as problem+json like every other error, instead of Fastify's plain JSON.
 */
export function clientErrorHandler(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const problem = toProblem(error);
  const body = JSON.stringify(problem);
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${problem.status} ${problem.title}\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}
