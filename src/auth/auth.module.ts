import { Module } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { APP_GUARD } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { TypeOrmModule } from '@nestjs/typeorm';
import { createSecretKey } from 'node:crypto';
import { authConfig } from '../config/auth.config.js';
import { AccessTokenService } from './access-token.service.js';
import { AuthRateLimitService } from './auth-rate-limit.service.js';
import { AuthRateLimitsRepository } from './auth-rate-limits.repository.js';
import { AuthController } from './auth.controller.js';
import { AuthService } from './auth.service.js';
import { BetterAuthTokensService } from './better-auth-tokens.service.js';
import { AuthSession } from './entities/auth-session.entity.js';
import { RefreshToken } from './entities/refresh-token.entity.js';
import { User } from './entities/user.entity.js';
import { JwtAuthGuard } from './jwt-auth.guard.js';
import { PasswordService } from './password.service.js';
import { SessionsRepository } from './sessions.repository.js';
import { SessionsService } from './sessions.service.js';
import { SignInAttemptsRepository } from './sign-in-attempts.repository.js';
import { SignInLockoutService } from './sign-in-lockout.service.js';
import { TokenVerifierService } from './token-verifier.service.js';
import { UsersRepository } from './users.repository.js';
import { UsersService } from './users.service.js';

@Module({
  imports: [
    TypeOrmModule.forFeature([User, AuthSession, RefreshToken]),
    JwtModule.registerAsync({
      inject: [authConfig.KEY],
      useFactory: (config: ConfigType<typeof authConfig>) => {
        // A KeyObject: given the string, jsonwebtoken tries it as a public key on every verify, and
        // that failed attempt cost a quarter of the CPU under load (docs/performance.md).
        const key = createSecretKey(Buffer.from(config.secret));
        return {
          secretOrKeyProvider: () => key,
          signOptions: { algorithm: 'HS256' },
          verifyOptions: { algorithms: ['HS256'] },
        };
      },
    }),
  ],
  controllers: [AuthController],
  providers: [
    AuthService,
    AccessTokenService,
    AuthRateLimitService,
    BetterAuthTokensService,
    PasswordService,
    SessionsService,
    SignInLockoutService,
    TokenVerifierService,
    UsersService,
    AuthRateLimitsRepository,
    SessionsRepository,
    SignInAttemptsRepository,
    UsersRepository,
    { provide: APP_GUARD, useClass: JwtAuthGuard },
  ],
  // SessionsService: event streams end when their session is signed out.
  exports: [UsersService, SessionsService],
})
export class AuthModule {}
