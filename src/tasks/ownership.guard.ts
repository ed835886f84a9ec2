import { type CanActivate, type ExecutionContext, ForbiddenException, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

/**
 * On `/api/{user_id}/tasks...`, the path's user must be the token's user (403 otherwise). Runs
 * after JwtAuthGuard; on `/api/tasks...` there is no path user and the token's user is implied.
 */
@Injectable()
export class OwnershipGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<FastifyRequest<{ Params: { userId?: string } }>>();
    const pathUser = request.params.userId;
    if (pathUser !== undefined && pathUser !== request.user?.id) {
      throw new ForbiddenException("The user in the path is not the token's user");
    }
    return true;
  }
}
