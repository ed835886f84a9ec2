import { Module } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { APP_GUARD } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { createSecretKey } from 'node:crypto';
import { authConfig } from '../config/auth.config';
import { AccessTokenService } from './access-token.service';
import { AuthRateLimitService } from './auth-rate-limit.service';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { BetterAuthTokensService } from './better-auth-tokens.service';
import { JwtAuthGuard } from './jwt-auth.guard';
import { PasswordService } from './password.service';
import { SessionsService } from './sessions.service';
import { SignInLockoutService } from './sign-in-lockout.service';
import { TokenVerifierService } from './token-verifier.service';
import { UsersService } from './users.service';

@Module({
  imports: [
    JwtModule.registerAsync({
      inject: [authConfig.KEY],
      useFactory: (config: ConfigType<typeof authConfig>) => {
        // A KeyObject, made once: given the string, jsonwebtoken first tries to parse it as a public
        // key on every verify, and that failed attempt cost a quarter of the CPU under load.
        const key = createSecretKey(Buffer.from(config.secret));
        return { secretOrKeyProvider: () => key, signOptions: { algorithm: 'HS256' }, verifyOptions: { algorithms: ['HS256'] } };
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
    { provide: APP_GUARD, useClass: JwtAuthGuard },
  ],
  exports: [UsersService],
})
export class AuthModule {}
