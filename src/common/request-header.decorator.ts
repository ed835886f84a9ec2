import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

/**
 * One request header by its lower-case name, undefined when absent. Unlike Nest's @Headers() it
 * takes pipes, so a header is parsed and validated like a path parameter.
 */
export const RequestHeader = createParamDecorator((name: string, ctx: ExecutionContext): string | undefined => {
  const value = ctx.switchToHttp().getRequest<FastifyRequest>().headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
});
