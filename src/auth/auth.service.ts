import { ConflictException, Injectable, NotFoundException, UnauthorizedException } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { QueryFailedError } from 'typeorm';
import { AccessTokenService } from './access-token.service.js';
import type { AuthUser } from './current-user.decorator.js';
import { SignInDto } from './dto/sign-in.dto.js';
import { SessionDto, UserDto } from './dto/session.dto.js';
import { SignUpDto } from './dto/sign-up.dto.js';
import { User } from './entities/user.entity.js';
import { PasswordService } from './password.service.js';
import { type IssuedRefresh, SessionsService } from './sessions.service.js';
import { SignInLockoutService } from './sign-in-lockout.service.js';
import { UsersService } from './users.service.js';

@Injectable()
export class AuthService {
  constructor(
    private readonly users: UsersService,
    private readonly passwords: PasswordService,
    private readonly sessions: SessionsService,
    private readonly accessTokens: AccessTokenService,
    private readonly lockout: SignInLockoutService,
  ) {}

  async signUp(dto: SignUpDto): Promise<SessionDto> {
    const passwordHash = await this.passwords.hash(dto.password);
    let user: User;
    try {
      user = await this.users.create({
        id: randomUUID(),
        email: dto.email,
        name: dto.name || dto.email.split('@')[0],
        passwordHash,
      });
    } catch (error) {
      if (error instanceof QueryFailedError && (error.driverError as { code?: string }).code === '23505') {
        throw new ConflictException('An account with this email already exists');
      }
      throw error;
    }
    return this.session(user, await this.sessions.start(user.id));
  }

  async signIn(dto: SignInDto): Promise<SessionDto> {
    await this.lockout.begin(dto.email);
    const account = await this.users.findCredentials(dto.email);
    // Always one argon2 verification, so an unknown email costs what a wrong password costs.
    const ok = await this.passwords.verify(account?.passwordHash ?? null, dto.password);
    if (!account || !ok) throw new UnauthorizedException('Invalid credentials');
    await this.lockout.succeeded(dto.email);
    const user = (await this.users.findById(account.id))!;
    return this.session(user, await this.sessions.start(user.id));
  }

  async refresh(refreshToken: string): Promise<SessionDto> {
    const issued = await this.sessions.rotate(refreshToken);
    const user = await this.users.findById(issued.userId);
    if (!user)
      throw new UnauthorizedException({ message: 'The refresh token is invalid or expired', invalidToken: true });
    return this.session(user, issued);
  }

  async signOut(user: AuthUser, refreshToken?: string): Promise<void> {
    if (user.sessionId) await this.sessions.revoke(user.sessionId);
    if (refreshToken) await this.sessions.revokeByRefreshToken(user.id, refreshToken);
  }

  async me(user: AuthUser): Promise<UserDto> {
    const found = await this.users.findById(user.id);
    if (!found) throw new NotFoundException('User not found');
    return toUserDto(found);
  }

  private async session(user: User, issued: IssuedRefresh): Promise<SessionDto> {
    return {
      user: toUserDto(user),
      token: await this.accessTokens.sign(user, issued.sessionId),
      refresh_token: issued.refreshToken,
      token_type: 'bearer',
      expires_in: this.accessTokens.ttlSeconds,
    };
  }
}

export function toUserDto(user: User): UserDto {
  return { id: user.id, email: user.email, name: user.name, created_at: user.createdAt.toISOString() };
}
