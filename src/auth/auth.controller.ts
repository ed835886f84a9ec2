import { Body, Controller, Get, HttpCode, HttpStatus, Post, Res, UseGuards } from '@nestjs/common';
import {
  ApiConsumes,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  type HeaderObject,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ApiProblem, ApiProblems } from '../openapi/api-problems.decorator.js';
import { ApiAuthenticated, ApiJsonBody, ApiRateLimited } from '../openapi/api-route.decorator.js';
import { AuthRateLimitGuard } from './auth-rate-limit.guard.js';
import { AuthService } from './auth.service.js';
import { type AuthUser, CurrentUser } from './current-user.decorator.js';
import { RefreshDto, SignOutDto } from './dto/refresh.dto.js';
import { SessionDto, UserDto } from './dto/session.dto.js';
import { SignInDto } from './dto/sign-in.dto.js';
import { SignUpDto } from './dto/sign-up.dto.js';
import { Public } from './public.decorator.js';

const ME_LOCATION: HeaderObject = {
  description: 'Where the new user is: `/api/auth/me`',
  schema: { type: 'string', format: 'uri-reference', example: '/api/auth/me' },
};

@ApiTags('auth')
@Controller('api/auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  /**
   * Create an account and sign in
   *
   * JSON or form body. 409 if the email is taken (case-insensitive).
   */
  @Public()
  @UseGuards(AuthRateLimitGuard)
  @Post('sign-up/email')
  @ApiOperation({ operationId: 'signUp' })
  @ApiConsumes('application/json', 'application/x-www-form-urlencoded')
  @ApiJsonBody(SignUpDto)
  @ApiCreatedResponse({ type: SessionDto, headers: { Location: ME_LOCATION } })
  @ApiProblem(409, 'An account with this email exists (compared case-insensitively)')
  @ApiRateLimited()
  @ApiProblems(503)
  async signUp(@Body() dto: SignUpDto, @Res({ passthrough: true }) reply: FastifyReply): Promise<SessionDto> {
    const session = await this.auth.signUp(dto);
    // Set here rather than with @Header, which Nest applies to error responses too (a 409 is no user).
    reply.header('Location', '/api/auth/me');
    return session;
  }

  /**
   * Sign in with email and password
   *
   * JSON or form body. An unknown email and a wrong password get the same 401. After 10 failed
   * sign-ins for one email within 15 minutes, its sign-ins get 429 until the window has passed.
   */
  @Public()
  @UseGuards(AuthRateLimitGuard)
  @Post('sign-in/email')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ operationId: 'signIn' })
  @ApiConsumes('application/json', 'application/x-www-form-urlencoded')
  @ApiJsonBody(SignInDto)
  @ApiOkResponse({ type: SessionDto })
  @ApiProblem(401, 'Invalid credentials: the same answer for an unknown email and a wrong password')
  @ApiRateLimited()
  @ApiProblems(503)
  signIn(@Body() dto: SignInDto): Promise<SessionDto> {
    return this.auth.signIn(dto);
  }

  /**
   * Exchange a refresh token for a new session
   *
   * The refresh token is spent. Presenting a spent one again revokes the whole session.
   */
  @Public()
  @UseGuards(AuthRateLimitGuard)
  @Post('refresh')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ operationId: 'refreshSession' })
  @ApiJsonBody(RefreshDto)
  @ApiOkResponse({ type: SessionDto })
  @ApiProblem(401, 'The refresh token is unknown, expired, revoked or spent (a spent one revokes its whole session)')
  @ApiRateLimited()
  @ApiProblems(503)
  refresh(@Body() dto: RefreshDto): Promise<SessionDto> {
    return this.auth.refresh(dto.refresh_token);
  }

  /** Sign out: the session's refresh and access tokens stop working */
  @Post('sign-out')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ operationId: 'signOut' })
  @ApiAuthenticated()
  @ApiJsonBody(SignOutDto, { required: false })
  @ApiNoContentResponse({ description: 'Signed out' })
  signOut(@CurrentUser() user: AuthUser, @Body() dto: SignOutDto): Promise<void> {
    return this.auth.signOut(user, dto.refresh_token);
  }

  /** The signed-in user */
  @Get('me')
  @ApiOperation({ operationId: 'getCurrentUser' })
  @ApiAuthenticated()
  @ApiOkResponse({ type: UserDto })
  me(@CurrentUser() user: AuthUser): Promise<UserDto> {
    return this.auth.me(user);
  }
}
