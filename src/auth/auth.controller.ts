import { Body, Controller, Get, Header, HttpCode, HttpStatus, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiConsumes, ApiTags } from '@nestjs/swagger';
import { AuthRateLimitGuard } from './auth-rate-limit.guard.js';
import { AuthService } from './auth.service.js';
import { type AuthUser, CurrentUser } from './current-user.decorator.js';
import { RefreshDto, SignOutDto } from './dto/refresh.dto.js';
import { SessionDto, UserDto } from './dto/session.dto.js';
import { SignInDto } from './dto/sign-in.dto.js';
import { SignUpDto } from './dto/sign-up.dto.js';
import { Public } from './public.decorator.js';

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
  @Header('Location', '/api/auth/me')
  @ApiConsumes('application/json', 'application/x-www-form-urlencoded')
  signUp(@Body() dto: SignUpDto): Promise<SessionDto> {
    return this.auth.signUp(dto);
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
  @ApiConsumes('application/json', 'application/x-www-form-urlencoded')
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
  refresh(@Body() dto: RefreshDto): Promise<SessionDto> {
    return this.auth.refresh(dto.refresh_token);
  }

  /** Sign out: the session's refresh and access tokens stop working */
  @Post('sign-out')
  @ApiBearerAuth()
  @HttpCode(HttpStatus.NO_CONTENT)
  signOut(@CurrentUser() user: AuthUser, @Body() dto: SignOutDto): Promise<void> {
    return this.auth.signOut(user, dto.refresh_token);
  }

  /** The signed-in user */
  @Get('me')
  @ApiBearerAuth()
  me(@CurrentUser() user: AuthUser): Promise<UserDto> {
    return this.auth.me(user);
  }
}
