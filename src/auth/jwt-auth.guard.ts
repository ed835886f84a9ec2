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

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()])) return true;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    request.user = await this.verifier.authenticate(bearerToken(request.headers.authorization));
    return true;
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
