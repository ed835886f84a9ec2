import { createParamDecorator, type ExecutionContext, InternalServerErrorException } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

/** Who a verified bearer token says the caller is. */
export interface AuthUser {
  id: string;
  email: string | null;
  /** The service's own sessions only: lets sign-out revoke the token's session. */
  sessionId?: string;
  /** When the token expires (seconds since the epoch): a long-lived event stream ends then. */
  expiresAt?: number;
  /** Which verifier accepted the token. */
  issuer: 'service' | 'better-auth';
}

declare module 'fastify' {
  interface FastifyRequest {
    user?: AuthUser;
  }
}

/**
 * The authenticated user. Fails loudly on a route that forgot its guard, rather than handing a
 * handler `undefined` and letting it act for nobody.
 */
export const CurrentUser = createParamDecorator((_: unknown, ctx: ExecutionContext): AuthUser => {
  const user = ctx.switchToHttp().getRequest<FastifyRequest>().user;
  if (!user) throw new InternalServerErrorException('CurrentUser used on a route without authentication');
  return user;
});
