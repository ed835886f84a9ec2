import type { FastifyReply, FastifyRequest, preSerializationHookHandler } from 'fastify';
import { TASK_VERSION, VersionedTask } from './tasks.service';

/** The strong ETag of a task at a given version. */
export const etagOf = (task: { id: number; [TASK_VERSION]: number }) => `"${task.id}-${task[TASK_VERSION]}"`;

/**
 * Adds the headers a single-task response carries: its ETag, and on creation its Location under the
 * same route family the client used (`/api/tasks/7` or `/api/{user_id}/tasks/7`).
 *
 * A Fastify hook rather than a Nest interceptor: an interceptor puts every request of the controller
 * through an RxJS pipeline and two AsyncResources, which the benchmark showed costing about 40% of
 * the CPU of a GET of one task (docs/readme/performance.md).
 */
export const taskHeaders: preSerializationHookHandler<unknown> = (request: FastifyRequest, reply: FastifyReply, body: unknown, done) => {
  if (isTask(body)) {
    reply.header('ETag', etagOf(body));
    if (request.method === 'POST') reply.header('Location', `${request.url.split('?')[0].replace(/\/+$/, '')}/${body.id}`);
  }
  done(null, body);
};

function isTask(body: unknown): body is VersionedTask {
  return typeof body === 'object' && body !== null && TASK_VERSION in body;
}
