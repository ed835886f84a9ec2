import { ApiProperty } from '@nestjs/swagger';

export class UserDto {
  /** @example "5b0d5b8e-8c1e-4a6b-9a53-2f6f2d1c9e41" */
  id: string;
  /** Null for a user provisioned from a token that carried no email. @example "ada@example.com" */
  email: string | null;
  /** @example "Ada Lovelace" */
  name: string;
  /** @example "2026-11-22T10:00:00.000Z" */
  @ApiProperty({ format: 'date-time' })
  created_at: string;
}

export class SessionDto {
  user: UserDto;
  /** HS256 access token: send it as `Authorization: Bearer <token>`. */
  token: string;
  /** Single-use token for POST /api/auth/refresh. */
  refresh_token: string;
  /** @example "bearer" */
  token_type: 'bearer';
  /** Lifetime of `token` in seconds. @example 3600 */
  @ApiProperty({ type: 'integer', minimum: 1 })
  expires_in: number;
}
