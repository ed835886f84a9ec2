import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { map, Observable } from 'rxjs';
import { TASK_VERSION, VersionedTask } from './tasks.service';

/** The strong ETag of a task at a given version. */
export const etagOf = (task: { id: number; [TASK_VERSION]: number }) => `"${task.id}-${task[TASK_VERSION]}"`;

/**
 * Adds the headers a single-task response carries: its ETag, and on creation its Location under the
 * same route family the client used (`/api/tasks/7` or `/api/{user_id}/tasks/7`).
 */
@Injectable()
export class TaskHeadersInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    return next.handle().pipe(
      map((body: unknown) => {
        if (isTask(body)) {
          reply.header('ETag', etagOf(body));
          if (request.method === 'POST') reply.header('Location', `${request.url.split('?')[0].replace(/\/+$/, '')}/${body.id}`);
        }
        return body;
      }),
    );
  }
}

function isTask(body: unknown): body is VersionedTask {
  return typeof body === 'object' && body !== null && TASK_VERSION in body;
}
