import { type CanActivate, type ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { IS_PUBLIC } from './public.decorator.js';
import { TokenVerifierService } from './token-verifier.service.js';

const BEARER = /^bearer[ \t]+([^\s]+)[ \t]*$/i;

/** Global guard: every route needs a valid bearer token unless marked @Public(). */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly verifier: TokenVerifierService,
  ) {}

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()])) return true;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const token = bearerToken(request.headers.authorization);
    // A token seen before is answered from what was remembered, without a promise.
    const known = this.verifier.knownUser(token);
    if (known) {
      request.user = known;
      return true;
    }
    return this.verifier.authenticate(token).then((user) => {
      request.user = user;
      return true;
    });
  }
}

export function bearerToken(header: string | undefined): string {
  if (!header) throw new UnauthorizedException('Missing bearer token: send Authorization: Bearer <token>');
  const match = BEARER.exec(header);
  if (!match)
    throw new UnauthorizedException({
      message: 'The Authorization header must be "Bearer <token>"',
      invalidToken: true,
    });
  return match[1];
}
