import { type CanActivate, type ExecutionContext, ForbiddenException, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

/**
 * Ownership for a resource served under two route families: on `/api/{user_id}/<resource>...` (a
 * `:userId` path parameter) the path's user must be the token's user, 403 otherwise; on
 * `/api/<resource>...` there is no path user and the token's user is implied. Runs after
 * JwtAuthGuard. The resource's service still scopes every query by the owner.
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
