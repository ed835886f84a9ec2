import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { AuthRateLimitService } from './auth-rate-limit.service.js';

/** Applies AUTH_RATE_LIMIT to a route, keyed by the client address. */
@Injectable()
export class AuthRateLimitGuard implements CanActivate {
  constructor(private readonly limits: AuthRateLimitService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    await this.limits.hit(context.switchToHttp().getRequest<FastifyRequest>().ip);
    return true;
  }
}
